// Reads of the resources the Session Manager preferences name, once per run and only when named: the log group
// (logs:DescribeLogGroups, as the agent looks it up), the bucket's default encryption (s3:GetBucketEncryption,
// IAM action s3:GetEncryptionConfiguration), the KMS key (kms:DescribeKey) and its key policy (kms:GetKeyPolicy).
// Round 2 reads the resources; round 3 the key policy (it needs the key's id, which an alias does not give).
import type { Facts, Fetched, KmsKey, LogGroup, PolicyDocument } from '../facts/facts.js';
import { failed, ok } from '../facts/facts.js';
import { arnAccountOf, preferencesOf } from '../facts/session-targets.js';
import type { EvidenceClients } from './evidence-clients.js';
import type { Reader } from './index.js';
import { clean, decodePolicy } from './map.js';

export interface EvidenceReads {
  r: Reader;
  facts: Facts;
  clients: EvidenceClients;
}

/** Pages of logs:DescribeLogGroups read at most while looking for the exact name (the prefix may match many). */
const LOG_GROUP_PAGES = 20;

/** Round 2: the log group, the bucket and the key the preferences name (nothing when they name none). */
export async function readSessionTargets(x: EvidenceReads): Promise<void> {
  const prefs = preferencesOf(x.facts);
  if (!prefs) return;
  await Promise.all([
    prefs.cloudWatchLogGroupName ? readLogGroup(x, prefs.cloudWatchLogGroupName) : undefined,
    prefs.s3BucketName ? readBucketEncryption(x, prefs.s3BucketName) : undefined,
    prefs.kmsKeyId ? describeKey(x, prefs.kmsKeyId) : undefined,
  ]);
}

/** Round 3: the key policy of every key read in round 2 that belongs to the caller's account (only its owner may read it). */
export async function readKeyPolicies(x: EvidenceReads): Promise<void> {
  const caller = x.facts.caller.ok ? x.facts.caller.value.account : undefined;
  await Promise.all(
    Object.values(x.facts.kmsKeys ?? {}).map(async (f) => {
      if (!f.ok || !f.value) return;
      const key = f.value;
      const owner = arnAccountOf(key.arn);
      if (caller && owner && owner !== caller) return;
      const { sdk, client } = await x.clients.kms();
      const r = await x.r.read('kms:GetKeyPolicy', { KeyId: key.arn, PolicyName: 'default' }, (i) => client.send(new sdk.GetKeyPolicyCommand(i)));
      key.policy = r.ok ? decoded('kms:GetKeyPolicy', key.arn, r.value.Policy) : failed(r.error);
    }),
  );
}

function decoded(api: string, what: string, raw: string | undefined): Fetched<PolicyDocument> {
  try {
    if (!raw) throw new Error('empty policy');
    return ok(decodePolicy(raw));
  } catch (err) {
    return failed({ api, code: 'MalformedPolicyDocument', message: `${what}: ${(err as Error).message}`.slice(0, 240), kind: 'other' });
  }
}

async function readLogGroup(x: EvidenceReads, name: string): Promise<void> {
  const api = 'logs:DescribeLogGroups';
  const { sdk, client } = await x.clients.logs();
  let token: string | undefined;
  let found: Fetched<LogGroup | null> = ok(null);
  for (let page = 0; page < LOG_GROUP_PAGES; page++) {
    const input = { logGroupNamePrefix: name, limit: 50, ...(token ? { nextToken: token } : {}) };
    const r = await x.r.read(api, input, (i) => client.send(new sdk.DescribeLogGroupsCommand(i)));
    if (!r.ok) {
      found = failed(r.error);
      break;
    }
    const g = (r.value.logGroups ?? []).find((l) => l.logGroupName === name);
    if (g) {
      found = ok(clean<LogGroup>({ name, arn: g.arn, kmsKeyId: g.kmsKeyId || undefined }));
      break;
    }
    token = r.value.nextToken;
    if (!token) break;
    if (page === LOG_GROUP_PAGES - 1) {
      found = failed({ api, code: 'TooManyLogGroups', message: `${name} not among the first ${LOG_GROUP_PAGES * 50} log groups with that prefix`, kind: 'other' });
    }
  }
  (x.facts.logGroups ??= {})[name] = found;
}

async function readBucketEncryption(x: EvidenceReads, bucket: string): Promise<void> {
  const { sdk, client } = await x.clients.s3();
  const r = await x.r.read('s3:GetEncryptionConfiguration', { Bucket: bucket }, (i) => client.send(new sdk.GetBucketEncryptionCommand(i)));
  const buckets = (x.facts.buckets ??= {});
  if (r.ok) {
    const rule = r.value.ServerSideEncryptionConfiguration?.Rules?.[0];
    const d = rule?.ApplyServerSideEncryptionByDefault;
    buckets[bucket] = ok(clean({ algorithm: d?.SSEAlgorithm, kmsKeyId: d?.KMSMasterKeyID || undefined, bucketKeyEnabled: rule?.BucketKeyEnabled }));
  } else if (r.error.code === 'NoSuchBucket') buckets[bucket] = ok(null);
  // Buckets created before 2023 could have no default encryption: the agent's read fails the same way.
  else if (r.error.code === 'ServerSideEncryptionConfigurationNotFoundError') buckets[bucket] = ok({});
  else buckets[bucket] = failed(r.error);
}

async function describeKey(x: EvidenceReads, keyId: string): Promise<void> {
  const { sdk, client } = await x.clients.kms();
  const r = await x.r.read('kms:DescribeKey', { KeyId: keyId }, (i) => client.send(new sdk.DescribeKeyCommand(i)));
  const keys = (x.facts.kmsKeys ??= {});
  if (!r.ok) {
    keys[keyId] = r.error.code === 'NotFoundException' ? ok(null) : failed(r.error);
    return;
  }
  const m = r.value.KeyMetadata;
  if (!m?.KeyId || !m.Arn) {
    keys[keyId] = failed({ api: 'kms:DescribeKey', code: 'UnexpectedResponse', message: `no KeyMetadata for ${keyId}`, kind: 'other' });
    return;
  }
  keys[keyId] = ok(
    clean<KmsKey>({
      keyId: m.KeyId,
      arn: m.Arn,
      state: m.KeyState ?? (m.Enabled === false ? 'Disabled' : 'Enabled'),
      spec: m.KeySpec ?? m.CustomerMasterKeySpec,
      usage: m.KeyUsage,
      manager: m.KeyManager,
    }),
  );
}
