// The report for people at a terminal. It concludes first: what is wrong and the one thing to do (the causes,
// each with its fix), then the evidence (every check), and it ends with the plan. Each distinct command is
// printed once per report. Everything is wrapped to the terminal's width with hanging indents; commands are
// broken with ` \` so they still paste. Several targets: the causes (each once, with how many instances), a
// compact row per instance, details only with --verbose.
import { Chalk, type ChalkInstance } from 'chalk';
import type { CheckGroup, CheckResult, Fix, Status } from '../check/kit.js';
import { firstSentence } from '../diagnose/diagnose.js';
import type { ReportCause } from '../diagnose/fleet.js';
import { tally, waitTimedOutText, type Report, type TargetReport } from './model.js';
import { drawPicture } from './path-picture.js';
import { displayWidth, fitList, fleetRows, fleetSummary, terminalSafe, truncate, verdictOf } from './table.js';
import { DEFAULT_WIDTH, shellLines, wrap } from './wrap.js';

export interface TextOptions {
  color: boolean;
  /** Every check's detail, every path, and for several targets every target's evidence. */
  verbose?: boolean;
  /** Columns (default 80). */
  width?: number;
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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** State shared by one rendering: width, colours, cause numbers, and the commands already printed. */
class Writer {
  readonly lines: string[] = [];
  /** Command → the label of the place it was first printed (`1`, `the plan`). */
  private readonly printed = new Map<string, string>();
  readonly number = new Map<string, number>();

  constructor(
    readonly c: ChalkInstance,
    readonly width: number,
    causes: ReportCause[],
  ) {
    causes.forEach((cause, i) => this.number.set(cause.id, i + 1));
  }

  push(...lines: string[]): void {
    this.lines.push(...lines);
  }

  /** Wrapped prose, painted line by line. */
  text(s: string, first: string, rest = first, style: (x: string) => string = (x) => x): void {
    // A no-break space (NBSP) holds two words on one line, `(fix 1)`: printed as a plain space.
    for (const l of wrap(terminalSafe(s), this.width, first, rest)) this.push(style(l.replace(/\u00a0/g, ' ')));
  }

  /** A fix: its summary, then the commands not printed yet in this report (a note names where the others are). */
  fix(fix: Fix, pad: string, label: string, heading = 'Fix'): void {
    const c = this.c;
    this.text(`${heading}: ${fix.summary}`, pad, `${pad}  `, (l) => l.replace(`${heading}:`, c.bold(`${heading}:`)));
    const earlier = new Set<string>();
    const cmdPad = `${pad}  `;
    for (const cmd of fix.cli) {
      const first = this.printed.get(cmd);
      if (first) {
        earlier.add(first);
        continue;
      }
      this.printed.set(cmd, label);
      for (const l of shellLines(terminalSafe(cmd), this.width, cmdPad)) this.push(c.cyan(l));
    }
    if (earlier.size) this.text(`(and the command${earlier.size === 1 ? '' : 's'} shown in ${[...earlier].join(', ')})`, cmdPad, cmdPad, c.dim);
    if (fix.onInstance?.length) {
      this.text('On the instance itself:', cmdPad, cmdPad, c.dim);
      for (const cmd of fix.onInstance) for (const l of shellLines(terminalSafe(cmd), this.width, `${cmdPad}  `)) this.push(c.cyan(l));
    }
  }

