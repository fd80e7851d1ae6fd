// Guards: the preferences' session KMS key exists in the region, is Enabled and symmetric, its key policy (and IAM) let the agent role decrypt and you generate data keys, and the agent reaches KMS over the whole way (route or endpoint, security groups, network ACLs).
import { need, type Check } from '../src/check/kit.js';
import { Findings } from '../src/check/findings.js';
import { callerPrincipal } from '../src/eval/caller.js';
import { agentRoleOf } from '../src/eval/role-permission.js';
import { sessionServiceReach } from '../src/eval/service-reach.js';
import { agentDecrypt, callerDataKey, keyPolicyOf, sessionKeyState } from '../src/eval/session-key.js';
import { instanceOf } from '../src/facts/lookup.js';
import { keyPolicyGrantFix, type KeyGrant } from '../src/fix/kms-key.js';
import { rolePolicyFix, type MissingPermission } from '../src/fix/role-policy.js';
import { SESSION_PREFERENCES_DOCUMENT } from '../src/facts/requirements.js';

export const sessionKmsKey: Check = {
  meta: {
    id: 'session.kms-key',
    title: 'Session KMS key is usable',
    group: 'session',
    description:
      `When the preferences (${SESSION_PREFERENCES_DOCUMENT}) encrypt sessions with a KMS key, it must exist in the instance's ` +
      'region, be Enabled and a symmetric encryption key (kms:DescribeKey); its key policy must let the agent role kms:Decrypt ' +
      'and you kms:GenerateDataKey, directly or by delegating to IAM (kms:GetKeyPolicy: IAM simulation never sees key ' +
      'policies); and the agent needs a way to KMS: over VPC endpoints a kms endpoint, with security groups and network ACLs that let HTTPS through.',
    fixes:
      'put-key-policy with the missing statement, enable-key, IAM kms:Decrypt, or a new key in the preferences; kms interface endpoint; the security-group or network ACL rule on the way',
    explains: [],
  },
  // The key is one per account and region: instances that share it share a finding about it.
  subject: (ctx) => (ctx.facts.preferences.ok ? ctx.facts.preferences.value?.kmsKeyId : undefined),
  run(ctx) {
    instanceOf(ctx);
    const prefs = need(ctx.facts.preferences, `the Session Manager preferences (document ${SESSION_PREFERENCES_DOCUMENT})`);
    const kmsKeyId = prefs?.kmsKeyId;
    if (!prefs || !kmsKeyId) {
      return { status: 'pass', detail: 'No KMS key in the preferences (sessions use TLS only).', data: { kmsKeyId: null } };
    }
    const p = { ...prefs, kmsKeyId };

    const findings = new Findings();
    const state = findings.value(() => sessionKeyState(ctx, p));
    if (state) findings.add(() => state.finding);
    const key = state?.key;
    const role = agentRoleOf(ctx);
    const missing: MissingPermission[] = [];
    const grants: KeyGrant[] = [];
    let policy;
    if (key) {
      const judged = findings.value(() => keyPolicyOf(ctx, key));
      if (judged?.finding) findings.add(() => judged.finding);
      policy = judged?.policy;
      if (policy) {
        const pol = policy;
        findings.add(() => agentDecrypt(ctx, key, pol, role, missing, grants));
        const caller = ctx.facts.caller;
        if (caller.ok && !/:federated-user\//.test(caller.value.arn)) {
          const principal = /^arn:[\w-]+:iam::\d+:root$/.test(caller.value.arn) ? caller.value.arn : callerPrincipal(ctx, caller.value.arn).arn;
          findings.add(() => callerDataKey(ctx, key, pol, principal, grants));
        }
      }
    }
    findings.add(() =>
      sessionServiceReach(ctx, {
        service: 'kms',
        what: 'KMS (session encryption)',
        consequence: 'Without KMS, every session fails as it starts ("Encountered error while initiating handshake").',
      }),
    );

    const fixes = [
      ...(key && policy && grants.length ? [keyPolicyGrantFix(ctx.region, key, policy, grants)] : []),
      ...(missing.length && role.name ? [rolePolicyFix(role.name, 'ssm-session-kms', missing, `on the session key ${key?.arn ?? kmsKeyId}`)] : []),
    ];
    return findings.verdict(
      '',
      {
        kmsKeyId,
        ...(key ? { keyArn: key.arn, state: key.state, spec: key.spec } : {}),
        agentRole: role.arn,
        methods: [...new Set(findings.all.flatMap((f) => (f.method ? [f.method] : [])))],
      },
      fixes,
      // Every part is about the key: its ARN once, then "the key".
      key ? { name: `KMS key ${key.arn}`, again: 'the key' } : undefined,
    );
  },
};
