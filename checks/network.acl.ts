// Guards: the stateless network ACLs on the agent's path allow TCP 443 out and the ephemeral-port replies back (instance subnet, endpoint / NAT gateway subnets mirrored).
import { need, skip, type Check, type Fix, type TargetContext, type Verdict } from '../src/check/kit.js';
import { agentSkipsEc2messages } from '../src/fix/endpoints.js';
import {
  NACL_DEFAULT_RULE,
  cidrContains,
  freeNaclRuleNumber,
  intervalToCidrs,
  naclDecideSpace,
  naclRuleLabel,
  naclSomePortNeverAllowed,
  normalizeProtocol,
  parseCidr,
  parseIp,
  publicIpv4,
  summarizeNacl,
  type Interval,
  type NaclCell,
  type PortRange,
} from '../src/eval/net.js';
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
import type { NetworkAcl, NetworkAclEntry } from '../src/facts/facts.js';
import { tfLabel } from '../src/eval/permissions.js';
import { instanceOf, vpcIdOf } from '../src/facts/lookup.js';

const HTTPS: PortRange = { from: 443, to: 443 };
const INTERNET = 'internet';

interface Leg {
  acl: NetworkAcl;
  subnetId: string;
  side: string;
  egress: boolean;
  /** Ports the rule set should allow (destination port of the packet). */
  ports: PortRange;
  /** Ports that must be allowed; the rest of `ports` only warns. */
  required: PortRange;
  peer: string; // an IPv4 address, or INTERNET (the public IPv4 space)
  peerLabel: string;
  services: Set<string>;
}

interface Problem {
  leg: Leg;
  severity: 'fail' | 'warn';
  blockingRules: number[];
  /** What is wrong, with `{peer}` where the peer goes (problems that differ only by peer are merged). */
  template: string;
}

/** Problems that differ only in the peer (e.g. the ENIs of several endpoints), merged into one sentence. */
interface ProblemGroup {
  problems: Problem[];
  detail: string;
}

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
      const p = judge(leg);
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

function ipInterval(ip: string): Interval {
  const c = parseCidr(ip)!;
  return { family: c.family, lo: c.lo, hi: c.hi };
}

function judge(leg: Leg): Problem | null {
  const ips = leg.peer === INTERNET ? publicIpv4() : [ipInterval(leg.peer)];
  const cells = naclDecideSpace(leg.acl.entries, { egress: leg.egress, protocol: '6', ports: leg.ports, ips });
  const sum = summarizeNacl(cells);
  if (sum.allowed === 'all') return null;
  const requiredBlocked = naclSomePortNeverAllowed(cells, leg.required);
  const requiredTouched = sum.denied.some((c) => c.ports.to >= leg.required.from && c.ports.from <= leg.required.to);
  const severity = requiredBlocked ? 'fail' : 'warn';
  const dir = leg.egress ? 'outbound' : 'inbound';
  const prep = leg.egress ? 'to' : 'from';
  const where = `${leg.acl.id} (${leg.side} ${leg.subnetId})`;
  const traffic = `${dir} TCP ${portsLabel(leg.ports)} ${prep} {peer}`;
  const why = describeDenied(leg, sum.denied, sum.allowed === 'none');
  let template: string;
  if (sum.allowed === 'none') {
    template = `${where} blocks ${traffic}: ${why}.`;
  } else if (leg.peer === INTERNET && !requiredBlocked && requiredTouched) {
    template =
      `${where} allows ${traffic} only for part of the public address space (${why}); ` +
      'the agent works only if the service addresses (AWS ip-ranges.json) avoid the blocked ranges.';
  } else if (!requiredTouched) {
    template =
      `${where} allows only part of ${traffic} (${why}). The ports the instance's OS uses (${portsLabel(leg.required)}) pass, ` +
      `but AWS recommends allowing 1024-65535 for return traffic.`;
  } else {
    template = `${where} allows only part of ${traffic}: ${why}.`;
  }
  return { leg, severity, blockingRules: sum.blockingRules, template };
}

