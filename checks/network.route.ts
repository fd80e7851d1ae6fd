// Guards: the agent's outbound HTTPS to ssm / ssmmessages (/ ec2messages) has a way out of the instance's subnet: interface endpoints (private DNS), a NAT gateway, or an internet gateway with a public IP.
import { need, skip, type Check, type Fix, type Status, type Verdict } from '../src/check/kit.js';
import { agentEndpointsOfVpc, agentSkipsEc2messages, agentVersionOf, createEndpointsFix } from '../src/fix/endpoints.js';
import type { NatGateway, VpcEndpoint } from '../src/facts/facts.js';
import { ipv6OnlyNote, isIpv6Only } from '../src/eval/net-targets.js';
import { instanceOf, vpcIdOf } from '../src/facts/lookup.js';
import { agentPath, defaultRoute, describePath, reachOf, verifyHint, type InternetPath } from '../src/eval/path.js';
import { AGENT_SERVICES, MIN_AGENT, type AgentService } from '../src/facts/requirements.js';

/** USD per interface endpoint, per AZ, per hour (us-east-1) and hours per month, for the cost note. */
const ENDPOINT_USD_PER_AZ_HOUR = 0.01;
const HOURS_PER_MONTH = 730;

interface Judged {
  status: Exclude<Status, 'skip' | 'error'>;
  /** How the traffic goes, e.g. `through interface endpoints vpce-1` / `over NAT gateway nat-1 via rtb-1`. */
  text: string;
  /** Why it is a problem / what to verify (empty for pass). */
  why?: string;
  fix?: Fix;
  /** Set when the service goes through usable interface endpoints (their ids). */
  endpointIds?: string[];
  kind: string;
}

const RANK: Record<Judged['status'], number> = { pass: 0, warn: 1, fail: 2 };

