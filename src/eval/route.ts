// How the agent's HTTPS to one service leaves the instance's subnet, judged: through usable interface endpoints,
// a NAT gateway, an internet gateway with a public IP, or nowhere; with the fix for each way it can fail, and
// what the endpoints cost. network.route groups these per service.
import { need, type Fix, type Status, type TargetContext } from '../check/kit.js';
import type { NatGateway, VpcEndpoint } from '../facts/facts.js';
import type { AgentService } from '../facts/requirements.js';
import { createEndpointsFix, endpointState } from '../fix/endpoints.js';
import { attachIgwFix, elasticIpFix, natUplinkFix, privateDnsFix, replaceNatFix, routeToNatFix, withRouteDeleted } from '../fix/route.js';
import { routeTableForSubnet } from '../facts/lookup.js';
import { agentPath, defaultRoute, describePath, provenByAgent, reachOf, verifyHint, type InternetPath } from './path.js';

/** USD per interface endpoint, per AZ, per hour (us-east-1) and hours per month, for the cost note. */
const ENDPOINT_USD_PER_AZ_HOUR = 0.01;
const HOURS_PER_MONTH = 730;

export interface Judged {
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

export const GONE = new Set(['deleted', 'deleting', 'failed', 'rejected', 'expired']);

export interface Where {
  vpcId: string;
  subnetId: string;
  instanceId: string;
  /** Set for an IPv6-only instance: why its IPv4 route cannot be judged. */
  ipv6Only?: string;
}

/** One service's path, judged. `services` = all services sharing the outcome (for the fix). */
export function judgeService(ctx: TargetContext, service: AgentService, w: Where, services: AgentService[] = [service]): Judged {
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
      ? privateDnsFix(ctx.region, dnsOnly, service)
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
  if (e.state.toLowerCase() !== 'available') return endpointState(e);
  return `${e.id} has private DNS off`;
}

function judgeInternet(ctx: TargetContext, path: InternetPath, w: Where, services: AgentService[]): Judged {
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
        // DescribeNatGateways lists a VPC's NAT gateways, deleted ones included for about an hour: the one the
        // route names is gone, and the route goes nowhere.
        const other = availableNat(ctx, w);
        return {
          status: 'fail',
          text,
          why: `NAT gateway ${path.natGatewayId} does not exist in ${w.vpcId} (DescribeNatGateways does not list it), so nothing leaves the subnet that way`,
          fix: other
            ? routeToNatFix(r, path.routeTableId, other, true)
            : withRouteDeleted(
                createEndpointsFix(ctx, { vpcId: w.vpcId, subnetId: w.subnetId }, services, `Remove the route to the missing ${path.natGatewayId} from ${path.routeTableId} and create interface endpoints for ${services.join(', ')}.`),
                path.routeTableId,
                r,
              ),
          kind: 'nat',
        };
      }
      const state = nat.state.toLowerCase();
      if (state === 'pending') return { status: 'warn', text, why: `NAT gateway ${nat.id} is still pending; it carries traffic once available`, kind: 'nat' };
      if (state !== 'available') {
        return { status: 'fail', text, why: `NAT gateway ${nat.id} is ${nat.state}, so nothing leaves the subnet that way`, fix: replaceNatFix(r, nat, path.routeTableId), kind: 'nat' };
      }
      if (nat.connectivityType === 'private') {
        const proof = provenFor(ctx, services);
        if (proof) return { status: 'pass', text, why: `Proven: ${proof}`, kind: 'nat' };
        return {
          status: 'warn',
          text,
          why: `NAT gateway ${nat.id} has private connectivity: it does not reach the internet itself; verify that its subnet routes on to an egress (transit gateway, NAT gateway in another VPC)`,
          kind: 'nat',
        };
      }
      const uplink = natUplink(ctx, w.vpcId, nat);
      if (uplink && !uplink.ok) return { status: 'fail', text, why: uplink.why, fix: uplink.fix, kind: 'nat' };
      return { status: 'pass', text, kind: 'nat' };
    }
    case 'igw': {
      const igws = ctx.facts.internetGateways[w.vpcId];
      if (igws?.ok && !igws.value.some((g) => g.id === path.internetGatewayId && g.attachments.some((a) => a.vpcId === w.vpcId))) {
        // The gateways attached to the VPC were read and this one is not among them: it carries nothing for it.
        return {
          status: 'fail',
          text,
          why: `Internet gateway ${path.internetGatewayId} is not attached to ${w.vpcId} (DescribeInternetGateways lists no such attachment), so nothing leaves the subnet that way`,
          fix: attachIgwFix(r, path.internetGatewayId, w.vpcId, path.routeTableId),
          kind: 'igw',
        };
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
        fix: elasticIpFix(r, w.instanceId, path.routeTableId),
        kind: 'igw-no-public-ip',
      };
    case 'unproven': {
      const proof = provenFor(ctx, services);
      if (proof) return { status: 'pass', text, why: `Proven: ${proof}`, kind: 'unproven' };
      return { status: 'warn', text, why: `Cannot be proven from the route table: ${verifyHint(path.target.type)}; or create interface endpoints`, kind: 'unproven' };
    }
    case 'blackhole': {
      const nat = availableNat(ctx, w);
      return {
        status: 'fail',
        text,
        why: 'Traffic to it is dropped',
        fix: nat
          ? routeToNatFix(r, path.routeTableId, nat, true)
          : withRouteDeleted(
              createEndpointsFix(ctx, { vpcId: w.vpcId, subnetId: w.subnetId }, services, `Remove the blackhole route from ${path.routeTableId} and create interface endpoints for ${services.join(', ')}.`),
              path.routeTableId,
              r,
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
        fix: nat ? routeToNatFix(r, path.routeTableId, nat, false) : createEndpointsFix(ctx, { vpcId: w.vpcId, subnetId: w.subnetId }, services),
        kind: 'none',
      };
    }
  }
}

