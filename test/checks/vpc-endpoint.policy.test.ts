import { describe, expect, it } from 'vitest';
import { isDefaultPolicy, vpcEndpointPolicy } from '../../checks/vpc-endpoint.policy.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, PROFILE_ARN, ROLE_ARN, VPC, denied, val, world } from '../fixtures/world.js';
import { BUCKET, KEY_ID, all, bucket, endpoint, key, prefs, s3Gateway } from '../fixtures/session-targets.js';

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
    ['Deny on ssmmessages:* (certain)', policy('ssmmessages', DENY_SSMMESSAGES), 'fail', /blocks ssmmessages:CreateControlChannel \(denied by Deny statement "NoSessions"\).*sessions cannot open/],
    ['Allow for another principal only (certain)', policy('ssm', { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:role/other' }, Action: '*', Resource: '*' }] }), 'fail', /blocks ssm:UpdateInstanceInformation \(no statement allows it\).*the agent cannot register/],
    ['a Parameter Store-only policy on the ssm endpoint (certain)', policy('ssm', { Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: '*' }] }), 'fail', /blocks ssm:UpdateInstanceInformation \(no statement allows it\)/],
    ['a certain deny on an endpoint with private DNS off (not in the way now)', (f) => (policy('ssmmessages', DENY_SSMMESSAGES)(f), (ep(f, 'ssmmessages').privateDnsEnabled = false)), 'warn', /does not carry the agent's requests now: private DNS is off/],
    ['a conditional Deny', policy('ssmmessages', { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: 'ssmmessages:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': '111122223333' } } }] }), 'warn', /condition that was not evaluated/],
    ['conditional allow', policy('ssm', { Statement: [{ Sid: 'OrgOnly', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-123' } } }] }), 'warn', /condition that was not evaluated \(Allow statement "OrgOnly"\)/],
    ['unparsable policy', policy('ssm', '{not json'), 'warn', /could not be parsed/],
    ['no endpoints', (f) => (f.endpoints[VPC] = ok([])), 'skip', /no endpoint policy applies/],
    ['endpoints denied', (f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'))), 'error', /ec2:DescribeVpcEndpoints/],
  ])('%s', (_n, edit, status, detail) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });

  it('a certain deny: the fix is the policy without the Deny plus an Allow for the agent role, as pasteable CLI and Terraform', () => {
    const r = run(policy('ssmmessages', DENY_SSMMESSAGES));
    const id = ep(world(), 'ssmmessages').id;
    expect(r.status).toBe('fail');
    expect(r.subject).toBe(id);
    expect(r.detail).toContain('SimulatePrincipalPolicy');
    expect(r.fix!.summary).toContain(`remove the Deny that refuses them (statement "NoSessions" of ${id})`);
    const [set, ...more] = r.fix!.cli;
    const m = new RegExp(`^aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${id} --policy-document '(.*)' --region us-east-1$`).exec(set!);
    expect(m).not.toBeNull();
    const doc = JSON.parse(m![1]!.replace(/'\\''/g, "'"));
    expect(doc.Statement).toEqual([
      { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
      {
        Sid: 'AllowSessionManagerAgent',
        Effect: 'Allow',
        Principal: { AWS: ROLE_ARN },
        Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
        Resource: '*',
      },
    ]);
    // One command, pasteable as is; resetting instead is named in the summary.
    expect(more).toEqual([]);
    expect(r.fix!.summary).toContain('--reset-policy');
    expect(r.fix!.terraform).toMatch(new RegExp(`^resource "aws_vpc_endpoint_policy" "agent_${id.slice('vpce-'.length)}" \\{\n  vpc_endpoint_id = "${id}"\n  policy = jsonencode\\(\\{\n`));
    expect(r.fix!.terraform).toContain(ROLE_ARN);
    expect(r.fix!.terraform).not.toContain('NoSessions');
    expect(r.data?.blocked).toHaveLength(4);
  });

  it('a single quote and a policy variable in the kept statements survive bash and HCL quoting', () => {
    const doc = {
      Statement: [
        { Sid: "it's", Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*' },
      ],
    };
    const r = run(policy('ssm', doc));
    expect(r.status).toBe('fail');
    expect(r.fix!.cli[0]).toContain(`"Sid":"it'\\''s"`);
    expect(r.fix!.terraform).toContain('arn:aws:s3:::b/$${aws:username}/*');
  });

  it('ec2messages: a certain deny fails for an agent older than 3.3.40.0, warns while the version is unknown', () => {
    const deny = { Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }] };
    expect(run((f) => (policy('ec2messages', deny)(f), (val(f.agents[IID])!.agentVersion = '3.2.1000.0'))).status).toBe('fail');
    const unknown = run((f) => (policy('ec2messages', deny)(f), (f.agents[IID] = ok(null))));
    expect(unknown.status).toBe('warn');
    expect(unknown.detail).toContain('the agent version is unknown');
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

  it('still evaluates when the instance profile could not be read (principal unknown): a Deny for everyone is still certain', () => {
    const r = run((f) => (policy('ssmmessages', DENY_SSMMESSAGES)(f), (f.instanceProfiles[PROFILE_ARN] = failed(denied('iam:GetInstanceProfile', 'AccessDenied')))));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('role is unknown');
  });

  it('principal unknown and a Deny naming one principal: it may not be the agent, so only a warning', () => {
    const deny = { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }, { Effect: 'Deny', Principal: { AWS: ROLE_ARN }, Action: 'ssmmessages:*', Resource: '*' }] };
    const r = run((f) => (policy('ssmmessages', deny)(f), (f.instanceProfiles[PROFILE_ARN] = failed(denied('iam:GetInstanceProfile', 'AccessDenied')))));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('depends on the agent role or account, which are unknown');
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

describe('vpc-endpoint.policy: the endpoints the session preferences need (kms, logs, S3)', () => {
  const denyAll = (action: string) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }, { Sid: 'NoThat', Effect: 'Deny', Principal: '*', Action: action, Resource: '*' }] });

  it('fails a kms endpoint whose policy refuses kms:Decrypt of the session key: sessions cannot open, the agent stays registered', () => {
    const r = run(all(prefs({ kmsKeyId: KEY_ID }), key(), endpoint('kms', { policyDocument: denyAll('kms:Decrypt') })));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('blocks kms:Decrypt (denied by Deny statement "NoThat")');
    expect(r.detail).toContain('sessions cannot open');
    expect(r.explains).toEqual(['session.connection']);
    expect(r.fix!.cli[0]).toMatch(/^aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-0kms000000000 --policy-document /);
  });

  it('fails an S3 gateway endpoint on the instance route table that refuses s3:GetEncryptionConfiguration; a refused PutObject alone is a warning', () => {
    const s3 = (action: string) => all(prefs({ s3BucketName: BUCKET }), bucket(), s3Gateway, (f) => (ep(f, 's3').policyDocument = denyAll(action)));
    const validation = run(s3('s3:GetEncryptionConfiguration'));
    expect(validation.status).toBe('fail');
    expect(validation.detail).toContain('blocks s3:GetEncryptionConfiguration');
    expect(run(s3('s3:PutObject')).status).toBe('warn');
  });

  it('passes when those endpoints keep the default policy, and ignores a kms endpoint the preferences do not use', () => {
    expect(run(all(prefs({ kmsKeyId: KEY_ID }), key(), endpoint('kms'))).status).toBe('pass');
    expect(run(endpoint('kms', { policyDocument: denyAll('kms:Decrypt') })).status).toBe('pass');
  });
});
