// The "reboot suggestion": when every configuration check is fine but the agent is still not Online,
// the agent has most likely backed off (minutes up to an hour) after the role or endpoints were fixed.
import type { CheckResult } from '../check/kit.js';
import type { Facts, Instance } from '../facts/facts.js';

/** Results that describe the symptom (agent offline, no session) or the operator's machine, not the configuration. */
export function isConfigurationCheck(id: string): boolean {
  return id !== 'agent.ping' && id !== 'session.connection' && !id.startsWith('client.');
}

function runningInstance(facts: Facts, id: string): Instance | undefined {
  const f = facts.instances[id];
  if (!f?.ok || f.value === null) return undefined;
  return f.value.state === 'running' ? f.value : undefined;
}

/**
 * True when the instance is running, `agent.ping` failed, and every configuration check (all but
 * agent.ping, session.connection and client.*) is ok: pass, warn or skip (fail and error are not).
 */
export function rebootSuggested(facts: Facts, id: string, results: CheckResult[]): boolean {
  if (!runningInstance(facts, id)) return false;
  const ping = results.find((r) => r.id === 'agent.ping');
  if (ping?.status !== 'fail') return false;
  return results
    .filter((r) => isConfigurationCheck(r.id))
    .every((r) => r.status === 'pass' || r.status === 'warn' || r.status === 'skip');
}

/** Commands that restart the SSM Agent on the instance (run there) and reboot it (run anywhere). */
export function agentRestartCommands(platform: 'windows' | 'linux' | undefined, id: string, region: string): string[] {
  const onInstance =
    platform === 'windows'
      ? '# on the instance (PowerShell as Administrator): Restart-Service AmazonSSMAgent'
      : '# on the instance (EC2 Instance Connect, serial console or SSH): sudo systemctl restart amazon-ssm-agent';
  return [onInstance, `aws ec2 reboot-instances --instance-ids ${id} --region ${region}`];
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

/** What to tell the operator when `rebootSuggested` is true: wait after a fresh launch, else restart or reboot. */
export function rebootAdvice(facts: Facts, id: string): { summary: string; cli: string[] } {
  const region = facts.region;
  const f = facts.instances[id];
  const inst = f?.ok && f.value ? f.value : undefined;
  const age = minutesBetween(inst?.launchTime, facts.collectedAt);
  const recheck = `aws ssm get-connection-status --target ${id} --region ${region}`;
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
  return {
    summary:
      `The configuration of ${id} looks right but its SSM Agent is not online. The agent backs off (minutes, up to an hour) ` +
      'when it started before the role, permissions or endpoints were in place: restart the agent, or reboot the instance ' +
      '(ssm-doctor --reboot does it after asking).',
    cli: [...agentRestartCommands(inst?.platform, id, region), recheck],
  };
}
