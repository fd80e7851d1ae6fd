// How the SSM Agent's HTTPS to one service (ssm, ssmmessages, ec2messages) leaves the instance's subnet.
// One owner for "which way does the traffic go": vpc-endpoint.*, network.route, the security-group and
// NACL checks all read the path from here.
import { NeedFact, SkipCheck, type TargetContext } from '../check/kit.js';
import type { NatGateway, Route, RouteTargetType, VpcEndpoint } from '../facts/facts.js';
import { instanceOf, instanceRouteTable, interfaceEndpointsFor, serviceName, vpcIdOf } from '../facts/lookup.js';

export type AgentPath =
  /** Interface endpoint(s) for com.amazonaws.<region>.<service> in the instance's VPC, any state (checks judge state). */
  | { kind: 'endpoint'; service: string; endpoints: VpcEndpoint[] }
  | { kind: 'nat'; routeTableId: string; natGatewayId: string; nat?: NatGateway }
  | { kind: 'igw'; routeTableId: string; internetGatewayId: string; publicIp: string }
  | { kind: 'igw-no-public-ip'; routeTableId: string; internetGatewayId: string }
  /** tgw, pcx, vgw, eni/instance (firewall, NAT instance), GWLB endpoint, core-network...: can't be proven from here. */
  | { kind: 'unproven'; routeTableId: string; target: { type: RouteTargetType; id: string } }
  | { kind: 'blackhole'; routeTableId: string; target: { type: RouteTargetType; id: string } }
  | { kind: 'none'; routeTableId: string };

/** The internet-bound part of a path (everything but interface endpoints). */
export type InternetPath = Exclude<AgentPath, { kind: 'endpoint' }>;

/**
 * The path for one agent service. Interface endpoints in the instance's VPC win when present (their private
 * DNS name shadows the public one); otherwise the subnet's default route decides.
 * Errors (via need) when the VPC endpoints, or — without endpoints — the route tables, could not be read.
 */
export function agentPath(ctx: TargetContext, service: string): AgentPath {
  const endpoints = agentEndpoints(ctx, service);
  if (endpoints.length > 0) return { kind: 'endpoint', service, endpoints };
  return defaultRoute(ctx, service);
}

/**
 * The way the agent's traffic to `service` takes now, for the security-group and NACL judgements: its interface
 * endpoints when one is usable (available, private DNS on); endpoints that are all bypassed leave the agent on the
 * public name, so the subnet's default route when it leads somewhere (as network.route judges it).
 */
export function trafficPath(ctx: TargetContext, service: string): AgentPath {
  const path = agentPath(ctx, service);
  if (path.kind !== 'endpoint' || path.endpoints.some((e) => e.state.toLowerCase() === 'available' && e.privateDnsEnabled)) return path;
  const fallback = tryDefaultRoute(ctx, service);
  return fallback && reachOf(fallback) !== 'none' ? fallback : path;
}

/**
 * What proves, from outside, that the agent's HTTPS to `service` gets through whatever the route table says
 * (a transit gateway, a firewall, a private NAT gateway, a proxy): its heartbeat reaches ssm while Systems Manager
 * lists it Online, and its control channel is open on ssmmessages while Session Manager reports it connected.
 * Undefined when nothing does (ec2messages: no outside signal proves it).
 */
export function provenByAgent(ctx: TargetContext, service: string): string | undefined {
  const agent = ctx.facts.agents[ctx.id];
  const online = agent?.ok === true && agent.value?.pingStatus === 'Online';
  if (!online) return undefined;
  if (service === 'ssm') return 'the agent is Online in Systems Manager, so its heartbeat to ssm gets through';
  const conn = ctx.facts.connections[ctx.id];
  if (service === 'ssmmessages' && conn?.ok === true && conn.value === 'connected') {
    return 'Session Manager reports the agent connected, so its channel to ssmmessages is open';
  }
  return undefined;
}

/**
 * What the live agent proves about one IAM action of its role: only the calls it makes while idle, the heartbeat
 * (ssm:UpdateInstanceInformation, Online) and the control channel (ssmmessages:*ControlChannel, connected). The data
 * channel actions are called when a session opens, and ec2messages has no outside signal: nothing proves them.
 */
