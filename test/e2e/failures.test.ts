// Every way a run can go wrong, end to end: the built CLI against the local AWS wire-format server with
// faults injected (expired/invalid credentials, unknown profile, expired SSO, AccessDenied per service,
// throttling, a hanging call, malformed answers, empty pages, one broken instance in a fleet).
// Each case asserts the documented exit code, one clear line on stderr where the run cannot go on, and
// never a stack trace. Cases are independent (one server and one temp HOME each) and run concurrently.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failed, ok, type ApiError, type Facts, type NamedPolicy } from '../../src/facts/facts.js';
import { AGENT_ACTIONS } from '../../src/facts/requirements.js';
import {
  ACCOUNT,
  CALLER_ROLE_ARN,
  EC2_TRUST,
  IID,
  PROFILE_ARN,
  ROLE_ARN,
  ROLE_NAME,
  SG_EC2,
  SG_VPCE,
  healthyFacts,
  val,
  world,
} from '../fixtures/world.js';
import { MANAGED_INSTANCE_CORE } from '../fixtures/policies.js';
import { extraInstanceId, startAwsServer, type Fault, type RecordedRequest, type ServerOptions } from './aws-server.js';
import { awsEnv, runCli, type CliRun } from './run-cli.js';

const STACK = /\n\s+at /;

/** `http://127.0.0.1:<port>` where nothing listens (the port was free a moment ago). */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface Run extends CliRun {
  requests: RecordedRequest[];
}

/** One server for one run: started, the CLI spawned against it, closed. */
async function scenario(
  server: Partial<ServerOptions> & { facts?: Facts },
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
): Promise<Run> {
  const s = await startAwsServer({ facts: healthyFacts(), ...server });
  try {
    const r = await runCli(args, awsEnv(s.url, extraEnv));
    return { ...r, requests: [...s.requests] };
  } finally {
    await s.close();
  }
}

/** The whole run failed before a report: exit 3, one line on stderr, nothing on stdout. */
function expectCannotRun(r: Run): string {
  expect(r.stderr).not.toMatch(STACK);
  expect(r.code, r.stderr).toBe(3);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ssm-doctor: /);
  return lines[0]!;
}

interface JsonCheck {
  id: string;
  status: string;
  detail: string;
}
interface JsonDoc {
  ok: boolean;
  missingPermissions?: string[];
  targets: { target: string; ok: boolean; checks: JsonCheck[] }[];
}

/** The run produced a report: the exit code, no stack trace, one valid JSON document. */
function report(r: Run, code: number): JsonDoc {
  expect(r.stderr).not.toMatch(STACK);
  expect(r.code, r.stderr).toBe(code);
  return JSON.parse(r.stdout) as JsonDoc;
}

function checksOf(doc: JsonDoc, target = IID): Record<string, JsonCheck> {
  const t = doc.targets.find((x) => x.target === target);
  if (!t) throw new Error(`no target ${target} in the report`);
  return Object.fromEntries(t.checks.map((c) => [c.id, c]));
}

/** Fake keys and every other credential source removed. */
const NO_KEYS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined };

