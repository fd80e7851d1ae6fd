// Guards: the agent's outbound HTTPS to ssm / ssmmessages (/ ec2messages) has a way out of the instance's subnet: interface endpoints (private DNS), a NAT gateway, or an internet gateway with a public IP.
import { skip, type Check, type Fix, type Verdict } from '../src/check/kit.js';
import { agentEndpointsOfVpc, agentSkipsEc2messages, agentVersionOf, createEndpointsFix } from '../src/fix/endpoints.js';
import { ipv6OnlyNote, isIpv6Only } from '../src/eval/net-targets.js';
import { instanceOf, instanceRouteTable, vpcIdOf } from '../src/facts/lookup.js';
import { endpointCost, GONE, judgeService, type Judged, type Where } from '../src/eval/route.js';
import { AGENT_SERVICES, MIN_AGENT, type AgentService } from '../src/facts/requirements.js';

const RANK: Record<Judged['status'], number> = { pass: 0, warn: 1, fail: 2 };

export const networkRoute: Check = {
  meta: {
    id: 'network.route',
    explains: ['agent.ping', 'session.connection'],
    fixes: "Route `0.0.0.0/0` to a NAT gateway, an Elastic IP, or the interface endpoints; a route table with the internet gateway for the NAT gateway's subnet",
    title: 'Route from the instance subnet to the SSM endpoints',
    group: 'network',
    description:
      'The agent only makes outbound HTTPS calls. From the instance subnet they must reach ssm and ssmmessages ' +
      '(and ec2messages for agents < 3.3.40.0): through interface endpoints, or 0.0.0.0/0 to a NAT gateway (whose own ' +
      'subnet routes 0.0.0.0/0 to an attached internet gateway), or to an internet gateway when the instance has a public IP.',
  },
  run(ctx): Verdict {
    const inst = instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    if (!inst.subnetId) skip(`instance ${inst.id} has no subnet`);
    const subnetId = inst.subnetId;
    const ec2Optional = agentSkipsEc2messages(ctx);
    const services: AgentService[] = AGENT_SERVICES.filter((s) => s !== 'ec2messages' || !ec2Optional);
    const where: Where = { vpcId, subnetId, instanceId: inst.id, ...(isIpv6Only(inst) ? { ipv6Only: ipv6OnlyNote(inst) } : {}) };

    // Judge each service, then group services that share the same outcome.
    const groups = new Map<string, { services: AgentService[]; judged: Judged }>();
    for (const service of services) {
      const judged = judgeService(ctx, service, where);
      // A pass's note (the agent's own evidence) differs per service: passes group by path alone.
      const key = judged.endpointIds ? 'endpoint' : `${judged.status}|${judged.text}|${judged.status === 'pass' ? '' : (judged.why ?? '')}`;
      const g = groups.get(key);
      if (g) {
        g.services.push(service);
        if (judged.endpointIds) g.judged.endpointIds = [...(g.judged.endpointIds ?? []), ...judged.endpointIds];
      } else groups.set(key, { services: [service], judged });
    }
    // Rebuild fixes (endpoint creation covers them all) and notes for groups of several services.
    for (const g of groups.values()) {
      if (g.services.length > 1 && (g.judged.status !== 'pass' || g.judged.why)) {
        g.judged = judgeService(ctx, g.services[0]!, where, g.services);
      }
    }

    const ec2Version = agentVersionOf(ctx);
    let status: Judged['status'] = 'pass';
    let fix: Fix | undefined;
    const parts: string[] = [];
    for (const { services: svcs, judged } of groups.values()) {
      // With the agent version unknown, an ec2messages-only problem is reported by vpc-endpoint.ec2messages.
      const onlyEc2 = svcs.length === 1 && svcs[0] === 'ec2messages' && !ec2Version;
      const s = onlyEc2 && judged.status === 'fail' ? 'warn' : judged.status;
      if (RANK[s] > RANK[status]) status = s;
      if (!fix && judged.status !== 'pass' && judged.fix) fix = judged.fix;
      const text = judged.endpointIds
        ? `through ${svcs.length > 1 ? 'their ' : 'its '}interface endpoint${judged.endpointIds.length > 1 ? 's' : ''} ${judged.endpointIds.join(', ')}`
        : judged.text;
      parts.push(
        `${svcs.join(', ')} ${svcs.length > 1 ? 'go' : 'goes'} ${text}.${judged.why ? ` ${judged.why}.` : ''}` +
          (onlyEc2 && judged.status === 'fail'
            ? ` Only agents older than ${MIN_AGENT.ssmmessagesFirst} need ec2messages, and the agent version is unknown.`
            : ''),
      );
    }
    // A later failing group may carry the fix when the first non-pass group had none.
    if (status === 'fail' && !fix) fix = [...groups.values()].find((g) => g.judged.status === 'fail' && g.judged.fix)?.judged.fix;

    const notes: string[] = [];
    if (ec2Optional) notes.push(`ec2messages: not used by agent ${ec2Version} (>= ${MIN_AGENT.ssmmessagesFirst}).`);
    const data: Record<string, unknown> = {
      paths: Object.fromEntries([...groups.values()].flatMap((g) => g.services.map((s) => [s, g.judged.kind]))),
    };
    if ([...groups.values()].some((g) => g.judged.endpointIds)) {
      const cost = endpointCost(ctx, agentEndpointsOfVpc(ctx, vpcId).filter((e) => !GONE.has(e.state.toLowerCase())));
      data.cost = cost;
      // What the endpoints cost is in `data.cost` (the text report's ℹ line), not in the sentence.
    }
    const detail = `From ${subnetId}: ${parts.join(' ')}${notes.length ? ` ${notes.join(' ')}` : ''}`;
    if (status === 'fail' && !fix) {
      fix = createEndpointsFix(ctx, { vpcId, subnetId }, services);
    }
    if (status === 'pass') return { status, detail, data };
    // The route table decides the way out, so the instances behind it share the cause; an instance without a
    // public IP behind an internet gateway needs its own Elastic IP.
    const perInstance = [...groups.values()].some((g) => g.judged.kind === 'igw-no-public-ip');
    const bad = [...groups.values()].filter((g) => g.judged.status === status);
    // Only the way to ssm carries the heartbeat: without it failing, an offline agent is not this check's doing.
    const heartbeat = bad.some((g) => g.services.includes('ssm'));
    return {
      status,
      ...(heartbeat ? {} : { explains: ['session.connection'] }),
      ...(perInstance ? {} : { subject: routeTableOf(ctx) ?? subnetId }),
      // The headline says why, in its first clause: the way alone ("goes over NAT gateway nat-1") is not the problem.
      summary: `From ${subnetId}, ${bad.map((g) => `${g.services.join(', ')} ${g.services.length > 1 ? 'go' : 'goes'} ${g.judged.text}${briefWhy(g.judged.why)}`).join('; ')}.`,
      detail,
      data,
      ...(fix ? { fix } : {}),
    };
  },
};


/** `: <why, up to its first colon>`, a plain word lower-cased (`Cannot be proven` -> `cannot be proven`, `NAT gateway` kept). */
function briefWhy(why: string | undefined): string {
  if (!why) return '';
  const first = why.split(': ')[0]!.replace(/\.$/, '');
  return `: ${/^[A-Z][a-z]/.test(first) ? first[0]!.toLowerCase() + first.slice(1) : first}`;
}

/** The id of the instance subnet's route table, when it can be read. */
function routeTableOf(ctx: Parameters<Check['run']>[0]): string | undefined {
  try {
    return instanceRouteTable(ctx).id;
  } catch {
    return undefined;
  }
}
