// Guards: a fix made after the SSM Agent gave up reaches it only at its next retry (credentials ~30 min, network back-off up to 60).
import { need, skip, type Check } from '../src/check/kit.js';
import { lateFixOf } from '../src/eval/late-fix.js';
import { instanceOf } from '../src/facts/lookup.js';
import { clock, describeChange, describeChangeAt, gaveUpAt, lateFixAction, lateFixTiming } from '../src/fix/late-fix.js';
import { agentRestartCommands, recheckCommand } from '../src/fix/reboot.js';

export const agentLateFix: Check = {
  meta: {
    id: 'agent.late-fix',
    fixRestartsAgent: true,
    title: 'No fix waits for an agent retry',
    group: 'agent',
    description:
      'An SSM Agent that started before its instance profile, role policy, DHMC setting, endpoint, security group or ' +
      'network ACL was fixed notices the fix only at its next retry: about every 30 minutes for credentials, with a ' +
      'back-off up to 60 minutes for the network. For offline agents whose configuration passes, CloudTrail ' +
      '(cloudtrail:LookupEvents) and the DHMC setting date the fix against the launch and the last ping.',
    fixes: 'restart the agent or reboot now, or wait until the retry time given',
    explains: ['agent.ping', 'session.connection'],
  },
  run(ctx) {
    const inst = instanceOf(ctx);
    if (inst.state !== 'running') skip(`instance ${inst.id} is ${inst.state}; instance.state covers it`);
    const agent = need(ctx.facts.agents[ctx.id], `the SSM registration of ${ctx.id}`);
    if (agent?.pingStatus === 'Online') {
      return { status: 'pass', detail: 'Agent Online: no fix is waiting.', data: { pingStatus: 'Online' } };
    }
    const lookups = ctx.facts.cloudTrail;
    if (!lookups?.targets.includes(ctx.id)) {
      skip(
        'CloudTrail was not read for this instance: it is read only for offline agents whose configuration checks all pass ' +
          '(the failing checks say what to fix first)',
      );
    }
    const ev = lateFixOf(ctx.facts, ctx.id);
    if (!ev) skip(`neither the launch time nor a last ping of ${ctx.id} is known: nothing to date a fix against`);
    const now = ctx.facts.collectedAt;
    const data = {
      gaveUp: ev.gaveUp,
      changes: ev.late.map((c) => ({ event: c.name, time: c.time, ...(c.by ? { by: c.by } : {}), refs: c.refs })),
      ...(ev.retryAt ? { retryAt: ev.retryAt } : {}),
      ...(ev.unread.length ? { unread: ev.unread.map((u) => u.name) } : {}),
      ...(ev.truncated.length ? { truncated: ev.truncated } : {}),
    };
    const allUnread = ev.unread.length > 0 && ev.unread.length >= Object.keys(lookups.lookups).length;
    const which = allUnread ? 'The CloudTrail lookups' : `The CloudTrail lookups of ${ev.unread.map((u) => u.name).join(', ')}`;
    const partial = ev.unread.length
      ? ` ${which} failed (${ev.unread[0]!.error.api} ${ev.unread[0]!.error.code}): changes of those kinds are not included.`
      : '';

    const summary = lateFixAction(inst.id, ev);
    if (summary) {
      const newest = ev.late[0]!;
      const restart = agentRestartCommands(inst.platform, inst.id, ctx.region);
      const what = describeChange(newest);
      return {
        // Overdue or not only changes the detail's wording: the verdict never depends on the clock.
        status: 'fail',
        summary:
          `${what[0]!.toUpperCase()}${what.slice(1)}, after the agent of ${inst.id} gave up (${gaveUpAt(ev, newest.time)}): ` +
          `it picks the change up at its next retry, about ${clock(ev.retryAt!, newest.time)}.`,
        detail:
          `Changes to what the agent of ${inst.id} depends on came after it gave up (${gaveUpAt(ev, now)}): ` +
          `${ev.late.map((c) => describeChangeAt(c, now)).join('; ')}. ${lateFixTiming(ev, now)}${partial}`,
        fix: { summary, cli: [...restart.cli, recheckCommand(inst.id, ctx.region)], onInstance: restart.onInstance },
        data,
      };
    }

    // No late change found: only a conclusion when every lookup could be read.
    const failedLookup = ev.unread[0];
    if (failedLookup) {
      need(
        { ok: false, error: failedLookup.error },
        `the CloudTrail changes since ${clock(ev.gaveUp.time)} (they would date an instance profile association, a role policy, ` +
          'an endpoint, security group or network ACL change made after the agent gave up, and say when it retries)',
      );
    }
    const before = ev.earlier ? ` The last change it depends on was before that: ${describeChangeAt(ev.earlier, now)}.` : '';
    const capped = ev.truncated.length ? ` (the newest ${ev.truncated.join(', ')} events were read, not all)` : '';
    return {
      status: 'pass',
      detail:
        `CloudTrail shows no change to what the agent of ${inst.id} depends on since it gave up (${gaveUpAt(ev, now)})${capped}: ` +
        `no fix is waiting for a retry, so the cause of the offline agent is on the instance.${before}`,
      data,
    };
  },
};
