import { describe, expect, it } from 'vitest';
import { vpcEndpointSsm } from '../../checks/vpc-endpoint.ssm.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts, type Route } from '../../src/facts/facts.js';
import { IID, SG_VPCE, SUBNET, VPC, EP_SUBNET, agentOffline, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(vpcEndpointSsm, { facts, id: IID, region: facts.region });
};
const ssmEp = (f: Facts) => val(f.endpoints[VPC])!.find((e) => e.serviceName.endsWith('.ssm'))!;
const dropSsm = (f: Facts) => (f.endpoints[VPC] = ok(val(f.endpoints[VPC])!.filter((e) => !e.serviceName.endsWith('.ssm'))));
const dropAll = (f: Facts) => (f.endpoints[VPC] = ok([]));
const route = (target: Route['target'], state = 'active') => (f: Facts) =>
  val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target, state });
const natWorld = (f: Facts) => {
  dropSsm(f);
  route({ type: 'nat', id: 'nat-0abc' })(f);
  f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state: 'available', connectivityType: 'public' }]);
};

describe('vpc-endpoint.ssm', () => {
  it.each<[string, (f: Facts) => void, string, RegExp]>([
    ['available endpoint', () => {}, 'pass', /vpce-.* \(ssm\) is available in us-east-1a\./],
    ['pending endpoint', (f) => (ssmEp(f).state = 'pending'), 'warn', /still pending/],
    ['failed endpoint', (f) => (ssmEp(f).state = 'failed'), 'fail', /is failed: no endpoint/],
    ['failed endpoint with AWS\'s reason', (f) => {
      ssmEp(f).state = 'failed';
      ssmEp(f).lastError = { code: 'InsufficientCapacity', message: 'The Availability Zone does not have capacity for the endpoint.' };
    }, 'fail', /is failed \(AWS: InsufficientCapacity "The Availability Zone does not have capacity for the endpoint\."\)/],
    ['no endpoint, NAT route', natWorld, 'skip', /reaches the public ssm endpoint over NAT gateway nat-0abc via rtb-0main/],
    ['no endpoint, IGW + public IP', (f) => (dropSsm(f), route({ type: 'igw', id: 'igw-0abc' })(f), (val(f.instances[IID])!.publicIp = '3.3.3.3')), 'skip', /internet gateway igw-0abc/],
    ['no endpoint, IGW without public IP', (f) => (dropSsm(f), route({ type: 'igw', id: 'igw-0abc' })(f)), 'fail', /no public IP/],
    ['no endpoint, no route', dropSsm, 'fail', /no default route/],
    ['no endpoint, blackhole route', (f) => (dropSsm(f), route({ type: 'nat', id: 'nat-0gone' }, 'blackhole')(f)), 'fail', /blackhole/],
    ['no endpoint, tgw route', (f) => (dropSsm(f), route({ type: 'tgw', id: 'tgw-0abc' })(f), agentOffline(f)), 'warn', /transit gateway tgw-0abc.*verify/],
    ['no endpoint, tgw route, agent Online: proven', (f) => (dropSsm(f), route({ type: 'tgw', id: 'tgw-0abc' })(f)), 'skip', /reaches ssm to transit gateway tgw-0abc via rtb-0main, and the agent is Online/],
    ['no endpoint, private NAT', (f) => (natWorld(f), (val(f.natGateways[VPC])![0]!.connectivityType = 'private'), agentOffline(f)), 'warn', /private NAT/],
    ['endpoint in another VPC only', (f) => {
      const ep = { ...ssmEp(f), vpcId: 'vpc-0other' };
      dropSsm(f);
      f.endpoints['vpc-0other'] = ok([ep]);
    }, 'fail', /No interface endpoint for com\.amazonaws\.us-east-1\.ssm in vpc-0a1b2c3d4e5f60718/],
    ['instance not found', (f) => (f.instances[IID] = ok(null)), 'skip', /not found/],
  ])('%s', (_name, edit, status, detail) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
    if (status === 'fail') expect(r.fix?.cli.length).toBeGreaterThan(0);
  });

  it('notes private DNS off on a passing endpoint', () => {
    const r = run((f) => (ssmEp(f).privateDnsEnabled = false));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('vpc-endpoint.private-dns');
  });

  it('fix creates the endpoint next to the existing ones (their subnets and security group), CLI and Terraform', () => {
    const r = run(dropSsm);
    expect(r.fix?.cli).toEqual([
      `aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.ssm --subnet-ids ${EP_SUBNET} --security-group-ids ${SG_VPCE} --private-dns-enabled --region us-east-1`,
    ]);
    expect(r.fix?.terraform).toContain('resource "aws_vpc_endpoint" "ssm_0a1b2c3d4e5f60718"');
    expect(r.fix?.terraform).toContain(`vpc_id              = "${VPC}"`);
    expect(r.subject).toBe(VPC);
    expect(r.fix?.terraform).toContain(`subnet_ids          = ["${EP_SUBNET}"]`);
    expect(r.fix?.terraform).toContain('private_dns_enabled = true');
    // Without endpoints to stand next to: the instance's subnet.
    expect(run(dropAll).fix?.cli.join('\n')).toContain(`--subnet-ids ${SUBNET} `);
  });

  it('fix creates a security group with a source when no endpoint SG exists, and turns on DNS attributes first', () => {
    const r = run((f) => {
      dropAll(f);
      f.vpcDnsAttributes[VPC] = ok({ enableDnsSupport: true, enableDnsHostnames: false });
    });
    expect(r.status).toBe('fail');
    expect(r.fix?.cli[0]).toBe(`aws ec2 modify-vpc-attribute --vpc-id ${VPC} --enable-dns-hostnames Value=true --region us-east-1`);
    // The new group's id is captured and used: the commands run as pasted.
    expect(r.fix?.cli[1]).toMatch(/^SG_0a1b2c3d4e5f60718=\$\(aws ec2 create-security-group .* --query GroupId --output text\)$/);
    expect(r.fix?.cli[2]).toBe('aws ec2 authorize-security-group-ingress --group-id "$SG_0a1b2c3d4e5f60718" --protocol tcp --port 443 --cidr 10.0.0.0/16 --region us-east-1');
    expect(r.fix?.cli[3]).toContain('--security-group-ids "$SG_0a1b2c3d4e5f60718"');
    expect(r.fix?.terraform).toContain('cidr_blocks = ["10.0.0.0/16"]');
  });

  it('fix for a failed endpoint deletes it first', () => {
    const r = run((f) => (ssmEp(f).state = 'failed'));
    expect(r.fix?.cli[0]).toMatch(/^aws ec2 delete-vpc-endpoints --vpc-endpoint-ids vpce-/);
    expect(r.fix?.cli[1]).toContain('create-vpc-endpoint');
  });

  it('passes when one of two endpoints is available', () => {
    const r = run((f) => val(f.endpoints[VPC])!.push({ ...ssmEp(f), id: 'vpce-0second', state: 'pending', subnetIds: [EP_SUBNET] }));
    expect(r.status).toBe('pass');
  });

  it.each([
    ['ec2:DescribeVpcEndpoints', (f: Facts) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints')))],
    ['ec2:DescribeRouteTables', (f: Facts) => (dropSsm(f), (f.routeTables[VPC] = failed(denied('ec2:DescribeRouteTables'))))],
    ['ec2:DescribeInstances', (f: Facts) => (f.instances[IID] = failed(denied('ec2:DescribeInstances')))],
  ])('errors naming %s when it was denied', (api, edit) => {
    const r = run(edit);
    expect(r.status).toBe('error');
    expect(r.detail).toContain(api);
  });
});
