import { describe, expect, it } from 'vitest';
import { networkRoute } from '../../checks/network.route.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts, type Route } from '../../src/facts/facts.js';
import { EP_SUBNET, IID, SUBNET, VPC, agentOffline, denied, publicSubnet, val, world } from '../fixtures/world.js';
import { expectRunnableCli, expectValidHcl } from '../fixtures/fix-syntax.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(networkRoute, { facts, id: IID, region: facts.region });
};
const noEndpoints = (f: Facts) => (f.endpoints[VPC] = ok([]));
const ep = (f: Facts, svc: string) => val(f.endpoints[VPC])!.find((e) => e.serviceName.endsWith(`.${svc}`))!;
const route = (target: Route['target'], state = 'active') => (f: Facts) =>
  val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target, state });
const nat = (state = 'available', connectivityType = 'public') => (f: Facts) => {
  noEndpoints(f);
  route({ type: 'nat', id: 'nat-0abc' })(f);
  f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state, connectivityType }]);
  publicSubnet()(f);
};
/** The NAT gateway's subnet loses its way out: its table has no default route, or it shares the main table (a loop). */
const natSubnetRoutes = (routes: 'none' | 'shared') => (f: Facts) => {
  const tables = val(f.routeTables[VPC]);
  const pub = tables.find((t) => t.id === 'rtb-0pub')!;
  if (routes === 'none') pub.routes = [];
  else tables.splice(tables.indexOf(pub), 1);
};
const igw = (publicIp?: string) => (f: Facts) => {
  noEndpoints(f);
  route({ type: 'igw', id: 'igw-0abc' })(f);
  f.internetGateways[VPC] = ok([{ id: 'igw-0abc', attachments: [{ vpcId: VPC, state: 'available' }] }]);
  if (publicIp) val(f.instances[IID])!.publicIp = publicIp;
};

