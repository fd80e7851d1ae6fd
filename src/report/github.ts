// `--format github`: GitHub Actions workflow commands (::error / ::warning annotations, one per finding) on
// stdout, and the Markdown job summary that the CLI appends to $GITHUB_STEP_SUMMARY. Pure functions of the Report.
import { Chalk } from 'chalk';
import type { CheckResult, Fix } from '../check/kit.js';
import { groupSummary } from '../diagnose/fleet.js';
import { mergeFixes } from '../fix/merge.js';
import { isBlocking, waitTimedOutText, type Report, type TargetReport } from './model.js';
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
  return `::${kind} title=${escapeProperty(title)}::${escapeData(fitMessage(message))}`;
}

/**
 * The runner cuts an annotation's message to 4096 characters (actions/runner `_maxIssueMessageLength`), in the
 * middle of a command if it must. Messages stay under it, counted escaped (longer than decoded) to be safe.
 */
export const ANNOTATION_MESSAGE_MAX = 4096;

/** The message, or its first lines (whole ones) that fit and one more line saying how many are left out and where. */
export function fitMessage(message: string): string {
  const fits = (s: string) => escapeData(s).length < ANNOTATION_MESSAGE_MAX;
  if (fits(message)) return message;
  const lines = message.split('\n');
  const more = (n: number) => `… ${n ? `${n} more line${n === 1 ? '' : 's'}` : 'the rest'}: see the job summary (or the JSON report, --json-file or --format json).`;
  let kept = 0;
  let size = 0;
  for (; kept < lines.length; kept++) {
    const next = size + escapeData(lines[kept]!).length + '%0A'.length;
    if (next + escapeData(more(lines.length - kept - 1)).length >= ANNOTATION_MESSAGE_MAX) break;
    size = next;
  }
  // (a first line too long for the message: its start)
  const head = kept ? lines.slice(0, kept) : [`${lines[0]!.slice(0, ANNOTATION_MESSAGE_MAX / 4)}…`];
  return [...head, more(lines.length - head.length)].join('\n');
}

function fixLines(fix: Fix): string {
  return [
    `Fix: ${fix.summary}`,
    ...fix.cli.map((c) => `$ ${c}`),
    ...(fix.onInstance?.length ? ['On the instance:', ...fix.onInstance.map((c) => `  ${c}`)] : []),
  ].join('\n');
}

/** GitHub shows this many annotations of each kind per step; the rest are dropped without a word. */
export const ANNOTATIONS_PER_KIND = 10;
/** Instances named in one annotation before `+N more`. */
const NAMED_INSTANCES = 5;

function instancesLine(ids: string[], byId: Map<string, TargetReport>): string {
  const named = ids.slice(0, NAMED_INSTANCES).map((id) => (byId.has(id) ? who(byId.get(id)!) : id));
  const more = ids.length > NAMED_INSTANCES ? ` +${ids.length - NAMED_INSTANCES} more` : '';
  return `${ids.length === 1 ? 'Instance' : `${ids.length} instances`}: ${named.join(', ')}${more}`;
}

interface Annotation {
  kind: 'error' | 'warning' | 'notice';
  title: string;
  message: string;
}

/**
 * Keeps at most ANNOTATIONS_PER_KIND of each kind; when there are more, the last one kept says how many were
 * left out and where to read them, so nothing disappears silently.
 */
export function withinLimits(all: Annotation[]): Annotation[] {
  const out: Annotation[] = [];
  for (const kind of ['error', 'warning', 'notice'] as const) {
    const of = all.filter((a) => a.kind === kind);
    if (of.length <= ANNOTATIONS_PER_KIND) {
      out.push(...of);
      continue;
    }
    const kept = of.slice(0, ANNOTATIONS_PER_KIND - 1);
    const rest = of.length - kept.length;
    out.push(...kept, {
      kind,
      title: `ssm-doctor: ${rest} more ${kind === 'error' ? 'causes' : kind === 'warning' ? 'warnings' : 'notices'}`,
      message: [
        `GitHub shows ${ANNOTATIONS_PER_KIND} ${kind} annotations per step: ${rest} more are in the job summary (and in --format json / junit):`,
        ...of.slice(kept.length).map((a) => `- ${a.title.replace(/^ssm-doctor: /, '')}`),
      ].join('\n'),
    });
  }
  return out;
}

/**
 * Annotations, one per cause (naming its instances: the first few and how many more), one per kind of warning
 * that is not a cause, one notice for what to do after the fixes, and one for missing permissions; within
 * GitHub's per-step limits. Then the plain fleet table.
 */