export function actionProvenByAgent(ctx: TargetContext, action: string): string | undefined {
  const a = action.toLowerCase();
  if (a === 'ssm:updateinstanceinformation') return provenByAgent(ctx, 'ssm');
  if (a === 'ssmmessages:createcontrolchannel' || a === 'ssmmessages:opencontrolchannel') return provenByAgent(ctx, 'ssmmessages');
  return undefined;
}

/** Interface endpoints (any state) for one service in the instance's VPC: the endpoints agentPath sees. */
export function agentEndpoints(ctx: TargetContext, service: string): VpcEndpoint[] {
  const vpcId = vpcIdOf(ctx);
  // Keyed by VPC already; the vpcId filter guards against a collector that lists more than it was asked for.
  return interfaceEndpointsFor(ctx, service).filter((e) => e.vpcId === vpcId);
}

/** defaultRoute, or undefined when it cannot be determined (facts unreadable, no route table). */
export function tryDefaultRoute(ctx: TargetContext, service?: string): InternetPath | undefined {
  try {
    return defaultRoute(ctx, service);
  } catch (e) {
    if (e instanceof NeedFact || e instanceof SkipCheck) return undefined;
    throw e;
  }
}

/**
 * Where the subnet's route table (explicit association, else main) sends internet-bound traffic: the
 * `0.0.0.0/0` route, or — when `service` is given — a route whose destination is a managed prefix list
 * named `com.amazonaws.<region>.<service>` (the only prefix-list destination we can tell serves it).
 * NAT gateway / internet gateway details are looked up leniently (absent when not collected).
 */
export function defaultRoute(ctx: TargetContext, service?: string): InternetPath {
  const inst = instanceOf(ctx);
  const table = instanceRouteTable(ctx);
  const routeTableId = table.id;
  const route = servicePrefixListRoute(ctx, table.routes, service) ?? table.routes.find((r) => r.destinationCidr === '0.0.0.0/0');
  if (!route) {
    // A prefix-list route whose list name is unknown may be this service's: neither provable nor "no way out".
    const maybe = unnamedPrefixListRoute(ctx, table.routes, service);
    return maybe ? { kind: 'unproven', routeTableId, target: maybe.target } : { kind: 'none', routeTableId };
  }
  const target = route.target;
  if (route.state === 'blackhole') return { kind: 'blackhole', routeTableId, target };
  switch (target.type) {
    case 'nat': {
      const vpcId = vpcIdOf(ctx);
      const nats = ctx.facts.natGateways[vpcId];
      const nat = nats?.ok ? nats.value.find((n) => n.id === target.id) : undefined;
      return nat ? { kind: 'nat', routeTableId, natGatewayId: target.id, nat } : { kind: 'nat', routeTableId, natGatewayId: target.id };
    }
    case 'igw':
      return inst.publicIp
        ? { kind: 'igw', routeTableId, internetGatewayId: target.id, publicIp: inst.publicIp }
        : { kind: 'igw-no-public-ip', routeTableId, internetGatewayId: target.id };
    default:
      return { kind: 'unproven', routeTableId, target };
  }
}

function servicePrefixListRoute(ctx: TargetContext, routes: Route[], service: string | undefined): Route | undefined {
  if (!service) return undefined;
  const name = serviceName(ctx.region, service);
  return routes.find((r) => {
    if (!r.destinationPrefixListId) return false;
    const pl = ctx.facts.prefixLists[r.destinationPrefixListId];
    return pl?.ok === true && pl.value.name === name;
  });
}

/** Services AWS publishes a managed prefix list for (`com.amazonaws.<region>.s3`, gateway endpoints). */
const PREFIX_LIST_SERVICES = new Set(['s3', 'dynamodb']);

/**
 * For a service with an AWS-managed prefix list: an active route to a prefix list whose name is unknown (the
 * list or its name could not be read: ec2:DescribeManagedPrefixLists denied, say).
 */
function unnamedPrefixListRoute(ctx: TargetContext, routes: Route[], service: string | undefined): Route | undefined {
  if (!service || !PREFIX_LIST_SERVICES.has(service)) return undefined;
  return routes.find((r) => {
    if (!r.destinationPrefixListId || r.state === 'blackhole') return false;
    const pl = ctx.facts.prefixLists[r.destinationPrefixListId];
    return !pl?.ok || pl.value.name === undefined;
  });
}

