// Guards: the agent's role may call ssm:UpdateInstanceInformation and the ssmmessages channel actions (ec2messages:* for agents < 3.3.40.0).
import { skip, type Check, type Fix, type TargetContext, type Verdict } from '../src/check/kit.js';
import { agentRoleArn, agentRoleName, credentialSource, instanceAccount } from '../src/facts/lookup.js';
import { awsManagedPolicyArn, decide, tfLabel, type PermissionAnswer } from '../src/eval/permissions.js';
import { AGENT_CORE_ACTIONS, AGENT_EC2MESSAGES_ACTIONS, MIN_AGENT, instanceArn } from '../src/facts/requirements.js';
import { compareVersions } from '../src/eval/version.js';
import { isNoSuchEntity } from '../src/facts/facts.js';
import { actionProvenByAgent } from '../src/eval/path.js';
import { denyFix } from '../src/fix/deny.js';
import { retrySentence } from '../src/fix/late-fix.js';

/** After a fix the agent notices it at its next credentials retry; how to restart it depends on the OS (PowerShell on Windows). */
function backoff(ctx: TargetContext): string {
  const inst = ctx.facts.instances[ctx.id];
  const windows = inst?.ok === true && inst.value?.platform === 'windows';
  const restart = windows ? 'Restart-Service AmazonSSMAgent in PowerShell as Administrator' : 'sudo systemctl restart amazon-ssm-agent';
  return `After fixing it, restart the SSM Agent (${restart}) or reboot the instance: ${retrySentence(['credentials'])}.`;
}

