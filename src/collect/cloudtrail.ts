// The last round, only for agents that are offline although every configuration check passes: what CloudTrail
// recorded of the changes that could have fixed them after the agent gave up (src/facts/late-fix.ts says which).
// cloudtrail:LookupEvents takes one lookup attribute per call, so there is one lookup per event name, over one
// window for every target (since the earliest launch / last ping among them), newest first, at most
// CLOUDTRAIL_LOOKUP.maxPages pages each. The API allows 2 requests per second per account and region: a
// client-side rate limit keeps the lookups under it, and one set of lookups serves a whole fleet.
import type { ChangeEvent, LateFixLookups } from '../facts/facts.js';
import { failed, ok } from '../facts/facts.js';
import { CLOUDTRAIL_LOOKUP, changeSubjects, lateFixEventNames, lateFixWindowStart } from '../facts/late-fix.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import type { EvidenceReads } from './session-targets.js';

/** Longest id or name kept from an event (longer strings are policy documents and the like). */
const MAX_REF = 256;

export async function readLateFixEvidence(x: EvidenceReads, targets: string[], rate?: RateLimiter): Promise<void> {
  if (!targets.length) return;
  const facts = x.facts;
  const since = lateFixWindowStart(facts, targets);
  const subjects = new Set(targets.flatMap((id) => changeSubjects(facts, id)));
  const names = lateFixEventNames(facts, targets);
  const limit = rate ?? createRateLimiter({ perSecond: CLOUDTRAIL_LOOKUP.perSecond });
  const { sdk, client } = await x.clients.cloudtrail();
  const results = await Promise.all(
    names.map(async (name): Promise<LateFixLookups['lookups'][string]> => {
      const events: ChangeEvent[] = [];
      let token: string | undefined;
      for (let page = 0; page < CLOUDTRAIL_LOOKUP.maxPages; page++) {
        const input = {
          LookupAttributes: [{ AttributeKey: 'EventName' as const, AttributeValue: name }],
          StartTime: new Date(since),
          EndTime: new Date(facts.collectedAt),
          MaxResults: CLOUDTRAIL_LOOKUP.pageSize,
          ...(token ? { NextToken: token } : {}),
        };
        const r = await x.r.read('cloudtrail:LookupEvents', input, (i) => limit(() => client.send(new sdk.LookupEventsCommand(i))));
        if (!r.ok) return failed(r.error);
        for (const e of r.value.Events ?? []) {
          const change = changeEvent(e, subjects);
          if (change) events.push(change);
        }
        token = r.value.NextToken;
        if (!token) return ok({ events });
      }
      return ok({ events, truncated: true });
    }),
  );
  const lookups: LateFixLookups['lookups'] = {};
  names.forEach((name, n) => (lookups[name] = results[n]!));
  facts.cloudTrail = { targets, since, lookups };
}

interface SdkEvent {
  EventId?: string;
  EventName?: string;
  EventTime?: Date;
  Resources?: { ResourceName?: string }[];
  CloudTrailEvent?: string;
}

/**
 * A recorded event as a ChangeEvent when it succeeded and mentions one of `subjects` (in its request, its
 * response, or its resources); undefined otherwise. Only the matching ids and names are kept.
 */
export function changeEvent(e: SdkEvent, subjects: Set<string>): ChangeEvent | undefined {
  let detail: { errorCode?: unknown; requestParameters?: unknown; responseElements?: unknown; userIdentity?: { arn?: unknown }; eventTime?: unknown } = {};
  try {
    detail = e.CloudTrailEvent ? (JSON.parse(e.CloudTrailEvent) as typeof detail) : {};
  } catch {
    detail = {};
  }
  if (detail.errorCode) return undefined;
  const refs: string[] = [];
  const see = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length <= MAX_REF && subjects.has(v) && !refs.includes(v)) refs.push(v);
    } else if (Array.isArray(v)) v.forEach(see);
    else if (v && typeof v === 'object') Object.values(v).forEach(see);
  };
  see(detail.requestParameters);
  see(detail.responseElements);
  see((e.Resources ?? []).map((r) => r.ResourceName));
  if (!refs.length || !e.EventName) return undefined;
  const time = e.EventTime instanceof Date ? e.EventTime : new Date(typeof detail.eventTime === 'string' ? detail.eventTime : NaN);
  if (Number.isNaN(time.getTime())) return undefined;
  const by = typeof detail.userIdentity?.arn === 'string' ? detail.userIdentity.arn : undefined;
  return { id: e.EventId ?? `${e.EventName}@${time.toISOString()}`, name: e.EventName, time: time.toISOString(), ...(by ? { by } : {}), refs };
}
