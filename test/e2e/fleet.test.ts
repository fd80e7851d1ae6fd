// Selecting targets (--tag, --filter, --all-running, hybrid mi- ids) and waiting for them (--wait), with the
// built CLI against the local AWS wire-format server. Assertions are on exit codes, the report and the
// requests the server saw (which calls, how many, with which filters), never on timings.
import { afterEach, describe, expect, it } from 'vitest';
import { ok, type Facts } from '../../src/facts/facts.js';
import { clientQuestions } from '../../src/facts/requirements.js';
import { ACCOUNT, CALLER_ROLE_ARN, IID, REGION, VPC, val, world } from '../fixtures/world.js';
import { extraInstanceId, startAwsServer, type AwsServer, type RecordedRequest } from './aws-server.js';
import { awsEnv, runCli } from './run-cli.js';
import { all, parseXml } from '../report/helpers.js';

let server: AwsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const IID2 = 'i-0223456789abcdef0';
const IID3 = 'i-0323456789abcdef0';
const IID4 = 'i-0423456789abcdef0';
const MI = 'mi-0123456789abcdef0';

/** A copy of the fixture instance under another id, name, tags and state; healthy otherwise. */
function addInstance(f: Facts, id: string, name: string, tags: Record<string, string>, state = 'running'): void {
  const base = structuredClone(val(f.instances[IID])!);
  f.instances[id] = ok({
    ...base,
    id,
    name,
    state,
    tags: { Name: name, ...tags },
    networkInterfaces: base.networkInterfaces.map((n) => ({ ...n, id: `eni-0${id.slice(3)}` })),
  });
  f.agents[id] = ok({ ...val(f.agents[IID])!, instanceId: id });
  f.connections[id] = ok('connected');
  // The person running ssm-doctor may start sessions on it too.
  val(f.simulations[CALLER_ROLE_ARN]).push(
    ...clientQuestions(REGION, ACCOUNT, id, null).flatMap((q) => q.actions.map((action) => ({ action, resource: q.resource, decision: 'allowed' as const }))),
  );
}

/** IID web-1 Env=prod, IID2 web-2 Env=prod, IID3 db-1 Env=dev, IID4 web-0 Env=prod terminated. */
function fleet(edit?: (f: Facts) => void): Facts {
  return world((f) => {
    val(f.instances[IID])!.tags.Env = 'prod';
    addInstance(f, IID2, 'web-2', { Env: 'prod' });
    addInstance(f, IID3, 'db-1', { Env: 'dev' });
    addInstance(f, IID4, 'web-0', { Env: 'prod' }, 'terminated');
    edit?.(f);
  });
}

async function live(facts: Facts, args: string[], extraEnv: Record<string, string | undefined> = {}, opts: { extraInstances?: number } = {}) {
  server = await startAwsServer({ facts, ...opts });
  const run = await runCli(args, awsEnv(server.url, extraEnv));
  return { ...run, requests: server.requests };
}

interface JsonReport {
  ok: boolean;
  targets: { target: string; ok: boolean; checks: { id: string; status: string; detail: string }[] }[];
}
const json = (s: string) => JSON.parse(s) as JsonReport;
const actions = (rs: RecordedRequest[], action: string) => rs.filter((r) => r.action === action);
const form = (r: RecordedRequest) => r.params as Record<string, string>;
const count = (rs: RecordedRequest[]) => {
  const out: Record<string, number> = {};
  for (const r of rs) out[r.action] = (out[r.action] ?? 0) + 1;
  return out;
};

