// `--redact`: a copy of the facts that can be pasted into a public support thread, and that the checks
// diagnose exactly as the original (same status for every check of every target).
//
// Scheme. Every replacement comes from a per-call Map, so one input always gets the same replacement
// everywhere in the snapshot (keys included) and all the cross-references the checks follow still resolve.
//
// - AWS account ids: every 12-digit number standing alone in any string (ARNs, ownerId, caller.account,
//   policy principals, error messages, the endpoint policy JSON...) is learnt first; then every occurrence
//   of a learnt id, even inside another word, becomes `000000000001`, `000000000002`, ... (still 12 digits,
//   so ARN parsing, `iam::\d+:root` and 12-digit principals behave the same).
// - People: the session name of an assumed-role ARN, the name of an IAM user / federated user ARN, the
//   caller's userId (`AROA...:session` -> `AROA-REDACTED-1:session-1`), IAM unique ids and access key ids
//   (AIDA/AROA/AKIA/ASIA...), e-mail addresses, home-directory user names (`/home/alice/`), the Run As
//   default user, and every tag value except `Name`.
// - IP addresses: private and special-purpose space (10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16,
//   the rest of net.ts NON_PUBLIC_IPV4; fc00::/7, fe80::/10, ::/8 ...) is KEPT: it names nothing outside the
//   VPC, and the checks do arithmetic on it (VPC base + 2 is the resolver). Public addresses (instance public
//   IPs, public CIDRs in security groups, NACLs, routes, prefix lists, VPC/subnet CIDRs, IPv6 global
//   addresses, `IpAddress` conditions of policies, IPv4 in error messages) go through a keyed
//   prefix-preserving permutation (Crypto-PAn style) that maps every maximal public block onto itself:
//   two addresses share their first k bits after redaction iff they did before, a CIDR a/k becomes f(a)/k,
//   and the private ranges are fixed. So containment, overlap, "covers all of the public internet" and the
//   public/private split are exactly preserved, and every SG / NACL / route verdict is unchanged. The first
//   bit inside the public block is always flipped, so no public address stays where it was. The last 4 bits
//   of an IPv4 address are kept and, for the VPC CIDRs (a VPC is at least a /28), the bits between prefix
//   and those 4 on the network address's path are not flipped: `VPC base + 2` (the resolver, vpc.dns) stays
//   `redacted base + 2` even on public (BYOIP) VPC space. IPv6 is permuted on all bits. Addresses embedded
//   in IPv4-mapped IPv6 (::ffff:a.b.c.d) get the IPv4 permutation.
//   The key is random per call: two redactions of one snapshot do not reveal each other.
//   Limits (what keeping the verdicts costs): a public address keeps its maximal public block, which for the
//   few /24 blocks wedged between special ranges (192.0.1.0/24, 198.51.101.0/24...) names the /24; and a VPC
//   whose CIDR is a whole maximal public block keeps its first 16 addresses.
// - Kept as they are (they name infrastructure, not people, and the fixes need them to be pasteable):
//   resource ids (i-, vpc-, subnet-, sg-, eni-, vpce-, rtb-, acl-, pl-...), the region, role / instance
//   profile / policy / security-group names, the instance's Name, S3 bucket, log group and KMS key names, the
//   accounts that publish distributions' AMIs (Red Hat, Canonical...: public, and agent.installed needs them), and
//   EC2-made host names (`ip-10-0-1-10...`, `i-0abc...`: they name a private address or a resource id).
// - Evidence for an offline agent: the kept console lines go through the text rules and their IPv4 addresses
//   through the permutation; a hybrid node's IP address too; other computer names and key pair names are
//   replaced (`host-1`, `key-1`).
//
// The result carries `redacted: true`; redacting it again returns an unchanged copy (a permutation cannot be
// idempotent by itself, so already-redacted facts are recognised by that mark).
import { createHmac, randomBytes } from 'node:crypto';
import { NON_PUBLIC_IPV4, formatIp, intervalsOf, parseCidr, parseIp, type Family, type Interval } from '../eval/net.js';
import type { AgentInfo, Facts } from './facts.js';
import { PUBLISHER_ACCOUNTS } from '../eval/ami.js';

