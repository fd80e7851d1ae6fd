// Guards: the person connecting may ssm:StartSession on the instance and the session document (and kms:GenerateDataKey with KMS).
import { NeedFact, need, type Check, type Fix, type TargetContext } from '../src/check/kit.js';
import { instanceOf } from '../src/facts/lookup.js';
import { decide, shellJson, type PermissionAnswer } from '../src/eval/permissions.js';
import { clientQuestions, instanceArn } from '../src/facts/requirements.js';
import { callerPrincipal, type Principal } from '../src/eval/caller.js';
import { dataKeyLeftToIam } from '../src/eval/session-key.js';
import { resolvedTargets } from '../src/facts/session-targets.js';

export const clientPermissions: Check = {
  meta: {
    id: 'client.permissions',
    fixes: 'Policy statement granting `ssm:StartSession` (and `kms:GenerateDataKey`) to your identity',
    title: 'You may start a session on the instance',
    group: 'client',
    description:
      'The identity connecting needs ssm:StartSession on the instance and on the session document ' +
      '(SSM-SessionManagerRunShell), plus kms:GenerateDataKey on the key when session encryption is on (in its IAM ' +
      'policies when the key policy delegates to them; session.kms-key judges the key policy), in the same account as the instance.',
  },
  // The person running ssm-doctor: one cause across the instances.
  subject: (ctx) => (ctx.facts.caller.ok ? ctx.facts.caller.value.arn : 'caller'),
  run(ctx) {
    const inst = instanceOf(ctx);
    const caller = need(ctx.facts.caller, 'the caller identity');
    const who = callerPrincipal(ctx, caller.arn);
    const instanceAccount = inst.ownerId ?? caller.account;
    const crossAccount = instanceAccount !== caller.account;

    const startQs = clientQuestions(ctx.region, instanceAccount, inst.id, null);
    const start = startQs.flatMap((q) => decide(ctx.facts, who.arn, who.roleName, q.actions, q.resource));
    const prefs = ctx.facts.preferences;
    // kms:GenerateDataKey on the session key: the IAM side only, as far as the key policy leaves it to IAM (when it
    // alone decides, session.kms-key judges it; when it allows you itself, only an explicit IAM Deny matters).
    const leftToIam = prefs.ok ? dataKeyLeftToIam(ctx, who.arn) : 'nothing';
    const kmsQ =
      prefs.ok && leftToIam !== 'nothing'
        ? clientQuestions(ctx.region, instanceAccount, inst.id, prefs.value, resolvedTargets(ctx.facts, ctx.region, instanceAccount)).slice(startQs.length)
        : [];
    const kms = kmsQ.flatMap((q) => (leftToIam === 'deny-only' ? denialsOnly(() => decide(ctx.facts, who.arn, who.roleName, q.actions, q.resource)) : decide(ctx.facts, who.arn, who.roleName, q.actions, q.resource)));
    const answers = [...start, ...kms];
    const method = answers.some((a) => a.method === 'policy-documents') ? 'policy-documents' : 'simulation';
    const data = { caller: caller.arn, principal: who.arn, account: caller.account, instanceAccount, method, answers };

    // The account is said when the ARN does not show it, or when the instance is another account's.
    const head = caller.arn.includes(`:${caller.account}:`) && !crossAccount ? `You are ${caller.arn}` : `You are ${caller.arn} (account ${caller.account})`;
    const accountNote = crossAccount
      ? ` ${inst.id} belongs to account ${instanceAccount}, not yours: Session Manager starts sessions in the caller's own account, so use credentials of account ${instanceAccount}.`
      : '';
    const by = method === 'simulation' ? 'iam:SimulatePrincipalPolicy' : `evaluating the policy documents of role ${who.roleName} locally (no SCPs)`;
    const missing = answers.filter((a) => a.decision !== 'allowed' && !a.conditional);
    const uncertain = answers.filter((a) => a.conditional);

    if (missing.length > 0) {
      const prefsNote = prefs.ok ? '' : ' The Session Manager preferences could not be read, so kms:GenerateDataKey was not checked.';
      return {
        status: 'fail',
        detail: `${head}; you may not ${describe(missing)} (decided by ${by}).${accountNote}${prefsNote}`,
        fix: fixFor(who, forEveryTarget(ctx, instanceAccount, missing)),
        data,
      };
    }
    // Nothing missing among what could be checked: an unreadable preferences document leaves KMS unknown.
    if (!prefs.ok) need(prefs, 'the Session Manager preferences (SSM-SessionManagerRunShell)');
    if (uncertain.length > 0 || crossAccount) {
      return {
        status: 'warn',
        detail:
          `${head}.` +
          (uncertain.length > 0 ? ` ${describe(uncertain)} depend on a condition that ${by} could not evaluate.` : '') +
          accountNote,
        data,
      };
    }
    // The resources are in `data`: the sentence names what they are.
    const what = [...new Set(answers.map((a) => `${a.action} on ${resourceKind(a.resource)}`))].join(', ');
    return { status: 'pass', detail: `${head}; you may ${what} (decided by ${by}).`, data };
  },
};

/** Above this many instances, the statement names every instance of the account and region (a role's inline policies are limited to 10,240 characters). */
const MAX_LISTED_INSTANCES = 20;

