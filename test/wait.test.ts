// The --wait decision (pure) and loop (injected clock, sleep and refresh): keep waiting only for what
// waiting can fix; stop at once on configuration failures; the interval is capped by the time left.
import { describe, expect, it, vi } from 'vitest';
import { allChecks } from '../checks/index.js';
import { failed, ok, type Facts } from '../src/facts/facts.js';
import { buildReport } from '../src/report/model.js';
import { countdown, decide, optimistic, pollInterval, progressLine, waitForTargets, waitSummary, WAITABLE_CHECKS, type FailOn } from '../src/cli/wait.js';
import { IID, VPC, denied, val, world } from './fixtures/world.js';
import { STATUS_OK, collectedEvidence, consoleEvidence } from './fixtures/evidence.js';

const TOOL = { name: 'ssm-doctor', version: 'test' };
const evaluator = (failOn: FailOn = 'fail') => (f: Facts) => buildReport(f, allChecks, { tool: TOOL, source: 'aws', failOn });
const decision = (f: Facts, failOn: FailOn = 'fail') => decide(f, evaluator(failOn)(f), evaluator(failOn), failOn);

/** Freshly booted: the agent has not registered, Session Manager cannot connect. */
const unregistered = (f: Facts) => {
  f.agents[IID] = ok(null);
  f.connections[IID] = ok('notconnected');
  // What the collector reads for an offline agent: status checks ok, the console shows the agent starting.
  collectedEvidence(f);
};
const withoutEndpoint = (service: string) => (f: Facts) => {
  f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith(`.${service}`)));
};
const instance = (f: Facts) => val(f.instances[IID])!;
const throttled = (api: string) => ({ api, code: 'ThrottlingException', message: 'Rate exceeded', kind: 'throttled' as const });

