// Guards: the Session Manager preferences (SSM-SessionManagerRunShell) can be read, and Run As has the default user the agent requires.
import { need, type Check } from '../src/check/kit.js';
import type { SessionPreferences } from '../src/facts/facts.js';
import { instanceOf } from '../src/facts/lookup.js';
import { SESSION_PREFERENCES_DOCUMENT } from '../src/facts/requirements.js';
import { preferencesUpdateFix } from '../src/fix/preferences.js';

export const sessionPreferences: Check = {
  meta: {
    id: 'session.preferences',
    title: 'Session preferences are consistent',
    group: 'session',
    description:
      `Session Manager preferences (${SESSION_PREFERENCES_DOCUMENT}) set KMS encryption, S3/CloudWatch logging and Run As for ` +
      'every session: ssm-doctor reads them to judge the key (session.kms-key) and the logging targets (session.logging). ' +
      'With Run As on, the agent on Linux and macOS needs a default OS user (or the SSMSessionRunAs tag on the person ' +
      'connecting) and refuses the session otherwise.',
    fixes: 'set runAsDefaultUser in the preferences (update-document)',
    // An unreadable preferences document is also why the key and logging checks cannot decide.
    explains: ['session.connection', 'session.kms-key', 'session.logging'],
  },
  // Preferences are one document per account and region.
  subject: () => 'session-preferences',
  run(ctx) {
    const inst = instanceOf(ctx);
    const prefs = need(ctx.facts.preferences, `the Session Manager preferences (document ${SESSION_PREFERENCES_DOCUMENT})`);
    if (prefs === null) {
      return {
        status: 'pass',
        detail: `Default preferences (no ${SESSION_PREFERENCES_DOCUMENT}): no KMS, no session logging; sessions run as ssm-user.`,
        data: { preferences: 'default' },
      };
    }
    const data = {
      preferences: 'custom',
      kms: !!prefs.kmsKeyId,
      s3: !!prefs.s3BucketName,
      cloudWatch: !!prefs.cloudWatchLogGroupName,
      runAsEnabled: prefs.runAsEnabled ?? false,
    };
    const judged = [prefs.kmsKeyId ? 'the KMS key: session.kms-key' : '', prefs.s3BucketName || prefs.cloudWatchLogGroupName ? 'the logging targets: session.logging' : '']
      .filter(Boolean)
      .join('; ');
    const settings = `${describeSettings(prefs)}${judged ? ` Judged separately: ${judged}.` : ''}`;

    if (prefs.runAsEnabled && !prefs.runAsDefaultUser?.trim() && inst.platform !== 'windows') {
      const agent = ctx.facts.agents[ctx.id];
      const user = defaultUserFor(agent?.ok ? agent.value?.platformName : undefined);
      return {
        status: 'warn',
        detail:
          'Run As is enabled without a default user: the agent refuses every session ("please set the RunAs default user") of a person ' +
          `whose IAM user or role has no SSMSessionRunAs tag (tags are not read). ${settings}`,
        fix: preferencesUpdateFix(
          ctx.region,
          prefs,
          { runAsDefaultUser: user },
          `Set a Run As default user in the Session Manager preferences: an OS user that exists on your instances (${user} here; ec2-user on Amazon Linux, ubuntu on Ubuntu).`,
        ),
        data,
      };
    }
    return { status: 'pass', detail: settings, data };
  },
};

/** The usual login user of an AMI family, from the platform name Systems Manager reports. */
function defaultUserFor(platformName: string | undefined): string {
  return /ubuntu/i.test(platformName ?? '') ? 'ubuntu' : 'ec2-user';
}

function describeSettings(p: SessionPreferences): string {
  const bits: string[] = [];
  bits.push(p.runAsEnabled ? `Run As is enabled${p.runAsDefaultUser ? ` (default user ${p.runAsDefaultUser})` : ''}` : 'Run As is off (sessions run as ssm-user)');
  if (p.kmsKeyId) bits.push(`KMS key ${p.kmsKeyId}`);
  if (p.s3BucketName) bits.push(`S3 logging to ${p.s3BucketName}${p.s3KeyPrefix ? `/${p.s3KeyPrefix}` : ''}${p.s3EncryptionEnabled ? ' (encrypted bucket required)' : ''}`);
  if (p.cloudWatchLogGroupName) {
    const how = [p.cloudWatchStreamingEnabled ? 'streaming' : '', p.cloudWatchEncryptionEnabled ? 'encrypted group required' : ''].filter(Boolean).join(', ');
    bits.push(`CloudWatch logging to ${p.cloudWatchLogGroupName}${how ? ` (${how})` : ''}`);
  }
  if (p.idleSessionTimeout) bits.push(`idle timeout ${p.idleSessionTimeout} min`);
  if (p.maxSessionDuration) bits.push(`max duration ${p.maxSessionDuration} min`);
  return `Preferences: ${bits.join('; ')}.`;
}
