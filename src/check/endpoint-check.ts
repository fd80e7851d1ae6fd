// One factory for vpc-endpoint.ssm / .ssmmessages / .ec2messages: an available interface endpoint for the
// service in the instance's VPC, unless the subnet reaches the public endpoint (judged from agentPath).
import { skip, type Check, type TargetContext, type Verdict } from './kit.js';
import { agentSkipsEc2messages, agentVersionOf, createEndpointsFix, endpointState } from '../fix/endpoints.js';
import type { VpcEndpoint } from '../facts/facts.js';
import { instanceOf, serviceName, vpcIdOf } from '../facts/lookup.js';
import { ipv6OnlyNote, isIpv6Only } from '../eval/net-targets.js';
import { agentPath, describePath, provenByAgent, reachOf, verifyHint } from '../eval/path.js';
import { MIN_AGENT, type AgentService } from '../facts/requirements.js';

const DESCRIPTIONS: Record<AgentService, string> = {
  ssm:
    'Without a route to the internet, the agent reaches ssm (registration, heartbeat) only through an interface endpoint ' +
    'com.amazonaws.<region>.ssm in the instance\'s VPC, in state available.',
  ssmmessages:
    'Without a route to the internet, the agent opens Session Manager channels (ssmmessages) only through an interface ' +
    'endpoint com.amazonaws.<region>.ssmmessages in the instance\'s VPC, in state available.',
  ec2messages:
    `Agents older than ${MIN_AGENT.ssmmessagesFirst} poll ec2messages; without a route to the internet they need an ` +
    'interface endpoint com.amazonaws.<region>.ec2messages in the instance\'s VPC.',
};

/** Endpoint states that will not come back by themselves: the endpoint must be replaced. */
const DEAD_STATES = new Set(['failed', 'rejected', 'expired', 'deleted', 'deleting']);

export function endpointCheck(service: AgentService): Check {
  return {
    meta: {
      id: `vpc-endpoint.${service}`,
      // A missing endpoint is why the route check finds no way out for this service: one cause, not two. Only ssm
      // carries the agent's heartbeat (agent.ping); ssmmessages and ec2messages carry sessions and commands.
      explains: service === 'ssm' ? ['network.route', 'agent.ping', 'session.connection'] : ['network.route', 'session.connection'],
      title: `Interface endpoint for ${service}`,
      group: 'network',
      description: DESCRIPTIONS[service],
      fixes: `Create the \`com.amazonaws.<region>.${service}\` interface endpoint (\`aws ec2 create-vpc-endpoint\`, \`aws_vpc_endpoint\`)`,
    },
    run(ctx): Verdict {
      const v = judge(ctx, service);
      // The VPC is the resource: every instance of it that needs the endpoint shares the cause and its one fix.
      return v.status === 'pass' ? v : { subject: vpcIdOf(ctx), ...v };
    },
  };
}

