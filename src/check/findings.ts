// Checks made of several independent parts (session.kms-key, session.logging): each part is a Finding; a part
// whose facts could not be read becomes an `error` finding while the others go on; the verdict is the worst
// status, the non-passing findings first, and one fix merged from the failing parts.
import { NeedFact, describeApiError, type Fix, type Status, type Verdict } from './kit.js';
import { mergeFixes, uniqueInOrder } from '../fix/merge.js';

export interface Finding {
  status: Status;
  text: string;
  /** A sentence after `text` saying why it matters, said once per verdict: two parts may give the same reason. */
  note?: string;
  fix?: Fix;
  /** How a permission was decided (`simulation`, `policy-documents`, `key-policy`...). */
  method?: string;
  /** The resource this finding is about (a key ARN, a log group...), for Verdict.subject. */
  subject?: string;
  /** The failed read of an `error` finding (copied to the verdict's data, so missingPermissions names it). */
  apiError?: { api: string; code: string; kind: string };
}

/** The resource every part names (`KMS key arn:…`): named in full once in a detail, then `again` (`the key`). */
export interface Naming {
  name: string;
  again: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const capital = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;

/**
 * Every mention of `name` after the first becomes `again`; one that opens a sentence as "<name>: its …" becomes
 * "Its …".
 */
export function nameOnce(text: string, { name, again }: Naming): string {
  const i = text.indexOf(name);
  if (i < 0) return text;
  const end = i + name.length;
  const n = escape(name);
  const rest = text
    .slice(end)
    .replace(new RegExp(`(?<=[.!?] )${n}(: its )?`, 'g'), (_m, its: string | undefined) => (its ? 'Its ' : capital(again)))
    .replace(new RegExp(n, 'g'), again);
  return `${text.slice(0, end)}${rest}`;
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
   * The verdict: worst status; detail = non-passing findings, then passing ones (each note once), then `tail`; the fixes of the
   * failing and warning findings merged (plus `extraFixes` first); subject of the first failing finding.
   */
  verdict(tail: string, data: Record<string, unknown>, extraFixes: Fix[] = [], naming?: Naming): Verdict {
    const status = worst(this.all.map((f) => f.status));
    const bad = this.all.filter((f) => f.status !== 'pass' && f.status !== 'skip');
    const said = new Set<string>();
    const say = (f: Finding) => {
      const note = f.note && !said.has(f.note) ? ` ${f.note}` : '';
      if (f.note) said.add(f.note);
      return `${f.text}${note}`;
    };
    const joined = [...bad.map(say), ...this.all.filter((f) => !bad.includes(f)).map(say), tail].filter(Boolean).join(' ');
    const detail = naming ? nameOnce(joined, naming) : joined;
    const denied = this.all.find((f) => f.apiError);
    const full = { ...data, ...(denied?.apiError && status === 'error' ? denied.apiError : {}) };
    if (status === 'pass' || status === 'skip') return { status, detail, data: full };
    const fixes = [...extraFixes, ...bad.filter((f) => f.fix && (f.status === 'fail' || f.status === 'warn')).map((f) => f.fix!)];
    const fix = mergeFixes(fixes, fixes.length > 1 ? uniqueInOrder(fixes.map((f) => f.summary)).join(' ') : undefined);
    const subject = bad.find((f) => f.subject)?.subject;
    return { status, detail, ...(fix ? { fix } : {}), data: full, ...(subject ? { subject } : {}) };
  }
}
