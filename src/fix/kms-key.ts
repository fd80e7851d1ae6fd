// Fixes for the session KMS key: grant in its key policy (the whole policy with one more statement, since
// put-key-policy replaces it), enable it or cancel its deletion, or create a symmetric key and point the
// preferences at it.
import type { Fix } from '../check/kit.js';
import type { KmsKey, PolicyDocument, SessionPreferences } from '../facts/facts.js';
import { shellJson } from '../eval/permissions.js';
import { withGrant } from '../eval/key-policy.js';
import { preferencesUpdateFix } from './preferences.js';
import { indentJson } from './role-policy.js';
import { tfChange } from './terraform.js';

export interface KeyGrant {
  sid: string;
  /** Every principal the statement names (the agent roles of all the run's instances that need it). */
  principalArns: string[];
  actions: string[];
  /** Who, for the summary ("role ssm-role", "you"). */
  who: string;
}

/** put-key-policy with the current key policy plus one statement per grant (aws_kms_key_policy in Terraform). */
export function keyPolicyGrantFix(region: string, key: KmsKey, policy: PolicyDocument, grants: KeyGrant[]): Fix {
  const next = grants.reduce((p, g) => withGrant(p, g.sid, g.principalArns, g.actions), policy);
  return {
    summary:
      `Add ${grants.map((g) => `${g.actions.join(', ')} for ${g.who}`).join(' and ')} to the key policy of ${key.arn} ` +
      '(put-key-policy replaces the whole policy: this is the current one plus the new statement).',
    cli: [`aws kms put-key-policy --key-id ${key.keyId} --policy-name default --policy ${shellJson(next)} --region ${region}`],
    terraform: [
      'resource "aws_kms_key_policy" "session" {',
      `  key_id = "${key.keyId}"`,
      `  policy = jsonencode(${indentJson(next)})`,
      '}',
    ].join('\n'),
  };
}

/** Make a disabled key (or one pending deletion) usable again. Undefined for states only AWS or an import can change. */
export function enableKeyFix(region: string, key: KmsKey): Fix | undefined {
  if (key.state === 'Disabled') {
    return {
      summary: `Enable KMS key ${key.arn}.`,
      cli: [`aws kms enable-key --key-id ${key.keyId} --region ${region}`],
      terraform: tfChange(`${key.keyId} (aws_kms_key)`, ['is_enabled = true']),
    };
  }
  if (key.state === 'PendingDeletion') {
    return {
      summary: `Cancel the scheduled deletion of KMS key ${key.arn} and enable it again.`,
      cli: [`aws kms cancel-key-deletion --key-id ${key.keyId} --region ${region}`, `aws kms enable-key --key-id ${key.keyId} --region ${region}`],
    };
  }
  return undefined;
}

/** A new symmetric key (its default policy delegates to IAM), and the preferences pointed at it. */
export function newSessionKeyFix(region: string, prefs: SessionPreferences, why: string): Fix {
  const create =
    'KEY_ARN=$(aws kms create-key --description "Session Manager session encryption" --key-spec SYMMETRIC_DEFAULT ' +
    `--key-usage ENCRYPT_DECRYPT --query KeyMetadata.Arn --output text --region ${region})`;
  const update = preferencesUpdateFix(
    region,
    prefs,
    { kmsKeyId: { shellVar: 'KEY_ARN', terraform: 'aws_kms_key.session.arn' } },
    `${why} Create a symmetric encryption key in ${region} and point the Session Manager preferences at it ` +
      '(its default key policy lets IAM policies grant kms:Decrypt to the agent role and kms:GenerateDataKey to the people connecting).',
  );
  return {
    summary: update.summary,
    cli: [create, ...update.cli],
    terraform: ['resource "aws_kms_key" "session" {', '  description         = "Session Manager session encryption"', '  enable_key_rotation = true', '}', '', update.terraform!].join('\n'),
  };
}