export interface RedactOptions {
  /** Key of the IP permutation (tests); random by default. */
  key?: string | Uint8Array;
}

/** Facts as `redactFacts` returns them: the mark that makes redaction idempotent. */
export type RedactedFacts = Facts & { redacted: true };

export function isRedacted(facts: Facts): boolean {
  return (facts as Partial<RedactedFacts>).redacted === true;
}

/** Placeholders for account ids: 12 digits, leading zeros. */
export const ACCOUNT_PLACEHOLDER = /^0{6}\d{6}$/;

export function redactFacts(facts: Facts, opts: RedactOptions = {}): Facts {
  const copy = structuredClone(facts);
  if (isRedacted(facts)) return copy;
  const r = new Redactor(opts.key ?? randomBytes(32), vpcCidrs(facts));
  r.learnAccounts(copy);
  // Text rules on every key and string (accounts, people, ids, e-mails), then the structural ones.
  const out = r.text(copy) as Facts;
  r.caller(facts, out);
  r.ips(out);
  r.tags(out);
  r.preferences(out);
  r.evidence(out);
  return Object.assign(out, { redacted: true as const });
}

// ---------------------------------------------------------------------------------------------

/** One class of replacements: same input, same output; outputs numbered and distinct. */
class Names {
  private map = new Map<string, string>();
  private produced = new Set<string>();
  private n = 0;
  constructor(
    private make: (n: number) => string,
    private taken: Set<string> = new Set(),
  ) {}
  get(s: string): string {
    if (this.produced.has(s)) return s;
    let v = this.map.get(s);
    if (v === undefined) {
      do v = this.make(++this.n);
      while (this.taken.has(v));
      this.map.set(s, v);
      this.produced.add(v);
    }
    return v;
  }
}

const ACCOUNT_ALONE = /(?<![A-Za-z0-9])\d{12}(?![A-Za-z0-9])/g;
/** Name characters in an ARN inside free text or JSON: up to whitespace, quote, comma, bracket. */
const NAME = String.raw`[^\s"'\`,;()\[\]{}<>]+?(?=\.?(?:[\s"'\`,;()\[\]{}<>]|$))`;
const SESSION_ARN = new RegExp(String.raw`(arn:[\w-]+:sts::[^:\s]*:assumed-role/[^/\s"']+/)(${NAME})`, 'g');
const USER_ARN = new RegExp(String.raw`(arn:[\w-]+:iam::[^:\s]*:user/(?:[^\s"'/]*/)*)(${NAME})`, 'g');
const FEDERATED_ARN = new RegExp(String.raw`(arn:[\w-]+:sts::[^:\s]*:federated-user/)(${NAME})`, 'g');
const UNIQUE_ID = /\b(AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA|ACCA|APKA|ASCA|ABIA)[A-Z0-9]{12,}\b/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const HOME = /(\/home\/|\/Users\/|\\Users\\)([^/\\\s"']+)/g;
const IPV4_IN_TEXT = /(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w])(?!\.\d)/g;
/** Host names EC2 gives (from a private address or the instance id): they name nothing outside the VPC. */
const EC2_HOST = /^(?:ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}|i-[0-9a-f]{8,17})(?:\.|$)/i;
/** Policy variables and wildcards are not names. */
const PATTERN = /[*?$]/;

class Redactor {
  private accounts!: Names;
  private accountRe: RegExp | null = null;
  readonly sessions = new Names((n) => `session-${n}`);
  readonly users = new Names((n) => `user-${n}`);
  private uniqueIds = new Names((n) => `REDACTED-${n}`);
  private emails = new Names((n) => `user-${n}@example.com`);
  private hosts = new Names((n) => `host-${n}`);
  private keys = new Names((n) => `key-${n}`);
  private tagValues = new Names((n) => `redacted-${n}`);
  private readonly ip: IpPermutation;

