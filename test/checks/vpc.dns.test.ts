import { describe, expect, it } from 'vitest';
import { basePlusTwo, vpcDns } from '../../checks/vpc.dns.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, VPC, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(vpcDns, { facts, id: IID, region: facts.region });
};
const servers = (...s: string[]) => (f: Facts) => (f.dhcpOptions['dopt-0abc'] = ok({ id: 'dopt-0abc', domainNameServers: s }));

describe('vpc.dns', () => {
  it.each<[string, (f: Facts) => void, string, RegExp]>([
    ['AmazonProvidedDNS', () => {}, 'pass', /AmazonProvidedDNS first/],
    ['default DHCP options', (f) => (val(f.vpcs[VPC])!.dhcpOptionsId = 'default'), 'pass', /default DHCP options: AmazonProvidedDNS \(10\.0\.0\.2\)/],
    ['no DHCP options', (f) => delete val(f.vpcs[VPC])!.dhcpOptionsId, 'pass', /AmazonProvidedDNS/],
    ['VPC resolver by IP', servers('10.0.0.2', '192.168.1.10'), 'pass', /10\.0\.0\.2 first \(then 192\.168\.1\.10/],
    ['custom DNS only', servers('192.168.1.10', '192.168.1.11'), 'warn', /only custom DNS servers: 192\.168\.1\.10, 192\.168\.1\.11.*conditional forwarder for amazonaws\.com.*to 10\.0\.0\.2/],
    ['custom DNS first', servers('192.168.1.10', 'AmazonProvidedDNS'), 'warn', /custom DNS servers first/],
    ['no DNS servers', servers(), 'warn', /no DNS servers/],
    ['custom DNS, no endpoints', (f) => (servers('192.168.1.10')(f), (f.endpoints[VPC] = ok([]))), 'skip', /No ssm\/ssmmessages\/ec2messages interface endpoints/],
    ['DHCP options denied', (f) => (f.dhcpOptions['dopt-0abc'] = failed(denied('ec2:DescribeDhcpOptions'))), 'error', /ec2:DescribeDhcpOptions/],
    ['VPC denied', (f) => (f.vpcs[VPC] = failed(denied('ec2:DescribeVpcs'))), 'error', /ec2:DescribeVpcs/],
  ])('%s', (_n, edit, status, detail) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });

  it('says what to check from the instance, with the ssm endpoint IP', () => {
    const r = run(servers('192.168.1.10'));
    expect(r.detail).toContain('dig +short ssm.us-east-1.amazonaws.com');
    expect(r.detail).toContain('10.0.2.14');
    expect(r.fix?.cli[1]).toContain(`--vpc-id ${VPC}`);
    expect(r.fix?.terraform).toContain('AmazonProvidedDNS');
  });

  it.each([
    ['10.0.0.0/16', '10.0.0.2'],
    ['172.31.16.0/20', '172.31.16.2'],
    ['10.1.2.3/8', '10.0.0.2'],
    ['192.168.0.0/24', '192.168.0.2'],
    ['nonsense', undefined],
  ])('basePlusTwo(%s) = %s', (cidr, ip) => {
    expect(basePlusTwo(cidr)).toBe(ip);
  });
});
