// Guards: a hybrid node (mi-) can get credentials and be registered again: its service role exists and trusts ssm.amazonaws.com, and its activation has not expired or reached its registration limit.
import { need, skip, type Check, type Fix, type Verdict } from '../src/check/kit.js';
import { offlineEvidence, skipUnlessHybridNode } from '../src/check/evidence-check.js';
import type { Activation, AgentInfo } from '../src/facts/facts.js';
import { evaluatePolicies } from '../src/eval/iam-policy.js';
import { shellJson } from '../src/eval/permissions.js';
import { registerOnNode } from '../src/fix/register.js';

const SERVICE = 'ssm.amazonaws.com';

function lastSegment(v: string): string {
  return v.split('/').pop() ?? v;
}

export const hybridActivation: Check = {
  meta: {
    id: 'hybrid.activation',
    title: 'Hybrid activation and role',
    group: 'agent',
    description:
      'Read only when a hybrid node (mi-) is offline: the service role its agent uses must exist and trust ssm.amazonaws.com ' +
      '(iam:GetRole), and re-registering it needs an activation that has not expired or reached its registration limit ' +
      '(ssm:DescribeActivations).',
    fixes: 'restore the role trust; create a new activation and register the node again',
    explains: ['agent.ping', 'session.connection'],
  },
  run(ctx) {
    skipUnlessHybridNode(ctx);
    const node = need(ctx.facts.agents[ctx.id], `the SSM registration of ${ctx.id}`);
    if (!node) skip(`${ctx.id} is not registered (agent.ping reports it): its activation is unknown`);
    if (node.pingStatus === 'Online') skip(`${ctx.id} is Online: its registration and role work`);

    const role = roleVerdict(ctx.facts.roles, node, ctx.region);
    if (role.status === 'fail') return role;
    const act = node.activationId
      ? offlineEvidence(ctx, ctx.facts.activations[node.activationId], `activation ${node.activationId} (ssm:DescribeActivations)`)
      : undefined;
    const found = activationProblems(act, node, ctx.facts.collectedAt);
    const data = { ...role.data, activationId: node.activationId, activation: act ?? null };
    if (found.length) {
      return {
        status: 'warn',
        summary: `${found[0]}: registering a node with it again fails.`.replace(` of ${ctx.id}`, ''),
        detail:
          `${found.join('; ')}. A registered node keeps working after its activation expires, but registering it again (after ` +
          `reinstalling the agent, or a bootstrap script that registers at boot) fails: if ${ctx.id} was re-registered, that is ` +
          `why it stays ${node.pingStatus}.${role.detail ? ` ${role.detail}` : ''}`,
        fix: newActivation(node, act ?? null, ctx.region),
        data,
        subject: node.activationId,
        // A registered node keeps working after its activation expires: this explains nothing by itself.
        explains: [],
      };
    }
    return {
      status: role.status === 'pass' ? 'pass' : role.status,
      detail: `${role.detail}${act ? ` Activation ${act.id} is valid${act.expirationDate ? ` until ${act.expirationDate}` : ''}.` : ''}`.trim(),
      data,
    };
  },
};