export const iamPermissions: Check = {
  meta: {
    id: 'iam.permissions',
    explains: ['agent.ping', 'session.connection'],
    fixes: 'Attach `AmazonSSMManagedInstanceCore`, or remove the denying statement',
    title: 'The agent role may call Session Manager',
    group: 'iam',
    description:
      "The SSM Agent's role (instance profile or DHMC) must allow ssm:UpdateInstanceInformation and " +
      'ssmmessages:Create/OpenControlChannel and Create/OpenDataChannel (agents older than 3.3.40.0 also ' +
      'ec2messages:*), judged on effective permissions: wildcards, NotAction and explicit Deny included.',
  },
  // The role is the resource: every instance using it shares the finding.
  subject: (ctx) => agentRoleName(ctx),
  run(ctx) {
    const src = credentialSource(ctx);
    if (src.kind === 'none' || src.kind === 'instance-profile-without-role' || src.kind === 'instance-profile-missing') {
      skip('the instance has no role for the SSM Agent (see iam.instance-profile)');
    }
    const roleName = src.kind === 'instance-profile' ? src.role.name : src.roleName;
    const dhmcRole = src.kind === 'dhmc' ? ctx.facts.roles[roleName] : undefined;
    if (dhmcRole && !dhmcRole.ok && isNoSuchEntity(dhmcRole.error)) {
      skip(`DHMC role ${roleName} does not exist, so it has no permissions to judge (see iam.role-trust)`);
    }
    const roleArn = agentRoleArn(ctx);
    if (!roleArn) skip(`the ARN of DHMC role ${roleName} is unknown (the role and the caller's account could not be read)`);
    const dhmc = src.kind === 'dhmc';
    const managed = dhmc ? 'AmazonSSMManagedEC2InstanceDefaultPolicy' : 'AmazonSSMManagedInstanceCore';
    const whose = `${dhmc ? 'DHMC role' : 'Role'} ${roleName}`;

    const core = heartbeatOnInstance(ctx, roleArn, roleName, decide(ctx.facts, roleArn, roleName, [...AGENT_CORE_ACTIONS], '*'));
    const ec2 = decide(ctx.facts, roleArn, roleName, [...AGENT_EC2MESSAGES_ACTIONS], '*');
    const method = methodOf([...core, ...ec2]);
    const data = { roleArn, method, answers: [...core, ...ec2] };

    const coreMissing = core.filter((a) => a.decision !== 'allowed');
    const coreUncertain = core.filter((a) => a.conditional);
    const ec2Missing = ec2.filter((a) => a.decision !== 'allowed');
    const version = agentVersion(ctx);
    const oldAgent = version !== undefined && compareVersions(version, MIN_AGENT.ssmmessagesFirst) < 0;
    // What the live agent proves: a denied action it is using right now is allowed by something the decision
    // cannot see (a condition's context the simulation was not given...). Never a Deny read in the role's own
    // documents without a condition: nothing (an SCP, a boundary) turns an explicit Deny into an Allow.
    const certainDeny = (a: PermissionAnswer) => a.method === 'policy-documents' && a.decision === 'explicitDeny' && !a.conditional;
    const proof = (a: PermissionAnswer) => (certainDeny(a) ? undefined : actionProvenByAgent(ctx, a.action));
    const certain = (a: PermissionAnswer) => !a.conditional && !proof(a);
    const contradicted = [...coreMissing, ...(oldAgent ? ec2Missing : [])].filter((a) => !a.conditional && proof(a));

    if (coreMissing.some(certain) || (oldAgent && ec2Missing.some(certain))) {
      const missing = [...coreMissing, ...(oldAgent ? ec2Missing : [])];
      const ec2Note = oldAgent
        ? ` The agent is ${version}, older than ${MIN_AGENT.ssmmessagesFirst}, so it also needs ec2messages:*.`
        : ec2Missing.length > 0
          ? ` Also missing: ${list(ec2Missing)} (only needed by agents older than ${MIN_AGENT.ssmmessagesFirst}).`
          : '';
      // Without ssm:UpdateInstanceInformation the agent cannot heartbeat; without only session actions it can.
      const heartbeat = missing.some((a) => a.action === 'ssm:UpdateInstanceInformation');
      return {
        status: 'fail',
        detail: `${whose} may not call ${list(missing)}.${ec2Note} ${decidedBy(method)}`,
        fix: fixFor(ctx, roleName, roleArn, managed, missing),
        data,
        ...(heartbeat ? {} : { explains: ['session.connection'] }),
      };
    }

    if (contradicted.length > 0) {
      const proofs = [...new Set(contradicted.map((a) => proof(a)!))];
      return {
        status: 'warn',
        detail:
          `${whose} may not call ${list(contradicted)} according to ${method === 'simulation' ? 'the simulation' : "the role's policy documents"}, yet ${proofs.join(', and ')}: ` +
          'the live agent is allowed by something the decision does not see (a condition on the request context such as the source VPC, ' +
          `VPC endpoint or instance ARN, which the decision was not given)${dhmcFallback(ctx, src.kind)}. ${decidedBy(method)}`,
        fix: fixFor(ctx, roleName, roleArn, managed, contradicted),
        data: { ...data, provenByAgent: contradicted.map((a) => a.action) },
      };
    }

    if (coreMissing.length > 0 || coreUncertain.length > 0 || (oldAgent && ec2Missing.length > 0)) {
      const unsure = [...new Set([...coreMissing, ...coreUncertain, ...(oldAgent ? ec2Missing : [])])];
      return {
        status: 'warn',
        detail:
          `${whose}: ${list(unsure)} depend on a Condition, policy variable or permissions boundary that ` +
          `ssm-doctor could not evaluate; the agent may be denied. ${decidedBy(method)} ${backoff(ctx)}`,
        data,
      };
    }

    if (ec2Missing.length > 0 && version !== undefined) {
      // A known agent >= 3.3.40.0 talks to ssmmessages only: ec2messages:* is not needed.
      return {
        status: 'pass',
        detail:
          `${whose} allows ${AGENT_CORE_ACTIONS.join(', ')}. It does not allow ${list(ec2Missing)}, which agent ${version} ` +
          `does not use (only agents older than ${MIN_AGENT.ssmmessagesFirst} do). ${decidedBy(method)}`,
        data,
      };
    }

    if (ec2Missing.length > 0) {
      return {
        status: 'warn',
        detail:
          `${whose} allows the Session Manager actions but not ${list(ec2Missing)}, which agents older than ` +
          `${MIN_AGENT.ssmmessagesFirst} use (${version ? `this agent is ${version}` : 'the agent version is unknown'}). ${decidedBy(method)}`,
        fix: fixFor(ctx, roleName, roleArn, managed, ec2Missing),
        data,
      };
    }

    return {
      status: 'pass',
      detail: `${whose} allows every Session Manager action and ec2messages:*. ${decidedBy(method)}`,
      data,
    };
  },
};

/**
 * Evaluated locally, ssm:UpdateInstanceInformation is asked about the instance itself (its resource type is the
 * instance): a statement scoped to `arn:aws:ec2:*:*:instance/*` decides it, which a request on `*` would miss.
 * (The simulation is asked on `*` by the collector, once per role for the whole fleet.)
 */
