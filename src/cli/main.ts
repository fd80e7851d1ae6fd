// The command line: parse, validate, collect (or read a snapshot), check, render, exit code.
import { appendFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { formatInArgs, idHint, INSTANCE_ID, invalidInstanceIds, MANAGED_NODE_ID, quote, REGION } from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import { DEFAULT_TIMEOUT_SECONDS, EXAMPLES, helpWidth } from './help.js';
import { exitOnInterrupt, onInterrupt, SIGNAL_EXIT } from './interrupt.js';
import type { Facts } from '../facts/facts.js';
import type { Report, WaitOutcome } from '../report/model.js';
import { FORMATS, resolveFormat } from '../report/formats.js';
import type { Check } from '../check/kit.js';
import { SelectionError, selectChecks, splitSelectors } from '../report/select-checks.js';
import { readSnapshot, writeSnapshot } from '../facts/snapshot.js';
import { collectGarbage, COLLECT_GARBAGE_FROM_TARGETS } from './memory.js';
import { DEFAULT_WAIT, hasSelection, noMatchMessage, parseDuration, selectionFilters, selectionOf, SelectionSyntaxError, type Selection } from './select.js';
import type { CollectOptions } from '../collect/index.js';
import type { AwsServices } from '../collect/services.js';
import { spinner as startSpinner } from './spinner.js';
import { writeJsonFile } from './json-file.js';

export const TOOL = { name: 'ssm-doctor', version: pkg.version };

let reportingLoad: Promise<typeof import('./reporting.js')> | undefined;
/** The checks and renderers (./reporting.ts), imported once, when first needed. */
const reporting = () => (reportingLoad ??= import('./reporting.js'));

interface Options {
  region?: string;
  profile?: string;
  json?: boolean;
  format?: string;
  failOn: string;
  only: string[];
  skip: string[];
  color: boolean;
  snapshot?: string;
  saveSnapshot?: string;
  jsonFile?: string;
  redact?: boolean;
  reboot?: boolean;
  yes?: boolean;
  verbose?: boolean;
  timeout: string;
  debug?: boolean;
  tag?: string[];
  filter?: string[];
  allRunning?: boolean;
  wait?: string | boolean;
}

/** Repeatable option values without a default (none shown in --help). */
function appendOptional(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The defaults --help does not show as `(default: ...)`: no --only/--skip, the request timeout. */
function withDefaults(opts: Options): Options {
  return { ...opts, only: opts.only ?? [], skip: opts.skip ?? [], timeout: opts.timeout ?? DEFAULT_TIMEOUT_SECONDS };
}

function program(): Command {
  return new Command()
    .name('ssm-doctor')
    .description('Explains why an EC2 instance cannot be reached with AWS Session Manager, and what to change.')
    .version(TOOL.version, '-V, --version')
    .argument('[instance-ids...]', 'EC2 instance ids (i-0123456789abcdef0) or hybrid managed node ids (mi-...)')
    .option('-r, --region <region>', 'AWS region (default: AWS_REGION or the profile\'s region)')
    .option('-p, --profile <profile>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .option('--tag <key=value>', 'also check the instances with this tag (repeatable: all must match; Key alone: has the tag)', appendOptional)
    .option('--filter <filter>', 'also check the instances matching an EC2 filter, Name=vpc-id,Values=vpc-1,vpc-2 (repeatable: all must match)', appendOptional)
    .option('--all-running', 'select running instances only (alone: every running instance in the region)')
    .option('--wait [duration]', `re-check targets that are not ok until all are, up to DURATION (default ${DEFAULT_WAIT}; 30s, 5m, 1h)`)
    .option('--json', 'print one JSON document (schemaVersion 1) on stdout (short for --format json)')
    .addOption(new Option('--format <format>', 'output: junit is JUnit XML, github annotations and $GITHUB_STEP_SUMMARY').choices(FORMATS))
    .addOption(new Option('--fail-on <level>', 'what makes the run fail (exit 1): fail (failures, errors) or warn (warnings too)').choices(['fail', 'warn']).default('fail'))
    .option('--only <checks>', 'run only these checks: ids, groups (network) or id prefixes (vpc-endpoint), comma-separated', appendOptional)
    .option('--skip <checks>', 'do not run these checks (same syntax as --only; e.g. --skip client in CI)', appendOptional)
    .option('--no-color', 'no colours (also NO_COLOR, or when stdout is not a terminal)')
    .option('--snapshot <file>', 'run the checks on a saved snapshot instead of AWS')
    .option('--save-snapshot <file>', 'write the collected facts to a file (no credentials in it)')
    .option('--json-file <file>', 'also write the JSON report to a file, whatever --format prints (CI: annotations + a JSON artifact)')
    .option('--redact', 'replace account ids, people\'s names and public IPs in the snapshot and report, to share them (same verdicts)')
    .option('--reboot', 'reboot targets whose configuration is right but whose agent is offline (asks first)')
    .option('-y, --yes', 'do not ask before --reboot')
    .option('-v, --verbose', 'show the details of passing checks, and the path to every service')
    .option('--timeout <seconds>', `timeout of each AWS request, in seconds (default ${DEFAULT_TIMEOUT_SECONDS})`)
    .option('--debug', 'print stack traces of unexpected errors')
    .addHelpText('after', EXAMPLES)
    // Wrap the descriptions on narrow terminals too (commander stops wrapping below a 40-column description).
    .configureHelp({ minWidthToWrap: 20 })
    .exitOverride();
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  exitOnInterrupt(io.stderr);
  const cmd = program();
  let debug = argv.includes('--debug');
  const run: RunState = { reported: false };
  let commanderMessage = '';
  cmd.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    // One line, one prefix for every error: commander's own start with `error: ` and may add a `(Did you mean ...?)` line.
    outputError: (s, write) => {
      commanderMessage = s.replace(/^error: /, '').trim().split(/\s*\n\s*/).join(' ');
      write(`${oneLineUsageError(commanderMessage)}\n`);
    },
    getOutHelpWidth: () => helpWidth((io.stdout as { columns?: number }).columns, io.env),
  });
  // Under --json / --format junit / github a run that ends before its report still leaves a document
  // (src/report/fatal.ts); JSON indented for a terminal and compact otherwise, like the report's.
  const fatalOptions = { tool: TOOL, indent: io.stdout.isTTY ? 2 : 0 };
  const fatal = async (message: string, code: number): Promise<number> => {
    if (run.reported) return code;
    const { renderFatal } = await import('../report/fatal.js');
    const doc = renderFatal(formatInArgs(argv), message, code, fatalOptions);
    if (doc) io.stdout.write(doc);
    return code;
  };
  // Interrupted before the report (Ctrl-C, a cancelled CI job): these formats still get a valid document saying so.
  // The handler must write at once, so they load the (small) fatal renderer before the run starts.
  // (JSON's renderer is self-contained: a --json run loads nothing of the report before its first request.)
  const format = formatInArgs(argv);
  let early: ((message: string, code: number) => string | undefined) | undefined;
  if (format === 'json') {
    const { renderFatalJson } = await import('../report/fatal-json.js');
    early = (message, code) => renderFatalJson(message, code, fatalOptions);
  } else if (format === 'junit' || format === 'github') {
    const { renderFatal } = await import('../report/fatal.js');
    early = (message, code) => renderFatal(format, message, code, fatalOptions);
  }
  if (early) {
    onInterrupt((signal) => {
      const message = `the run was ${signal === 'SIGINT' ? 'interrupted' : 'terminated'} before its report`;
      if (!run.reported) io.stdout.write(early(message, SIGNAL_EXIT[signal]) ?? '');
    });
  }
  try {
    cmd.parse(argv, { from: 'user' });
    const opts = withDefaults(cmd.opts<Options>());
    debug = Boolean(opts.debug);
    return await diagnose(cmd.args, opts, io, run);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version end with exitCode 0; everything else commander rejects is a usage error.
      return e.exitCode === 0 ? EXIT.OK : fatal(commanderMessage || e.message, EXIT.USAGE);
    }
    if (e instanceof CliError) {
      io.stderr.write(`ssm-doctor: ${e.message}\n`);
      if (debug && e.debugDetail) io.stderr.write(`${e.debugDetail}\n`);
      return fatal(e.message, e.exitCode);
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(`ssm-doctor: unexpected error: ${err.message}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    else io.stderr.write('(run with --debug for details)\n');
    return fatal(`unexpected error: ${err.message}`, EXIT.CANNOT_RUN);
  }
}

/** Whether the report reached stdout (after that, a failure must not write a second document). */
interface RunState {
  reported: boolean;
}

function usage(message: string): never {
  throw new CliError(message, EXIT.USAGE);
}

async function diagnose(ids: string[], opts: Options, io: Io, run: RunState): Promise<number> {
  // `--wait i-0123...`: commander took the id as the optional duration.
  if (typeof opts.wait === 'string' && (INSTANCE_ID.test(opts.wait) || MANAGED_NODE_ID.test(opts.wait))) {
    ids = [opts.wait, ...ids];
    opts.wait = true;
  }
  const bad = invalidInstanceIds(ids);
  if (bad.length) {
    const hint = idHint(bad[0]!);
    usage(`invalid instance id ${quote(bad[0]!)}: expected "i-" followed by 8 or 17 hex digits, or "mi-" and 17 (hybrid node)${hint ? `; ${hint}` : ''}`);
  }
  let targeting: Selection;
  let waitMs: number | undefined;
  try {
    targeting = selectionOf(opts);
    if (opts.wait !== undefined) waitMs = parseDuration(typeof opts.wait === 'string' ? opts.wait : DEFAULT_WAIT);
  } catch (e) {
    if (e instanceof SelectionSyntaxError) usage(e.message);
    throw e;
  }
  if (opts.snapshot && hasSelection(targeting)) usage('--tag, --filter and --all-running select live instances; they cannot be used with --snapshot');
  if (opts.snapshot && waitMs !== undefined) usage('--wait re-reads live instances; it cannot be used with --snapshot');
  const timeout = Number(opts.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) usage('--timeout must be a number of seconds greater than 0 and at most 600');
  if (opts.region !== undefined && !REGION.test(opts.region)) {
    usage(`invalid region ${quote(opts.region)}: expected a region name like us-east-1`);
  }
  const format = resolveFormat(opts.json, opts.format);
  if (typeof format !== 'string') usage(format.usage);
  if (format === 'json') opts.json = true;
  // --only/--skip are checked against the registry before any request; without them the checks and the
  // renderers load while the first requests are in flight.
  const chosen = opts.only.length || opts.skip.length ? selectedChecks(opts, (await reporting()).allChecks) : undefined;
  // An empty file name is falsy: `--snapshot ""` would silently go live, `--save-snapshot ""` save nothing.
  if (opts.snapshot === '' || opts.saveSnapshot === '') usage(`--${opts.snapshot === '' ? 'snapshot' : 'save-snapshot'} needs a file name`);
  if (opts.jsonFile === '') usage('--json-file needs a file name');
  if (opts.snapshot && opts.saveSnapshot) usage('--snapshot and --save-snapshot cannot be used together');
  if (opts.snapshot && opts.reboot) usage('--reboot acts on live instances; it cannot be used with --snapshot');
  if (!opts.snapshot && ids.length === 0 && !hasSelection(targeting)) {
    usage('no instance id given (or use --tag, --filter, --all-running, or --snapshot FILE); see --help');
  }

  const unique = [...new Set(ids)];
  // CloudTrail's record of late fixes is read only when agent.late-fix runs (it costs rate-limited lookups): every
  // check runs unless --only/--skip say otherwise.
  const lateFix = chosen ? chosen.checks.some((c) => c.meta.id === 'agent.late-fix') : true;
  const live = opts.snapshot ? undefined : await collectLive(unique, opts, timeout * 1000, io, targeting, lateFix);
  let facts = live ? live.facts : fromSnapshot(opts.snapshot!, unique);
  const { allChecks, buildReport, jsonChunks, outputWidth, render, renderGithubSummary, withWait, writeJson } = await reporting();
  const selection = chosen ?? selectedChecks(opts, allChecks);

  const reportOptions = {
    tool: TOOL,
    source: opts.snapshot ? ('snapshot' as const) : ('aws' as const),
    failOn: opts.failOn === 'warn' ? ('warn' as const) : ('fail' as const),
    omittedChecks: selection.omitted,
  };
  // Without --wait the AWS clients are done: release them (and what they hold) before the report is built.
  if (live && waitMs === undefined) live.close();
  if (live && facts.targets.length >= COLLECT_GARBAGE_FROM_TARGETS) collectGarbage();
  let report = buildReport(facts, selection.checks, reportOptions);
  let waitOutcome: WaitOutcome | undefined;
  if (live && waitMs !== undefined) {
    const waited = await waitLive(live, report, (f) => buildReport(f, selection.checks, reportOptions), waitMs, io);
    ({ facts, report } = waited);
    waitOutcome = { timedOut: waited.outcome === 'timeout', waitedSeconds: Math.round(waited.elapsedMs / 1000) };
  }
  live?.close();
  if (opts.redact) {
    // Before anything leaves the process: the snapshot and the report come from the same redacted facts.
    const { redactFacts } = await import('../facts/redact.js');
    facts = redactFacts(facts);
    report = buildReport(facts, selection.checks, reportOptions);
  }
  // A wait that ran out is part of the report (and a failed gate), even when what is left only warns.
  if (waitOutcome) report = withWait(report, waitOutcome);
  if (opts.saveSnapshot) writeSnapshot(opts.saveSnapshot, facts);
  // The files before stdout: a file that cannot be written ends the run (exit 3) before the report is out, so what
  // stdout shows is that error's document, not a report that says all is well.
  if (opts.jsonFile) writeJsonFile(opts.jsonFile, jsonChunks(report, { indent: 0, verbose: opts.verbose }));
  const color = opts.color && !io.env.NO_COLOR && Boolean(io.stdout.isTTY) && format === 'text';
  run.reported = true;
  // JSON is streamed a target at a time: a fleet's report is tens of MB as one string.
  // Indented for a person at a terminal; compact for files and pipes (a fleet's document stays a few MB).
  if (format === 'json') await writeJson(report, io.stdout, { indent: io.stdout.isTTY ? 2 : 0, verbose: opts.verbose });
  else io.stdout.write(render(report, format, { color, verbose: opts.verbose, width: outputWidth((io.stdout as { columns?: number }).columns, io.env) }));
  if (format === 'github') writeStepSummary(() => renderGithubSummary(report), io);

  if (opts.reboot) await maybeReboot(report, facts, opts, timeout * 1000, io);
  return report.ok ? EXIT.OK : EXIT.FINDINGS;
}

/** The checks --only/--skip leave, validated against the registry (unknown id: usage error naming the valid ones). */
function selectedChecks(opts: Options, allChecks: Check[]): ReturnType<typeof selectChecks> {
  try {
    return selectChecks(allChecks, splitSelectors(opts.only), splitSelectors(opts.skip));
  } catch (e) {
    if (e instanceof SelectionError) usage(e.message);
    throw e;
  }
}

/** `--format github`: append the Markdown job summary to $GITHUB_STEP_SUMMARY when set (never fatal). */
function writeStepSummary(summary: () => string, io: Io): void {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    appendFileSync(file, summary());
  } catch (e) {
    io.stderr.write(`ssm-doctor: could not write the job summary to ${file}: ${(e as Error).message}\n`);
  }
}

function fromSnapshot(path: string, ids: string[]): Facts {
  const facts = readSnapshot(path);
  if (ids.length) {
    const missing = ids.filter((id) => !facts.targets.includes(id));
    if (missing.length) {
      throw new CliError(`snapshot ${path} has no facts for ${missing.join(', ')} (it has ${facts.targets.join(', ')})`, EXIT.USAGE);
    }
    facts.targets = ids;
  }
  return facts;
}

/** Live facts, and the AWS clients --wait keeps using (close() releases them). */
interface Live {
  facts: Facts;
  services: AwsServices;
  close(): void;
}

async function collectLive(ids: string[], opts: Options, timeoutMs: number, io: Io, targeting: Selection, lateFix: boolean): Promise<Live> {
  const [{ resolveRegion }, { collect, AwsServices }] = await Promise.all([import('../collect/region.js'), import('../collect/index.js')]);
  const region = opts.region ?? (await resolveRegion(opts.profile));
  if (!region) {
    // A profile missing from the config files has no region either: name the profile, not the region.
    const { unknownProfileProblem } = await import('./credentials.js');
    const problem = unknownProfileProblem(opts.profile);
    throw new CliError(problem ?? 'no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile', EXIT.CANNOT_RUN);
  }
  if (!REGION.test(region)) usage(`invalid region ${quote(region)}: expected a region name like us-east-1`);
  const selecting = hasSelection(targeting);
  const spinner = startSpinner(io, selecting ? `Selecting instances in ${region}` : `Reading ${ids.length === 1 ? ids[0] : `${ids.length} instances`} in ${region}`);
  // One set of clients for the selection, the collection and every --wait round (credentials resolved once),
  // each SDK client loaded when its first request is built.
  const services = new AwsServices({ region, profile: opts.profile, timeoutMs });
  const close = () => services.destroy();
  // What can wait (drawing the spinner, loading what reads the answers) starts once the first requests are out.
  const inFlight = () => {
    spinner.show();
    void import('./credentials.js').catch(() => {});
    void reporting().catch(() => {});
  };
  try {
    let targets = ids;
    let instances;
    if (selecting) {
      const { resolveTargets } = await import('../collect/select.js');
      const resolving = resolveTargets(services, ids, selectionFilters(targeting));
      void services.sent().then(inFlight);
      const r = await resolving;
      if (!r.ok) {
        const { explainCredentials } = await import('./credentials.js');
        const { describeApiError } = await import('../check/kit.js');
        const { noAnswer, unreachableProblem } = await import('./network-failure.js');
        const why =
          r.error.kind === 'credentials'
            ? explainCredentials(r.error, opts.profile)
            : noAnswer(r.error)
              ? await unreachableProblem(r.error, region, io.env)
              : describeApiError(r.error, 'the instances to select');
        throw new CliError(why, EXIT.CANNOT_RUN);
      }
      if (r.matched === 0) {
        if (ids.length === 0) throw new CliError(noMatchMessage(targeting, region), EXIT.FINDINGS);
        io.stderr.write(`ssm-doctor: ${noMatchMessage(targeting, region)}; checking the ids given only\n`);
      }
      ({ targets, instances } = r);
      spinner.update(`Reading ${targets.length === 1 ? targets[0] : `${targets.length} instances`} in ${region}`);
    }
    const facts = await collect({
      region,
      profile: opts.profile,
      targets,
      timeoutMs,
      local: true,
      onProgress: (msg) => spinner.update(msg),
      onInFlight: inFlight,
      services,
      instances,
      ...(lateFix ? await lateFixOptions(io.env) : {}),
    });
    const { credentialChoiceNote, credentialsProblem } = await import('./credentials.js');
    const problem = credentialsProblem(facts, opts.profile);
    if (problem) {
      const cause = facts.caller.ok ? undefined : facts.caller.error;
      throw new CliError(problem, EXIT.CANNOT_RUN, cause && `${cause.api} failed: ${cause.code}: ${cause.message}`);
    }
    // Nothing answered at all (DNS, refused, timeouts): the run could not happen; say where it could not go.
    const { unanswered, unreachableProblem } = await import('./network-failure.js');
    const lost = unanswered(facts);
    if (lost) throw new CliError(await unreachableProblem(lost, region, io.env), EXIT.CANNOT_RUN, `${lost.api} failed: ${lost.code}: ${lost.message}`);
    // The credentials worked: say which ones when the environment offered two.
    const choice = credentialChoiceNote(opts.profile, io.env);
    if (choice) {
      spinner.stop();
      io.stderr.write(`ssm-doctor: ${choice}\n`);
    }
    return { facts, services, close };
  } catch (e) {
    close();
    throw e;
  } finally {
    spinner.stop();
  }
}

/**
 * Which targets get CloudTrail's late-fix lookups: the agents not Online whose configuration checks (all of them,
 * whatever --only/--skip say: it is a fact about the instance) pass on the facts collected so far.
 */
async function lateFixOptions(env: NodeJS.ProcessEnv): Promise<Pick<CollectOptions, 'lateFixTargets' | 'cloudTrailRate'>> {
  const { cloudTrailRate } = await import('../collect/rate-limit.js');
  const rate = cloudTrailRate(env);
  const lateFixTargets = async (facts: Facts) => {
    // Asked after round 4: the checks have loaded meanwhile (they are not needed before the first request).
    const [{ lateFixCandidates }, { allChecks }] = await Promise.all([import('../diagnose/offline.js'), reporting()]);
    return lateFixCandidates(facts, allChecks);
  };
  return { lateFixTargets, ...(rate ? { cloudTrailRate: rate } : {}) };
}

/** --wait: refresh rounds until every target is ready, time runs out, or waiting cannot help. */
async function waitLive(live: Live, first: Report, evaluate: (f: Facts) => Report, waitMs: number, io: Io) {
  const { countdown, pollInterval, waitForTargets, waitSummary } = await import('./wait.js');
  const { refresh } = await import('../collect/refresh.js');
  const tty = Boolean(io.stderr.isTTY) && !io.env.CI;
  const spinner = tty ? startSpinner(io, 'waiting') : undefined;
  spinner?.show();
  // In a terminal the time left moves every second; in logs, one line per round.
  const clock = spinner && countdown((text) => spinner.update(text));
  try {
    const result = await waitForTargets({
      facts: live.facts,
      timeoutMs: waitMs,
      pollMs: pollInterval(io.env),
      evaluate: (f) => (f === live.facts ? first : evaluate(f)),
      refresh: (f, ids) => refresh(f, ids, { services: live.services }),
      progress: (line, at) => (clock ? clock.round(line, at) : io.stderr.write(`ssm-doctor: ${line}\n`)),
    });
    clock?.stop();
    spinner?.stop();
    const summary = waitSummary(result, waitMs);
    if (summary) io.stderr.write(`ssm-doctor: ${summary}\n`);
    return result;
  } finally {
    clock?.stop();
    spinner?.stop();
    live.close();
  }
}

async function maybeReboot(report: Report, facts: Facts, opts: Options, timeoutMs: number, io: Io): Promise<void> {
  const targets = report.targets.filter((t) => t.rebootSuggested).map((t) => t.target);
  if (targets.length === 0) {
    io.stderr.write('ssm-doctor: --reboot: no target needs a reboot (only instances whose configuration passes but whose agent is offline are rebooted).\n');
    return;
  }
  if (!opts.yes) {
    const interactive = Boolean((process.stdin as { isTTY?: boolean }).isTTY) && !opts.json;
    if (!interactive) {
      io.stderr.write(`ssm-doctor: --reboot needs --yes when not run interactively; not rebooting ${targets.join(', ')}.\n`);
      return;
    }
    const { confirm } = await import('./confirm.js');
    if (!(await confirm(`Reboot ${targets.join(', ')} in ${facts.region}? [y/N] `, io.stderr))) {
      io.stderr.write('ssm-doctor: not rebooting.\n');
      return;
    }
  }
  const { rebootInstances } = await import('../collect/reboot.js');
  try {
    await rebootInstances({ region: facts.region, profile: opts.profile, timeoutMs }, targets);
  } catch (e) {
    throw new CliError(`reboot of ${targets.join(', ')} failed: ${(e as Error).message}`, EXIT.FINDINGS);
  }
  io.stderr.write(`ssm-doctor: reboot requested for ${targets.join(', ')}. The agent should register within a few minutes.\n`);
}

/** commander's error (made one line) as the `ssm-doctor:` line, pointing at --help unless it already suggests the fix. */
function oneLineUsageError(message: string): string {
  return /Did you mean/.test(message) ? `ssm-doctor: ${message}` : `ssm-doctor: ${message} (see ssm-doctor --help)`;
}