function groupProblems(problems: Problem[]): ProblemGroup[] {
  const byKey = new Map<string, Problem[]>();
  for (const p of problems) {
    const key = `${p.severity}|${p.template}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  return [...byKey.values()].map((ps) => ({
    problems: ps,
    detail: ps[0]!.template.replace('{peer}', ps.map((p) => p.leg.peerLabel).join(', ')),
  }));
}

/** The first blocked leg, and how many more there are (the detail lists them all). */
function aclSummary(groups: ProblemGroup[]): string {
  const first = groups[0]!.problems[0]!.template.replace('{peer}', peersLabel(groups[0]!.problems));
  return groups.length > 1 ? `${first} ${groups.length - 1} more leg${groups.length > 2 ? 's' : ''} of the path ${groups.length > 2 ? 'are' : 'is'} blocked too.` : first;
}

/** The peers of a group of problems, short: one label, or `3 endpoint network interfaces` / `N addresses`. */
function peersLabel(problems: Problem[]): string {
  if (problems.length === 1) return problems[0]!.leg.peerLabel;
  const endpoints = new Set(problems.map((p) => p.leg.peerLabel.split(' ')[0]));
  return problems.every((p) => p.leg.peerLabel.startsWith('vpce-'))
    ? `the network interfaces of ${[...endpoints].join(', ')}`
    : `${problems.length} addresses`;
}

/** `ports 1024-32767 hit rule 50 (...)`; for the internet, which addresses too (unless all of them are denied). */
function describeDenied(leg: Leg, denied: NaclCell[], everything: boolean): string {
  const byRule = new Map<number, NaclCell[]>();
  for (const c of denied) byRule.set(c.ruleNumber, [...(byRule.get(c.ruleNumber) ?? []), c]);
  // Hundreds of denying entries would make a sentence nobody reads: the first few, then how many more.
  const rules = [...byRule.entries()];
  const more = rules.length > MAX_RULES_DESCRIBED ? rules.slice(MAX_RULES_DESCRIBED).map(([n]) => naclRuleLabel(n)) : [];
  const moreText = more.length ? `; and ${more.length} more rule${more.length === 1 ? '' : 's'} (${more.slice(0, 10).join(', ')}${more.length > 10 ? ', ...' : ''})` : '';
  return rules
    .slice(0, MAX_RULES_DESCRIBED)
    .map(([rule, cells]) => {
      const ports = [...new Set(cells.map((c) => portsLabel(c.ports)))];
      const portText = ports.length > 3 ? `${ports.slice(0, 3).join(', ')}, ...` : ports.join(', ');
      let addr = '';
      if (leg.peer === INTERNET && !everything) {
        const cidrs = cells.flatMap((c) => intervalToCidrs(c.ips));
        const uniq = [...new Set(cidrs)];
        addr = ` ${leg.egress ? 'to' : 'from'} ${uniq.slice(0, 3).join(', ')}${uniq.length > 3 ? ', ...' : ''}`;
      }
      const entry = cells[0]!.entry;
      const what = entry && rule < NACL_DEFAULT_RULE ? `rule ${rule} (${describeEntry(entry)})` : 'the final rule * (deny all): no rule allows it';
      return `ports ${portText}${addr} hit ${what}`;
    })
    .join('; ') + moreText;
}

const MAX_RULES_DESCRIBED = 5;

function describeEntry(e: NetworkAclEntry): string {
  const p = normalizeProtocol(e.protocol);
  const proto = p === '-1' ? 'all traffic' : p === '6' ? 'TCP' : p === '17' ? 'UDP' : `protocol ${e.protocol}`;
  const ports = (p === '6' || p === '17') && e.portRange && e.portRange.from !== -1 ? ` ${portsLabel(e.portRange)}` : '';
  return `${e.action} ${proto}${ports} ${e.egress ? 'to' : 'from'} ${e.cidr ?? e.ipv6Cidr ?? '?'}`;
}

/** The CIDR a new allow entry should name: 0.0.0.0/0 for the internet, else the VPC CIDR containing the peer. */
function fixCidr(ctx: TargetContext, vpcId: string, peer: string): string {
  if (peer === INTERNET) return '0.0.0.0/0';
  const vpc = ctx.facts.vpcs[vpcId];
  const cidr = vpc?.ok ? vpc.value.cidrs.find((c) => cidrContains(c, peer)) : undefined;
  return cidr ?? `${peer}/32`;
}

function aclFix(ctx: TargetContext, vpcId: string, problems: Problem[]): Fix {
  type Entry = { aclId: string; egress: boolean; ports: PortRange; cidr: string; below: number; entries: NetworkAclEntry[] };
  const wanted = new Map<string, Entry>();
  for (const p of problems) {
    const ports = p.leg.ports;
    const cidr = fixCidr(ctx, vpcId, p.leg.peer);
    const key = [p.leg.acl.id, p.leg.egress, ports.from, ports.to, cidr].join('|');
    const below = Math.min(...p.blockingRules);
    const prev = wanted.get(key);
    if (prev) prev.below = Math.min(prev.below, below);
    else wanted.set(key, { aclId: p.leg.acl.id, egress: p.leg.egress, ports, cidr, below, entries: p.leg.acl.entries });
  }
  const taken = new Map<string, NetworkAclEntry[]>();
  const cli: string[] = [];
  const tf: string[] = [];
  const summary: string[] = [];
  for (const w of wanted.values()) {
    const pool = taken.get(w.aclId) ?? [...w.entries];
    taken.set(w.aclId, pool);
    const free = freeNaclRuleNumber(pool, w.egress, w.below);
    const number = free ?? w.below;
    pool.push({ ruleNumber: number, egress: w.egress, protocol: '6', action: 'allow' });
    const verb = free === null ? 'replace-network-acl-entry' : 'create-network-acl-entry';
    const dir = w.egress ? 'outbound' : 'inbound';
    summary.push(
      `${dir} TCP ${portsLabel(w.ports)} ${w.egress ? 'to' : 'from'} ${w.cidr} on ${w.aclId} as rule ${number}` +
        (free === null ? ` (replacing rule ${number}: no free number below it)` : ` (before rule ${naclRuleLabel(w.below)})`),
    );
    cli.push(
      `aws ec2 ${verb} --network-acl-id ${w.aclId} --rule-number ${number} --protocol 6 --port-range From=${w.ports.from},To=${w.ports.to} ` +
        `${w.egress ? '--egress' : '--ingress'} --cidr-block ${w.cidr} --rule-action allow --region ${ctx.region}`,
    );
    tf.push(
      `resource "aws_network_acl_rule" "${tfLabel(`${w.aclId}_${w.egress ? 'out' : 'in'}_${w.ports.from}_${number}`)}" {\n` +
        `  network_acl_id = "${w.aclId}"\n` +
        `  rule_number    = ${number}\n` +
        `  egress         = ${w.egress}\n` +
        `  protocol       = "tcp"\n` +
        `  rule_action    = "allow"\n` +
        `  cidr_block     = "${w.cidr}"\n` +
        `  from_port      = ${w.ports.from}\n` +
        `  to_port        = ${w.ports.to}\n` +
        `}`,
    );
  }
  return { summary: `Allow ${summary.join('; ')}.`, cli, terraform: tf.join('\n\n') };
}
