import { describe, expect, it } from 'vitest';
import { networkAcl } from '../../checks/network.acl.js';
import { failed, ok, type Facts, type NetworkAclEntry } from '../../src/facts/facts.js';
import { EP_SUBNET, IID, SUBNET, VPC, denied, val } from '../fixtures/world.js';
import { igwPath, natPath, runner } from '../eval/net-fixtures.js';

const run = runner(networkAcl);
type E = Omit<NetworkAclEntry, 'egress'>;
const tcp = (ruleNumber: number, action: 'allow' | 'deny', cidr: string, from: number, to = from): E => ({
  ruleNumber,
  protocol: '6',
  action,
  cidr,
  portRange: { from, to },
});
const all = (ruleNumber: number, action: 'allow' | 'deny', cidr = '0.0.0.0/0'): E => ({ ruleNumber, protocol: '-1', action, cidr });
/** A custom ACL for one subnet (taken off the default ACL); the `*` deny rules are added like AWS does. */
const acl = (id: string, subnetId: string, inbound: E[], outbound: E[]) => (f: Facts) => {
  const acls = val(f.networkAcls[VPC])!;
  for (const a of acls) a.subnetIds = a.subnetIds.filter((s) => s !== subnetId);
  acls.push({
    id,
    vpcId: VPC,
    isDefault: false,
    subnetIds: [subnetId],
    entries: [
      ...inbound.map((e) => ({ ...e, egress: false })),
      ...outbound.map((e) => ({ ...e, egress: true })),
      { ...all(32767, 'deny'), egress: false },
      { ...all(32767, 'deny'), egress: true },
    ],
  });
};
const OPEN = [all(100, 'allow')];

