// The network ACLs on a set of ways out of the instance's subnet, judged leg by leg (src/eval/nacl-legs.ts): the
// instance subnet's ACL both ways, the endpoint or NAT gateway subnets' ACLs mirrored, the addresses of a gateway
// endpoint's prefix list. network.acl judges the agent's ways; the session checks the ways to kms, logs and s3.
import { need, skip, type TargetContext, type Verdict } from '../check/kit.js';
import type { Instance } from '../facts/facts.js';
import { AGENT_SERVICES } from '../facts/requirements.js';
import { agentSkipsEc2messages } from '../fix/endpoints.js';
import { aclFix } from '../fix/nacl.js';
import { intervalsOf, naclRuleLabel, parseIp, publicIpv4, type PortRange } from './net.js';
import { aclSummary, groupProblems, INTERNET, judgeLeg, type Leg, type Problem } from './nacl-legs.js';
import { EPHEMERAL_ALL, aclForSubnet, endpointEnis, notJudgedNote, osEphemeral, portsLabel, type Ways } from './net-targets.js';

const HTTPS: PortRange = { from: 443, to: 443 };

/** `the public SSM endpoints` for the agent's services, `the public kms endpoint` for one the preferences add. */
export function publicEndpoints(service: string): string {
  return (AGENT_SERVICES as readonly string[]).includes(service) ? 'the public SSM endpoints' : `the public ${service} endpoint`;
}

/**
 * The verdict of the ACLs on `ways` for the instance's primary address `ip`. Skips when no leg crosses a subnet
 * boundary (an endpoint in the instance's own subnet, say); errors when the VPC's ACLs could not be read.
 */
