// --format junit|github, --fail-on, --only/--skip and the fleet table: the built CLI, as CI runs it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../src/facts/facts.js';
import { healthyFacts, IID, SG_VPCE, VPC, val, world } from '../fixtures/world.js';
import { all, parseXml } from '../report/helpers.js';
import { extraInstanceId, startAwsServer } from './aws-server.js';
import { awsEnv, runCli } from './run-cli.js';

type Server = Awaited<ReturnType<typeof startAwsServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const tmp = () => mkdtempSync(join(tmpdir(), 'ssm-doctor-formats-'));
const env = awsEnv(undefined);
const noSsmmessages = () =>
  world((f) => {
    f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith('ssmmessages')));
  });

describe('--format junit', () => {
  it('live: well-formed JUnit XML on stdout only, one testsuite, the failing check as <failure> with its fix', async () => {
    server = await startAwsServer({ facts: noSsmmessages() });
    const r = await runCli([IID, '--format', 'junit'], awsEnv(server.url));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const root = parseXml(r.stdout);
    const [suite] = all(root, 'testsuite');
    expect(suite!.attrs.name).toBe(`${IID} (web-1)`);
    const tc = all(suite!, 'testcase').find((t) => t.attrs.name!.startsWith('vpc-endpoint.ssmmessages: '))!;
    expect(tc.attrs.classname).toBe(`${IID} (web-1).network`);
    const failure = all(tc, 'failure')[0]!;
    expect(failure.text).toContain(`aws ec2 create-vpc-endpoint --vpc-id ${VPC}`);
    expect(failure.text).toContain('resource "aws_vpc_endpoint"');
    expect(Number(root.attrs.failures)).toBeGreaterThan(0);
  });

  it('--json with --format junit is a usage error; an unknown format too', async () => {
    const a = await runCli(['--snapshot', 'examples/healthy.json', '--json', '--format', 'junit'], env);
    expect(a.code).toBe(2);
    expect(a.stdout).toBe('');
    expect(a.stderr).toContain('--json and --format junit cannot be used together');
    const b = await runCli(['--snapshot', 'examples/healthy.json', '--format', 'xml'], env);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/Allowed choices are text, json, junit, github/);
    const c = await runCli(['--snapshot', 'examples/healthy.json', '--json', '--format', 'json'], env);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ schemaVersion: 1, failOn: 'fail' });
  });
});

