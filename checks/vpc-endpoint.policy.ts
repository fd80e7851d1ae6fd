// Guards: the VPC endpoint policies of the agent's ssm / ssmmessages (/ ec2messages) endpoints let the agent's role call what Session Manager needs (iam:SimulatePrincipalPolicy never sees endpoint policies).
import { tfName } from '../src/fix/endpoints.js';
import { NeedFact, SkipCheck, skip, type Check, type TargetContext, type Verdict } from '../src/check/kit.js';
import { agentSkipsEc2messages } from '../src/fix/endpoints.js';
import { evaluatePolicies, statementsOf, type EvalResult } from '../src/eval/iam-policy.js';
import type { PolicyDocument, PolicyStatement, VpcEndpoint } from '../src/facts/facts.js';
import { agentRoleArn, instanceOf, vpcIdOf } from '../src/facts/lookup.js';
import { agentEndpoints } from '../src/eval/path.js';
import { AGENT_CORE_ACTIONS, AGENT_EC2MESSAGES_ACTIONS, AGENT_SERVICES, instanceArn, type AgentService } from '../src/facts/requirements.js';

const GONE = new Set(['deleted', 'deleting', 'failed', 'rejected', 'expired']);

/** The actions the agent sends through the endpoint of each service. */
function actionsFor(service: AgentService): string[] {
  if (service === 'ec2messages') return [...AGENT_EC2MESSAGES_ACTIONS];
  return AGENT_CORE_ACTIONS.filter((a) => a.startsWith(`${service}:`));
}

interface Finding {
  ep: VpcEndpoint;
  action: string;
  result: EvalResult;
}

export const vpcEndpointPolicy: Check = {
  meta: {
    id: 'vpc-endpoint.policy',
    explains: ['agent.ping', 'session.connection'],
    fixes: 'Reset the endpoint policy or allow the agent\'s actions for the role',
    title: 'VPC endpoint policies allow the agent',
    group: 'network',
    description:
      'A custom policy on the ssm / ssmmessages / ec2messages interface endpoint can block the agent even when its role ' +
      'allows everything; iam:SimulatePrincipalPolicy does not evaluate endpoint policies.',
  },
  subject: (ctx) => vpcIdOf(ctx),
  run(ctx): Verdict {
    const inst = instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    const skipEc2 = agentSkipsEc2messages(ctx);
    const eps = AGENT_SERVICES.filter((s) => s !== 'ec2messages' || !skipEc2).flatMap((service) =>
      agentEndpoints(ctx, service)
        .filter((ep) => !GONE.has(ep.state.toLowerCase()))
        .map((ep) => ({ service, ep })),
    );
    if (eps.length === 0) skip(`No ssm/ssmmessages/ec2messages interface endpoints in ${vpcId}: no endpoint policy applies.`);

    const custom = eps.filter((x) => !isDefaultPolicy(x.ep.policyDocument));
    if (custom.length === 0) {
      return { status: 'pass', detail: `${eps.map((x) => x.ep.id).join(', ')} use the default full-access endpoint policy.` };
    }

    const roleArn = safeRoleArn(ctx);
    const account = inst.ownerId ?? (ctx.facts.caller.ok ? ctx.facts.caller.value.account : undefined);
    const principal = roleArn ? { type: 'AWS' as const, id: roleArn } : undefined;

    const unparsable: VpcEndpoint[] = [];
    const denied: Finding[] = [];
    const conditional: Finding[] = [];
    for (const { service, ep } of custom) {
      const doc = parse(ep.policyDocument!);
      if (!doc) {
        unparsable.push(ep);
        continue;
      }
      for (const action of actionsFor(service)) {
        const resource = action === 'ssm:UpdateInstanceInformation' && account ? instanceArn(ctx.region, account, inst.id) : '*';
        const result = evaluatePolicies([{ name: ep.id, document: doc }], { action, resource, ...(principal ? { principal } : {}) });
        if (result.conditional) conditional.push({ ep, action, result });
        else if (result.decision !== 'allowed') denied.push({ ep, action, result });
      }
    }

    const who = roleArn ? `the agent role ${roleArn}` : 'the agent (its role is unknown, so Principal elements were not matched)';
    const data = {
      principal: roleArn ?? null,
      customPolicies: custom.map((x) => x.ep.id),
      blocked: denied.map(findingData),
      conditional: conditional.map(findingData),
    };
    if (denied.length === 0 && conditional.length === 0 && unparsable.length === 0) {
      return {
        status: 'pass',
        detail: `The custom endpoint policies of ${custom.map((x) => x.ep.id).join(', ')} allow ${who} everything Session Manager needs.`,
        data,
      };
    }

    const lines: string[] = [];
    for (const [ep, fs] of byEndpoint(denied)) {
      lines.push(`${ep.id} blocks ${fs.map((f) => `${f.action} (${why(f.result)})`).join(', ')}`);
    }
    for (const [ep, fs] of byEndpoint(conditional)) {
      lines.push(`${ep.id} decides ${fs.map((f) => f.action).join(', ')} by a condition that was not evaluated (${stmt(fs[0]!.result)})`);
    }
    for (const ep of unparsable) lines.push(`${ep.id} has a policy that could not be parsed as a policy document (not JSON, or no Statement objects), so what it allows is unknown`);

    const affected = [...new Map([...denied, ...conditional].map((f) => [f.ep.id, f.ep])).values(), ...unparsable];
    const actions = [...new Set([...denied, ...conditional].map((f) => f.action))];
    const statement = {
      Sid: 'AllowSessionManagerAgent',
      Effect: 'Allow',
      Principal: roleArn ? { AWS: roleArn } : '*',
      Action: actions.length ? actions : [...AGENT_CORE_ACTIONS],
      Resource: '*',
    };
    return {
      status: 'warn',
      detail:
        `For ${who}: ${lines.join('; ')}. Requests the endpoint policy refuses fail with AccessDenied even though the role ` +
        'allows them (iam:SimulatePrincipalPolicy cannot see endpoint policies).',
      fix: {
        summary: `Allow the agent's actions in the endpoint policy of ${affected.map((e) => e.id).join(', ')} (or reset it to the default full-access policy).`,
        cli: affected.map((e) => `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${e.id} --reset-policy --region ${ctx.region}`),
        // The endpoint policy as a resource of its own: valid on its own for an endpoint Terraform does not manage.
        terraform: affected
          .map(
            (e) =>
              `resource "aws_vpc_endpoint_policy" "${tfName('agent', e.id)}" {\n` +
              `  vpc_endpoint_id = "${e.id}"\n` +
              `  policy = jsonencode({\n    Version   = "2012-10-17"\n    Statement = [${JSON.stringify(statement)}]\n  })\n}\n`,
          )
          .join('\n'),
      },
      data,
    };
  },
};

