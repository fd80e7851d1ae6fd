// What to say and do about a late fix, with its times: shared by the agent.late-fix check and the reboot advice
// (src/fix/reboot.ts), so both say the same thing in the same words. The conclusion and the fix name absolute
// times only (a snapshot read later gives the same diagnosis); how long ago, and whether the retry is overdue,
// are said in the check's detail, which is about the moment of the run.
import type { DatedChange, LateFix } from '../eval/late-fix.js';
import type { CheckMeta } from '../check/kit.js';
import { AGENT_RETRY, type RetryKind } from '../facts/late-fix.js';

/** `2026-11-29 09:52 UTC`; only `09:52 UTC` when on the same day as `sameDayAs`. */
export function clock(iso: string, sameDayAs?: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const s = t.toISOString();
  return sameDayAs && s.slice(0, 10) === sameDayAs.slice(0, 10) ? `${s.slice(11, 16)} UTC` : `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** `8 minutes ago`, `3 hours ago`, `2 days ago` (`just now` under a minute). */
export function ago(iso: string, now: string): string {
  const ms = Date.parse(now) - Date.parse(iso);
  if (Number.isNaN(ms)) return 'at an unknown time';
  if (ms < 0) return 'just now (after the collection started)';
  const m = Math.floor(ms / 60_000);
  if (m < 1) return 'just now';
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} hours ago`;
  return `${Math.floor(h / 24)} days ago`;
}

const source = (c: DatedChange) => (c.source === 'cloudtrail' ? `CloudTrail ${c.name}` : 'ssm:GetServiceSetting');

/** "the instance profile was associated at 2026-11-29 09:52 UTC (CloudTrail AssociateIamInstanceProfile)". */
export function describeChange(c: DatedChange): string {
  return `${c.change} at ${clock(c.time)} (${source(c)})`;
}

/** The same, with how long before `now` and who made it: for the detail of a run. */
export function describeChangeAt(c: DatedChange, now: string): string {
  return `${c.change} ${ago(c.time, now)} (${source(c)}, ${clock(c.time, now)}${c.by ? `, by ${c.by}` : ''})`;
}

const RETRY_SENTENCE: Record<DatedChange['retry'], string> = {
  credentials: `the agent retries its credentials about every ${AGENT_RETRY.credentialsMinutes} minutes`,
  network:
    `the agent retries its connection with a back-off that starts at ${AGENT_RETRY.networkFirstMinutes} minutes and ` +
    `doubles up to ${AGENT_RETRY.networkMaxMinutes}`,
};

/**
 * When an agent that gave up notices a fix by itself, for the kinds of fix made (an unknown kind, or none: both).
 * The words of agent.late-fix, so the "Then" step after a fix and the check say the same thing.
 */
export function retrySentence(kinds: readonly (RetryKind | undefined)[]): string {
  const k = new Set(kinds);
  const only = [...k][0];
  if (k.size === 1 && only) return RETRY_SENTENCE[only];
  return (
    `the agent retries its credentials about every ${AGENT_RETRY.credentialsMinutes} minutes and its connection with a ` +
    `back-off that starts at ${AGENT_RETRY.networkFirstMinutes} minutes and doubles up to ${AGENT_RETRY.networkMaxMinutes}`
  );
}

/** Which of the agent's retries a fix of this check waits for: its credentials (IAM, IMDS, a hybrid activation) or its connection (network). */
export function retryKindOf(meta: Pick<CheckMeta, 'id' | 'group'> | undefined): RetryKind | undefined {
  if (!meta) return undefined;
  if (meta.group === 'iam' || meta.id === 'instance.metadata' || meta.id === 'hybrid.activation') return 'credentials';
  if (meta.group === 'network') return 'network';
  return undefined;
}

/** "launch 09:15 UTC" / "last ping 09:20 UTC", on the day of `sameDayAs`. */
export function gaveUpAt(ev: LateFix, sameDayAs?: string): string {
  return `${ev.gaveUp.kind === 'last-ping' ? 'last ping' : 'launch'} ${clock(ev.gaveUp.time, sameDayAs)}`;
}

/** The conclusion about a late fix, in absolute times; undefined when there is none. */
/** What to do about a late fix, without restating it (the finding it belongs to says what changed and when). */
export function lateFixAction(id: string, ev: LateFix): string | undefined {
  const newest = ev.late[0];
  if (!newest || !ev.retryAt) return undefined;
  return (
    `Restart the SSM Agent on ${id} or reboot it now, or wait for its next retry, about ${clock(ev.retryAt, newest.time)}: ` +
    `${RETRY_SENTENCE[newest.retry]}.`
  );
}

export function lateFixSummary(id: string, ev: LateFix): string | undefined {
  const newest = ev.late[0];
  if (!newest || !ev.retryAt) return undefined;
  const more = ev.late.length > 1 ? ` (and ${ev.late.length - 1} more change${ev.late.length > 2 ? 's' : ''} since the agent gave up)` : '';
  return (
    `Restart the SSM Agent on ${id} or reboot it now, or wait for its next retry, about ${clock(ev.retryAt, newest.time)}: ` +
    `${describeChange(newest)}${more}, after the agent gave up (${gaveUpAt(ev, newest.time)}), and ${RETRY_SENTENCE[newest.retry]}.`
  );
}

/** What the moment of the run adds: how long ago, and whether the retry is still ahead, due, or overdue. */
export function lateFixTiming(ev: LateFix, now: string): string {
  const newest = ev.late[0];
  if (!newest || !ev.retryAt) return '';
  if (ev.retryOverdue) {
    return (
      `The agent should have picked the change up by about ${clock(ev.retryAt, now)} and has not: restart it now; if it stays ` +
      'offline, the cause is on the instance (agent service, disk, console output).'
    );
  }
  if (Date.parse(ev.retryAt) <= Date.parse(now)) return `Its retry was due about ${clock(ev.retryAt, now)}: run ssm-doctor again in a few minutes, or restart it now.`;
  return `Restart the agent or reboot now, or wait until about ${clock(ev.retryAt, now)}.`;
}