export function judgeNetworkAcls(ctx: TargetContext, inst: Instance, vpcId: string, ip: string, ways: Ways): Verdict {
  const acls = need(ctx.facts.networkAcls[vpcId], `the network ACLs of ${vpcId}`);
  const ephemeral = osEphemeral(inst.platform);
  const legs = new Map<string, Leg>();
  const notes: string[] = [];
  const sameSubnet: string[] = [];

  const add = (subnetId: string, side: string, egress: boolean, ports: PortRange, required: PortRange, peer: string, peerLabel: string, service: string, peerIps?: Leg['peerIps']) => {
    const acl = aclForSubnet(acls, subnetId);
    if (!acl) {
      const note = `No network ACL of ${vpcId} is associated with ${subnetId} and there is no default ACL in the facts.`;
      if (!notes.includes(note)) notes.push(note);
      return;
    }
    const key = [acl.id, subnetId, egress, ports.from, ports.to, peer].join('|');
    const leg = legs.get(key);
    if (leg) leg.services.add(service);
    else legs.set(key, { acl, subnetId, side, egress, ports, required, peer, peerLabel, services: new Set([service]), ...(peerIps ? { peerIps } : {}) });
  };
  const instSide = 'instance subnet';
  const instLabel = `the instance (${ip})`;

  for (const { service, endpoint } of ways.targets) {
    // Only IPv4 addresses: the ACL legs are judged for IPv4 (an unparsable address is treated as missing).
    const enis = endpointEnis(ctx, endpoint).filter((n) => n.privateIp && parseIp(n.privateIp)?.family === 4);
    if (enis.length === 0) notes.push(`The network interfaces of ${endpoint.id} (${service}) were not found, so their subnets' ACLs were not judged.`);
    for (const eni of enis) {
      const eip = eni.privateIp!;
      if (eni.subnetId === inst.subnetId) {
        sameSubnet.push(`${endpoint.id} (${eip})`);
        continue;
      }
      const epLabel = `${endpoint.id} (${service}) at ${eip}`;
      add(inst.subnetId!, instSide, true, HTTPS, HTTPS, eip, epLabel, service);
      add(inst.subnetId!, instSide, false, EPHEMERAL_ALL, ephemeral, eip, epLabel, service);
      add(eni.subnetId, 'endpoint subnet', false, HTTPS, HTTPS, ip, instLabel, service);
      add(eni.subnetId, 'endpoint subnet', true, EPHEMERAL_ALL, ephemeral, ip, instLabel, service);
    }
  }
  for (const { service, path } of ways.publicServices) {
    const internet = publicEndpoints(service);
    add(inst.subnetId!, instSide, true, HTTPS, HTTPS, INTERNET, internet, service);
    add(inst.subnetId!, instSide, false, EPHEMERAL_ALL, ephemeral, INTERNET, internet, service);
    if (path.kind === 'nat') {
      const natSubnet = path.nat?.subnetId;
      if (!natSubnet) {
        notes.push(`The subnet of NAT gateway ${path.natGatewayId} is unknown, so its ACL was not judged.`);
      } else if (natSubnet !== inst.subnetId) {
        const side = `NAT gateway ${path.natGatewayId}'s subnet`;
        add(natSubnet, side, false, HTTPS, HTTPS, ip, instLabel, service);
        add(natSubnet, side, true, HTTPS, HTTPS, INTERNET, internet, service);
        // The NAT gateway picks source ports from all of 1024-65535.
        add(natSubnet, side, false, EPHEMERAL_ALL, EPHEMERAL_ALL, INTERNET, internet, service);
        add(natSubnet, side, true, EPHEMERAL_ALL, ephemeral, ip, instLabel, service);
      }
    }
  }
  for (const g of ways.gateways) {
    // Through a gateway endpoint the packets keep the service's public addresses: those of its prefix list.
    const pl = g.prefixList;
    const peer = pl ? pl.id : INTERNET;
    const label = pl ? `the ${g.service} addresses (prefix list ${pl.id}, gateway endpoint ${g.endpoint.id})` : `the ${g.service} addresses (gateway endpoint ${g.endpoint.id})`;
    const ips = pl ? intervalsOf(pl.cidrs) : publicIpv4();
    add(inst.subnetId!, instSide, true, HTTPS, HTTPS, peer, label, g.service, ips);
    add(inst.subnetId!, instSide, false, EPHEMERAL_ALL, ephemeral, peer, label, g.service, ips);
  }

  const sameNote = sameSubnet.length
    ? ` Not judged: ${sameSubnet.join(', ')} ${sameSubnet.length === 1 ? 'is' : 'are'} in the instance's own subnet ${inst.subnetId}, ` +
      'and network ACLs only filter traffic entering or leaving a subnet, not traffic within it.'
    : '';
  const otherNote = notJudgedNote(ways.paths);

  if (legs.size === 0 && notes.length === 0) {
    skip(`Network ACLs do not apply:${sameNote}${otherNote}`);
  }

  const optionalEc2messages = agentSkipsEc2messages(ctx);
  const problems: Problem[] = [];
  for (const leg of legs.values()) {
    const p = judgeLeg(leg);
    if (!p) continue;
    if (p.severity === 'fail' && optionalEc2messages && [...leg.services].every((s) => s === 'ec2messages')) {
      p.severity = 'warn';
      p.template += ' Only agents older than 3.3.40.0 use ec2messages, so this is a warning.';
    }
    problems.push(p);
  }
  problems.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'fail' ? -1 : 1));
  const groups = groupProblems(problems);

  const data = {
    acls: [...new Set([...legs.values()].map((l) => `${l.acl.id}:${l.subnetId}`))].map((s) => {
      const [aclId, subnetId] = s.split(':');
      return { aclId, subnetId };
    }),
    problems: groups.map(({ problems: [p, ...more] }) => ({
      aclId: p!.leg.acl.id,
      subnetId: p!.leg.subnetId,
      direction: p!.leg.egress ? 'outbound' : 'inbound',
      ports: portsLabel(p!.leg.ports),
      peers: [p!, ...more].map((x) => x.leg.peer),
      blockingRules: p!.blockingRules.map(naclRuleLabel),
      severity: p!.severity,
    })),
    ...(sameSubnet.length ? { sameSubnet } : {}),
  };

  if (problems.length === 0) {
    // Per ACL: the side it guards and how many subnets (the subnets themselves are in `data`).
    const byAcl = new Map<string, { side: string; subnets: Set<string> }>();
    for (const l of legs.values()) {
      const a = byAcl.get(`${l.acl.id}|${l.side}`) ?? { side: l.side, subnets: new Set<string>() };
      a.subnets.add(l.subnetId);
      byAcl.set(`${l.acl.id}|${l.side}`, a);
    }
    const judged = [...byAcl.entries()]
      .map(([key, a]) => `${key.split('|')[0]} (${a.subnets.size === 1 ? `${a.side} ${[...a.subnets][0]}` : `${a.subnets.size} ${a.side}s`})`)
      .join(', ');
    const status = notes.length ? 'warn' : 'pass';
    const head = legs.size ? `${judged} allow TCP 443 and its replies (ephemeral ports).` : 'No network ACL could be judged.';
    return { status, detail: `${head}${notes.length ? ` ${notes.join(' ')}` : ''}${sameNote}${otherNote}`, data };
  }
  const status = problems.some((p) => p.severity === 'fail') ? 'fail' : 'warn';
  return {
    status,
    // The ACLs are the resource: every instance behind them has the same problem and the same fix.
    subject: [...new Set(problems.map((p) => p.leg.acl.id))].sort().join(','),
    summary: aclSummary(groups.filter((g) => g.problems[0]!.severity === status)),
    detail: `${groups.map((g) => g.detail).join(' ')}${notes.length ? ` ${notes.join(' ')}` : ''}${sameNote}${otherNote}`,
    fix: aclFix(ctx, vpcId, problems),
    data,
  };
}
