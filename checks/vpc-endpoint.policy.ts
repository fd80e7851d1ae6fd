// Guards: the VPC endpoint policies of the agent's ssm / ssmmessages (/ ec2messages) endpoints let the agent's role call what Session Manager needs (iam:SimulatePrincipalPolicy never sees endpoint policies).
import { NeedFact, SkipCheck, skip, type Check, type Fix, type TargetContext, type Verdict } from '../src/check/kit.js';
import { shellJson } from '../src/eval/permissions.js';
import { agentSkipsEc2messages, agentVersionOf, tfName } from '../src/fix/endpoints.js';
import { evaluatePolicies, statementsOf, type EvalResult } from '../src/eval/iam-policy.js';
import type { PolicyDocument, PolicyStatement, VpcEndpoint } from '../src/facts/facts.js';
import { agentRoleArn, instanceAccount, instanceOf, interfaceEndpointsFor, vpcIdOf } from '../src/facts/lookup.js';
import { s3GatewayOf } from '../src/eval/service-reach.js';
import { agentEndpoints } from '../src/eval/path.js';
import { AGENT_CORE_ACTIONS, AGENT_EC2MESSAGES_ACTIONS, AGENT_SERVICES, agentRoleQuestions, instanceArn, type AgentService } from '../src/facts/requirements.js';
import { preferencesOf, resolvedTargets } from '../src/facts/session-targets.js';

const GONE = new Set(['deleted', 'deleting', 'failed', 'rejected', 'expired']);

/** The actions the agent sends through the endpoint of each service. */
function actionsFor(service: AgentService): string[] {
  if (service === 'ec2messages') return [...AGENT_EC2MESSAGES_ACTIONS];
  return AGENT_CORE_ACTIONS.filter((a) => a.startsWith(`${service}:`));
}

/** One call the agent makes through an endpoint: the action, its resource, and whether its refusal stops sessions. */
interface Ask {
  service: string;
  ep: VpcEndpoint;
  action: string;
  resource: string;
  /** Needed by the agent (ec2messages only for agents known to be older than 3.3.40.0). */
  needed: boolean;
  /** A refusal blocks the agent (registration, sessions); a refused log write loses logs, it may not block. */
  blocks: boolean;
}

/**
 * The session preferences' calls (kms:Decrypt of the session key, the CloudWatch Logs and S3 logging calls) through
 * the endpoints that carry them: the kms / logs interface endpoints, the S3 gateway endpoint of the instance's route
 * table. The validation calls the agent makes before each session block it when refused; the log writes may not.
 */
function sessionAsks(ctx: TargetContext, account: string | undefined): Ask[] {
  const prefs = preferencesOf(ctx.facts);
  if (!prefs || !account) return [];
  const questions = agentRoleQuestions(ctx.region, account, prefs, resolvedTargets(ctx.facts, ctx.region, account)).slice(1);
  const VALIDATION = new Set(['kms:Decrypt', 'kms:GenerateDataKey', 'logs:DescribeLogGroups', 's3:GetEncryptionConfiguration']);
  return questions.flatMap((q) =>
    q.actions.flatMap((action) => {
      const service = action.split(':')[0]!;
      return endpointsFor(ctx, service).map((ep) => ({
        service,
        ep,
        action,
        resource: action === 'logs:DescribeLogGroups' ? '*' : q.resource,
        needed: true,
        blocks: VALIDATION.has(action),
      }));
    }),
  );
}

/** The endpoints a session service's calls go through: interface endpoints, or for S3 the gateway endpoint of the instance's route table. */
function endpointsFor(ctx: TargetContext, service: string): VpcEndpoint[] {
  const interfaces = () => interfaceEndpointsFor(ctx, service).filter((e) => !GONE.has(e.state.toLowerCase()));
  if (service !== 's3') return interfaces();
  try {
    const gateway = s3GatewayOf(ctx);
    return gateway ? [gateway.endpoint] : interfaces();
  } catch (e) {
    // The route table could not be read: which S3 endpoint carries the calls is unknown (network.route says why).
    if (e instanceof NeedFact || e instanceof SkipCheck) return [];
    throw e;
  }
}

interface Finding {
  ep: VpcEndpoint;
  action: string;
  result: EvalResult;
  doc: PolicyDocument;
  /** A deny nothing was guessed for, of an action the agent needs, on an endpoint it uses. */
  certain: boolean;
}

