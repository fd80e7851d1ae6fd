// What Session Manager requires, as data shared by the collector (what to simulate) and the checks (what to judge).

/** Actions the agent needs for Session Manager (any agent version). */
export const AGENT_CORE_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
] as const;

/** Actions agents older than 3.3.40.0 also use (reported, not required for newer agents). */
export const AGENT_EC2MESSAGES_ACTIONS = [
  'ec2messages:AcknowledgeMessage',
  'ec2messages:DeleteMessage',
  'ec2messages:FailMessage',
  'ec2messages:GetEndpoint',
  'ec2messages:GetMessages',
  'ec2messages:SendReply',
] as const;

export const AGENT_ACTIONS = [...AGENT_CORE_ACTIONS, ...AGENT_EC2MESSAGES_ACTIONS];

/** Services whose interface endpoints the agent uses. */
export const AGENT_SERVICES = ['ssm', 'ssmmessages', 'ec2messages'] as const;
export type AgentService = (typeof AGENT_SERVICES)[number];

export const MIN_AGENT = {
  sessionManager: '2.3.68.0',
  portForwarding: '2.3.672.0',
  remotePortForwarding: '3.1.1374.0',
  dhmc: '3.2.582.0',
  ssmmessagesFirst: '3.3.40.0',
  imdsv2Only: '3.2.1041.0',
} as const;

/**
 * ssm:GetConnectionStatus has no batch form (one request per instance): it is read only for runs of up to this many
 * targets; bigger fleets rely on agent.ping's PingStatus, and session.connection says so.
 */
export const CONNECTION_STATUS_MAX_TARGETS = 20;

export const DHMC_SETTING_ID = '/ssm/managed-instance/default-ec2-instance-management-role';
export const SESSION_PREFERENCES_DOCUMENT = 'SSM-SessionManagerRunShell';

export const S3_LOG_ACTIONS = ['s3:PutObject', 's3:GetEncryptionConfiguration'] as const;
export const CLOUDWATCH_LOG_ACTIONS = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
] as const;

/** One question for iam:SimulatePrincipalPolicy (or the local evaluator): may `principal` do these actions on this resource? */
export interface PermissionQuestion {
  actions: string[];
  resource: string;
}

export function instanceArn(region: string, account: string, instanceId: string): string {
  return `arn:aws:ec2:${region}:${account}:instance/${instanceId}`;
}

export function sessionDocumentArn(region: string, account: string, document = SESSION_PREFERENCES_DOCUMENT): string {
  return `arn:aws:ssm:${region}:${account}:document/${document}`;
}

/** A KMS key id, alias or ARN from the preferences, as a key ARN when it can be derived. */
export function kmsKeyArn(region: string, account: string, kmsKeyId: string): string {
  if (kmsKeyId.startsWith('arn:')) return kmsKeyId;
  if (kmsKeyId.startsWith('alias/')) return `arn:aws:kms:${region}:${account}:${kmsKeyId}`;
  return `arn:aws:kms:${region}:${account}:key/${kmsKeyId}`;
}

export function s3LogObjectArn(bucket: string, prefix?: string): string {
  const p = (prefix ?? '').replace(/^\/+/, '');
  return `arn:aws:s3:::${bucket}/${p}*`;
}

export function logGroupArn(region: string, account: string, group: string): string {
  return `arn:aws:logs:${region}:${account}:log-group:${group}:*`;
}

/** What the preferences' resources resolved to (kms:DescribeKey, s3:GetBucketEncryption), when known. */
export interface ResolvedTargets {
  /** The session key's ARN (the preferences may name an alias, which IAM never matches kms:Decrypt against). */
  kmsKeyArn?: string;
  /** The customer managed key of the logging bucket's SSE-KMS default encryption. */
  bucketKmsKeyArn?: string;
}

/**
 * The questions to ask about the agent's role, given the session preferences.
 * The collector simulates exactly these; the checks look the answers up by (action, resource).
 */
export function agentRoleQuestions(
  region: string,
  account: string,
  prefs: { kmsKeyId?: string; s3BucketName?: string; s3KeyPrefix?: string; cloudWatchLogGroupName?: string } | null,
  resolved: ResolvedTargets = {},
): PermissionQuestion[] {
  const qs: PermissionQuestion[] = [{ actions: [...AGENT_ACTIONS], resource: '*' }];
  if (prefs?.kmsKeyId) qs.push({ actions: ['kms:Decrypt'], resource: resolved.kmsKeyArn ?? kmsKeyArn(region, account, prefs.kmsKeyId) });
  if (prefs?.s3BucketName) {
    qs.push({ actions: ['s3:PutObject'], resource: s3LogObjectArn(prefs.s3BucketName, prefs.s3KeyPrefix) });
    qs.push({ actions: ['s3:GetEncryptionConfiguration'], resource: `arn:aws:s3:::${prefs.s3BucketName}` });
    if (resolved.bucketKmsKeyArn) qs.push({ actions: ['kms:GenerateDataKey'], resource: resolved.bucketKmsKeyArn });
  }
  if (prefs?.cloudWatchLogGroupName) {
    qs.push({ actions: [...CLOUDWATCH_LOG_ACTIONS], resource: logGroupArn(region, account, prefs.cloudWatchLogGroupName) });
  }
  return qs;
}

/** The questions to ask about the person connecting (the caller), for one target instance. */
export function clientQuestions(
  region: string,
  instanceAccount: string,
  instanceId: string,
  prefs: { kmsKeyId?: string } | null,
  resolved: ResolvedTargets = {},
): PermissionQuestion[] {
  const qs: PermissionQuestion[] = [
    { actions: ['ssm:StartSession'], resource: instanceArn(region, instanceAccount, instanceId) },
    { actions: ['ssm:StartSession'], resource: sessionDocumentArn(region, instanceAccount) },
  ];
  if (prefs?.kmsKeyId) {
    qs.push({ actions: ['kms:GenerateDataKey'], resource: resolved.kmsKeyArn ?? kmsKeyArn(region, instanceAccount, prefs.kmsKeyId) });
  }
  return qs;
}

/**
 * The IAM role ARN behind a caller ARN (`arn:aws:sts::123:assumed-role/Name/session` -> role name `Name`),
 * or the caller ARN itself for users and roles. Role paths are unknown from the STS ARN: the collector
 * resolves the real ARN with iam:GetRole.
 */
export function callerRoleName(callerArn: string): string | undefined {
  const m = /^arn:aws[\w-]*:sts::\d+:assumed-role\/([^/]+)\//.exec(callerArn);
  return m?.[1];
}
