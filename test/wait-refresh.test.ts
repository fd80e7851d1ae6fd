// A --wait round (src/collect/refresh.ts) and the selection (src/collect/select.ts) over HTTP against the local
// AWS wire server: which requests one round sends, and the facts it gives back.
import { afterEach, describe, expect, it } from 'vitest';
import { AwsServices } from '../src/collect/services.js';
import { refresh, statusToRefresh } from '../src/collect/refresh.js';
import { resolveTargets } from '../src/collect/select.js';
import { ok, type Facts } from '../src/facts/facts.js';
import { selectionFilters, parseTag } from '../src/cli/select.js';
import { IID, VPC, val, world } from './fixtures/world.js';
import { STATUS_OK, consoleEvidence, offline } from './fixtures/evidence.js';
import { extraInstanceId } from './e2e/aws-server.js';
import { useAwsServer } from './fixtures/aws-env.js';

const aws = useAwsServer();
let services: AwsServices | undefined;
afterEach(() => {
  services?.destroy();
  services = undefined;
});

async function serve(facts: Facts, extraInstances = 0): Promise<AwsServices> {
  await aws.serve({ facts, extraInstances });
  services = new AwsServices({ region: facts.region, timeoutMs: 3000, maxAttempts: 1 });
  return services;
}

const booting = (edit?: (f: Facts) => void) =>
  world((f) => {
    f.agents[IID] = ok(null);
    f.connections[IID] = ok('notconnected');
    edit?.(f);
  });
const actions = () => aws.server.requests.map((r) => r.action);
const NOW = () => new Date('2026-11-29T10:05:00.000Z');

