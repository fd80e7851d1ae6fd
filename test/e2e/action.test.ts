// The GitHub Action (action.yml): every input maps to a real CLI option, inputs reach the CLI as single
// arguments without the shell ever expanding them, and the action's own command, run as the runner runs it
// (bash -eo pipefail, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, the env the step declares), diagnoses
// instances of the local AWS server through the packed CLI, installed by npx with no registry at all.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { SIGNAL_EXIT } from '../../src/cli/interrupt.js';
import { ok } from '../../src/facts/facts.js';
import { healthyFacts, IID, VPC, val, world } from '../fixtures/world.js';
import { startAwsServer } from './aws-server.js';
import { awsEnv, ROOT, runCli } from './run-cli.js';

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
}
interface Action {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;
const runStep = action.runs.steps.find((s) => s.run)!;

/**
 * What each input becomes on the CLI's command line, with a sample value: the CLI option it maps to (checked
 * against `ssm-doctor --help`) and the arguments it must produce. Inputs that are not CLI options say why.
 */
const MAPPING: Record<string, { option?: string; value: string; argv?: string[]; not?: string }> = {
  'instance-ids': { option: '[instance-ids...]', value: 'i-0123456789abcdef0, i-0123456789abcdef1\ni-0123456789abcdef2', argv: ['i-0123456789abcdef0', 'i-0123456789abcdef1', 'i-0123456789abcdef2'] },
  tags: { option: '--tag', value: 'Env=prod\n  App=web shop  \n\nTeam', argv: ['--tag', 'Env=prod', '--tag', 'App=web shop', '--tag', 'Team'] },
  filters: { option: '--filter', value: 'Name=vpc-id,Values=vpc-1,vpc-2', argv: ['--filter', 'Name=vpc-id,Values=vpc-1,vpc-2'] },
  'all-running': { option: '--all-running', value: 'true', argv: ['--all-running'] },
  wait: { option: '--wait', value: '10m', argv: ['--wait', '10m'] },
  'fail-on': { option: '--fail-on', value: 'warn', argv: ['--fail-on', 'warn'] },
  only: { option: '--only', value: 'network,iam', argv: ['--only', 'network,iam'] },
  skip: { option: '--skip', value: 'client,session.connection', argv: ['--skip', 'client,session.connection'] },
  region: { option: '--region', value: 'eu-west-1', argv: ['--region', 'eu-west-1'] },
  profile: { option: '--profile', value: 'ci', argv: ['--profile', 'ci'] },
  timeout: { option: '--timeout', value: '20', argv: ['--timeout', '20'] },
  format: { option: '--format', value: 'junit', argv: ['--format', 'junit'] },
  report: { option: '--json-file', value: 'REPORT', argv: ['--json-file', 'REPORT'] },
  args: { value: `--verbose --redact 'two words' "it's"`, argv: ['--verbose', '--redact', 'two words', "it's"] },
  version: { value: 'FAKE', not: 'which ssm-doctor package npx runs' },
  'node-version': { value: '', not: 'the actions/setup-node step' },
};

const work = mkdtempSync(join(tmpdir(), 'ssm-doctor-action-'));
const npmCache = join(work, 'npm-cache');
mkdirSync(npmCache);
writeFileSync(join(work, 'npmrc'), '');

/** A stand-in for the ssm-doctor package that records its arguments (npx installs it like the real one). */
const fake = join(work, 'fake-cli');
mkdirSync(fake);
writeFileSync(join(fake, 'package.json'), JSON.stringify({ name: 'ssm-doctor', version: '0.0.0-fake', bin: { 'ssm-doctor': 'bin.js' } }));
writeFileSync(
  join(fake, 'bin.js'),
  "#!/usr/bin/env node\nif (process.argv[2] === '--version') { console.log('0.0.0-fake'); process.exit(0); }\nrequire('fs').writeFileSync(process.env.FAKE_ARGV, JSON.stringify(process.argv.slice(2)));\nprocess.exitCode = Number(process.env.FAKE_EXIT ?? 0);\n",
  { mode: 0o755 },
);

let tarball: string;
beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'ssm-doctor-action-pack-'));
  // dist/ is already built by `npm test`; --ignore-scripts keeps `prepare` from rebuilding it under running tests.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz'))!);
}, 120_000);

/** The value of one `${{ ... }}` the step's env may use: inputs only (anything else fails the test). */
function evaluate(template: string, inputs: Record<string, string>): string {
  return template.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const m = /^inputs\.([a-z0-9-]+)$/.exec(expr);
    if (!m || !(m[1]! in action.inputs)) throw new Error(`the step's env uses ${expr}, which this test cannot evaluate`);
    return inputs[m[1]!] ?? action.inputs[m[1]!]!.default ?? '';
  });
}

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

