import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NACL_DEFAULT_RULE,
  cidrContains,
  cidrCovers,
  cidrOverlaps,
  formatIp,
  freeNaclRuleNumber,
  intersectIntervals,
  intervalToCidrs,
  intervalsOf,
  mergeIntervals,
  naclDecide,
  naclDecideSpace,
  naclSomePortNeverAllowed,
  normalizeProtocol,
  parseCidr,
  parseIp,
  portInRange,
  protocolMatches,
  publicIpv4,
  sgAllows,
  sgGroupsAllow,
  sgReach,
  subtractIntervals,
  summarizeNacl,
  type Interval,
} from '../../src/eval/net.js';
import type { NetworkAclEntry, SecurityGroupRule } from '../../src/facts/facts.js';
import { ok, failed } from '../../src/facts/facts.js';
import { denied } from '../fixtures/world.js';
import { sgRule } from './net-fixtures.js';

const rule = sgRule;

describe('parseIp / parseCidr', () => {
  it.each([
    ['10.0.1.10', 4, 0x0a00010an],
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['2001:db8::', 6, 0x20010db8n << 96n],
    ['2001:DB8:0:0:0:0:0:1', 6, (0x20010db8n << 96n) | 1n],
    ['::ffff:10.0.0.1', 6, (0xffffn << 32n) | 0x0a000001n],
  ])('parses %s', (s, family, value) => {
    expect(parseIp(s)).toEqual({ family, value });
  });

  it.each(['', '10.0.0', '10.0.0.256', '10.0.0.1.2', 'a.b.c.d', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'fe80::1%eth0', '1.2.3.4::'])(
    'rejects %j',
    (s) => expect(parseIp(s)).toBeNull(),
  );

  it('masks host bits like AWS and treats a bare address as a host route', () => {
    expect(parseCidr('10.0.1.10/16')).toMatchObject({ prefix: 16, lo: 0x0a000000n, hi: 0x0a00ffffn });
    expect(parseCidr('10.0.1.10')).toMatchObject({ prefix: 32, lo: 0x0a00010an, hi: 0x0a00010an });
    expect(parseCidr('::/0')).toMatchObject({ family: 6, prefix: 0, lo: 0n, hi: (1n << 128n) - 1n });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('10.0.0.0/x')).toBeNull();
    expect(parseCidr('10.0.0.0/8/1')).toBeNull();
  });
});

describe('cidrContains / cidrOverlaps / cidrCovers', () => {
  it.each([
    ['10.0.0.0/16', '10.0.1.10', true],
    ['10.0.0.0/16', '10.1.0.1', false],
    ['10.0.1.10/32', '10.0.1.10', true],
    ['10.0.1.10/32', '10.0.1.11', false],
    ['0.0.0.0/0', '52.94.0.1', true],
    ['0.0.0.0/0', '2001:db8::1', false], // families never mix
    ['::/0', '10.0.1.10', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['garbage', '10.0.0.1', false],
  ])('%s contains %s: %s', (c, ip, want) => {
    expect(cidrContains(c, ip)).toBe(want);
  });

  it('overlaps and covers', () => {
    expect(cidrOverlaps('10.0.0.0/16', '10.0.255.0/24')).toBe(true);
    expect(cidrOverlaps('10.0.0.0/16', '10.1.0.0/16')).toBe(false);
    expect(cidrOverlaps('10.0.0.0/8', '::/0')).toBe(false);
    expect(cidrCovers('10.0.0.0/16', '10.0.2.0/24')).toBe(true);
    expect(cidrCovers('10.0.2.0/24', '10.0.0.0/16')).toBe(false);
  });

  const v4 = fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 }));
  const ip4 = (n: number) => formatIp(4, BigInt(n));

  it('agrees with node:net BlockList on random IPv4 CIDR/IP pairs', () => {
    fc.assert(
      fc.property(v4, fc.nat(0xffffffff), fc.boolean(), ([base, prefix], other, near) => {
        // `near` keeps half of the samples inside or next to the block, where the edges are.
        const ip = near ? (base ^ (other & ((1 << (32 - prefix)) - 1 || 0))) >>> 0 : other;
        const bl = new BlockList();
        const c = parseCidr(`${ip4(base)}/${prefix}`)!;
        bl.addSubnet(formatIp(4, c.lo), prefix, 'ipv4');
        expect(cidrContains(`${ip4(base)}/${prefix}`, ip4(ip))).toBe(bl.check(ip4(ip), 'ipv4'));
      }),
      { numRuns: 2000 },
    );
  });

  const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
  it('agrees with node:net BlockList on random IPv6 CIDR/IP pairs', () => {
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 128 }), v6, fc.boolean(), (base, prefix, other, near) => {
        const host = (1n << BigInt(128 - prefix)) - 1n;
        const ip = near ? base ^ (other & host) : other;
        const c = parseCidr(`${formatIp(6, base)}/${prefix}`)!;
        const bl = new BlockList();
        bl.addSubnet(formatIp(6, c.lo), prefix, 'ipv6');
        expect(cidrContains(`${formatIp(6, base)}/${prefix}`, formatIp(6, ip))).toBe(bl.check(formatIp(6, ip), 'ipv6'));
      }),
      { numRuns: 2000 },
    );
  });

  it('cidrOverlaps is containment of one network address in the other block (bigint reference)', () => {
    fc.assert(
      fc.property(v4, v4, ([a, pa], [b, pb]) => {
        const x = `${ip4(a)}/${pa}`;
        const y = `${ip4(b)}/${pb}`;
        const ref = cidrContains(x, formatIp(4, parseCidr(y)!.lo)) || cidrContains(y, formatIp(4, parseCidr(x)!.lo));
        expect(cidrOverlaps(x, y)).toBe(ref);
      }),
    );
  });
});

