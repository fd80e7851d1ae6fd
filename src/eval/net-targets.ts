// Who the agent's HTTPS talks to, as seen by the security-group and NACL checks: per agent service its path,
// the live interface endpoints with their ENIs, the instance's addresses and groups, and fix-friendly CIDRs.
import { need, skip, type TargetContext, type Verdict } from '../check/kit.js';
import type { EndpointInterface, Instance, NetworkAcl, SecurityGroupRule, VpcEndpoint } from '../facts/facts.js';
import { vpcIdOf } from '../facts/lookup.js';
import { describePath, reachOf, trafficPath, type AgentPath } from './path.js';
import { AGENT_SERVICES } from '../facts/requirements.js';
import { normalizeProtocol, parseIp, type PortRange } from './net.js';

export interface ServicePath {
  /** An agent service (ssm, ssmmessages, ec2messages), or one the session preferences add (kms, logs). */
  service: string;
  path: AgentPath;
}

/** The path the traffic of every agent service (ssm, ssmmessages, ec2messages) takes. */
export function agentPaths(ctx: TargetContext): ServicePath[] {
  return AGENT_SERVICES.map((service) => ({ service, path: trafficPath(ctx, service) }));
}

/** A service reached through a gateway endpoint on the instance's route table (S3): its addresses are its prefix list's. */
export interface GatewayTarget {
  service: string;
  endpoint: VpcEndpoint;
  routeTableId: string;
  /** The service's AWS-managed prefix list (`com.amazonaws.<region>.s3`), when it was read. */
  prefixList?: { id: string; cidrs: string[] };
}

/**
 * The ways out of the instance's subnet that the security-group and NACL judgements look at: interface endpoints,
 * public addresses (NAT / internet gateway) and gateway endpoints, with every service's path for the notes.
 */
export interface Ways {
  paths: ServicePath[];
  targets: EndpointTarget[];
  publicServices: ServicePath[];
  gateways: GatewayTarget[];
}

/** The agent's own ways (ssm, ssmmessages, ec2messages). */
export function agentWays(ctx: TargetContext): Ways {
  const paths = agentPaths(ctx);
  return { paths, targets: endpointTargets(paths), publicServices: publicPaths(paths), gateways: [] };
}

/** The services whose path goes to public addresses (NAT or internet gateway) rather than an interface endpoint. */
export function publicPaths(paths: ServicePath[]): ServicePath[] {
  return paths.filter((p) => p.path.kind !== 'endpoint' && reachOf(p.path) === 'public');
}

/** `ssm <path>; ssmmessages <path>; ...`: every service with its path, for skip lines. */
export function describePaths(paths: ServicePath[]): string {
  return paths.map((p) => `${p.service} ${describePath(p.path)}`).join('; ');
}

/** Skips the check when no service goes through an interface endpoint, a gateway endpoint or out to public addresses. */
export function skipWithoutJudgeablePath(ways: Ways): void {
  if (ways.targets.length === 0 && ways.publicServices.length === 0 && ways.gateways.length === 0) {
    skip(`No agent service has a path to judge (${describePaths(ways.paths)}); see network.route and vpc-endpoint.*.`);
  }
}

/** ` Not judged: ...` for the services whose path is neither an interface endpoint nor public ('' when none). */
export function notJudgedNote(paths: ServicePath[]): string {
  const other = paths.filter((p) => p.path.kind !== 'endpoint' && reachOf(p.path) !== 'public');
  return other.length ? ` Not judged: ${other.map((p) => `${p.service} (${describePath(p.path)})`).join('; ')}.` : '';
}

/** Endpoint states in which the endpoint (and its ENIs / security groups) no longer exists or never will. */
const GONE = new Set(['deleted', 'deleting', 'rejected', 'failed', 'expired']);

export function liveEndpoints(endpoints: VpcEndpoint[]): VpcEndpoint[] {
  return endpoints.filter((e) => !GONE.has(e.state.toLowerCase()));
}

export interface EndpointTarget {
  service: string;
  endpoint: VpcEndpoint;
}

/** Live interface endpoints of every service whose path is endpoints, each once. */
export function endpointTargets(paths: ServicePath[]): EndpointTarget[] {
  const seen = new Set<string>();
  const out: EndpointTarget[] = [];
  for (const { service, path } of paths) {
    if (path.kind !== 'endpoint') continue;
    for (const endpoint of liveEndpoints(path.endpoints)) {
      if (seen.has(endpoint.id)) continue;
      seen.add(endpoint.id);
      out.push({ service, endpoint });
    }
  }
  return out;
}