export function renderGithub(report: Report): string {
  const byId = new Map(report.targets.map((t) => [t.target, t]));
  const all: Annotation[] = [];
  report.causes.forEach((c, i) => {
    const blocking = c.status !== 'warn' || report.failOn === 'warn';
    all.push({
      kind: blocking ? 'error' : 'warning',
      title: `ssm-doctor: ${c.status === 'error' ? 'could not check: ' : ''}${c.summary}`.slice(0, 240),
      message: [`Cause ${i + 1} of ${report.causes.length} (${c.id})`, c.summary, instancesLine(c.targets, byId), ...(c.fix ? [fixLines(c.fix)] : [])].join('\n'),
    });
  });
  // Warnings that are not causes, grouped by check across instances; their fixes merged (as a cause's are), so the
  // fix covers every instance named.
  const inCauses = new Set(report.targets.flatMap((t) => t.diagnosis.causes.flatMap((c) => c.checks.map((id) => `${t.target} ${id}`))));
  const warns = new Map<string, { r: CheckResult; targets: string[]; fixes: Fix[] }>();
  for (const t of report.targets) {
    for (const r of t.checks) {
      if (r.status !== 'warn' || r.explainedBy || inCauses.has(`${t.target} ${r.id}`)) continue;
      let w = warns.get(r.id);
      if (!w) warns.set(r.id, (w = { r, targets: [], fixes: [] }));
      w.targets.push(t.target);
      if (r.fix) w.fixes.push(r.fix);
    }
  }
  for (const { r, targets, fixes } of warns.values()) {
    const fix = mergeFixes(fixes, groupSummary(fixes.map((f) => f.summary)));
    all.push({
      kind: report.failOn === 'warn' ? 'error' : 'warning',
      title: `ssm-doctor: ${r.id} warning`,
      message: [r.summary ?? r.detail, instancesLine(targets, byId), ...(fix ? [fixLines(fix)] : [])].join('\n'),
    });
  }
  const after = report.plan.steps.find((s) => !s.cause && s.fix);
  if (after?.fix) {
    all.push({ kind: 'notice', title: 'ssm-doctor: then', message: [after.summary, instancesLine(after.targets, byId), fixLines(after.fix)].join('\n') });
  }
  if (report.missingPermissions?.length) {
    all.push({ kind: 'warning', title: 'ssm-doctor: permissions to add', message: `Grant these to the identity running ssm-doctor: ${report.missingPermissions.join(', ')}` });
  }
  const waited = waitTimedOutText(report);
  if (waited) all.unshift({ kind: 'error', title: 'ssm-doctor: --wait ran out', message: waited });
  const out = withinLimits(all).map((a) => command(a.kind, a.title, a.message));
  if (out.length) out.push('');
  out.push(fleetSummary(report), '', ...fleetRows(report, new Chalk({ level: 0 }), 100, causeNumbers(report)));
  return `${out.join('\n')}\n`;
}

