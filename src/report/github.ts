// `--format github`: GitHub Actions workflow commands (::error / ::warning annotations, one per finding) on
// stdout, and the Markdown job summary that the CLI appends to $GITHUB_STEP_SUMMARY. Pure functions of the Report.
import { Chalk } from 'chalk';
import type { CheckResult, Fix } from '../check/kit.js';
import { isBlocking, type Report, type TargetReport } from './model.js';
import { fleetRows, fleetSummary, problemIds, terminalSafe, truncate, verdictOf, type Verdict } from './table.js';

/** Other control characters (C0 but LF/CR, DEL, C1) would reach the log raw (ANSI escapes): `?`. */
const controls = (s: string) => s.replace(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '?');

/** Workflow command data (the message): `%`, CR and LF encoded, so a message is one line. */
export function escapeData(s: string): string {
  return controls(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command property value (`title=`): as data, plus `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function who(t: TargetReport): string {
  return t.instance?.name ? `${t.target} (${t.instance.name})` : t.target;
}

function command(kind: 'error' | 'warning' | 'notice', title: string, message: string): string {
  return `::${kind} title=${escapeProperty(title)}::${escapeData(message)}`;
}

function fixLines(fix: Fix): string {
  return [`Fix: ${fix.summary}`, ...fix.cli.map((c) => (c.startsWith('#') ? c : `$ ${c}`))].join('\n');
}

function annotation(t: TargetReport, r: CheckResult, failOn: Report['failOn']): string | undefined {
  if (r.status !== 'fail' && r.status !== 'error' && r.status !== 'warn') return undefined;
  const kind = isBlocking(r.status, failOn) ? 'error' : 'warning';
  const what = r.status === 'error' ? 'could not check' : r.status === 'warn' ? 'warning' : 'failed';
  const message = r.fix ? `${r.detail}\n${fixLines(r.fix)}` : r.detail;
  return command(kind, `ssm-doctor ${who(t)}: ${r.id} ${what}`, message);
}

/** Annotations (one per fail/error/warn, a notice per suggested reboot), then the plain fleet table. */
export function renderGithub(report: Report): string {
  const out: string[] = [];
  for (const t of report.targets) {
    for (const r of t.checks) {
      const a = annotation(t, r, report.failOn);
      if (a) out.push(a);
    }
    if (t.rebootSuggested && t.reboot) {
      out.push(command('notice', `ssm-doctor ${who(t)}: restart the agent or reboot`, fixLines(t.reboot)));
    }
  }
  if (report.missingPermissions?.length) {
    out.push(command('warning', 'ssm-doctor: permissions to add', `Grant these to the identity running ssm-doctor: ${report.missingPermissions.join(', ')}`));
  }
  if (out.length) out.push('');
  out.push(...fleetRows(report, new Chalk({ level: 0 }), 100), '', fleetSummary(report));
  return `${out.join('\n')}\n`;
}

// --- Markdown job summary -------------------------------------------------------------------------------------

/** Markdown-inert text: HTML-escaped, inline markup backslash-escaped, line-start markup neutralised. */
export function mdText(s: string): string {
  return terminalSafe(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

/** One table cell: as mdText, on one line. */
function cell(s: string): string {
  return mdText(s.replace(/[\r\n]+/g, ' '));
}

/** A paragraph: each line escaped, line-start block markup (#, +, -, >, 1.) defused. */
function paragraph(s: string): string {
  return s
    .split(/\r?\n/)
    .map((l) => mdText(l).replace(/^(\s*)([#+\-=]|\d+[.)])/, '$1\\$2'))
    .join('  \n');
}

/** A fenced code block whose fence is longer than any backtick run inside. */
function code(text: string, lang: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${controls(text).replace(/\r/g, '')}\n${fence}`;
}

const ICON: Record<Verdict, string> = { OK: '✅ OK', WARN: '⚠️ WARN', 'NOT READY': '❌ NOT READY' };
const STATUS_ICON: Record<string, string> = { fail: '❌', error: '❗', warn: '⚠️' };

/** GitHub refuses step summaries over 1 MiB; instance sections stop before this many characters. */
export const SUMMARY_BUDGET = 900_000;

function section(t: TargetReport, failOn: Report['failOn'], seenFixes: Map<string, string>): string {
  const out = [`### ${ICON[verdictOf(t)]} \`${t.target.replace(/`/g, '')}\`${t.instance?.name ? ` ${cell(t.instance.name)}` : ''}`, ''];
  for (const r of t.checks.filter((c) => c.status === 'fail' || c.status === 'error' || c.status === 'warn')) {
    const note = r.status === 'warn' && !isBlocking('warn', failOn) ? ' (warning)' : r.status === 'error' ? ' (could not check)' : '';
    out.push(`**${STATUS_ICON[r.status]} ${cell(r.title)}** \`${r.id}\`${note}`, '', paragraph(r.detail), '');
    const key = r.fix ? JSON.stringify(r.fix) : '';
    const first = seenFixes.get(key);
    if (r.fix && first) out.push(`**Fix:** ${cell(r.fix.summary)} (commands as for \`${first}\` above)`, '');
    else if (r.fix) {
      seenFixes.set(key, t.target.replace(/`/g, ''));
      out.push(`**Fix:** ${cell(r.fix.summary)}`, '');
      if (r.fix.cli.length) out.push(code(r.fix.cli.join('\n'), 'sh'), '');
      if (r.fix.terraform) out.push('<details><summary>Terraform</summary>', '', code(r.fix.terraform, 'hcl'), '', '</details>', '');
    }
  }
  if (t.rebootSuggested && t.reboot) {
    out.push(`**↻ Configuration looks right but the agent is not online.** ${cell(t.reboot.summary)}`, '', code(t.reboot.cli.join('\n'), 'sh'), '');
  }
  if (t.missingPermissions?.length) {
    out.push(`**Permissions to add** (to the identity running ssm-doctor): ${t.missingPermissions.map((a) => `\`${a}\``).join(', ')}`, '');
  }
  return out.join('\n');
}

/** The job summary: a table of every target, then the findings and fixes of each target that is not ok. */
export function renderGithubSummary(report: Report): string {
  const notOk = report.targets.filter((t) => !t.ok);
  const out = [
    `## ssm-doctor · ${cell(report.region)} · ${fleetSummary(report)}`,
    '',
    '| instance | Name | verdict | failing checks |',
    '| --- | --- | --- | --- |',
  ];
  for (const t of report.targets) {
    const ids = problemIds(t, report.failOn);
    const list = ids.length > 6 ? [...ids.slice(0, 5).map((i) => `\`${i}\``), `+${ids.length - 5} more`] : ids.map((i) => `\`${i}\``);
    out.push(`| \`${t.target.replace(/`/g, '')}\` | ${cell(truncate(t.instance?.name ?? '', 40))} | ${ICON[verdictOf(t)]} | ${list.join(', ')} |`);
  }
  out.push('');
  if (report.omittedChecks?.length) out.push(`Checks left out (--only/--skip): ${report.omittedChecks.map((i) => `\`${i}\``).join(', ')}`, '');
  if (report.missingPermissions?.length) {
    out.push(`**Permissions to add** (to the identity running ssm-doctor): ${report.missingPermissions.map((a) => `\`${a}\``).join(', ')}`, '');
  }
  let size = out.join('\n').length;
  let shown = 0;
  const seenFixes = new Map<string, string>();
  for (const t of notOk) {
    const s = section(t, report.failOn, seenFixes);
    if (size + s.length > SUMMARY_BUDGET) break;
    out.push(s);
    size += s.length + 1;
    shown++;
  }
  if (shown < notOk.length) {
    out.push(`… and ${notOk.length - shown} more not-ready instance${notOk.length - shown === 1 ? '' : 's'} (the summary has a size limit; use --format json or --format junit for all of them).`, '');
  }
  return `${out.join('\n')}\n`;
}
