// The report for people at a terminal: grouped checks with symbols, fixes under failures, a summary line.
import { Chalk, type ChalkInstance } from 'chalk';
import type { CheckGroup, CheckResult, Fix, Status } from '../check.js';
import { tally, type Report, type TargetReport } from './model.js';

export interface TextOptions {
  color: boolean;
  /** Show details of passing checks too. */
  verbose?: boolean;
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

function renderCheck(c: ChalkInstance, r: CheckResult, opts: TextOptions): string[] {
  const out = [`    ${paint(c, r.status, SYMBOL[r.status])} ${r.title} ${c.dim(`[${r.id}]`)}`];
  const showDetail = opts.verbose || r.status !== 'pass';
  if (showDetail && r.detail) out.push(c.dim(indent(r.detail, '      ')));
  if (r.fix && (r.status === 'fail' || r.status === 'warn' || r.status === 'error')) out.push(...renderFix(c, r.fix, '      '));
  return out;
}

function header(c: ChalkInstance, t: TargetReport): string {
  const i = t.instance;
  const bits = [c.bold(t.target)];
  if (i?.name) bits.push(c.cyan(i.name));
  if (i) bits.push(c.dim([i.state, i.vpcId, i.subnetId, i.privateIp].filter(Boolean).join(' · ')));
  return bits.join('  ');
}

export function renderTarget(c: ChalkInstance, t: TargetReport, opts: TextOptions): string[] {
  const out = [header(c, t)];
  const groups = new Map<CheckGroup, CheckResult[]>();
  for (const r of t.checks) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  for (const [group, results] of groups) {
    out.push(`  ${c.bold(GROUP_TITLE[group])}`);
    for (const r of results) out.push(...renderCheck(c, r, opts));
  }
  if (t.rebootSuggested && t.reboot) {
    out.push('');
    out.push(`  ${c.yellow('↻')} ${c.bold('Configuration looks right but the agent is not online.')}`);
    out.push(...renderFix(c, t.reboot, '    '));
  }
  out.push('');
  const verdict = t.ok ? c.green('OK') : c.red('NOT READY');
  out.push(`  ${verdict}  ${summaryLine(t.checks)}`);
  return out;
}

export function renderText(report: Report, opts: TextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  const src = report.source === 'snapshot' ? `from a snapshot taken ${report.collectedAt}` : 'live';
  out.push(c.dim(`ssm-doctor ${report.tool.version} · ${report.region} · ${src}`));
  out.push('');
  report.targets.forEach((t, i) => {
    if (i > 0) out.push('');
    out.push(...renderTarget(c, t, opts));
  });
  return `${out.join('\n')}\n`;
}
