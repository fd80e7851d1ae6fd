import { describe, expect, it } from 'vitest';
import { isDefaultPolicy, vpcEndpointPolicy } from '../../checks/vpc-endpoint.policy.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, PROFILE_ARN, ROLE_ARN, VPC, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(vpcEndpointPolicy, { facts, id: IID, region: facts.region });
};
const ep = (f: Facts, svc: string) => val(f.endpoints[VPC])!.find((e) => e.serviceName.endsWith(`.${svc}`))!;
const policy = (svc: string, doc: unknown) => (f: Facts) => (ep(f, svc).policyDocument = typeof doc === 'string' ? doc : JSON.stringify(doc));
const FULL = { Version: '2008-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };
const DENY_SSMMESSAGES = {
  Statement: [
    { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
    { Sid: 'NoSessions', Effect: 'Deny', Principal: '*', Action: 'ssmmessages:*', Resource: '*' },
  ],
};

describe('vpc-endpoint.policy', () => {
  it.each<[string, (f: Facts) => void, string, RegExp]>([
    ['no policies (default)', () => {}, 'pass', /default full-access/],
    ['explicit default policy', policy('ssm', FULL), 'pass', /default full-access/],
    ['custom policy allowing the role', policy('ssm', { Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'ssm:*', Resource: '*' }] }), 'pass', /allow the agent role/],
    ['Deny on ssmmessages:*', policy('ssmmessages', DENY_SSMMESSAGES), 'warn', /blocks ssmmessages:CreateControlChannel \(denied by Deny statement "NoSessions"\)/],
    ['Allow for another principal only', policy('ssm', { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:role/other' }, Action: '*', Resource: '*' }] }), 'warn', /blocks ssm:UpdateInstanceInformation \(no statement allows it\)/],
    ['conditional allow', policy('ssm', { Statement: [{ Sid: 'OrgOnly', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-123' } } }] }), 'warn', /condition that was not evaluated \(Allow statement "OrgOnly"\)/],
    ['unparsable policy', policy('ssm', '{not json'), 'warn', /could not be parsed/],
    ['no endpoints', (f) => (f.endpoints[VPC] = ok([])), 'skip', /no endpoint policy applies/],
    ['endpoints denied', (f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'))), 'error', /ec2:DescribeVpcEndpoints/],
  ])('%s', (_n, edit, status, detail) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });

  it('mentions that SimulatePrincipalPolicy cannot see endpoint policies, and fixes by resetting the policy', () => {
    const r = run(policy('ssmmessages', DENY_SSMMESSAGES));
    expect(r.detail).toContain('SimulatePrincipalPolicy');
    expect(r.fix?.cli).toEqual([`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${ep(world(), 'ssmmessages').id} --reset-policy --region us-east-1`]);
    expect(r.fix?.terraform).toContain(ROLE_ARN);
    expect(r.data?.blocked).toHaveLength(4);
  });

  it('only evaluates the actions that go through each endpoint', () => {
    // A policy on the ssm endpoint that only allows ssm:* does not block the ssmmessages actions.
    const r = run(policy('ssm', { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ssm:UpdateInstanceInformation', Resource: '*' }] }));
    expect(r.status).toBe('pass');
  });

  it('ignores a restrictive ec2messages policy when the agent does not use ec2messages', () => {
    const deny = { Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }] };
    expect(run(policy('ec2messages', deny)).status).toBe('pass');
    expect(run((f) => (policy('ec2messages', deny)(f), (f.agents[IID] = ok(null)))).status).toBe('warn');
  });

  it('still evaluates when the instance profile could not be read (principal unknown)', () => {
    const r = run((f) => (policy('ssmmessages', DENY_SSMMESSAGES)(f), (f.instanceProfiles[PROFILE_ARN] = failed(denied('iam:GetInstanceProfile', 'AccessDenied')))));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('role is unknown');
  });

  it.each([
    [undefined, true],
    ['', true],
    [JSON.stringify(FULL), true],
    [JSON.stringify({ Statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['*'], Resource: '*' } }), true],
    [JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] }), false],
    [JSON.stringify(DENY_SSMMESSAGES), false],
  ])('isDefaultPolicy(%s) = %s', (text, expected) => {
    expect(isDefaultPolicy(text)).toBe(expected);
  });
});