function safeRoleArn(ctx: TargetContext): string | undefined {
  try {
    return agentRoleArn(ctx);
  } catch (e) {
    if (e instanceof NeedFact || e instanceof SkipCheck) return undefined;
    throw e;
  }
}

const isObject = (x: unknown): boolean => x !== null && typeof x === 'object' && !Array.isArray(x);

/** A JSON object whose Statement is one statement object or a list of them; anything else is not a policy. */
function parse(text: string): PolicyDocument | undefined {
  try {
    const doc = JSON.parse(text) as PolicyDocument;
    if (!isObject(doc) || !('Statement' in doc)) return undefined;
    const sts: unknown = doc.Statement;
    return isObject(sts) || (Array.isArray(sts) && sts.every(isObject)) ? doc : undefined;
  } catch {
    return undefined;
  }
}

const one = (x: unknown): unknown => (Array.isArray(x) && x.length === 1 ? x[0] : x);

/** Absent, or exactly one unconditional `Allow * on * to *` statement (what AWS attaches by default). */
export function isDefaultPolicy(text: string | undefined): boolean {
  if (text === undefined || text.trim() === '') return true;
  const doc = parse(text);
  if (!doc) return false;
  const sts: PolicyStatement[] = statementsOf(doc);
  if (sts.length !== 1) return false;
  const s = sts[0]!;
  const principal = one(s.Principal);
  const anyone = principal === '*' || (typeof principal === 'object' && principal !== null && one((principal as Record<string, unknown>).AWS) === '*' && Object.keys(principal).length === 1);
  return (
    s.Effect === 'Allow' &&
    anyone &&
    one(s.Action) === '*' &&
    one(s.Resource) === '*' &&
    !s.NotAction &&
    !s.NotResource &&
    !s.NotPrincipal &&
    (!s.Condition || Object.keys(s.Condition).length === 0)
  );
}

function stmt(r: EvalResult): string {
  if (!r.statement) return 'no statement allows it';
  const s = r.statement;
  return `${s.effect} statement ${s.sid ? `"${s.sid}"` : `#${s.index}`}`;
}

function why(r: EvalResult): string {
  return r.decision === 'explicitDeny' ? `denied by ${stmt(r)}` : 'no statement allows it';
}

function byEndpoint(fs: Finding[]): Map<VpcEndpoint, Finding[]> {
  const m = new Map<VpcEndpoint, Finding[]>();
  for (const f of fs) m.set(f.ep, [...(m.get(f.ep) ?? []), f]);
  return m;
}

function findingData(f: Finding) {
  return {
    endpoint: f.ep.id,
    action: f.action,
    decision: f.result.decision,
    ...(f.result.statement ? { sid: f.result.statement.sid ?? null, index: f.result.statement.index } : {}),
  };
}
