// The report for people at a terminal: grouped checks with symbols, fixes under failures, a summary line.
// Several targets: a fleet table first, then details only for the targets that are not ok.
import { Chalk, type ChalkInstance } from 'chalk';
import type { CheckGroup, CheckResult, Fix, Status } from '../check/kit.js';
import { tally, type Report, type TargetReport } from './model.js';
import { fleetSummary, fleetTable, terminalSafe } from './table.js';
import { drawPicture } from './path-picture.js';

export interface TextOptions {
  color: boolean;
  /** Show details of passing checks too (and, for several targets, every target's details). */
  verbose?: boolean;
  /** Only the checks that are not pass/skip (the fleet details). */
  compact?: boolean;
  /** Fleet details: fixes already printed (JSON of the fix -> the target it was printed for), printed once. */
  seenFixes?: Map<string, string>;
}

const SYMBOL: Record<Status, string> = { pass: '✔', fail: '✖', warn: '⚠', skip: '○', error: '!' };
const GROUP_TITLE: Record<CheckGroup, string> = {
  instance: 'Instance',
  agent: 'SSM Agent',
  iam: 'IAM',
  network: 'Network',
  session: 'Session Manager',
  client: 'Your machine',
};

function paint(c: ChalkInstance, status: Status, s: string): string {
  switch (status) {
    case 'pass':
      return c.green(s);
    case 'fail':
      return c.red(s);
    case 'error':
      return c.magenta(s);
    case 'warn':
      return c.yellow(s);
    default:
      return c.dim(s);
  }
}