/** The ENIs of one endpoint (from facts.endpointInterfaces of the instance's VPC); errors when unreadable. */
export function endpointEnis(ctx: TargetContext, endpoint: VpcEndpoint): EndpointInterface[] {
  const vpcId = vpcIdOf(ctx);
  const enis = need(ctx.facts.endpointInterfaces[vpcId], `the network interfaces of the VPC endpoints in ${vpcId}`);
  return enis.filter((n) => n.vpcEndpointId === endpoint.id || endpoint.networkInterfaceIds.includes(n.id));
}

/** The instance's private IPv4 addresses, primary first, no duplicates (anything that is not one is left out). */
export function instanceIpv4s(inst: Instance): string[] {
  const ips = [inst.privateIp, ...[...inst.networkInterfaces].sort((a, b) => a.deviceIndex - b.deviceIndex).flatMap((n) => n.privateIps)];
  return [...new Set(ips.filter((x): x is string => !!x && parseIp(x)?.family === 4))];
}

/** The instance's IPv6 addresses (all ENIs, primary first), no duplicates. */
export function instanceIpv6s(inst: Instance): string[] {
  const ips = [...inst.networkInterfaces].sort((a, b) => a.deviceIndex - b.deviceIndex).flatMap((n) => n.ipv6s ?? []);
  return [...new Set(ips.filter((x) => !!x && parseIp(x)?.family === 6))];
}

/**
 * An IPv6-only instance: IPv6 addresses and no private IPv4 one. The agent then cannot use IPv4 at all, so
 * judgements built on IPv4 (0.0.0.0/0 routes, endpoint ENI IPv4 addresses, IPv4 ACL entries) do not apply.
 */
export function isIpv6Only(inst: Instance): boolean {
  return instanceIpv4s(inst).length === 0 && instanceIpv6s(inst).length > 0;
}

/** Why the IPv4-based network checks cannot judge an IPv6-only instance, and what to verify instead. */
export function ipv6OnlyNote(inst: Instance): string {
  return (
    `${inst.id} has no private IPv4 address (IPv6 only: ${instanceIpv6s(inst).join(', ')}), and ssm-doctor judges the agent's ` +
    'IPv4 path only. Over IPv6 the agent reaches Systems Manager through interface endpoints with IPv6 addresses ' +
    '(IP address type dualstack or ipv6), the dual-stack public endpoints (with the agent configured to use them), or ' +
    'NAT64 (a 64:ff9b::/96 route to a NAT gateway and DNS64 on the subnet): verify that path by hand'
  );
}

/** The interfaces' sources, as the security-group checks judge them. */
export interface Source {
  /** The primary network interface's id, when EC2 listed the interfaces. */
  eniId?: string;
  ipv4s: string[];
  ipv6s: string[];
  groupIds: string[];
}

/**
 * Where the agent's connections come from unless the OS routes a destination through another interface (one in
 * the destination's subnet, say, which ssm-doctor cannot see): the primary network interface (device index 0), its
 * addresses and security groups. Without interface details from EC2: everything the instance has.
 */
export function primarySource(inst: Instance): Source {
  const eni = inst.networkInterfaces.find((n) => n.deviceIndex === 0);
  if (!eni) return allSources(inst);
  const v4 = [...new Set([inst.privateIp, ...eni.privateIps].filter((x): x is string => !!x && parseIp(x)?.family === 4))];
  const v6 = [...new Set((eni.ipv6s ?? []).filter((x) => parseIp(x)?.family === 6))];
  return { eniId: eni.id, ipv4s: v4, ipv6s: v6, groupIds: [...new Set(eni.securityGroupIds)] };
}

/** Every interface of the instance together: all addresses and security groups, primary first. */
export function allSources(inst: Instance): Source {
  return { ipv4s: instanceIpv4s(inst), ipv6s: instanceIpv6s(inst), groupIds: instanceGroupIds(inst) };
}

/** The instance has network interfaces besides the primary one (they may add addresses and security groups). */
export function hasOtherEnis(inst: Instance): boolean {
  return inst.networkInterfaces.some((n) => n.deviceIndex !== 0);
}

/** What to add to a verdict that holds for another interface of the instance, but not for the primary one. */
export function otherEniNote(inst: Instance, primary: Source): string {
  const what = [...primary.ipv4s, ...primary.groupIds].join(', ');
  return (
    `Another network interface of ${inst.id} would be allowed, but the agent's connections leave through the primary interface` +
    `${primary.eniId ? ` ${primary.eniId}` : ''}${what ? ` (${what})` : ''} unless the OS routes the destination through the other one ` +
    "(for instance because it lies in that interface's subnet): verify on the instance, or allow it for the primary interface."
  );
}

