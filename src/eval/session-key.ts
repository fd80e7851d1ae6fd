// The session KMS key of the preferences: the key itself (exists in the region, Enabled, symmetric encryption),
// and who may use it: the agent role kms:Decrypt and the person connecting kms:GenerateDataKey, where the key
// policy decides first (allows the principal itself, or delegates to the account's IAM policies, or neither).
import { NeedFact, SkipCheck, need, type TargetContext } from '../check/kit.js';
import type { Finding } from '../check/findings.js';
import type { KmsKey, PolicyDocument, SessionPreferences } from '../facts/facts.js';
import { arnAccountOf, kmsArnRegion, sessionKeyFact } from '../facts/session-targets.js';
import { enableKeyFix, newSessionKeyFix, type KeyGrant } from '../fix/kms-key.js';
import type { MissingPermission } from '../fix/role-policy.js';
import { keyPolicyAnswer, type KeyPolicyAnswer } from './key-policy.js';
import { agentRoleOf, roleDeny, rolePermission, type AgentRole } from './role-permission.js';

/** The key as read, with a finding about its state; `key` undefined when it cannot be used at all. */
export function sessionKeyState(ctx: TargetContext, prefs: SessionPreferences & { kmsKeyId: string }): { finding: Finding; key?: KmsKey } {
  const id = prefs.kmsKeyId;
  const region = kmsArnRegion(id);
  if (region && region !== ctx.region) {
    return {
      finding: {
        status: 'fail',
        subject: id,
        text: `The preferences encrypt sessions with KMS key ${id}, which is in ${region}: Session Manager needs a key in the instance's region ${ctx.region}.`,
        fix: newSessionKeyFix(ctx.region, prefs, `Key ${id} is in ${region}.`),
      },
    };
  }
  const key = need(sessionKeyFact(ctx.facts), `KMS key ${id} (kms:DescribeKey)`);
  if (key === null) {
    return {
      finding: {
        status: 'fail',
        subject: id,
        text: `The preferences encrypt sessions with KMS key ${id}, but no such key exists in ${ctx.region} (kms:DescribeKey: NotFound): every session fails to start.`,
        fix: newSessionKeyFix(ctx.region, prefs, `Key ${id} does not exist in ${ctx.region}.`),
      },
    };
  }
  const problems: string[] = [];
  if (key.state !== 'Enabled') problems.push(`its state is ${key.state}, not Enabled`);
  const symmetric = (key.spec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' && (key.usage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT';
  if (!symmetric) problems.push(`it is a ${key.spec ?? 'non-symmetric'} key for ${key.usage ?? 'another use'}, not a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)`);
  if (problems.length === 0) {
    return { key, finding: { status: 'pass', text: `KMS key ${key.arn} is Enabled and a symmetric encryption key.` } };
  }
  const fix = symmetric ? enableKeyFix(ctx.region, key) : undefined;
  return {
    key,
    finding: {
      status: 'fail',
      subject: key.arn,
      text: `KMS key ${key.arn} cannot encrypt sessions: ${problems.join('; ')}.`,
      fix: fix ?? newSessionKeyFix(ctx.region, prefs, `Key ${key.arn} cannot be used (${problems.join('; ')}).`),
    },
  };
}

/**
 * The key policy when it can be judged; a finding instead when it cannot: another account's key (only its owner
 * may read its policy: warn) or a read that failed (error, via need).
 */
export function keyPolicyOf(ctx: TargetContext, key: KmsKey): { policy?: PolicyDocument; finding?: Finding } {
  if (key.policy === undefined) {
    const owner = arnAccountOf(key.arn);
    const caller = ctx.facts.caller.ok ? ctx.facts.caller.value.account : undefined;
    if (owner && caller && owner !== caller) {
      return {
        finding: {
          status: 'warn',
          text:
            `KMS key ${key.arn} belongs to account ${owner}: only that account can read its key policy (kms:GetKeyPolicy), so whether it ` +
            'lets the agent role decrypt and you generate data keys is not checked. Make sure it does, or delegates to your account.',
        },
      };
    }
  }
  return { policy: need(key.policy, `the key policy of ${key.arn} (kms:GetKeyPolicy)`) };
}

function who(answer: KeyPolicyAnswer): string {
  return 'via' in answer ? ` (${answer.via})` : '';
}

/**
 * The agent role's kms:Decrypt: the key policy first; when it delegates to the account, the role's IAM policies
 * (simulated or evaluated; a missing grant goes to `missing`). Key-policy grants go to `grants`.
 */
export function agentDecrypt(
  ctx: TargetContext,
  key: KmsKey,
  policy: PolicyDocument,
  role: AgentRole,
  missing: MissingPermission[],
  grants: KeyGrant[],
): Finding {
  const label = `KMS key ${key.arn}`;
  if (!role.arn) return rolePermission(ctx, role, { label, actions: ['kms:Decrypt'], resource: key.arn }, missing);
  const answer = keyPolicyAnswer(policy, role.arn, 'kms:Decrypt', key.arn);
  switch (answer.kind) {
    case 'direct':
      return (
        roleDeny(ctx, role, {
          label,
          actions: ['kms:Decrypt'],
          resource: key.arn,
          extra: ` Its key policy allows the role itself${who(answer)}, but no Allow overrides an explicit Deny: the agent cannot decrypt session data.`,
        }) ?? { status: 'pass', method: 'key-policy', text: `${label}: its key policy lets role ${role.name} kms:Decrypt${who(answer)}.` }
      );
    case 'delegates':
      return rolePermission(
        ctx,
        role,
        { label, actions: ['kms:Decrypt'], resource: key.arn, extra: ` The key policy delegates to the account's IAM policies${who(answer)}.` },
        missing,
      );
    case 'conditional':
      return {
        status: 'warn',
        method: 'key-policy',
        text: `${label}: whether its key policy lets role ${role.name} kms:Decrypt depends on a condition that was not evaluated${who(answer)}.`,
      };
    case 'denied':
      return {
        status: 'fail',
        method: 'key-policy',
        subject: key.arn,
        text: `${label}: its key policy denies role ${role.name} kms:Decrypt${who(answer)}: the agent cannot decrypt session data.`,
        fix: {
          summary: `Remove or narrow the Deny${who(answer)} in the key policy of ${key.arn}; no Allow overrides it.`,
          cli: [`aws kms get-key-policy --key-id ${key.keyId} --policy-name default --query Policy --output text --region ${ctx.region}`],
        },
      };
    case 'none': {
      // put-key-policy replaces the whole policy, and the instances sharing the key share this finding and its fix:
      // the statement names every agent role of the run the key policy says nothing about, not this one only.
      const roles = rolesKeyPolicyOmits(ctx, key, policy, { arn: role.arn, name: role.name ?? role.arn });
      grants.push({
        sid: 'AllowSessionManagerAgentDecrypt',
        principalArns: roles.map((r) => r.arn),
        actions: ['kms:Decrypt'],
        who: `role${roles.length > 1 ? 's' : ''} ${roles.map((r) => r.name).join(', ')}`,
      });
      return {
        status: 'fail',
        method: 'key-policy',
        subject: key.arn,
        text:
          `${label}: its key policy neither allows role ${role.name} kms:Decrypt nor delegates to the account's IAM policies, ` +
          'so no IAM policy can grant it: the agent cannot decrypt session data.',
      };
    }
  }
}

/**
 * The agent roles of the run's instances (target order, each once, `own` among them) whose kms:Decrypt the key
 * policy neither allows nor delegates. An instance whose role cannot be told is left to its own verdict.
 */
function rolesKeyPolicyOmits(ctx: TargetContext, key: KmsKey, policy: PolicyDocument, own: { arn: string; name: string }): { arn: string; name: string }[] {
  const out = new Map<string, string>();
  // Instances with the same instance profile (or none: DHMC) have the same role: one look each (fleets are large).
  const seen = new Set<string>();
  for (const id of ctx.facts.targets) {
    const f = ctx.facts.instances[id];
    const via = f?.ok && f.value ? (f.value.instanceProfileArn ?? '') : `?${id}`;
    if (seen.has(via)) continue;
    let r: AgentRole;
    try {
      r = id === ctx.id ? own : agentRoleOf({ ...ctx, id });
    } catch (e) {
      // (a terminated instance, a hybrid node: not judged by session.kms-key)
      if (e instanceof SkipCheck || e instanceof NeedFact) continue;
      throw e;
    }
    seen.add(via);
    if (r.arn && !out.has(r.arn) && keyPolicyAnswer(policy, r.arn, 'kms:Decrypt', key.arn).kind === 'none') out.set(r.arn, r.name ?? r.arn);
  }
  if (!out.has(own.arn)) out.set(own.arn, own.name);
  return [...out].map(([arn, name]) => ({ arn, name }));
}

/**
 * The caller's kms:GenerateDataKey, key-policy side only: when the key policy delegates to the account, the IAM side
 * is client.permissions' (so a missing IAM grant is reported once).
 */
export function callerDataKey(ctx: TargetContext, key: KmsKey, policy: PolicyDocument, principalArn: string, grants: KeyGrant[]): Finding {
  const label = `KMS key ${key.arn}`;
  const answer = keyPolicyAnswer(policy, principalArn, 'kms:GenerateDataKey', key.arn);
  switch (answer.kind) {
    case 'direct':
      return { status: 'pass', method: 'key-policy', text: `${label}: its key policy lets you (${principalArn}) kms:GenerateDataKey${who(answer)}.` };
    case 'delegates':
      return {
        status: 'pass',
        method: 'key-policy',
        text: `${label}: its key policy delegates kms:GenerateDataKey for you to the account's IAM policies${who(answer)} (client.permissions judges those).`,
      };
    case 'conditional':
      return { status: 'warn', method: 'key-policy', text: `${label}: whether its key policy lets you kms:GenerateDataKey depends on a condition that was not evaluated${who(answer)}.` };
    case 'denied':
      return {
        status: 'fail',
        method: 'key-policy',
        subject: key.arn,
        text: `${label}: its key policy denies you (${principalArn}) kms:GenerateDataKey${who(answer)}: you cannot start encrypted sessions.`,
        fix: {
          summary: `Remove or narrow the Deny${who(answer)} in the key policy of ${key.arn}; no Allow overrides it.`,
          cli: [`aws kms get-key-policy --key-id ${key.keyId} --policy-name default --query Policy --output text --region ${ctx.region}`],
        },
      };
    case 'none':
      grants.push({ sid: 'AllowSessionManagerDataKeys', principalArns: [principalArn], actions: ['kms:GenerateDataKey'], who: principalArn });
      return {
        status: 'fail',
        method: 'key-policy',
        subject: key.arn,
        text: `${label}: its key policy neither allows you (${principalArn}) kms:GenerateDataKey nor delegates to the account's IAM policies: you cannot start encrypted sessions.`,
      };
  }
}

/**
 * For client.permissions, what the key policy leaves to the caller's IAM policies for kms:GenerateDataKey:
 * `all` (it delegates to them, depends on a condition, or is unknown), `deny-only` (it allows the caller itself:
 * only an explicit IAM Deny takes that away) or `nothing` (it denies, or says nothing: session.kms-key reports it).
 */
export function dataKeyLeftToIam(ctx: TargetContext, principalArn: string): 'all' | 'deny-only' | 'nothing' {
  const f = sessionKeyFact(ctx.facts);
  const key = f?.ok ? f.value : undefined;
  const policy = key?.policy?.ok ? key.policy.value : undefined;
  if (!key || !policy) return 'all';
  const kind = keyPolicyAnswer(policy, principalArn, 'kms:GenerateDataKey', key.arn).kind;
  return kind === 'direct' ? 'deny-only' : kind === 'denied' || kind === 'none' ? 'nothing' : 'all';
}
