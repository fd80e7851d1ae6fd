import { describe, expect, it } from 'vitest';
import { vpcEndpointSsmmessages } from '../../checks/vpc-endpoint.ssmmessages.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, VPC, agentOffline, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(vpcEndpointSsmmessages, { facts, id: IID, region: facts.region });
};
const ep = (f: Facts) => val(f.endpoints[VPC])!.find((e) => e.serviceName.endsWith('.ssmmessages'))!;
const drop = (f: Facts) => (f.endpoints[VPC] = ok(val(f.endpoints[VPC])!.filter((e) => e !== ep(f))));

describe('vpc-endpoint.ssmmessages', () => {
  it.each<[string, (f: Facts) => void, string]>([
    ['available', () => {}, 'pass'],
    ['pending', (f) => (ep(f).state = 'pending'), 'warn'],
    ['deleted', (f) => (ep(f).state = 'deleted'), 'fail'],
    ['missing, no route', drop, 'fail'],
    ['missing, NAT route', (f) => {
      drop(f);
      val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' }, state: 'active' });
    }, 'skip'],
    ['missing, peering route', (f) => {
      drop(f);
      val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'pcx', id: 'pcx-0abc' }, state: 'active' });
      agentOffline(f);
    }, 'warn'],
    ['missing, peering route, Session Manager reports the agent connected: proven', (f) => {
      drop(f);
      val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'pcx', id: 'pcx-0abc' }, state: 'active' });
    }, 'skip'],
    ['endpoints denied', (f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'))), 'error'],
  ])('%s', (_n, edit, status) => {
    expect(run(edit).status).toBe(status);
  });

  it('fix names the ssmmessages service', () => {
    const r = run(drop);
    expect(r.fix?.cli.at(-1)).toContain('--service-name com.amazonaws.us-east-1.ssmmessages');
    expect(r.fix?.terraform).toContain('resource "aws_vpc_endpoint" "ssmmessages_0a1b2c3d4e5f60718"');
  });
});