export const vpcEndpointPolicy: Check = {
  meta: {
    id: 'vpc-endpoint.policy',
    explains: ['agent.ping', 'session.connection'],
    fixes: 'Reset the endpoint policy or allow the agent\'s actions for the role',
    title: 'VPC endpoint policies allow the agent',
    group: 'network',
    description:
      'A custom policy on the ssm / ssmmessages / ec2messages interface endpoint (or on the kms, logs or S3 endpoint the ' +
      'session preferences need) can block the agent even when its role allows everything; iam:SimulatePrincipalPolicy ' +
      'does not evaluate endpoint policies.',
  },
  subject: (ctx) => vpcIdOf(ctx),
  run(ctx): Verdict {
    const inst = instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    const skipEc2 = agentSkipsEc2messages(ctx);
    const account = instanceAccount(ctx);
    const asks: Ask[] = [
      ...AGENT_SERVICES.filter((s) => s !== 'ec2messages' || !skipEc2).flatMap((service) =>
        agentEndpoints(ctx, service)
          .filter((ep) => !GONE.has(ep.state.toLowerCase()))
          .flatMap((ep) =>
            actionsFor(service).map((action) => ({
              service,
              ep,
              action,
              resource: action === 'ssm:UpdateInstanceInformation' && account ? instanceArn(ctx.region, account, inst.id) : '*',
              // ec2messages left in the list here is needed only when the agent is known to be older than 3.3.40.0.
              needed: service !== 'ec2messages' || agentVersionOf(ctx) !== undefined,
              blocks: true,
            })),
          ),
      ),
      ...sessionAsks(ctx, account),
    ];
    const eps = [...new Map(asks.map((a) => [a.ep.id, a.ep])).values()];
    if (eps.length === 0) skip(`No ssm/ssmmessages/ec2messages (or session kms/logs/s3) endpoints in ${vpcId}: no endpoint policy applies.`);

    const custom = eps.filter((ep) => !isDefaultPolicy(ep.policyDocument));
    if (custom.length === 0) {
      return { status: 'pass', detail: `${eps.map((ep) => ep.id).join(', ')} use the default full-access endpoint policy.` };
    }

    const roleArn = safeRoleArn(ctx);
    const principal = roleArn ? { type: 'AWS' as const, id: roleArn } : undefined;

    const unparsable: VpcEndpoint[] = [];
    const denied: Finding[] = [];
    const conditional: Finding[] = [];
    for (const ep of custom) {
      const doc = parse(ep.policyDocument!);
      if (!doc) {
        unparsable.push(ep);
        continue;
      }
      for (const { action, resource, needed, blocks } of asks.filter((a) => a.ep === ep)) {
        const result = evaluatePolicies([{ name: ep.id, document: doc }], { action, resource, ...(principal ? { principal } : {}) });
        if (result.conditional) conditional.push({ ep, action, result, doc, certain: false });
        else if (result.decision !== 'allowed') {
          // A certain deny: the agent needs the action, its requests go through this endpoint (private DNS), and
          // nothing was guessed: not the role (Principal), not the account (the instance ARN).
          const guessedResource = resource === '*' && action === 'ssm:UpdateInstanceInformation';
          const certain = needed && blocks && usedByAgent(ep) && principalCertain(result, doc, principal !== undefined) && !guessedResource;
          denied.push({ ep, action, result, doc, certain });
        }
      }
    }

    const who = roleArn ? `the agent role ${roleArn}` : 'the agent (its role is unknown, so Principal elements were not matched)';
    const data = {
      principal: roleArn ?? null,
      customPolicies: custom.map((ep) => ep.id),
      blocked: denied.map(findingData),
      conditional: conditional.map(findingData),
    };
    if (denied.length === 0 && conditional.length === 0 && unparsable.length === 0) {
      return {
        status: 'pass',
        detail: `The custom endpoint policies of ${custom.map((ep) => ep.id).join(', ')} allow ${who} everything Session Manager needs.`,
        data,
      };
    }

    const lines: string[] = [];
    for (const [ep, fs] of byEndpoint(denied)) {
      lines.push(`${ep.id} blocks ${fs.map((f) => `${f.action} (${why(f.result)})`).join(', ')}${fs.some((f) => f.certain) ? '' : uncertainty(fs, ep)}`);
    }
    for (const [ep, fs] of byEndpoint(conditional)) {
      lines.push(`${ep.id} decides ${fs.map((f) => f.action).join(', ')} by a condition that was not evaluated (${stmt(fs[0]!.result)})`);
    }
    for (const ep of unparsable) lines.push(`${ep.id} has a policy that could not be parsed as a policy document (not JSON, or no Statement objects), so what it allows is unknown`);

    const certain = denied.filter((f) => f.certain);
    const heartbeat = certain.some((f) => f.action.startsWith('ssm:'));
    const affected = [...new Map([...denied, ...conditional].map((f) => [f.ep.id, f.ep])).values(), ...unparsable];
    const consequence = certain.length
      ? ` The agent's ${[...new Set(certain.map((f) => f.action))].join(', ')} calls through ${[...new Set(certain.map((f) => f.ep.id))].join(', ')} are refused with AccessDenied even though the role allows them, so ${heartbeat ? 'the agent cannot register' : 'sessions cannot open'}.`
      : ' Requests the endpoint policy refuses fail with AccessDenied even though the role allows them.';
    return {
      status: certain.length ? 'fail' : 'warn',
      detail: `For ${who}: ${lines.join('; ')}.${consequence} (iam:SimulatePrincipalPolicy cannot see endpoint policies.)`,
      fix: policyFix(ctx.region, affected, [...denied, ...conditional], roleArn),
      data,
      ...(certain.length
        ? {
            subject: certain[0]!.ep.id,
            // Refused session calls (ssmmessages, kms, logs, s3) leave the agent registered: only sessions fail.
            ...(heartbeat ? {} : { explains: ['session.connection'] }),
            summary: `The endpoint policy of ${[...new Set(certain.map((f) => f.ep.id))].join(', ')} refuses the agent ${[...new Set(certain.map((f) => f.action))].join(', ')}.`,
          }
        : {}),
    };
  },
};

