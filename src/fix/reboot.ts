// The restart / reboot fix: what to do when the agent is offline although nothing else is wrong (it backed off
// after a late fix, or it hung), and what to do after the real causes are fixed (it may not notice by itself).
import type { Fix } from '../check/kit.js';
import type { Facts } from '../facts/facts.js';
import { isManagedNode } from '../cli/args.js';
import { lateFixOf } from '../eval/late-fix.js';
import type { RetryKind } from '../facts/late-fix.js';
import { clock, lateFixSummary, retrySentence } from './late-fix.js';

/** The command that restarts the SSM Agent on the instance (deb/rpm service, or the Ubuntu snap). */
export function agentRestartOnInstance(platform: 'windows' | 'linux' | undefined): string {
  return platform === 'windows'
    ? 'Restart-Service AmazonSSMAgent'
    : 'sudo systemctl restart amazon-ssm-agent || sudo snap restart amazon-ssm-agent';
}

/**
 * Restart the agent on the instance, or reboot it from anywhere. A hybrid managed node has no EC2 reboot:
 * only the on-instance restart.
 */
export function agentRestartCommands(
  platform: 'windows' | 'linux' | undefined,
  id: string,
  region: string,
  managedNode = false,
): Pick<Fix, 'cli' | 'onInstance'> {
  return {
    cli: managedNode ? [] : [`aws ec2 reboot-instances --instance-ids ${id} --region ${region}`],
    onInstance: [agentRestartOnInstance(platform)],
  };
}

/** How long ago an instance may have launched and still just need time for the agent to register. */
export const FRESH_LAUNCH_MINUTES = 10;

/** Minutes between two ISO timestamps (b - a), or undefined when either is missing or unparsable. */
export function minutesBetween(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b) return undefined;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return undefined;
  return (tb - ta) / 60_000;
}

function instanceOf(facts: Facts, id: string) {
  const f = facts.instances[id];
  return f?.ok && f.value ? f.value : undefined;
}

/** The connection check to run after a restart. */
export function recheckCommand(id: string, region: string): string {
  return `aws ssm get-connection-status --target ${id} --region ${region}`;
}

/** What to tell the operator when the configuration is right but the agent is offline: wait after a fresh launch, else restart or reboot. */
export function rebootAdvice(facts: Facts, id: string): Fix {
  const region = facts.region;
  const inst = instanceOf(facts, id);
  const age = minutesBetween(inst?.launchTime, facts.collectedAt);
  const recheck = recheckCommand(id, region);
  if (age !== undefined && age >= 0 && age < FRESH_LAUNCH_MINUTES) {
    const mins = Math.max(0, Math.floor(age));
    return {
      summary:
        `${id} launched ${mins === 0 ? 'less than a minute' : `${mins} minute${mins === 1 ? '' : 's'}`} ago and the configuration looks right: ` +
        'the SSM Agent usually registers within a few minutes of boot. Wait a few minutes and run ssm-doctor again ' +
        'before restarting anything.',
      cli: [recheck],
    };
  }
  // A hybrid node (mi-) is no EC2 instance: no EC2 reboot, and --reboot does not apply to it.
  const managedNode = isManagedNode(id);
  const restart = agentRestartCommands(inst?.platform, id, region, managedNode);
  return {
    summary: managedNode
      ? `Restart the SSM Agent on ${id} (or reboot the machine): the agent backs off (minutes, up to an hour) when it started before its ` +
        'role or network path was in place.'
      : (evidenceSummary(facts, id) ??
        'Restart the SSM Agent, or reboot the instance (ssm-doctor --reboot does it after asking): the agent backs off ' +
          '(minutes, up to an hour) when it started before the role, permissions or endpoints were in place.'),
    cli: [...restart.cli, recheck],
    onInstance: restart.onInstance,
  };
}

/**
 * The restart advice reasoned from CloudTrail (agent.late-fix's evidence), when it was read for this target: a
 * dated late fix with the time the agent retries, or "no change since the agent gave up". Undefined otherwise.
 */
function evidenceSummary(facts: Facts, id: string): string | undefined {
  if (!facts.cloudTrail?.targets.includes(id)) return undefined;
  const ev = lateFixOf(facts, id);
  if (!ev) return undefined;
  const late = lateFixSummary(id, ev);
  if (late) return `${late} (ssm-doctor --reboot reboots after asking.)`;
  if (ev.unread.length) return undefined;
  return (
    `Restart the SSM Agent on ${id} or reboot it (ssm-doctor --reboot does it after asking): CloudTrail shows no change to ` +
    `what the agent depends on since ${clock(ev.gaveUp.time)} (${ev.gaveUp.kind === 'last-ping' ? "the agent's last ping" : 'the instance started'}), ` +
    'so a late fix does not explain the offline agent; if it stays offline, the cause is on the instance (agent service, disk, console output).'
  );
}

/** The agent is Online but Session Manager cannot connect, and nothing AWS shows is wrong: restart it, then read its logs. */
export function notConnectedAdvice(facts: Facts, id: string): Fix {
  const inst = instanceOf(facts, id);
  const windows = inst?.platform === 'windows';
  const restart = agentRestartCommands(inst?.platform, id, facts.region, id.startsWith('mi-'));
  return {
    summary:
      `Restart the SSM Agent on ${id} (or reboot it); if sessions still fail, read the agent's errors on the instance ` +
      `(${windows ? 'C:\\ProgramData\\Amazon\\SSM\\Logs\\errors.log' : '/var/log/amazon/ssm/errors.log'}): a proxy or firewall on the instance ` +
      'that blocks the session channels (ssmmessages) is the usual reason.',
    cli: [...restart.cli, recheckCommand(id, facts.region)],
    onInstance: [
      ...(restart.onInstance ?? []),
      windows ? 'Get-Content C:\\ProgramData\\Amazon\\SSM\\Logs\\errors.log -Tail 50' : 'sudo tail -n 50 /var/log/amazon/ssm/errors.log',
    ],
  };
}

/**
 * After the causes of an offline agent are fixed: by itself the agent notices them only at its next retry of what
 * they fixed (`retries`: its credentials, its connection; one unknown, or none: both); a restart or reboot brings it back at once.
 */
export function afterFixAdvice(facts: Facts, id: string, managedNode: boolean, retries: readonly (RetryKind | undefined)[] = []): Fix {
  const inst = instanceOf(facts, id);
  const restart = agentRestartCommands(inst?.platform, id, facts.region, managedNode);
  return {
    summary:
      `If ${id} is not Online 10 minutes after the fixes, restart its SSM Agent or reboot it: ${retrySentence(retries)}, ` +
      'and notices the fixes only then.',
    cli: [...restart.cli, recheckCommand(id, facts.region)],
    onInstance: restart.onInstance,
  };
}
