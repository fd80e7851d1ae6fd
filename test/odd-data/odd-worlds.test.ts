// Every check over odd but real worlds (issue 5): IPv6, managed prefix lists, several network interfaces,
// every instance state, Windows, endpoints over several AZs, and garbage shapes. Each row runs ALL checks
// (src/check/run.ts, as the CLI does), asserts the invariants of harness.ts (no crash, valid status, an explanation,
// a fix on every fail) and then what the row is about.
import { describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import type { Fix, Status } from '../../src/check/kit.js';
import { buildReport } from '../../src/report/model.js';
import { ok, type Facts, type NetworkAclEntry } from '../../src/facts/facts.js';
import { AGENT_ACTIONS } from '../../src/facts/requirements.js';
import { EP_SUBNET, IID, ROLE_ARN, SG_EC2, SG_VPCE, SUBNET, VPC, agentOffline, val, world } from '../fixtures/world.js';
import { saneRun, statuses } from './harness.js';
import * as O from './odd-worlds.js';

type Expect = Status | { status: Status; detail?: RegExp; notDetail?: RegExp; fix?: RegExp };

/** Runs every check over the edited healthy world and checks the listed results. */
function check(edit: O.Edit, want: Record<string, Expect>): void {
  const results = saneRun(world(edit));
  for (const [id, w] of Object.entries(want)) {
    const r = results[id]!;
    const e = typeof w === 'string' ? { status: w } : w;
    expect({ id, status: r.status }, r.detail).toEqual({ id, status: e.status });
    if (e.detail) expect(r.detail).toMatch(e.detail);
    if (e.notDetail) expect(r.detail).not.toMatch(e.notDetail);
    if (e.fix) expect(`${r.fix?.summary}\n${r.fix?.cli.join('\n')}`).toMatch(e.fix);
  }
}

const all = (...edits: O.Edit[]): O.Edit => (f) => edits.forEach((e) => e(f));
const NETWORK = ['network.route', 'vpc-endpoint.ssm', 'vpc-endpoint.ssmmessages', 'security-group.endpoint-ingress', 'security-group.instance-egress', 'network.acl'];

describe('IPv6', () => {
  it('a dual-stack VPC, subnets and instance change nothing: the agent still goes over IPv4', () => {
    check(O.ipv6DualStack, Object.fromEntries(NETWORK.map((id) => [id, 'pass'])));
  });

  it('IPv6-only security-group rules do not admit the IPv4 agent, and say why', () => {
    check(all(O.ipv6DualStack, O.ipv6OnlySgRules), {
      'security-group.endpoint-ingress': { status: 'fail', detail: /name only IPv6 ranges/, fix: /--source-group sg-0ec2/ },
      'security-group.instance-egress': { status: 'fail', detail: /tcp 443 to ::\/0/ },
    });
  });

  it('IPv6-only egress does not reach the public (IPv4) SSM endpoints on the NAT path', () => {
    check(all(O.natPath, O.ipv6DualStack, (f) => (O.sg(f, SG_EC2).egress = [O.rule({ ipv6Cidrs: ['::/0'] })])), {
      'network.route': 'pass',
      'security-group.instance-egress': { status: 'fail', detail: /does not allow TCP 443 out to the internet/, fix: /0\.0\.0\.0\/0/ },
    });
  });

  it('network ACLs with IPv6 entries only block the IPv4 agent at the `*` rule', () => {
    check(O.ipv6OnlyNacl, { 'network.acl': { status: 'fail', detail: /final rule \*/, fix: /--cidr-block 10\.0\.0\.0\/16/ } });
  });

  it('IPv6 entries next to the IPv4 ones (a dual-stack default ACL) still pass', () => {
    check(all(O.ipv6DualStack, O.ipv6NaclAlongside), { 'network.acl': 'pass' });
  });

  it('an IPv6-only instance: its IPv4-based network verdicts become explained warnings, never passes', () => {
    check(O.ipv6OnlyInstance, {
      'network.route': 'pass', // interface endpoints with private DNS: the route table does not matter
      'security-group.instance-egress': { status: 'warn', detail: /no private IPv4 address \(IPv6 only: 2600:1f18:abcd:ef01::10\)/ },
      'network.acl': { status: 'warn', detail: /IPv6 only/ },
      // The endpoint SG admits 10.0.0.0/16 only: not the instance's IPv6 address, not its SG.
      'security-group.endpoint-ingress': { status: 'fail', detail: /2600:1f18:abcd:ef01::10/, notDetail: /reaches the endpoint over IPv4/ },
    });
  });

  it('an IPv6-only instance is admitted by an endpoint rule naming its IPv6 range', () => {
    check(all(O.ipv6OnlyInstance, (f) => O.sg(f, SG_VPCE).ingress.push(O.rule({ ipv6Cidrs: [O.V6_VPC] }))), {
      'security-group.endpoint-ingress': { status: 'pass', detail: /2600:1f18:abcd:ef00::\/56/ },
    });
  });

  it('an IPv6-only instance behind an IPv4 NAT route: no check claims the IPv4 path', () => {
    check(all(O.natPath, O.ipv6OnlyInstance), {
      'network.route': { status: 'warn', detail: /IPv6 only/ },
      'vpc-endpoint.ssm': { status: 'warn', detail: /NAT64/, fix: /create-vpc-endpoint/ },
      'vpc-endpoint.ssmmessages': 'warn',
      'security-group.instance-egress': 'warn',
      'network.acl': 'warn',
    });
  });

  it('an IPv6-only instance with no IPv4 default route: warned about, not failed on an IPv4 route it never uses', () => {
    check(all(O.ipv6OnlyInstance, (f) => (f.endpoints[VPC] = ok([]))), {
      'network.route': { status: 'warn', detail: /IPv6 only/ },
      'vpc-endpoint.ssm': 'warn',
    });
  });
});

describe('managed prefix lists in security-group rules', () => {
  it('a resolved prefix list admits the instance, naming the matching entry', () => {
    check(O.prefixListResolved, { 'security-group.endpoint-ingress': { status: 'pass', detail: /pl-0aaaa1111bbbb2222 \(10\.0\.0\.0\/16\)/ } });
  });

  it.each([
    ['denied', O.prefixListDenied],
    ['never collected', O.prefixListMissing],
  ])('an unresolved (%s) prefix list warns, naming it and the permission, never passes', (_, edit) => {
    check(edit, {
      'security-group.endpoint-ingress': { status: 'warn', detail: /pl-0aaaa1111bbbb2222.*could not be read.*ec2:GetManagedPrefixListEntries/ },
    });
  });

  it('an unresolved prefix list does not hide a rule that admits: a match wins', () => {
    check(all(O.prefixListDenied, (f) => O.sg(f, SG_VPCE).ingress.push(O.rule({ groupIds: [SG_EC2] }))), {
      'security-group.endpoint-ingress': { status: 'pass', detail: /sg-0ec2ec2ec2ec2ec20/ },
    });
  });

  it('egress only to an unreadable prefix list on the NAT path warns, saying it may allow more', () => {
    check(O.prefixListEgressDenied, {
      'security-group.instance-egress': { status: 'warn', detail: /Prefix list pl-63a5400a could not be read and may allow more/ },
    });
  });

  it('egress to a resolved prefix list is judged by its entries: all of the internet passes, part of it warns', () => {
    const resolved = (cidrs: string[]) => all(O.prefixListEgressDenied, (f) => (f.prefixLists[O.PL_S3] = ok({ id: O.PL_S3, cidrs })));
    check(resolved(['0.0.0.0/0']), { 'security-group.instance-egress': 'pass' });
    check(resolved(['52.216.0.0/15', '3.5.0.0/19']), { 'security-group.instance-egress': { status: 'warn', detail: /only part of the internet \(3\.5\.0\.0\/19, 52\.216\.0\.0\/15\)/ } });
  });

  it('egress to an unreadable prefix list on the endpoint path warns, never passes', () => {
    check(
      all((f) => {
        O.sg(f, SG_EC2).egress = [O.rule({ prefixListIds: [O.PL_VPC] })];
      }),
      { 'security-group.instance-egress': { status: 'warn', detail: /prefix list pl-0aaaa1111bbbb2222.*could not be read/ } },
    );
  });
});

describe('several network interfaces', () => {
  it('a second ENI in another subnet with more security groups changes nothing when the primary one is fine', () => {
    check(O.secondEni, Object.fromEntries(NETWORK.map((id) => [id, 'pass'])));
    check(O.secondEniFirst, Object.fromEntries(NETWORK.map((id) => [id, 'pass'])));
  });

  it('egress allowed only by the second ENI\'s security group warns: the agent leaves through the primary one', () => {
    check(
      all(O.secondEni, (f) => {
        const i = O.inst(f);
        i.networkInterfaces[1]!.securityGroupIds = ['sg-0second00000000001'];
        O.sg(f, SG_EC2).egress = [];
        O.sg(f, 'sg-0second00000000001').egress = [O.rule({ cidrs: ['10.0.0.0/16'] })];
      }),
      {
        'security-group.instance-egress': { status: 'warn', detail: /Another network interface of i-0123456789abcdef0 would be allowed.*eni-0instance00000001/, fix: /sg-0ec2ec2ec2ec2ec20/ },
      },
    );
  });

  it('ingress admitting only the second ENI\'s security group warns; admitting none of them fails', () => {
    const secondOnly = (f: Facts) => {
      O.secondEni(f);
      O.inst(f).networkInterfaces[1]!.securityGroupIds = ['sg-0second00000000001'];
      O.sg(f, SG_VPCE).ingress = [O.rule({ groupIds: ['sg-0second00000000001'] })];
    };
    check(secondOnly, { 'security-group.endpoint-ingress': { status: 'warn', detail: /Another network interface/ } });
    check(all(secondOnly, (f) => (O.sg(f, SG_VPCE).ingress = [O.rule({ groupIds: ['sg-0nobody'] })])), {
      'security-group.endpoint-ingress': { status: 'fail', detail: /matches neither/ },
    });
  });
});

describe('instance states', () => {
  it.each(['terminated', 'shutting-down'])('%s: instance.state fails with a fix, every other EC2 check skips', (state) => {
    const results = saneRun(world(O.state(state)));
    expect(results['instance.state']).toMatchObject({ status: 'fail', fix: { summary: expect.stringContaining('Launch a new instance') } });
    const others = Object.values(results).filter((r) => r.id !== 'instance.state');
    expect(others.map((r) => [r.id, r.status]).filter(([, s]) => s !== 'skip')).toEqual([]);
    expect(others.filter((r) => r.id !== 'client.plugin').every((r) => r.detail.includes(state))).toBe(true);
  });

  it.each(['stopped', 'stopping'])('%s: fails with start-instances, the agent and session checks skip, configuration is still judged', (state) => {
    check(O.state(state), {
      'instance.state': { status: 'fail', fix: /start-instances/ },
      'agent.ping': { status: 'skip', detail: new RegExp(`is ${state}`) },
      'session.connection': 'skip',
      'network.route': 'pass',
      'iam.permissions': 'pass',
    });
  });

  it('stopping: the fix says to wait for the stop first (start-instances fails on a stopping instance)', () => {
    check(O.state('stopping'), { 'instance.state': { status: 'fail', fix: /once it has stopped[\s\S]*wait instance-stopped/ } });
  });

  it('pending fails (not reachable yet)', () => {
    check(O.state('pending'), { 'instance.state': 'fail', 'agent.ping': 'skip' });
  });

  it.each(['rebooting', ''])('an unknown state (%j) warns and explains, instead of calling the instance gone', (state) => {
    check(O.state(state), { 'instance.state': { status: 'warn', detail: /does not know/, notDetail: /Launch a replacement/ } });
  });
});

describe('Windows instances', () => {
  const nothingAllowed = ok(AGENT_ACTIONS.map((action) => ({ action, resource: '*', decision: 'implicitDeny' as const })));
  const offline = (f: Facts) => {
    val(f.agents[IID])!.pingStatus = 'ConnectionLost';
    f.connections[IID] = ok('notconnected');
  };

  const fixText = (fix: Fix) => `${fix.summary}\n${fix.cli.join('\n')}\n${(fix.onInstance ?? []).join('\n')}`;

  it('restart advice is PowerShell, never systemctl (agent.ping, session.connection, the step after an iam.permissions fix)', () => {
    const facts = world(
      all(O.windows, offline, (f) => {
        f.simulations[ROLE_ARN] = nothingAllowed; // iam.permissions fails; the agent may back off after its fix
      }),
    );
    const results = saneRun(facts);
    for (const id of ['agent.ping', 'session.connection', 'iam.permissions']) expect(results[id]!.status, id).toBe('fail');
    for (const id of ['agent.ping', 'session.connection']) {
      const r = results[id]!;
      const text = `${r.detail}\n${fixText(r.fix!)}`;
      expect(text, id).toMatch(/Restart-Service AmazonSSMAgent/);
      expect(text, id).not.toMatch(/systemctl/);
    }
    const then = buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'aws' }).targets[0]!.diagnosis.then!;
    expect(fixText(then)).toMatch(/Restart-Service AmazonSSMAgent/);
    expect(fixText(then)).not.toMatch(/systemctl/);
  });

  it('Linux instances keep the systemctl advice', () => {
    const facts = world(all(offline, (f) => (f.simulations[ROLE_ARN] = nothingAllowed)));
    expect(fixText(saneRun(facts)['agent.ping']!.fix!)).toMatch(/systemctl restart amazon-ssm-agent/);
    const then = buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'aws' }).targets[0]!.diagnosis.then!;
    expect(fixText(then)).toMatch(/systemctl restart amazon-ssm-agent/);
  });

  // The instance subnet gets its own ACL; only the inbound reply range differs between the rows.
  const replies = (from: number, to: number) => (f: Facts) => {
    const acls = O.acls(f);
    acls[0]!.subnetIds = [EP_SUBNET];
    const e = (ruleNumber: number, egress: boolean, r: Partial<NetworkAclEntry>): NetworkAclEntry => ({ ruleNumber, egress, protocol: '6', action: 'allow', cidr: '10.0.2.0/24', ...r });
    acls.push({
      id: 'acl-0inst',
      vpcId: VPC,
      isDefault: false,
      subnetIds: [SUBNET],
      entries: [
        e(100, true, { portRange: { from: 443, to: 443 } }),
        e(100, false, { portRange: { from, to } }),
        { ruleNumber: 32767, egress: true, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
        { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
      ],
    });
  };

  it.each([
    // [reply ports allowed, status on Linux (32768-60999), status on Windows (49152-65535)]
    [[1024, 65535], 'pass', 'pass'],
    [[32768, 60999], 'warn', 'fail'],
    [[49152, 65535], 'fail', 'warn'],
  ] as const)('NACL replies on %j: Linux %s, Windows %s (ephemeral range 49152-65535)', ([from, to], linux, windows) => {
    check(replies(from, to), { 'network.acl': linux });
    check(all(O.windows, replies(from, to)), { 'network.acl': windows });
  });
});

