// The session logging targets as the agent validates them before each session (amazon-ssm-agent, shell plugin):
// - CloudWatch: it looks the log group up with logs:DescribeLogGroups; a group it cannot find (missing, or the
//   role may not describe it) gets no logs, and with cloudWatchEncryptionEnabled counts as "not encrypted": the
//   session is refused unless the group has a KMS key.
// - S3: with s3EncryptionEnabled it reads the bucket's default encryption (s3:GetBucketEncryption): a missing
//   bucket, a refused read or an algorithm other than AES256 / aws:kms refuses the session; without it the logs
//   are uploaded at the end of the session (lost when the bucket is missing, or the SSE-KMS key unusable).
import { need, type TargetContext } from '../check/kit.js';
import type { Finding } from '../check/findings.js';
import type { SessionPreferences } from '../facts/facts.js';
import { bucketFact, logGroupFact, resolvedTargets } from '../facts/session-targets.js';
import { bucketEncryptionFix, createBucketFix, createLogGroupFix, encryptLogGroupFix } from '../fix/session-logging.js';

const REFUSED = 'the agent refuses to start every session';

/** The log group exists, and has a KMS key when the preferences require encryption. */
export function logGroupFinding(ctx: TargetContext, prefs: SessionPreferences & { cloudWatchLogGroupName: string }, account: string): Finding {
  const name = prefs.cloudWatchLogGroupName;
  const encrypted = prefs.cloudWatchEncryptionEnabled === true;
  const group = need(logGroupFact(ctx.facts, name), `log group ${name} (logs:DescribeLogGroups)`);
  const subject = `log-group:${name}`;
  if (group === null) {
    return {
      status: 'fail',
      subject,
      text: encrypted
        ? `Log group ${name} does not exist in ${ctx.region} and the preferences require encrypted CloudWatch logging: ${REFUSED} ("encryption is not set up on the selected CloudWatch Logs log group").`
        : `Log group ${name} does not exist in ${ctx.region}: sessions start but are not logged to CloudWatch.`,
      fix: createLogGroupFix(ctx.region, account, name, encrypted),
    };
  }
  if (encrypted && !group.kmsKeyId) {
    return {
      status: 'fail',
      subject,
      text: `Log group ${name} is not encrypted with a KMS key and the preferences require encrypted CloudWatch logging (cloudWatchEncryptionEnabled): ${REFUSED}.`,
      fix: encryptLogGroupFix(ctx.region, account, name),
    };
  }
  return {
    status: 'pass',
    text: `Log group ${name} exists${group.kmsKeyId ? `, encrypted with ${group.kmsKeyId}` : encrypted ? '' : ' (encryption not required)'}.`,
  };
}

/** The bucket exists, and its default encryption is one the agent accepts when the preferences require it. */
export function bucketFinding(ctx: TargetContext, prefs: SessionPreferences & { s3BucketName: string }): Finding {
  const bucket = prefs.s3BucketName;
  const required = prefs.s3EncryptionEnabled === true;
  const enc = need(bucketFact(ctx.facts, bucket), `the default encryption of bucket ${bucket} (s3:GetBucketEncryption)`);
  const subject = `s3://${bucket}`;
  if (enc === null) {
    return {
      status: 'fail',
      subject,
      text: required
        ? `Bucket ${bucket} does not exist (NoSuchBucket) and the preferences require an encrypted bucket: ${REFUSED}.`
        : `Bucket ${bucket} does not exist (NoSuchBucket): sessions start but their logs are lost when the agent uploads them at the end.`,
      fix: createBucketFix(ctx.region, bucket),
    };
  }
  const algorithm = enc.algorithm;
  if (required && algorithm !== 'AES256' && algorithm !== 'aws:kms') {
    return {
      status: 'fail',
      subject,
      text: algorithm
        ? `Bucket ${bucket} is encrypted with ${algorithm}, which the agent does not count as encrypted (only AES256 and aws:kms): ${REFUSED}.`
        : `Bucket ${bucket} has no default encryption and the preferences require it (s3EncryptionEnabled): ${REFUSED}.`,
      fix: bucketEncryptionFix(ctx.region, bucket),
    };
  }
  const how = algorithm ? `default encryption ${algorithm}${enc.kmsKeyId ? ` with key ${enc.kmsKeyId}` : ''}` : 'no default encryption (not required)';
  return { status: 'pass', text: `Bucket ${bucket} exists with ${how}.` };
}

/** The customer managed key of the bucket's SSE-KMS encryption, when the agent needs kms:GenerateDataKey on it. */
export function bucketKeyArn(ctx: TargetContext, account: string): string | undefined {
  return resolvedTargets(ctx.facts, ctx.region, account).bucketKmsKeyArn;
}