describe('network.acl', () => {
  it('passes for the default ACL (allow all) on both subnets', () => {
    const r = run();
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('acl-0default');
    expect(r.detail).toContain(SUBNET);
    expect(r.detail).toContain(EP_SUBNET);
  });

  it('passes for a tight but correct pair of ACLs (443 out + ephemeral back, mirrored)', () => {
    const r = run(
      acl('acl-0inst', SUBNET, [tcp(100, 'allow', '10.0.2.0/24', 1024, 65535)], [tcp(100, 'allow', '10.0.2.0/24', 443)]),
      acl('acl-0vpce', EP_SUBNET, [tcp(100, 'allow', '10.0.1.0/24', 443)], [tcp(100, 'allow', '10.0.1.0/24', 1024, 65535)]),
    );
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('acl-0inst');
    expect(r.detail).toContain('acl-0vpce');
  });

  it('fails for a deny rule numbered before the allow, naming the ACL and the rule, with a lower free rule number in the fix', () => {
    const r = run(acl('acl-0inst', SUBNET, OPEN, [tcp(50, 'deny', '10.0.2.0/24', 443), all(100, 'allow')]));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('acl-0inst');
    expect(r.detail).toContain('rule 50');
    expect(r.detail).toContain('outbound TCP 443');
    expect(r.fix?.cli).toEqual([
      'aws ec2 create-network-acl-entry --network-acl-id acl-0inst --rule-number 40 --protocol 6 --port-range From=443,To=443 --egress --cidr-block 10.0.0.0/16 --rule-action allow --region us-east-1',
    ]);
    expect(r.fix?.terraform).toContain('resource "aws_network_acl_rule"');
    expect(r.fix?.terraform).toContain('rule_number    = 40');
    expect(r.fix?.terraform).toContain('egress         = true');
    expect(r.data?.problems).toEqual([
      expect.objectContaining({ aclId: 'acl-0inst', direction: 'outbound', ports: '443', peers: ['10.0.2.14', '10.0.2.15'], blockingRules: ['50'], severity: 'fail' }),
      // The agent (3.3.x) no longer needs ec2messages: only a warning for its endpoint.
      expect.objectContaining({ peers: ['10.0.2.16'], severity: 'warn' }),
    ]);
    // Endpoints blocked the same way are named in one sentence.
    expect(r.detail.match(/blocks outbound TCP 443/g)).toHaveLength(2);
  });

  it('fails when the ephemeral range the OS uses is not allowed back (only 1024-32767)', () => {
    const r = run(acl('acl-0inst', SUBNET, [tcp(100, 'allow', '10.0.0.0/16', 1024, 32767)], OPEN));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('inbound TCP 1024-65535');
    expect(r.detail).toContain('32768-65535');
    expect(r.detail).toContain('rule *');
    expect(r.fix?.cli[0]).toContain('--port-range From=1024,To=65535 --ingress');
    expect(r.fix?.cli[0]).toContain('--rule-number 32760');
  });

  it('warns when only part of 1024-65535 is allowed back but the OS range (Linux 32768-60999) is', () => {
    const r = run(acl('acl-0inst', SUBNET, [tcp(100, 'allow', '10.0.0.0/16', 32768, 65535)], OPEN));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('32768-60999');
    expect(r.detail).toContain('1024-65535');
    expect(r.fix?.cli[0]).toContain('From=1024,To=65535');
  });

  it('fails for a Windows instance when 49152-65535 is not allowed back', () => {
    const r = run(
      (f) => (val(f.instances[IID])!.platform = 'windows'),
      acl('acl-0inst', SUBNET, [tcp(100, 'allow', '10.0.0.0/16', 32768, 49151)], OPEN),
    );
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('49152-65535');
  });

  it('fails for the mirror image on the endpoint subnet (inbound 443 from the instance, outbound ephemeral to it)', () => {
    const r = run(acl('acl-0vpce', EP_SUBNET, [tcp(100, 'allow', '10.0.2.0/24', 443)], [tcp(100, 'allow', '10.0.0.0/16', 1024, 65535)]));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('acl-0vpce (endpoint subnet');
    expect(r.detail).toContain('inbound TCP 443 from the instance (10.0.1.10)');
    expect(r.fix?.cli[0]).toContain('--network-acl-id acl-0vpce');
    expect(r.fix?.cli[0]).toContain('--ingress --cidr-block 10.0.0.0/16');
  });

  it('fails for IPv6-only rules (the agent uses IPv4)', () => {
    const v6 = (egress: boolean): E => ({ ruleNumber: 100, protocol: '-1', action: 'allow', ipv6Cidr: '::/0' });
    const r = run(acl('acl-0inst', SUBNET, [v6(false)], [v6(true)]));
    expect(r.status).toBe('fail');
  });

  it('skips the pair when the endpoint ENIs are in the instance subnet: ACLs only filter traffic leaving or entering a subnet', () => {
    const r = run(
      (f) => val(f.endpointInterfaces[VPC])!.forEach((n) => (n.subnetId = SUBNET)),
      acl('acl-0inst', SUBNET, [], []), // would block everything if it applied
    );
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('not traffic within it');
  });

  it('judges only the ENIs in other subnets when some share the instance subnet', () => {
    const r = run((f) => (val(f.endpointInterfaces[VPC])![0]!.subnetId = SUBNET));
    expect(r.status).toBe('pass');
    expect(r.data?.sameSubnet).toHaveLength(1);
    expect(r.detail).toContain('own subnet');
  });

  it('only warns when just the ec2messages endpoint is blocked and the agent no longer uses it; fails for old agents', () => {
    const blockEc2messages = acl('acl-0inst', SUBNET, OPEN, [tcp(50, 'deny', '10.0.2.16/32', 443), all(100, 'allow')]);
    expect(run(blockEc2messages).status).toBe('warn');
    expect(run(blockEc2messages, (f) => (val(f.agents[IID])!.agentVersion = '3.2.0.0')).status).toBe('fail');
  });

  describe('NAT and internet gateway paths', () => {
    it('passes with the default ACL', () => {
      expect(run(natPath).status).toBe('pass');
      expect(run(igwPath).status).toBe('pass');
    });

    it('fails when the instance subnet only allows 443 to the VPC', () => {
      const r = run(natPath, acl('acl-0inst', SUBNET, OPEN, [tcp(100, 'allow', '10.0.0.0/16', 443)]));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('outbound TCP 443 to the public SSM endpoints');
      expect(r.fix?.cli[0]).toContain('--cidr-block 0.0.0.0/0');
    });

    it('warns when a deny covers part of the public address space before the allow', () => {
      const r = run(igwPath, acl('acl-0inst', SUBNET, OPEN, [tcp(50, 'deny', '52.0.0.0/8', 443), all(100, 'allow')]));
      expect(r.status).toBe('warn');
      expect(r.detail).toContain('52.0.0.0/8');
      expect(r.detail).toContain('rule 50');
    });

    it("judges the NAT gateway subnet's ACL, which needs all of 1024-65535 back from the internet", () => {
      const r = run(natPath, acl('acl-0pub', 'subnet-0pub', [tcp(100, 'allow', '10.0.0.0/16', 443), tcp(110, 'allow', '0.0.0.0/0', 32768, 65535)], OPEN));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain("NAT gateway nat-0abc's subnet subnet-0pub");
      expect(r.detail).toContain('1024-32767');
      expect(r.fix?.cli[0]).toContain('--network-acl-id acl-0pub');
    });
  });

  it('skips when the agent has no path to judge', () => {
    const r = run((f) => (f.endpoints[VPC] = ok([])));
    expect(r.status).toBe('skip');
  });

  it('errors, naming the API, when the network ACLs could not be read', () => {
    const r = run((f) => (f.networkAcls[VPC] = failed(denied('ec2:DescribeNetworkAcls'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ec2:DescribeNetworkAcls');
  });
});
