// Property-based: random compositions of odd-but-real worlds, garbage shapes (random protocols, ports, route
// target types, policy documents of any JSON shape) and unreadable facts. Every check must survive all of them:
// no crash, a valid status, an explanation, a fix on every fail (harness.ts). Also the fast NACL evaluator
// (naclDecideSpace) against a straightforward reference on garbage-laden entry lists.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NACL_DEFAULT_RULE,
  formatIp,
  intervalsOf,
  mergeIntervals,
  naclDecide,
  naclDecideSpace,
  normalizeProtocol,
  parseCidr,
  protocolMatches,
  publicIpv4,
  type Interval,
  type NaclCell,
  type PortRange,
} from '../../src/eval/net.js';
import { failed, type Facts, type NetworkAclEntry } from '../../src/facts/facts.js';
import { IID, VPC, val, world } from '../fixtures/world.js';
import { problemsOf, runAll } from './harness.js';
import { BASES, ERRORS, slotsOf } from './slots.js';
import * as O from './odd-worlds.js';

const ODD: Record<string, O.Edit> = {
  'nat path': O.natPath,
  'dual-stack': O.ipv6DualStack,
  'IPv6-only SG rules': O.ipv6OnlySgRules,
  'IPv6-only NACL': O.ipv6OnlyNacl,
  'IPv6 NACL entries too': O.ipv6NaclAlongside,
  'IPv6-only instance': O.ipv6OnlyInstance,
  'prefix list resolved': O.prefixListResolved,
  'prefix list denied': O.prefixListDenied,
  'prefix list missing': O.prefixListMissing,
  'prefix list egress denied': O.prefixListEgressDenied,
  'S3 prefix-list route': O.s3PrefixListRoute,
  'many rules': O.manyRules(60),
  'second ENI': O.secondEni,
  'second ENI listed first': O.secondEniFirst,
  terminated: O.state('terminated'),
  'shutting-down': O.state('shutting-down'),
  stopped: O.state('stopped'),
  stopping: O.state('stopping'),
  pending: O.state('pending'),
  windows: O.windows,
  'multi-AZ endpoints': O.multiAzEndpoints,
  'no optional fields': O.noOptionalFields,
};

const anyJson = fc.jsonValue({ maxDepth: 3 });
const stringish = fc.oneof(fc.constantFrom('*', 'ssm:*', 'ssmmessages:Open*', 'sts:AssumeRole', 'arn:aws:s3:::x', 'ssm:UpdateInstanceInformation'), fc.string({ maxLength: 12 }));
const listish = fc.oneof(stringish, fc.array(stringish, { maxLength: 3 }), anyJson);
const statement = fc.record(
  {
    Sid: fc.string({ maxLength: 6 }),
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny', 'allow', ''), anyJson),
    Action: listish,
    NotAction: listish,
    Resource: listish,
    NotResource: listish,
    Principal: fc.oneof(
      fc.constant('*'),
      fc.record({ AWS: listish }, { requiredKeys: [] }),
      fc.record({ Service: fc.oneof(fc.constantFrom('ec2.amazonaws.com', 'ssm.amazonaws.com'), listish) }, { requiredKeys: [] }),
      anyJson,
    ),
    Condition: fc.oneof(fc.constant({ StringEquals: { 'aws:SourceVpc': 'vpc-1' } }), anyJson),
  },
  { requiredKeys: [] },
);
const policyDoc = fc.oneof(
  fc.record({ Version: fc.constant('2012-10-17'), Statement: fc.oneof(statement, fc.array(fc.oneof(statement, anyJson), { maxLength: 4 })) }),
  fc.record({ Statement: anyJson }),
  anyJson,
);
const protocol = fc.oneof(fc.constantFrom('-1', '6', '17', '1', '50', '58', 'tcp', 'udp', 'icmp', 'icmpv6', 'all', 'TCP', '006'), fc.string({ maxLength: 5 }));
const port = fc.oneof(fc.constant(undefined), fc.constant(-1), fc.integer({ min: 0, max: 65535 }));

const garbage: fc.Arbitrary<[string, O.Edit]> = fc.oneof(
  fc.oneof(fc.constantFrom('igw', 'nat', 'tgw', 'pcx', 'vpce', 'eni', 'instance', 'egress-only-igw', 'vgw', 'carrier', 'core-network', 'other', 'local'), fc.string({ maxLength: 8 })).map((t): [string, O.Edit] => [`route target ${JSON.stringify(t)}`, O.routeTarget(t)]),
  protocol.map((p): [string, O.Edit] => [`NACL protocol ${JSON.stringify(p)}`, O.naclProtocol(p)]),
  fc.tuple(protocol, port, port).map(([p, a, b]): [string, O.Edit] => [`SG rule ${JSON.stringify([p, a, b])}`, O.sgProtocol(p, a, b)]),
  policyDoc.map((d): [string, O.Edit] => [`endpoint policy ${JSON.stringify(d)}`, O.endpointPolicy(d)]),
  fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('{', '{}', '[]', 'null', '""')).map((t): [string, O.Edit] => [`endpoint policy text ${JSON.stringify(t)}`, O.endpointPolicy(t)]),
  policyDoc.map((d): [string, O.Edit] => [`trust policy ${JSON.stringify(d)}`, O.trustPolicy(d)]),
  fc.array(policyDoc, { maxLength: 3 }).map((ds): [string, O.Edit] => [`role policies ${JSON.stringify(ds)}`, O.rolePolicies(...ds)]),
  fc.constantFrom('pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated').map((s): [string, O.Edit] => [`state ${s}`, O.state(s)]),
  fc.string({ maxLength: 8 }).map((s): [string, O.Edit] => [`instance state ${JSON.stringify(s)}`, (f) => void (O.inst(f).state = s)]),
  fc.constantFrom('available', 'pending', 'deleted', 'failed', 'Available', '', 'rejected').map((s): [string, O.Edit] => [`endpoint state ${s}`, (f) => void (val(f.endpoints[VPC])[0] && (val(f.endpoints[VPC])[0]!.state = s))]),
);

