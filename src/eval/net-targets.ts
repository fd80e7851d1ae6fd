// Who the agent's HTTPS talks to, as seen by the security-group and NACL checks: per agent service its path,
// the live interface endpoints with their ENIs, the instance's addresses and groups, and fix-friendly CIDRs.
import { need, type TargetContext } from '../check.js';
import type { EndpointInterface, Instance, NetworkAcl, SecurityGroupRule, VpcEndpoint } from '../facts.js';
import { vpcIdOf } from '../lookup.js';
import { agentPath, type AgentPath } from '../path.js';
import { AGENT_SERVICES, type AgentService } from '../requirements.js';
import { normalizeProtocol, type PortRange } from './net.js';

export interface ServicePath {
  service: AgentService;
  path: AgentPath;
}

/** The path of every agent service (ssm, ssmmessages, ec2messages). */
export function agentPaths(ctx: TargetContext): ServicePath[] {
  return AGENT_SERVICES.map((service) => ({ service, path: agentPath(ctx, service) }));
}

/** Endpoint states in which the endpoint (and its ENIs / security groups) no longer exists or never will. */
const GONE = new Set(['deleted', 'deleting', 'rejected', 'failed', 'expired']);

export function liveEndpoints(endpoints: VpcEndpoint[]): VpcEndpoint[] {
  return endpoints.filter((e) => !GONE.has(e.state.toLowerCase()));
}

export interface EndpointTarget {
  service: AgentService;
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

/** The instance's private IPv4 addresses, primary first, no duplicates. */
export function instanceIpv4s(inst: Instance): string[] {
  const ips = [inst.privateIp, ...[...inst.networkInterfaces].sort((a, b) => a.deviceIndex - b.deviceIndex).flatMap((n) => n.privateIps)];
  return [...new Set(ips.filter((x): x is string => !!x))];
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

/** The VPC's primary CIDR for fixes (read leniently: a fix never turns a verdict into an error). */
export function vpcCidrFor(ctx: TargetContext, vpcId: string): string {
  const vpc = ctx.facts.vpcs[vpcId];
  return vpc?.ok && vpc.value.cidrs[0] ? vpc.value.cidrs[0] : '<vpc-cidr>';
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

/** One security-group rule, short: `tcp 443 from 10.0.0.0/16, sg-1`. */
export function describeSgRule(rule: SecurityGroupRule, direction: 'ingress' | 'egress'): string {
  const proto = normalizeProtocol(rule.protocol);
  const what =
    proto === '-1'
      ? 'all traffic'
      : `${rule.protocol}${rule.fromPort === undefined || rule.fromPort === -1 ? '' : ` ${portsLabel({ from: rule.fromPort, to: rule.toPort ?? rule.fromPort })}`}`;
  const peers = [...rule.cidrs, ...rule.ipv6Cidrs, ...rule.groupIds, ...rule.prefixListIds];
  return `${what} ${direction === 'ingress' ? 'from' : 'to'} ${peers.length ? peers.join(', ') : '(nothing)'}`;
}
