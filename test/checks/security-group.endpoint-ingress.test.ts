import { describe, expect, it } from 'vitest';
import { securityGroupEndpointIngress } from '../../checks/security-group.endpoint-ingress.js';
import { failed, ok, type Facts, type SecurityGroupRule } from '../../src/facts/facts.js';
import { IID, SG_EC2, SG_VPCE, VPC, denied, val } from '../fixtures/world.js';
import { natPath, runner, sgRule } from '../eval/net-fixtures.js';

const run = runner(securityGroupEndpointIngress);
const rule = sgRule;
/** Replaces the endpoint SG's inbound rules. */
const ingress = (...rules: SecurityGroupRule[]) => (f: Facts) => (val(f.securityGroups[SG_VPCE])!.ingress = rules);

describe('security-group.endpoint-ingress', () => {
  it.each<[string, SecurityGroupRule[], string]>([
    ['the VPC CIDR (the healthy world)', [rule({ cidrs: ['10.0.0.0/16'] })], 'cidr'],
    ["the instance's security group as source", [rule({ groupIds: [SG_EC2] })], 'security-group'],
    ['protocol -1 (all traffic)', [rule({ protocol: '-1', fromPort: undefined, toPort: undefined, cidrs: ['10.0.0.0/8'] })], 'cidr'],
    ['port range 0-65535', [rule({ fromPort: 0, toPort: 65535, cidrs: ['10.0.1.0/24'] })], 'cidr'],
    ['port range 400-500', [rule({ fromPort: 400, toPort: 500, cidrs: ['10.0.1.10/32'] })], 'cidr'],
    ['protocol given as number 6', [rule({ protocol: '6', cidrs: ['10.0.0.0/16'] })], 'cidr'],
  ])('passes for a rule admitting %s', (_, rules, via) => {
    const r = run(ingress(...rules));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain(SG_VPCE);
    expect(r.data?.endpoints).toHaveLength(3);
    expect((r.data?.endpoints as { via: string }[]).every((e) => e.via === via)).toBe(true);
  });

  it('only warns (never passes) when a CIDR contains just the address of a secondary ENI: the agent connects from the primary one', () => {
    const r = run((f) => {
      ingress(rule({ cidrs: ['10.0.9.0/24'] }))(f);
      val(f.instances[IID])!.networkInterfaces.push({ id: 'eni-0second', deviceIndex: 1, subnetId: 'subnet-0other', privateIps: ['10.0.9.5'], ipv6s: [], securityGroupIds: [SG_EC2] });
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('Another network interface');
    expect(r.fix?.cli.join('\n')).toContain('--source-group');
  });

  it('passes when a CIDR contains the address of the primary ENI, whatever other ENIs have', () => {
    const r = run((f) => {
      ingress(rule({ cidrs: ['10.0.1.0/24'] }))(f);
      val(f.instances[IID])!.networkInterfaces.push({ id: 'eni-0second', deviceIndex: 1, subnetId: 'subnet-0other', privateIps: ['10.0.9.5'], ipv6s: [], securityGroupIds: ['sg-0other'] });
    });
    expect(r.status).toBe('pass');
  });

  it('passes with a resolved prefix list containing the instance IP', () => {
    const r = run((f) => {
      ingress(rule({ prefixListIds: ['pl-0corp'] }))(f);
      f.prefixLists['pl-0corp'] = ok({ id: 'pl-0corp', name: 'corp', cidrs: ['10.0.0.0/8'] });
    });
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('pl-0corp (10.0.0.0/8)');
  });

  it('fails for the article mistake (ingress without a source = no rule), explaining it, with CLI and Terraform fixes', () => {
    const r = run(ingress());
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('vpce-');
    expect(r.detail).toContain(SG_VPCE);
    expect(r.detail).toContain('ingress block without cidr_blocks or security_groups');
    expect(r.detail).toContain('creates no rule');
    expect(r.fix?.cli[0]).toBe(
      `aws ec2 authorize-security-group-ingress --group-id ${SG_VPCE} --protocol tcp --port 443 --source-group ${SG_EC2} --region us-east-1`,
    );
    expect(r.fix?.terraform).toContain('resource "aws_security_group_rule"');
    expect(r.fix?.terraform).toContain(`source_security_group_id = "${SG_EC2}"`);
    expect(r.fix?.terraform).toContain(`security_group_id = "${SG_VPCE}"`);
    // One rule on the shared SG fixes all three endpoints; the endpoint SG is the cause's resource.
    expect(r.fix?.cli).toHaveLength(1);
    expect(r.subject).toBe(SG_VPCE);
    expect(r.summary).toBe(`The endpoint security group ${SG_VPCE} admits no HTTPS (TCP 443) from the instance: no inbound rule at all.`);
    expect((r.data?.endpoints as { result: string }[]).map((e) => e.result)).toEqual(['blocks', 'blocks', 'blocks']);
  });

  it.each<[string, SecurityGroupRule[], string]>([
    ['a CIDR not containing the instance IP', [rule({ cidrs: ['10.1.0.0/16'] })], 'matches neither'],
    ['another security group as source', [rule({ groupIds: ['sg-0someoneelse'] })], 'matches neither'],
    ['only port 80', [rule({ fromPort: 80, toPort: 80, cidrs: ['0.0.0.0/0'] })], 'nothing on TCP 443'],
    ['UDP 443', [rule({ protocol: 'udp', cidrs: ['0.0.0.0/0'] })], 'nothing on TCP 443'],
    ['an IPv6-only rule', [rule({ ipv6Cidrs: ['::/0'] })], 'over IPv4'],
  ])('fails for %s', (_, rules, why) => {
    const r = run(ingress(...rules));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain(why);
    expect(r.fix?.cli.length).toBeGreaterThan(0);
  });

  it("fails for the VPC's default security group, which only admits itself", () => {
    const r = run((f) => {
      const sg = val(f.securityGroups[SG_VPCE])!;
      sg.name = 'default';
      sg.ingress = [rule({ protocol: '-1', fromPort: undefined, toPort: undefined, groupIds: [SG_VPCE] })];
    });
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('only admits members of itself');
  });

  it('warns (never passes) when only an unreadable prefix list could admit the instance', () => {
    const r = run(ingress(rule({ prefixListIds: ['pl-0corp'] })));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('pl-0corp');
    expect(r.fix).toBeUndefined();
  });

  const ec2messagesOnlyBlocked = (f: Facts) => {
    const ep = val(f.endpoints[VPC])!.find((e) => e.serviceName.endsWith('.ec2messages'))!;
    ep.securityGroupIds = ['sg-0closed'];
    f.securityGroups['sg-0closed'] = ok({ id: 'sg-0closed', name: 'closed', vpcId: VPC, ingress: [], egress: [] });
  };
  it('only warns when just the ec2messages endpoint is closed and the agent no longer uses it', () => {
    const r = run(ec2messagesOnlyBlocked);
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('sg-0closed');
    expect(r.fix?.cli[0]).toContain('--group-id sg-0closed');
  });
  it('fails for the closed ec2messages endpoint when the agent is older than 3.3.40.0', () => {
    const r = run((f) => {
      ec2messagesOnlyBlocked(f);
      val(f.agents[IID])!.agentVersion = '3.2.582.0';
    });
    expect(r.status).toBe('fail');
  });

  it('skips when no agent service uses an interface endpoint (public path)', () => {
    const r = run(natPath);
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('NAT gateway nat-0abc');
  });

  it('skips when the endpoints no longer exist', () => {
    const r = run((f) => val(f.endpoints[VPC])!.forEach((e) => (e.state = 'deleted')));
    expect(r.status).toBe('skip');
  });

  it('errors, naming the API, when the endpoint security group could not be read', () => {
    const r = run((f) => (f.securityGroups[SG_VPCE] = failed(denied('ec2:DescribeSecurityGroups'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ec2:DescribeSecurityGroups');
    expect(r.detail).toContain(SG_VPCE);
  });

  it('errors when the VPC endpoints could not be read', () => {
    const r = run((f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ec2:DescribeVpcEndpoints');
  });
});

describe('security-group.endpoint-ingress: endpoints with private DNS off are bypassed', () => {
  it('does not fail on an endpoint the agent does not use (its traffic goes over the NAT gateway)', () => {
    const r = run((f) => {
      val(f.endpoints[VPC]).forEach((e) => (e.privateDnsEnabled = false));
      val(f.routeTables[VPC])[0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' }, state: 'active' });
      f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state: 'available', connectivityType: 'public' }]);
      ingress()(f);
    });
    expect(r.status).not.toBe('fail');
  });
});
