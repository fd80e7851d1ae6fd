// The report: what the renderers draw and what `--json` prints (schemaVersion 1, a public contract).
import type { Check, CheckMeta, CheckResult, Fix } from '../check/kit.js';
import type { Facts } from '../facts/facts.js';
import { runChecks } from '../check/run.js';
import { diagnose, type Diagnosis } from '../diagnose/diagnose.js';
import { buildPlan, groupCauses, type Plan, type ReportCause } from '../diagnose/fleet.js';
import { isConfigurationCheck } from '../diagnose/offline.js';
import { pathPictures, type PathPicture } from './path-picture.js';
import { formatDuration } from '../cli/select.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface TargetReport {
  target: string;
  ok: boolean;
  rebootSuggested: boolean;
  /** Present when rebootSuggested: what to do, as data. */
  reboot?: Fix;
  instance?: { name?: string; state?: string; vpcId?: string; subnetId?: string; privateIp?: string; platform?: string };
  /** Root causes in the order to fix them (consequences folded under them), and what to do after. */
  diagnosis: Diagnosis;
  /** Every check's result; a consequence carries `explainedBy` (cause ids of `diagnosis.causes`). */
  checks: CheckResult[];
  /**
   * IAM actions the identity running ssm-doctor was denied (from `error` results whose read was refused),
   * sorted, no duplicates. Present only when not empty.
   */
  missingPermissions?: string[];
  /**
   * The hop chain of the agent's connection to each service it uses (ssm, ssmmessages, ec2messages for agents
   * < 3.3.40.0, kms/logs/s3 when the preferences need them), each hop judged (src/report/path-picture.ts).
   * Present when the instance and its VPC could be read.
   */
  paths?: PathPicture[];
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: string; version: string };
  region: string;
  collectedAt: string;
  source: 'aws' | 'snapshot';
  ok: boolean;
  /** What fails the gate: `fail` (fail and error) or `warn` (warnings too; `--fail-on warn`). */
  failOn: 'fail' | 'warn';
  /** Ids of registered checks left out by `--only` / `--skip`. Present only when some were. */
  omittedChecks?: string[];
  /** Union of the targets' `missingPermissions`. Present only when not empty. */
  missingPermissions?: string[];
  /** Every target's causes grouped by cause id (one entry, one fix, for all the targets sharing it). */
  causes: ReportCause[];
  /** The causes' fixes in order, what to do after them, every command once and the Terraform consolidated. */
  plan: Plan;
  /** How a `--wait` ended (present only with --wait): a wait that ran out fails the gate (`ok` false). */
  wait?: WaitOutcome;
  targets: TargetReport[];
}

export interface WaitOutcome {
  /** Time ran out before every target was ready. */
  timedOut: boolean;
  /** From the first collection to the last round, whole seconds. */
  waitedSeconds: number;
}

export interface ReportOptions {
  tool: { name: string; version: string };
  source: 'aws' | 'snapshot';
  /** `warn` makes warnings fail a target too. */
  failOn?: 'fail' | 'warn';
  /** Ids of registered checks left out by `--only` / `--skip` (recorded; no reboot is suggested without the configuration checks). */
  omittedChecks?: string[];
}

export function targetOk(checks: CheckResult[], failOn: 'fail' | 'warn' = 'fail'): boolean {
  return checks.every((c) => c.status !== 'fail' && c.status !== 'error' && !(failOn === 'warn' && c.status === 'warn'));
}

/** Error codes AWS uses for a refused call, for results that carry no `kind`. */
const DENIAL_CODE = /^(?:AccessDenied(?:Exception)?|UnauthorizedOperation|UnauthorizedException|Unauthorized|AuthorizationError)$/;

/**
 * IAM actions that `error` results could not read because the call was refused, sorted and distinct.
 * The runner puts `data: { api, code, kind }` on results of unreadable facts (src/check/run.ts).
 */
export function missingPermissionsOf(checks: CheckResult[]): string[] {
  const actions = new Set<string>();
  for (const c of checks) {
    if (c.status !== 'error' || !c.data) continue;
    const { api, code, kind } = c.data as { api?: unknown; code?: unknown; kind?: unknown };
    if (typeof api !== 'string' || !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(api)) continue;
    const denied = kind === 'denied' || (kind === undefined && typeof code === 'string' && DENIAL_CODE.test(code));
    if (denied) actions.add(api);
  }
  return [...actions].sort();
}

export function buildReport(facts: Facts, checks: Check[], opts: ReportOptions): Report {
  const omitted = opts.omittedChecks ?? [];
  // Without every configuration check, "the configuration looks right" cannot be claimed.
  const configComplete = !omitted.some(isConfigurationCheck);
  const metas = new Map<string, CheckMeta>(checks.map((c) => [c.meta.id, c.meta]));
  const failOn = opts.failOn ?? 'fail';
  const targets = facts.targets.map((id): TargetReport => {
    const d = diagnose({ facts, id, results: runChecks(checks, facts, id), metas, configComplete, failOn });
    const results = d.results;
    const inst = facts.instances[id];
    const i = inst?.ok && inst.value ? inst.value : undefined;
    const missing = missingPermissionsOf(results);
    return {
      target: id,
      ok: targetOk(results, opts.failOn),
      rebootSuggested: d.rebootSuggested,
      ...(d.reboot ? { reboot: d.reboot } : {}),
      ...(i
        ? { instance: { name: i.name, state: i.state, vpcId: i.vpcId, subnetId: i.subnetId, privateIp: i.privateIp, platform: i.platform } }
        : {}),
      diagnosis: d.diagnosis,
      checks: results,
      ...(missing.length ? { missingPermissions: missing } : {}),
      ...pathsOf(facts, id),
    };
  });
  const missing = [...new Set(targets.flatMap((t) => t.missingPermissions ?? []))].sort();
  const causes = groupCauses(targets);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: opts.tool,
    region: facts.region,
    collectedAt: facts.collectedAt,
    source: opts.source,
    ok: targets.every((t) => t.ok),
    failOn: opts.failOn ?? 'fail',
    ...(omitted.length ? { omittedChecks: omitted } : {}),
    ...(missing.length ? { missingPermissions: missing } : {}),
    causes,
    plan: buildPlan(causes, targets, facts.region),
    targets,
  };
}

/** The report of a --wait run: how the wait ended, before the targets; a wait that ran out is a failed gate. */
export function withWait(report: Report, wait: WaitOutcome): Report {
  const { targets, ...head } = report;
  return { ...head, ok: report.ok && !wait.timedOut, wait, targets };
}

/** The sentence every renderer shows for a wait that ran out; undefined otherwise. */
export function waitTimedOutText(report: Report): string | undefined {
  const w = report.wait;
  if (!w?.timedOut) return undefined;
  const n = report.targets.length;
  // Ready as --wait counts it: ok, and the instance no longer pending.
  const notReady = report.targets.filter((t) => !t.ok || t.instance?.state === 'pending').length;
  return `--wait ran out after ${formatDuration(w.waitedSeconds * 1000)}: ${notReady} of ${n} target${n === 1 ? '' : 's'} still not ready`;
}

/** The path pictures of one target; a crash there never costs the report (the checks already judged the path). */
function pathsOf(facts: Facts, id: string): { paths?: PathPicture[] } {
  try {
    const paths = pathPictures(facts, id);
    return paths.length ? { paths } : {};
  } catch {
    return {};
  }
}

/** The statuses that make a target not ok under this report's gate. */
export function isBlocking(status: CheckResult['status'], failOn: Report['failOn']): boolean {
  return status === 'fail' || status === 'error' || (failOn === 'warn' && status === 'warn');
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
