import { describe, expect, it } from 'vitest';
import { vpcEndpointEc2messages } from '../../checks/vpc-endpoint.ec2messages.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, VPC, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(vpcEndpointEc2messages, { facts, id: IID, region: facts.region });
};
const ep = (f: Facts) => val(f.endpoints[VPC])!.find((e) => e.serviceName.endsWith('.ec2messages'))!;
const drop = (f: Facts) => (f.endpoints[VPC] = ok(val(f.endpoints[VPC])!.filter((e) => e !== ep(f))));
const agent = (v: string | undefined) => (f: Facts) => (val(f.agents[IID])!.agentVersion = v);

describe('vpc-endpoint.ec2messages', () => {
  it.each<[string, (f: Facts) => void, string, RegExp]>([
    ['available', () => {}, 'pass', /is available/],
    ['missing, new agent: not needed', (f) => (drop(f), agent('3.3.1142.0')(f)), 'skip', /uses ssmmessages instead: Session Manager does not need/],
    ['missing, agent exactly 3.3.40.0', (f) => (drop(f), agent('3.3.40.0')(f)), 'skip', /uses ssmmessages instead/],
    ['missing, old agent', (f) => (drop(f), agent('3.2.2303.0')(f)), 'fail', /older than 3\.3\.40\.0/],
    ['missing, agent not registered', (f) => (drop(f), (f.agents[IID] = ok(null))), 'warn', /version is unknown.*>= 3\.3\.40\.0 do not need/],
    ['missing, agent info denied', (f) => (drop(f), (f.agents[IID] = failed(denied('ssm:DescribeInstanceInformation')))), 'warn', /unknown/],
    ['failed endpoint, new agent', (f) => (ep(f).state = 'failed'), 'skip', /does not need .* \(vpce-\w+ is failed\)/],
    ['failed endpoint, old agent', (f) => ((ep(f).state = 'failed'), agent('3.1.0.0')(f)), 'fail', /is failed/],
    ['missing, tgw route, old agent', (f) => {
      drop(f);
      agent('3.2.2303.0')(f);
      val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'tgw', id: 'tgw-0abc' }, state: 'active' });
    }, 'warn', /tgw-0abc/],
  ])('%s', (_n, edit, status, detail) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });

  it('the transit-gateway example: a newer agent gets neither a warning that ec2messages is missing nor a fix creating it', () => {
    const r = run((f) => {
      drop(f);
      agent('3.3.1142.0')(f);
      val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'tgw', id: 'tgw-0abc' }, state: 'active' });
    });
    expect(r.status).toBe('skip');
    expect(r.fix).toBeUndefined();
    expect(r.detail).not.toContain('create');
  });

  it('errors when the endpoints could not be read', () => {
    const r = run((f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ec2:DescribeVpcEndpoints');
  });
});
