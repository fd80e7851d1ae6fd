// Network rule evaluation, pure: IPv4/IPv6 addresses and CIDRs, protocol and port matching,
// security-group rules (stateful, any rule admits) and network ACL entries (stateless, first match wins).
import type { Fetched, NetworkAclEntry, PrefixList, SecurityGroup, SecurityGroupRule } from '../facts/facts.js';

// ---------------------------------------------------------------------------------------------
// Addresses and CIDRs

export type Family = 4 | 6;

export interface IpAddr {
  family: Family;
  value: bigint;
}

/** An inclusive range of addresses of one family. */
export interface Interval {
  family: Family;
  lo: bigint;
  hi: bigint;
}

export interface Cidr extends Interval {
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseIpv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(s: string): bigint | null {
  if (s.length === 0 || s.includes('%')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-f]{1,4}$/i.test(item)) {
        out.push(parseInt(item, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 is only allowed at the very end.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses an IPv4 or IPv6 address; null when it is not one. */
export function parseIp(s: string): IpAddr | null {
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseIpv6(t);
    return v === null ? null : { family: 6, value: v };
  }
  const v = parseIpv4(t);
  return v === null ? null : { family: 4, value: v };
}

/** Parses `addr/prefix` (a bare address is a host route); host bits are masked off as AWS does. */
export function parseCidr(s: string): Cidr | null {
  const [addr, len, extra] = s.trim().split('/');
  if (addr === undefined || extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const bits = BITS[ip.family];
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const prefix = len === undefined ? bits : Number(len);
  if (prefix > bits) return null;
  const hostBits = BigInt(bits - prefix);
  const lo = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, prefix, lo, hi: lo + (1n << hostBits) - 1n };
}

/** True when `ip` lies in `cidr` (same family only; unparsable input never matches). */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = parseIp(ip);
  return !!c && !!a && c.family === a.family && a.value >= c.lo && a.value <= c.hi;
}

/** True when the two CIDRs share at least one address. */
export function cidrOverlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return !!x && !!y && x.family === y.family && x.lo <= y.hi && y.lo <= x.hi;
}

/** True when every address of `inner` lies in `outer`. */
export function cidrCovers(outer: string, inner: string): boolean {
  const x = parseCidr(outer);
  const y = parseCidr(inner);
  return !!x && !!y && x.family === y.family && x.lo <= y.lo && y.hi <= x.hi;
}

export function formatIp(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** The smallest list of CIDRs exactly covering an interval. */
export function intervalToCidrs(iv: Interval): string[] {
  const bits = BITS[iv.family];
  const out: string[] = [];
  let lo = iv.lo;
  while (lo <= iv.hi) {
    let size = 0;
    while (size < bits && (lo & ((1n << BigInt(size + 1)) - 1n)) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= iv.hi) size++;
    out.push(`${formatIp(iv.family, lo)}/${bits - size}`);
    lo += 1n << BigInt(size);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Interval sets (one family at a time)

/** Sorted, merged (adjacent ranges joined) copy. */
export function mergeIntervals(xs: Interval[]): Interval[] {
  const sorted = [...xs].sort((a, b) => a.family - b.family || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Interval[] = [];
  for (const x of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === x.family && x.lo <= last.hi + 1n) {
      if (x.hi > last.hi) last.hi = x.hi;
    } else {
      out.push({ ...x });
    }
  }
  return out;
}

/** Addresses of `a` not in `b`. */
export function subtractIntervals(a: Interval[], b: Interval[]): Interval[] {
  let rest = mergeIntervals(a);
  for (const cut of mergeIntervals(b)) {
    const next: Interval[] = [];
    for (const r of rest) {
      if (r.family !== cut.family || cut.hi < r.lo || cut.lo > r.hi) {
        next.push(r);
        continue;
      }
      if (cut.lo > r.lo) next.push({ family: r.family, lo: r.lo, hi: cut.lo - 1n });
      if (cut.hi < r.hi) next.push({ family: r.family, lo: cut.hi + 1n, hi: r.hi });
    }
    rest = next;
  }
  return rest;
}

/** Addresses in both. */
export function intersectIntervals(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of mergeIntervals(a)) {
    for (const y of mergeIntervals(b)) {
      if (x.family !== y.family) continue;
      const lo = x.lo > y.lo ? x.lo : y.lo;
      const hi = x.hi < y.hi ? x.hi : y.hi;
      if (lo <= hi) out.push({ family: x.family, lo, hi });
    }
  }
  return mergeIntervals(out);
}

export function intervalsOf(cidrs: string[]): Interval[] {
  return mergeIntervals(cidrs.map(parseCidr).filter((c): c is Cidr => c !== null).map(({ family, lo, hi }) => ({ family, lo, hi })));
}

/** IPv4 ranges that are never a public AWS service address (RFC 6890 special-purpose, private, multicast...). */
export const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/3',
] as const;

/** The public IPv4 address space, where the public AWS service endpoints live. */
export function publicIpv4(): Interval[] {
  return subtractIntervals(intervalsOf(['0.0.0.0/0']), intervalsOf([...NON_PUBLIC_IPV4]));
}

/** Number of addresses in a merged interval set. */
export function intervalSize(xs: Interval[]): bigint {
  return mergeIntervals(xs).reduce((n, x) => n + (x.hi - x.lo + 1n), 0n);
}

// ---------------------------------------------------------------------------------------------
// Protocols and ports

const PROTOCOL_NUMBERS: Record<string, string> = { all: '-1', tcp: '6', udp: '17', icmp: '1', icmpv6: '58' };

/** `tcp` -> `6`, `udp` -> `17`, `icmp` -> `1`, `icmpv6` -> `58`, `all`/`-1` -> `-1`; numbers as strings. */
export function normalizeProtocol(p: string): string {
  const s = p.trim().toLowerCase();
  if (s in PROTOCOL_NUMBERS) return PROTOCOL_NUMBERS[s]!;
  if (/^-?\d+$/.test(s)) return String(Number(s));
  return s;
}

/** A rule's protocol matches the traffic's: `-1` matches everything, otherwise equal after normalising. */
export function protocolMatches(ruleProtocol: string, protocol: string): boolean {
  const r = normalizeProtocol(ruleProtocol);
  return r === '-1' || r === normalizeProtocol(protocol);
}

/** Ports only mean something for TCP and UDP. */
function hasPorts(protocol: string): boolean {
  const p = normalizeProtocol(protocol);
  return p === '6' || p === '17';
}

/** `port` in [from, to]; an undefined or -1 bound means all ports. */
export function portInRange(port: number, from?: number, to?: number): boolean {
  if (from === undefined || to === undefined || from === -1 || to === -1) return true;
  return port >= from && port <= to;
}

// ---------------------------------------------------------------------------------------------
// Security groups

export interface SgPeer {
  /** The other side's address (IPv4 or IPv6). */
  ip?: string;
  /** Security groups the other side belongs to. */
  groupIds?: string[];
}

export type PrefixLists = Record<string, Fetched<PrefixList> | undefined>;

export interface SgQuery {
  protocol: string;
  port: number;
  peer: SgPeer;
  /** facts.prefixLists: a prefix list missing here or unreadable makes its rule `unknown`. */
  prefixLists?: PrefixLists;
}

export type SgMatchVia = 'cidr' | 'ipv6-cidr' | 'security-group' | 'prefix-list';

export interface SgMatch {
  result: 'match';
  rule: SecurityGroupRule;
  via: SgMatchVia;
  /** The CIDR, group id or `pl-... (cidr)` that matched. */
  source: string;
}

export interface SgUnknown {
  result: 'unknown';
  rule: SecurityGroupRule;
  /** Prefix lists whose entries could not be read. */
  prefixListIds: string[];
}

/** The rule admits this protocol and port (ignoring who the peer is). */
export function sgRuleCoversTraffic(rule: SecurityGroupRule, protocol: string, port: number): boolean {
  if (!protocolMatches(rule.protocol, protocol)) return false;
  if (normalizeProtocol(rule.protocol) === '-1' || !hasPorts(protocol)) return true;
  return portInRange(port, rule.fromPort, rule.toPort);
}

/** The CIDRs of a prefix list, or null when it was not collected or could not be read. */
export function resolvePrefixList(id: string, lists: PrefixLists | undefined): string[] | null {
  const f = lists?.[id];
  return f && f.ok ? f.value.cidrs : null;
}

function ruleMatchesPeer(rule: SecurityGroupRule, q: SgQuery): SgMatch | SgUnknown | null {
  const ip = q.peer.ip ? parseIp(q.peer.ip) : null;
  if (ip?.family === 4) {
    const c = rule.cidrs.find((x) => cidrContains(x, q.peer.ip!));
    if (c) return { result: 'match', rule, via: 'cidr', source: c };
  }
  if (ip?.family === 6) {
    const c = rule.ipv6Cidrs.find((x) => cidrContains(x, q.peer.ip!));
    if (c) return { result: 'match', rule, via: 'ipv6-cidr', source: c };
  }
  const g = rule.groupIds.find((x) => q.peer.groupIds?.includes(x));
  if (g) return { result: 'match', rule, via: 'security-group', source: g };
  if (!ip) return null;
  const unresolved: string[] = [];
  for (const pl of rule.prefixListIds) {
    const cidrs = resolvePrefixList(pl, q.prefixLists);
    if (cidrs === null) {
      unresolved.push(pl);
      continue;
    }
    const c = cidrs.find((x) => cidrContains(x, q.peer.ip!));
    if (c) return { result: 'match', rule, via: 'prefix-list', source: `${pl} (${c})` };
  }
  return unresolved.length ? { result: 'unknown', rule, prefixListIds: unresolved } : null;
}

/**
 * Whether any of these rules (one direction of one or more security groups) admits the traffic.
 * A match wins; otherwise `unknown` when a rule names a prefix list that could not be resolved; else null.
 */
export function sgAllows(rules: SecurityGroupRule[], q: SgQuery): SgMatch | SgUnknown | null {
  let unknown: SgUnknown | null = null;
  for (const rule of rules) {
    if (!sgRuleCoversTraffic(rule, q.protocol, q.port)) continue;
    const r = ruleMatchesPeer(rule, q);
    if (r?.result === 'match') return r;
    if (r && !unknown) unknown = r;
  }
  return unknown;
}

/** sgAllows over several groups (SGs are a union): which group's rule matched. */
export function sgGroupsAllow(
  groups: SecurityGroup[],
  direction: 'ingress' | 'egress',
  q: SgQuery,
): ((SgMatch | SgUnknown) & { groupId: string }) | null {
  let unknown: (SgUnknown & { groupId: string }) | null = null;
  for (const g of groups) {
    const r = sgAllows(g[direction], q);
    if (r?.result === 'match') return { ...r, groupId: g.id };
    if (r && !unknown) unknown = { ...r, groupId: g.id };
  }
  return unknown;
}

export interface SgReach {
  /** How much of `target` the rules admit. */
  covered: 'all' | 'some' | 'none';
  /** The admitted part of the target, as CIDRs (first few). */
  admitted: string[];
  /** Rules that admit part of the target. */
  rules: SecurityGroupRule[];
  /** Prefix lists that might admit more but could not be read. */
  unknownPrefixLists: string[];
}

/**
 * How much of an address space (e.g. the public IPv4 space) the rules admit for this traffic,
 * counting CIDRs and resolved prefix lists (security-group sources cannot reach outside the VPC).
 */
export function sgReach(
  rules: SecurityGroupRule[],
  q: { protocol: string; port: number; target: Interval[]; prefixLists?: PrefixLists },
): SgReach {
  const have: Interval[] = [];
  const used: SecurityGroupRule[] = [];
  const unknownPrefixLists: string[] = [];
  for (const rule of rules) {
    if (!sgRuleCoversTraffic(rule, q.protocol, q.port)) continue;
    const cidrs = [...rule.cidrs, ...rule.ipv6Cidrs];
    for (const pl of rule.prefixListIds) {
      const r = resolvePrefixList(pl, q.prefixLists);
      if (r === null) unknownPrefixLists.push(pl);
      else cidrs.push(...r);
    }
    const part = intersectIntervals(intervalsOf(cidrs), q.target);
    if (part.length) {
      have.push(...part);
      used.push(rule);
    }
  }
  const admitted = mergeIntervals(have);
  const missing = subtractIntervals(q.target, admitted);
  const covered = missing.length === 0 ? 'all' : admitted.length === 0 ? 'none' : 'some';
  return {
    covered,
    admitted: admitted.flatMap(intervalToCidrs).slice(0, 8),
    rules: used,
    unknownPrefixLists: [...new Set(unknownPrefixLists)],
  };
}

// ---------------------------------------------------------------------------------------------
// Network ACLs

/** The implicit last rule of every network ACL (`*`, deny). */
export const NACL_DEFAULT_RULE = 32767;

export interface NaclQuery {
  egress: boolean;
  /** IP protocol number as a string (`6` = TCP); names are accepted. */
  protocol: string;
  /** Destination port of the packet. */
  port: number;
  /** The other side: destination for egress, source for ingress. */
  ip: string;
}

export interface NaclDecision {
  action: 'allow' | 'deny';
  ruleNumber: number;
  /** The entry that decided; undefined for the implicit `*` deny. */
  entry?: NetworkAclEntry;
}

/** The entry applies to this packet (direction, protocol, port, address family and range). */
export function naclEntryMatches(e: NetworkAclEntry, q: NaclQuery): boolean {
  if (e.egress !== q.egress || !protocolMatches(e.protocol, q.protocol)) return false;
  if (normalizeProtocol(e.protocol) !== '-1' && hasPorts(q.protocol) && !portInRange(q.port, e.portRange?.from, e.portRange?.to)) {
    return false;
  }
  const ip = parseIp(q.ip);
  if (!ip) return false;
  const cidr = ip.family === 4 ? e.cidr : e.ipv6Cidr;
  return cidr !== undefined && cidrContains(cidr, q.ip);
}

/** Entries of one direction in evaluation order (ascending rule number). */
export function naclOrdered(entries: NetworkAclEntry[], egress: boolean): NetworkAclEntry[] {
  return entries.filter((e) => e.egress === egress).sort((a, b) => a.ruleNumber - b.ruleNumber);
}

/** First matching entry in rule-number order decides; nothing matching = the implicit `*` deny. */
export function naclDecide(entries: NetworkAclEntry[], q: NaclQuery): NaclDecision {
  for (const e of naclOrdered(entries, q.egress)) {
    if (naclEntryMatches(e, q)) return { action: e.action, ruleNumber: e.ruleNumber, entry: e };
  }
  return { action: 'deny', ruleNumber: NACL_DEFAULT_RULE };
}

export interface PortRange {
  from: number;
  to: number;
}

export interface NaclCell extends NaclDecision {
  ports: PortRange;
  ips: Interval;
}

/**
 * naclDecide over a whole block of traffic: every port in `ports` x every address in `ips`.
 * Cuts the block at every entry boundary (port range ends, CIDR ends), so inside one cell every
 * packet meets the same entries and one representative packet decides the cell.
 * Adjacent port cells with the same decision and addresses are merged.
 */
export function naclDecideSpace(
  entries: NetworkAclEntry[],
  q: { egress: boolean; protocol: string; ports: PortRange; ips: Interval[] },
): NaclCell[] {
  const relevant = naclOrdered(entries, q.egress).filter((e) => protocolMatches(e.protocol, q.protocol));
  const withPorts = hasPorts(q.protocol);
  const portCuts = new Set<number>([q.ports.from, q.ports.to + 1]);
  if (withPorts) {
    for (const e of relevant) {
      if (normalizeProtocol(e.protocol) === '-1' || !e.portRange || e.portRange.from === -1) continue;
      for (const p of [e.portRange.from, e.portRange.to + 1]) if (p > q.ports.from && p <= q.ports.to) portCuts.add(p);
    }
  }
  const ports = [...portCuts].sort((a, b) => a - b);
  const portCells = ports.length - 1;
  // Each entry parsed once (hundreds of entries x thousands of cells must not re-parse CIDR strings):
  // its address range per family, and the ports it is limited to (undefined = all, as naclEntryMatches reads it).
  const parsed = relevant.map((e) => {
    const limited = withPorts && normalizeProtocol(e.protocol) !== '-1' && e.portRange && e.portRange.from !== -1 && e.portRange.to !== -1;
    return {
      entry: e,
      v4: e.cidr === undefined ? null : parseCidr(e.cidr),
      v6: e.ipv6Cidr === undefined ? null : parseCidr(e.ipv6Cidr),
      ports: limited ? e.portRange : undefined,
    };
  });
  const cells: NaclCell[] = [];
  for (const block of mergeIntervals(q.ips)) {
    const ipCuts = new Set<bigint>([block.lo, block.hi + 1n]);
    for (const p of parsed) {
      const c = block.family === 4 ? p.v4 : p.v6;
      if (!c || c.family !== block.family) continue;
      for (const v of [c.lo, c.hi + 1n]) if (v > block.lo && v <= block.hi) ipCuts.add(v);
    }
    const ips = [...ipCuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i + 1 < ips.length; i++) {
      const iv: Interval = { family: block.family, lo: ips[i]!, hi: ips[i + 1]! - 1n };
      // Every address of the cell meets the same entries; in rule order, each entry decides the port cells
      // no earlier entry decided ("paint" with a next-undecided pointer: linear in cells, not cells x entries).
      const decided: (NaclDecision | undefined)[] = new Array(portCells);
      const next = Array.from({ length: portCells + 1 }, (_, k) => k);
      const find = (k: number): number => {
        let r = k;
        while (next[r] !== r) r = next[r]!;
        while (next[k] !== r) {
          const up = next[k]!;
          next[k] = r;
          k = up;
        }
        return r;
      };
      let left = portCells;
      for (const p of parsed) {
        if (left === 0) break;
        const c = block.family === 4 ? p.v4 : p.v6;
        if (!c || c.family !== block.family || iv.lo < c.lo || iv.lo > c.hi) continue;
        const from = p.ports ? firstAtLeast(ports, p.ports.from) : 0;
        const to = p.ports ? firstAtLeast(ports, p.ports.to + 1) : portCells;
        for (let j = find(from); j < Math.min(to, portCells); j = find(j + 1)) {
          decided[j] = { action: p.entry.action, ruleNumber: p.entry.ruleNumber, entry: p.entry };
          next[j] = j + 1;
          left--;
        }
      }
      for (let j = 0; j < portCells; j++) {
        const range = { from: ports[j]!, to: ports[j + 1]! - 1 };
        const d: NaclDecision = decided[j] ?? { action: 'deny', ruleNumber: NACL_DEFAULT_RULE };
        const last = cells[cells.length - 1];
        if (last && last.ips === iv && last.ruleNumber === d.ruleNumber && last.action === d.action && last.ports.to + 1 === range.from) {
          last.ports = { from: last.ports.from, to: range.to };
        } else {
          cells.push({ ...d, ports: range, ips: iv });
        }
      }
    }
  }
  return cells;
}

/** Index of the first element of an ascending list that is >= x (the length when none is). */
function firstAtLeast(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface NaclSpaceSummary {
  /** Whether all, part or none of the traffic block is allowed. */
  allowed: 'all' | 'some' | 'none';
  /** Denied cells (merged per rule), in rule-number order. */
  denied: NaclCell[];
  /** Rule numbers that deny part of the block, ascending (32767 = `*`). */
  blockingRules: number[];
}

export function summarizeNacl(cells: NaclCell[]): NaclSpaceSummary {
  const denied = cells.filter((c) => c.action === 'deny');
  const blockingRules = [...new Set(denied.map((c) => c.ruleNumber))].sort((a, b) => a - b);
  const allowed = denied.length === 0 ? 'all' : denied.length === cells.length ? 'none' : 'some';
  return { allowed, denied: [...denied].sort((a, b) => a.ruleNumber - b.ruleNumber), blockingRules };
}

/**
 * Some port of `want` is allowed at no address at all in these cells (of naclDecideSpace): a required
 * port blocked, not merely an address range it depends on.
 */
export function naclSomePortNeverAllowed(cells: NaclCell[], want: PortRange): boolean {
  const allowed = cells
    .filter((c) => c.action === 'allow' && c.ports.to >= want.from && c.ports.from <= want.to)
    .map((c) => ({ from: Math.max(c.ports.from, want.from), to: Math.min(c.ports.to, want.to) }))
    .sort((a, b) => a.from - b.from);
  let next = want.from;
  for (const r of allowed) {
    if (r.from > next) return true;
    next = Math.max(next, r.to + 1);
  }
  return next <= want.to;
}

/**
 * A free rule number (same direction) just below `below` (the first rule that blocks), so a new allow
 * entry is evaluated before it and after everything else; a multiple of 10 when one is free in that
 * last decade. Null when every number below is taken.
 */
export function freeNaclRuleNumber(entries: NetworkAclEntry[], egress: boolean, below: number): number | null {
  const used = new Set(entries.filter((e) => e.egress === egress).map((e) => e.ruleNumber));
  const top = Math.min(below, NACL_DEFAULT_RULE) - 1;
  const round = top - (top % 10);
  if (round >= 1 && !used.has(round)) return round;
  for (let n = top; n >= 1; n--) if (!used.has(n)) return n;
  return null;
}

/** `*` for the implicit default rule, else the number. */
export function naclRuleLabel(ruleNumber: number): string {
  return ruleNumber >= NACL_DEFAULT_RULE ? '*' : String(ruleNumber);
}