describe('a run that ends before its report, under --format junit / github (what CI shows)', () => {
  const closed = async () => {
    const s = await startAwsServer({ facts: healthyFacts() });
    await s.close();
    return s.url;
  };
  it.each([
    ['a usage error (bad instance id)', async () => runCli(['app-server-1', '--format', 'junit'], env), 2, /invalid instance id "app-server-1".*--tag Name=app-server-1/],
    ['a usage error from commander (unknown option)', async () => runCli([IID, '--format=junit', '--bogus'], env), 2, /^unknown option '--bogus'$/],
    ['AWS not reachable', async () => runCli([IID, '--format', 'junit', '--region', 'us-east-99', '--timeout', '2'], awsEnv(await closed())), 3, /did you mean us-east-1\?/],
    ['no instance matched the selection', async () => {
      server = await startAwsServer({ facts: healthyFacts() });
      return runCli(['--tag', 'Env=nowhere', '--format', 'junit'], awsEnv(server.url));
    }, 1, /no instance matched/],
  ] as const)('junit, %s: one testcase in error naming it, same exit code', async (_what, go, code, message) => {
    const r = await go();
    expect(r.code).toBe(code);
    const root = parseXml(r.stdout);
    expect(root.attrs).toMatchObject({ tests: '1', errors: '1', failures: '0' });
    const [tc] = all(root, 'testcase');
    expect(tc!.attrs.name).toBe('ssm-doctor run');
    const error = all(tc!, 'error')[0]!;
    expect(error.attrs.message).toMatch(message);
    expect(error.text).toContain(`(ssm-doctor exit code ${code})`);
    expect(r.stderr).toMatch(/^ssm-doctor: /);
  });

  it.each([
    ['a usage error', [IID, '--format', 'github', '--timeout', '0'], 2, 'usage error', /--timeout must be a number/],
    ['an unreadable snapshot', ['--snapshot', '/nonexistent.json', '--format', 'github'], 3, 'could not run', /cannot read snapshot \/nonexistent\.json/],
  ] as const)('github, %s: one ::error naming it, same exit code', async (_what, args, code, title, message) => {
    const r = await runCli([...args], env);
    expect(r.code).toBe(code);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const m = /^::error title=ssm-doctor%3A ([^:]+)::(.*)$/.exec(lines[0]!);
    expect(m?.[1]).toBe(title);
    expect(m?.[2]).toMatch(message);
  });

  it('text keeps stdout empty on a fatal error', async () => {
    const r = await runCli(['i-123', '--format', 'text'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it.each([
    ['a usage error (bad instance id)', async () => runCli(['app-server-1', '--json'], env), 2, /invalid instance id "app-server-1".*--tag Name=app-server-1/],
    ['a usage error from commander (unknown option)', async () => runCli([IID, '--format=json', '--bogus'], env), 2, /^unknown option '--bogus'$/],
    ['an unreadable snapshot', async () => runCli(['--snapshot', '/nonexistent.json', '--json'], env), 3, /cannot read snapshot \/nonexistent\.json/],
    ['AWS not reachable', async () => runCli([IID, '--json', '--region', 'us-east-99', '--timeout', '2'], awsEnv(await closed())), 3, /did you mean us-east-1\?/],
    ['no instance matched the selection', async () => {
      server = await startAwsServer({ facts: healthyFacts() });
      return runCli(['--tag', 'Env=nothing-here', '--json'], awsEnv(server.url));
    }, 1, /no instance matched --tag Env=nothing-here/],
  ] as const)('json, %s: one document with ok false and the error, same exit code, the line on stderr', async (_what, go, code, message) => {
    const r = await go();
    expect(r.code).toBe(code);
    // Compact on a pipe, like every --json document: one line.
    expect(r.stdout.split('\n')).toHaveLength(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toEqual({
      schemaVersion: 1,
      tool: { name: 'ssm-doctor', version: expect.any(String) },
      ok: false,
      error: { exitCode: code, message: expect.stringMatching(message) },
      causes: [],
      plan: { steps: [], cli: [] },
      targets: [],
    });
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ssm-doctor: /);
    expect(lines[0]).toContain(doc.error.message);
  });
});

describe('--format github', () => {
  it('annotations on stdout and the Markdown job summary appended to $GITHUB_STEP_SUMMARY', async () => {
    const summary = join(tmp(), 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    server = await startAwsServer({ facts: noSsmmessages() });
    const r = await runCli([IID, '--format', 'github', '--skip', 'client'], awsEnv(server.url, { GITHUB_STEP_SUMMARY: summary }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const errors = lines.filter((l) => l.startsWith('::error title='));
    // One annotation for the one cause, its fix inside; none for its consequences.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error title=ssm-doctor%3A vpc-0a1b2c3d4e5f60718 has no interface endpoint for com.amazonaws.us-east-1.ssmmessages/);
    expect(errors[0]).toContain('create-vpc-endpoint');
    expect(lines.every((l) => !l.includes('\r'))).toBe(true);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# earlier step\n## ssm-doctor')).toBe(true);
    expect(md).toContain('| instance | Name | verdict | findings |');
    expect(md).toContain(`| \`${IID}\` | web-1 | ❌ NOT READY | cause 1 |`);
    expect(md).toContain('```sh\n');
    expect(md).toContain('Checks left out (--only/--skip): `client.plugin`, `client.permissions`');
  });

  it('without $GITHUB_STEP_SUMMARY: annotations only, no file, exit code from the findings', async () => {
    const r = await runCli(['--snapshot', 'examples/healthy.json', '--format', 'github'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('::error');
    expect(r.stdout).toContain('1 instance: 1 ok, 0 not ready');
  });
});

describe('--fail-on warn', () => {
  it('transit-gateway-route has only warnings: exit 0 by default, 1 with --fail-on warn (targets not ok)', async () => {
    const base = ['--snapshot', 'examples/transit-gateway-route.json', '--skip', 'client'];
    const a = await runCli([...base, '--json'], env);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).ok).toBe(true);
    const b = await runCli([...base, '--json', '--fail-on', 'warn'], env);
    expect(b.code).toBe(1);
    const doc = JSON.parse(b.stdout);
    expect(doc).toMatchObject({ ok: false, failOn: 'warn' });
    expect(doc.targets[0].ok).toBe(false);
    const c = await runCli([...base, '--fail-on', 'warn', '--format', 'github'], env);
    expect(c.code).toBe(1);
    // With warnings failing the gate, the warnings are the causes: errors.
    expect(c.stdout).toMatch(/^::error title=ssm-doctor%3A No com.amazonaws.us-east-1.ec2messages endpoint/m);
    expect(c.stdout).not.toMatch(/^::warning/m);
    const d = await runCli([...base, '--fail-on', 'never'], env);
    expect(d.code).toBe(2);
  });
});

describe('--only / --skip', () => {
  it('select checks by id and group; unknown ids are a usage error naming the valid ones, before any AWS call', async () => {
    const a = await runCli(['--snapshot', 'examples/nacl-blocks-ephemeral.json', '--json', '--only', 'iam,instance.state'], env);
    expect(a.code).toBe(0);
    const doc = JSON.parse(a.stdout);
    expect(doc.targets[0].checks.map((c: { id: string }) => c.id)).toEqual(['instance.state', 'iam.instance-profile', 'iam.role-trust', 'iam.permissions']);
    expect(doc.omittedChecks).toContain('network.acl');

    server = await startAwsServer({ facts: healthyFacts() });
    const b = await runCli([IID, '--skip', 'network.acls'], awsEnv(server.url));
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--skip: unknown check "network\.acls"\. Valid ids: .*network\.acl,/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('several instances', () => {
  it('3 instances: the causes first, then a row per instance; evidence only with --verbose', async () => {
    // The extra instances are running clones of the first one (addresses in 10.200.0.0/16): let the endpoint SG
    // admit them, and stop the first instance so that only it is not ok.
    const healthy = world((f) => {
      val(f.securityGroups[SG_VPCE])!.ingress[0]!.cidrs = ['10.0.0.0/8'];
      val(f.instances[IID])!.state = 'stopped';
    });
    server = await startAwsServer({ facts: healthy, extraInstances: 2 });
    const ids = [IID, extraInstanceId(0), extraInstanceId(1)];
    const r = await runCli([...ids, '--no-color', '--skip', 'client'], awsEnv(server.url));
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[2]).toBe('3 instances: 2 ok, 1 not ready · 1 cause');
    expect(r.stdout).toMatch(/ 1\. ✖ The instance is stopped: Session Manager needs a running instance\.\n {6}1 instance: i-0123456789abcdef0\n/);
    const head = lines.findIndex((l) => l.startsWith('INSTANCE'));
    expect(head).toBeGreaterThan(lines.findIndex((l) => l.includes('The instance is stopped')));
    expect(lines[head]).toMatch(/^INSTANCE {13}NAME {5}VERDICT {4}FINDINGS$/);
    const rows = lines.slice(head + 1, head + 4);
    expect(rows[0]).toBe(`${IID}  web-1    NOT READY  #1`);
    expect(rows[1]).toBe(`${extraInstanceId(0)}  extra-0  OK`);
    expect(rows[2]).toBe(`${extraInstanceId(1)}  extra-1  OK`);
    expect(r.stdout).not.toContain('[instance.state]');
    const v = await runCli([...ids, '--no-color', '--skip', 'client', '--verbose'], awsEnv(server.url));
    expect(v.stdout).toContain('[instance.state]');
  });
});

describe('--json-file', () => {
  it('writes the JSON report to the file, the same document --json prints, whatever --format prints on stdout', async () => {
    const file = join(tmp(), 'report.json');
    const snap = 'examples/missing-ssmmessages-endpoint.json';
    const r = await runCli(['--snapshot', snap, '--format', 'github', '--json-file', file], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error /m);
    const json = await runCli(['--snapshot', snap, '--json'], env);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(json.stdout));
  });

  it('an empty name is a usage error; an unwritable file exits 3 naming it', async () => {
    const a = await runCli(['--snapshot', 'examples/healthy.json', '--json-file', ''], env);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--json-file needs a file name');
    const b = await runCli(['--snapshot', 'examples/healthy.json', '--json-file', join(tmp(), 'no', 'such', 'dir.json')], env);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/cannot write the JSON report to .*dir\.json/);
  });

  it('an unwritable file: the document on stdout is the error, not an all-green report (junit, github, json)', async () => {
    const file = join(tmp(), 'no', 'such', 'dir.json');
    const base = ['--snapshot', 'examples/healthy.json', '--json-file', file];
    const junit = await runCli([...base, '--format', 'junit'], env);
    expect(junit.code).toBe(3);
    const root = parseXml(junit.stdout);
    expect(root.attrs).toMatchObject({ tests: '1', errors: '1', failures: '0' });
    expect(all(root, 'error')[0]!.attrs.message).toMatch(/^cannot write the JSON report to .*dir\.json/);
    const github = await runCli([...base, '--format', 'github'], env);
    expect(github.code).toBe(3);
    expect(github.stdout).toMatch(/^::error title=ssm-doctor%3A could not run::cannot write the JSON report to .*dir\.json/);
    expect(github.stdout.trimEnd().split('\n')).toHaveLength(1);
    const json = await runCli([...base, '--json'], env);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { exitCode: 3, message: expect.stringMatching(/cannot write the JSON report/) }, targets: [] });
    for (const r of [junit, github, json]) expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^ssm-doctor: cannot write the JSON report to /)]);
  });
});