/** A temp HOME whose ~/.aws/config is `config` (SSO profiles); no SSO token cache. */
function homeWithConfig(config: string): { HOME: string; AWS_CONFIG_FILE: string; AWS_SHARED_CREDENTIALS_FILE: string } {
  const home = mkdtempSync(join(tmpdir(), 'ssm-doctor-home-'));
  mkdirSync(join(home, '.aws'));
  const file = join(home, '.aws', 'config');
  writeFileSync(file, config);
  return { HOME: home, AWS_CONFIG_FILE: file, AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials') };
}

const ADMINISTRATOR_ACCESS: NamedPolicy = {
  name: 'AdministratorAccess',
  kind: 'managed',
  arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

const denial = (Action: string, code: string, status: number): Fault => ({ action: Action, kind: 'error', code, status, message: 'You are not authorized to perform this operation.' });

// Generous per-test timeouts: the cases run concurrently and the slowest ones wait on SDK retry backoff.
describe.concurrent('ssm-doctor CLI under failure', { timeout: 90_000 }, () => {
  // ------------------------------------------------------------------ credentials: exit 3, one line

  it('expired token (every service says ExpiredToken): exit 3, says the credentials expired and how to refresh them', async () => {
    const r = await scenario({ faults: [{ action: '*', kind: 'error', code: 'ExpiredToken', status: 403, message: 'The security token included in the request is expired' }] }, [IID]);
    const line = expectCannotRun(r);
    expect(line).toMatch(/credentials .*have expired/);
    expect(line).toContain('aws sso login');
    // Round 1 only: once the caller is known to be unauthenticated nothing more is sent.
    expect(r.requests.length).toBeLessThanOrEqual(8);
  });

  it('expired token, SSM flavour (ExpiredTokenException) with a profile: names `aws sso login --profile X`', async () => {
    const env = { ...homeWithConfig('[profile work]\nregion = us-east-1\n'), AWS_PROFILE: 'work' };
    writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, '[work]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\naws_session_token = y\n');
    const r = await scenario({ faults: [{ action: '*', kind: 'error', code: 'ExpiredTokenException', status: 400, message: 'The security token included in the request is expired' }] }, [IID], { ...NO_KEYS, ...env, AWS_PROFILE: 'work' });
    const line = expectCannotRun(r);
    expect(line).toMatch(/credentials .*have expired/);
    expect(line).toContain('aws sso login --profile work');
  });

  it('invalid access key (InvalidClientTokenId): exit 3, says the key is not valid', async () => {
    const r = await scenario({ faults: [{ action: '*', kind: 'error', code: 'InvalidClientTokenId', status: 403, message: 'The security token included in the request is invalid.' }] }, [IID]);
    const line = expectCannotRun(r);
    expect(line).toContain('InvalidClientTokenId');
    expect(line).toMatch(/aws configure|aws sts get-caller-identity/);
    expect(line).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('no credentials at all: exit 3 naming `aws configure` and `aws sso login`, nothing sent', async () => {
    const r = await scenario({}, [IID], { ...NO_KEYS, HOME: '' });
    const line = expectCannotRun(r);
    expect(line).toMatch(/no AWS credentials/);
    expect(line).toContain('aws configure');
    expect(line).toContain('aws sso login');
    expect(r.requests).toHaveLength(0);
  });

  it('unknown profile (--profile nope, empty config): exit 3 naming the profile and `aws configure list-profiles`', async () => {
    const r = await scenario({}, [IID, '--profile', 'nope'], { ...NO_KEYS, ...homeWithConfig('') });
    const line = expectCannotRun(r);
    expect(line).toContain('"nope"');
    expect(line).toContain('aws configure list-profiles');
    expect(r.requests).toHaveLength(0);
  });

  it('unknown profile and no region anywhere: the profile is named, not the region', async () => {
    const r = await scenario({}, [IID, '--profile', 'nope'], { ...NO_KEYS, ...homeWithConfig(''), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
    const line = expectCannotRun(r);
    expect(line).toContain('"nope"');
    expect(line).toContain('aws configure list-profiles');
  });

  it('SSO profile (sso-session) without a cached token: exit 3 with `aws sso login --profile dev`, nothing sent', async () => {
    const env = homeWithConfig(
      [
        '[profile dev]',
        'sso_session = corp',
        `sso_account_id = ${ACCOUNT}`,
        'sso_role_name = Admin',
        'region = us-east-1',
        '',
        '[sso-session corp]',
        'sso_start_url = https://example.awsapps.com/start',
        'sso_region = us-east-1',
        'sso_registration_scopes = sso:account:access',
        '',
      ].join('\n'),
    );
    const r = await scenario({}, [IID, '--profile', 'dev'], { ...NO_KEYS, ...env });
    const line = expectCannotRun(r);
    expect(line).toMatch(/SSO session/);
    expect(line).toContain('aws sso login --profile dev');
    expect(r.requests).toHaveLength(0);
  });

  it('SSO profile whose cached token has expired (AWS_PROFILE): exit 3 with `aws sso login --profile dev`', async () => {
    const env = homeWithConfig(
      ['[profile dev]', 'sso_session = corp', `sso_account_id = ${ACCOUNT}`, 'sso_role_name = Admin', '', '[sso-session corp]', 'sso_start_url = https://example.awsapps.com/start', 'sso_region = us-east-1', ''].join('\n'),
    );
    const { createHash } = await import('node:crypto');
    const cache = join(env.HOME, '.aws', 'sso', 'cache');
    mkdirSync(cache, { recursive: true });
    writeFileSync(
      join(cache, `${createHash('sha1').update('corp').digest('hex')}.json`),
      JSON.stringify({ accessToken: 'x', expiresAt: '2020-01-01T00:00:00Z', region: 'us-east-1', startUrl: 'https://example.awsapps.com/start' }),
    );
    const r = await scenario({}, [IID], { ...NO_KEYS, ...env, AWS_PROFILE: 'dev' });
    const line = expectCannotRun(r);
    expect(line).toMatch(/SSO session/);
    expect(line).toContain('aws sso login --profile dev');
  });

  // ------------------------------------------------------------------ usage: exit 2, nothing sent

  it('misspelled region (--region us-east-l): exit 2, one line, no request', async () => {
    const r = await scenario({}, [IID, '--region', 'us-east-l']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('us-east-l');
    expect(r.requests).toHaveLength(0);
  });

  it('misspelled region in AWS_REGION: exit 2, no request', async () => {
    const r = await scenario({}, [IID], { AWS_REGION: 'us-east-l' });
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('us-east-l');
    expect(r.requests).toHaveLength(0);
  });

  // ------------------------------------------------------------------ AWS not reached at all: exit 3, one line

  it('nothing answers (AWS_ENDPOINT_URL on a closed port): exit 3, one line naming the endpoint, no region suggestion', async () => {
    const r = await runCli([IID, '--timeout', '2'], awsEnv(await closedPort()));
    const line = expectCannotRun({ ...r, requests: [] });
    expect(line).toMatch(/^ssm-doctor: could not reach AWS in region "us-east-1": every request failed without an answer \(127\.0\.0\.1:\d+: ECONNREFUSED\); check AWS_ENDPOINT_URL/);
    expect(line).not.toContain('did you mean');
  });

  it('a region the SDK does not know (--region us-east-99) and nothing answers: exit 3, "did you mean us-east-1?"', async () => {
    const r = await runCli([IID, '--region', 'us-east-99', '--timeout', '2'], awsEnv(await closedPort()));
    const line = expectCannotRun({ ...r, requests: [] });
    expect(line).toContain('region "us-east-99"');
    expect(line).toMatch(/does not know region "us-east-99": did you mean us-east-1\?$/);
  });

  it('a region the SDK does not know is not rejected up front: when something answers, the run goes on to a report', async () => {
    const r = await scenario({}, [IID, '--region', 'us-east-99', '--json']);
    expect(r.requests.length).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.code);
    expect((JSON.parse(r.stdout) as { region: string }).region).toBe('us-east-99');
  });

  it('a --tag selection that cannot reach AWS: the same one line, exit 3', async () => {
    const r = await runCli(['--tag', 'Env=prod', '--region', 'eu-wset-1', '--timeout', '2'], awsEnv(await closedPort()));
    const line = expectCannotRun({ ...r, requests: [] });
    expect(line).toMatch(/did you mean eu-west-1\?$/);
  });

  // ------------------------------------------------------------------ AccessDenied on one API: only its checks

  it('ec2:DescribeVpcEndpoints denied: only the checks needing it are error, naming the action; the others still run', async () => {
    const r = await scenario({ faults: [denial('DescribeVpcEndpoints', 'UnauthorizedOperation', 403)] }, [IID, '--json']);
    const doc = report(r, 1);
    const c = checksOf(doc);
    const errors = Object.values(c).filter((x) => x.status === 'error');
    expect(errors.map((x) => x.id)).toContain('vpc-endpoint.ssm');
    expect(errors.map((x) => x.id)).toContain('vpc-endpoint.ssmmessages');
    for (const e of errors) expect(e.detail, e.id).toContain('ec2:DescribeVpcEndpoints');
    for (const id of ['instance.state', 'instance.metadata', 'agent.ping', 'agent.version', 'iam.instance-profile', 'iam.role-trust', 'iam.permissions', 'vpc.dns', 'session.connection', 'client.permissions']) {
      expect(c[id]?.status, `${id}: ${c[id]?.detail}`).toBe('pass');
    }
    if (doc.missingPermissions) expect(doc.missingPermissions).toEqual(['ec2:DescribeVpcEndpoints']);
  });

  it('iam:SimulatePrincipalPolicy denied: the IAM checks fall back to the policy documents and still pass', async () => {
    const facts = world((f) => {
      f.roles[ROLE_NAME] = ok({ name: ROLE_NAME, arn: ROLE_ARN, trustPolicy: EC2_TRUST, policies: ok([MANAGED_INSTANCE_CORE]) });
      f.roles.Admin = ok({ name: 'Admin', arn: CALLER_ROLE_ARN, policies: ok([ADMINISTRATOR_ACCESS]) });
    });
    const r = await scenario({ facts, faults: [denial('SimulatePrincipalPolicy', 'AccessDenied', 403)] }, [IID, '--json', '--verbose']);
    const doc = report(r, 0);
    const c = checksOf(doc);
    for (const id of ['iam.permissions', 'client.permissions']) expect(c[id]?.status, `${id}: ${c[id]?.detail}`).toBe('pass');
    const sent = new Set(r.requests.map((q) => q.action));
    for (const a of ['SimulatePrincipalPolicy', 'ListAttachedRolePolicies', 'ListRolePolicies', 'GetPolicy', 'GetPolicyVersion']) expect(sent).toContain(a);
  });

  it('iam:SimulatePrincipalPolicy and the policy reads denied: the IAM checks are error naming the permissions, exit 1', async () => {
    const r = await scenario(
      { faults: [denial('SimulatePrincipalPolicy', 'AccessDenied', 403), denial('ListAttachedRolePolicies', 'AccessDenied', 403)] },
      [IID, '--json'],
    );
    const c = checksOf(report(r, 1));
    expect(c['iam.permissions']?.status).toBe('error');
    expect(c['iam.permissions']?.detail).toContain('iam:SimulatePrincipalPolicy');
    expect(c['agent.ping']?.status).toBe('pass');
    expect(c['vpc-endpoint.ssmmessages']?.status).toBe('pass');
  });

  it('ssm:DescribeInstanceInformation denied: agent.ping is error naming it, the network checks still pass', async () => {
    const r = await scenario({ faults: [denial('DescribeInstanceInformation', 'AccessDeniedException', 400)] }, [IID, '--json']);
    const c = checksOf(report(r, 1));
    expect(c['agent.ping']?.status).toBe('error');
    expect(c['agent.ping']?.detail).toContain('ssm:DescribeInstanceInformation');
    for (const id of ['instance.state', 'iam.permissions', 'vpc-endpoint.ssm', 'vpc-endpoint.ssmmessages', 'security-group.endpoint-ingress', 'network.acl']) {
      expect(c[id]?.status, `${id}: ${c[id]?.detail}`).toBe('pass');
    }
  });

  // ------------------------------------------------------------------ throttling, hangs, garbage, pages

  it('throttling bursts on several APIs: retried, the run completes with the healthy verdicts (exit 0)', async () => {
    // Each wire protocol's throttling answer (STS/IAM query XML, SSM JSON, EC2 XML), three in a row each.
    // After a throttle the SDK's adaptive mode slows that client down (about 2 s between requests at first):
    // the actions are chosen so few requests follow them on the same client, which keeps the test short.
    const throttled = ['GetCallerIdentity', 'DescribeInstanceInformation', 'DescribeDhcpOptions'];
    const r = await scenario({ faults: throttled.map((action): Fault => ({ action, kind: 'throttle', times: 3 })) }, [IID, '--json']);
    const doc = report(r, 0);
    expect(doc.ok).toBe(true);
    for (const action of throttled) expect(r.requests.filter((q) => q.action === action).length, action).toBeGreaterThanOrEqual(4);
  });

  it('a server that never answers DescribeNetworkAcls, --timeout 1: the run ends, network.acl is error about the timeout', async () => {
    // Bounded: 5 attempts of 1 s each plus backoff; the test's own timeout is the bound (tests assert no timings).
    const r = await scenario({ faults: [{ action: 'DescribeNetworkAcls', kind: 'hang' }] }, [IID, '--json', '--timeout', '1']);
    const c = checksOf(report(r, 1));
    expect(c['network.acl']?.status).toBe('error');
    expect(c['network.acl']?.detail).toContain('ec2:DescribeNetworkAcls');
    expect(c['network.acl']?.detail).toMatch(/timed out|timeout/i);
    expect(c['vpc-endpoint.ssmmessages']?.status).toBe('pass');
    expect(c['agent.ping']?.status).toBe('pass');
  });

  it('malformed XML (EC2) and malformed JSON (SSM) answers: those checks are error, no crash, exit 1', async () => {
    const r = await scenario(
      { faults: [{ action: 'DescribeNetworkAcls', kind: 'malformed' }, { action: 'DescribeInstanceInformation', kind: 'malformed' }] },
      [IID, '--json'],
    );
    const c = checksOf(report(r, 1));
    expect(c['network.acl']?.status).toBe('error');
    expect(c['network.acl']?.detail).toContain('ec2:DescribeNetworkAcls');
    expect(c['agent.ping']?.status).toBe('error');
    expect(c['agent.ping']?.detail).toContain('ssm:DescribeInstanceInformation');
    expect(c['vpc-endpoint.ssmmessages']?.status).toBe('pass');
    expect(c['iam.permissions']?.status).toBe('pass');
  });

  it('malformed answers in the text report: exit 1, no stack trace anywhere', async () => {
    const r = await scenario({ faults: [{ action: 'GetCallerIdentity', kind: 'malformed' }, { action: 'DescribeVpcs', kind: 'malformed' }] }, [IID, '--no-color']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(STACK);
    expect(r.stdout).toContain(IID);
  });

  it('empty pages with a NextToken before the agent: every page followed, the agent found, exit 0', async () => {
    const r = await scenario({ emptyPages: 3 }, [IID, '--json']);
    const c = checksOf(report(r, 0));
    expect(c['agent.ping']?.status).toBe('pass');
    expect(r.requests.filter((q) => q.action === 'DescribeInstanceInformation').length).toBe(4);
  });

  // ------------------------------------------------------------------ a fleet with one broken instance

  it('a fleet of 3 where one instance profile cannot be read: that one is error, the others judged normally', async () => {
    const BROKEN = 'i-0b0b0b0b0b0b0b0b0';
    const BROKEN_PROFILE = `arn:aws:iam::${ACCOUNT}:instance-profile/locked-profile`;
    const EXTRA = extraInstanceId(0);
    const facts = world((f) => {
      const base = val(f.instances[IID])!;
      f.targets = [IID, BROKEN];
      f.instances[BROKEN] = ok({
        ...base,
        id: BROKEN,
        name: 'web-broken',
        tags: { Name: 'web-broken' },
        privateIp: '10.0.1.11',
        instanceProfileArn: BROKEN_PROFILE,
        networkInterfaces: [{ ...base.networkInterfaces[0]!, id: 'eni-0instance00000002', privateIps: ['10.0.1.11'] }],
      });
      f.agents[BROKEN] = ok({ ...val(f.agents[IID])!, instanceId: BROKEN });
      f.connections[BROKEN] = ok('connected');
      const e: ApiError = { api: 'iam:GetInstanceProfile', code: 'AccessDenied', message: `not authorized to perform: iam:GetInstanceProfile on ${BROKEN_PROFILE}`, kind: 'denied' };
      f.instanceProfiles[BROKEN_PROFILE] = failed(e);
      f.simulations[CALLER_ROLE_ARN] = ok([
        ...val(f.simulations[CALLER_ROLE_ARN]),
        ...[BROKEN, EXTRA].flatMap((id) =>
          val(f.simulations[CALLER_ROLE_ARN])
            .filter((d) => d.resource.endsWith(IID))
            .map((d) => ({ ...d, resource: d.resource.replace(IID, id) })),
        ),
      ]);
      f.simulations[ROLE_ARN] = ok(AGENT_ACTIONS.map((action) => ({ action, resource: '*', decision: 'allowed' as const })));
      // The server's extra instances get addresses outside the VPC CIDR: admit them by security group.
      val(f.securityGroups[SG_VPCE]).ingress.push({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: [], ipv6Cidrs: [], groupIds: [SG_EC2], prefixListIds: [] });
    });
    const r = await scenario({ facts, extraInstances: 1 }, [IID, BROKEN, EXTRA, '--json']);
    const doc = report(r, 1);
    expect(doc.targets.map((t) => t.target)).toEqual([IID, BROKEN, EXTRA]);
    const broken = checksOf(doc, BROKEN);
    expect(broken['iam.instance-profile']?.status).toBe('error');
    expect(broken['iam.instance-profile']?.detail).toContain('iam:GetInstanceProfile');
    expect(broken['agent.ping']?.status).toBe('pass');
    expect(broken['vpc-endpoint.ssmmessages']?.status).toBe('pass');
    for (const id of [IID, EXTRA]) {
      const t = doc.targets.find((x) => x.target === id)!;
      const bad = t.checks.filter((x) => x.status === 'fail' || x.status === 'error');
      expect(bad, `${id}: ${JSON.stringify(bad)}`).toEqual([]);
      expect(t.ok).toBe(true);
    }
  });
});
