// The published package: `npm pack` makes a tarball with no dependencies (the bundle in dist/ is
// self-contained), which installs into an empty folder WITHOUT any registry (--offline, an empty npm cache, a
// registry address where nothing listens) and passes the end-to-end suite's main cases from there, against the
// local AWS server.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../src/facts/facts.js';
import { healthyFacts, IID, VPC, val, world } from '../fixtures/world.js';
import { startAwsServer } from './aws-server.js';
import { awsEnv, ROOT, runCli } from './run-cli.js';

const MB = 1024 * 1024;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies?: object };

/** npm with no registry to reach and nothing cached: only what is on disk can be installed. */
function offlineNpm(args: string[], cwd: string, dir: string): string {
  const userconfig = join(dir, 'npmrc');
  writeFileSync(userconfig, '');
  return execFileSync(
    'npm',
    [...args, '--offline', '--no-audit', '--no-fund', '--cache', join(dir, 'empty-cache'), '--registry', 'http://127.0.0.1:9/', '--userconfig', userconfig],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 },
  );
}

function du(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, f) => sum + du(join(path, f)), 0);
}

let app: string;
let bin: string;
let packed: { size: number; unpackedSize: number; files: { path: string }[] };

beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'ssm-doctor-pack-'));
  // dist/ is already built by `npm test`; --ignore-scripts keeps `prepare` from rebuilding it under running tests.
  [packed] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8' })) as [typeof packed];
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'))!;
  app = mkdtempSync(join(tmpdir(), 'ssm-doctor-app-'));
  writeFileSync(join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}\n');
  const dir = mkdtempSync(join(tmpdir(), 'ssm-doctor-npm-'));
  mkdirSync(join(dir, 'empty-cache'));
  offlineNpm(['install', join(out, tarball)], app, dir);
  bin = join(app, 'node_modules', 'ssm-doctor', 'bin', 'ssm-doctor.js');
}, 240_000);

type Server = Awaited<ReturnType<typeof startAwsServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The installed copy, run in the app folder, against a local AWS server serving `facts`. */
async function installed(args: string[], facts = healthyFacts()) {
  server = await startAwsServer({ facts });
  const run = await runCli(args, awsEnv(server.url), undefined, bin, app);
  return { ...run, requests: server.requests };
}

describe('npm pack: the tarball', () => {
  it('declares no dependencies, ships the bundle, the examples, the policy and the third-party notices', () => {
    expect(pkg.dependencies).toBeUndefined();
    const installedPkg = JSON.parse(readFileSync(join(app, 'node_modules', 'ssm-doctor', 'package.json'), 'utf8')) as { dependencies?: object };
    expect(installedPkg.dependencies).toBeUndefined();
    const files = packed.files.map((f) => f.path);
    for (const f of ['bin/ssm-doctor.js', 'dist/cli.js', 'THIRD-PARTY-NOTICES.md', 'README.md', 'policy/ssm-doctor-readonly.json', 'examples/healthy.json']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => !/^(bin|dist|examples|policy)\/|^(README|THIRD-PARTY-NOTICES)\.md$|^package\.json$/.test(f))).toEqual([]);
  });

  it('installed offline, alone: node_modules holds ssm-doctor and nothing else', () => {
    expect(readdirSync(join(app, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['ssm-doctor']);
  });

  it(`stays small: tarball <= 1.5 MB, installed <= 5 MB`, () => {
    expect(packed.size).toBeLessThanOrEqual(1.5 * MB);
    expect(du(join(app, 'node_modules'))).toBeLessThanOrEqual(5 * MB);
  });

  it('`npx ssm-doctor --version` runs there', () => {
    const version = execFileSync('npx', ['--no-install', 'ssm-doctor', '--version'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(version.trim()).toBe(pkg.version);
  });
});

describe('the installed copy passes the main end-to-end cases', () => {
  it('healthy instance: exit 0, a readable report', async () => {
    const r = await installed([IID, '--no-color']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(IID);
    expect(r.stdout).toMatch(/OK\s+\d+ passed/);
  });

  it('--json: exactly one JSON document, schemaVersion 1, every request a read', async () => {
    const r = await installed([IID, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, tool: { name: 'ssm-doctor', version: pkg.version }, ok: true });
    expect(r.requests.length).toBeGreaterThan(0);
    for (const q of r.requests) expect(q.action).toMatch(/^(Describe|Get|List|Simulate)/);
  });

  it('broken: the missing ssmmessages endpoint fails with its fix, exit 1', async () => {
    const facts = world((f) => {
      f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith('ssmmessages')));
    });
    const r = await installed([IID, '--json'], facts);
    expect(r.code).toBe(1);
    const check = JSON.parse(r.stdout).targets[0].checks.find((c: { id: string }) => c.id === 'vpc-endpoint.ssmmessages');
    expect(check.status).toBe('fail');
    expect(check.fix.cli.join('\n')).toContain(`aws ec2 create-vpc-endpoint --vpc-id ${VPC}`);
  });

  it('usage error: exit 2, one line on stderr, no request sent', async () => {
    const r = await installed(['i-xyz']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.requests).toHaveLength(0);
  });

  it('--snapshot of an example shipped in the package: its documented verdict, no AWS', async () => {
    const example = join(app, 'node_modules', 'ssm-doctor', 'examples', 'missing-ssmmessages-endpoint.json');
    const r = await runCli(['--snapshot', example, '--json'], awsEnv(undefined), undefined, bin, app);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.source).toBe('snapshot');
    expect(doc.targets[0].checks.find((c: { id: string }) => c.id === 'vpc-endpoint.ssmmessages').status).toBe('fail');
  });
});
