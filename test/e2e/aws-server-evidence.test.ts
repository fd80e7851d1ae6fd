// The local AWS server's KMS, CloudWatch Logs, CloudTrail (awsJson1_1) and S3 (REST-XML) answers, driven by the
// REAL SDK clients (serialisation, parsing, errors, addressing are the SDK's own), and checked against the SDK's
// output schemas.
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import * as cloudtrailSchemas from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import * as logsSchemas from '@aws-sdk/client-cloudwatch-logs';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import * as kmsSchemas from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import * as s3Schemas from '@aws-sdk/client-s3';
import { parseXML } from '@aws-sdk/xml-builder';
import { NormalizedSchema } from '@smithy/core/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, denied, world } from '../fixtures/world.js';
import { BUCKET, GROUP, KEY_ARN, KEY_ID, ROOT_KEY_POLICY, all, bucket, key, logGroup } from '../fixtures/session-targets.js';
import { startAwsServer, type AwsServer } from './aws-server.js';
import { errorOf, unknownFields } from './aws-server/sdk-test.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'token' };
let servers: AwsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const EVENT = { id: 'ev-1', name: 'AssociateIamInstanceProfile', time: '2026-11-29T09:52:00.000Z', by: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', refs: [IID, 'ssm-profile'] };

function richFacts(): Facts {
  return world(
    all(key(), logGroup(KEY_ARN), logGroup(undefined, '/ssm/sessions-old'), bucket({ algorithm: 'aws:kms', kmsKeyId: KEY_ARN }), (f) => {
      f.cloudTrail = { targets: [IID], since: '2026-11-29T09:00:00.000Z', lookups: { AssociateIamInstanceProfile: ok({ events: [EVENT] }) } };
    }),
  );
}

async function start(facts: Facts, pageSize?: number) {
  const server = await startAwsServer({ facts, ...(pageSize ? { pageSize } : {}) });
  servers.push(server);
  const cfg = { endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 };
  return {
    server,
    kms: new KMSClient(cfg),
    logs: new CloudWatchLogsClient(cfg),
    s3: new S3Client(cfg),
    cloudtrail: new CloudTrailClient(cfg),
  };
}

describe('aws-server: KMS, CloudWatch Logs, CloudTrail, S3', () => {
  it('KMS: DescribeKey by the name the preferences use, GetKeyPolicy by ARN, NotFound for anything else', async () => {
    const { kms } = await start(richFacts());
    const d = await kms.send(new DescribeKeyCommand({ KeyId: KEY_ID }));
    expect(d.KeyMetadata).toMatchObject({ KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyManager: 'CUSTOMER' });
    const p = await kms.send(new GetKeyPolicyCommand({ KeyId: KEY_ARN, PolicyName: 'default' }));
    expect(JSON.parse(p.Policy!)).toEqual(ROOT_KEY_POLICY);
    const e = await errorOf(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })));
    expect(e.name).toBe('NotFoundException');
  });

  it('CloudWatch Logs: DescribeLogGroups by prefix, paginated', async () => {
    const { logs } = await start(richFacts(), 1);
    const first = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP, limit: 50 }));
    expect(first.logGroups).toEqual([expect.objectContaining({ logGroupName: GROUP, kmsKeyId: KEY_ARN })]);
    const second = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP, limit: 50, nextToken: first.nextToken }));
    expect(second.logGroups?.map((g) => g.logGroupName)).toEqual(['/ssm/sessions-old']);
    expect(second.nextToken).toBeUndefined();
  });

  it('S3: GetBucketEncryption over path-style addressing (an IP-address endpoint), NoSuchBucket as a 404', async () => {
    const { s3, server } = await start(richFacts());
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
    expect(out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN });
    expect(server.requests.at(-1)).toMatchObject({ service: 's3', action: 'GetBucketEncryption', params: { bucket: BUCKET } });
    const e = await errorOf(s3.send(new GetBucketEncryptionCommand({ Bucket: 'no-such-bucket' })));
    expect(e.name).toBe('NoSuchBucket');
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });

  it('CloudTrail: LookupEvents by event name renders the recorded change, and keeps paging a truncated lookup', async () => {
    const facts = richFacts();
    const { cloudtrail } = await start(facts);
    const out = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssociateIamInstanceProfile' }] }));
    expect(out.Events).toHaveLength(1);
    expect(out.Events![0]).toMatchObject({ EventId: 'ev-1', EventName: 'AssociateIamInstanceProfile', EventTime: new Date(EVENT.time) });
    expect(JSON.parse(out.Events![0]!.CloudTrailEvent!)).toMatchObject({ userIdentity: { arn: EVENT.by }, requestParameters: { refs: EVENT.refs } });
    expect(out.NextToken).toBeUndefined();
    facts.cloudTrail!.lookups.AssociateIamInstanceProfile = ok({ events: [EVENT], truncated: true });
    const t = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssociateIamInstanceProfile' }] }));
    expect(t.NextToken).toBeDefined();
    const e = await errorOf(
      cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [
            { AttributeKey: 'EventName', AttributeValue: 'A' },
            { AttributeKey: 'EventName', AttributeValue: 'B' },
          ],
        }),
      ),
    );
    expect(e.name).toBe('InvalidLookupAttributesException');
  });

  it('a denied fact answers that denial in each protocol (JSON 400, S3 403)', async () => {
    const facts = world(
      all(key({ policy: failed(denied('kms:GetKeyPolicy', 'AccessDeniedException')) }), (f) => {
        f.buckets = { [BUCKET]: failed(denied('s3:GetEncryptionConfiguration', 'AccessDenied')) };
        f.cloudTrail = { targets: [IID], since: '2026-11-29T09:00:00.000Z', lookups: { PutRolePolicy: failed(denied('cloudtrail:LookupEvents', 'AccessDeniedException')) } };
      }),
    );
    const { kms, s3, cloudtrail } = await start(facts);
    const k = await errorOf(kms.send(new GetKeyPolicyCommand({ KeyId: KEY_ARN })));
    expect([k.name, k.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 400]);
    const b = await errorOf(s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })));
    expect([b.name, b.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    const c = await errorOf(cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PutRolePolicy' }] })));
    expect(c.name).toBe('AccessDeniedException');
  });

  it('every field of every answer is in the SDK output schema', async () => {
    const { kms, logs, s3, cloudtrail, server } = await start(richFacts());
    await kms.send(new DescribeKeyCommand({ KeyId: KEY_ID }));
    await kms.send(new GetKeyPolicyCommand({ KeyId: KEY_ARN }));
    await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }));
    await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
    await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssociateIamInstanceProfile' }] }));
    const schemas: Record<string, Record<string, unknown>> = { kms: kmsSchemas, logs: logsSchemas, s3: s3Schemas, cloudtrail: cloudtrailSchemas };
    const targets: Record<string, string> = { kms: 'TrentService', logs: 'Logs_20140328', cloudtrail: 'CloudTrail_20131101' };
    const problems: string[] = [];
    for (const r of [...server.requests]) {
      const s3Call = r.service === 's3';
      const res = s3Call
        ? await fetch(`${server.url}/${BUCKET}?encryption`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/s3/aws4_request' } })
        : await fetch(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${targets[r.service]}.${r.action}` },
            body: JSON.stringify(r.params),
          });
      expect(res.status, r.action).toBe(200);
      const text = await res.text();
      const op = schemas[r.service]![`${r.action}$`] as unknown[];
      const output = NormalizedSchema.of(op[5] as Parameters<typeof NormalizedSchema.of>[0]);
      if (s3Call) {
        const root = parseXML(text) as Record<string, unknown>;
        // GetBucketEncryption's output is the ServerSideEncryptionConfiguration payload itself.
        const payload = NormalizedSchema.of(output.getMemberSchema('ServerSideEncryptionConfiguration'));
        unknownFields(root.ServerSideEncryptionConfiguration, payload, r.action, true, problems);
      } else unknownFields(JSON.parse(text), output, r.action, false, problems);
    }
    expect(problems).toEqual([]);
    expect(server.requests.length).toBe(5 * 2);
  });
});