/** Runs the action's `run:` step as the runner does, with `inputs` (others at their defaults). */
function runAction(inputs: Record<string, string>, env: NodeJS.ProcessEnv): Promise<ActionRun> {
  const dir = mkdtempSync(join(work, 'run-'));
  const outputFile = join(dir, 'github_output');
  const summaryFile = join(dir, 'step_summary');
  const runnerTemp = join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const script = join(dir, 'step.sh');
  writeFileSync(script, runStep.run!);
  const stepEnv = Object.fromEntries(Object.entries(runStep.env ?? {}).map(([k, v]) => [k, evaluate(v, inputs)]));
  const fullEnv: NodeJS.ProcessEnv = {
    ...env,
    ...stepEnv,
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    // No registry: npx can only install what is on disk (the packed tarball, the fake CLI).
    npm_config_offline: 'true',
    npm_config_cache: npmCache,
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_userconfig: join(work, 'npmrc'),
    npm_config_update_notifier: 'false',
  };
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { env: fullEnv, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const outputs: Record<string, string> = {};
      for (const line of readFileSync(outputFile, 'utf8').split('\n').filter(Boolean)) {
        const at = line.indexOf('=');
        outputs[line.slice(0, at)] = line.slice(at + 1);
      }
      resolve({ code, stdout, stderr, outputs, summary: readFileSync(summaryFile, 'utf8'), runnerTemp });
    });
  });
}

/** The arguments the (fake) CLI received when the action ran with `inputs`. */
async function argvFor(inputs: Record<string, string>): Promise<{ argv: string[]; run: ActionRun }> {
  const file = join(mkdtempSync(join(work, 'argv-')), 'argv.json');
  const run = await runAction({ version: fake, ...inputs }, { PATH: process.env.PATH, HOME: work, FAKE_ARGV: file });
  return { argv: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as string[]) : [], run };
}

type Server = Awaited<ReturnType<typeof startAwsServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('action.yml', () => {
  it('is a composite action whose scripts never interpolate an expression (inputs come through env)', () => {
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) {
      if (step.run) {
        expect(step.run).not.toContain('${{');
        expect(step.shell).toBe('bash');
      }
      for (const v of Object.values(step.env ?? {})) expect(v).toMatch(/^\$\{\{ inputs\.[a-z0-9-]+ \}\}$/);
    }
  });

  it('every input is passed on, and maps to a real CLI option (or says what else it is)', async () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(MAPPING).sort());
    const used = new Set(
      action.runs.steps.flatMap((s) => [...JSON.stringify([s.env, s.with, s.if]).matchAll(/inputs\.([a-z0-9-]+)/g)].map((m) => m[1]!)),
    );
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort());
    const help = (await runCli(['--help'], awsEnv(undefined))).stdout;
    for (const [input, m] of Object.entries(MAPPING)) {
      if (m.not) continue;
      if (m.option) expect(help, `${input} -> ${m.option}`).toMatch(new RegExp(`(^|[\\s,])${m.option.replace(/[.[\]]/g, '\\$&')}(\\s|$)`, 'm'));
      expect(action.inputs[input]!.description, input).toBeTruthy();
    }
  });

  it('the exit-code output names every code the CLI exits with (the signals too)', () => {
    const said = action.outputs['exit-code']!.description;
    for (const code of [...Object.values(EXIT), ...Object.values(SIGNAL_EXIT)]) expect(said).toMatch(new RegExp(`\\b${code} [a-z]`));
  });

  it('defaults: --format github, --skip client, and the JSON report in $RUNNER_TEMP', async () => {
    expect(action.inputs.format!.default).toBe('github');
    expect(action.inputs.skip!.default).toBe('client');
    const { argv, run } = await argvFor({ 'instance-ids': IID });
    expect(run.code).toBe(0);
    expect(argv).toEqual([IID, '--fail-on', 'fail', '--skip', 'client', '--format', 'github', '--json-file', join(run.runnerTemp, 'ssm-doctor-report.json')]);
  });

  it('every mapped input becomes its arguments, in order, as whole arguments (all inputs set at once)', async () => {
    const mapped = Object.entries(MAPPING).filter(([, m]) => m.argv);
    const { argv, run } = await argvFor(Object.fromEntries(mapped.map(([input, m]) => [input, m.value])));
    expect(run.code).toBe(0);
    for (const [input, m] of mapped) {
      const at = argv.findIndex((_, i) => m.argv!.every((a, j) => argv[i + j] === a));
      expect(at, `${input}: ${JSON.stringify(m.argv)} in ${JSON.stringify(argv)}`).toBeGreaterThanOrEqual(0);
    }
    expect(argv.length).toBe(mapped.reduce((n, [, m]) => n + m.argv!.length, 0));
  });

  it('hostile input values are passed as single arguments: nothing is expanded or run', async () => {
    const marker = join(work, 'pwned');
    const evil = [`$(touch ${marker})`, `\`touch ${marker}\``, `"; touch ${marker}; echo "`, `'; touch ${marker}; '`, '*', '${HOME}'];
    const { argv, run } = await argvFor({ region: evil[0]!, profile: evil[1]!, tags: evil.join('\n'), only: evil[5]! });
    expect(run.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(argv).toEqual(expect.arrayContaining(['--region', evil[0], '--profile', evil[1], '--only', evil[5]]));
    for (const e of evil) expect(argv).toContain(e);
    // args: quotes group words, but a command substitution stays text.
    const extra = await argvFor({ args: `--verbose "$(touch ${marker})"` });
    expect(extra.argv).toContain(`$(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
  });

  it('a bad all-running value or unbalanced quotes in args: exit 2 with an ::error:: line, the CLI not run', async () => {
    for (const inputs of [{ 'all-running': 'yes' }, { args: `--verbose "oops` }] as Record<string, string>[]) {
      const { argv, run } = await argvFor({ 'instance-ids': IID, ...inputs });
      expect(run.code).toBe(2);
      expect(run.stdout).toMatch(/^::error title=ssm-doctor action::/m);
      expect(run.outputs).toMatchObject({ ok: 'false', 'exit-code': '2' });
      expect(argv).toEqual([]);
    }
  });

  it('outputs: ok and exit-code follow the CLI exit code', async () => {
    const { run } = await argvFor({ 'instance-ids': IID });
    expect(run.outputs).toMatchObject({ ok: 'true', 'exit-code': '0', report: '' });
    const failing = await runAction({ version: fake, 'instance-ids': IID }, { PATH: process.env.PATH, HOME: work, FAKE_ARGV: join(work, 'x.json'), FAKE_EXIT: '1' });
    expect(failing.code).toBe(1);
    expect(failing.outputs).toMatchObject({ ok: 'false', 'exit-code': '1' });
    // A package npx cannot get is "could not run" (3) with an ::error saying so, never "findings" (1).
    const missing = await runAction({ version: join(work, 'no-such-package.tgz'), 'instance-ids': IID }, { PATH: process.env.PATH, HOME: work });
    expect(missing.code).toBe(3);
    expect(missing.outputs).toMatchObject({ ok: 'false', 'exit-code': '3' });
    expect(missing.stdout).toContain('::error title=ssm-doctor action::npx could not install and run');
    for (const name of Object.keys(action.outputs)) expect(action.outputs[name]!.value).toBe(`\${{ steps.${runStep.id}.outputs.${name} }}`);
  });
});