describe('waitDecision', () => {
  it('ready when every target is ok', () => {
    expect(decision(world())).toEqual({ kind: 'ready', total: 1 });
  });

  it('waits for an agent that has not registered yet, when the configuration is right', () => {
    const d = decision(world(unregistered));
    expect(d).toMatchObject({ kind: 'wait', waiting: [IID] });
    if (d.kind !== 'wait') throw new Error();
    expect(Object.keys(d.reasons)).toEqual(expect.arrayContaining(['agent.ping', 'session.connection']));
  });

  it('waits for an agent that is registered but ConnectionLost, and for "notconnected" alone', () => {
    expect(decision(world((f) => (val(f.agents[IID])!.pingStatus = 'ConnectionLost'))).kind).toBe('wait');
    expect(decision(world((f) => (f.connections[IID] = ok('notconnected')))).kind).toBe('wait');
  });

  it('waits when only the agent version is unknown and there is no ec2messages endpoint (a warning, not a blocker)', () => {
    const f = world((x) => {
      unregistered(x);
      withoutEndpoint('ec2messages')(x);
    });
    const report = evaluator()(f);
    expect(report.targets[0]!.checks.find((c) => c.id === 'vpc-endpoint.ec2messages')?.status).toBe('warn');
    const d = decision(f);
    expect(d.kind).toBe('wait');
    if (d.kind === 'wait') expect(d.reasons['vpc-endpoint.ec2messages']).toBeUndefined();
  });

  it('stops at once on a missing ssmmessages endpoint, naming it', () => {
    const d = decision(world((f) => {
      unregistered(f);
      withoutEndpoint('ssmmessages')(f);
    }));
    expect(d.kind).toBe('stop');
    if (d.kind === 'stop') expect(d.blockers).toContainEqual({ target: IID, check: 'vpc-endpoint.ssmmessages', status: 'fail' });
  });

  it('stops on an endpoint security group without ingress, and on a stopped instance', () => {
    expect(decision(world((f) => {
      unregistered(f);
      for (const g of Object.values(f.securityGroups)) if (g.ok && g.value.name === 'for endpoint') g.value.ingress = [];
    })).kind).toBe('stop');
    expect(decision(world((f) => (instance(f).state = 'stopped'))).kind).toBe('stop');
  });

  it('waits for a pending instance (not reachable yet: not ok), stops for one that does not exist', () => {
    const f = world((x) => {
      instance(x).state = 'pending';
      unregistered(x);
    });
    expect(evaluator()(f).ok).toBe(false);
    const d = decision(f);
    expect(d).toMatchObject({ kind: 'wait', waiting: [IID] });
    if (d.kind === 'wait') expect(d.reasons).toEqual({ 'instance.state': 1 });
    expect(decision(world((f) => {
      f.instances[IID] = ok(null);
      f.agents[IID] = ok(null);
    })).kind).toBe('stop');
  });

  it('stops when the agent state cannot be read for lack of permission; waits through a throttled read', () => {
    const deniedRead = decision(world((f) => (f.agents[IID] = failed(denied('ssm:DescribeInstanceInformation', 'AccessDeniedException')))));
    expect(deniedRead.kind).toBe('stop');
    const throttledRead = decision(world((f) => (f.agents[IID] = failed(throttled('ssm:DescribeInstanceInformation')))));
    expect(throttledRead.kind).toBe('wait');
  });

  it('stops for a registered agent too old for Session Manager (waiting does not update it)', () => {
    const d = decision(world((f) => {
      val(f.agents[IID])!.agentVersion = '2.2.0.0';
      f.connections[IID] = ok('notconnected');
    }));
    expect(d.kind).toBe('stop');
    if (d.kind === 'stop') expect(d.blockers.map((b) => b.check)).toContain('agent.version');
  });

  it('waits while an endpoint is pending; the optimistic world sees it available', () => {
    const f = world((x) => {
      unregistered(x);
      for (const e of val(x.endpoints[VPC])) e.state = 'pending';
    });
    expect(decision(f).kind).toBe('wait');
    expect(val(optimistic(f, [IID]).endpoints[VPC]).every((e) => e.state === 'available')).toBe(true);
    expect(val(f.endpoints[VPC]).every((e) => e.state === 'pending')).toBe(true); // not modified
  });

  it('with --fail-on warn, a warning waiting cannot fix stops the wait', () => {
    const f = world((x) => {
      val(x.agents[IID])!.isLatestVersion = false;
      x.connections[IID] = ok('notconnected');
    });
    expect(evaluator('warn')(f).targets[0]!.checks.find((c) => c.id === 'agent.version')?.status).toBe('warn');
    expect(decision(f, 'fail').kind).toBe('wait');
    const d = decision(f, 'warn');
    expect(d.kind).toBe('stop');
    if (d.kind === 'stop') expect(d.blockers).toEqual([{ target: IID, check: 'agent.version', status: 'warn' }]);
  });

  it('a hybrid managed node waits for its agent, and is ready once Online and connected', () => {
    const MI = 'mi-0123456789abcdef0';
    const base = (f: Facts) => {
      f.targets = [MI];
      f.agents[MI] = ok(null);
      f.connections[MI] = ok('notconnected');
    };
    expect(decision(world(base))).toMatchObject({ kind: 'wait', waiting: [MI] });
    const online = world((f) => {
      base(f);
      f.agents[MI] = ok({ instanceId: MI, pingStatus: 'Online', agentVersion: '3.3.1142.0', platformType: 'Linux', resourceType: 'ManagedInstance' });
      f.connections[MI] = ok('connected');
    });
    expect(decision(online).kind).toBe('ready');
  });

  it('progress line: ready count, reasons (waitable checks first) and time left', () => {
    const d = decision(world(unregistered));
    if (d.kind !== 'wait') throw new Error();
    expect(progressLine(d, 90_000)).toBe('waiting: 0/1 ready, 1 not: agent.ping (1), session.connection (1) (1m30s left)');
    expect(WAITABLE_CHECKS).toContain('agent.ping');
  });
});

