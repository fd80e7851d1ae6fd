// Checks made of several independent parts (session.kms-key, session.logging): each part is a Finding; a part
// whose facts could not be read becomes an `error` finding while the others go on; the verdict is the worst
// status, the non-passing findings first, and one fix merged from the failing parts.
import { NeedFact, describeApiError, type Fix, type Status, type Verdict } from './kit.js';
import { mergeFixes, uniqueInOrder } from '../fix/merge.js';

export interface Finding {
  status: Status;
  text: string;
  fix?: Fix;
  /** How a permission was decided (`simulation`, `policy-documents`, `key-policy`...). */
  method?: string;
  /** The resource this finding is about (a key ARN, a log group...), for Verdict.subject. */
  subject?: string;
  /** The failed read of an `error` finding (copied to the verdict's data, so missingPermissions names it). */
  apiError?: { api: string; code: string; kind: string };
}

const RANK: Record<Status, number> = { pass: 0, skip: 0, warn: 1, error: 2, fail: 3 };

export function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((w, s) => (RANK[s] > RANK[w] ? s : w), 'pass');
}

/** A list of findings that runs each part in isolation: a fact it could not read makes that part `error`. */
export class Findings {
  readonly all: Finding[] = [];

  /** Runs one part; NeedFact becomes an `error` finding, anything else propagates. */
  add(part: () => Finding | Finding[] | undefined): void {
    try {
      const f = part();
      if (Array.isArray(f)) this.all.push(...f);
      else if (f) this.all.push(f);
    } catch (e) {
      if (!(e instanceof NeedFact)) throw e;
      const { api, code, kind } = e.apiError;
      this.all.push({ status: 'error', text: describeApiError(e.apiError, e.what), apiError: { api, code, kind } });
    }
  }

  /** A value needed by later parts; undefined (and an `error` finding) when its facts could not be read. */
  value<T>(get: () => T): T | undefined {
    let v: T | undefined;
    this.add(() => {
      v = get();
      return undefined;
    });
    return v;
  }

  /**
   * The verdict: worst status; detail = non-passing findings, then passing ones, then `tail`; the fixes of the
   * failing and warning findings merged (plus `extraFixes` first); subject of the first failing finding.
   */
  verdict(tail: string, data: Record<string, unknown>, extraFixes: Fix[] = []): Verdict {
    const status = worst(this.all.map((f) => f.status));
    const bad = this.all.filter((f) => f.status !== 'pass' && f.status !== 'skip');
    const detail = [...bad.map((f) => f.text), ...this.all.filter((f) => !bad.includes(f)).map((f) => f.text), tail].filter(Boolean).join(' ');
    const denied = this.all.find((f) => f.apiError);
    const full = { ...data, ...(denied?.apiError && status === 'error' ? denied.apiError : {}) };
    if (status === 'pass' || status === 'skip') return { status, detail, data: full };
    const fixes = [...extraFixes, ...bad.filter((f) => f.fix && (f.status === 'fail' || f.status === 'warn')).map((f) => f.fix!)];
    const fix = mergeFixes(fixes, fixes.length > 1 ? uniqueInOrder(fixes.map((f) => f.summary)).join(' ') : undefined);
    const subject = bad.find((f) => f.subject)?.subject;
    return { status, detail, ...(fix ? { fix } : {}), data: full, ...(subject ? { subject } : {}) };
  }
}