describe('formatIp / intervalToCidrs', () => {
  it('formats IPv6 canonically (RFC 5952, same as the WHATWG URL serializer)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
        (groups) => {
          const value = groups.reduce((a, g) => (a << 16n) | BigInt(g), 0n);
          const full = groups.map((g) => g.toString(16)).join(':');
          const ref = new URL(`http://[${full}]/`).hostname.slice(1, -1);
          expect(formatIp(6, value)).toBe(ref);
          expect(parseIp(formatIp(6, value))).toEqual({ family: 6, value });
          expect(parseIp(full)).toEqual({ family: 6, value });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('splits a range into the fewest CIDRs', () => {
    const iv = (a: string, b: string): Interval => ({ family: 4, lo: parseIp(a)!.value, hi: parseIp(b)!.value });
    expect(intervalToCidrs(iv('10.0.0.0', '10.0.255.255'))).toEqual(['10.0.0.0/16']);
    expect(intervalToCidrs(iv('10.0.0.1', '10.0.0.6'))).toEqual(['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
    expect(intervalToCidrs(iv('0.0.0.0', '255.255.255.255'))).toEqual(['0.0.0.0/0']);
  });

  it('intervalToCidrs round-trips through intervalsOf', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const iv: Interval = { family: 4, lo: BigInt(lo), hi: BigInt(hi) };
        expect(intervalsOf(intervalToCidrs(iv))).toEqual([iv]);
      }),
    );
  });
});

describe('interval sets', () => {
  // A tiny universe (10.0.0.0/24) where a Set of addresses is the reference.
  const base = 0x0a000000;
  const small = fc.tuple(fc.nat(255), fc.integer({ min: 24, max: 32 })).map(([a, p]) => `${formatIp(4, BigInt(base + a))}/${p}`);
  const members = (xs: Interval[]) => {
    const s = new Set<number>();
    for (const x of xs) for (let v = Number(x.lo); v <= Number(x.hi); v++) s.add(v);
    return s;
  };
  it('merge / subtract / intersect agree with sets of addresses', () => {
    fc.assert(
      fc.property(fc.array(small, { maxLength: 6 }), fc.array(small, { maxLength: 6 }), (as, bs) => {
        const A = intervalsOf(as);
        const B = intervalsOf(bs);
        const sa = members(A);
        const sb = members(B);
        expect(members(subtractIntervals(A, B))).toEqual(new Set([...sa].filter((v) => !sb.has(v))));
        expect(members(intersectIntervals(A, B))).toEqual(new Set([...sa].filter((v) => sb.has(v))));
        const merged = mergeIntervals([...A, ...B]);
        for (let i = 1; i < merged.length; i++) expect(merged[i]!.lo > merged[i - 1]!.hi + 1n).toBe(true);
      }),
    );
  });

  it('the public IPv4 space excludes private, CGNAT, loopback, link-local and multicast ranges', () => {
    const pub = publicIpv4();
    const inPub = (ip: string) => pub.some((x) => parseIp(ip)!.value >= x.lo && parseIp(ip)!.value <= x.hi);
    expect(inPub('52.94.0.1')).toBe(true);
    expect(inPub('3.80.0.1')).toBe(true);
    for (const ip of ['10.0.1.10', '172.16.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.169.254', '224.0.0.1', '255.255.255.255']) {
      expect(inPub(ip), ip).toBe(false);
    }
  });
});

