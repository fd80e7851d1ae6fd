// Guards: the stateless network ACLs on the agent's path allow TCP 443 out and the ephemeral-port replies back (instance subnet, endpoint / NAT gateway subnets mirrored).
import { need, skip, type Check, type Verdict } from '../src/check/kit.js';
import { agentSkipsEc2messages } from '../src/fix/endpoints.js';
import { aclFix } from '../src/fix/nacl.js';
import { naclRuleLabel, parseIp, type PortRange } from '../src/eval/net.js';
import { aclSummary, groupProblems, INTERNET, judgeLeg, type Leg, type Problem } from '../src/eval/nacl-legs.js';
import {
  EPHEMERAL_ALL,
  aclForSubnet,
  agentPaths,
  endpointEnis,
  endpointTargets,
  instancePrimaryIp,
  ipv6OnlyNote,
  isIpv6Only,
  notJudgedNote,
  osEphemeral,
  portsLabel,
  publicPaths,
  skipWithoutJudgeablePath,
} from '../src/eval/net-targets.js';
import { instanceOf, vpcIdOf } from '../src/facts/lookup.js';

const HTTPS: PortRange = { from: 443, to: 443 };

export const networkAcl: Check = {
  meta: {
    id: 'network.acl',
    explains: ['agent.ping', 'session.connection'],
    title: 'Network ACLs allow HTTPS and its replies',
    group: 'network',
    description:
      "Network ACLs are stateless: the instance subnet's ACL must allow outbound TCP 443 to the endpoints and inbound " +
      "TCP 1024-65535 back from them; the endpoint (or NAT gateway) subnets' ACLs the mirror image. First matching rule wins.",
    fixes: '`aws ec2 create-network-acl-entry` with a free rule number before the blocking rule; `aws_network_acl_rule`',
  },
  run(ctx): Verdict {
    const inst = instanceOf(ctx);
    const vpcId = vpcIdOf(ctx);
    if (!inst.subnetId) skip(`instance ${inst.id} has no subnet`);
    const ip = instancePrimaryIp(inst);
    if (!ip) {
      if (!isIpv6Only(inst)) skip(`instance ${inst.id} has no private IPv4 address`);
      // Network ACLs filter IPv6 too, but the entries that matter depend on addresses ssm-doctor does not know.
      return { status: 'warn', detail: `${ipv6OnlyNote(inst)}, including the network ACL entries for IPv6 (ipv6-cidr-block) both ways.`, data: { ipv6Only: true } };
    }
    const paths = agentPaths(ctx);
    const targets = endpointTargets(paths);
    const publicServices = publicPaths(paths);
    skipWithoutJudgeablePath(paths, targets, publicServices);
    const acls = need(ctx.facts.networkAcls[vpcId], `the network ACLs of ${vpcId}`);
    const ephemeral = osEphemeral(inst.platform);
    const legs = new Map<string, Leg>();
    const notes: string[] = [];
    const sameSubnet: string[] = [];

    const add = (subnetId: string, side: string, egress: boolean, ports: PortRange, required: PortRange, peer: string, peerLabel: string, service: string) => {
      const acl = aclForSubnet(acls, subnetId);
      if (!acl) {
        const note = `No network ACL of ${vpcId} is associated with ${subnetId} and there is no default ACL in the facts.`;
        if (!notes.includes(note)) notes.push(note);
        return;
      }
      const key = [acl.id, subnetId, egress, ports.from, ports.to, peer].join('|');
      const leg = legs.get(key);
      if (leg) leg.services.add(service);
      else legs.set(key, { acl, subnetId, side, egress, ports, required, peer, peerLabel, services: new Set([service]) });
    };
    const instSide = 'instance subnet';
    const instLabel = `the instance (${ip})`;

    for (const { service, endpoint } of targets) {
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
        add(inst.subnetId, instSide, true, HTTPS, HTTPS, eip, epLabel, service);
        add(inst.subnetId, instSide, false, EPHEMERAL_ALL, ephemeral, eip, epLabel, service);
        add(eni.subnetId, 'endpoint subnet', false, HTTPS, HTTPS, ip, instLabel, service);
        add(eni.subnetId, 'endpoint subnet', true, EPHEMERAL_ALL, ephemeral, ip, instLabel, service);
      }
    }
    for (const { service, path } of publicServices) {
      const internet = 'the public SSM endpoints';
      add(inst.subnetId, instSide, true, HTTPS, HTTPS, INTERNET, internet, service);
      add(inst.subnetId, instSide, false, EPHEMERAL_ALL, ephemeral, INTERNET, internet, service);
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

    const sameNote = sameSubnet.length
      ? ` Not judged: ${sameSubnet.join(', ')} ${sameSubnet.length === 1 ? 'is' : 'are'} in the instance's own subnet ${inst.subnetId}, ` +
        'and network ACLs only filter traffic entering or leaving a subnet, not traffic within it.'
      : '';
    const otherNote = notJudgedNote(paths);

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
      const head = legs.size
        ? `${judged} allow TCP 443 and its replies (ephemeral ports).`
        : 'No network ACL could be judged.';
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
  },
};

