// The fleet summary: one aligned row per target (instance, Name tag, verdict, failing check ids), readable at 500 rows.
import type { ChalkInstance } from 'chalk';
import { isBlocking, type Report, type TargetReport } from './model.js';

/** Terminal-safe text: control characters (C0, DEL, C1) and bidi overrides become `?`, so a tag cannot move the cursor. */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
}

const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufe00-\ufe0f]/u;
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

/** Columns a code point takes in a terminal (0, 1 or 2; an approximation of wcwidth). */
function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** Columns a plain (uncoloured) string takes. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** At most `width` columns; cut strings end with `…`. */
export function truncate(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** `a, b, c +2 more` in at most `width` columns (always at least the first id, cut if needed). */
export function fitList(items: string[], width: number): string {
  if (items.length === 0) return '';
  // Widths of the first items only, until they no longer fit: linear in what is shown, not in the list (a cause of
  // 3,000 instances was quadratic).
  let best = 0;
  let used = 0;
  for (let n = 1; n <= items.length; n++) {
    used += displayWidth(items[n - 1]!) + (n > 1 ? 2 : 0);
    if (used > width) break;
    const rest = items.length - n;
    if (rest === 0 || used + ` +${rest} more`.length <= width) best = n;
  }
  if (best === items.length) return items.join(', ');
  if (best >= 1) return `${items.slice(0, best).join(', ')} +${items.length - best} more`;
  const more = items.length > 1 ? ` +${items.length - 1} more` : '';
  return truncate(items[0]!, Math.max(1, width - more.length)) + more;
}

export type Verdict = 'OK' | 'WARN' | 'NOT READY';

/** `NOT READY` when the gate fails for it, `WARN` when ok with warnings, else `OK`. */
export function verdictOf(t: TargetReport): Verdict {
  if (!t.ok) return 'NOT READY';
  return t.checks.some((c) => c.status === 'warn') ? 'WARN' : 'OK';
}

/** The ids the table lists: those failing the gate, or the warnings of a `WARN` target. */
export function problemIds(t: TargetReport, failOn: Report['failOn']): string[] {
  const blocking = t.checks.filter((c) => isBlocking(c.status, failOn)).map((c) => c.id);
  return blocking.length ? blocking : t.checks.filter((c) => c.status === 'warn').map((c) => c.id);
}

/**
 * Rows (header first) of the fleet table, at most `width` columns: instance, Name, verdict, and what is wrong
 * (the numbers of its causes when `causeRef` is given, else the check ids). Colour only wraps padded cells.
 */
export function fleetRows(report: Report, c: ChalkInstance, width = 80, causeRef?: (causeId: string) => string): string[] {
  const rows = report.targets.map((t) => {
    const causes = t.diagnosis.causes.map((x) => x.id);
    const num = (s: string) => Number(s.replace(/^#/, ''));
    const what = causeRef && causes.length ? causes.map(causeRef).sort((a, b) => num(a) - num(b)) : problemIds(t, report.failOn);
    return {
      id: truncate(terminalSafe(t.target), 24),
      name: terminalSafe(t.instance?.name ?? ''),
      verdict: verdictOf(t),
      what,
      numbered: Boolean(causeRef && causes.length),
    };
  });
  const gap = '  ';
  const idW = Math.max('INSTANCE'.length, ...rows.map((r) => displayWidth(r.id)));
  const verdictW = 'NOT READY'.length;
  const listMin = 14;
  const nameRoom = Math.max(4, width - idW - verdictW - listMin - 3 * gap.length);
  const nameW = Math.min(nameRoom, 24, Math.max('NAME'.length, ...rows.map((r) => displayWidth(r.name))));
  const listW = Math.max(listMin, width - idW - nameW - verdictW - 3 * gap.length);
  const paintVerdict = (v: Verdict, s: string) => (v === 'OK' ? c.green(s) : v === 'WARN' ? c.yellow(s) : c.red(s));
  const out = [c.dim(`${padEnd('INSTANCE', idW)}${gap}${padEnd('NAME', nameW)}${gap}${padEnd('VERDICT', verdictW)}${gap}FINDINGS`)];
  for (const r of rows) {
    const list = r.numbered ? fitList(r.what.map((n) => `${n}`), listW) : fitList(r.what, listW);
    const head = `${c.bold(padEnd(r.id, idW))}${gap}${padEnd(truncate(r.name, nameW), nameW)}${gap}`;
    // Rows without findings end right after the verdict: no trailing spaces.
    out.push(
      list
        ? `${head}${paintVerdict(r.verdict, padEnd(r.verdict, verdictW))}${gap}${r.verdict === 'WARN' ? c.dim(list) : list}`
        : `${head}${paintVerdict(r.verdict, r.verdict)}`,
    );
  }
  return out;
}

/** `3 instances: 1 ok, 1 with warnings, 1 not ready` */
export function fleetSummary(report: Report): string {
  const n = report.targets.length;
  const by = { OK: 0, WARN: 0, 'NOT READY': 0 };
  for (const t of report.targets) by[verdictOf(t)]++;
  const parts = [`${by.OK} ok`];
  if (by.WARN) parts.push(`${by.WARN} with warnings`);
  parts.push(`${by['NOT READY']} not ready`);
  return `${n} instance${n === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
