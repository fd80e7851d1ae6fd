// Fixes for the session logging targets: a log group (encrypted with a new KMS key that CloudWatch Logs may use,
// when the preferences require encryption), a KMS key for an existing group, a bucket, a bucket's default
// encryption.
import type { Fix } from '../check/kit.js';
import { partitionOf, shellJson, tfLabel } from '../eval/permissions.js';
import { indentJson } from './role-policy.js';
import { tfChange } from './terraform.js';

/** A key policy: the account's administrators, and CloudWatch Logs for this log group only. */
function logsKeyPolicy(region: string, account: string, group: string): Record<string, unknown> {
  const p = partitionOf(region);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AccountAdministration', Effect: 'Allow', Principal: { AWS: `arn:${p}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'CloudWatchLogsForSessionLogs',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:${p}:logs:${region}:${account}:log-group:${group}` } },
      },
    ],
  };
}

function keyForLogs(region: string, account: string, group: string): { cli: string; terraform: string; label: string } {
  const label = tfLabel(`session_logs_${group}`);
  return {
    label,
    cli:
      `KEY_ARN=$(aws kms create-key --description "Session Manager logs in ${group}" --policy ${shellJson(logsKeyPolicy(region, account, group))} ` +
      `--query KeyMetadata.Arn --output text --region ${region})`,
    terraform: [
      `resource "aws_kms_key" "${label}" {`,
      `  description         = "Session Manager logs in ${group}"`,
      '  enable_key_rotation = true',
      `  policy              = jsonencode(${indentJson(logsKeyPolicy(region, account, group))})`,
      '}',
    ].join('\n'),
  };
}

/** Create the log group; with encryption required, with a new KMS key CloudWatch Logs may use. */
export function createLogGroupFix(region: string, account: string, group: string, encrypted: boolean): Fix {
  const label = tfLabel(group);
  if (!encrypted) {
    return {
      summary: `Create log group ${group} (or point the preferences at an existing one).`,
      cli: [`aws logs create-log-group --log-group-name ${group} --region ${region}`],
      terraform: [`resource "aws_cloudwatch_log_group" "${label}" {`, `  name = "${group}"`, '}'].join('\n'),
    };
  }
  const key = keyForLogs(region, account, group);
  return {
    summary: `Create log group ${group} encrypted with a new KMS key that CloudWatch Logs may use (or point the preferences at an existing encrypted group).`,
    cli: [key.cli, `aws logs create-log-group --log-group-name ${group} --kms-key-id "$KEY_ARN" --region ${region}`],
    terraform: [key.terraform, '', `resource "aws_cloudwatch_log_group" "${label}" {`, `  name       = "${group}"`, `  kms_key_id = aws_kms_key.${key.label}.arn`, '}'].join('\n'),
  };
}

/** Encrypt an existing log group with a new KMS key CloudWatch Logs may use. */
export function encryptLogGroupFix(region: string, account: string, group: string): Fix {
  const key = keyForLogs(region, account, group);
  return {
    summary: `Encrypt log group ${group} with a KMS key (a new one that CloudWatch Logs may use; data already in the group stays as it is).`,
    cli: [key.cli, `aws logs associate-kms-key --log-group-name ${group} --kms-key-id "$KEY_ARN" --region ${region}`],
    terraform: [key.terraform, '', tfChange(`${group} (aws_cloudwatch_log_group)`, [`kms_key_id = aws_kms_key.${key.label}.arn`])].join('\n'),
  };
}

/** Create the bucket, private, with default encryption (or point the preferences at an existing one). */
export function createBucketFix(region: string, bucket: string): Fix {
  const label = tfLabel(bucket);
  const location = region === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${region}`;
  return {
    summary: `Create bucket ${bucket} for the session logs, private (or point the preferences at an existing bucket: bucket names are global and this one may be taken).`,
    cli: [
      `aws s3api create-bucket --bucket ${bucket} --region ${region}${location}`,
      `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true --region ${region}`,
    ],
    terraform: [
      `resource "aws_s3_bucket" "${label}" {`,
      `  bucket = "${bucket}"`,
      '}',
      '',
      `resource "aws_s3_bucket_public_access_block" "${label}" {`,
      `  bucket                  = aws_s3_bucket.${label}.id`,
      '  block_public_acls       = true',
      '  ignore_public_acls      = true',
      '  block_public_policy     = true',
      '  restrict_public_buckets = true',
      '}',
    ].join('\n'),
  };
}

/** Default encryption the agent accepts (SSE-S3). */
export function bucketEncryptionFix(region: string, bucket: string): Fix {
  const config = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };
  return {
    summary: `Set the default encryption of bucket ${bucket} to SSE-S3 (AES256), which the agent accepts (it accepts AES256 and aws:kms, not aws:kms:dsse).`,
    cli: [`aws s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration ${shellJson(config)} --region ${region}`],
    terraform: [
      `resource "aws_s3_bucket_server_side_encryption_configuration" "${tfLabel(bucket)}" {`,
      `  bucket = "${bucket}"`,
      '  rule {',
      '    apply_server_side_encryption_by_default {',
      '      sse_algorithm = "AES256"',
      '    }',
      '  }',
      '}',
    ].join('\n'),
  };
}
