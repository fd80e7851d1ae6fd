// "May the agent's role do X on Y?" as one finding of a multi-part check, decided by decide() (simulation, or
// the role's policies evaluated locally); missing grants are collected so one inline policy can fix them all.
import { NeedFact, describeApiError, need, type TargetContext } from '../check/kit.js';
import type { Finding } from '../check/findings.js';
import { agentRoleArn, credentialSource, instanceOf } from '../facts/lookup.js';
import { denyFix } from '../fix/deny.js';
import type { MissingPermission } from '../fix/role-policy.js';
import { decide, type PermissionAnswer } from './permissions.js';

export interface AgentRole {
  arn?: string;
  name?: string;
  /** Why there is no role to judge. */
  why?: string;
}

/** The agent's role (instance profile role or DHMC role), or why there is none. Never throws. */
export function agentRoleOf(ctx: TargetContext): AgentRole {
  try {
    const src = credentialSource(ctx);
    const arn = agentRoleArn(ctx);
    if (src.kind === 'instance-profile') return { arn, name: src.role.name };
    if (src.kind === 'dhmc') return { arn, name: src.roleName, ...(arn ? {} : { why: `the ARN of DHMC role ${src.roleName} is unknown` }) };
    if (src.kind === 'instance-profile-without-role') return { why: `instance profile ${src.profile.name} has no role` };
    if (src.kind === 'instance-profile-missing') return { why: `instance profile ${src.profileArn} does not exist` };
    return { why: 'the instance has no instance profile and Default Host Management Configuration is off' };
  } catch (e) {
    if (!(e instanceof NeedFact)) throw e;
    return { why: describeApiError(e.apiError, e.what) };
  }
}

/** The account the preferences' ARNs live in: the caller's (as the collector asks), else the instance owner's. */
export function preferencesAccountOf(ctx: TargetContext): string {
  const caller = ctx.facts.caller;
  if (!caller.ok) {
    const owner = instanceOf(ctx).ownerId;
    if (owner) return owner;
  }
  return need(caller, 'the caller identity (account id)').account;
}

export interface PermissionAsk {
  /** What the permission is for ("CloudWatch logging to /ssm/sessions"). */
  label: string;
  actions: string[];
  resource: string;
  /** A sentence appended to the finding (its note: said once per verdict). */
  extra?: string;
  /** The grant to add when missing (default: these actions on this resource). */
  grant?: MissingPermission;
}

/** How a decision was made, for a sentence. */
export function decidedBy(method: PermissionAnswer['method'] | undefined): string {
  return method === 'simulation' ? 'iam:SimulatePrincipalPolicy' : 'the role policies evaluated locally';
}

/**
 * One finding: `fail` on an explicit deny (fix: remove the Deny) or an implicit deny (the grant is pushed to
 * `missing`), `warn` when only a condition or permissions boundary allows it, else `pass`.
 */
export function rolePermission(ctx: TargetContext, role: AgentRole, ask: PermissionAsk, missing: MissingPermission[]): Finding {
  const { label, actions, resource } = ask;
  const note = ask.extra?.trim() ? { note: ask.extra.trim() } : {};
  const on = onResource(ask);
  if (!role.arn) {
    return {
      status: 'warn',
      text: `${label}: cannot check ${actions.join(', ')} because the agent has no role to check (${role.why}); the iam checks cover that.`,
    };
  }
  const answers = decide(ctx.facts, role.arn, role.name, actions, resource);
  const method = answers[0]?.method;
  const by = decidedBy(method);
  const implicit = answers.filter((a) => a.decision === 'implicitDeny');
  const conditional = answers.filter((a) => a.conditional);
  const subject = role.name;
  const deny = denyFinding(ctx, { ...role, arn: role.arn }, ask, answers);
  if (deny) return deny;
  if (implicit.length > 0) {
    missing.push(ask.grant ?? { actions: implicit.map((a) => a.action), resource });
    return {
      status: 'fail',
      method,
      subject,
      text: `${label}: role ${role.name} is not allowed ${implicit.map((a) => a.action).join(', ')} ${on} (${by}).`,
      ...note,
    };
  }
  if (conditional.length > 0) {
    return {
      status: 'warn',
      method,
      text:
        `${label}: role ${role.name} is allowed ${actions.join(', ')} ${on} only depending on a condition or permissions ` +
        `boundary that could not be evaluated (${by}).`,
      ...note,
    };
  }
  return { status: 'pass', method, text: `${label}: role ${role.name} may ${actions.join(', ')} (${by}).`, ...note };
}

/** `on <resource>`, or `on it` when the label names the resource already ("KMS key arn:…"). */
function onResource(ask: PermissionAsk): string {
  return ask.label.includes(ask.resource) ? 'on it' : `on ${ask.resource}`;
}

/** `fail` with the Deny's fix when some answer is a certain explicit Deny; undefined otherwise. */
function denyFinding(ctx: TargetContext, role: AgentRole & { arn: string }, ask: PermissionAsk, answers: PermissionAnswer[]): Finding | undefined {
  const denied = answers.filter((a) => a.decision === 'explicitDeny' && !a.conditional);
  if (denied.length === 0) return undefined;
  const names = denied.map((a) => a.action).join(', ');
  return {
    status: 'fail',
    method: denied[0]!.method,
    subject: role.name,
    text: `${ask.label}: role ${role.name} is explicitly denied ${names} ${onResource(ask)}${denied[0]!.via ? ` (by ${denied[0]!.via})` : ''} (${decidedBy(denied[0]!.method)}).`,
    ...(ask.extra?.trim() ? { note: ask.extra.trim() } : {}),
    fix: denyFix(ctx.facts, { name: role.name ?? role.arn.split('/').pop()!, arn: role.arn }, denied),
  };
}

/**
 * For a grant IAM does not have to give (a key policy that names the role itself): only a certain explicit Deny in
 * IAM (identity policies, boundary, SCPs in a simulation) takes it away. That Deny as a failing finding; undefined
 * when there is none or the IAM side cannot be decided (the grant stands on its own).
 */
export function roleDeny(ctx: TargetContext, role: AgentRole, ask: PermissionAsk): Finding | undefined {
  if (!role.arn) return undefined;
  try {
    return denyFinding(ctx, { ...role, arn: role.arn }, ask, decide(ctx.facts, role.arn, role.name, ask.actions, ask.resource));
  } catch (e) {
    if (e instanceof NeedFact) return undefined;
    throw e;
  }
}
