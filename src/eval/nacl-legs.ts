// The legs of the agent's path through stateless network ACLs, judged: one direction of one subnet's ACL for one
// peer (an endpoint interface, the instance, the internet), which ports of it the rules let through, and why not.
// network.acl builds the legs from the path; this says what is wrong with each, in words.
import {
  NACL_DEFAULT_RULE,
  intervalToCidrs,
  naclDecideSpace,
  naclRuleLabel,
  naclSomePortNeverAllowed,
  normalizeProtocol,
  parseCidr,
  publicIpv4,
  summarizeNacl,
  type Interval,
  type NaclCell,
  type PortRange,
} from './net.js';
import { portsLabel } from './net-targets.js';
import type { NetworkAcl, NetworkAclEntry } from '../facts/facts.js';

/** The peer of a leg that is the public internet (the public IPv4 space). */
export const INTERNET = 'internet';

export interface Leg {
  acl: NetworkAcl;
  subnetId: string;
  side: string;
  egress: boolean;
  /** Ports the rule set should allow (destination port of the packet). */
  ports: PortRange;
  /** Ports that must be allowed; the rest of `ports` only warns. */
  required: PortRange;
  peer: string; // an IPv4 address, INTERNET (the public IPv4 space), or a prefix list id (with peerIps)
  peerLabel: string;
  services: Set<string>;
  /** The peer's addresses when it is a range of public ones (a gateway endpoint's prefix list), not one address. */
  peerIps?: Interval[];
}

/** A peer made of public address ranges (the internet, a prefix list) rather than one address. */
export function isWidePeer(leg: Leg): boolean {
  return leg.peer === INTERNET || leg.peerIps !== undefined;
}

export interface Problem {
  leg: Leg;
  severity: 'fail' | 'warn';
  blockingRules: number[];
  /** What is wrong, with `{peer}` where the peer goes (problems that differ only by peer are merged). */
  template: string;
}

/** Problems that differ only in the peer (e.g. the ENIs of several endpoints), merged into one sentence. */
export interface ProblemGroup {
  problems: Problem[];
  detail: string;
}

function ipInterval(ip: string): Interval {
  const c = parseCidr(ip)!;
  return { family: c.family, lo: c.lo, hi: c.hi };
}

export function judgeLeg(leg: Leg): Problem | null {
  const ips = leg.peerIps ?? (leg.peer === INTERNET ? publicIpv4() : [ipInterval(leg.peer)]);
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
  } else if (isWidePeer(leg) && !requiredBlocked && requiredTouched) {
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

export function groupProblems(problems: Problem[]): ProblemGroup[] {
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
export function aclSummary(groups: ProblemGroup[]): string {
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
      if (isWidePeer(leg) && !everything) {
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

