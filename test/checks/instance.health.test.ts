import { describe, expect, it } from 'vitest';
import { instanceHealth } from '../../checks/instance.health.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts, type InstanceStatus } from '../../src/facts/facts.js';
import { offline, hybridNode, MI, STATUS_OK } from '../fixtures/evidence.js';
import { expectRunnableCli } from '../fixtures/fix-syntax.js';
import { IID, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void, id = IID) => {
  const facts = world(edit);
  return runCheck(instanceHealth, { facts, id: facts.targets.includes(id) ? id : facts.targets[0]!, region: facts.region });
};
const withStatus = (s: Partial<InstanceStatus>, edit?: (f: Facts) => void) =>
  run((f) => {
    offline(f, { lastPing: '2026-11-29T07:00:00.000Z', status: { ...STATUS_OK, ...s } });
    edit?.(f);
  });

describe('instance.health', () => {
  it('skips for an Online agent: nothing is read', () => {
    const r = run();
    expect(r.status).toBe('skip');
    expect(r.detail).toMatch(/Online/);
  });

  it('passes when both status checks pass: the cause is inside the OS or its configuration', () => {
    const r = withStatus({});
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/inside the OS/);
  });

  it('fails on a system status failure: stop and start, not reboot', () => {
    const r = withStatus({ systemStatus: 'impaired', systemImpairedSince: '2026-11-29T06:40:00.000Z' });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/AWS host/);
    expect(r.detail).toContain('2026-11-29T06:40:00.000Z');
    expect(r.fix!.cli).toEqual([
      `aws ec2 stop-instances --instance-ids ${IID} --region us-east-1`,
      `aws ec2 wait instance-stopped --instance-ids ${IID} --region us-east-1`,
      `aws ec2 start-instances --instance-ids ${IID} --region us-east-1`,
    ]);
    expect(r.fix!.summary).toMatch(/reboot keeps it on the same host/);
    expectRunnableCli(r.fix);
  });

  it('fails on an instance status failure: reboot, then the console says why', () => {
    const r = withStatus({ instanceStatus: 'impaired' });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/operating system does not answer/);
    expect(r.fix!.cli[0]).toBe(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expect(r.fix!.cli.join('\n')).toContain('get-console-output');
    expectRunnableCli(r.fix);
  });

  it('warns of a scheduled retirement with its date, and ignores completed events', () => {
    const r = withStatus({
      events: [
        { code: 'instance-retirement', notBefore: '2026-12-05T00:00:00.000Z', description: 'The instance is running on degraded hardware' },
        { code: 'system-reboot', description: '[Completed] Scheduled reboot', notBefore: '2026-10-01T00:00:00.000Z' },
      ],
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('instance-retirement from 2026-12-05T00:00:00.000Z');
    expect(r.detail).not.toContain('system-reboot');
    expect(r.fix!.summary).toMatch(/before the event/);
    expectRunnableCli(r.fix);
  });

  it('warns while initializing right after launch: wait', () => {
    const r = withStatus({ instanceStatus: 'initializing', systemStatus: 'initializing' }, (f) => (val(f.instances[IID])!.launchTime = '2026-11-29T09:57:00.000Z'));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/launched 3 minutes ago/);
    expect(r.detail).toMatch(/--wait/);
  });

  it('skips when EC2 has no verdict yet (insufficient data) or no status at all', () => {
    expect(withStatus({ instanceStatus: 'insufficient-data', systemStatus: 'insufficient-data' }).status).toBe('skip');
    expect(run((f) => offline(f, { status: null })).status).toBe('skip');
  });

  it('errors when the read failed for an offline agent, naming the permission; skips when the agent is Online', () => {
    const r = run((f) => {
      offline(f);
      f.instanceStatus[IID] = failed(denied('ec2:DescribeInstanceStatus'));
    });
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/Grant ec2:DescribeInstanceStatus/);
    expect(run((f) => (f.instanceStatus[IID] = failed(denied('ec2:DescribeInstanceStatus')))).status).toBe('skip');
  });

  it('errors when an offline target has no status collected (never a guessed pass)', () => {
    const r = run((f) => {
      offline(f);
      delete f.instanceStatus[IID];
    });
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/not collected/);
  });

  it('a failure read while offline still stands once the agent is Online (--wait stops on it); anything else is moot', () => {
    const impaired = run((f) => (f.instanceStatus[IID] = ok({ ...STATUS_OK, systemStatus: 'impaired' })));
    expect(impaired.status).toBe('fail');
    const init = run((f) => (f.instanceStatus[IID] = ok({ ...STATUS_OK, instanceStatus: 'initializing' })));
    expect(init.status).toBe('skip');
  });

  it('skips stopped instances and hybrid nodes', () => {
    expect(run((f) => (offline(f), (val(f.instances[IID])!.state = 'stopped'))).status).toBe('skip');
    expect(run((f) => hybridNode(f), MI).status).toBe('skip');
  });
});
