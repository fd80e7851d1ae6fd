// The reads only some runs need: the resources the session preferences name (KMS key and its policy, log group,
// bucket encryption), the DHMC setting's date, and CloudTrail's late-fix lookups.
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, GetDocumentCommand, GetServiceSettingCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { collect, type AwsClients } from '../../src/collect/index.js';
import { changeEvent } from '../../src/collect/cloudtrail.js';
import { createRateLimiter } from '../../src/collect/rate-limit.js';
import { LATE_FIX_EVENTS } from '../../src/facts/late-fix.js';
import { ACCOUNT, IID, REGION, ROLE_ARN, SG_EC2, awsError, healthyAws, inputsOf, sdkInstance } from './fake-aws.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const ROOT_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };

function withEvidence(prefs: Record<string, unknown> | null, instances = [sdkInstance()]) {
  const { clients, mocks } = healthyAws(instances);
  const raw = {
    kms: new KMSClient({ region: REGION }),
    logs: new CloudWatchLogsClient({ region: REGION }),
    s3: new S3Client({ region: REGION }),
    cloudtrail: new CloudTrailClient({ region: REGION }),
  };
  const more = { kms: mockClient(raw.kms), logs: mockClient(raw.logs), s3: mockClient(raw.s3), cloudtrail: mockClient(raw.cloudtrail) };
  if (prefs) {
    mocks.ssm.on(GetDocumentCommand).resolves({ Name: 'SSM-SessionManagerRunShell', Content: JSON.stringify({ schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: prefs }) });
  }
  more.kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyManager: 'CUSTOMER', Enabled: true },
  });
  more.kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(ROOT_POLICY), PolicyName: 'default' });
  more.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/ssm/sessions', arn: 'arn:aws:logs:us-east-1:111122223333:log-group:/ssm/sessions:*', kmsKeyId: KEY_ARN }] });
  more.s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] } });
  more.cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
  return { clients: { ...clients, ...raw } as AwsClients, mocks, more };
}

/** Rate limit without real waiting: records the waits it would have made. */
function fakeRate() {
  const waits: number[] = [];
  let clock = 0;
  const rate = createRateLimiter({ perSecond: 2, now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)) });
  return { rate, waits };
}