  constructor(key: string | Uint8Array, anchors: string[]) {
    this.ip = new IpPermutation(key, anchors);
  }

  learnAccounts(facts: Facts): void {
    const found = new Set<string>();
    const visit = (x: unknown): void => {
      if (typeof x === 'string') for (const m of x.matchAll(ACCOUNT_ALONE)) found.add(m[0]);
      else if (typeof x === 'number') {
        if (Number.isInteger(x) && String(x).length === 12) found.add(String(x));
      } else if (Array.isArray(x)) x.forEach(visit);
      else if (x && typeof x === 'object') {
        for (const [k, v] of Object.entries(x)) {
          visit(k);
          visit(v);
        }
      }
    };
    visit(facts);
    for (const a of PUBLISHER_ACCOUNTS) found.delete(a);
    this.accounts = new Names((n) => String(n).padStart(12, '0'), found);
    // Longest first is moot (all 12 digits); one alternation = one pass, so replacements never chain.
    this.accountRe = found.size ? new RegExp([...found].join('|'), 'g') : null;
  }

  /** Text rules on one string. */
  str(s: string): string {
    let t = s;
    if (this.accountRe) t = t.replace(this.accountRe, (a) => this.accounts.get(a));
    t = t.replace(SESSION_ARN, (_m, head: string, name: string) => head + (PATTERN.test(name) ? name : this.sessions.get(name)));
    t = t.replace(USER_ARN, (_m, head: string, name: string) => head + (PATTERN.test(name) ? name : this.users.get(name)));
    t = t.replace(FEDERATED_ARN, (_m, head: string, name: string) => head + (PATTERN.test(name) ? name : this.users.get(name)));
    t = t.replace(UNIQUE_ID, (m, prefix: string) => `${prefix}-${this.uniqueIds.get(m)}`);
    t = t.replace(EMAIL, (m) => this.emails.get(m));
    t = t.replace(HOME, (_m, head: string, name: string) => head + this.users.get(name));
    return t;
  }

