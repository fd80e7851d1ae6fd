// KMS (`TrentService.`), CloudWatch Logs (`Logs_20140328.`) and CloudTrail (`CloudTrail_20131101.`), all
// awsJson1_1, answered from the facts: the session key and its policy, the log group, the late-fix lookups.
// Timestamps are epoch seconds as JSON numbers.
import type { ApiError, ChangeEvent, KmsKey, LogGroup } from '../../../src/facts/facts.js';
import { AwsError, decodeToken, encodeToken, epochSeconds, errorFromFact, type JsonEvidenceService } from './wire.js';
import type { World } from './world.js';

export interface JsonContext {
  world: World;
  body: Record<string, unknown>;
  pageSize: number;
}

type Handler = (c: JsonContext) => Record<string, unknown>;

/** X-Amz-Target prefixes of the JSON services answered here. */
export const EVIDENCE_TARGETS: [string, JsonEvidenceService][] = [
  ['TrentService.', 'kms'],
  ['Logs_20140328.', 'logs'],
  ['CloudTrail_20131101.', 'cloudtrail'],
];

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function validation(field: string, value: unknown): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must not be null`);
}

// ---------------------------------------------------------------- KMS

const kmsFail = (e: ApiError): Error => errorFromFact(e, 'kms');

/** The key a KeyId names: the facts' own key (as the preferences name it), or a key whose id or ARN it is. */
function findKey(c: JsonContext, keyId: string): KmsKey | null {
  const keys = c.world.facts.kmsKeys ?? {};
  const named = keys[keyId];
  if (named && !named.ok) throw kmsFail(named.error);
  if (named?.ok) return named.value;
  for (const f of Object.values(keys)) if (f.ok && f.value && (f.value.keyId === keyId || f.value.arn === keyId)) return f.value;
  return null;
}

const notFoundKey = (keyId: string) => new AwsError('NotFoundException', `Key '${keyId}' does not exist`);

const DescribeKey: Handler = (c) => {
  const keyId = str(c.body.KeyId);
  if (!keyId) throw validation('keyId', keyId);
  const key = findKey(c, keyId);
  if (!key) throw notFoundKey(keyId);
  return {
    KeyMetadata: {
      AWSAccountId: key.arn.split(':')[4],
      KeyId: key.keyId,
      Arn: key.arn,
      Enabled: key.state === 'Enabled',
      KeyState: key.state,
      KeySpec: key.spec,
      CustomerMasterKeySpec: key.spec,
      KeyUsage: key.usage,
      KeyManager: key.manager,
      Origin: 'AWS_KMS',
      CreationDate: epochSeconds(c.world.facts.collectedAt),
    },
  };
};

const GetKeyPolicy: Handler = (c) => {
  const keyId = str(c.body.KeyId);
  if (!keyId) throw validation('keyId', keyId);
  const key = findKey(c, keyId);
  if (!key) throw notFoundKey(keyId);
  if (!key.policy) throw new AwsError('AccessDeniedException', `aws-server: no key policy in the facts for ${keyId}`);
  if (!key.policy.ok) throw kmsFail(key.policy.error);
  return { Policy: JSON.stringify(key.policy.value), PolicyName: str(c.body.PolicyName) ?? 'default' };
};

// ---------------------------------------------------------------- CloudWatch Logs

const DescribeLogGroups: Handler = (c) => {
  const prefix = str(c.body.logGroupNamePrefix) ?? '';
  const groups: LogGroup[] = [];
  for (const [name, f] of Object.entries(c.world.facts.logGroups ?? {})) {
    if (!name.startsWith(prefix)) continue;
    if (!f.ok) throw errorFromFact(f.error, 'logs');
    if (f.value) groups.push(f.value);
  }
  groups.sort((a, b) => (a.name < b.name ? -1 : 1));
  const limit = Math.max(1, Math.min(num(c.body.limit) ?? 50, c.pageSize));
  const token = str(c.body.nextToken);
  const start = token ? decodeToken('DescribeLogGroups', token, () => new AwsError('InvalidParameterException', 'The specified nextToken is invalid.')).o : 0;
  const page = groups.slice(start, start + limit);
  const end = start + page.length;
  return {
    logGroups: page.map((g) => ({
      logGroupName: g.name,
      arn: g.arn,
      kmsKeyId: g.kmsKeyId,
      creationTime: Date.parse(c.world.facts.collectedAt),
      storedBytes: 0,
    })),
    nextToken: end < groups.length ? encodeToken('DescribeLogGroups', end) : undefined,
  };
};

// ---------------------------------------------------------------- CloudTrail

function eventJson(c: JsonContext, e: ChangeEvent): Record<string, unknown> {
  const source = /Role|InstanceProfile/.test(e.name) && !/IamInstanceProfile/.test(e.name) ? 'iam.amazonaws.com' : 'ec2.amazonaws.com';
  return {
    EventId: e.id,
    EventName: e.name,
    ReadOnly: 'false',
    EventTime: epochSeconds(e.time),
    EventSource: source,
    Resources: [],
    CloudTrailEvent: JSON.stringify({
      eventVersion: '1.09',
      ...(e.by ? { userIdentity: { type: 'AssumedRole', arn: e.by } } : {}),
      eventTime: e.time,
      eventSource: source,
      eventName: e.name,
      awsRegion: c.world.region,
      requestParameters: { refs: e.refs },
      responseElements: null,
      eventID: e.id,
      readOnly: false,
      eventType: 'AwsApiCall',
      recipientAccountId: c.world.account,
    }),
  };
}

const LookupEvents: Handler = (c) => {
  const attrs = Array.isArray(c.body.LookupAttributes) ? (c.body.LookupAttributes as Record<string, unknown>[]) : [];
  if (attrs.length > 1) throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  const name = attrs[0]?.AttributeKey === 'EventName' ? str(attrs[0].AttributeValue) : undefined;
  const lookup = name ? c.world.facts.cloudTrail?.lookups[name] : undefined;
  if (lookup && !lookup.ok) throw errorFromFact(lookup.error, 'cloudtrail');
  const events = lookup?.ok ? lookup.value.events : [];
  const truncated = lookup?.ok && lookup.value.truncated === true;
  const size = Math.max(1, Math.min(num(c.body.MaxResults) ?? 50, c.pageSize));
  const token = str(c.body.NextToken);
  const start = token ? decodeToken('LookupEvents', token, () => new AwsError('InvalidNextTokenException', 'Invalid token')).o : 0;
  const page = events.slice(start, start + size);
  const end = start + page.length;
  // A lookup recorded as truncated had more events than were read: keep offering pages.
  const more = end < events.length || truncated;
  return { Events: page.map((e) => eventJson(c, e)), NextToken: more ? encodeToken('LookupEvents', end) : undefined };
};

export const EVIDENCE_HANDLERS: Record<JsonEvidenceService, Record<string, Handler>> = {
  kms: { DescribeKey, GetKeyPolicy },
  logs: { DescribeLogGroups },
  cloudtrail: { LookupEvents },
};