  causeRef(id: string): string {
    const n = this.number.get(id);
    return n === undefined ? id : `${n}`;
  }
}

function header(report: Report): string {
  const src = report.source === 'snapshot' ? `snapshot taken ${report.collectedAt}` : 'live';
  const n = report.omittedChecks?.length ?? 0;
  const omitted = n ? ` · ${plural(n, 'check')} left out (--only/--skip)` : '';
  const gate = report.failOn === 'warn' ? ' · warnings fail' : '';
  return `ssm-doctor ${report.tool.version} · ${report.region} · ${src}${omitted}${gate}`;
}

function targetHeading(t: TargetReport): string {
  const i = t.instance;
  const name = i?.name ? ` (${i.name})` : '';
  const bits = [i?.state, i?.vpcId, i?.subnetId, i?.privateIp].filter(Boolean);
  return `${t.target}${name}${bits.length ? ` · ${bits.join(' · ')}` : ''}`;
}

/** The conclusion line of one target. */
function conclusion(w: Writer, t: TargetReport, omitted?: number): void {
  const c = w.c;
  const causes = t.diagnosis.causes;
  // Checks that warn, as the last line counts them (the Warnings list folds those one warning explains under it).
  const warns = t.checks.filter((r) => r.status === 'warn').length;
  if (t.ok && causes.length === 0) {
    const left = omitted ?? 0;
    const s = left
      ? `OK for the ${t.checks.length} checks run (${left} left out by --only/--skip): Session Manager was not judged as a whole.`
      : warns
        ? `OK with ${plural(warns, 'warning')}: nothing blocks a session.`
        : 'OK: nothing blocks a session.';
    w.text(s, '', '  ', (l) => (left ? c.yellow(l) : c.green(l)));
    return;
  }
  const unknown = causes.filter((x) => x.status === 'error').length;
  const lead =
    unknown === causes.length
        ? `NOT READY: ssm-doctor could not check everything (${plural(unknown, 'check')} could not decide).`
        : `NOT READY: ${plural(causes.length, 'cause')} to fix${causes.length > 1 ? ', in this order' : ''}.`;
  w.text(`${SYMBOL.fail} ${lead}`, '', '  ', (l) => c.red.bold(l));
}

/**
 * What a cause that is no certain failure is: a warning that is the likeliest reason for a failure it explains, a
 * warning that is a cause because warnings fail (--fail-on warn), or a fact that could not be read.
 */
function causeLabel(report: Report, rc: ReportCause): string {
  if (rc.status === 'error') return '(could not be checked) ';
  if (rc.status !== 'warn') return '';
  const explainsFailure = report.targets.some((t) => t.checks.some((r) => r.status === 'fail' && r.explainedBy?.includes(rc.id)));
  return explainsFailure ? '(likely cause) ' : '(warning) ';
}

/** One numbered cause: what is wrong, what it explains, its fix. */
function cause(w: Writer, report: Report, rc: ReportCause, targetCount?: number, t?: TargetReport): void {
  const c = w.c;
  const n = w.causeRef(rc.id);
  const mark = paint(c, rc.status, SYMBOL[rc.status]);
  const what = causeLabel(report, rc);
  const lines = wrap(terminalSafe(`${what}${rc.summary}`), w.width, `${n.padStart(2)}. ${SYMBOL[rc.status]} `, '      ');
  w.push(...lines.map((l, i) => (i === 0 ? l.replace(SYMBOL[rc.status], mark).replace(`${n}.`, c.bold(`${n}.`)) : l)));
  if (targetCount !== undefined) {
    const who = rc.id.startsWith('client.') ? 'On this machine' : `${plural(targetCount, 'instance')}: ${fitList(rc.targets, w.width - 20)}`;
    w.text(who, '      ', '        ', c.dim);
  }
  const explained = rc.checks.slice(1);
  if (explained.length && t) {
    const byId = new Map(t.checks.map((r) => [r.id, r]));
    const list = explained.map((id) => (byId.get(id)?.status === 'warn' ? `${id} (warning)` : id));
    w.text(`Explains: ${list.join(', ')}`, '      ', '        ', c.dim);
  } else if (explained.length) w.text(`Explains: ${explained.join(', ')}`, '      ', '        ', c.dim);
  if (rc.fix) w.fix(rc.fix, '      ', n);
}

/** What to do once the causes are fixed (the agent backed off), as its own step. */
function afterwards(w: Writer, fix: Fix, label: string): void {
  w.push('');
  w.fix(fix, '    ', label, 'Then');
}

/** Warnings that are not causes: what to verify. */
function warnings(w: Writer, t: TargetReport, verbose?: boolean): void {
  const causeChecks = new Set(t.diagnosis.causes.flatMap((cause) => cause.checks));
  const warns = t.checks.filter((r) => r.status === 'warn' && !causeChecks.has(r.id) && !r.explainedBy);
  if (!warns.length) return;
  const c = w.c;
  w.push('', c.bold('Warnings'));
  for (const r of warns) {
    w.text(`${SYMBOL.warn} ${r.summary ?? r.detail}`, '  ', '    ', (l) => l.replace(SYMBOL.warn, c.yellow(SYMBOL.warn)));
    // What to do if the warning turns out to matter: the summary here, the commands with --verbose and in --json.
    if (r.fix && verbose) w.fix(r.fix, '    ', `the ${r.id} warning`);
    else if (r.fix) w.text(`If it matters: ${r.fix.summary} (commands: --verbose)`, '    ', '      ', c.dim);
  }
}

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

/** Every check of a target, grouped; failures say which cause they are or are explained by. */
function evidence(w: Writer, t: TargetReport, opts: { verbose?: boolean; compact?: boolean }): void {
  const c = w.c;
  const causeOf = new Map<string, string>();
  const causeSummary = new Map<string, string>();
  for (const cause of t.diagnosis.causes) {
    causeOf.set(cause.checks[0]!, cause.id);
    causeSummary.set(cause.id, cause.summary);
  }
  const groups = new Map<CheckGroup, CheckResult[]>();
  const shown = opts.compact ? t.checks.filter((r) => r.status !== 'pass' && r.status !== 'skip') : t.checks;
  for (const r of shown) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
  const paths = pathLines(w, t, opts.verbose);
  for (const [group, results] of groups) {
    w.push(`  ${c.bold(GROUP_TITLE[group])}`);
    for (const r of results) {
      const cid = causeOf.get(r.id);
      const tag = cid ? ` — cause ${w.causeRef(cid)}` : r.explainedBy ? ` — explained by ${r.explainedBy.map((x) => w.causeRef(x)).join(', ')}` : '';
      const lines = wrap(terminalSafe(`${SYMBOL[r.status]} ${r.title} [${r.id}]${tag}`), w.width, '    ', '      ');
      w.push(...lines.map((l, i) => (i === 0 ? l.replace(SYMBOL[r.status], paint(c, r.status, SYMBOL[r.status])) : l)));
      // The detail is evidence: shown for problems (the cause's own summary was printed above already).
      const showDetail = opts.verbose || r.status === 'fail' || r.status === 'error';
      if (showDetail && r.detail) {
        // A consequence: the first sentence is the evidence (the rest says what its causes say); a cause: what its
        // one-line summary above left out.
        // A consequence: its first sentence is the evidence (the rest says what its causes say). A cause: the whole
        // finding, unless it is word for word the summary printed above.
        const text = r.explainedBy && !opts.verbose ? firstSentence(r.detail) : cid && causeSummary.get(cid)?.trim() === r.detail.trim() ? '' : r.detail;
        if (text) w.text(text, '      ', '      ', c.dim);
      }
      // What the endpoints cost: with --verbose (a fact about the VPC, not a finding).
      const cost = opts.verbose ? endpointCostNote(r) : undefined;
      if (cost) w.text(`ℹ ${cost}`, '      ', '        ', (l) => c.dim(l).replace('ℹ', c.blue('ℹ')));
    }
    if (group === 'network') w.push(...paths.splice(0));
  }
  if (paths.length) w.push(`  ${c.bold(GROUP_TITLE.network)}`, ...paths);
}

/** The hop chains: the broken or unknown ones, every one with --verbose. */
function pathLines(w: Writer, t: TargetReport, verbose?: boolean): string[] {
  const c = w.c;
  const shown = (t.paths ?? []).filter((p) => verbose || p.ok !== true);
  const mark = (ok: boolean | undefined, m: string) => (ok === true ? c.green(m) : ok === false ? c.red(m) : c.yellow(m));
  return shown.flatMap((p) =>
    drawPicture(
      { ...p, hops: p.hops.map((h) => ({ ...h, label: terminalSafe(h.label) })) },
      { prefix: `    ${terminalSafe(p.service)}: `, indent: '      ', paint: mark, width: w.width },
    ),
  );
}

function permissions(w: Writer, actions: string[] | undefined): void {
  if (!actions?.length) return;
  w.text(`Permissions to add (to the identity running ssm-doctor): ${actions.join(', ')}`, '', '  ', (l) =>
    l.replace('Permissions to add', w.c.bold('Permissions to add')),
  );
}

function terraform(w: Writer, report: Report): void {
  const tf = report.plan.terraform;
  if (!tf) return;
  w.push('', `${w.c.bold('Terraform')} ${w.c.dim('(every fix above, each resource once)')}`);
  // Lines print as they are, so they paste as they are; only a comment too long for the width wraps, as comment
  // lines with the same indent. Nothing inside a heredoc is touched (a user-data `#!/bin/bash` is not a comment).
  let heredoc: string | undefined;
  for (const l of tf.trimEnd().split('\n')) {
    const comment = /^(\s*#\s*)(.*)$/.exec(l);
    const long = displayWidth(l) + 2 > w.width;
    if (!heredoc && comment && long && !l.trimStart().startsWith('#!')) w.text(comment[2]!, `  ${comment[1]}`, `  ${comment[1]}  `, w.c.dim);
    else w.push(l ? w.c.dim(`  ${terminalSafe(l)}`) : '');
    if (heredoc) {
      if (l.trim() === heredoc) heredoc = undefined;
    } else heredoc = /<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(l)?.[1];
  }
}

/**
 * The plan the report ends with: numbered steps referring to the fixes above. A step is its fix's summary whole
 * (every action of the fix, in its own sentences), without links; the commands are not repeated.
 */
function plan(w: Writer, report: Report): void {
  const steps = report.plan.steps;
  if (!steps.length) return;
  const c = w.c;
  w.push('', c.bold('Plan'));
  // The fix a step refers to names its instances (a fleet's cause says how many): the step does not repeat them.
  steps.forEach((s, i) => {
    const ref = s.cause ? `fix\u00a0${w.causeRef(s.cause)}` : 'then';
    const head = `${i + 1}. `;
    w.text(`${head}${planAction(s.summary)} (${ref})`, '  ', `  ${' '.repeat(head.length)}`);
  });
}

/** A fix's summary as a plan step: every sentence kept, links dropped (the fix above gives them). */
export function planAction(summary: string): string {
  return summary
    .replace(/ \(https?:\/\/[^)\s]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function renderOne(w: Writer, report: Report, t: TargetReport, opts: TextOptions): void {
  const c = w.c;
  w.text(targetHeading(t), '', '  ', (l) => c.bold(l));
  conclusion(w, t, report.omittedChecks?.length);
  const byId = new Map(report.causes.map((rc) => [rc.id, rc]));
  for (const dc of t.diagnosis.causes) {
    w.push('');
    cause(w, report, byId.get(dc.id) ?? { ...dc, targets: [t.target] }, undefined, t);
  }
  if (t.diagnosis.then) afterwards(w, t.diagnosis.then, 'the "Then" step');
  warnings(w, t, opts.verbose);
  w.push('', c.bold('Evidence'));
  evidence(w, t, { verbose: opts.verbose });
  w.push('');
  const verdict = t.ok ? c.green('OK') : c.red('NOT READY');
  w.push(`${verdict}  ${summaryLine(t.checks)}`);
  permissions(w, t.missingPermissions);
  terraform(w, report);
  plan(w, report);
}

/** A fleet's warnings that are no cause, one line per check with the instances it concerns (summaries only). */
function fleetWarnings(w: Writer, report: Report): void {
  const byCheck = new Map<string, { r: CheckResult; targets: string[] }>();
  for (const t of report.targets) {
    const inCauses = new Set(t.diagnosis.causes.flatMap((x) => x.checks));
    for (const r of t.checks) {
      if (r.status !== 'warn' || r.explainedBy || inCauses.has(r.id)) continue;
      const g = byCheck.get(r.id);
      if (g) g.targets.push(t.target);
      else byCheck.set(r.id, { r, targets: [t.target] });
    }
  }
  if (!byCheck.size) return;
  const c = w.c;
  w.push('', c.bold('Warnings'));
  for (const { r, targets } of byCheck.values()) {
    w.text(`${SYMBOL.warn} ${firstSentence(r.summary ?? r.detail)} [${r.id}]`, '  ', '    ', (l) => l.replace(SYMBOL.warn, c.yellow(SYMBOL.warn)));
    w.text(`${plural(targets.length, 'instance')}: ${fitList(targets, w.width - 20)}`, '    ', '      ', c.dim);
  }
}

function renderFleet(w: Writer, report: Report, opts: TextOptions): void {
  const c = w.c;
  const summary = `${fleetSummary(report)}${report.causes.length ? ` · ${plural(report.causes.length, 'cause')}` : ''}`;
  w.text(summary, '', '  ', (l) => (report.ok ? c.green(l) : c.red(l)));
  if (report.causes.length) {
    w.push('', c.bold(`Causes${report.causes.length > 1 ? ', in the order to fix them' : ''}`));
    for (const rc of report.causes) {
      w.push('');
      cause(w, report, rc, rc.targets.length);
    }
  }
  // The step after the fixes, when it has commands to show (its sentence is in the plan).
  const after = report.plan.steps.find((s) => !s.cause && s.fix);
  if (after?.fix && (after.fix.cli.length || after.fix.onInstance?.length)) afterwards(w, after.fix, 'the "Then" step');
  fleetWarnings(w, report);
  w.push('');
  w.push(...fleetRows(report, c, w.width, (id) => `#${w.causeRef(id)}`));
  const detailed = opts.verbose ? report.targets : [];
  for (const t of detailed) {
    w.push('');
    w.text(targetHeading(t), '', '  ', (l) => c.bold(l));
    evidence(w, t, { verbose: false, compact: true });
  }
  if (!opts.verbose && report.targets.some((t) => verdictOf(t) !== 'OK')) {
    const tf = report.plan.terraform ? ' and the Terraform of every fix' : '';
    w.push('');
    w.text(`(--verbose shows each instance's evidence${tf}; --json has everything)`, '', '', c.dim);
  }
  if (report.missingPermissions?.length) {
    w.push('');
    permissions(w, report.missingPermissions);
  }
  if (opts.verbose) terraform(w, report);
  plan(w, report);
}

export function renderText(report: Report, opts: TextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const w = new Writer(c, opts.width ?? DEFAULT_WIDTH, report.causes);
  w.text(header(report), '', '  ', c.dim);
  w.push('');
  if (report.targets.length <= 1) {
    for (const t of report.targets) renderOne(w, report, t, opts);
  } else renderFleet(w, report, opts);
  // A --wait that ran out, last: part of the report, not only a stderr line that scrolls away.
  const waited = waitTimedOutText(report);
  if (waited) w.text(`⏱ ${waited}`, '\n', '', c.red);
  return `${w.lines.join('\n')}\n`;
}