  /** Deep copy with the text rules applied to every key and string. */
  text(x: unknown): unknown {
    if (typeof x === 'string') return this.str(x);
    if (typeof x === 'number') {
      if (Number.isInteger(x) && String(x).length === 12) return this.accounts.get(String(x));
      return x;
    }
    if (Array.isArray(x)) return x.map((v) => this.text(v));
    if (x && typeof x === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) o[this.str(k)] = this.text(v);
      return o;
    }
    return x;
  }

  /** caller.userId: `<unique id>:<session>` for assumed roles, a unique id for users, the account for root. */
  caller(orig: Facts, out: Facts): void {
    if (!orig.caller?.ok || !out.caller.ok) return;
    const id = orig.caller.value.userId;
    if (typeof id !== 'string') return;
    const [head, ...rest] = id.split(':');
    const session = rest.join(':');
    const prefix = /^A[A-Z]{3}/.test(head!) ? head!.slice(0, 4) : '';
    const uid = /^\d{12}$/.test(head!) ? this.str(head!) : `${prefix}${prefix ? '-' : ''}${this.uniqueIds.get(head!)}`;
    // The session part is the session name of the caller's ARN (or a federated user name): same map.
    const isFederated = /:federated-user\//.test(orig.caller.value.arn ?? '');
    out.caller.value.userId = rest.length ? `${uid}:${(isFederated ? this.users : this.sessions).get(session)}` : uid;
  }

  /** Every field that holds an address or CIDR. */
  ips(f: Facts): void {
    const a = (s: string | undefined) => (s === undefined ? s : this.ip.mapText(s));
    const all = (xs: string[] | undefined) => (Array.isArray(xs) ? xs.map((s) => this.ip.mapText(s)) : xs);
    for (const x of values(f.instances)) {
      if (!x) continue;
      x.privateIp = a(x.privateIp);
      x.publicIp = a(x.publicIp);
      for (const n of x.networkInterfaces ?? []) {
        n.privateIps = all(n.privateIps)!;
        n.ipv6s = all(n.ipv6s)!;
      }
      dropUndefined(x, ['privateIp', 'publicIp']);
    }
    for (const v of values(f.vpcs)) {
      v.cidrs = all(v.cidrs)!;
      v.ipv6Cidrs = all(v.ipv6Cidrs)!;
    }
    for (const d of values(f.dhcpOptions)) d.domainNameServers = all(d.domainNameServers)!;
    for (const s of values(f.subnets)) {
      s.cidr = a(s.cidr);
      s.ipv6Cidrs = all(s.ipv6Cidrs)!;
      dropUndefined(s, ['cidr']);
    }
    for (const r of values(f.routeTables).flat()) {
      for (const route of r.routes ?? []) {
        route.destinationCidr = a(route.destinationCidr);
        route.destinationIpv6Cidr = a(route.destinationIpv6Cidr);
        dropUndefined(route, ['destinationCidr', 'destinationIpv6Cidr']);
      }
    }
    for (const acl of values(f.networkAcls).flat()) {
      for (const e of acl.entries ?? []) {
        e.cidr = a(e.cidr);
        e.ipv6Cidr = a(e.ipv6Cidr);
        dropUndefined(e, ['cidr', 'ipv6Cidr']);
      }
    }
    for (const eni of values(f.endpointInterfaces).flat()) {
      eni.privateIp = a(eni.privateIp);
      dropUndefined(eni, ['privateIp']);
    }
    for (const g of values(f.securityGroups)) {
      for (const rule of [...(g.ingress ?? []), ...(g.egress ?? [])]) {
        rule.cidrs = all(rule.cidrs)!;
        rule.ipv6Cidrs = all(rule.ipv6Cidrs)!;
      }
    }
    for (const p of values(f.prefixLists)) p.cidrs = all(p.cidrs)!;
    // Policies: `IpAddress` / `NotIpAddress` conditions (endpoint policies are JSON strings).
    for (const e of values(f.endpoints).flat()) {
      if (typeof e.policyDocument !== 'string') continue;
      try {
        const doc: unknown = JSON.parse(e.policyDocument);
        if (this.policyIps(doc)) e.policyDocument = JSON.stringify(doc);
      } catch {
        // Not JSON: leave it (the accounts and names in it are already replaced).
      }
    }
    for (const p of values(f.instanceProfiles)) for (const role of p?.roles ?? []) this.policyIps(role.trustPolicy);
    for (const role of values(f.roles)) {
      this.policyIps(role.trustPolicy);
      if (role.policies?.ok) for (const p of role.policies.value) this.policyIps(p.document);
    }
    // Free-text IPv4 in error messages (e.g. `connect ETIMEDOUT 52.94.1.1:443`).
    walkErrors(f, (e) => {
      if (typeof e.message === 'string') e.message = e.message.replace(IPV4_IN_TEXT, (m) => this.ip.mapText(m));
    });
  }

  /** Maps the addresses in `*IpAddress*` conditions of a policy document in place; true when one changed. */
  private policyIps(doc: unknown): boolean {
    let changed = false;
    const statements = (doc as { Statement?: unknown } | undefined)?.Statement;
    for (const st of Array.isArray(statements) ? statements : statements ? [statements] : []) {
      const cond = (st as { Condition?: unknown }).Condition;
      if (!cond || typeof cond !== 'object') continue;
      for (const [op, block] of Object.entries(cond as Record<string, unknown>)) {
        if (!/ipaddress/i.test(op) || !block || typeof block !== 'object') continue;
        const b = block as Record<string, unknown>;
        for (const [k, v] of Object.entries(b)) {
          const map = (s: unknown) => (typeof s === 'string' ? this.ip.mapText(s) : s);
          const next = Array.isArray(v) ? v.map(map) : map(v);
          if (JSON.stringify(next) !== JSON.stringify(v)) {
            b[k] = next;
            changed = true;
          }
        }
      }
    }
    return changed;
  }

  tags(f: Facts): void {
    for (const x of values(f.instances)) {
      if (!x?.tags) continue;
      for (const k of Object.keys(x.tags)) if (k !== 'Name') x.tags[k] = this.tagValues.get(x.tags[k]!);
    }
  }

  /** Evidence for an offline agent: console lines, hybrid nodes' addresses and names, key pair names. */
  evidence(f: Facts): void {
    const inText = (s: string) => s.replace(IPV4_IN_TEXT, (m) => this.ip.mapText(m));
    for (const c of values(f.consoleEvidence)) {
      if (Array.isArray(c.agentStarts)) c.agentStarts = c.agentStarts.map((l) => (typeof l === 'string' ? inText(l) : l));
      for (const x of Array.isArray(c.findings) ? c.findings : []) if (typeof x?.line === 'string') x.line = inText(x.line);
    }
    const node = (a: AgentInfo | null | undefined) => {
      if (!a) return;
      if (typeof a.ipAddress === 'string') a.ipAddress = this.ip.mapText(a.ipAddress);
      if (typeof a.computerName === 'string' && !EC2_HOST.test(a.computerName)) a.computerName = this.hosts.get(a.computerName);
    };
    for (const a of values(f.agents)) node(a);
    const scan = f.managedNodeScan;
    if (scan?.ok && Array.isArray(scan.value?.matches)) for (const a of scan.value.matches) node(a);
    for (const x of values(f.instances)) if (x && typeof x.keyName === 'string') x.keyName = this.keys.get(x.keyName);
  }

  preferences(f: Facts): void {
    const p = f.preferences;
    if (p?.ok && p.value?.runAsDefaultUser) p.value.runAsDefaultUser = this.users.get(p.value.runAsDefaultUser);
  }
}

