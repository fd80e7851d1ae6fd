// Runs every check over a world and asserts what must hold for ANY facts, however odd: no crash, a valid
// status, an explanation, a fix on every fail. Shared by the odd-data tests.
import { expect } from 'vitest';
import { allChecks } from '../../checks/index.js';
import type { CheckResult, Status } from '../../src/check/kit.js';
import type { Facts } from '../../src/facts/facts.js';
import { runChecks } from '../../src/check/run.js';
import { IID } from '../fixtures/world.js';

const STATUSES: Status[] = ['pass', 'fail', 'warn', 'skip', 'error'];

/** Every check over `facts` for one target, as the CLI runs them. */
export function runAll(facts: Facts, id = IID): CheckResult[] {
  return runChecks(allChecks, facts, id);
}

/** Problems with one result (empty when it is sane). */
export function problemsOf(r: CheckResult): string[] {
  const out: string[] = [];
  if (!STATUSES.includes(r.status)) out.push(`${r.id}: invalid status ${String(r.status)}`);
  if (typeof r.detail !== 'string' || r.detail.trim() === '') out.push(`${r.id}: empty detail`);
  else {
    if (r.detail.includes(' crashed on these facts')) out.push(`${r.id}: ${r.detail}`);
    if (/\bundefined\b|\bNaN\b|\[object Object\]/.test(r.detail)) out.push(`${r.id}: detail shows a raw value: ${r.detail}`);
  }
  if (r.status === 'fail') {
    if (!r.fix) out.push(`${r.id}: fail without a fix`);
    else {
      if (typeof r.fix.summary !== 'string' || !r.fix.summary.trim()) out.push(`${r.id}: fix without a summary`);
      if (!Array.isArray(r.fix.cli) || r.fix.cli.some((c) => typeof c !== 'string')) out.push(`${r.id}: fix.cli is not a list of strings`);
    }
  }
  if (r.fix) {
    const text = `${r.fix.summary}\n${(r.fix.cli ?? []).join('\n')}`;
    if (/\bundefined\b|\bNaN\b|\[object Object\]/.test(text)) out.push(`${r.id}: fix shows a raw value: ${text}`);
  }
  try {
    JSON.stringify(r);
  } catch (e) {
    out.push(`${r.id}: not JSON-serialisable (${(e as Error).message})`);
  }
  return out;
}

/** Runs every check and asserts that all results are sane; returns them keyed by check id. */
export function saneRun(facts: Facts, id = IID): Record<string, CheckResult> {
  const results = runAll(facts, id);
  expect(results.flatMap(problemsOf)).toEqual([]);
  expect(results.map((r) => r.id)).toEqual(allChecks.map((c) => c.meta.id));
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

/** `id: status` for every result, for readable assertion failures. */
export function statuses(results: Record<string, CheckResult>): Record<string, Status> {
  return Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.status]));
}