/** Random worlds: a base, some odd edits, some garbage, then some facts taken away. */
const worlds = fc
  .tuple(
    fc.constantFrom(...Object.keys(BASES)),
    fc.subarray(Object.keys(ODD), { maxLength: 4 }),
    fc.array(garbage, { maxLength: 3 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', ...Object.keys(ERRORS))), { maxLength: 3 }),
  )
  .map(([base, odd, junk, cuts]) => {
    const label = [base, ...odd, ...junk.map(([l]) => l)];
    let facts: Facts;
    try {
      facts = world((f) => {
        BASES[base]!(f);
        for (const k of odd) ODD[k]!(f);
        for (const [, e] of junk) e(f);
      });
    } catch {
      // An edit that does not apply to this combination (e.g. no endpoints left to edit): the base alone.
      facts = world(BASES[base]!);
    }
    const slots = slotsOf(facts);
    for (const [n, how] of cuts) {
      const slot = slots[n % slots.length]!;
      slot.remove(facts, how as 'delete');
      label.push(`${slot.name} ${how}`);
    }
    return { label: label.join(' + '), facts };
  });

describe('any odd, garbage or partial world', () => {
  it('no check crashes; every result has a valid status, an explanation, and a fix when it fails', () => {
    fc.assert(
      fc.property(worlds, ({ label, facts }) => {
        const problems = runAll(facts).flatMap(problemsOf);
        expect(problems, label).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('with DescribeInstances failed on top, nothing but the client checks passes', () => {
    fc.assert(
      fc.property(worlds, ({ label, facts }) => {
        facts.instances[IID] = failed(ERRORS.denied!('ec2:DescribeInstances'));
        const results = runAll(facts);
        expect(results.flatMap(problemsOf), label).toEqual([]);
        expect(results.filter((r) => r.status === 'pass' && !r.id.startsWith('client.')).map((r) => r.id), label).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});

// ------------------------------------------------------------------------------------------------ NACLs

/** naclDecideSpace as it was before it was made linear: every cell decided by naclDecide. The reference. */
function referenceDecideSpace(entries: NetworkAclEntry[], q: { egress: boolean; protocol: string; ports: PortRange; ips: Interval[] }): NaclCell[] {
  const relevant = entries.filter((e) => e.egress === q.egress && protocolMatches(e.protocol, q.protocol));
  const p = normalizeProtocol(q.protocol);
  const withPorts = p === '6' || p === '17';
  const portCuts = new Set<number>([q.ports.from, q.ports.to + 1]);
  if (withPorts) {
    for (const e of relevant) {
      if (normalizeProtocol(e.protocol) === '-1' || !e.portRange || e.portRange.from === -1) continue;
      for (const x of [e.portRange.from, e.portRange.to + 1]) if (x > q.ports.from && x <= q.ports.to) portCuts.add(x);
    }
  }
  const ports = [...portCuts].sort((a, b) => a - b);
  const cells: NaclCell[] = [];
  for (const block of mergeIntervals(q.ips)) {
    const ipCuts = new Set<bigint>([block.lo, block.hi + 1n]);
    for (const e of relevant) {
      const c = parseCidr((block.family === 4 ? e.cidr : e.ipv6Cidr) ?? '');
      if (!c || c.family !== block.family) continue;
      for (const v of [c.lo, c.hi + 1n]) if (v > block.lo && v <= block.hi) ipCuts.add(v);
    }
    const ips = [...ipCuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i + 1 < ips.length; i++) {
      const iv: Interval = { family: block.family, lo: ips[i]!, hi: ips[i + 1]! - 1n };
      for (let j = 0; j + 1 < ports.length; j++) {
        const range = { from: ports[j]!, to: ports[j + 1]! - 1 };
        const d = naclDecide(relevant, { egress: q.egress, protocol: q.protocol, port: range.from, ip: formatIp(block.family, iv.lo) });
        const last = cells[cells.length - 1];
        if (last && last.ips === iv && last.ruleNumber === d.ruleNumber && last.action === d.action && last.ports.to + 1 === range.from) {
          last.ports = { from: last.ports.from, to: range.to };
        } else cells.push({ ...d, ports: range, ips: iv });
      }
    }
  }
  return cells;
}

const cidrArb = fc.oneof(
  fc.tuple(fc.constantFrom(0, 8, 10, 52, 203), fc.nat(255), fc.nat(255), fc.integer({ min: 0, max: 32 })).map(([a, b, c, n]) => `${a}.${b}.${c}.0/${n}`),
  fc.constantFrom('0.0.0.0/0', '10.0.0.0/16', '10.0.2.14/32', 'garbage', '10.0.0.0/33', ''),
);
const entryArb: fc.Arbitrary<NetworkAclEntry> = fc.record(
  {
    ruleNumber: fc.integer({ min: 1, max: 32767 }),
    egress: fc.boolean(),
    protocol: fc.constantFrom('-1', '6', '17', '1', 'tcp', 'all', '50'),
    action: fc.constantFrom('allow' as const, 'deny' as const),
    cidr: cidrArb,
    ipv6Cidr: fc.constantFrom('::/0', '2600:1f18::/56', 'fe80::/10', 'nope'),
    portRange: fc.oneof(
      fc.tuple(fc.integer({ min: -1, max: 70000 }), fc.integer({ min: -1, max: 70000 })).map(([from, to]) => ({ from, to })),
      fc.constant({ from: -1, to: -1 }),
    ),
  },
  { requiredKeys: ['ruleNumber', 'egress', 'protocol', 'action'] },
);
/** AWS keeps rule numbers unique per direction. */
const entriesArb = fc.uniqueArray(entryArb, { maxLength: 40, selector: (e) => `${e.egress}|${e.ruleNumber}` });

describe('naclDecideSpace on garbage-laden entries', () => {
  it('gives exactly the cells of the cell-by-cell reference (public internet, one address, IPv6)', () => {
    fc.assert(
      fc.property(
        entriesArb,
        fc.boolean(),
        fc.constantFrom('6', '17', '-1', '1'),
        fc.constantFrom<PortRange>({ from: 443, to: 443 }, { from: 1024, to: 65535 }, { from: 0, to: 65535 }),
        fc.constantFrom(publicIpv4(), intervalsOf(['10.0.2.14/32']), intervalsOf(['10.0.0.0/16']), intervalsOf(['2600:1f18::/56', '10.0.0.0/24'])),
        (entries, egress, proto, ports, ips) => {
          const got = naclDecideSpace(entries, { egress, protocol: proto, ports, ips });
          const want = referenceDecideSpace(entries, { egress, protocol: proto, ports, ips });
          const key = (cs: NaclCell[]) => cs.map((c) => [c.action, c.ruleNumber, c.ports.from, c.ports.to, c.ips.family, String(c.ips.lo), String(c.ips.hi)]);
          expect(key(got)).toEqual(key(want));
          expect(got.every((c) => c.ruleNumber === NACL_DEFAULT_RULE || c.entry !== undefined)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('naclDecideSpace on entries AWS would not allow', () => {
  it('two entries with one rule number but different actions: adjacent cells are not merged into one decision', () => {
    const entries: NetworkAclEntry[] = [
      { ruleNumber: 100, egress: false, protocol: '6', action: 'deny', cidr: '0.0.0.0/0', portRange: { from: 1024, to: 2000 } },
      { ruleNumber: 100, egress: false, protocol: '6', action: 'allow', cidr: '0.0.0.0/0', portRange: { from: 2001, to: 65535 } },
    ];
    const cells = naclDecideSpace(entries, { egress: false, protocol: '6', ports: { from: 1024, to: 65535 }, ips: intervalsOf(['10.0.2.14/32']) });
    expect(cells.map((c) => [c.action, c.ports.from, c.ports.to])).toEqual([
      ['deny', 1024, 2000],
      ['allow', 2001, 65535],
    ]);
  });

  it('reversed and -1 port ranges, garbage CIDRs and unknown protocols decide like naclDecide', () => {
    const entries: NetworkAclEntry[] = [
      { ruleNumber: 1, egress: true, protocol: '6', action: 'deny', cidr: '0.0.0.0/0', portRange: { from: 500, to: 100 } },
      { ruleNumber: 2, egress: true, protocol: '6', action: 'deny', cidr: 'not-a-cidr', portRange: { from: 443, to: 443 } },
      { ruleNumber: 3, egress: true, protocol: 'esp', action: 'deny', cidr: '0.0.0.0/0' },
      { ruleNumber: 4, egress: true, protocol: '6', action: 'allow', cidr: '0.0.0.0/0', portRange: { from: -1, to: -1 } },
    ];
    const cells = naclDecideSpace(entries, { egress: true, protocol: '6', ports: { from: 443, to: 443 }, ips: intervalsOf(['10.0.2.14/32']) });
    expect(cells.map((c) => [c.action, c.ruleNumber])).toEqual([['allow', 4]]);
    expect(naclDecide(entries, { egress: true, protocol: '6', port: 443, ip: '10.0.2.14' })).toMatchObject({ action: 'allow', ruleNumber: 4 });
  });
});