/** The agent only sends through an endpoint whose private DNS answers the service name: otherwise its policy is not in the way. */
function usedByAgent(ep: VpcEndpoint): boolean {
  // A gateway endpoint carries the traffic of the route tables it is on (the caller picked those): no DNS involved.
  return (ep.privateDnsEnabled || ep.type.toLowerCase() === 'gateway') && ep.state.toLowerCase() === 'available';
}

/**
 * Without the agent's role, Principal elements were not matched: an implicit deny stays certain (no statement
 * applies even ignoring them), an explicit Deny only when it names every principal.
 */
function principalCertain(r: EvalResult, doc: PolicyDocument, principalKnown: boolean): boolean {
  if (principalKnown || r.decision !== 'explicitDeny') return true;
  const st = r.statement ? statementsOf(doc)[r.statement.index] : undefined;
  if (!st || st.NotPrincipal !== undefined) return false;
  const p = one(st.Principal);
  return p === '*' || (typeof p === 'object' && p !== null && one((p as Record<string, unknown>).AWS) === '*');
}

function uncertainty(fs: Finding[], ep: VpcEndpoint): string {
  if (!usedByAgent(ep)) return ` (it does not carry the agent's requests now: ${ep.state !== 'available' ? `it is ${ep.state}` : 'private DNS is off'})`;
  if (fs.every((f) => f.action.startsWith('ec2messages:'))) return ' (only agents older than 3.3.40.0 use ec2messages, and the agent version is unknown)';
  return ' (the decision depends on the agent role or account, which are unknown)';
}

/**
 * Per endpoint: its policy without the unconditional Deny statements that refuse the agent, plus one Allow
 * for the agent's actions; as the CLI call that sets it and the Terraform that keeps it.
 */
function policyFix(region: string, eps: VpcEndpoint[], findings: Finding[], roleArn: string | undefined): Fix {
  const cli: string[] = [];
  const tf: string[] = [];
  const removed: string[] = [];
  for (const ep of eps) {
    const fs = findings.filter((f) => f.ep === ep);
    if (fs.length === 0) {
      // Unparsable: there is nothing to keep.
      cli.push(`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${ep.id} --reset-policy --region ${region}`);
      continue;
    }
    const doc = fs[0]!.doc;
    const drop = new Set(fs.filter((f) => f.result.decision === 'explicitDeny' && !f.result.conditional && f.result.statement).map((f) => f.result.statement!.index));
    const kept = statementsOf(doc).filter((_, n) => !drop.has(n));
    for (const n of drop) {
      const sid = statementsOf(doc)[n]!.Sid;
      removed.push(`statement ${typeof sid === 'string' ? `"${sid}"` : `#${n}`} of ${ep.id}`);
    }
    const actions = [...new Set(fs.map((f) => f.action))];
    const allow = {
      Sid: 'AllowSessionManagerAgent',
      Effect: 'Allow',
      Principal: roleArn ? { AWS: roleArn } : '*',
      Action: actions,
      Resource: '*',
    };
    const policy = { Version: doc.Version ?? '2012-10-17', Statement: [...kept, allow] };
    cli.push(`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${ep.id} --policy-document ${shellJson(policy)} --region ${region}`);
    tf.push(
      [
        // Named after the endpoint: a fleet's instances behind it share one resource.
        `resource "aws_vpc_endpoint_policy" "${tfName('agent', ep.id)}" {`,
        `  vpc_endpoint_id = "${ep.id}"`,
        `  policy = jsonencode(${hclJson(policy)})`,
        '}',
      ].join('\n'),
    );
  }
  return {
    summary:
      `Allow the agent's actions in the endpoint policy of ${eps.map((e) => e.id).join(', ')}` +
      `${removed.length ? ` and remove the Deny that refuses them (${removed.join(', ')})` : ''}, ` +
      'or give it the default full-access policy again (aws ec2 modify-vpc-endpoint --reset-policy).',
    cli,
    ...(tf.length ? { terraform: tf.join('\n\n') } : {}),
  };
}

/** JSON as an HCL expression: `${` and `%{` would start a template sequence inside HCL strings. */
function hclJson(v: unknown): string {
  return JSON.stringify(v, null, 2)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{')
    .replace(/\n/g, '\n  ');
}

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
    certain: f.certain,
  };
}