describe('selecting targets', () => {
  it('--tag Env=prod: one paginated DescribeInstances selects the tagged, non-terminated instances, read once', async () => {
    const r = await live(fleet(), ['--tag', 'Env=prod', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(json(r.stdout).targets.map((t) => t.target)).toEqual([IID, IID2]); // by Name: web-1, web-2
    const di = actions(r.requests, 'DescribeInstances');
    expect(di).toHaveLength(1); // the selection's answer is reused by the collection
    expect(form(di[0]!)).toMatchObject({
      'Filter.1.Name': 'tag:Env',
      'Filter.1.Value.1': 'prod',
      'Filter.2.Name': 'instance-state-name',
      'Filter.2.Value.1': 'pending',
    });
    expect(r.requests[0]!.action).toBe('DescribeInstances'); // selection before anything else
  });

  it('--tag with a key alone, --filter and several conditions are ANDed', async () => {
    const r = await live(fleet(), ['--tag', 'Env', '--filter', 'Name=tag:Name,Values=db-*,web-2', '--json']);
    expect(r.code).toBe(0);
    expect(json(r.stdout).targets.map((t) => t.target)).toEqual([IID3, IID2]);
    expect(form(actions(r.requests, 'DescribeInstances')[0]!)).toMatchObject({ 'Filter.1.Name': 'tag-key', 'Filter.1.Value.1': 'Env' });
  });

  it('--all-running selects the running instances; ids given explicitly come first (union)', async () => {
    const facts = fleet((f) => (val(f.instances[IID2])!.state = 'stopped'));
    const r = await live(facts, [IID2, '--all-running', '--json']);
    expect(r.code).toBe(1); // IID2 is stopped
    const report = json(r.stdout);
    expect(report.targets.map((t) => t.target)).toEqual([IID2, IID3, IID]);
    expect(report.targets.find((t) => t.target === IID2)!.checks.find((c) => c.id === 'instance.state')!.status).toBe('fail');
    // The explicit id was not in the selection's answer: one more DescribeInstances, for it alone.
    const di = actions(r.requests, 'DescribeInstances');
    expect(di).toHaveLength(2);
    expect(form(di[0]!)).toMatchObject({ 'Filter.1.Name': 'instance-state-name', 'Filter.1.Value.1': 'running' });
    expect(form(di[1]!)).toMatchObject({ 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': IID2 });
    expect(form(di[1]!)['Filter.1.Value.2']).toBeUndefined();
  });

  it('a fleet selection reads the shared resources once: 50 tagged instances cost one DescribeInstances', async () => {
    const r = await live(world(), ['--tag', 'ssm-doctor:extra=true', '--json'], {}, { extraInstances: 50 });
    // (The server's caller simulation only allows StartSession on the fixture instance: client.permissions fails.)
    expect([0, 1]).toContain(r.code);
    const report = json(r.stdout);
    expect(report.targets).toHaveLength(50);
    expect(report.targets.map((t) => t.target)).toContain(extraInstanceId(7));
    const n = count(r.requests);
    expect(n.DescribeInstances).toBe(1);
    expect(n.DescribeVpcs).toBe(1);
    expect(n.DescribeInstanceInformation).toBe(1);
  });

  it('a selection that matches nothing fails the gate: exit 1, one line, no report (--json: the error document), nothing else read', async () => {
    const r = await live(fleet(), ['--tag', 'Env=nope', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { exitCode: 1 }, targets: [] });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no instance matched --tag Env=nope in us-east-1');
    expect(r.requests.map((q) => q.action)).toEqual(['DescribeInstances']);
  });

  it('a selection matching nothing next to explicit ids: a note, and the ids are checked', async () => {
    const r = await live(fleet(), [IID, '--tag', 'Env=nope', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no instance matched --tag Env=nope');
    expect(json(r.stdout).targets.map((t) => t.target)).toEqual([IID]);
  });

  it('a refused selection: exit 3 naming the permission', async () => {
    const r = await live(fleet((f) => (f.instances[IID] = { ok: false, error: { api: 'ec2:DescribeInstances', code: 'UnauthorizedOperation', message: 'no', kind: 'denied' } })), [
      '--all-running',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ec2:DescribeInstances');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['--tag', '=prod'], /--tag "=prod" has no key/],
    [['--tag', 'Env='], /empty value: use --tag Env/],
    [['--filter', 'vpc-id=vpc-1'], /expected Name=<filter>,Values=/],
    [['--filter', 'Name=vpc-id,Values='], /non-empty/],
    [[IID, '--wait', '5x'], /invalid duration "5x"/],
    [['--snapshot', 'examples/healthy.json', '--tag', 'Env=prod'], /cannot be used with --snapshot/],
    [['--snapshot', 'examples/healthy.json', '--wait'], /cannot be used with --snapshot/],
    [['mi-0123'], /invalid instance id "mi-0123"/],
  ])('usage error before any request: %j', async (args, message) => {
    const r = await live(fleet(), args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.requests).toHaveLength(0);
  });
});

describe('hybrid managed nodes (mi-)', () => {
  const hybrid = (pingStatus = 'Online') =>
    world((f) => {
      f.agents[MI] = ok({ instanceId: MI, pingStatus, agentVersion: '3.3.1142.0', isLatestVersion: true, platformType: 'Linux', resourceType: 'ManagedInstance' });
      f.connections[MI] = ok(pingStatus === 'Online' ? 'connected' : 'notconnected');
      f.activationTier = ok('advanced'); // Session Manager on hybrid nodes needs it (hybrid.tier)
    });

  it('agent and connection are checked; EC2-side checks skip with the reason; not sent to DescribeInstances', async () => {
    const r = await live(hybrid(), [MI, IID, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const t = json(r.stdout).targets.find((x) => x.target === MI)!;
    const status = (id: string) => t.checks.find((c) => c.id === id)!;
    for (const id of ['agent.ping', 'agent.version', 'session.connection']) expect(status(id).status).toBe('pass');
    for (const id of ['instance.state', 'instance.metadata', 'iam.instance-profile', 'network.route', 'vpc-endpoint.ssm', 'security-group.instance-egress']) {
      expect(status(id).status).toBe('skip');
      expect(status(id).detail).toContain(`${MI} is a hybrid managed node: network path, instance profile and IMDS are on-premises`);
    }
    expect(t.checks.some((c) => c.status === 'error')).toBe(false);
    const di = actions(r.requests, 'DescribeInstances');
    expect(di).toHaveLength(1);
    expect(Object.values(form(di[0]!))).not.toContain(MI);
    expect(JSON.stringify(actions(r.requests, 'DescribeInstanceInformation')[0]!.params)).toContain(MI);
    expect(actions(r.requests, 'GetConnectionStatus').map((q) => (q.params as { Target: string }).Target)).toContain(MI);
  });

  it('an offline hybrid node fails agent.ping without EC2 advice (no reboot-instances)', async () => {
    const r = await live(hybrid('ConnectionLost'), [MI, '--json']);
    expect(r.code).toBe(1);
    const t = json(r.stdout).targets[0]!;
    const ping = t.checks.find((c) => c.id === 'agent.ping') as { status: string; fix?: { cli: string[] } };
    expect(ping.status).toBe('fail');
    expect(ping.fix!.cli.join('\n')).not.toContain('reboot-instances');
    expect(r.requests.some((q) => q.action === 'DescribeInstances')).toBe(false);
  });
});

describe('--wait', () => {
  const FAST = { SSM_DOCTOR_POLL_MS: '150' };
  /** Freshly booted: the agent has not registered yet. */
  const booting = (edit?: (f: Facts) => void) =>
    world((f) => {
      f.agents[IID] = ok(null);
      f.connections[IID] = ok('notconnected');
      edit?.(f);
    });

  /** Serves `later` once the server has answered `after` DescribeInstanceInformation requests. */
  function switchAfter(after: number, later: Facts): () => void {
    const timer = setInterval(() => {
      if (server && actions(server.requests, 'DescribeInstanceInformation').length >= after) {
        server.setFacts(later);
        clearInterval(timer);
      }
    }, 5);
    return () => clearInterval(timer);
  }

  it('an agent that comes Online after a few polls: exit 0; later rounds re-read only agent and connection state', async () => {
    server = await startAwsServer({ facts: booting() });
    const stop = switchAfter(3, world());
    const r = await runCli([IID, '--wait', '30s', '--json'], awsEnv(server.url, FAST));
    stop();
    expect(r.code).toBe(0);
    expect(json(r.stdout).ok).toBe(true);
    // One JSON document, printed once (compact: stdout is not a terminal).
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    JSON.parse(r.stdout);
    expect(r.stderr).toMatch(/ssm-doctor: waiting: 0\/1 ready, 1 not: agent\.ping \(1\)/);
    expect(r.stderr).toMatch(/ssm-doctor: all 1 target ready after \d+s/);

    // The first collection, then rounds: everything but the agent, connection and status-check reads happened once.
    const n = count(server.requests);
    expect(n.DescribeInstanceInformation).toBeGreaterThanOrEqual(3);
    const once = await (async () => {
      const s = await startAwsServer({ facts: booting() });
      await runCli([IID, '--json'], awsEnv(s.url));
      await s.close();
      return count(s.requests);
    })();
    for (const [action, k] of Object.entries(n)) {
      if (action === 'DescribeInstanceInformation' || action === 'GetConnectionStatus' || action === 'DescribeInstanceStatus') continue;
      expect([action, k]).toEqual([action, once[action]]);
    }
    // GetConnectionStatus only once the agent is Online: first collection + the round that saw it Online.
    expect(n.GetConnectionStatus).toBe(2);
  });

  it('a pending instance behind pending endpoints: rounds re-read the instance and the endpoints too', async () => {
    const pending = booting((f) => {
      val(f.instances[IID])!.state = 'pending';
      for (const e of val(f.endpoints[VPC])) e.state = 'pending';
    });
    server = await startAwsServer({ facts: pending });
    const stop = switchAfter(3, world());
    const r = await runCli([IID, '--wait', '30s', '--json'], awsEnv(server.url, FAST));
    stop();
    expect(r.code).toBe(0);
    const n = count(server.requests);
    expect(n.DescribeInstances).toBeGreaterThanOrEqual(2);
    expect(n.DescribeVpcEndpoints).toBeGreaterThanOrEqual(2);
    for (const q of actions(server.requests, 'DescribeInstances')) expect(form(q)).toMatchObject({ 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': IID });
    expect(n.DescribeVpcs).toBe(1);
    expect(n.DescribeSecurityGroups).toBeLessThanOrEqual(2); // the first collection's instance + endpoint groups
  });

  it('a missing endpoint ends the wait at once: exit 1, no refresh round', async () => {
    const facts = booting((f) => {
      f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith('.ssmmessages')));
    });
    const r = await live(facts, [IID, '--wait', '10m', '--json'], FAST);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`not waiting: waiting cannot fix ${IID}: .*vpc-endpoint\\.ssmmessages fail`));
    expect(r.stderr).not.toContain('waiting: 0/1');
    // The first collection only (its other DescribeInstanceInformation lists hybrid registrations, for agent.identity).
    const registrations = actions(r.requests, 'DescribeInstanceInformation').filter((q) => JSON.stringify(q.params).includes('InstanceIds'));
    expect(registrations).toHaveLength(1);
    expect(count(r.requests).DescribeInstanceStatus).toBe(1);
    expect(json(r.stdout).targets[0]!.checks.find((c) => c.id === 'vpc-endpoint.ssmmessages')!.status).toBe('fail');
  });

  it('time runs out: exit 1 with the last report and a line saying what is still not ready', async () => {
    const r = await live(booting(), [IID, '--wait', '1s', '--json'], { SSM_DOCTOR_POLL_MS: '300' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gave up waiting after 1s: 1 of 1 target not ready: agent\.ping/);
    expect(count(r.requests).DescribeInstanceInformation).toBeGreaterThanOrEqual(2);
    expect(json(r.stdout).targets[0]!.checks.find((c) => c.id === 'agent.ping')!.status).toBe('fail');
  });

  it('a wait that ran out is part of the report: JSON wait { timedOut, waitedSeconds } and ok false; text, JUnit and GitHub say it', async () => {
    const slow = { SSM_DOCTOR_POLL_MS: '300' };
    const doc = json((await live(booting(), [IID, '--wait', '1s', '--json'], slow)).stdout) as unknown as { ok: boolean; wait: unknown; targets: unknown[] };
    expect(doc.ok).toBe(false);
    expect(doc.wait).toEqual({ timedOut: true, waitedSeconds: expect.any(Number) });
    expect(Object.keys(doc).indexOf('wait')).toBeLessThan(Object.keys(doc).indexOf('targets'));

    const text = await live(booting(), [IID, '--wait', '1s', '--no-color'], slow);
    expect(text.code).toBe(1);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/^⏱ --wait ran out after \d+s: 1 of 1 target still not ready$/);

    const junit = await live(booting(), [IID, '--wait', '1s', '--format', 'junit'], slow);
    expect(junit.code).toBe(1);
    const root = parseXml(junit.stdout);
    const suite = all(root, 'testsuite').find((x) => x.attrs.name === 'ssm-doctor --wait')!;
    expect(all(suite, 'failure')[0]!.attrs.message).toMatch(/^--wait ran out after/);
    expect(Number(root.attrs.tests)).toBe(all(root, 'testcase').length);
    expect(Number(root.attrs.failures)).toBe(all(root, 'failure').length);

    const github = await live(booting(), [IID, '--wait', '1s', '--format', 'github'], slow);
    expect(github.stdout).toMatch(/^::error title=ssm-doctor%3A --wait ran out::--wait ran out after \d+s: 1 of 1 target still not ready$/m);
  });

  it('a wait that ends ready records it too (timedOut false)', async () => {
    server = await startAwsServer({ facts: booting() });
    const stop = switchAfter(2, world());
    const r = await runCli([IID, '--wait', '30s', '--json'], awsEnv(server.url, FAST));
    stop();
    expect(r.code).toBe(0);
    expect((json(r.stdout) as unknown as { wait: unknown }).wait).toEqual({ timedOut: false, waitedSeconds: expect.any(Number) });
  });

  it('nothing to wait for: no progress, exit 0; `--wait i-...` reads the id as an id (default 10m)', async () => {
    const r = await live(world(), ['--wait', IID]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(count(r.requests).DescribeInstanceInformation).toBe(1);
  });
});