describe('wait decision: evidence for an offline agent', () => {
  it('status checks still initializing: keep waiting (instance.health is one of the reasons)', () => {
    const d = decision(world((f) => (unregistered(f), (f.instanceStatus[IID] = ok({ ...STATUS_OK, instanceStatus: 'initializing', systemStatus: 'initializing' })))));
    expect(d).toMatchObject({ kind: 'wait', waiting: [IID] });
    if (d.kind === 'wait') expect(d.reasons['instance.health']).toBeUndefined(); // a warn does not block with --fail-on fail
    const strict = decision(world((f) => (unregistered(f), (f.instanceStatus[IID] = ok({ ...STATUS_OK, instanceStatus: 'initializing' })))), 'warn');
    expect(strict).toMatchObject({ kind: 'wait' });
    if (strict.kind === 'wait') expect(strict.reasons['instance.health']).toBe(1);
  });

  it('an impaired instance or a full disk: waiting cannot fix it, stop at once', () => {
    const impaired = decision(world((f) => (unregistered(f), (f.instanceStatus[IID] = ok({ ...STATUS_OK, systemStatus: 'impaired' })))));
    expect(impaired).toMatchObject({ kind: 'stop', blockers: [{ target: IID, check: 'instance.health', status: 'fail' }] });
    const disk = decision(
      world((f) => {
        unregistered(f);
        f.consoleEvidence[IID] = ok(consoleEvidence({ findings: [{ kind: 'disk-full', line: 'No space left on device' }] }));
      }),
    );
    expect(disk).toMatchObject({ kind: 'stop', blockers: [{ target: IID, check: 'agent.console', status: 'fail' }] });
  });

  it('evidence that could not be read (no permission) never stops the wait', () => {
    const d = decision(
      world((f) => {
        unregistered(f);
        f.instanceStatus[IID] = { ok: false, error: { api: 'ec2:DescribeInstanceStatus', code: 'UnauthorizedOperation', message: 'no', kind: 'denied' } };
        f.consoleEvidence[IID] = { ok: false, error: { api: 'ec2:GetConsoleOutput', code: 'UnauthorizedOperation', message: 'no', kind: 'denied' } };
      }),
    );
    expect(d).toMatchObject({ kind: 'wait' });
  });
});

describe('waitForTargets', () => {
  /** A fake clock: sleep advances it. */
  function clock() {
    let t = 0;
    const sleeps: number[] = [];
    return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps };
  }

  it('re-reads until the agent comes Online, then reports ready', async () => {
    const c = clock();
    const refreshed: string[][] = [];
    let round = 0;
    const r = await waitForTargets({
      facts: world(unregistered),
      timeoutMs: 30_000,
      pollMs: 5_000,
      evaluate: evaluator(),
      refresh: async (f, ids) => {
        refreshed.push(ids);
        round++;
        // Registered in round 2, connectable in round 3.
        return world((x) => {
          if (round < 2) unregistered(x);
          else if (round < 3) x.connections[IID] = ok('notconnected');
          x.collectedAt = f.collectedAt;
        });
      },
      now: c.now,
      sleep: c.sleep,
      progress: () => {},
    });
    expect(r.outcome).toBe('ready');
    expect(r.report.ok).toBe(true);
    expect(r.rounds).toBe(3);
    expect(refreshed).toEqual([[IID], [IID], [IID]]);
    expect(c.sleeps).toEqual([5_000, 5_000, 5_000]);
    expect(waitSummary(r, 30_000)).toBe('all 1 target ready after 15s');
  });

  it('gives up when time runs out; the last sleep is capped by the time left', async () => {
    const c = clock();
    const lines: string[] = [];
    const r = await waitForTargets({
      facts: world(unregistered),
      timeoutMs: 12_000,
      pollMs: 5_000,
      evaluate: evaluator(),
      refresh: async (f) => f,
      now: c.now,
      sleep: c.sleep,
      progress: (l) => lines.push(l),
    });
    expect(r.outcome).toBe('timeout');
    expect(c.sleeps).toEqual([5_000, 5_000, 2_000]);
    expect(r.rounds).toBe(3);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/\(12s left\)$/);
    expect(lines[2]).toMatch(/\(2s left\)$/);
    expect(r.report.ok).toBe(false);
    expect(waitSummary(r, 12_000)).toMatch(/^gave up waiting after 12s: 1 of 1 target not ready: agent\.ping/);
  });

  it('a failure waiting cannot fix ends the wait before any refresh', async () => {
    const c = clock();
    let refreshes = 0;
    const r = await waitForTargets({
      facts: world((f) => {
        unregistered(f);
        withoutEndpoint('ssmmessages')(f);
      }),
      timeoutMs: 600_000,
      pollMs: 15_000,
      evaluate: evaluator(),
      refresh: async (f) => (refreshes++, f),
      now: c.now,
      sleep: c.sleep,
    });
    expect(r.outcome).toBe('unfixable');
    expect(refreshes).toBe(0);
    expect(c.sleeps).toEqual([]);
    expect(waitSummary(r, 600_000)).toMatch(new RegExp(`^not waiting: waiting cannot fix ${IID}: .*vpc-endpoint\\.ssmmessages fail`));
  });

  it('a configuration failure appearing in a later round (instance started, endpoint gone) ends it then', async () => {
    const c = clock();
    const r = await waitForTargets({
      facts: world(unregistered),
      timeoutMs: 600_000,
      pollMs: 15_000,
      evaluate: evaluator(),
      refresh: async () => world((f) => {
        unregistered(f);
        withoutEndpoint('ssm')(f);
      }),
      now: c.now,
      sleep: c.sleep,
    });
    expect(r.outcome).toBe('unfixable');
    expect(r.rounds).toBe(1);
  });

  it('nothing to wait for: no sleep, no summary line', async () => {
    const c = clock();
    const r = await waitForTargets({ facts: world(), timeoutMs: 1000, pollMs: 100, evaluate: evaluator(), refresh: async (f) => f, now: c.now, sleep: c.sleep });
    expect(r.outcome).toBe('ready');
    expect(c.sleeps).toEqual([]);
    expect(waitSummary(r, 1000)).toBeUndefined();
  });
});