export function summaryLine(checks: CheckResult[]): string {
  const t = tally(checks);
  const parts: string[] = [];
  if (t.fail) parts.push(`${t.fail} failed`);
  if (t.error) parts.push(`${t.error} could not be checked`);
  if (t.warn) parts.push(`${t.warn} warning${t.warn === 1 ? '' : 's'}`);
  parts.push(`${t.pass} passed`);
  if (t.skip) parts.push(`${t.skip} skipped`);
  return parts.join(', ');
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

function renderFix(c: ChalkInstance, fix: Fix, pad: string): string[] {
  const out = [`${pad}${c.bold('Fix:')} ${fix.summary}`];
  for (const cmd of fix.cli) out.push(indent(cmd.startsWith('#') ? c.dim(cmd) : `$ ${cmd}`, `${pad}  `));
  if (fix.terraform) {
    out.push(`${pad}  ${c.dim('Terraform:')}`);
    out.push(c.dim(indent(fix.terraform, `${pad}    `)));
  }
  return out;
}

/** `network.route`'s cost evidence, when the agent goes through interface endpoints. */
function endpointCostNote(r: CheckResult): string | undefined {
  if (r.id !== 'network.route' || !r.data) return undefined;
  const cost = r.data.cost as { interfaceEndpoints?: unknown; azs?: unknown; usdPerMonth?: unknown } | undefined;
  const paths = r.data.paths as Record<string, unknown> | undefined;
  if (!cost || !paths || !Object.values(paths).includes('endpoint')) return undefined;
  const { interfaceEndpoints: n, azs, usdPerMonth: usd } = cost;
  if (typeof n !== 'number' || typeof azs !== 'number' || typeof usd !== 'number') return undefined;
  return (
    `${n} interface endpoint${n === 1 ? '' : 's'} × ${azs} AZ${azs === 1 ? '' : 's'} ≈ $${usd.toFixed(2)}/month; ` +
    'EC2 Instance Connect Endpoint is free when session logging is not needed'
  );
}

function renderCheck(c: ChalkInstance, r: CheckResult, opts: TextOptions, target: string): string[] {
  const out = [`    ${paint(c, r.status, SYMBOL[r.status])} ${r.title} ${c.dim(`[${r.id}]`)}`];
  const showDetail = opts.verbose || r.status !== 'pass';
  if (showDetail && r.detail) out.push(c.dim(indent(r.detail, '      ')));
  if (r.fix && (r.status === 'fail' || r.status === 'warn' || r.status === 'error')) {
    const key = opts.seenFixes ? JSON.stringify(r.fix) : '';
    const first = opts.seenFixes?.get(key);
    if (first) out.push(`      ${c.bold('Fix:')} ${r.fix.summary} ${c.dim(`(commands as for ${first} above)`)}`);
    else {
      opts.seenFixes?.set(key, terminalSafe(target));
      out.push(...renderFix(c, r.fix, '      '));
    }
  }
  // The detail already says it when shown.
  const cost = showDetail ? undefined : endpointCostNote(r);
  if (cost) out.push(`      ${c.blue('ℹ')} ${c.dim(cost)}`);
  return out;
}

/** `Permissions to add: a, b` for the identity running ssm-doctor, or nothing. */
function permissionsLine(c: ChalkInstance, actions: string[] | undefined, pad: string): string[] {
  if (!actions?.length) return [];
  return [`${pad}${c.bold('Permissions to add')} (to the identity running ssm-doctor): ${actions.join(', ')}`];
}

function header(c: ChalkInstance, t: TargetReport): string {
  const i = t.instance;
  const bits = [c.bold(terminalSafe(t.target))];
  if (i?.name) bits.push(c.cyan(terminalSafe(i.name)));
  if (i) bits.push(c.dim([i.state, i.vpcId, i.subnetId, i.privateIp].filter(Boolean).join(' · ')));
  return bits.join('  ');
}

/** The hop chains under Network: the broken or unknown ones, every one with --verbose. */
function renderPaths(c: ChalkInstance, t: TargetReport, opts: TextOptions): string[] {
  const shown = (t.paths ?? []).filter((p) => opts.verbose || p.ok !== true);
  const mark = (ok: boolean | undefined, m: string) => (ok === true ? c.green(m) : ok === false ? c.red(m) : c.yellow(m));
  return shown.flatMap((p) =>
    drawPicture(
      { ...p, hops: p.hops.map((h) => ({ ...h, label: terminalSafe(h.label) })) },
      { prefix: `    ${terminalSafe(p.service)}: `, indent: '      ', paint: mark },
    ),
  );
}

export function renderTarget(c: ChalkInstance, t: TargetReport, opts: TextOptions): string[] {
  const out = [header(c, t)];
  const groups = new Map<CheckGroup, CheckResult[]>();
  const shown = opts.compact ? t.checks.filter((r) => r.status !== 'pass' && r.status !== 'skip') : t.checks;
  for (const r of shown) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  const paths = renderPaths(c, t, opts);
  for (const [group, results] of groups) {
    out.push(`  ${c.bold(GROUP_TITLE[group])}`);
    for (const r of results) out.push(...renderCheck(c, r, opts, t.target));
    if (group === 'network') out.push(...paths.splice(0));
  }
  if (paths.length) out.push(`  ${c.bold(GROUP_TITLE.network)}`, ...paths);
  if (t.rebootSuggested && t.reboot) {
    out.push('');
    out.push(`  ${c.yellow('↻')} ${c.bold('Configuration looks right but the agent is not online.')}`);
    out.push(...renderFix(c, t.reboot, '    '));
  }
  out.push('');
  const verdict = t.ok ? c.green('OK') : c.red('NOT READY');
  out.push(`  ${verdict}  ${summaryLine(t.checks)}`);
  if (!opts.compact) out.push(...permissionsLine(c, t.missingPermissions, '  '));
  return out;
}

export function renderText(report: Report, opts: TextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  const src = report.source === 'snapshot' ? `from a snapshot taken ${report.collectedAt}` : 'live';
  const omitted = report.omittedChecks?.length ? ` · ${report.omittedChecks.length} check${report.omittedChecks.length === 1 ? '' : 's'} left out (--only/--skip)` : '';
  const gate = report.failOn === 'warn' ? ' · warnings fail' : '';
  out.push(c.dim(`ssm-doctor ${report.tool.version} · ${report.region} · ${src}${omitted}${gate}`));
  out.push('');
  if (report.targets.length <= 1) {
    for (const t of report.targets) out.push(...renderTarget(c, t, opts));
    return `${out.join('\n')}\n`;
  }
  out.push(...fleetTable(report, c));
  out.push('');
  const summary = fleetSummary(report);
  out.push(report.ok ? c.green(summary) : c.red(summary));
  const detailed = opts.verbose ? report.targets : report.targets.filter((t) => !t.ok);
  const seenFixes = new Map<string, string>();
  for (const t of detailed) {
    out.push('');
    out.push(...renderTarget(c, t, { ...opts, compact: !opts.verbose, seenFixes }));
  }
  if (report.missingPermissions?.length) {
    out.push('');
    out.push(...permissionsLine(c, report.missingPermissions, ''));
  }
  return `${out.join('\n')}\n`;
}