/** The VPCs' CIDRs, whose `base + n` addresses must stay `base + n` (vpc.dns: the resolver is base + 2). */
function vpcCidrs(f: Facts): string[] {
  return values(f.vpcs).flatMap((v) => (Array.isArray(v.cidrs) ? v.cidrs.filter((c) => typeof c === 'string') : []));
}

/** The ok values of a map of Fetched. */
function values<T>(m: Record<string, { ok: boolean; value?: T }> | undefined): T[] {
  return Object.values(m ?? {}).flatMap((x) => (x && x.ok ? [x.value as T] : []));
}

function dropUndefined(o: object, keys: string[]): void {
  for (const k of keys) if ((o as Record<string, unknown>)[k] === undefined) delete (o as Record<string, unknown>)[k];
}

/** Every `{ ok: false, error }` in the facts, however deep. */
function walkErrors(x: unknown, fn: (e: { message?: unknown }) => void): void {
  if (Array.isArray(x)) x.forEach((v) => walkErrors(v, fn));
  else if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o.ok === false && o.error && typeof o.error === 'object') fn(o.error as { message?: unknown });
    for (const v of Object.values(o)) walkErrors(v, fn);
  }
}

// ---------------------------------------------------------------------------------------------
// The IP permutation

const NON_PUBLIC_IPV6 = ['::/8', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8'];
const V4_MAPPED = { lo: 0xffffn << 32n, hi: (0xffffn << 32n) | 0xffffffffn };
const BITS: Record<Family, number> = { 4: 32, 6: 128 };
/**
 * Low bits kept as they are. IPv4: 4 (a VPC is at least a /28), so `VPC base + 2` (the resolver) stays
 * base + 2 even for public VPC CIDRs; the smallest public block between special ranges is a /24, so at least
 * 4 bits of every public IPv4 address are still permuted.
 */
const KEEP_LOW: Record<Family, number> = { 4: 4, 6: 0 };

/**
 * A keyed bijection of each address family that fixes the non-public ranges and maps every maximal public
 * CIDR block onto itself, preserving prefixes: bit i of the output is bit i of the input, flipped by a
 * keyed PRF of the first i input bits when that prefix lies wholly in public space (always flipped at the
 * first such level, so no public address is a fixed point).
 */
export class IpPermutation {
  private readonly fixed: Record<Family, Interval[]>;
  private readonly memo = new Map<string, string>();
  /** Prefixes (`level/prefix`) never flipped: the all-zero paths below the anchor CIDRs. */
  private readonly zeroPaths = new Set<string>();

  /**
   * `anchors`: IPv4 CIDRs whose network address must map to the network address of their image, so that
   * `base + n` maps to `image base + n` (n < 16). No prefix-preserving permutation can do that for every
   * CIDR, so it is done for these (the VPC CIDRs): the bits between the prefix and the kept low bits are
   * not flipped on the path of the network address.
   */
  constructor(
    private readonly key: string | Uint8Array,
    anchors: string[] = [],
  ) {
    this.fixed = { 4: intervalsOf([...NON_PUBLIC_IPV4]), 6: intervalsOf(NON_PUBLIC_IPV6) };
    for (const a of anchors) {
      const c = parseCidr(a);
      if (!c || c.family !== 4) continue;
      for (let i = c.prefix; i < 32 - KEEP_LOW[4]; i++) this.zeroPaths.add(`${i}/${c.lo >> BigInt(32 - i)}`);
    }
  }

  /** Maps an address or `address/len`; anything else (e.g. `AmazonProvidedDNS`) is returned unchanged. */
  mapText(s: string): string {
    let v = this.memo.get(s);
    if (v === undefined) {
      v = this.compute(s);
      this.memo.set(s, v);
    }
    return v;
  }

  private compute(s: string): string {
    const [addr, len, extra] = s.split('/');
    if (addr === undefined || extra !== undefined) return s;
    if (len !== undefined && !/^\d{1,3}$/.test(len)) return s;
    const ip = parseIp(addr);
    if (!ip || addr !== addr.trim()) return s;
    let mapped = this.value(ip.family, ip.value);
    if (mapped === ip.value) return s;
    const bits = BITS[ip.family];
    if (len !== undefined && Number(len) <= bits) {
      // A CIDR written with its network address stays written so (the permuted host bits are dropped).
      const host = BigInt(bits - Number(len));
      if ((ip.value >> host) << host === ip.value) mapped = (mapped >> host) << host;
      if (mapped === ip.value) return s;
    }
    return `${formatIp(ip.family, mapped)}${len === undefined ? '' : `/${len}`}`;
  }

  value(family: Family, v: bigint): bigint {
    if (family === 6 && v >= V4_MAPPED.lo && v <= V4_MAPPED.hi) return V4_MAPPED.lo | this.value(4, v & 0xffffffffn);
    const bits = BITS[family];
    const permuted = bits - KEEP_LOW[family];
    // The first level whose prefix block is wholly public; above it every bit stays (mixed blocks).
    let start = -1;
    for (let i = 0; i < permuted; i++) {
      if (this.whollyPublic(family, v, i, bits)) {
        start = i;
        break;
      }
    }
    if (start < 0) return v;
    let out = v;
    for (let i = start; i < permuted; i++) {
      const prefix = v >> BigInt(bits - i);
      // Always flipped at the top of the public block: no public address is left where it was.
      if (family === 4 && this.zeroPaths.has(`${i}/${prefix}`)) continue;
      if (i === start || this.prf(family, i, prefix)) out ^= 1n << BigInt(bits - 1 - i);
    }
    return out;
  }

  private whollyPublic(family: Family, v: bigint, i: number, bits: number): boolean {
    const host = BigInt(bits - i);
    const lo = (v >> host) << host;
    const hi = lo + (1n << host) - 1n;
    return this.fixed[family].every((r) => r.hi < lo || r.lo > hi);
  }

  private prf(family: Family, level: number, prefix: bigint): boolean {
    const h = createHmac('sha256', this.key).update(`${family}/${level}/${prefix.toString(16)}`).digest();
    return (h[0]! & 1) === 1;
  }
}
