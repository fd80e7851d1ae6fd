// collect() over HTTP for the reads only some runs need: the session preferences' key, log group and bucket
// (KMS and CloudWatch Logs over awsJson1_1, S3 over REST-XML) and CloudTrail's late-fix lookups. The local AWS
// server renders its answers from the facts, so collecting must give those facts back.
import { describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import { collect } from '../../src/collect/index.js';
import { createRateLimiter } from '../../src/collect/rate-limit.js';
import { ok, type Facts } from '../../src/facts/facts.js';
import { LATE_FIX_EVENTS } from '../../src/facts/late-fix.js';
import { lateFixCandidates } from '../../src/diagnose/offline.js';
import { useAwsServer } from '../fixtures/aws-env.js';
import { BUCKET, GROUP, KEY_ARN, KEY_ID, all, bucket, callerSim, cloudTrail, key, logGroup, prefs, sim } from '../fixtures/session-targets.js';
import { IID, world } from '../fixtures/world.js';
import { CLOUDWATCH_LOG_ACTIONS } from '../../src/facts/requirements.js';

const aws = useAwsServer();
const noWait = () => createRateLimiter({ perSecond: 1000, burst: 1000 });

async function collectOver(from: Facts, lateFix = false): Promise<Facts> {
  await aws.serve({ facts: from });
  return collect({
    region: from.region,
    targets: from.targets,
    timeoutMs: 3000,
    maxAttempts: 2,
    cloudTrailRate: noWait(),
    ...(lateFix ? { lateFixTargets: (f: Facts) => lateFixCandidates(f, allChecks) } : {}),
  });
}

describe('collect over HTTP: session targets and late fixes', () => {
  it('gives back the key and its policy, the log group and the bucket encryption it was served', async () => {
    const from = world(
      all(
        prefs({ kmsKeyId: KEY_ID, cloudWatchLogGroupName: GROUP, cloudWatchEncryptionEnabled: true, s3BucketName: BUCKET, s3EncryptionEnabled: true }),
        key(),
        logGroup(KEY_ARN),
        bucket({ algorithm: 'aws:kms', kmsKeyId: KEY_ARN }),
        sim(['kms:Decrypt'], KEY_ARN),
        callerSim(['kms:GenerateDataKey'], KEY_ARN),
        sim(CLOUDWATCH_LOG_ACTIONS, `arn:aws:logs:us-east-1:111122223333:log-group:${GROUP}:*`),
      ),
    );
    const facts = await collectOver(from);
    expect(facts.kmsKeys).toEqual(from.kmsKeys);
    expect(facts.logGroups).toEqual(from.logGroups);
    expect(facts.buckets).toEqual(from.buckets);
    expect(facts.cloudTrail).toBeUndefined();
    const s3 = aws.server.requests.filter((r) => r.service === 's3');
    expect(s3.map((r) => r.action)).toEqual(['GetBucketEncryption']);
  });

  it('a missing bucket and key come back as null, a deleted log group as null', async () => {
    const from = world(all(prefs({ kmsKeyId: KEY_ID, cloudWatchLogGroupName: GROUP, s3BucketName: BUCKET }), bucket(null), (f) => {
      f.kmsKeys = { [KEY_ID]: ok(null) };
      f.logGroups = { [GROUP]: ok(null) };
    }));
    const facts = await collectOver(from);
    expect(facts.kmsKeys).toEqual({ [KEY_ID]: ok(null) });
    expect(facts.logGroups).toEqual({ [GROUP]: ok(null) });
    expect(facts.buckets).toEqual({ [BUCKET]: ok(null) });
  });

  it('gives back the CloudTrail lookups and the DHMC date of an offline agent whose configuration passes', async () => {
    const event = { id: 'ev-1', name: 'AssociateIamInstanceProfile', time: '2026-11-29T09:52:00.000Z', by: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', refs: [IID, 'ssm-profile'] };
    const from = world(
      all(
        (f) => {
          f.agents[IID] = ok(null);
          f.connections[IID] = ok('notconnected');
          f.dhmc = ok({ roleName: null, settingId: '/ssm/managed-instance/default-ec2-instance-management-role', lastModifiedDate: '2026-11-20T08:00:00.000Z' });
        },
        cloudTrail([IID], '2026-11-29T09:00:00.000Z', { AssociateIamInstanceProfile: [event] }, Object.keys(LATE_FIX_EVENTS)),
      ),
    );
    const facts = await collectOver(from, true);
    expect(facts.cloudTrail).toEqual(from.cloudTrail);
    expect(facts.dhmc).toEqual(from.dhmc);
    expect(aws.server.requests.filter((r) => r.service === 'cloudtrail')).toHaveLength(Object.keys(LATE_FIX_EVENTS).length);
  });
});