/**
 * Whether a path reaches the service, as far as the route table alone can tell:
 * `endpoint` (interface endpoints: state judged elsewhere), `public` (NAT gateway, or IGW with a public IP),
 * `unproven` (a hop we cannot see past, or a private NAT gateway), `none` (no way out).
 */
export type Reach = 'endpoint' | 'public' | 'unproven' | 'none';

export function reachOf(path: AgentPath): Reach {
  switch (path.kind) {
    case 'endpoint':
      return 'endpoint';
    case 'nat':
      return path.nat?.connectivityType === 'private' ? 'unproven' : 'public';
    case 'igw':
      return 'public';
    case 'unproven':
      return 'unproven';
    case 'igw-no-public-ip':
    case 'blackhole':
    case 'none':
      return 'none';
  }
}

const TARGET_NAMES: Partial<Record<RouteTargetType, string>> = {
  tgw: 'transit gateway',
  pcx: 'VPC peering connection',
  vgw: 'virtual private gateway',
  eni: 'network interface (firewall / appliance / NAT instance)',
  instance: 'instance (NAT instance / appliance)',
  vpce: 'Gateway Load Balancer endpoint (firewall)',
  'core-network': 'Cloud WAN core network',
  carrier: 'carrier gateway',
  'egress-only-igw': 'egress-only internet gateway (IPv6 only)',
  igw: 'internet gateway',
  nat: 'NAT gateway',
  local: 'local route',
  other: 'route target',
};

export function targetName(type: RouteTargetType): string {
  return TARGET_NAMES[type] ?? type;
}

/** One phrase for a path, e.g. `over NAT gateway nat-0abc via rtb-0123`. */
export function describePath(path: AgentPath): string {
  switch (path.kind) {
    case 'endpoint':
      return `through interface endpoint${path.endpoints.length > 1 ? 's' : ''} ${path.endpoints.map((e) => e.id).join(', ')}`;
    case 'nat':
      return `over ${path.nat?.connectivityType === 'private' ? 'private ' : ''}NAT gateway ${path.natGatewayId} via ${path.routeTableId}`;
    case 'igw':
      return `over internet gateway ${path.internetGatewayId} via ${path.routeTableId} with public IP ${path.publicIp}`;
    case 'igw-no-public-ip':
      return `to internet gateway ${path.internetGatewayId} via ${path.routeTableId}, but the instance has no public IP`;
    case 'unproven':
      return `to ${targetName(path.target.type)} ${path.target.id} via ${path.routeTableId}`;
    case 'blackhole':
      return `to ${targetName(path.target.type)} ${path.target.id} via ${path.routeTableId}, a blackhole route (the target no longer exists)`;
    case 'none':
      return `nowhere (${path.routeTableId} has no default route 0.0.0.0/0)`;
  }
}

/** What to verify for a hop the route table cannot prove. */
export function verifyHint(type: RouteTargetType): string {
  switch (type) {
    case 'tgw':
      return 'verify that the transit gateway route table sends this VPC\'s traffic to an egress VPC with a NAT gateway, or to shared ssm/ssmmessages/ec2messages endpoints whose Route 53 private hosted zones are associated with this VPC';
    case 'pcx':
      return 'VPC peering does not forward to the peer\'s NAT or internet gateway (no edge-to-edge routing): it only works if the peer VPC has ssm/ssmmessages/ec2messages endpoints and their private hosted zones are associated with this VPC';
    case 'vgw':
      return 'verify that the on-premises network (VPN / Direct Connect) forwards HTTPS to *.amazonaws.com (proxy, firewall) and routes the answers back';
    case 'eni':
    case 'instance':
    case 'vpce':
      return 'verify that the firewall / appliance forwards and NATs TCP 443 to the SSM endpoints (*.amazonaws.com) and that its own route leads to the internet';
    case 'core-network':
      return 'verify that the Cloud WAN segment routes this VPC to an egress or shared-endpoint VPC';
    default:
      return 'verify that this hop forwards TCP 443 to the SSM endpoints (*.amazonaws.com)';
  }
}