function heartbeatOnInstance(ctx: TargetContext, roleArn: string, roleName: string, core: PermissionAnswer[]): PermissionAnswer[] {
  if (!core.some((a) => a.method === 'policy-documents') || !ctx.id.startsWith('i-')) return core;
  const account = instanceAccount(ctx);
  if (!account) return core;
  const [onInstance] = decide(ctx.facts, roleArn, roleName, ['ssm:UpdateInstanceInformation'], instanceArn(ctx.region, account, ctx.id));
  return core.map((a) => (a.action === 'ssm:UpdateInstanceInformation' && onInstance ? onInstance : a));
}

/** With DHMC on, an instance profile role that may not heartbeat is passed over for the DHMC role. */
function dhmcFallback(ctx: TargetContext, kind: string): string {
  const dhmc = ctx.facts.dhmc;
  if (kind !== 'instance-profile' || !dhmc.ok || !dhmc.value.roleName) return '';
  return `, or the agent uses the Default Host Management Configuration role ${dhmc.value.roleName}, as it does when the instance profile's role may not call ssm:UpdateInstanceInformation`;
}

function agentVersion(ctx: TargetContext): string | undefined {
  const a = ctx.facts.agents[ctx.id];
  return a?.ok ? (a.value?.agentVersion ?? undefined) : undefined;
}

function methodOf(answers: PermissionAnswer[]): PermissionAnswer['method'] {
  return answers.some((a) => a.method === 'policy-documents') ? 'policy-documents' : 'simulation';
}

function decidedBy(m: PermissionAnswer['method']): string {
  return m === 'simulation'
    ? '(iam:SimulatePrincipalPolicy)'
    : "Decided by evaluating the role's policy documents locally, since iam:SimulatePrincipalPolicy was not available; Organizations SCPs were not evaluated.";
}

/** `ssm:X (implicitly denied), ssmmessages:Y (explicitly denied by Policy#Sid)`; all six ec2messages alike: `ec2messages:* (...)`. */
function list(answers: PermissionAnswer[]): string {
  const how = (a: PermissionAnswer) => {
    if (a.decision === 'allowed') return 'allowed only under a condition';
    const d = a.decision === 'explicitDeny' ? 'explicitly denied' : 'implicitly denied';
    return `${d}${a.via ? ` by ${a.via}` : ''}${a.conditional ? ', if its condition holds' : ''}`;
  };
  const ec2 = answers.filter((a) => a.action.startsWith('ec2messages:'));
  const collapse = ec2.length === AGENT_EC2MESSAGES_ACTIONS.length && new Set(ec2.map(how)).size === 1;
  const items = answers.filter((a) => !collapse || !ec2.includes(a)).map((a) => `${a.action} (${how(a)})`);
  if (collapse) items.push(`ec2messages:* (${how(ec2[0]!)})`);
  return items.join(', ');
}

function fixFor(ctx: TargetContext, roleName: string, roleArn: string, managed: string, missing: PermissionAnswer[]): Fix {
  const policyArn = awsManagedPolicyArn(ctx.region, managed);
  const denies = missing.filter((a) => a.decision === 'explicitDeny');
  const implicit = missing.filter((a) => a.decision === 'implicitDeny');
  const parts: string[] = [];
  const cli: string[] = [];
  const terraform: string[] = [];
  if (implicit.length > 0) {
    parts.push(`Attach ${managed} to role ${roleName}.`);
    cli.push(`aws iam attach-role-policy --role-name ${roleName} --policy-arn ${policyArn}`);
    terraform.push(
      [`resource "aws_iam_role_policy_attachment" "${tfLabel(roleName)}_ssm" {`, `  role       = "${roleName}"`, `  policy_arn = "${policyArn}"`, '}'].join('\n'),
    );
  }
  if (denies.length > 0) {
    // An Allow (the attachment) never overrides a Deny: the fix is the Deny itself.
    const deny = denyFix(ctx.facts, { name: roleName, arn: roleArn }, denies);
    parts.push(deny.summary);
    cli.push(...deny.cli);
    terraform.push(deny.terraform!.trimEnd());
  }
  // The agent's backoff after the fix is the diagnosis's later step (diagnosis.then), not part of this fix.
  return { summary: parts.join(' '), cli, terraform: `${terraform.join('\n\n')}\n` };
}