describe('endpoints with several subnets in several AZs', () => {
  it('every endpoint subnet ACL is judged; the one blocking the replies is named, the others are not', () => {
    check(O.multiAzEndpoints, {
      'network.acl': { status: 'fail', detail: /acl-0azc \(endpoint subnet subnet-0fff9999aaaa0000b\) blocks outbound TCP 1024-65535/, notDetail: /acl-0azb/, fix: /acl-0azc/ },
      'vpc-endpoint.ssm': { status: 'pass', detail: /us-east-1a.*us-east-1b.*us-east-1c/ },
      'network.route': 'pass',
      'security-group.endpoint-ingress': 'pass',
      'security-group.instance-egress': 'pass',
    });
  });

  it('ENIs of the endpoints in the instance subnet are not judged by ACLs (same subnet), and it says so', () => {
    check(
      all(O.multiAzEndpoints, (f) => {
        for (const n of val(f.endpointInterfaces[VPC])) if (n.subnetId === 'subnet-0fff9999aaaa0000b') n.subnetId = SUBNET;
      }),
      { 'network.acl': { status: 'pass', detail: /instance's own subnet/ } },
    );
  });
});

describe('garbage shapes', () => {
  it.each(['weird-new-target', 'other', 'local', 'carrier'])('a default route to an unknown or odd target type (%s) warns, never passes', (type) => {
    // With the agent offline nothing but the route table speaks for the path.
    check((f) => (O.routeTarget(type)(f), agentOffline(f)), {
      'network.route': { status: 'warn', detail: /Cannot be proven/ },
      'vpc-endpoint.ssm': 'warn',
      'vpc-endpoint.ssmmessages': 'warn',
    });
  });

  it.each(['17', '1', '50', '58'])('NACL deny entries for protocol %s do not touch TCP', (protocol) => {
    check(O.naclProtocol(protocol), { 'network.acl': 'pass' });
  });

  it('a NACL deny entry with the protocol as a name (tcp) still blocks TCP', () => {
    check(O.naclProtocol('tcp'), { 'network.acl': { status: 'fail', detail: /rule 10 \(deny TCP 443 to 0\.0\.0\.0\/0\)/ } });
  });

  it.each([
    ['icmp', 8, -1, /icmp type 8/],
    ['50', undefined, undefined, /protocol 50/],
    ['icmpv6', -1, -1, /icmpv6 from/],
  ] as const)('security-group rules for %s admit no HTTPS and are described readably', (protocol, from, to, text) => {
    check(O.sgProtocol(protocol, from, to), {
      'security-group.endpoint-ingress': { status: 'fail', detail: text, notDetail: /--1|8--1/ },
      'security-group.instance-egress': 'fail',
    });
  });

  it.each([
    ['-1', -1, -1],
    ['tcp', -1, -1],
    ['6', undefined, undefined],
    ['TCP', 0, 65535],
  ] as const)('rules for protocol %s with ports %s..%s cover TCP 443', (protocol, from, to) => {
    check(O.sgProtocol(protocol, from, to), { 'security-group.endpoint-ingress': 'pass', 'security-group.instance-egress': 'pass' });
  });

  describe('endpoint policies', () => {
    it.each([
      ['Statement as one object', { Statement: { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' } }, 'pass'],
      ['NotAction / NotResource that leave the agent allowed', { Statement: [{ Effect: 'Allow', Principal: '*', NotAction: 'ec2:*', NotResource: 'arn:aws:s3:::x' }] }, 'pass'],
      ['NotAction that excludes ssm', { Statement: [{ Effect: 'Allow', Principal: '*', NotAction: 'ssm:*', Resource: '*' }] }, 'fail'],
      ['an empty Statement list', { Statement: [] }, 'fail'],
      ['Statement null', { Statement: null }, 'warn'],
      ['null and strings among the statements', { Statement: [null, 'x', 3] }, 'warn'],
      ['no Statement', { Version: '2012-10-17' }, 'warn'],
      ['a JSON string', '"hello"', 'warn'],
      ['a JSON list', '[]', 'warn'],
      ['truncated JSON', '{"Statement": [', 'warn'],
      ['an Effect IAM does not know', { Statement: [{ Effect: 'allow', Principal: '*', Action: '*', Resource: '*' }] }, 'fail'],
      ['non-string actions', { Statement: [{ Effect: 'Allow', Principal: '*', Action: [42, null], Resource: '*' }] }, 'fail'],
    ] as const)('%s: no crash, %s', (_, doc, status) => {
      // Parsed and certainly refusing the agent: fail; not a policy document at all: warn (what it allows is unknown).
      check(O.endpointPolicy(doc), { 'vpc-endpoint.policy': status === 'pass' ? status : { status, fix: /reset-policy/ } });
    });
  });

  describe('trust policies', () => {
    it.each([
      ['Statement null', { Statement: null }],
      ['null and strings among the statements', { Statement: [null, 'x'] }],
      ['an empty Statement list', { Statement: [] }],
      ['an Effect IAM does not know', { Statement: [{ Effect: 'allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }],
      ['a Principal that is a bare string', { Statement: [{ Effect: 'Allow', Principal: 'ec2.amazonaws.com', Action: 'sts:AssumeRole' }] }],
      ['non-string services', { Statement: [{ Effect: 'Allow', Principal: { Service: [7, null] }, Action: 'sts:AssumeRole' }] }],
    ])('%s: fails with a valid replacement policy, no crash', (_, doc) => {
      const results = saneRun(world(O.trustPolicy(doc)));
      const r = results['iam.role-trust']!;
      expect(r.status).toBe('fail');
      expect(r.detail).not.toMatch(/trusts e, c, 2/);
      const json = /--policy-document '(.*)'$/.exec(r.fix!.cli[0]!)![1]!;
      const fixed = JSON.parse(json) as { Statement: unknown[] };
      expect(fixed.Statement.every((s) => s !== null && typeof s === 'object')).toBe(true);
    });

    it('a bare-string Principal is named as written, not letter by letter', () => {
      check(O.trustPolicy({ Statement: [{ Effect: 'Allow', Principal: 'ec2.amazonaws.com', Action: 'sts:AssumeRole' }] }), {
        'iam.role-trust': { status: 'fail', detail: /it trusts ec2\.amazonaws\.com\)/ },
      });
    });

    it('NotAction in a trust policy that leaves sts:AssumeRole allowed passes', () => {
      check(O.trustPolicy({ Statement: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, NotAction: 'iam:*' } }), { 'iam.role-trust': 'pass' });
    });
  });

  describe('role policies evaluated locally', () => {
    it.each([
      ['Statement null and [null]', [{ Statement: null }, { Statement: [null] }], 'fail'],
      ['an empty Statement list', [{ Statement: [] }], 'fail'],
      ['NotAction / NotResource allowing the agent', [{ Statement: { Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::x' } }], 'pass'],
      ['an Effect IAM does not know', [{ Statement: [{ Effect: 'allow', Action: '*', Resource: '*' }] }], 'fail'],
      ['non-string Action and Resource', [{ Statement: [{ Effect: 'Allow', Action: 42, Resource: null }] }], 'fail'],
      ['a Deny with garbage beside a good Allow', [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: null, Resource: '*' }] }], 'pass'],
    ] as const)('%s: %s, no crash', (_, docs, status) => {
      // The agent offline: Online and connected, it would itself contradict a denial (a warning, not a failure).
      check(all(O.rolePolicies(...docs), agentOffline), { 'iam.permissions': status === 'fail' ? { status, fix: /AmazonSSMManagedInstanceCore/ } : status });
    });
  });

  it('optional fields missing everywhere: skips and errors that say what is missing, no crash', () => {
    check(O.noOptionalFields, {
      'instance.metadata': { status: 'skip', detail: /no metadata options/ },
      'agent.version': { status: 'skip', detail: /no agent version/ },
      'iam.role-trust': { status: 'error', detail: /role ssm-role/ },
      'security-group.instance-egress': { status: 'warn', detail: /network interfaces \(addresses\) were not found/ },
      'network.acl': 'warn',
    });
  });

  it('addresses that are not addresses are treated as missing, not crashed on', () => {
    const results = saneRun(
      world((f) => {
        O.inst(f).privateIp = 'not-an-ip';
        O.inst(f).networkInterfaces[0]!.privateIps = ['10.0.1.10', '999.1.1.1'];
        val(f.endpointInterfaces[VPC])[0]!.privateIp = 'garbage';
        O.acls(f)[0]!.entries.unshift({ ruleNumber: 5, egress: true, protocol: '6', action: 'deny', cidr: 'nonsense/33', portRange: { from: 443, to: 443 } });
      }),
    );
    expect(statuses(results)['network.acl']).toBe('warn'); // one endpoint ENI has no usable address
    expect(results['network.acl']!.detail).toMatch(/were not found/);
  });
});
