// Runs every check against every target. A check that throws is isolated: it reports `error`.
import { describeApiError, NeedFact, SkipCheck, type Check, type CheckResult, type TargetContext } from './kit.js';
import type { Facts } from '../facts/facts.js';

export function runCheck(check: Check, ctx: TargetContext): CheckResult {
  const head = { id: check.meta.id, title: check.meta.title, group: check.meta.group };
  try {
    const v = check.run(ctx);
    return { ...head, ...v, ...(v.status !== 'pass' && v.subject === undefined ? subjectOf(check, ctx) : {}) };
  } catch (e) {
    if (e instanceof SkipCheck) return { ...head, status: 'skip', detail: e.message };
    if (e instanceof NeedFact) {
      return {
        ...head,
        status: 'error',
        detail: describeApiError(e.apiError, e.what),
        data: { api: e.apiError.api, code: e.apiError.code, kind: e.apiError.kind },
      };
    }
    const message = e instanceof Error ? e.message : String(e);
    return { ...head, status: 'error', detail: `${check.meta.id} crashed on these facts: ${message}. A hand-edited snapshot may be malformed; otherwise this is a bug in ssm-doctor: please report it.` };
  }
}

/** The check's own subject for a finding; none when it cannot be told (the diagnosis then keys it by instance). */
function subjectOf(check: Check, ctx: TargetContext): { subject?: string } {
  if (!check.subject) return {};
  try {
    const subject = check.subject(ctx);
    return subject ? { subject } : {};
  } catch {
    return {};
  }
}

export function runChecks(checks: Check[], facts: Facts, id: string): CheckResult[] {
  const ctx: TargetContext = { facts, id, region: facts.region };
  return checks.map((c) => runCheck(c, ctx));
}
