// Guards: the session logging targets of the preferences (CloudWatch log group, S3 bucket) exist and are encrypted as required, the agent role may validate and write them, and the agent reaches logs / s3 over the whole way (route or endpoint, security groups, network ACLs).
import { need, type Check } from '../src/check/kit.js';
import { Findings } from '../src/check/findings.js';
import { agentRoleOf, preferencesAccountOf, rolePermission } from '../src/eval/role-permission.js';
import { sessionServiceReach } from '../src/eval/service-reach.js';
import { bucketFinding, bucketKeyArn, logGroupFinding } from '../src/eval/session-logging.js';
import { instanceOf } from '../src/facts/lookup.js';
import { CLOUDWATCH_LOG_ACTIONS, SESSION_PREFERENCES_DOCUMENT, logGroupArn, s3LogObjectArn } from '../src/facts/requirements.js';
import { rolePolicyFix, type MissingPermission } from '../src/fix/role-policy.js';

/** Why the encryption read and the way to S3 matter: said once in a detail, however many parts give it. */
const S3_VALIDATION = "The agent reads the bucket's encryption before every session and refuses the sessions it cannot validate.";

export const sessionLogging: Check = {
  meta: {
    id: 'session.logging',
    title: 'Session logging targets work',
    group: 'session',
    description:
      `Before each session the agent validates the logging targets of the preferences (${SESSION_PREFERENCES_DOCUMENT}) and ` +
      'refuses to start when it cannot: a CloudWatch log group must exist (logs:DescribeLogGroups) and have a KMS key when ' +
      'cloudWatchEncryptionEnabled; an S3 bucket must exist with AES256 or aws:kms default encryption when s3EncryptionEnabled ' +
      '(s3:GetBucketEncryption). The agent role needs the validation calls (logs:DescribeLogGroups, s3:GetEncryptionConfiguration) ' +
      'besides the writes, and a way to logs and s3: over VPC endpoints a logs endpoint (without it sessions hang) or an s3 endpoint, ' +
      "with security groups (HTTPS out to an S3 gateway endpoint's prefix list included) and network ACLs that let it through.",
    fixes:
      'create or encrypt the log group / bucket (KMS key, put-bucket-encryption); IAM statement on the agent role; logs interface or s3 gateway endpoint; ' +
      'the security-group or network ACL rule on the way',
    explains: [],
  },
  // The logging targets are one set per account and region.
  subject: () => 'session-logging',
  run(ctx) {
    instanceOf(ctx);
    const p = need(ctx.facts.preferences, `the Session Manager preferences (document ${SESSION_PREFERENCES_DOCUMENT})`);
    const group = p?.cloudWatchLogGroupName;
    const bucket = p?.s3BucketName;
    if (!p || (!group && !bucket)) {
      return { status: 'pass', detail: 'No session logging in the preferences.', data: { logGroup: null, bucket: null } };
    }

    const findings = new Findings();
    const account = findings.value(() => preferencesAccountOf(ctx));
    const role = agentRoleOf(ctx);
    const missing: MissingPermission[] = [];
    if (group && account) {
      findings.add(() => logGroupFinding(ctx, { ...p, cloudWatchLogGroupName: group }, account));
      findings.add(() =>
        rolePermission(
          ctx,
          role,
          {
            label: `CloudWatch logging to ${group}`,
            actions: [...CLOUDWATCH_LOG_ACTIONS],
            resource: logGroupArn(ctx.region, account, group),
            extra: ' The agent looks the group up with logs:DescribeLogGroups before each session.',
          },
          missing,
        ),
      );
    }
    if (bucket) {
      findings.add(() => bucketFinding(ctx, { ...p, s3BucketName: bucket }));
      findings.add(() =>
        rolePermission(ctx, role, { label: `S3 logging to s3://${bucket}/${p.s3KeyPrefix ?? ''}`, actions: ['s3:PutObject'], resource: s3LogObjectArn(bucket, p.s3KeyPrefix) }, missing),
      );
      if (p.s3EncryptionEnabled === true) {
        findings.add(() =>
          rolePermission(
            ctx,
            role,
            {
              label: `S3 logging encryption check on ${bucket}`,
              actions: ['s3:GetEncryptionConfiguration'],
              resource: `arn:aws:s3:::${bucket}`,
              extra: S3_VALIDATION,
            },
            missing,
          ),
        );
      }
      const key = account ? bucketKeyArn(ctx, account) : undefined;
      if (key) {
        findings.add(() =>
          rolePermission(
            ctx,
            role,
            { label: `SSE-KMS key of bucket ${bucket}`, actions: ['kms:GenerateDataKey'], resource: key, extra: ' The key policy of that key must allow it too (not read).' },
            missing,
          ),
        );
      }
    }
    if (group) {
      findings.add(() =>
        sessionServiceReach(ctx, {
          service: 'logs',
          what: 'CloudWatch Logs (without it sessions hang for 2+ minutes, then fail)',
          consequence: 'Without CloudWatch Logs, sessions hang for 2+ minutes, then fail.',
        }),
      );
    }
    if (bucket) {
      findings.add(() =>
        sessionServiceReach(ctx, {
          service: 's3',
          what: 'S3 (session logs)',
          consequence:
            p.s3EncryptionEnabled === true
              ? S3_VALIDATION
              : 'Sessions start, but their logs are lost when the agent uploads them at the end.',
        }),
      );
    }
    const fixes = missing.length && role.name ? [rolePolicyFix(role.name, 'ssm-session-logging', missing, 'for session logging')] : [];
    return findings.verdict(
      '',
      {
        ...(group ? { logGroup: group, cloudWatchEncryptionEnabled: p.cloudWatchEncryptionEnabled ?? false } : {}),
        ...(bucket ? { bucket, s3EncryptionEnabled: p.s3EncryptionEnabled ?? false } : {}),
        agentRole: role.arn,
        methods: [...new Set(findings.all.flatMap((f) => (f.method ? [f.method] : [])))],
      },
      fixes,
    );
  },
};
