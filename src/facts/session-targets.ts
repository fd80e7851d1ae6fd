// The resources the Session Manager preferences name (KMS key, log group, bucket), as the facts know them, and
// the ARNs the collector (which permissions to simulate) and the checks (which answers to look up) agree on.
import type { BucketEncryption, Facts, Fetched, KmsKey, LogGroup, SessionPreferences } from './facts.js';
import { kmsKeyArn, type ResolvedTargets } from './requirements.js';

/** The preferences when they were read and a document exists; undefined for defaults or an unreadable document. */
export function preferencesOf(facts: Facts): SessionPreferences | undefined {
  return facts.preferences.ok && facts.preferences.value ? facts.preferences.value : undefined;
}

/** kms:DescribeKey of the preferences' key (undefined: not read). */
export function sessionKeyFact(facts: Facts): Fetched<KmsKey | null> | undefined {
  const id = preferencesOf(facts)?.kmsKeyId;
  return id ? facts.kmsKeys?.[id] : undefined;
}

export function logGroupFact(facts: Facts, name: string): Fetched<LogGroup | null> | undefined {
  return facts.logGroups?.[name];
}

export function bucketFact(facts: Facts, name: string): Fetched<BucketEncryption | null> | undefined {
  return facts.buckets?.[name];
}

/** Region of a KMS key ARN (`arn:aws:kms:<region>:...`), undefined for ids and aliases. */
export function kmsArnRegion(keyIdOrArn: string): string | undefined {
  const m = /^arn:[^:]+:kms:([^:]+):/.exec(keyIdOrArn);
  return m?.[1];
}

/** Account of an ARN, when it has one. */
export function arnAccountOf(arn: string): string | undefined {
  const a = arn.split(':')[4];
  return a && /^\d{12}$/.test(a) ? a : undefined;
}

/** AWS managed keys (`aws/s3`) need no IAM permission: their key policy admits the account's S3 callers. */
function isAwsManagedAlias(keyId: string): boolean {
  return /(^|:)alias\/aws\//.test(keyId);
}

/**
 * The real ARNs behind the preferences' names, as far as the facts know them: the session key's ARN from
 * kms:DescribeKey (the preferences may give an alias), and the customer managed key of the logging bucket's
 * SSE-KMS default encryption (undefined for SSE-S3 and the AWS managed `aws/s3` key).
 */
export function resolvedTargets(facts: Facts, region: string, account: string): ResolvedTargets {
  const out: ResolvedTargets = {};
  const key = sessionKeyFact(facts);
  if (key?.ok && key.value) out.kmsKeyArn = key.value.arn;
  const bucket = preferencesOf(facts)?.s3BucketName;
  const enc = bucket ? bucketFact(facts, bucket) : undefined;
  const bucketKey = enc?.ok && enc.value?.algorithm?.startsWith('aws:kms') ? enc.value.kmsKeyId : undefined;
  if (bucketKey && !isAwsManagedAlias(bucketKey)) out.bucketKmsKeyArn = kmsKeyArn(region, account, bucketKey);
  return out;
}