describe('pollInterval', () => {
  it('15 s by default, SSM_DOCTOR_POLL_MS for tests', () => {
    expect(pollInterval({})).toBe(15_000);
    expect(pollInterval({ SSM_DOCTOR_POLL_MS: '200' })).toBe(200);
    expect(pollInterval({ SSM_DOCTOR_POLL_MS: 'soon' })).toBe(15_000);
    expect(pollInterval({ SSM_DOCTOR_POLL_MS: '0' })).toBe(15_000);
  });
});

describe('countdown (the spinner text while waiting)', () => {
  it('shows each round at once, then the time left every second, until the next round or stop', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const shown: string[] = [];
      const c = countdown((t) => shown.push(t), () => now);
      const live = { deadline: 120_000, lineAt: (ms: number) => `waiting (${Math.ceil(ms / 1000)}s left)` };
      c.round('waiting (120s left)', live);
      for (let i = 0; i < 3; i++) {
        now += 1000;
        vi.advanceTimersByTime(1000);
      }
      expect(shown).toEqual(['waiting (120s left)', 'waiting (119s left)', 'waiting (118s left)', 'waiting (117s left)']);
      c.round('next round (100s left)', { ...live, lineAt: (ms) => `next round (${Math.ceil(ms / 1000)}s left)` });
      now += 1000;
      vi.advanceTimersByTime(1000);
      expect(shown.slice(-2)).toEqual(['next round (100s left)', 'next round (116s left)']);
      c.stop();
      vi.advanceTimersByTime(5000);
      expect(shown).toHaveLength(6);
    } finally {
      vi.useRealTimers();
    }
  });

  it('waitForTargets hands each round a redraw for another time left', async () => {
    const lines: string[] = [];
    let t = 0;
    await waitForTargets({
      facts: world((f) => (f.agents[IID] = ok(null))),
      timeoutMs: 90_000,
      pollMs: 90_000,
      evaluate: (f) => buildReport(f, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' }),
      refresh: async (f) => f,
      now: () => t,
      sleep: async (ms) => void (t += ms),
      progress: (_line, live) => lines.push(live.lineAt(live.deadline - 31_000)),
    });
    expect(lines[0]).toMatch(/\(59s left\)$/);
  });
});
