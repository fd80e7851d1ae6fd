// Guards: the agent's role can be assumed: an instance profile role trusts ec2.amazonaws.com, a DHMC role ssm.amazonaws.com.
import { need, skip, type Check, type Fix, type TargetContext } from '../src/check/kit.js';
import { failed, isNoSuchEntity, type PolicyDocument, type PolicyStatement } from '../src/facts/facts.js';
import { evaluatePolicies, statementsOf } from '../src/eval/iam-policy.js';
import { agentRoleName, credentialSource } from '../src/facts/lookup.js';
import { awsManagedPolicyArn, shellJson, tfLabel } from '../src/eval/permissions.js';

export const iamRoleTrust: Check = {
  meta: {
    id: 'iam.role-trust',
    explains: ['iam.permissions', 'agent.ping', 'session.connection'],
    fixes: 'Trust policy for `ec2.amazonaws.com` (or `ssm.amazonaws.com` for DHMC) via `aws iam update-assume-role-policy`',
    title: 'The agent role trusts EC2 (or SSM for DHMC)',
    group: 'iam',
    description:
      'An instance profile role must trust ec2.amazonaws.com for sts:AssumeRole, and a Default Host ' +
      'Management Configuration role ssm.amazonaws.com; otherwise no credentials reach the SSM Agent.',
  },
  // The role is the resource: every instance using it shares the finding.
  subject: (ctx) => agentRoleName(ctx),
  run(ctx) {
    const src = credentialSource(ctx);
    if (src.kind === 'none' || src.kind === 'instance-profile-without-role' || src.kind === 'instance-profile-missing') {
      skip('the instance has no role for the SSM Agent (see iam.instance-profile)');
    }
    const dhmc = src.kind === 'dhmc';
    const service = dhmc ? 'ssm.amazonaws.com' : 'ec2.amazonaws.com';
    const roleName = dhmc ? src.roleName : src.role.name;

    let roleArn: string;
    let trust: PolicyDocument | undefined;
    if (src.kind === 'instance-profile') {
      roleArn = src.role.arn;
      trust = src.role.trustPolicy;
      if (!trust) {
        const role = need(ctx.facts.roles[roleName], `role ${roleName}`);
        trust = role.trustPolicy;
      }
    } else {
      const fetched = ctx.facts.roles[roleName];
      if (fetched && !fetched.ok && isNoSuchEntity(fetched.error)) {
        return {
          status: 'fail',
          detail:
            `Default Host Management Configuration names role ${roleName}, which does not exist: ` +
            'instances without an instance profile get no credentials.',
          fix: trustFix(ctx, roleName, service, undefined, true),
        };
      }
      const role = need(fetched, `DHMC role ${roleName}`);
      roleArn = role.arn;
      trust = role.trustPolicy;
    }
    if (!trust) {
      return need(
        failed({ api: 'iam:GetRole', code: 'NoTrustPolicy', message: `no trust policy was returned for role ${roleName}`, kind: 'other' }),
        `the trust policy of role ${roleName}`,
      );
    }

    const r = evaluatePolicies([{ name: `trust policy of ${roleName}`, document: trust }], {
      action: 'sts:AssumeRole',
      resource: roleArn,
      principal: { type: 'Service', id: service },
    });
    const who = `${dhmc ? 'DHMC role' : 'Role'} ${roleName}`;
    const data = { roleArn, service, decision: r.decision, ...(r.statement ? { statement: r.statement } : {}) };
    const stmt = r.statement ? `statement ${r.statement.sid ?? `#${r.statement.index}`}` : '';

    if (r.decision === 'allowed' && !r.conditional) {
      return { status: 'pass', detail: `${who} trusts ${service} for sts:AssumeRole (${stmt}).`, data };
    }
    if (r.conditional) {
      const keys = conditionKeys(trust, r.statement?.index);
      return {
        status: 'warn',
        detail:
          `${who} trusts ${service} for sts:AssumeRole only under a condition (${stmt}${keys ? `: ${keys}` : ''}) ` +
          `that ssm-doctor cannot evaluate${r.decision === 'explicitDeny' ? '; when it holds, the Deny blocks the agent' : ''}.`,
        data,
      };
    }
    const trusted = trustedPrincipals(trust);
    return {
      status: 'fail',
      detail:
        `${who} cannot be assumed by ${service}: ${r.decision === 'explicitDeny' ? `${stmt} explicitly denies it` : 'no statement allows it'}` +
        `${trusted.length > 0 ? ` (it trusts ${trusted.join(', ')})` : ''}, so the SSM Agent gets no credentials.`,
      fix: trustFix(ctx, roleName, service, r.decision === 'explicitDeny' ? withoutStatement(trust, r.statement?.index) : trust, false),
      data,
    };
  },
};

function conditionKeys(doc: PolicyDocument, index: number | undefined): string {
  const st = index === undefined ? undefined : statementsOf(doc)[index];
  if (!st?.Condition) return '';
  return Object.entries(st.Condition)
    .flatMap(([op, kv]) => Object.keys(kv ?? {}).map((k) => `${op} ${k}`))
    .join(', ');
}

function trustedPrincipals(doc: PolicyDocument): string[] {
  const out: string[] = [];
  for (const st of statementsOf(doc)) {
    if (st.Effect !== 'Allow' || !st.Principal) continue;
    // A Principal that is a bare string other than "*" is invalid IAM, but name it as it is, not letter by letter.
    if (typeof st.Principal === 'string') out.push(st.Principal);
    else if (typeof st.Principal === 'object') {
      for (const v of Object.values(st.Principal)) out.push(...(Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string'));
    }
  }
  return [...new Set(out)];
}

function withoutStatement(doc: PolicyDocument, index: number | undefined): PolicyDocument {
  return { ...doc, Statement: statementsOf(doc).filter((_, i) => i !== index) };
}

/** Keeps the other statements of the current trust policy and adds the missing service trust. */
function trustFix(ctx: TargetContext, roleName: string, service: string, current: PolicyDocument | undefined, create: boolean): Fix {
  const allow: PolicyStatement = { Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' };
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: [...statementsOf(current), allow] };
  const label = tfLabel(roleName);
  const others = statementsOf(current).length > 0 ? '      # ...keep the other statements of the current trust policy\n' : '';
  const dhmcNote =
    service === 'ssm.amazonaws.com'
      ? [
          `aws iam attach-role-policy --role-name ${roleName} --policy-arn ${awsManagedPolicyArn(ctx.region, 'AmazonSSMManagedEC2InstanceDefaultPolicy')}`,
        ]
      : [];
  return {
    summary: create
      ? `Create role ${roleName} trusting ${service} with AmazonSSMManagedEC2InstanceDefaultPolicy, or point DHMC at an existing role.`
      : `Let ${service} assume role ${roleName}: add an Allow sts:AssumeRole statement for it to the trust policy.`,
    cli: create
      ? [`aws iam create-role --role-name ${roleName} --assume-role-policy-document ${shellJson({ Version: '2012-10-17', Statement: [allow] })}`, ...dhmcNote]
      : [`aws iam update-assume-role-policy --role-name ${roleName} --policy-document ${shellJson(doc)}`],
    terraform: [
      `resource "aws_iam_role" "${label}" {`,
      `  name = "${roleName}"`,
      '  assume_role_policy = jsonencode({',
      '    Version = "2012-10-17"',
      '    Statement = [',
      others + '      {',
      '        Action    = "sts:AssumeRole"',
      '        Effect    = "Allow"',
      `        Principal = { Service = "${service}" }`,
      '      }',
      '    ]',
      '  })',
      '}',
    ].join('\n'),
  };
}
