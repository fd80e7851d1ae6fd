// The built CLI, spawned as a user runs it, against the local AWS wire-format server (AWS_ENDPOINT_URL):
// real SDK serialisation, pagination, retries and errors; exit codes and the JSON contract.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ok, type Facts } from '../../src/facts/facts.js';
import { healthyFacts, IID, SG_VPCE, VPC, val, world } from '../fixtures/world.js';
import { startAwsServer } from './aws-server.js';
import { awsEnv, runCli } from './run-cli.js';

type Server = Awaited<ReturnType<typeof startAwsServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function live(facts: Facts, args: string[], extraEnv: Record<string, string | undefined> = {}) {
  server = await startAwsServer({ facts });
  const run = await runCli(args, awsEnv(server.url, extraEnv));
  return { ...run, requests: server.requests, signedWith: [...new Set(server.requests.map((q) => q.accessKeyId))] };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ssm-doctor-e2e-'));
const statusOf = (json: string, id: string) =>
  (JSON.parse(json) as { targets: { checks: { id: string; status: string; detail: string; fix?: { cli: string[]; terraform?: string } }[] }[] }).targets[0]!.checks.find((c) => c.id === id);

describe('ssm-doctor CLI (live, over HTTP)', () => {
  it('healthy instance: exit 0, a readable report, every check passes or skips', async () => {
    const r = await live(healthyFacts(), [IID, '--no-color']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('i-0123456789abcdef0');
    expect(r.stdout).toContain('web-1');
    expect(r.stdout).toMatch(/OK\s+\d+ passed/);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('--json prints exactly one JSON document following the schemaVersion 1 contract', async () => {
    const r = await live(healthyFacts(), [IID, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, tool: { name: 'ssm-doctor' }, region: 'us-east-1', ok: true });
    expect(doc.targets[0]).toMatchObject({ target: IID, ok: true, rebootSuggested: false });
    for (const c of doc.targets[0].checks) {
      expect(['pass', 'fail', 'warn', 'skip', 'error']).toContain(c.status);
      expect(c.id).toMatch(/^[a-z0-9-]+\.[a-z0-9.-]+$/);
    }
    const ids = doc.targets[0].checks.map((c: { id: string }) => c.id);
    for (const id of [
      'instance.state', 'agent.ping', 'iam.instance-profile', 'iam.permissions', 'vpc-endpoint.ssm', 'vpc-endpoint.ssmmessages',
      'vpc-endpoint.ec2messages', 'vpc-endpoint.private-dns', 'security-group.endpoint-ingress', 'security-group.instance-egress',
    ]) expect(ids).toContain(id);
  });

  it('missing ssmmessages endpoint: exit 1, the check fails with a create-vpc-endpoint fix carrying real ids', async () => {
    const facts = world((f) => {
      f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith('ssmmessages')));
    });
    const r = await live(facts, [IID, '--json']);
    expect(r.code).toBe(1);
    const c = statusOf(r.stdout, 'vpc-endpoint.ssmmessages')!;
    expect(c.status).toBe('fail');
    expect(c.fix!.cli.join('\n')).toContain(`aws ec2 create-vpc-endpoint --vpc-id ${VPC}`);
    expect(c.fix!.terraform).toContain('resource "aws_vpc_endpoint"');
  });

  it('endpoint SG without ingress (the article mistake): exit 1, security-group.endpoint-ingress fails', async () => {
    const facts = world((f) => {
      val(f.securityGroups[SG_VPCE]).ingress = [];
    });
    const r = await live(facts, [IID, '--json']);
    expect(r.code).toBe(1);
    expect(statusOf(r.stdout, 'security-group.endpoint-ingress')?.status).toBe('fail');
  });

  it('unknown instance: exit 1, instance.state names region and account and hints --region/--profile', async () => {
    const facts = world((f) => {
      f.instances[IID] = ok(null);
      f.agents[IID] = ok(null);
    });
    const r = await live(facts, [IID, '--json']);
    expect(r.code).toBe(1);
    const c = statusOf(r.stdout, 'instance.state')!;
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('us-east-1');
    expect(c.detail).toContain('111122223333');
    expect(c.detail).toContain('--region');
  });

  it('malformed instance id: exit 2, one line on stderr, no request sent', async () => {
    const r = await live(healthyFacts(), ['i-xyz']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('invalid instance id');
    expect(r.requests).toHaveLength(0);
  });

  it('a Name where an id belongs: exit 2, no request, and the way forward (--tag Name=...)', async () => {
    const r = await live(healthyFacts(), ['app-server-1']);
    expect(r.code).toBe(2);
    expect(r.requests).toHaveLength(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'ssm-doctor: invalid instance id "app-server-1": expected "i-" followed by 8 or 17 hex digits, or "mi-" and 17 (hybrid node); did you mean --tag Name=app-server-1?\n',
    );
  });

  describe('a profile and access keys in the environment (GitHub Actions with --profile)', () => {
    /** ~/.aws with profile `ci` holding its own keys; the environment keeps awsEnv's AWS_ACCESS_KEY_ID. */
    const profileFiles = () => {
      const dir = tmp();
      writeFileSync(join(dir, 'config'), '[profile ci]\nregion = us-east-1\n');
      writeFileSync(join(dir, 'credentials'), '[ci]\naws_access_key_id = AKIAPROFILEEXAMPLE00\naws_secret_access_key = profile-secret\n');
      return { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
    };

    it('--profile: one line of ours saying which credentials are used and how to use the other, not the SDK warning', async () => {
      const r = await live(healthyFacts(), [IID, '--profile', 'ci', '--json'], profileFiles());
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(
        'ssm-doctor: using the credentials of profile "ci" (--profile); AWS_ACCESS_KEY_ID is set too but a named profile comes first: to use those keys instead, leave out --profile\n',
      );
      expect(r.stderr).not.toContain('Multiple credential sources');
      // The profile's key signed the requests.
      expect(r.signedWith).toContain('AKIAPROFILEEXAMPLE00');
    });

    it('AWS_PROFILE: the same line, naming AWS_PROFILE', async () => {
      const r = await live(healthyFacts(), [IID, '--json'], { ...profileFiles(), AWS_PROFILE: 'ci' });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^ssm-doctor: using the credentials of profile "ci" \(AWS_PROFILE\);.* unset AWS_PROFILE\n$/);
    });

    it('no conflict (keys only): nothing on stderr', async () => {
      const r = await live(healthyFacts(), [IID, '--json'], profileFiles());
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    });
  });

  it('no region anywhere: exit 3 naming --region and AWS_REGION, no request sent', async () => {
    const r = await live(healthyFacts(), [IID], { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--region');
    expect(r.stderr).toContain('AWS_REGION');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.requests).toHaveLength(0);
  });

  it('--save-snapshot writes the facts read over HTTP: they equal the world they were served from', async () => {
    const dir = tmp();
    const file = join(dir, 'snap.json');
    const r = await live(healthyFacts(), [IID, '--save-snapshot', file, '--json']);
    expect(r.code).toBe(0);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Facts;
    const expected = healthyFacts();
    expect({ ...saved, collectedAt: 'x' }).toEqual({ ...expected, collectedAt: 'x' });
  });

  it('every request the CLI sends is a read', async () => {
    const r = await live(healthyFacts(), [IID, '--json']);
    expect(r.code).toBe(0);
    for (const q of r.requests) expect(q.action).toMatch(/^(Describe|Get|List|Simulate)/);
  });
});

describe('ssm-doctor CLI (offline)', () => {
  const env = awsEnv(undefined);

  it('--version prints the version', async () => {
    const r = await runCli(['--version'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });

  it('--help shows usage with examples and exit codes', async () => {
    const r = await runCli(['--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: ssm-doctor');
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('Exit codes');
  });

  it('--help reads cleanly at 80 columns: no line wider, no meaningless defaults', async () => {
    for (const columns of ['80', '60']) {
      const r = await runCli(['--help'], { ...env, COLUMNS: columns });
      const lines = r.stdout.split('\n');
      // The examples are written for 80 columns; the options wrap to the terminal.
      expect(lines.filter((l) => l.length > 80), `COLUMNS=${columns}`).toEqual([]);
      if (columns === '60') expect(lines.slice(0, lines.indexOf('Examples:')).filter((l) => l.length > 60)).toEqual([]);
      expect(r.stdout).not.toContain('(default: [])');
      expect(r.stdout).not.toContain('(default: "10")');
      expect(r.stdout.replace(/\s+/g, ' ')).toContain('--timeout <seconds> timeout of each AWS request, in seconds (default 10)');
    }
  });

  it('the README main job: an example snapshot, no AWS account', async () => {
    const r = await runCli(['--snapshot', 'examples/missing-ssmmessages-endpoint.json', '--no-color'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('vpc-endpoint.ssmmessages');
    expect(r.stdout).toContain('aws ec2 create-vpc-endpoint');
  });

  it('healthy example snapshot exits 0', async () => {
    const r = await runCli(['--snapshot', 'examples/healthy.json', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).ok).toBe(true);
  });

  it.each([
    ['a missing file', null, /cannot read snapshot .*no such file/],
    ['truncated JSON', '{"schemaVersion": 1, "region": "us-', /not valid JSON/],
    ['a wrong schema version', '{"schemaVersion": 99, "region": "us-east-1", "targets": []}', /schemaVersion 99/],
    ['no targets', '{"schemaVersion": 1, "region": "us-east-1"}', /no "targets"/],
  ])('a snapshot with %s: exit 3 and one line naming the problem', async (_what, content, message) => {
    const file = join(tmp(), 'snap.json');
    if (content !== null) writeFileSync(file, content);
    const r = await runCli(['--snapshot', file], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['an unknown option (commander)', ['--bogus']],
    ['a bad --format choice (commander)', [IID, '--format', 'xml']],
    ['an option without its value (commander)', [IID, '--timeout']],
    ['a bad instance id', ['i-123']],
    ['an unreadable snapshot', ['--snapshot', '/nonexistent/snap.json']],
  ])('%s: every error line starts with "ssm-doctor: "', async (_what, args) => {
    const r = await runCli(args, env);
    expect(r.code).toBeGreaterThanOrEqual(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^ssm-doctor: \S/);
    expect(r.stderr).not.toMatch(/^error: /m);
  });

  it('--reboot with --snapshot is a usage error', async () => {
    const r = await runCli(['--snapshot', 'examples/agent-offline-config-ok.json', '--reboot'], env);
    expect(r.code).toBe(2);
  });
});
