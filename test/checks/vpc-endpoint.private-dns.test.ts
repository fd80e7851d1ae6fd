import { describe, expect, it } from 'vitest';
import { vpcEndpointPrivateDns } from '../../checks/vpc-endpoint.private-dns.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, VPC, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(vpcEndpointPrivateDns, { facts, id: IID, region: facts.region });
};
const ep = (f: Facts, svc: string) => val(f.endpoints[VPC])!.find((e) => e.serviceName.endsWith(`.${svc}`))!;
const attrs = (enableDnsSupport: boolean, enableDnsHostnames: boolean) => (f: Facts) =>
  (f.vpcDnsAttributes[VPC] = ok({ enableDnsSupport, enableDnsHostnames }));
const natRoute = (f: Facts) =>
  val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' }, state: 'active' });

describe('vpc-endpoint.private-dns', () => {
  it.each<[string, (f: Facts) => void, string, RegExp]>([
    ['all on', () => {}, 'pass', /have private DNS on; vpc-\S+ has DNS support and hostnames on/],
    ['private DNS off on ssmmessages', (f) => (ep(f, 'ssmmessages').privateDnsEnabled = false), 'fail', /private DNS is off on vpce-.* \(ssmmessages\)/i],
    ['DNS hostnames off', attrs(true, false), 'fail', /enableDnsHostnames off/],
    ['DNS support off', attrs(false, true), 'fail', /enableDnsSupport off/],
    ['private DNS off but NAT route', (f) => ((ep(f, 'ssm').privateDnsEnabled = false), natRoute(f)), 'warn', /over NAT gateway nat-0abc.*not used/],
    ['DNS support off even with NAT route', (f) => (attrs(false, true)(f), natRoute(f)), 'fail', /enableDnsSupport off/],
    ['no endpoints', (f) => (f.endpoints[VPC] = ok([])), 'skip', /public endpoint names/],
    ['only deleted endpoints', (f) => val(f.endpoints[VPC])!.forEach((e) => (e.state = 'deleted')), 'skip', /No ssm/],
    ['DNS attributes denied', (f) => (f.vpcDnsAttributes[VPC] = failed(denied('ec2:DescribeVpcAttribute'))), 'error', /ec2:DescribeVpcAttribute/],
    ['endpoints denied', (f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'))), 'error', /ec2:DescribeVpcEndpoints/],
  ])('%s', (_n, edit, status, detail) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
    if (status === 'fail') expect(r.fix?.cli.length).toBeGreaterThan(0);
  });

  it('fix: one attribute per modify-vpc-attribute call, attributes before the endpoint', () => {
    const r = run((f) => (attrs(false, false)(f), (ep(f, 'ssm').privateDnsEnabled = false)));
    const id = ep(world(), 'ssm').id;
    expect(r.fix?.cli).toEqual([
      `aws ec2 modify-vpc-attribute --vpc-id ${VPC} --enable-dns-support Value=true --region us-east-1`,
      `aws ec2 modify-vpc-attribute --vpc-id ${VPC} --enable-dns-hostnames Value=true --region us-east-1`,
      `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${id} --private-dns-enabled --region us-east-1`,
    ]);
    expect(r.fix?.summary).toBe(`Turn on enableDnsSupport and enableDnsHostnames on ${VPC}, then private DNS on ${id}.`);
    expect(r.fix?.terraform).toContain('enable_dns_hostnames = true');
    expect(r.fix?.terraform).toContain('enable_dns_support   = true');
    expect(r.fix?.terraform).toContain('private_dns_enabled = true');
  });
});
