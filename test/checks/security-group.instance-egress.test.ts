import { describe, expect, it } from 'vitest';
import { securityGroupInstanceEgress } from '../../checks/security-group.instance-egress.js';
import { failed, ok, type Facts, type SecurityGroupRule } from '../../src/facts/facts.js';
import { IID, SG_EC2, SG_VPCE, VPC, denied, val } from '../fixtures/world.js';
import { igwPath, natPath, runner, sgRule } from '../eval/net-fixtures.js';

const run = runner(securityGroupInstanceEgress);
const rule = sgRule;
const ALL: SecurityGroupRule = rule({ protocol: '-1', fromPort: undefined, toPort: undefined, cidrs: ['0.0.0.0/0'] });
/** Replaces the instance SG's outbound rules. */
const egress = (...rules: SecurityGroupRule[]) => (f: Facts) => (val(f.securityGroups[SG_EC2])!.egress = rules);

describe('security-group.instance-egress', () => {
  describe('through interface endpoints', () => {
    it.each<[string, SecurityGroupRule[]]>([
      ['the VPC CIDR (the healthy world, as in the article)', [rule({ cidrs: ['10.0.0.0/16'] })]],
      ['the endpoint security group as destination', [rule({ groupIds: [SG_VPCE] })]],
      ['all traffic to anywhere (the AWS default egress rule)', [ALL]],
      ['port range 0-65535 to the endpoint subnet', [rule({ fromPort: 0, toPort: 65535, cidrs: ['10.0.2.0/24'] })]],
      ['port range 400-500', [rule({ fromPort: 400, toPort: 500, cidrs: ['10.0.0.0/8'] })]],
    ])('passes for %s', (_, rules) => {
      const r = run(egress(...rules));
      expect(r.status).toBe('pass');
      expect((r.data?.endpoints as { result: string }[]).map((e) => e.result)).toEqual(['admits', 'admits', 'admits']);
    });

    it('fails when no rule allows 443, naming the endpoints, with CLI and Terraform to the VPC CIDR', () => {
      const r = run(egress(rule({ fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] })));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('vpce-');
      expect(r.detail).toContain('10.0.2.14');
      expect(r.detail).toContain('no outbound TCP 443 at all');
      expect(r.fix?.cli).toEqual([
        `aws ec2 authorize-security-group-egress --group-id ${SG_EC2} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/16}]' --region us-east-1`,
      ]);
      expect(r.fix?.terraform).toContain('type              = "egress"');
      expect(r.fix?.terraform).toContain('cidr_blocks       = ["10.0.0.0/16"]');
    });

    it('fails for a CIDR that does not contain the endpoint ENIs, saying what is allowed', () => {
      const r = run(egress(rule({ cidrs: ['10.0.1.0/24'] })));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('tcp 443 to 10.0.1.0/24');
    });

    it('fails when only some ENIs of an endpoint are allowed (DNS may answer with the blocked one)', () => {
      const r = run(
        egress(rule({ cidrs: ['10.0.2.0/24'] })),
        (f) => {
          const ssm = val(f.endpoints[VPC])![0]!;
          ssm.networkInterfaceIds.push('eni-0ssmb');
          val(f.endpointInterfaces[VPC])!.push({ id: 'eni-0ssmb', subnetId: 'subnet-0b', privateIp: '10.0.3.20', securityGroupIds: [SG_VPCE], vpcEndpointId: ssm.id });
        },
      );
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('10.0.3.20');
      expect(r.detail).toContain('only 10.0.2.14 allowed');
    });

    it('fails for an IPv6-only egress rule (the agent uses IPv4)', () => {
      expect(run(egress(rule({ ipv6Cidrs: ['::/0'] }))).status).toBe('fail');
    });

    it('warns (never passes) when only an unreadable prefix list could allow the ENIs', () => {
      const r = run(egress(rule({ prefixListIds: ['pl-0corp'] })));
      expect(r.status).toBe('warn');
      expect(r.detail).toContain('pl-0corp');
    });

    it('passes with a resolved prefix list containing the ENIs', () => {
      const r = run(egress(rule({ prefixListIds: ['pl-0corp'] })), (f) => (f.prefixLists['pl-0corp'] = ok({ id: 'pl-0corp', cidrs: ['10.0.0.0/8'] })));
      expect(r.status).toBe('pass');
    });

    it('judges by security group when the ENI addresses are unknown, and warns if that does not match', () => {
      const noEnis = (f: Facts) => (f.endpointInterfaces[VPC] = ok([]));
      expect(run(noEnis, egress(rule({ groupIds: [SG_VPCE] }))).status).toBe('pass');
      const r = run(noEnis);
      expect(r.status).toBe('warn');
      expect(r.detail).toContain('network interfaces');
    });

    it('errors when the endpoint network interfaces could not be read', () => {
      const r = run((f) => (f.endpointInterfaces[VPC] = failed(denied('ec2:DescribeNetworkInterfaces'))));
      expect(r.status).toBe('error');
      expect(r.detail).toContain('ec2:DescribeNetworkInterfaces');
    });
  });

  describe('through a NAT or internet gateway', () => {
    it('fails on the NAT path when egress is limited to the VPC CIDR (the article setup without endpoints)', () => {
      const r = run(natPath);
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('NAT gateway nat-0abc');
      expect(r.detail).toContain('tcp 443 to 10.0.0.0/16');
      expect(r.fix?.cli[0]).toContain('CidrIp=0.0.0.0/0');
      expect(r.fix?.terraform).toContain('cidr_blocks       = ["0.0.0.0/0"]');
    });

    it.each<[string, SecurityGroupRule[]]>([
      ['0.0.0.0/0 on 443', [rule({ cidrs: ['0.0.0.0/0'] })]],
      ['all traffic', [ALL]],
    ])('passes on the NAT path for %s', (_, rules) => {
      expect(run(natPath, egress(...rules)).status).toBe('pass');
    });

    it('passes on the IGW path with a public IP and 0.0.0.0/0', () => {
      const r = run(igwPath, egress(ALL));
      expect(r.status).toBe('pass');
      expect(r.detail).toContain('internet');
    });

    it('fails on the IGW path for an IPv6-only egress rule', () => {
      expect(run(igwPath, egress(rule({ ipv6Cidrs: ['::/0'] }))).status).toBe('fail');
    });

    it('warns when only part of the internet is allowed (a public range or a resolved prefix list)', () => {
      const r = run(natPath, egress(rule({ cidrs: ['52.0.0.0/8'] })));
      expect(r.status).toBe('warn');
      expect(r.detail).toContain('52.0.0.0/8');
      expect(r.detail).toContain('ip-ranges.json');
      const pl = run(natPath, egress(rule({ prefixListIds: ['pl-0aws'] })), (f) => (f.prefixLists['pl-0aws'] = ok({ id: 'pl-0aws', cidrs: ['3.5.0.0/19'] })));
      expect(pl.status).toBe('warn');
    });

    it('warns instead of failing when an unreadable prefix list might allow the internet', () => {
      const r = run(natPath, egress(rule({ cidrs: ['10.0.0.0/16'] }), rule({ prefixListIds: ['pl-0aws'] })));
      expect(r.status).toBe('warn');
      expect(r.detail).toContain('pl-0aws');
    });
  });

  it('skips when the agent has no path to judge (no endpoints, no default route)', () => {
    const r = run((f) => (f.endpoints[VPC] = ok([])));
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('no default route');
  });

  it('errors, naming the API, when the instance security group could not be read', () => {
    const r = run((f) => (f.securityGroups[SG_EC2] = failed(denied('ec2:DescribeSecurityGroups'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ec2:DescribeSecurityGroups');
  });
});

describe('security-group.instance-egress: endpoints with private DNS off are bypassed', () => {
  /** The endpoints stay, private DNS off, and the main route table's 0.0.0.0/0 goes to a NAT gateway. */
  const bypassedToNat = (f: Facts) => {
    val(f.endpoints[VPC]).forEach((e) => (e.privateDnsEnabled = false));
    val(f.routeTables[VPC])[0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' }, state: 'active' });
    f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state: 'available', connectivityType: 'public' }]);
  };

  it('judges the way the traffic really takes (the NAT gateway), not the unused endpoint ENIs', () => {
    const r = run((f) => (bypassedToNat(f), egress(rule({ cidrs: ['10.0.0.0/16'] }))(f)));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/does not allow TCP 443 out to the internet/);
    expect(run((f) => (bypassedToNat(f), egress(ALL)(f))).status).toBe('pass');
  });
});
