// The report: what the renderers draw and what `--json` prints (schemaVersion 1, a public contract).
import type { Check, CheckResult, Fix } from '../check.js';
import type { Facts } from '../facts.js';
import { runChecks } from '../run.js';
import { rebootAdvice, rebootSuggested } from '../reboot-advice.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface TargetReport {
  target: string;
  ok: boolean;
  rebootSuggested: boolean;
  /** Present when rebootSuggested: what to do, as data. */
  reboot?: Fix;
  instance?: { name?: string; state?: string; vpcId?: string; subnetId?: string; privateIp?: string; platform?: string };
  checks: CheckResult[];
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: string; version: string };
  region: string;
  collectedAt: string;
  source: 'aws' | 'snapshot';
  ok: boolean;
  targets: TargetReport[];
}

export interface ReportOptions {
  tool: { name: string; version: string };
  source: 'aws' | 'snapshot';
  /** `warn` makes warnings fail a target too. */
  failOn?: 'fail' | 'warn';
}

export function targetOk(checks: CheckResult[], failOn: 'fail' | 'warn' = 'fail'): boolean {
  return checks.every((c) => c.status !== 'fail' && c.status !== 'error' && !(failOn === 'warn' && c.status === 'warn'));
}

export function buildReport(facts: Facts, checks: Check[], opts: ReportOptions): Report {
  const targets = facts.targets.map((id): TargetReport => {
    const results = runChecks(checks, facts, id);
    const suggested = rebootSuggested(facts, id, results);
    const inst = facts.instances[id];
    const i = inst?.ok && inst.value ? inst.value : undefined;
    return {
      target: id,
      ok: targetOk(results, opts.failOn),
      rebootSuggested: suggested,
      ...(suggested ? { reboot: rebootAdvice(facts, id) } : {}),
      ...(i
        ? { instance: { name: i.name, state: i.state, vpcId: i.vpcId, subnetId: i.subnetId, privateIp: i.privateIp, platform: i.platform } }
        : {}),
      checks: results,
    };
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: opts.tool,
    region: facts.region,
    collectedAt: facts.collectedAt,
    source: opts.source,
    ok: targets.every((t) => t.ok),
    targets,
  };
}

export interface Tally {
  fail: number;
  error: number;
  warn: number;
  pass: number;
  skip: number;
}

export function tally(checks: CheckResult[]): Tally {
  const t: Tally = { fail: 0, error: 0, warn: 0, pass: 0, skip: 0 };
  for (const c of checks) t[c.status]++;
  return t;
}