export const networkRoute: Check = {
  meta: {
    id: 'network.route',
    fixes: 'Route `0.0.0.0/0` to a NAT gateway, an Elastic IP, or the interface endpoints',
    title: 'Route from the instance subnet to the SSM endpoints',
    group: 'network',
    description:
      'The agent only makes outbound HTTPS calls. From the instance subnet they must reach ssm and ssmmessages ' +
      '(and ec2messages for agents < 3.3.40.0): through interface endpoints, or 0.0.0.0/0 to a NAT gateway, or to an ' +
      'internet gateway when the instance has a public IP.',
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
      const key = judged.endpointIds ? 'endpoint' : `${judged.status}|${judged.text}|${judged.why ?? ''}`;
      const g = groups.get(key);
      if (g) {
        g.services.push(service);
        if (judged.endpointIds) g.judged.endpointIds = [...(g.judged.endpointIds ?? []), ...judged.endpointIds];
      } else groups.set(key, { services: [service], judged });
    }
    // Rebuild fixes for groups of several services (endpoint creation covers them all).
    for (const g of groups.values()) {
      if (g.services.length > 1 && g.judged.status !== 'pass') {
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
    if (ec2Optional) notes.push(`ec2messages is not needed: agent ${ec2Version} uses ssmmessages (>= ${MIN_AGENT.ssmmessagesFirst}).`);
    const data: Record<string, unknown> = {
      paths: Object.fromEntries([...groups.values()].flatMap((g) => g.services.map((s) => [s, g.judged.kind]))),
    };
    if ([...groups.values()].some((g) => g.judged.endpointIds)) {
      const cost = endpointCost(ctx, agentEndpointsOfVpc(ctx, vpcId).filter((e) => !GONE.has(e.state.toLowerCase())));
      data.cost = cost;
      notes.push(
        `Private DNS makes the endpoints win over any route. The ${cost.interfaceEndpoints} interface endpoint${cost.interfaceEndpoints === 1 ? '' : 's'} ` +
          `in ${cost.azs} AZ${cost.azs === 1 ? '' : 's'} cost about $${cost.usdPerMonth.toFixed(2)}/month; ` +
          'EC2 Instance Connect Endpoint is a free alternative when session logging is not needed.',
      );
    }
    const detail = `From ${subnetId}: ${parts.join(' ')}${notes.length ? ` ${notes.join(' ')}` : ''}`;
    if (status === 'fail' && !fix) {
      fix = createEndpointsFix(ctx, { vpcId, subnetId }, services);
    }
    return status === 'pass' ? { status, detail, data } : { status, detail, data, ...(fix ? { fix } : {}) };
  },
};

const GONE = new Set(['deleted', 'deleting', 'failed', 'rejected', 'expired']);

interface Where {
  vpcId: string;
  subnetId: string;
  instanceId: string;
  /** Set for an IPv6-only instance: why its IPv4 route cannot be judged. */
  ipv6Only?: string;
}

/** One service's path, judged. `services` = all services sharing the outcome (for the fix). */
function judgeService(ctx: Parameters<Check['run']>[0], service: AgentService, w: Where, services: AgentService[] = [service]): Judged {
  const path = agentPath(ctx, service);
  if (path.kind !== 'endpoint') return judgeInternet(ctx, path, w, services);

  const usable = path.endpoints.filter((e) => e.state.toLowerCase() === 'available' && e.privateDnsEnabled);
  if (usable.length > 0) {
    return { status: 'pass', text: 'through interface endpoints', endpointIds: usable.map((e) => e.id), kind: 'endpoint' };
  }
  // The endpoints exist but do not take the traffic: the agent resolves the public name and follows the route.
  const why = path.endpoints.map(unusableReason).join(', ');
  const fallback = defaultRoute(ctx, service);
  const judged = judgeInternet(ctx, fallback, w, services);
  if (reachOf(fallback) !== 'none' || w.ipv6Only) {
    return { ...judged, text: `${judged.text} (${why}, so the endpoint is not used)` };
  }
  const routeText = fallback.kind === 'none' ? `${fallback.routeTableId} has no default route (0.0.0.0/0)` : `the default route goes ${describePath(fallback)}`;
  const pending = path.endpoints.some((e) => e.state.toLowerCase() === 'pending');
  const dnsOnly = path.endpoints.filter((e) => e.state.toLowerCase() === 'available' && !e.privateDnsEnabled);
  const fix: Fix | undefined =
    dnsOnly.length > 0
      ? {
          summary: `Enable private DNS on ${dnsOnly.map((e) => e.id).join(', ')}.`,
          cli: dnsOnly.map((e) => `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${e.id} --private-dns-enabled --region ${ctx.region}`),
          terraform: dnsOnly.map((e) => `resource "aws_vpc_endpoint" "${service}" { # ${e.id}\n  # ...\n  private_dns_enabled = true\n}`).join('\n\n'),
        }
      : pending
        ? undefined
        : createEndpointsFix(ctx, { vpcId: w.vpcId, subnetId: w.subnetId }, services);
  return {
    status: pending && dnsOnly.length === 0 ? 'warn' : 'fail',
    text: `nowhere: ${why}, and ${routeText}`,
    why: pending && dnsOnly.length === 0 ? 'It works once the endpoint is available' : undefined,
    ...(fix ? { fix } : {}),
    kind: 'endpoint-unusable',
  };
}

function unusableReason(e: VpcEndpoint): string {
  if (e.state.toLowerCase() !== 'available') return `${e.id} is ${e.state}`;
  return `${e.id} has private DNS off`;
}

function judgeInternet(ctx: Parameters<Check['run']>[0], path: InternetPath, w: Where, services: AgentService[]): Judged {
  const r = ctx.region;
  const text = describePath(path);
  // Without an IPv4 address the agent never uses the 0.0.0.0/0 route this path is made of.
  if (w.ipv6Only) return { status: 'warn', text, why: w.ipv6Only, kind: 'ipv6-only' };
  switch (path.kind) {
    case 'nat': {
      let nat: NatGateway | undefined = path.nat;
      if (!nat) {
        const nats = need(ctx.facts.natGateways[w.vpcId], `the NAT gateways of ${w.vpcId}`);
        nat = nats.find((n) => n.id === path.natGatewayId);
      }
      if (!nat) {
        return { status: 'warn', text, why: `NAT gateway ${path.natGatewayId} is not among the NAT gateways of ${w.vpcId}; verify that it exists and is available`, kind: 'nat' };
      }
      const state = nat.state.toLowerCase();
      if (state === 'pending') return { status: 'warn', text, why: `NAT gateway ${nat.id} is still pending; it carries traffic once available`, kind: 'nat' };
      if (state !== 'available') {
        return { status: 'fail', text, why: `NAT gateway ${nat.id} is ${nat.state}, so nothing leaves the subnet that way`, fix: replaceNatFix(ctx, nat, path.routeTableId), kind: 'nat' };
      }
      if (nat.connectivityType === 'private') {
        return {
          status: 'warn',
          text,
          why: `NAT gateway ${nat.id} has private connectivity: it does not reach the internet itself; verify that its subnet routes on to an egress (transit gateway, NAT gateway in another VPC)`,
          kind: 'nat',
        };
      }
      return { status: 'pass', text, kind: 'nat' };
    }
    case 'igw': {
      const igws = ctx.facts.internetGateways[w.vpcId];
      if (igws?.ok && !igws.value.some((g) => g.id === path.internetGatewayId && g.attachments.some((a) => a.vpcId === w.vpcId))) {
        return { status: 'warn', text, why: `Internet gateway ${path.internetGatewayId} is not listed as attached to ${w.vpcId}; verify the attachment`, kind: 'igw' };
      }
      return { status: 'pass', text, kind: 'igw' };
    }
    case 'igw-no-public-ip':
      return {
        status: 'fail',
        text,
        why:
          'An internet gateway only carries traffic for addresses with a public IP. Associate an Elastic IP, or give the ' +
          'subnet a NAT gateway route, or create interface endpoints for ssm, ssmmessages (and ec2messages)',
        fix: {
          summary: `Associate an Elastic IP with ${w.instanceId} (or route ${path.routeTableId} through a NAT gateway, or create interface endpoints).`,
          cli: [
            `aws ec2 allocate-address --domain vpc --region ${r} --query AllocationId --output text`,
            `aws ec2 associate-address --instance-id ${w.instanceId} --allocation-id <eipalloc-id printed above> --region ${r}`,
          ],
          terraform: `resource "aws_eip" "ssm_doctor" {\n  domain   = "vpc"\n  instance = "${w.instanceId}"\n}`,
        },
        kind: 'igw-no-public-ip',
      };
    case 'unproven':
      return { status: 'warn', text, why: `Cannot be proven from here: ${verifyHint(path.target.type)}; or create interface endpoints`, kind: 'unproven' };
    case 'blackhole': {
      const nat = availableNat(ctx, w);
      return {
        status: 'fail',
        text,
        why: 'Traffic to it is dropped',
        fix: nat
          ? {
              summary: `Point 0.0.0.0/0 of ${path.routeTableId} at the available NAT gateway ${nat.id}.`,
              cli: [`aws ec2 replace-route --route-table-id ${path.routeTableId} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id ${nat.id} --region ${r}`],
              terraform: routeTf(path.routeTableId, nat.id),
            }
          : withFirst(
              createEndpointsFix(ctx, { vpcId: w.vpcId, subnetId: w.subnetId }, services, `Remove the blackhole route from ${path.routeTableId} and create interface endpoints for ${services.join(', ')}.`),
              `aws ec2 delete-route --route-table-id ${path.routeTableId} --destination-cidr-block 0.0.0.0/0 --region ${r}`,
            ),
        kind: 'blackhole',
      };
    }
    case 'none': {
      const nat = availableNat(ctx, w);
      return {
        status: 'fail',
        text,
        why: 'Without interface endpoints or a default route the agent cannot reach the service',
        fix: nat
          ? {
              summary: `Route 0.0.0.0/0 of ${path.routeTableId} to the available NAT gateway ${nat.id} (or create interface endpoints).`,
              cli: [`aws ec2 create-route --route-table-id ${path.routeTableId} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id ${nat.id} --region ${r}`],
              terraform: routeTf(path.routeTableId, nat.id),
            }
          : createEndpointsFix(ctx, { vpcId: w.vpcId, subnetId: w.subnetId }, services),
        kind: 'none',
      };
    }
  }
}

function withFirst(fix: Fix, cmd: string): Fix {
  return { ...fix, cli: [cmd, ...fix.cli] };
}

/** An available public NAT gateway of the VPC, outside the instance's own subnet (read leniently). */
function availableNat(ctx: Parameters<Check['run']>[0], w: Where): NatGateway | undefined {
  const nats = ctx.facts.natGateways[w.vpcId];
  if (!nats?.ok) return undefined;
  return nats.value.find((n) => n.state === 'available' && n.connectivityType !== 'private' && n.subnetId !== w.subnetId);
}

function routeTf(routeTableId: string, natId: string): string {
  return `resource "aws_route" "default" {\n  route_table_id         = "${routeTableId}"\n  destination_cidr_block = "0.0.0.0/0"\n  nat_gateway_id         = "${natId}"\n}`;
}

function replaceNatFix(ctx: Parameters<Check['run']>[0], nat: NatGateway, routeTableId: string): Fix {
  const r = ctx.region;
  const subnet = nat.subnetId ?? '<public-subnet-id>';
  return {
    summary: `Replace ${nat.id} (${nat.state}) with a new NAT gateway in ${subnet} and point 0.0.0.0/0 of ${routeTableId} at it.`,
    cli: [
      `aws ec2 allocate-address --domain vpc --region ${r} --query AllocationId --output text`,
      `aws ec2 create-nat-gateway --subnet-id ${subnet} --allocation-id <eipalloc-id printed above> --region ${r} --query NatGateway.NatGatewayId --output text`,
      `aws ec2 wait nat-gateway-available --nat-gateway-ids <nat-id printed above> --region ${r}`,
      `aws ec2 replace-route --route-table-id ${routeTableId} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id <nat-id printed above> --region ${r}`,
    ],
    terraform:
      `resource "aws_eip" "nat" {\n  domain = "vpc"\n}\n\n` +
      `resource "aws_nat_gateway" "nat" {\n  allocation_id = aws_eip.nat.id\n  subnet_id     = "${subnet}"\n}\n\n` +
      `resource "aws_route" "default" {\n  route_table_id         = "${routeTableId}"\n  destination_cidr_block = "0.0.0.0/0"\n  nat_gateway_id         = aws_nat_gateway.nat.id\n}`,
  };
}

/** Interface endpoints are billed per endpoint per AZ per hour. */
function endpointCost(ctx: Parameters<Check['run']>[0], eps: VpcEndpoint[]): { interfaceEndpoints: number; azs: number; usdPerMonth: number } {
  const allAzs = new Set<string>();
  let endpointAzs = 0;
  for (const e of eps) {
    const azs = new Set(
      e.subnetIds.map((id) => {
        const s = ctx.facts.subnets[id];
        return (s?.ok ? s.value.availabilityZone : undefined) ?? id;
      }),
    );
    endpointAzs += azs.size;
    for (const az of azs) allAzs.add(az);
  }
  return {
    interfaceEndpoints: eps.length,
    azs: allAzs.size,
    usdPerMonth: Math.round(endpointAzs * ENDPOINT_USD_PER_AZ_HOUR * HOURS_PER_MONTH * 100) / 100,
  };
}