describe('protocols and ports', () => {
  it.each([
    ['-1', '6', true],
    ['-1', 'tcp', true],
    ['all', '17', true],
    ['tcp', '6', true],
    ['6', 'tcp', true],
    ['TCP', '6', true],
    ['udp', '6', false],
    ['17', 'tcp', false],
    ['icmp', '1', true],
    ['06', '6', true],
  ])('rule %s matches %s: %s', (r, p, want) => {
    expect(protocolMatches(r, p)).toBe(want);
  });

  it('normalises names to numbers', () => {
    expect(['tcp', 'udp', 'icmp', 'icmpv6', 'all', '-1', '6'].map(normalizeProtocol)).toEqual(['6', '17', '1', '58', '-1', '-1', '6']);
  });

  it.each([
    [443, undefined, undefined, true],
    [443, -1, -1, true],
    [443, 443, 443, true],
    [443, 400, 500, true],
    [443, 0, 65535, true],
    [443, 444, 500, false],
    [443, 80, 80, false],
  ])('port %i in [%s, %s]: %s', (port, from, to, want) => {
    expect(portInRange(port, from, to)).toBe(want);
  });
});

describe('sgAllows', () => {
  const q = { protocol: 'tcp', port: 443, peer: { ip: '10.0.1.10', groupIds: ['sg-ec2'] } };
  it.each<[string, SecurityGroupRule, string | null]>([
    ['CIDR containing the IP', rule({ cidrs: ['10.0.0.0/16'] }), 'cidr'],
    ['CIDR not containing the IP', rule({ cidrs: ['10.1.0.0/16'] }), null],
    ['source security group the peer is in', rule({ groupIds: ['sg-ec2'] }), 'security-group'],
    ['another security group', rule({ groupIds: ['sg-other'] }), null],
    ['protocol -1 (no ports)', rule({ protocol: '-1', fromPort: undefined, toPort: undefined, cidrs: ['0.0.0.0/0'] }), 'cidr'],
    ['port range 0-65535', rule({ fromPort: 0, toPort: 65535, cidrs: ['10.0.0.0/8'] }), 'cidr'],
    ['port range 400-500', rule({ fromPort: 400, toPort: 500, cidrs: ['10.0.0.0/8'] }), 'cidr'],
    ['port 80 only', rule({ fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] }), null],
    ['udp 443', rule({ protocol: 'udp', cidrs: ['0.0.0.0/0'] }), null],
    ['protocol as number 6', rule({ protocol: '6', cidrs: ['10.0.1.10/32'] }), 'cidr'],
    ['IPv6-only rule for an IPv4 peer', rule({ ipv6Cidrs: ['::/0'] }), null],
    ['rule with no source at all', rule({}), null],
  ])('%s', (_, r, via) => {
    const got = sgAllows([r], q);
    if (via === null) expect(got).toBeNull();
    else expect(got).toMatchObject({ result: 'match', via, rule: r });
  });

  it('matches IPv6 peers against IPv6 CIDRs only', () => {
    const peer = { ip: '2001:db8::10' };
    expect(sgAllows([rule({ ipv6Cidrs: ['2001:db8::/32'] })], { ...q, peer })).toMatchObject({ via: 'ipv6-cidr', source: '2001:db8::/32' });
    expect(sgAllows([rule({ cidrs: ['0.0.0.0/0'] })], { ...q, peer })).toBeNull();
  });

  it('resolves prefix lists; an unreadable or uncollected one is unknown, never a pass', () => {
    const r = rule({ prefixListIds: ['pl-1'] });
    const hit = ok({ id: 'pl-1', cidrs: ['10.0.0.0/8'] });
    const miss = ok({ id: 'pl-1', cidrs: ['192.168.0.0/16'] });
    expect(sgAllows([r], { ...q, prefixLists: { 'pl-1': hit } })).toMatchObject({ result: 'match', via: 'prefix-list', source: 'pl-1 (10.0.0.0/8)' });
    expect(sgAllows([r], { ...q, prefixLists: { 'pl-1': miss } })).toBeNull();
    expect(sgAllows([r], { ...q, prefixLists: {} })).toEqual({ result: 'unknown', rule: r, prefixListIds: ['pl-1'] });
    expect(sgAllows([r], { ...q, prefixLists: { 'pl-1': failed(denied('ec2:GetManagedPrefixListEntries')) } })).toMatchObject({ result: 'unknown' });
    // A matching rule elsewhere wins over the unknown one.
    expect(sgAllows([r, rule({ cidrs: ['10.0.0.0/16'] })], { ...q, prefixLists: {} })).toMatchObject({ result: 'match', via: 'cidr' });
    // Unknown prefix lists on rules for other ports do not matter.
    expect(sgAllows([rule({ fromPort: 22, toPort: 22, prefixListIds: ['pl-1'] })], { ...q, prefixLists: {} })).toBeNull();
  });

  it('sgGroupsAllow names the group that admits, across groups', () => {
    const groups = [
      { id: 'sg-a', ingress: [rule({ cidrs: ['192.168.0.0/16'] })], egress: [] },
      { id: 'sg-b', ingress: [rule({ groupIds: ['sg-ec2'] })], egress: [] },
    ];
    expect(sgGroupsAllow(groups, 'ingress', q)).toMatchObject({ result: 'match', groupId: 'sg-b', via: 'security-group' });
    expect(sgGroupsAllow(groups, 'egress', q)).toBeNull();
  });
});