/** `cause id -> "1"`: the numbers the annotations and the summary give the causes. */
function causeNumbers(report: Report): (id: string) => string {
  const n = new Map(report.causes.map((c, i) => [c.id, `${i + 1}`]));
  return (id) => n.get(id) ?? id;
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
    // A backslash before a digit shows literally: an ordered-list marker is defused at its `.` or `)` (`3\.`).
    .map((l) => mdText(l).replace(/^(\s*)([#+\-=])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2'))
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

/**
 * GitHub refuses a step summary over 1 MiB (1,048,576 bytes of UTF-8: "upload aborted, supports content up to a size
 * of 1024k"); this one stays under this many bytes, saying what it left out.
 */
export const SUMMARY_BUDGET = 900_000;
/** One fix's share: a fix longer than this (a command per instance of a large fleet) is cut at whole commands. */
const FIX_BUDGET = 50_000;
/** The headings, table header and left-out notes, counted before the parts that are cut to fit. */
const FRAME_BYTES = 4_000;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Where what the summary leaves out is: the JSON report has every cause, fix, instance and finding. */
const ELSEWHERE = 'the job summary has a size limit: all of them are in the JSON report, --json-file or --format json';

/** The items (each a line or block, counted with its newline) that fit in `budget` bytes, in order; stops at the first that does not. */
function fit(items: Iterable<string>, budget: number): { kept: string[]; used: number } {
  const kept: string[] = [];
  let used = 0;
  for (const item of items) {
    const b = bytes(item) + 1;
    if (used + b > budget) break;
    kept.push(item);
    used += b;
  }
  return { kept, used };
}

/** `… 3 more causes (...)`, or nothing when none was left out. */
function leftOut(n: number, what: string): string[] {
  return n > 0 ? [`… ${n} more ${what}${n === 1 ? '' : 's'} (${ELSEWHERE}).`, ''] : [];
}

/**
 * A fix in Markdown: summary, commands (in a sh block), commands on the instance, Terraform (folded). A fix over
 * FIX_BUDGET bytes keeps its first commands whole and says how many more there are; its Terraform is left out then.
 */
function fixMd(fix: Fix): string[] {
  const out = [`**Fix:** ${cell(fix.summary)}`, ''];
  const whole = [...out];
  if (fix.cli.length) whole.push(code(fix.cli.join('\n'), 'sh'), '');
  if (fix.onInstance?.length) whole.push('On the instance itself:', '', code(fix.onInstance.join('\n'), 'sh'), '');
  if (fix.terraform) whole.push('<details><summary>Terraform</summary>', '', code(fix.terraform, 'hcl'), '', '</details>', '');
  if (bytes(whole.join('\n')) <= FIX_BUDGET) return whole;
  const room = FIX_BUDGET - FRAME_BYTES / 4 - bytes(out.join('\n'));
  const cli = fit(fix.cli, room);
  const onInstance = fit(fix.onInstance ?? [], room - cli.used);
  if (cli.kept.length) out.push(code(cli.kept.join('\n'), 'sh'), '');
  if (onInstance.kept.length) out.push('On the instance itself:', '', code(onInstance.kept.join('\n'), 'sh'), '');
  out.push(...leftOut(fix.cli.length - cli.kept.length + (fix.onInstance?.length ?? 0) - onInstance.kept.length, 'command'));
  if (fix.terraform) out.push(`Terraform: left out (${ELSEWHERE}).`, '');
  return out;
}

const tick = (s: string) => `\`${s.replace(/`/g, '')}\``;

/** Each cause once, as one block: its instances (the first few), what it explains, its fix. */
function* causeBlocks(report: Report): Generator<string> {
  const byId = new Map(report.targets.map((t) => [t.target, t]));
  for (const [i, c] of report.causes.entries()) {
    const ids = c.targets.slice(0, NAMED_INSTANCES).map((id) => `${tick(id)}${byId.get(id)?.instance?.name ? ` ${cell(byId.get(id)!.instance!.name!)}` : ''}`);
    const more = c.targets.length > NAMED_INSTANCES ? ` +${c.targets.length - NAMED_INSTANCES} more` : '';
    const out = [`**${i + 1}. ${STATUS_ICON[c.status]} ${cell(c.summary)}** ${tick(c.id)}`, ''];
    out.push(`${c.targets.length === 1 ? 'Instance' : `${c.targets.length} instances`}: ${ids.join(', ')}${more}`, '');
    if (c.checks.length > 1) out.push(`Explains: ${c.checks.slice(1).map(tick).join(', ')}`, '');
    if (c.fix) out.push(...fixMd(c.fix));
    yield out.join('\n');
  }
}

/** What to do after the causes are fixed. */
function thenMd(report: Report): string[] {
  const after = report.plan.steps.find((s) => !s.cause && s.fix);
  return report.causes.length && after?.fix ? [`**Then:** ${cell(after.summary)}`, '', ...fixMd(after.fix)] : [];
}

/** One instance in the table: its causes by number (or its findings). */
function row(t: TargetReport, report: Report, num: (id: string) => string): string {
  const causes = t.diagnosis.causes.map((c) => num(c.id)).sort((a, b) => Number(a) - Number(b));
  const ids = causes.length ? causes.map((n) => `cause ${n}`) : problemIds(t, report.failOn).map(tick);
  const list = ids.length > 6 ? [...ids.slice(0, 5), `+${ids.length - 5} more`] : ids;
  return `| ${tick(t.target)} | ${cell(truncate(t.instance?.name ?? '', 40))} | ${ICON[verdictOf(t)]} | ${list.join(', ')} |`;
}

/** One instance's evidence: its failing, unreadable and warning checks, each naming its cause. */
function section(t: TargetReport, report: Report, num: (id: string) => string, seenFixes: Map<string, string>): string {
  const out = [`#### ${ICON[verdictOf(t)]} ${tick(t.target)}${t.instance?.name ? ` ${cell(t.instance.name)}` : ''}`, ''];
  const causeOf = new Map(t.diagnosis.causes.map((c) => [c.checks[0]!, c.id]));
  for (const r of t.checks.filter((c) => c.status === 'fail' || c.status === 'error' || c.status === 'warn')) {
    const note = r.status === 'warn' && !isBlocking('warn', report.failOn) ? ' (warning)' : r.status === 'error' ? ' (could not check)' : '';
    const rel = causeOf.has(r.id) ? ` — cause ${num(causeOf.get(r.id)!)}` : r.explainedBy ? ` — explained by ${r.explainedBy.map(num).join(', ')}` : '';
    out.push(`**${STATUS_ICON[r.status]} ${cell(r.title)}** ${tick(r.id)}${note}${rel}`, '', paragraph(r.detail), '');
    // A warning that is no cause has its fix here; causes have theirs above.
    if (r.status === 'warn' && !causeOf.has(r.id) && !r.explainedBy && r.fix) {
      const key = JSON.stringify(r.fix);
      const first = seenFixes.get(key);
      if (first) out.push(`**Fix:** ${cell(r.fix.summary)} (as for ${tick(first)} above)`, '');
      else {
        seenFixes.set(key, t.target);
        out.push(...fixMd(r.fix));
      }
    }
  }
  if (t.missingPermissions?.length) {
    out.push(`**Permissions to add** (to the identity running ssm-doctor): ${t.missingPermissions.map(tick).join(', ')}`, '');
  }
  return out.join('\n');
}

/**
 * The job summary: the causes (each once, with its instances and its fix), a table of every instance, the plan,
 * then the evidence of each instance that is not OK (warnings included). Within SUMMARY_BUDGET bytes: the causes
 * get up to half of it, then the plan, the table and the evidence what is left, in that order; each part cut says so.
 */
export function renderGithubSummary(report: Report): string {
  const num = causeNumbers(report);
  const summary = `${fleetSummary(report)}${report.causes.length ? ` · ${report.causes.length} cause${report.causes.length === 1 ? '' : 's'}` : ''}`;
  const waited = waitTimedOutText(report);
  const head = [`## ssm-doctor · ${cell(report.region)} · ${summary}`, '', ...(waited ? [`**⏱ ${cell(waited)}**`, ''] : [])];
  const then = thenMd(report);
  const extras: string[] = [];
  if (report.omittedChecks?.length) extras.push(`Checks left out (--only/--skip): ${report.omittedChecks.map(tick).join(', ')}`, '');
  if (report.missingPermissions?.length) {
    extras.push(`**Permissions to add** (to the identity running ssm-doctor): ${report.missingPermissions.map(tick).join(', ')}`, '');
  }
  let left = SUMMARY_BUDGET - FRAME_BYTES - bytes([...head, ...then, ...extras].join('\n'));
  const causes = fit(causeBlocks(report), left / 2);
  left -= causes.used;
  const steps = fit(report.plan.steps.map((s, i) => `${i + 1}. ${s.cause ? `Fix ${num(s.cause)}` : 'Then'}: ${cell(s.summary)}`), left);
  left -= steps.used;
  const rows = fit(report.targets.map((t) => row(t, report, num)), left);
  left -= rows.used;
  const detailed = report.targets.filter((t) => verdictOf(t) !== 'OK');
  const seenFixes = new Map<string, string>();
  const evidence = fit(
    (function* () {
      for (const t of detailed) yield section(t, report, num, seenFixes);
    })(),
    left,
  );

  const out = [...head];
  if (report.causes.length) {
    out.push(`### Causes${report.causes.length > 1 ? ', in the order to fix them' : ''}`, '', ...causes.kept);
    out.push(...leftOut(report.causes.length - causes.kept.length, 'cause'), ...then);
  }
  out.push('### Instances', '', '| instance | Name | verdict | findings |', '| --- | --- | --- | --- |', ...rows.kept, '');
  out.push(...leftOut(report.targets.length - rows.kept.length, 'instance'));
  if (report.plan.steps.length) {
    out.push('### Plan', '', ...steps.kept, '', ...leftOut(report.plan.steps.length - steps.kept.length, 'step'));
  }
  out.push(...extras);
  if (detailed.length) out.push('### Evidence', '', ...evidence.kept);
  if (evidence.kept.length < detailed.length) {
    const n = detailed.length - evidence.kept.length;
    out.push(`… and ${n} more instance${n === 1 ? '' : 's'} not OK (${ELSEWHERE}).`, '');
  }
  return `${out.join('\n')}\n`;
}
