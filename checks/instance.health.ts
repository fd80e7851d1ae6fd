// Guards: EC2's status checks pass (the OS answers, the AWS host works) and no scheduled event stops the instance: an agent cannot be Online on an instance that does not run properly.
import { skip, type Check, type Fix, type Verdict } from '../src/check/kit.js';
import { offlineEvidence, onlyWhileOffline } from '../src/check/evidence-check.js';
import type { InstanceStatus, ScheduledEvent } from '../src/facts/facts.js';
import { instanceOf } from '../src/facts/lookup.js';
import { FRESH_LAUNCH_MINUTES, minutesBetween } from '../src/fix/reboot.js';

const WHAT = 'the status checks (ec2:DescribeInstanceStatus)';

/** Events AWS has not finished or canceled. */
function pending(events: ScheduledEvent[]): ScheduledEvent[] {
  return events.filter((e) => !/^\s*\[(?:Completed|Canceled)\]/i.test(e.description ?? ''));
}

function eventText(e: ScheduledEvent): string {
  const when = e.notBefore ? ` from ${e.notBefore}${e.notAfter ? ` to ${e.notAfter}` : ''}` : '';
  return `${e.code}${when}${e.description ? ` (${e.description.trim()})` : ''}`;
}

function stopStart(id: string, region: string): string[] {
  return [
    `aws ec2 stop-instances --instance-ids ${id} --region ${region}`,
    `aws ec2 wait instance-stopped --instance-ids ${id} --region ${region}`,
    `aws ec2 start-instances --instance-ids ${id} --region ${region}`,
  ];
}

export const instanceHealth: Check = {
  meta: {
    id: 'instance.health',
    fixRestartsAgent: true,
    title: 'EC2 status checks pass',
    group: 'instance',
    description:
      'Read only when the agent is offline: the instance status check (the OS answers) and the system status check ' +
      '(the AWS host) must pass, and scheduled retirement or maintenance events say when AWS will stop the instance ' +
      '(ec2:DescribeInstanceStatus).',
    fixes: 'reboot (OS not responding); stop and start (host problem, moves to new hardware); wait while initializing',
    explains: ['agent.ping', 'session.connection', 'agent.console'],
  },
  run(ctx) {
    const inst = instanceOf(ctx);
    if (inst.state !== 'running') skip(`instance ${inst.id} is ${inst.state}; instance.state covers it`);
    const status = offlineEvidence(ctx, ctx.facts.instanceStatus[ctx.id], WHAT);
    if (status === null) skip(`EC2 returned no status for ${inst.id} (it was not running when read)`);
    return onlyWhileOffline(ctx, WHAT, judge(status, inst.id, ctx.region, inst.launchTime, ctx.facts.collectedAt));
  },
};

function judge(s: InstanceStatus, id: string, region: string, launchTime: string | undefined, now: string): Verdict {
  const data = { instanceStatus: s.instanceStatus, systemStatus: s.systemStatus, events: pending(s.events) };
  const events = pending(s.events);
  const eventNote = events.length ? ` Scheduled: ${events.map(eventText).join('; ')}.` : '';
  if (s.systemStatus === 'impaired') {
    const fix: Fix = {
      summary:
        `Stop and start ${id}: that moves it to healthy hardware (a reboot keeps it on the same host). ` +
        'Data on instance-store volumes is lost; EBS volumes and the private IP address stay.',
      cli: stopStart(id, region),
    };
    return {
      status: 'fail',
      summary: `The system status check of ${id} fails: its AWS host has a problem.`,
      detail:
        `The system status check of ${id} fails${s.systemImpairedSince ? ` since ${s.systemImpairedSince}` : ''}: the AWS host or its ` +
        `network has a problem, so nothing on the instance (the SSM Agent included) can reach AWS.${eventNote}`,
      fix,
      data,
    };
  }
  if (s.instanceStatus === 'impaired') {
    return {
      status: 'fail',
      summary: `The instance status check of ${id} fails: its operating system does not answer.`,
      detail:
        `The instance status check of ${id} fails${s.instanceImpairedSince ? ` since ${s.instanceImpairedSince}` : ''}: the operating ` +
        'system does not answer (kernel panic, full disk or memory, failed boot, broken network configuration), so the ' +
        `SSM Agent cannot run or reach AWS.${eventNote}`,
      fix: {
        summary: `Reboot ${id}; if the check still fails after it, read its console output (get-console-output) for why the OS does not come up.`,
        cli: [`aws ec2 reboot-instances --instance-ids ${id} --region ${region}`, `aws ec2 get-console-output --instance-id ${id} --latest --output text --region ${region}`],
      },
      data,
    };
  }
  if (events.length) {
    const retirement = events.some((e) => /retirement|stop/i.test(e.code));
    return {
      status: 'warn',
      detail: `AWS has scheduled ${events.map(eventText).join('; ')} for ${id}.`,
      fix: {
        summary: retirement
          ? `Stop and start ${id} before the event to move it to new hardware (or replace it); a retired instance is stopped or terminated.`
          : `Plan for the maintenance window; stopping and starting ${id} before it moves it off the affected host.`,
        cli: stopStart(id, region),
      },
      data,
    };
  }
  if (s.instanceStatus === 'initializing' || s.systemStatus === 'initializing') {
    const age = minutesBetween(launchTime, now);
    const fresh = age !== undefined && age >= 0 && age < FRESH_LAUNCH_MINUTES ? ` (launched ${Math.floor(age)} minutes ago)` : '';
    return {
      status: 'warn',
      detail:
        `The status checks of ${id} are still initializing${fresh}: the instance is ` +
        'still booting; the SSM Agent registers a few minutes after boot. Wait (ssm-doctor --wait keeps waiting).',
      data,
    };
  }
  if (s.instanceStatus === 'ok' && s.systemStatus === 'ok') {
    return {
      status: 'pass',
      detail: `Both status checks of ${id} pass: the host works and the OS answers, so the agent's problem is inside the OS or its configuration.`,
      data,
    };
  }
  skip(`the status checks of ${id} give no verdict yet (instance: ${s.instanceStatus}, system: ${s.systemStatus})`);
}