describe('sgReach', () => {
  const target = publicIpv4();
  const reach = (rules: SecurityGroupRule[], prefixLists = {}) => sgReach(rules, { protocol: 'tcp', port: 443, target, prefixLists });
  it('0.0.0.0/0 covers all of the internet', () => {
    expect(reach([rule({ cidrs: ['0.0.0.0/0'] })]).covered).toBe('all');
    expect(reach([rule({ protocol: '-1', cidrs: ['0.0.0.0/1', '128.0.0.0/1'] })]).covered).toBe('all');
  });
  it('the VPC CIDR alone covers none of it', () => {
    expect(reach([rule({ cidrs: ['10.0.0.0/16'] })]).covered).toBe('none');
    expect(reach([rule({ ipv6Cidrs: ['::/0'] })]).covered).toBe('none');
  });
  it('a public range or a resolved prefix list covers some of it', () => {
    expect(reach([rule({ cidrs: ['52.0.0.0/8'] })])).toMatchObject({ covered: 'some', admitted: ['52.0.0.0/8'] });
    const pl = { 'pl-s3': ok({ id: 'pl-s3', cidrs: ['3.5.0.0/19'] }) };
    expect(reach([rule({ prefixListIds: ['pl-s3'] })], pl)).toMatchObject({ covered: 'some', admitted: ['3.5.0.0/19'] });
    expect(reach([rule({ prefixListIds: ['pl-x'] })])).toMatchObject({ covered: 'none', unknownPrefixLists: ['pl-x'] });
  });
  it('ignores rules for other ports', () => {
    expect(reach([rule({ fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] })]).covered).toBe('none');
  });
});

