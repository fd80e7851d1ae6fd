// Reasoning over the late-fix evidence of one target: which recorded changes concern its agent and came after
// the agent gave up (its last ping, or the launch when it never registered), and when the agent retries next:
// its credential refresher about every 30 minutes, its hibernation back-off 5, 10, 20, 40, then every 60
// minutes, counted from when it gave up.
import type { ApiError, ChangeEvent, Facts } from '../facts/facts.js';
import { AGENT_RETRY, DHMC_CHANGE, LATE_FIX_EVENTS, agentGaveUpAt, changeSubjects, lateFixEventNames, type RetryKind } from '../facts/late-fix.js';

export interface DatedChange {
  /** CloudTrail EventName, or `UpdateServiceSetting` for the DHMC setting's own date. */
  name: string;
  time: string;
  by?: string;
  /** What happened, for a sentence. */
  change: string;
  retry: RetryKind;
  source: 'cloudtrail' | 'service-setting';
  /** The target's resources it mentions. */
  refs: string[];
}

export interface LateFix {
  gaveUp: { kind: 'last-ping' | 'launch'; time: string };
  /** Changes that concern the agent and came after it gave up, newest first. */
  late: DatedChange[];
  /** The newest change that concerns the agent but came before it gave up (the agent already had it). */
  earlier?: DatedChange;
  /** When the agent is expected to retry after the newest late change, if any. */
  retryAt?: string;
  /** The expected retry is more than RETRY_GRACE_MINUTES in the past, and the agent is still not online. */
  retryOverdue?: boolean;
  /** Lookups that failed, by event name: changes of these kinds may be missing. */
  unread: { name: string; error: ApiError }[];
  /** Event names with more changes recorded than were read (the newest were read). */
  truncated: string[];
}

/** Time the agent needs after a retry to register or heartbeat, before "it should be online by now". */
export const RETRY_GRACE_MINUTES = 5;

const MINUTE = 60_000;

/** The first retry of the agent after `at`, given when it gave up and which back-off it is in. */
export function nextRetry(kind: RetryKind, gaveUp: string, at: string): string {
  const g = Date.parse(gaveUp);
  const t = Date.parse(at);
  if (Number.isNaN(t)) return at;
  if (kind === 'credentials') {
    const period = AGENT_RETRY.credentialsMinutes * MINUTE;
    if (Number.isNaN(g) || g > t) return new Date(t + period).toISOString();
    return new Date(g + (Math.floor((t - g) / period) + 1) * period).toISOString();
  }
  let retry = Number.isNaN(g) || g > t ? t : g;
  let wait = AGENT_RETRY.networkFirstMinutes * MINUTE;
  for (;;) {
    retry += wait;
    if (retry > t) return new Date(retry).toISOString();
    wait = Math.min(wait * 2, AGENT_RETRY.networkMaxMinutes * MINUTE);
  }
}

function fromEvent(e: ChangeEvent): DatedChange | undefined {
  const def = LATE_FIX_EVENTS[e.name];
  if (!def) return undefined;
  return { name: e.name, time: e.time, ...(e.by ? { by: e.by } : {}), change: def.change, retry: def.retry, source: 'cloudtrail', refs: e.refs };
}

/**
 * The late-fix evidence of a target from the CloudTrail lookups (and the DHMC setting's date when the agent's
 * credentials come from DHMC). Undefined when the agent's give-up time is unknown. Pure; never throws.
 */
export function lateFixOf(facts: Facts, id: string): LateFix | undefined {
  const gaveUp = agentGaveUpAt(facts, id);
  if (!gaveUp) return undefined;
  const subjects = new Set(changeSubjects(facts, id));
  const changes: DatedChange[] = [];
  const unread: LateFix['unread'] = [];
  const truncated: string[] = [];
  const lookups = facts.cloudTrail?.lookups ?? {};
  for (const [name, f] of Object.entries(lookups)) {
    if (!f.ok) {
      unread.push({ name, error: f.error });
      continue;
    }
    if (f.value.truncated) truncated.push(name);
    for (const e of f.value.events) {
      const refs = e.refs.filter((r) => subjects.has(r));
      const c = refs.length ? fromEvent({ ...e, refs }) : undefined;
      if (c) changes.push(c);
    }
  }
  // A lookup that should have been made for this target but is not in the facts proves nothing either.
  for (const name of lateFixEventNames(facts, [id])) {
    if (!(name in lookups)) unread.push({ name, error: { api: 'cloudtrail:LookupEvents', code: 'NotCollected', message: `${name} was not looked up`, kind: 'other' } });
  }
  const dhmc = facts.dhmc.ok ? facts.dhmc.value : undefined;
  if (dhmc?.roleName && dhmc.lastModifiedDate && subjects.has(dhmc.roleName)) {
    changes.push({ name: 'UpdateServiceSetting', time: dhmc.lastModifiedDate, change: DHMC_CHANGE.change, retry: DHMC_CHANGE.retry, source: 'service-setting', refs: [dhmc.roleName] });
  }
  changes.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  const g = Date.parse(gaveUp.time);
  const late = changes.filter((c) => Date.parse(c.time) > g);
  const earlier = changes.find((c) => Date.parse(c.time) <= g);
  const out: LateFix = { gaveUp, late, unread, truncated, ...(earlier ? { earlier } : {}) };
  if (late.length) {
    const retryAt = late.map((c) => nextRetry(c.retry, gaveUp.time, c.time)).reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
    out.retryAt = retryAt;
    out.retryOverdue = Date.parse(facts.collectedAt) > Date.parse(retryAt) + RETRY_GRACE_MINUTES * MINUTE;
  }
  return out;
}