describe('refresh (one --wait round)', () => {
  it('agent now Online: DescribeInstanceInformation, then GetConnectionStatus; the input is not modified', async () => {
    const before = booting();
    const c = await serve(world());
    const after = await refresh(before, [IID], { services: c, now: NOW });
    // The status checks of an instance whose agent was not Online are re-read alongside.
    expect(actions().sort()).toEqual(['DescribeInstanceInformation', 'DescribeInstanceStatus', 'GetConnectionStatus']);
    expect(val(after.agents[IID])!.pingStatus).toBe('Online');
    expect(after.connections[IID]).toEqual(ok('connected'));
    expect(after.collectedAt).toBe('2026-11-29T10:05:00.000Z');
    expect(before.agents[IID]).toEqual(ok(null));
    // Nothing else is re-read or replaced.
    expect(after.vpcs).toBe(before.vpcs);
    expect(after.securityGroups).toBe(before.securityGroups);
  });

  it('agent still not registered: no GetConnectionStatus (it cannot be connected)', async () => {
    const c = await serve(booting());
    const after = await refresh(booting(), [IID], { services: c });
    expect(actions().sort()).toEqual(['DescribeInstanceInformation', 'DescribeInstanceStatus']);
    expect(after.agents[IID]).toEqual(ok(null));
    expect(after.connections[IID]).toEqual(ok('notconnected'));
  });

  it('a pending instance and pending endpoints are re-read (instance-id and vpc-id filters)', async () => {
    const pending = booting((f) => {
      val(f.instances[IID])!.state = 'pending';
      for (const e of val(f.endpoints[VPC])) e.state = 'pending';
    });
    const c = await serve(booting());
    const after = await refresh(pending, [IID], { services: c });
    expect(actions().sort()).toEqual(['DescribeInstanceInformation', 'DescribeInstanceStatus', 'DescribeInstances', 'DescribeVpcEndpoints']);
    const params = (a: string) => aws.server.requests.find((r) => r.action === a)!.params as Record<string, string>;
    expect(params('DescribeInstances')).toMatchObject({ 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': IID });
    expect(params('DescribeVpcEndpoints')).toMatchObject({ 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': VPC });
    expect(val(after.instances[IID])!.state).toBe('running');
    expect(val(after.endpoints[VPC]).every((e) => e.state === 'available')).toBe(true);
  });

  it('batches: 120 waiting targets cost 3 DescribeInstanceInformation; no per-instance connection status for a fleet that size', async () => {
    const ids = Array.from({ length: 120 }, (_, n) => extraInstanceId(n));
    const facts = world((f) => {
      f.targets = ids;
      for (const id of ids) f.agents[id] = ok(null);
    });
    const c = await serve(world(), 10); // the server knows 10 of them, Online
    const stats = { requests: 0, byApi: {} as Record<string, number> };
    const after = await refresh(facts, ids, { services: c, stats });
    expect(stats.byApi).toEqual({ 'ssm:DescribeInstanceInformation': 3 }); // > CONNECTION_STATUS_MAX_TARGETS
    expect(ids.filter((id) => val(after.agents[id])?.pingStatus === 'Online')).toHaveLength(10);
  });
});

describe('refresh: status checks of offline agents', () => {
  it('initializing status checks are read again (IncludeAllInstances) and come back ok', async () => {
    const before = booting((f) => (f.instanceStatus[IID] = ok({ ...STATUS_OK, instanceStatus: 'initializing', systemStatus: 'initializing' })));
    const c = await serve(booting((f) => (f.instanceStatus[IID] = ok(STATUS_OK))));
    const after = await refresh(before, [IID], { services: c });
    const params = aws.server.requests.find((r) => r.action === 'DescribeInstanceStatus')!.params as Record<string, string>;
    expect(params).toMatchObject({ 'InstanceId.1': IID, IncludeAllInstances: 'true' });
    expect(after.instanceStatus[IID]).toEqual(ok(STATUS_OK));
    expect(before.instanceStatus[IID]).not.toEqual(ok(STATUS_OK));
  });

  it('a target whose agent came Online drops the evidence read while it was offline', async () => {
    const before = booting((f) => offline(f, { status: { ...STATUS_OK, instanceStatus: 'initializing' }, console: consoleEvidence({ agentStarts: [] }) }));
    const c = await serve(world());
    const after = await refresh(before, [IID], { services: c });
    expect(after.instanceStatus[IID]).toBeUndefined();
    expect(after.consoleEvidence[IID]).toBeUndefined();
    expect(before.consoleEvidence[IID]).toBeDefined();
  });

  it('an Online target or a stopped instance: no status read', async () => {
    const c = await serve(world());
    await refresh(world(), [IID], { services: c });
    expect(actions()).not.toContain('DescribeInstanceStatus');
    expect(statusToRefresh(booting((f) => (val(f.instances[IID])!.state = 'stopped')), [IID])).toEqual([]);
    expect(statusToRefresh(booting((f) => (val(f.instances[IID])!.state = 'pending')), [IID])).toEqual([IID]);
  });
});

describe('resolveTargets (the selection)', () => {
  it('one DescribeInstances; explicit ids first, then the matches by Name, each once; the instances come back', async () => {
    const c = await serve(world((f) => (val(f.instances[IID])!.tags.Env = 'prod')), 3);
    const filters = selectionFilters({ tags: [parseTag('ssm-doctor:extra=true')], filters: [], allRunning: true });
    const r = await resolveTargets(c, [extraInstanceId(2)], filters);
    expect(actions()).toEqual(['DescribeInstances']);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.matched).toBe(3);
    expect(r.targets).toEqual([extraInstanceId(2), extraInstanceId(0), extraInstanceId(1)]);
    expect(Object.keys(r.instances).sort()).toEqual([0, 1, 2].map(extraInstanceId).sort());
    expect(val(r.instances[extraInstanceId(0)])!.tags['ssm-doctor:extra']).toBe('true');
  });

  it('a refused call comes back as the error, not thrown', async () => {
    const c = await serve(world((f) => (f.instances[IID] = { ok: false, error: { api: 'ec2:DescribeInstances', code: 'UnauthorizedOperation', message: 'no', kind: 'denied' } })));
    const r = await resolveTargets(c, [], selectionFilters({ tags: [], filters: [], allRunning: true }));
    expect(r).toMatchObject({ ok: false, error: { api: 'ec2:DescribeInstances', code: 'UnauthorizedOperation', kind: 'denied' } });
  });
});