/**
 * `verdict` was judged for the primary interface. When it does not pass and the instance has other interfaces,
 * `judgeAll` judges them all together: if that passes, the verdict becomes a warn with otherEniNote, and the
 * passing verdict's data goes under `dataKey`.
 */
export function reconsiderOtherEnis(inst: Instance, primary: Source, verdict: Verdict, judgeAll: () => Verdict, dataKey: string): Verdict {
  if (verdict.status === 'pass' || !hasOtherEnis(inst)) return verdict;
  const anyEni = judgeAll();
  if (anyEni.status !== 'pass') return verdict;
  return { ...verdict, status: 'warn', detail: `${verdict.detail} ${otherEniNote(inst, primary)}`, data: { ...verdict.data, [dataKey]: anyEni.data } };
}

/** The source address of the agent's connections: the primary private IPv4. */
export function instancePrimaryIp(inst: Instance): string | undefined {
  return instanceIpv4s(inst)[0];
}

/** Security groups of the instance (all ENIs), primary ENI's first. */
export function instanceGroupIds(inst: Instance): string[] {
  const enis = [...inst.networkInterfaces].sort((a, b) => a.deviceIndex - b.deviceIndex);
  return [...new Set([...enis.flatMap((n) => n.securityGroupIds), ...inst.securityGroupIds])];
}

/**
 * The VPC's primary CIDR for fixes, read leniently (a fix never turns a verdict into an error): else the
 * instance subnet's CIDR, else 0.0.0.0/0 (a fix must run as pasted).
 */
export function vpcCidrFor(ctx: TargetContext, vpcId: string): string {
  const vpc = ctx.facts.vpcs[vpcId];
  if (vpc?.ok && vpc.value.cidrs[0]) return vpc.value.cidrs[0];
  const inst = ctx.facts.instances[ctx.id];
  const subnetId = inst?.ok && inst.value ? inst.value.subnetId : undefined;
  const subnet = subnetId ? ctx.facts.subnets[subnetId] : undefined;
  return subnet?.ok && subnet.value.cidr ? subnet.value.cidr : '0.0.0.0/0';
}

/** The network ACL of a subnet: its explicit association, else the VPC's default ACL. */
export function aclForSubnet(acls: NetworkAcl[], subnetId: string): NetworkAcl | undefined {
  return acls.find((a) => a.subnetIds.includes(subnetId)) ?? acls.find((a) => a.isDefault);
}

/** All TCP ports a return packet may use (what AWS recommends a NACL allow). */
export const EPHEMERAL_ALL: PortRange = { from: 1024, to: 65535 };

/** The ephemeral source ports the instance's OS picks for outbound connections (Linux ip_local_port_range, Windows dynamic ports). */
export function osEphemeral(platform: Instance['platform']): PortRange {
  return platform === 'windows' ? { from: 49152, to: 65535 } : { from: 32768, to: 60999 };
}

export function portsLabel(p: PortRange): string {
  return p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
}

/** `a; b; c` for a few items; for hundreds of rules the first `max` and how many more. */
export function someOf(items: string[], max = 5): string {
  if (items.length <= max) return items.join('; ');
  return `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;
}

/** One security-group rule, short: `tcp 443 from 10.0.0.0/16, sg-1`. */
export function describeSgRule(rule: SecurityGroupRule, direction: 'ingress' | 'egress'): string {
  const proto = normalizeProtocol(rule.protocol);
  const anyPort = rule.fromPort === undefined || rule.fromPort === -1 || rule.toPort === -1;
  let what: string;
  if (proto === '-1') what = 'all traffic';
  else if (proto === '6' || proto === '17') what = `${rule.protocol}${anyPort ? '' : ` ${portsLabel({ from: rule.fromPort!, to: rule.toPort ?? rule.fromPort! })}`}`;
  // ICMP keeps the type in FromPort and the code in ToPort: they are no port range.
  else if (proto === '1' || proto === '58') what = `${rule.protocol}${rule.fromPort === undefined || rule.fromPort === -1 ? '' : ` type ${rule.fromPort}`}`;
  else what = /^\d+$/.test(proto) ? `protocol ${rule.protocol}` : rule.protocol;
  const peers = [...rule.cidrs, ...rule.ipv6Cidrs, ...rule.groupIds, ...rule.prefixListIds];
  return `${what} ${direction === 'ingress' ? 'from' : 'to'} ${peers.length ? peers.join(', ') : '(nothing)'}`;
}
