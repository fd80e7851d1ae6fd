// The command line: parse, validate, collect (or read a snapshot), check, render, exit code.
import { Command, CommanderError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { allChecks } from '../checks/index.js';
import { invalidInstanceIds, quote, REGION } from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Facts } from './facts.js';
import { buildReport, type Report } from './report/model.js';
import { renderJson } from './report/json.js';
import { renderText } from './report/text.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

export const TOOL = { name: 'ssm-doctor', version: pkg.version };

interface Options {
  region?: string;
  profile?: string;
  json?: boolean;
  color: boolean;
  snapshot?: string;
  saveSnapshot?: string;
  reboot?: boolean;
  yes?: boolean;
  verbose?: boolean;
  timeout: string;
  debug?: boolean;
}

const EXAMPLES = `
Examples:
  $ ssm-doctor i-0123456789abcdef0                      diagnose one instance (default credentials and region)
  $ ssm-doctor i-0123456789abcdef0 --profile prod --region eu-west-1
  $ ssm-doctor i-0aaa11112222333aa i-0bbb11112222333bb --json > report.json
  $ ssm-doctor i-0123456789abcdef0 --save-snapshot case.json   keep the facts to re-check or share later
  $ ssm-doctor --snapshot examples/missing-ssmmessages-endpoint.json   no AWS account needed
  $ ssm-doctor i-0123456789abcdef0 --reboot             reboot it if only a reboot can help (asks first)

Exit codes: 0 all ok · 1 a check failed or could not be checked · 2 usage error · 3 could not run
`;

function program(): Command {
  return new Command()
    .name('ssm-doctor')
    .description('Explains why an EC2 instance cannot be reached with AWS Session Manager, and what to change.')
    .version(TOOL.version, '-V, --version')
    .argument('[instance-ids...]', 'EC2 instance ids (i-0123456789abcdef0)')
    .option('-r, --region <region>', 'AWS region (default: AWS_REGION or the profile\'s region)')
    .option('-p, --profile <profile>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .option('--json', 'print one JSON document (schemaVersion 1) on stdout')
    .option('--no-color', 'no colours (also NO_COLOR, or when stdout is not a terminal)')
    .option('--snapshot <file>', 'run the checks on a saved snapshot instead of AWS')
    .option('--save-snapshot <file>', 'write the collected facts to a file (no credentials in it)')
    .option('--reboot', 'reboot targets whose configuration is right but whose agent is offline (asks first)')
    .option('-y, --yes', 'do not ask before --reboot')
    .option('-v, --verbose', 'show the details of passing checks too')
    .addOption(new Option('--timeout <seconds>', 'timeout of each AWS request').default('10'))
    .option('--debug', 'print stack traces of unexpected errors')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run ssm-doctor --help for usage)')
    .exitOverride();
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  const cmd = program().configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  let debug = argv.includes('--debug');
  try {
    cmd.parse(argv, { from: 'user' });
    const opts = cmd.opts<Options>();
    debug = Boolean(opts.debug);
    return await diagnose(cmd.args, opts, io);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version end with exitCode 0; everything else commander rejects is a usage error.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof CliError) {
      io.stderr.write(`ssm-doctor: ${e.message}\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(`ssm-doctor: unexpected error: ${err.message}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    else io.stderr.write('(run with --debug for details)\n');
    return EXIT.CANNOT_RUN;
  }
}

function usage(message: string): never {
  throw new CliError(message, EXIT.USAGE);
}

async function diagnose(ids: string[], opts: Options, io: Io): Promise<number> {
  const bad = invalidInstanceIds(ids);
  if (bad.length) usage(`invalid instance id ${quote(bad[0]!)}: expected "i-" followed by 8 or 17 hex digits`);
  const timeout = Number(opts.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) usage(`--timeout must be a number of seconds between 0 and 600`);
  if (opts.region !== undefined && !REGION.test(opts.region)) {
    usage(`invalid region ${quote(opts.region)}: expected a region name like us-east-1`);
  }
  if (opts.snapshot && opts.saveSnapshot) usage('--snapshot and --save-snapshot cannot be used together');
  if (opts.snapshot && opts.reboot) usage('--reboot acts on live instances; it cannot be used with --snapshot');
  if (!opts.snapshot && ids.length === 0) usage('no instance id given (or use --snapshot FILE); see --help');

  const unique = [...new Set(ids)];
  const facts = opts.snapshot ? fromSnapshot(opts.snapshot, unique) : await collectLive(unique, opts, timeout * 1000, io);
  if (opts.saveSnapshot) writeSnapshot(opts.saveSnapshot, facts);

  const report = buildReport(facts, allChecks, { tool: TOOL, source: opts.snapshot ? 'snapshot' : 'aws' });
  const color = opts.color && !io.env.NO_COLOR && Boolean(io.stdout.isTTY) && !opts.json;
  io.stdout.write(opts.json ? renderJson(report) : renderText(report, { color, verbose: opts.verbose }));

  if (opts.reboot) await maybeReboot(report, facts, opts, timeout * 1000, io);
  return report.ok ? EXIT.OK : EXIT.FINDINGS;
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

async function collectLive(ids: string[], opts: Options, timeoutMs: number, io: Io): Promise<Facts> {
  const { resolveRegion } = await import('./aws-region.js');
  const region = opts.region ?? (await resolveRegion(opts.profile));
  if (!region) {
    throw new CliError('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile', EXIT.CANNOT_RUN);
  }
  if (!REGION.test(region)) usage(`invalid region ${quote(region)}: expected a region name like us-east-1`);
  const spinner = await startSpinner(io, `Reading ${ids.length === 1 ? ids[0] : `${ids.length} instances`} in ${region}`);
  try {
    const { collect } = await import('./collect/index.js');
    const facts = await collect({
      region,
      profile: opts.profile,
      targets: ids,
      timeoutMs,
      local: true,
      onProgress: (msg) => spinner.update(msg),
    });
    const { credentialsProblem } = await import('./credentials.js');
    const problem = credentialsProblem(facts, opts.profile);
    if (problem) throw new CliError(problem, EXIT.CANNOT_RUN);
    return facts;
  } finally {
    spinner.stop();
  }
}

interface Spinner {
  update(text: string): void;
  stop(): void;
}

async function startSpinner(io: Io, text: string): Promise<Spinner> {
  if (!io.stderr.isTTY || io.env.CI) return { update() {}, stop() {} };
  const { default: ora } = await import('ora');
  const s = ora({ text, stream: io.stderr }).start();
  return { update: (t) => (s.text = t), stop: () => s.stop() };
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
  const { rebootInstances } = await import('./collect/reboot.js');
  try {
    await rebootInstances({ region: facts.region, profile: opts.profile, timeoutMs }, targets);
  } catch (e) {
    throw new CliError(`reboot of ${targets.join(', ')} failed: ${(e as Error).message}`, EXIT.FINDINGS);
  }
  io.stderr.write(`ssm-doctor: reboot requested for ${targets.join(', ')}. The agent should register within a few minutes.\n`);
}