describe('collect: the session preferences targets', () => {
  it('sends nothing more when the preferences name no target', async () => {
    const { clients, more } = withEvidence(null);
    const facts = await collect({ region: REGION, targets: [IID], clients });
    for (const m of Object.values(more)) expect(m.calls()).toHaveLength(0);
    expect(facts.kmsKeys).toBeUndefined();
    expect(facts.logGroups).toBeUndefined();
    expect(facts.buckets).toBeUndefined();
  });

  it('reads the log group, the bucket encryption, the key and its policy, and simulates on the resolved key ARN', async () => {
    const { clients, mocks, more } = withEvidence({ kmsKeyId: 'alias/ssm', cloudWatchLogGroupName: '/ssm/sessions', cloudWatchEncryptionEnabled: true, s3BucketName: 'logs-bucket', s3EncryptionEnabled: true });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.kmsKeys).toEqual({
      'alias/ssm': { ok: true, value: { keyId: KEY_ID, arn: KEY_ARN, state: 'Enabled', spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', manager: 'CUSTOMER', policy: { ok: true, value: ROOT_POLICY } } },
    });
    expect(facts.logGroups).toEqual({ '/ssm/sessions': { ok: true, value: { name: '/ssm/sessions', arn: 'arn:aws:logs:us-east-1:111122223333:log-group:/ssm/sessions:*', kmsKeyId: KEY_ARN } } });
    expect(facts.buckets).toEqual({ 'logs-bucket': { ok: true, value: { algorithm: 'AES256', bucketKeyEnabled: false } } });
    expect(inputsOf(more.kms, DescribeKeyCommand)).toEqual([{ KeyId: 'alias/ssm' }]);
    expect(inputsOf(more.kms, GetKeyPolicyCommand)).toEqual([{ KeyId: KEY_ARN, PolicyName: 'default' }]);
    expect(inputsOf(more.logs, DescribeLogGroupsCommand)).toEqual([{ logGroupNamePrefix: '/ssm/sessions', limit: 50 }]);
    expect(inputsOf(more.s3, GetBucketEncryptionCommand)).toEqual([{ Bucket: 'logs-bucket' }]);
    // kms:Decrypt (agent) and kms:GenerateDataKey (caller) are simulated on the key ARN, not the alias.
    const sims = inputsOf<{ ActionNames: string[]; ResourceArns: string[] }>(mocks.iam, SimulatePrincipalPolicyCommand);
    expect(sims.filter((s) => s.ActionNames[0]!.startsWith('kms:')).map((s) => `${s.ActionNames.join()} ${s.ResourceArns.join()}`).sort()).toEqual([
      `kms:Decrypt ${KEY_ARN}`,
      `kms:GenerateDataKey ${KEY_ARN}`,
    ]);
  });

  it('records a missing key, group or bucket as a finding (null), and a refused read as an error with its IAM action', async () => {
    const { clients, more } = withEvidence({ kmsKeyId: KEY_ID, cloudWatchLogGroupName: '/ssm/sessions', s3BucketName: 'gone' });
    more.kms.on(DescribeKeyCommand).rejects(awsError('NotFoundException', 'Key not found'));
    more.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/ssm/sessions-old' }] });
    more.s3.on(GetBucketEncryptionCommand).rejects(awsError('NoSuchBucket', 'The specified bucket does not exist'));
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.kmsKeys).toEqual({ [KEY_ID]: { ok: true, value: null } });
    expect(facts.logGroups).toEqual({ '/ssm/sessions': { ok: true, value: null } });
    expect(facts.buckets).toEqual({ gone: { ok: true, value: null } });
    expect(more.kms.commandCalls(GetKeyPolicyCommand)).toHaveLength(0);

    const denied = withEvidence({ s3BucketName: 'theirs', kmsKeyId: KEY_ID });
    denied.more.s3.on(GetBucketEncryptionCommand).rejects(awsError('AccessDenied', 'Access Denied'));
    denied.more.kms.on(GetKeyPolicyCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    const f2 = await collect({ region: REGION, targets: [IID], clients: denied.clients, maxAttempts: 1 });
    expect(f2.buckets!.theirs).toMatchObject({ ok: false, error: { api: 's3:GetEncryptionConfiguration', code: 'AccessDenied', kind: 'denied' } });
    expect(f2.kmsKeys![KEY_ID]).toMatchObject({ ok: true, value: { policy: { ok: false, error: { api: 'kms:GetKeyPolicy', kind: 'denied' } } } });
  });

  it('reads no key policy of another account (only its owner may), and an empty encryption rule as no default encryption', async () => {
    const foreign = `arn:aws:kms:${REGION}:999988887777:key/${KEY_ID}`;
    const { clients, more } = withEvidence({ kmsKeyId: foreign, s3BucketName: 'old' });
    more.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, Arn: foreign, KeyState: 'Enabled' } });
    more.s3.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError'));
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(more.kms.commandCalls(GetKeyPolicyCommand)).toHaveLength(0);
    expect(facts.kmsKeys![foreign]).toEqual({ ok: true, value: { keyId: KEY_ID, arn: foreign, state: 'Enabled' } });
    expect(facts.buckets!.old).toEqual({ ok: true, value: {} });
  });

  it('records when the DHMC setting was last changed', async () => {
    const { clients, mocks } = withEvidence(null);
    mocks.ssm.on(GetServiceSettingCommand).resolves({
      ServiceSetting: { SettingId: '/ssm/managed-instance/default-ec2-instance-management-role', SettingValue: 'service-role/dhmc', LastModifiedDate: new Date('2026-11-29T09:40:00Z') },
    });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.dhmc).toMatchObject({ ok: true, value: { roleName: 'dhmc', lastModifiedDate: '2026-11-29T09:40:00.000Z' } });
  });
});