describe('network.route: the NAT gateway\'s own way out', () => {
  it('fails a public NAT gateway whose subnet has no route to an internet gateway, giving that subnet one', () => {
    const r = run((f) => (nat()(f), natSubnetRoutes('none')(f)));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('NAT gateway nat-0abc sits in subnet-0pub, whose route table rtb-0pub has no default route (0.0.0.0/0)');
    expect(r.fix!.cli).toEqual([
      'RTB_PUBLIC_0pub=$(aws ec2 create-route-table --vpc-id vpc-0a1b2c3d4e5f60718 --region us-east-1 --query RouteTable.RouteTableId --output text)',
      'aws ec2 create-route --route-table-id "$RTB_PUBLIC_0pub" --destination-cidr-block 0.0.0.0/0 --gateway-id "igw-0abc" --region us-east-1',
      'aws ec2 associate-route-table --route-table-id "$RTB_PUBLIC_0pub" --subnet-id subnet-0pub --region us-east-1',
    ]);
    expectRunnableCli(r.fix);
    expectValidHcl(r.fix!.terraform);
  });

  it('fails a NAT gateway in a subnet that shares the private route table (0.0.0.0/0 back to itself), creating the internet gateway the VPC lacks', () => {
    const r = run((f) => (nat()(f), natSubnetRoutes('shared')(f), (f.internetGateways[VPC] = ok([]))));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('sends 0.0.0.0/0 to NAT gateway nat-0abc: a loop');
    expect(r.fix!.cli[0]).toMatch(/^IGW_0a1b2c3d4e5f60718=\$\(aws ec2 create-internet-gateway /);
    expect(r.fix!.terraform).toContain('resource "aws_internet_gateway"');
    expectRunnableCli(r.fix);
    expectValidHcl(r.fix!.terraform);
  });

  it('passes (as before) when the NAT subnet\'s way on cannot be told: its route goes through a firewall endpoint', () => {
    const r = run((f) => {
      nat()(f);
      val(f.routeTables[VPC]).find((t) => t.id === 'rtb-0pub')!.routes = [{ destinationCidr: '0.0.0.0/0', target: { type: 'vpce', id: 'vpce-0fw' }, state: 'active' }];
    });
    expect(r.status).toBe('pass');
  });
});

describe('network.route', () => {
  it.each<[string, (f: Facts) => void, string, RegExp]>([
    ['endpoints', () => {}, 'pass', /ssm, ssmmessages go through their interface endpoints vpce-/],
    ['NAT gateway available', nat(), 'pass', /over NAT gateway nat-0abc via rtb-0main/],
    ['NAT gateway failed', nat('failed'), 'fail', /nat-0abc is failed/],
    ['NAT gateway pending', nat('pending'), 'warn', /still pending/],
    ['private NAT gateway', (f) => (nat('available', 'private')(f), agentOffline(f)), 'warn', /private NAT gateway/],
    ['private NAT gateway, agent Online and connected', nat('available', 'private'), 'pass', /Proven: the agent is Online/],
    ['IGW with public IP', igw('3.3.3.3'), 'pass', /internet gateway igw-0abc .*public IP 3\.3\.3\.3/],
    ['IGW without public IP', igw(), 'fail', /no public IP/],
    ['IGW not attached', (f) => (igw('3.3.3.3')(f), (f.internetGateways[VPC] = ok([]))), 'fail', /is not attached to vpc-/],
    ['tgw', (f) => (noEndpoints(f), route({ type: 'tgw', id: 'tgw-0abc' })(f), agentOffline(f)), 'warn', /transit gateway tgw-0abc.*verify that the transit gateway route table/],
    ['tgw, agent Online and connected: the path is proven', (f) => (noEndpoints(f), route({ type: 'tgw', id: 'tgw-0abc' })(f)), 'pass', /ssm, ssmmessages go to transit gateway tgw-0abc via rtb-0main\. Proven: the agent is Online in Systems Manager, so its heartbeat to ssm gets through, and Session Manager reports the agent connected/],
    ['tgw, agent Online but not connected: ssmmessages unproven', (f) => (noEndpoints(f), route({ type: 'tgw', id: 'tgw-0abc' })(f), (f.connections[IID] = ok('notconnected'))), 'warn', /ssm goes to transit gateway tgw-0abc via rtb-0main\. Proven.*ssmmessages goes to transit gateway tgw-0abc via rtb-0main\. Cannot be proven/],
    ['peering', (f) => (noEndpoints(f), route({ type: 'pcx', id: 'pcx-0abc' })(f), agentOffline(f)), 'warn', /edge-to-edge/],
    ['firewall appliance', (f) => (noEndpoints(f), route({ type: 'eni', id: 'eni-0fw' })(f), agentOffline(f)), 'warn', /firewall/],
    ['NAT gateway the route names no longer exists', (f) => (nat()(f), (f.natGateways[VPC] = ok([]))), 'fail', /NAT gateway nat-0abc does not exist in vpc-/],
    ['blackhole', (f) => (noEndpoints(f), route({ type: 'nat', id: 'nat-0gone' }, 'blackhole')(f)), 'fail', /blackhole/],
    ['no route, no endpoints', noEndpoints, 'fail', /no default route/],
    ['pending endpoint, no route', (f) => (ep(f, 'ssm').state = 'pending'), 'warn', /ssm goes nowhere: vpce-.* is pending.*works once the endpoint is available/],
    ['private DNS off, no route', (f) => (ep(f, 'ssmmessages').privateDnsEnabled = false), 'fail', /has private DNS off/],
    ['private DNS off, NAT route', (f) => {
      ep(f, 'ssm').privateDnsEnabled = false;
      route({ type: 'nat', id: 'nat-0abc' })(f);
      f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, state: 'available', connectivityType: 'public' }]);
    }, 'pass', /ssm goes over NAT gateway nat-0abc via rtb-0main \(vpce-.* has private DNS off, so the endpoint is not used\)/],
    ['ec2messages missing, new agent', (f) => (f.endpoints[VPC] = ok(val(f.endpoints[VPC])!.filter((e) => !e.serviceName.endsWith('ec2messages')))), 'pass', /ec2messages: not used by agent 3\.3\.1142\.0/],
    ['ec2messages missing, agent unknown', (f) => {
      f.endpoints[VPC] = ok(val(f.endpoints[VPC])!.filter((e) => !e.serviceName.endsWith('ec2messages')));
      f.agents[IID] = ok(null);
    }, 'warn', /ec2messages goes nowhere.*version is unknown/],
    ['ec2messages missing, old agent', (f) => {
      f.endpoints[VPC] = ok(val(f.endpoints[VPC])!.filter((e) => !e.serviceName.endsWith('ec2messages')));
      val(f.agents[IID])!.agentVersion = '3.2.0.0';
    }, 'fail', /ec2messages goes nowhere/],
    ['endpoints denied', (f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'))), 'error', /ec2:DescribeVpcEndpoints/],
    ['route tables denied', (f) => (noEndpoints(f), (f.routeTables[VPC] = failed(denied('ec2:DescribeRouteTables')))), 'error', /ec2:DescribeRouteTables/],
    ['NAT gateways denied', (f) => (nat()(f), (f.natGateways[VPC] = failed(denied('ec2:DescribeNatGateways')))), 'error', /ec2:DescribeNatGateways/],
    ['instance missing', (f) => (f.instances[IID] = ok(null)), 'skip', /not found/],
  ])('%s', (_n, edit, status, detail) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
    if (status === 'fail') {
      expect(r.fix?.summary).toBeTruthy();
      expect(r.fix?.cli.length).toBeGreaterThan(0);
    }
  });

  it('reports the endpoint cost and Instance Connect Endpoint as the free alternative', () => {
    const r = run();
    expect(r.data?.cost).toEqual({ interfaceEndpoints: 3, azs: 1, usdPerMonth: 21.9 });
    // The figure is evidence (data); the text report's ℹ line says it (test/report/text.test.ts).
    expect(r.detail).not.toContain('$');
  });

  it('counts AZs from the endpoint subnets', () => {
    const r = run((f) => {
      f.subnets['subnet-0b'] = ok({ id: 'subnet-0b', vpcId: VPC, cidr: '10.0.3.0/24', ipv6Cidrs: [], availabilityZone: 'us-east-1b' });
      for (const e of val(f.endpoints[VPC])!) e.subnetIds = [EP_SUBNET, 'subnet-0b'];
    });
    expect(r.data?.cost).toEqual({ interfaceEndpoints: 3, azs: 2, usdPerMonth: 43.8 });
  });

  it('no cost data on the NAT path', () => {
    expect(run(nat()).data?.cost).toBeUndefined();
  });

  it('IGW without public IP: fix associates an Elastic IP', () => {
    const r = run(igw());
    // The allocation id is captured in a variable named after the instance, so a fleet's fixes never mix them up.
    expect(r.fix?.cli[0]).toBe('ALLOC_0123456789abcdef0=$(aws ec2 allocate-address --domain vpc --region us-east-1 --query AllocationId --output text)');
    expect(r.fix?.cli[1]).toBe(`aws ec2 associate-address --instance-id ${IID} --allocation-id "$ALLOC_0123456789abcdef0" --region us-east-1`);
    expect(r.subject).toBeUndefined(); // per instance: each needs its own address
    expect(r.fix?.terraform).toContain(`instance = "${IID}"`);
  });

  it('no route: fix creates the endpoints for all needed services', () => {
    const r = run((f) => (noEndpoints(f), (f.agents[IID] = ok(null))));
    const creates = r.fix!.cli.filter((c) => c.includes('create-vpc-endpoint'));
    expect(creates.map((c) => /--service-name (\S+)/.exec(c)![1])).toEqual([
      'com.amazonaws.us-east-1.ssm',
      'com.amazonaws.us-east-1.ssmmessages',
      'com.amazonaws.us-east-1.ec2messages',
    ]);
    expect(creates[0]).toContain(`--subnet-ids ${SUBNET}`);
    expect(r.fix?.terraform).toContain('resource "aws_vpc_endpoint" "ssmmessages_0a1b2c3d4e5f60718"');
    expect(r.subject).toBe('rtb-0main');
  });

  it('no route but an available NAT gateway elsewhere: fix adds the route to it', () => {
    const r = run((f) => {
      noEndpoints(f);
      f.natGateways[VPC] = ok([{ id: 'nat-0pub', vpcId: VPC, subnetId: 'subnet-0pub', state: 'available', connectivityType: 'public' }]);
    });
    expect(r.status).toBe('fail');
    expect(r.fix?.cli).toEqual(['aws ec2 create-route --route-table-id rtb-0main --destination-cidr-block 0.0.0.0/0 --nat-gateway-id nat-0pub --region us-east-1']);
  });

  it('blackhole: fix removes the route and creates endpoints', () => {
    const r = run((f) => (noEndpoints(f), route({ type: 'nat', id: 'nat-0gone' }, 'blackhole')(f)));
    expect(r.fix?.cli[0]).toBe('aws ec2 delete-route --route-table-id rtb-0main --destination-cidr-block 0.0.0.0/0 --region us-east-1');
  });

  it('failed NAT: fix replaces it in the same subnet', () => {
    const r = run(nat('failed'));
    expect(r.fix?.cli.some((c) => c.startsWith('NAT_0abc=$(aws ec2 create-nat-gateway --subnet-id subnet-0pub --allocation-id "$ALLOC_0abc"'))).toBe(true);
    expect(r.fix?.cli.at(-1)).toContain('--nat-gateway-id "$NAT_0abc"');
    expect(r.fix?.terraform).toContain('aws_nat_gateway');
  });

  it('uses the explicitly associated route table', () => {
    const r = run((f) => {
      noEndpoints(f);
      val(f.routeTables[VPC])!.push({
        id: 'rtb-0private', vpcId: VPC, main: false, subnetIds: [SUBNET],
        routes: [{ destinationCidr: '0.0.0.0/0', target: { type: 'tgw', id: 'tgw-0abc' }, state: 'active' }],
      });
      route({ type: 'igw', id: 'igw-0abc' })(f);
      agentOffline(f);
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('rtb-0private');
  });
});