function judge(ctx: TargetContext, service: AgentService): Verdict {
  const inst = instanceOf(ctx);
  const vpcId = vpcIdOf(ctx);
  if (!inst.subnetId) skip(`instance ${inst.id} has no subnet`);
  const subnetId = inst.subnetId;
  const name = serviceName(ctx.region, service);
  const path = agentPath(ctx, service);
  // ec2messages only matters to agents older than 3.3.40.0: for a newer one nothing about it is a finding
  // (no warning that it is missing, no fix that creates it); an available one still passes.
  if (service === 'ec2messages' && agentSkipsEc2messages(ctx)) {
    const available = path.kind === 'endpoint' && path.endpoints.some((e) => e.state.toLowerCase() === 'available');
    if (!available) {
      const there = path.kind === 'endpoint' ? ` (${states(path.endpoints)})` : '';
      skip(`Agent ${agentVersionOf(ctx)} is >= ${MIN_AGENT.ssmmessagesFirst} and uses ssmmessages instead: Session Manager does not need an ${name} endpoint${there}.`);
    }
  }
  const fix = createEndpointsFix(ctx, { vpcId, subnetId }, [service]);

  if (path.kind === 'endpoint') {
    const eps = path.endpoints;
    const available = eps.filter((e) => e.state.toLowerCase() === 'available');
    const data = { endpoints: eps.map((e) => ({ id: e.id, state: e.state, subnetIds: e.subnetIds })) };
    if (available.length > 0) {
      const noDns = available.every((e) => !e.privateDnsEnabled)
        ? ' Private DNS is off, so the agent still resolves the public name: see vpc-endpoint.private-dns.'
        : '';
      return {
        status: 'pass',
        // The subnets are in `data`; the sentence says where (the Availability Zones).
        detail: `${available.map((e) => `${e.id} (${service}) is available in ${azsOf(ctx, e.subnetIds)}`).join('; ')}.${noDns}`,
        data,
      };
    }
    const pending = eps.filter((e) => e.state.toLowerCase() === 'pending');
    if (pending.length > 0) {
      return {
        status: 'warn',
        detail:
          `${pending.map((e) => e.id).join(', ')} (${name}) is still pending; the agent can use it once it is available ` +
          '(usually a few minutes after creation; the agent may then back off for a while before it retries).',
        data,
      };
    }
    const dead = eps.filter((e) => DEAD_STATES.has(e.state.toLowerCase()));
    const replace: string[] = dead
      .filter((e) => !['deleted', 'deleting'].includes(e.state.toLowerCase()))
      .map((e) => `aws ec2 delete-vpc-endpoints --vpc-endpoint-ids ${e.id} --region ${ctx.region}`);
    return {
      status: 'fail',
      detail: `${states(eps)}: no endpoint for ${name} in ${vpcId} is available, so the agent cannot reach ${service} through it.`,
      fix: {
        ...fix,
        summary: `Replace ${eps.map((e) => e.id).join(', ')} with an available interface endpoint for ${name} in ${vpcId}.`,
        cli: [...replace, ...fix.cli],
      },
      data,
    };
  }

  const route = describePath(path);
  const data = { path: path.kind, routeTableId: path.routeTableId };
  if (isIpv6Only(inst)) {
    // The route judged below is the IPv4 default route, which an IPv6-only instance never uses.
    return { status: 'warn', detail: `No ${name} endpoint in ${vpcId}. ${ipv6OnlyNote(inst)}.`, fix, data: { ...data, ipv6Only: true } };
  }
  switch (reachOf(path)) {
    case 'public':
      skip(`No ${name} endpoint in ${vpcId}: the agent reaches the public ${service} endpoint ${route} (network.route judges that path).`);
    case 'unproven': {
      const proof = provenByAgent(ctx, service);
      if (proof) skip(`No ${name} endpoint in ${vpcId}: the agent reaches ${service} ${route}, and ${proof} (network.route judges that path).`);
      const hint = path.kind === 'unproven' ? verifyHint(path.target.type) : 'a private NAT gateway does not reach the internet by itself: verify where its traffic goes next (transit gateway, egress VPC)';
      return {
        status: 'warn',
        detail: `No ${name} endpoint in ${vpcId}, and ${subnetId}'s default route goes ${route}, which cannot be proven from here: ${hint}. Otherwise create the endpoint.`,
        fix,
        data,
      };
    }
    default: {
      const unknown =
        service === 'ec2messages'
          ? agentVersionOf(ctx)
            ? ` Agent ${agentVersionOf(ctx)} is older than ${MIN_AGENT.ssmmessagesFirst} and still polls ec2messages.`
            : ` The agent version is unknown (not registered with SSM); agents >= ${MIN_AGENT.ssmmessagesFirst} do not need ec2messages, older ones do.`
          : '';
      // An agent that never registered is not held back by ec2messages (it registers over ssm, and current agents
      // never use ec2messages): a warning, as network.route says, never the root cause.
      const versionUnknown = service === 'ec2messages' && !agentVersionOf(ctx);
      return {
        status: versionUnknown ? 'warn' : 'fail',
        summary: `${vpcId} has no interface endpoint for ${name}, and the instance's subnet has no other way to it.`,
        detail: `No interface endpoint for ${name} in ${vpcId}, and the agent's traffic from ${subnetId} goes ${route}, so it cannot reach ${service}.${unknown}`,
        fix,
        data,
      };
    }
  }
}

/** `us-east-1a, us-east-1b` (the subnets' AZs, read leniently; a subnet of unknown AZ by its id). */
function azsOf(ctx: TargetContext, subnetIds: string[]): string {
  if (subnetIds.length === 0) return 'no subnet';
  const azs = subnetIds.map((id) => {
    const s = ctx.facts.subnets[id];
    return (s?.ok ? s.value.availabilityZone : undefined) ?? id;
  });
  return [...new Set(azs)].join(', ');
}

function states(eps: VpcEndpoint[]): string {
  return eps.map(endpointState).join(', ');
}