describe('README', () => {
  it("the GitHub example uses the action, with inputs it has, and documents every input", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const uses = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => parse(m[1]!) as { jobs?: Record<string, { steps: Step[] }> })
      .flatMap((doc) => Object.values(doc.jobs ?? {}).flatMap((j) => j.steps))
      .filter((st) => /\/ssm-doctor@v\d/.test(st.uses ?? ''));
    expect(uses).toHaveLength(1);
    for (const k of Object.keys(uses[0]!.with ?? {})) expect(Object.keys(action.inputs)).toContain(k);
    const rows = readme.split('\n').filter((l) => l.startsWith('| `'));
    for (const input of Object.keys(action.inputs)) expect(rows.some((r) => r.split('|')[1]!.includes(`\`${input}\``)), input).toBe(true);
  });
});

describe('the action running the packed CLI against the local AWS server', () => {
  it('healthy instance: exit 0, ok=true, the JSON report and the job summary written', async () => {
    server = await startAwsServer({ facts: healthyFacts() });
    const run = await runAction({ 'instance-ids': IID, version: tarball }, awsEnv(server.url, { HOME: work }));
    expect(run.stderr).not.toMatch(/npm (ERR|error)/);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ ok: 'true', 'exit-code': '0' });
    const report = JSON.parse(readFileSync(run.outputs.report!, 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 1, ok: true, source: 'aws' });
    expect(report.omittedChecks).toEqual(expect.arrayContaining(['client.plugin', 'client.permissions']));
    expect(run.stdout).not.toMatch(/^::error/m);
    expect(run.summary).toContain(IID);
    expect(server.requests.length).toBeGreaterThan(0);
  });

  it('broken instance: exit 1, ok=false, an ::error annotation with the fix, the failure in the report', async () => {
    const facts = world((f) => {
      f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith('ssmmessages')));
    });
    server = await startAwsServer({ facts });
    const run = await runAction({ 'instance-ids': IID, version: tarball, region: 'us-east-1' }, awsEnv(server.url, { HOME: work }));
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ ok: 'false', 'exit-code': '1' });
    expect(run.stdout).toMatch(/^::error .*vpc-endpoint\.ssmmessages/m);
    const report = JSON.parse(readFileSync(run.outputs.report!, 'utf8'));
    const check = report.targets[0].checks.find((c: { id: string }) => c.id === 'vpc-endpoint.ssmmessages');
    expect(check.status).toBe('fail');
  });
});