describe('collect: CloudTrail lookups for late fixes', () => {
  const offline = (mocks: ReturnType<typeof withEvidence>['mocks']) =>
    mocks.ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });

  it('makes no lookup without lateFixTargets, or when it picks no target', async () => {
    const { clients, mocks, more } = withEvidence(null);
    offline(mocks);
    await collect({ region: REGION, targets: [IID], clients });
    await collect({ region: REGION, targets: [IID], clients, lateFixTargets: () => [] });
    expect(more.cloudtrail.calls()).toHaveLength(0);
  });

  it('looks up each relevant event name once since the launch, rate limited, keeping the changes that concern the target', async () => {
    const { clients, mocks, more } = withEvidence(null);
    offline(mocks);
    const event = (name: string, detail: Record<string, unknown>, time = '2026-11-29T09:52:00Z') => ({
      EventId: `${name}-1`,
      EventName: name,
      EventTime: new Date(time),
      CloudTrailEvent: JSON.stringify({ eventName: name, userIdentity: { arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice' }, ...detail }),
    });
    more.cloudtrail.on(LookupEventsCommand).callsFake(async (input: { LookupAttributes: { AttributeValue: string }[] }) => {
      switch (input.LookupAttributes[0]!.AttributeValue) {
        case 'AssociateIamInstanceProfile':
          return { Events: [event('AssociateIamInstanceProfile', { requestParameters: { AssociateIamInstanceProfileRequest: { InstanceId: IID, IamInstanceProfile: { Name: 'ssm-profile' } } } })] };
        case 'AuthorizeSecurityGroupEgress':
          return {
            Events: [
              event('AuthorizeSecurityGroupEgress', { requestParameters: { groupId: 'sg-0someoneelse00000' } }),
              event('AuthorizeSecurityGroupEgress', { errorCode: 'Client.InvalidPermission.Duplicate', requestParameters: { groupId: SG_EC2 } }),
              event('AuthorizeSecurityGroupEgress', { requestParameters: { groupId: SG_EC2, ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 443 }] } } }, '2026-11-29T09:40:00Z'),
            ],
          };
        default:
          return { Events: [] };
      }
    });
    const { rate, waits } = fakeRate();
    const picked: string[][] = [];
    const facts = await collect({
      region: REGION,
      targets: [IID],
      clients,
      cloudTrailRate: rate,
      lateFixTargets: (f) => {
        picked.push(Object.keys(f.simulations));
        return [IID];
      },
    });
    // Called once, after the simulations (round 3) are in.
    expect(picked).toHaveLength(1);
    expect(picked[0]).toContain(ROLE_ARN);
    const lookups = inputsOf<{ LookupAttributes: { AttributeKey: string; AttributeValue: string }[]; StartTime: Date; EndTime: Date; MaxResults: number }>(more.cloudtrail, LookupEventsCommand);
    const names = lookups.map((l) => l.LookupAttributes[0]!.AttributeValue).sort();
    expect(names).toEqual(Object.keys(LATE_FIX_EVENTS).sort());
    for (const l of lookups) {
      expect(l.LookupAttributes).toHaveLength(1);
      expect(l.LookupAttributes[0]!.AttributeKey).toBe('EventName');
      expect(l.StartTime.toISOString()).toBe('2026-11-29T09:00:00.000Z'); // the launch: the agent never registered
      expect(l.MaxResults).toBe(50);
    }
    // 2 at once, then one every 500 ms.
    expect(waits.length).toBe(names.length - 2);
    expect(facts.cloudTrail!.targets).toEqual([IID]);
    expect(facts.cloudTrail!.since).toBe('2026-11-29T09:00:00.000Z');
    expect(facts.cloudTrail!.lookups.AssociateIamInstanceProfile).toEqual({
      ok: true,
      value: { events: [{ id: 'AssociateIamInstanceProfile-1', name: 'AssociateIamInstanceProfile', time: '2026-11-29T09:52:00.000Z', by: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', refs: [IID, 'ssm-profile'] }] },
    });
    expect(facts.cloudTrail!.lookups.AuthorizeSecurityGroupEgress).toEqual({
      ok: true,
      value: { events: [expect.objectContaining({ time: '2026-11-29T09:40:00.000Z', refs: [SG_EC2] })] },
    });
  });

  it('stops at the page cap (truncated) and records a refused lookup per event name', async () => {
    const { clients, mocks, more } = withEvidence(null);
    offline(mocks);
    more.cloudtrail.on(LookupEventsCommand).callsFake(async (input: { LookupAttributes: { AttributeValue: string }[]; NextToken?: string }) => {
      if (input.LookupAttributes[0]!.AttributeValue === 'PutRolePolicy') throw awsError('AccessDeniedException', 'not authorized');
      return { Events: [], NextToken: `t${Number((input.NextToken ?? 't0').slice(1)) + 1}` };
    });
    const facts = await collect({ region: REGION, targets: [IID], clients, maxAttempts: 1, cloudTrailRate: fakeRate().rate, lateFixTargets: () => [IID] });
    expect(facts.cloudTrail!.lookups.PutRolePolicy).toMatchObject({ ok: false, error: { api: 'cloudtrail:LookupEvents', kind: 'denied' } });
    expect(facts.cloudTrail!.lookups.AttachRolePolicy).toEqual({ ok: true, value: { events: [], truncated: true } });
    const attach = inputsOf<{ LookupAttributes: { AttributeValue: string }[] }>(more.cloudtrail, LookupEventsCommand).filter((l) => l.LookupAttributes[0]!.AttributeValue === 'AttachRolePolicy');
    expect(attach).toHaveLength(3);
  });

  it('changeEvent keeps only what mentions the subjects, from request, response and resources', () => {
    const subjects = new Set([IID, 'vpce-0abc']);
    expect(changeEvent({ EventName: 'CreateVpcEndpoint', EventTime: new Date(0), CloudTrailEvent: JSON.stringify({ responseElements: { CreateVpcEndpointResponse: { vpcEndpoint: { vpcEndpointId: 'vpce-0abc' } } } }) }, subjects)?.refs).toEqual(['vpce-0abc']);
    expect(changeEvent({ EventName: 'X', EventTime: new Date(0), Resources: [{ ResourceName: IID }] }, subjects)?.refs).toEqual([IID]);
    expect(changeEvent({ EventName: 'X', EventTime: new Date(0), CloudTrailEvent: '{not json' }, subjects)).toBeUndefined();
  });
});