/**
 * The missing StartSession on this instance, asked for every instance of this run in the same account: each target's
 * fix is then the same one policy (a fleet's `put-role-policy` commands would otherwise replace each other).
 */
function forEveryTarget(ctx: TargetContext, account: string, missing: PermissionAnswer[]): PermissionAnswer[] {
  const own = instanceArn(ctx.region, account, ctx.id);
  const ids = ctx.facts.targets.filter((id) => {
    const f = ctx.facts.instances[id];
    return id.startsWith('i-') && f?.ok === true && f.value !== null && (f.value.ownerId ?? account) === account;
  });
  const arns = ids.length > MAX_LISTED_INSTANCES ? [instanceArn(ctx.region, account, '*')] : ids.map((id) => instanceArn(ctx.region, account, id));
  return missing.flatMap((a) => (a.action === 'ssm:StartSession' && a.resource === own ? arns.map((resource) => ({ ...a, resource })) : [a]));
}

/** The explicit Denies among the answers (a grant made elsewhere stands unless denied); none when undecidable. */
function denialsOnly(answers: () => PermissionAnswer[]): PermissionAnswer[] {
  try {
    return answers().filter((a) => a.decision === 'explicitDeny');
  } catch (e) {
    if (e instanceof NeedFact) return [];
    throw e;
  }
}

function describe(answers: PermissionAnswer[]): string {
  return answers
    .map((a) => {
      const how =
        a.decision === 'allowed'
          ? 'allowed only under a condition'
          : `${a.decision === 'explicitDeny' ? 'explicitly' : 'implicitly'} denied${a.via ? ` by ${a.via}` : ''}${a.conditional ? ' if its condition holds' : ''}`;
      return `${a.action} on ${a.resource} (${how})`;
    })
    .join(', ');
}

/** `the instance`, `document SSM-SessionManagerRunShell`, `key 1234…`: what an ARN names, short. */
function resourceKind(arn: string): string {
  const m = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:([^/]+)\/(.+)$/.exec(arn);
  if (!m) return arn;
  if (m[1] === 'ec2' && m[2] === 'instance') return `instance ${m[3]}`;
  return `${m[2]} ${m[3]}`;
}

function fixFor(who: Principal, missing: PermissionAnswer[]): Fix {
  const byAction = new Map<string, string[]>();
  for (const a of missing) byAction.set(a.action, [...(byAction.get(a.action) ?? []), a.resource]);
  const statements = [...byAction].map(([action, resources]) => ({
    Effect: 'Allow' as const,
    Action: action,
    Resource: resources.length === 1 ? resources[0]! : resources,
  }));
  const policy = { Version: '2012-10-17', Statement: statements };
  const denies = missing.filter((a) => a.decision === 'explicitDeny');
  const denyNote =
    denies.length > 0
      ? ` Also remove or narrow the Deny on ${[...new Set(denies.map((a) => a.via ?? a.action))].join(', ')} (in your policies, permissions boundary or an SCP).`
      : '';
  const tfStatements = statements
    .map((s) => {
      const res = Array.isArray(s.Resource) ? `[${s.Resource.map((r) => `"${r}"`).join(', ')}]` : `"${s.Resource}"`;
      return `      {\n        Effect   = "Allow"\n        Action   = "${s.Action}"\n        Resource = ${res}\n      },`;
    })
    .join('\n');
  const target = who.roleName ? `role ${who.roleName}` : who.arn;
  const userName = /:user\//.test(who.arn) ? who.arn.split('/').pop() : undefined;
  // A role or a user gets an inline policy; any other principal (federated, root) a managed policy to attach.
  const cli = who.roleName
    ? `aws iam put-role-policy --role-name ${who.roleName} --policy-name ssm-start-session --policy-document ${shellJson(policy)}`
    : userName
      ? `aws iam put-user-policy --user-name ${userName} --policy-name ssm-start-session --policy-document ${shellJson(policy)}`
      : `aws iam create-policy --policy-name ssm-start-session --policy-document ${shellJson(policy)}`;
  const tfResource = who.roleName ? 'aws_iam_role_policy' : userName ? 'aws_iam_user_policy' : 'aws_iam_policy';
  const tfOwner = who.roleName ? `  role   = "${who.roleName}"` : userName ? `  user   = "${userName}"` : '';
  const attach = !who.roleName && !userName ? ' Attach the new policy ssm-start-session to the role or permission set you sign in with.' : '';
  const sso = who.roleName?.startsWith('AWSReservedSSO_')
    ? ' This role is managed by IAM Identity Center: add the statement to its permission set instead.'
    : '';
  return {
    summary: `Allow ${[...byAction.keys()].join(', ')} for ${target}.${attach}${denyNote}${sso}`,
    cli: [cli],
    terraform: [
      `resource "${tfResource}" "ssm_start_session" {`,
      '  name   = "ssm-start-session"',
      ...(tfOwner ? [tfOwner] : []),
      '  policy = jsonencode({',
      '    Version = "2012-10-17"',
      '    Statement = [',
      tfStatements,
      '    ]',
      '  })',
      '}',
    ].join('\n'),
  };
}