/**
 * Whether a public NAT gateway can reach the internet: its own subnet's route table must send 0.0.0.0/0 to an
 * internet gateway attached to the VPC. `ok: false` when that certainly fails (no default route, a blackhole, a
 * route back to a NAT gateway, an internet gateway not attached); undefined when it cannot be told (facts unread,
 * or a hop such as a firewall endpoint that may lead on to the internet gateway).
 */
export function natUplink(ctx: TargetContext, vpcId: string, nat: NatGateway): { ok: true } | { ok: false; why: string; fix?: Fix } | undefined {
  if (nat.connectivityType === 'private' || !nat.subnetId) return undefined;
  const tables = ctx.facts.routeTables[vpcId];
  const table = tables?.ok ? routeTableForSubnet(tables.value, nat.subnetId) : undefined;
  if (!table) return undefined;
  const igws = ctx.facts.internetGateways[vpcId];
  const subnetId = nat.subnetId;
  const where = `NAT gateway ${nat.id} sits in ${subnetId}, whose route table ${table.id}`;
  const route = table.routes.find((r) => r.destinationCidr === '0.0.0.0/0');
  // The fix needs the VPC's internet gateways (to route to the attached one, or create one).
  const fail = (why: string) => {
    if (!igws?.ok) return { ok: false as const, why };
    const attached = igws.value.find((g) => g.attachments.some((a) => a.vpcId === vpcId && ['available', 'attached'].includes(a.state.toLowerCase())));
    return { ok: false as const, why, fix: natUplinkFix(ctx.region, vpcId, { ...nat, subnetId }, attached?.id) };
  };
  if (!route) return fail(`${where} has no default route (0.0.0.0/0): a public NAT gateway reaches the internet only through an internet gateway from its own subnet`);
  if (route.state === 'blackhole') return fail(`${where} sends 0.0.0.0/0 to ${route.target.id}, a blackhole route: the NAT gateway has no way to the internet`);
  if (route.target.type === 'nat') return fail(`${where} sends 0.0.0.0/0 to NAT gateway ${route.target.id}: a loop, not a way to the internet (its subnet needs a route to an internet gateway)`);
  if (route.target.type !== 'igw') return undefined;
  if (igws?.ok && !igws.value.some((g) => g.id === route.target.id && g.attachments.some((a) => a.vpcId === vpcId))) {
    return { ok: false, why: `${where} sends 0.0.0.0/0 to internet gateway ${route.target.id}, which is not attached to ${vpcId}`, fix: attachIgwFix(ctx.region, route.target.id, vpcId, table.id) };
  }
  return { ok: true };
}

/** The agent's own connection proves the path for every one of `services` (their evidence joined), else undefined. */
function provenFor(ctx: TargetContext, services: AgentService[]): string | undefined {
  const proofs = services.map((s) => provenByAgent(ctx, s));
  return proofs.every((p) => p !== undefined) ? [...new Set(proofs)].join(', and ') : undefined;
}

/** An available public NAT gateway of the VPC, outside the instance's own subnet (read leniently). */
function availableNat(ctx: TargetContext, w: Where): NatGateway | undefined {
  const nats = ctx.facts.natGateways[w.vpcId];
  if (!nats?.ok) return undefined;
  return nats.value.find((n) => n.state === 'available' && n.connectivityType !== 'private' && n.subnetId !== w.subnetId);
}

/** Interface endpoints are billed per endpoint per AZ per hour. */
export function endpointCost(ctx: TargetContext, eps: VpcEndpoint[]): { interfaceEndpoints: number; azs: number; usdPerMonth: number } {
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