/** The node's service role: missing, or not trusting ssm.amazonaws.com, is a fail. */
function roleVerdict(roles: Parameters<Check['run']>[0]['facts']['roles'], node: AgentInfo, region: string): Verdict {
  if (!node.iamRole) return { status: 'warn', detail: `Systems Manager reports no service role for ${node.instanceId}.`, data: {} };
  const name = lastSegment(node.iamRole);
  const f = roles[name];
  if (f && !f.ok && f.error.code === 'NoSuchEntity') {
    return {
      status: 'fail',
      summary: `Role ${name}, the service role of hybrid nodes, does not exist.`,
      detail: `The service role of ${node.instanceId}, ${name}, does not exist: the node cannot get credentials, so its agent cannot connect.`,
      fix: roleFix(name, node.instanceId, region, true),
      data: { role: name },
      subject: name,
    };
  }
  if (!f) return { status: 'skip', detail: `The service role ${name} was not read.`, data: { role: name } };
  if (!f.ok) {
    return { status: 'warn', detail: `The service role ${name} could not be read (${f.error.api} ${f.error.code}).`, data: { role: name } };
  }
  const trust = f.value.trustPolicy;
  const r = trust
    ? evaluatePolicies([{ name: `trust policy of ${name}`, document: trust }], {
        action: 'sts:AssumeRole',
        resource: f.value.arn,
        principal: { type: 'Service', id: SERVICE },
      })
    : undefined;
  if (r && r.decision === 'allowed') {
    return { status: 'pass', detail: `The service role ${name} trusts ${SERVICE}.`, data: { role: name } };
  }
  if (r?.conditional) {
    return { status: 'warn', detail: `The service role ${name} trusts ${SERVICE} only under a condition ssm-doctor cannot evaluate.`, data: { role: name } };
  }
  return {
    status: 'fail',
    summary: `Role ${name}, the service role of hybrid nodes, does not trust ${SERVICE}.`,
    detail: `The service role of ${node.instanceId}, ${name}, does not trust ${SERVICE}: the node cannot get credentials, so its agent cannot connect.`,
    fix: roleFix(name, node.instanceId, region, false),
    data: { role: name },
    subject: name,
  };
}

function roleFix(role: string, id: string, region: string, create: boolean): Fix {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: SERVICE }, Action: 'sts:AssumeRole' }] };
  return {
    summary: create
      ? `Create role ${role} trusting ${SERVICE} with AmazonSSMManagedInstanceCore, or give ${id} another role.`
      : `Let ${SERVICE} assume ${role} (this replaces its trust policy: keep any other statement it needs).`,
    cli: [
      create
        ? `aws iam create-role --role-name ${role} --assume-role-policy-document ${shellJson(trust)}`
        : `aws iam update-assume-role-policy --role-name ${role} --policy-document ${shellJson(trust)}`,
      ...(create ? [`aws iam attach-role-policy --role-name ${role} --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`] : []),
      `aws ssm update-managed-instance-role --instance-id ${id} --iam-role ${role} --region ${region}`,
    ],
  };
}

function activationProblems(a: Activation | null | undefined, node: AgentInfo, now: string): string[] {
  if (a === undefined) return [];
  if (a === null) return [`Activation ${node.activationId} of ${node.instanceId} no longer exists`];
  const out: string[] = [];
  if (a.expired || (a.expirationDate && a.expirationDate < now)) out.push(`Activation ${a.id} of ${node.instanceId} expired${a.expirationDate ? ` on ${a.expirationDate}` : ''}`);
  if (a.registrationLimit !== undefined && a.registrationsCount !== undefined && a.registrationsCount >= a.registrationLimit) {
    out.push(`activation ${a.id} reached its registration limit (${a.registrationsCount} of ${a.registrationLimit})`);
  }
  return out;
}

function newActivation(node: AgentInfo, a: Activation | null, region: string): Fix {
  const role = lastSegment(a?.iamRole ?? node.iamRole ?? 'AmazonSSMRoleForInstancesQuickSetup');
  const windows = node.platformType?.toLowerCase() === 'windows';
  return {
    summary:
      'Create a new activation (valid up to 30 days) and register the node again with it: on the node, set ACTIVATION_ID and ' +
      'ACTIVATION_CODE to the two values create-activation prints, then stop the agent, register the node and start the agent again. ' +
      `If the node comes back under a new id, deregister ${node.instanceId} (aws ssm deregister-managed-instance).`,
    cli: [`aws ssm create-activation --iam-role ${role} --registration-limit 10 --region ${region} --query '[ActivationId,ActivationCode]' --output text`],
    // The id and code create-activation prints, set on the node as ACTIVATION_ID and ACTIVATION_CODE.
    // The agent must be stopped while it registers (the AWS procedure: stop, register, start).
    onInstance: registerOnNode(windows ? 'windows' : 'linux', region),
    terraform: [
      'resource "aws_ssm_activation" "nodes" {',
      `  iam_role           = "${role}"`,
      '  registration_limit = 10',
      '}',
    ].join('\n'),
  };
}