describe('naclDecide', () => {
  const e = (ruleNumber: number, action: 'allow' | 'deny', x: Partial<NetworkAclEntry> = {}): NetworkAclEntry => ({
    ruleNumber,
    egress: true,
    protocol: '6',
    action,
    cidr: '0.0.0.0/0',
    portRange: { from: 443, to: 443 },
    ...x,
  });
  const out = (ip: string, port = 443) => ({ egress: true, protocol: '6', port, ip });

  it('takes the first match in rule-number order, not list order', () => {
    const entries = [e(200, 'allow'), e(100, 'deny', { cidr: '10.0.0.0/16' })];
    expect(naclDecide(entries, out('10.0.2.14'))).toMatchObject({ action: 'deny', ruleNumber: 100 });
    expect(naclDecide(entries, out('52.94.0.1'))).toMatchObject({ action: 'allow', ruleNumber: 200 });
  });
  it('denies with * (32767) when nothing matches, with or without the explicit entry', () => {
    expect(naclDecide([], out('10.0.0.1'))).toEqual({ action: 'deny', ruleNumber: NACL_DEFAULT_RULE });
    const star = e(32767, 'deny', { protocol: '-1', portRange: undefined });
    expect(naclDecide([star], out('10.0.0.1'))).toMatchObject({ action: 'deny', ruleNumber: 32767 });
  });
  it('respects direction, protocol, port range and address family', () => {
    expect(naclDecide([e(100, 'allow', { egress: false })], out('1.1.1.1')).ruleNumber).toBe(32767);
    expect(naclDecide([e(100, 'allow', { protocol: '17' })], out('1.1.1.1')).ruleNumber).toBe(32767);
    expect(naclDecide([e(100, 'allow', { protocol: '-1', portRange: undefined })], out('1.1.1.1')).ruleNumber).toBe(100);
    expect(naclDecide([e(100, 'allow', { portRange: { from: 1024, to: 65535 } })], out('1.1.1.1')).ruleNumber).toBe(32767);
    expect(naclDecide([e(100, 'allow', { cidr: undefined, ipv6Cidr: '::/0' })], out('1.1.1.1')).ruleNumber).toBe(32767);
    expect(naclDecide([e(100, 'allow', { cidr: undefined, ipv6Cidr: '::/0' })], out('2001:db8::1')).ruleNumber).toBe(100);
  });

  // Random entry lists over a small world, against a differently-shaped reference: the smallest matching rule number.
  const arbEntry = fc.record({
    ruleNumber: fc.integer({ min: 1, max: 400 }),
    egress: fc.boolean(),
    protocol: fc.constantFrom('-1', '6', '17'),
    action: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
    cidr: fc
      .tuple(fc.oneof(fc.nat(65535), fc.constantFrom(0, 1, 255, 256, 65534, 65535)), fc.integer({ min: 20, max: 32 }))
      .map(([h, p]) => `10.0.${h >> 8}.${h & 255}/${p}`),
    // A small port universe so that rule edges often meet the query's edges.
    portRange: fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })),
  });
  const arbEntries = fc.uniqueArray(arbEntry, { selector: (x) => `${x.egress}:${x.ruleNumber}`, maxLength: 12 });
  const arbPacket = fc.record({
    egress: fc.boolean(),
    protocol: fc.constantFrom('6', '17'),
    port: fc.integer({ min: 0, max: 60 }),
    ip: fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.0.${a}.${b}`),
  });

  it('matches the naive reference on random rule lists', () => {
    fc.assert(
      fc.property(arbEntries, arbPacket, (entries, q) => {
        const matching = entries.filter(
          (x) =>
            x.egress === q.egress &&
            (x.protocol === '-1' || x.protocol === q.protocol) &&
            (x.protocol === '-1' || (q.port >= x.portRange.from && q.port <= x.portRange.to)) &&
            cidrContains(x.cidr, q.ip),
        );
        const first = matching.reduce<(typeof matching)[number] | undefined>((m, x) => (!m || x.ruleNumber < m.ruleNumber ? x : m), undefined);
        const got = naclDecide(entries, q);
        expect(got.ruleNumber).toBe(first?.ruleNumber ?? 32767);
        expect(got.action).toBe(first?.action ?? 'deny');
      }),
      { numRuns: 2000 },
    );
  });

  it('naclDecideSpace partitions the block and agrees with naclDecide on every sampled packet', () => {
    fc.assert(
      fc.property(
        arbEntries,
        fc.boolean(),
        fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })),
        fc.array(fc.tuple(fc.nat(255), fc.nat(255)), { minLength: 5, maxLength: 5 }),
        fc.constantFrom(16, 20, 24, 31),
        (entries, egress, [a, b], samples, block) => {
          const ports = { from: Math.min(a, b), to: Math.max(a, b) };
          const ips = intervalsOf([`10.0.0.0/${block}`]);
          const cells = naclDecideSpace(entries, { egress, protocol: '6', ports, ips });
          // The cells tile the block exactly.
          const area = cells.reduce((n, c) => n + BigInt(c.ports.to - c.ports.from + 1) * (c.ips.hi - c.ips.lo + 1n), 0n);
          expect(area).toBe(BigInt(ports.to - ports.from + 1) * (1n << BigInt(32 - block)));
          // Every cell is uniform: its corners decide like the cell.
          for (const c of cells) {
            for (const port of [c.ports.from, c.ports.to]) {
              for (const v of [c.ips.lo, c.ips.hi]) {
                const d = naclDecide(entries, { egress, protocol: '6', port, ip: formatIp(4, v) });
                expect([c.action, c.ruleNumber]).toEqual([d.action, d.ruleNumber]);
              }
            }
          }
          for (const [x, y] of samples) {
            const port = ports.from + ((x * 8 + y) % (ports.to - ports.from + 1));
            const v0 = BigInt((x * 256 + y) % 2 ** (32 - block));
            const ip = formatIp(4, ips[0]!.lo + v0);
            const v = parseIp(ip)!.value;
            const cell = cells.find((c) => port >= c.ports.from && port <= c.ports.to && v >= c.ips.lo && v <= c.ips.hi)!;
            expect(cell).toBeDefined();
            const d = naclDecide(entries, { egress, protocol: '6', port, ip });
            expect([cell.action, cell.ruleNumber]).toEqual([d.action, d.ruleNumber]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds an ephemeral range that is only partly allowed, naming the blocking rule', () => {
    const entries: NetworkAclEntry[] = [
      { ruleNumber: 100, egress: false, protocol: '6', action: 'allow', cidr: '10.0.0.0/16', portRange: { from: 32768, to: 65535 } },
      { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
    ];
    const cells = naclDecideSpace(entries, { egress: false, protocol: '6', ports: { from: 1024, to: 65535 }, ips: intervalsOf(['10.0.2.14/32']) });
    expect(cells.map((c) => [c.ports, c.action, c.ruleNumber])).toEqual([
      [{ from: 1024, to: 32767 }, 'deny', 32767],
      [{ from: 32768, to: 65535 }, 'allow', 100],
    ]);
    expect(summarizeNacl(cells)).toMatchObject({ allowed: 'some', blockingRules: [32767] });
  });
});

describe('naclSomePortNeverAllowed', () => {
  const space = (entries: NetworkAclEntry[], ports: { from: number; to: number }, cidrs: string[]) =>
    naclDecideSpace(entries, { egress: false, protocol: '6', ports, ips: intervalsOf(cidrs) });
  const deny = { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny' as const, cidr: '0.0.0.0/0' };
  const allow = (ruleNumber: number, cidr: string, from: number, to: number): NetworkAclEntry => ({
    ruleNumber,
    egress: false,
    protocol: '6',
    action: 'allow',
    cidr,
    portRange: { from, to },
  });

  it('is false when every port is allowed somewhere, even from different addresses', () => {
    const entries = [allow(100, '10.0.0.0/24', 1024, 40000), allow(110, '10.0.1.0/24', 40001, 65535), deny];
    const cells = space(entries, { from: 1024, to: 65535 }, ['10.0.0.0/16']);
    expect(naclSomePortNeverAllowed(cells, { from: 1024, to: 65535 })).toBe(false);
    expect(summarizeNacl(cells).allowed).toBe('some');
  });

  it('is true for a gap in the middle, at the top, or when nothing is allowed', () => {
    const gap = [allow(100, '0.0.0.0/0', 1024, 30000), allow(110, '0.0.0.0/0', 30002, 65535), deny];
    expect(naclSomePortNeverAllowed(space(gap, { from: 1024, to: 65535 }, ['10.0.0.0/16']), { from: 1024, to: 65535 })).toBe(true);
    const top = [allow(100, '0.0.0.0/0', 1024, 65534), deny];
    expect(naclSomePortNeverAllowed(space(top, { from: 1024, to: 65535 }, ['10.0.0.0/16']), { from: 1024, to: 65535 })).toBe(true);
    expect(naclSomePortNeverAllowed(space([deny], { from: 443, to: 443 }, ['10.0.0.0/16']), { from: 443, to: 443 })).toBe(true);
  });

  it('looks only at the wanted ports', () => {
    const entries = [allow(100, '0.0.0.0/0', 32768, 65535), deny];
    const cells = space(entries, { from: 1024, to: 65535 }, ['10.0.0.0/16']);
    expect(naclSomePortNeverAllowed(cells, { from: 32768, to: 65535 })).toBe(false);
    expect(naclSomePortNeverAllowed(cells, { from: 1024, to: 65535 })).toBe(true);
  });
});

describe('freeNaclRuleNumber', () => {
  const used = (...ns: number[]) => ns.map((ruleNumber) => ({ ruleNumber, egress: true, protocol: '-1', action: 'allow' as const }));
  it.each([
    [[100], 200, 190],
    [[100, 190], 200, 199],
    [[], 32767, 32760],
    [[100], 101, 100 - 1],
    [[1], 2, null],
    [[], 1, null],
    [[5], 11, 10],
  ])('used %j, below %i -> %s', (ns, below, want) => {
    expect(freeNaclRuleNumber(used(...ns), true, below)).toBe(want);
  });
  it('only counts entries of the same direction', () => {
    expect(freeNaclRuleNumber([{ ruleNumber: 190, egress: false, protocol: '-1', action: 'allow' }], true, 200)).toBe(190);
  });
});
