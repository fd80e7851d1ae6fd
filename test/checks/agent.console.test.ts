import { describe, expect, it } from 'vitest';
import { agentConsole } from '../../checks/agent.console.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type ConsoleEvidence, type Facts } from '../../src/facts/facts.js';
import { CONSOLE_MAX_TARGETS } from '../../src/facts/evidence.js';
import { consoleEvidence, hybridNode, offline } from '../fixtures/evidence.js';
import { expectRunnableCli } from '../fixtures/fix-syntax.js';
import { IID, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void, id?: string) => {
  const facts = world(edit);
  return runCheck(agentConsole, { facts, id: id ?? facts.targets[0]!, region: facts.region });
};
const withConsole = (c: Partial<ConsoleEvidence>, edit?: (f: Facts) => void) =>
  run((f) => {
    offline(f, { lastPing: '2026-11-29T07:00:00.000Z', console: consoleEvidence(c) });
    edit?.(f);
  });

const DISK = '[ 1234.567890] systemd-journald[412]: Failed to write entry (9 items, 320 bytes), ignoring: No space left on device';
const OOM = '[ 4563.124000] Out of memory: Killed process 2345 (amazon-ssm-agen) total-vm:1412345kB, anon-rss:812345kB';
const EMERGENCY = 'You are in emergency mode. After logging in, type "journalctl -xb" to view';
const CLOUD_INIT = 'cloud-init[1867]: 2026-11-29 09:01:42,112 - util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [1]';

describe('agent.console', () => {
  it('skips for an Online agent', () => {
    expect(run().status).toBe('skip');
  });

  it('passes when the agent started since the last boot and nothing failed: the cause is elsewhere', () => {
    const r = withConsole({});
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('Amazon SSM Agent v3.3.1142.0 is running');
    expect(r.detail).toMatch(/credentials or its network path/);
    expect(r.data).toMatchObject({ agentStarted: true });
  });

  it('fails on a full disk, quoting the line, with the way in and what to run', () => {
    const r = withConsole({ agentStarts: [], findings: [{ kind: 'disk-full', line: DISK }] });
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('the disk is full');
    expect(r.detail).toContain(DISK);
    expect(r.detail).toMatch(/did not write its start line since the last boot/);
    expect(r.fix!.onInstance!.join('\n')).toContain('du -xh /');
    expect(r.fix!.onInstance!.join('\n')).toContain('systemctl restart amazon-ssm-agent');
    expect(r.fix!.cli.join('\n')).toContain('aws ec2-instance-connect ssh');
    expectRunnableCli(r.fix);
  });

  it('fails when the OOM killer killed the agent: reboot first', () => {
    const r = withConsole({ findings: [{ kind: 'oom-agent', line: OOM }] });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/killed the SSM Agent/);
    expect(r.detail).toMatch(/The agent did start since the last boot/);
    expect(r.fix!.cli[0]).toBe(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expectRunnableCli(r.fix);
  });

  it('fails on emergency mode: fix fstab from the serial console', () => {
    const r = withConsole({ agentStarts: [], findings: [{ kind: 'mount-failed', line: '[FAILED] Failed to mount data.mount - /data.' }, { kind: 'emergency-mode', line: EMERGENCY }] });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/emergency mode/);
    expect(r.fix!.summary).toMatch(/fstab/);
    expect(r.fix!.cli.join('\n')).toContain('enable-serial-console-access');
    expectRunnableCli(r.fix);
  });

  it('warns on what may explain it but does not by itself (cloud-init errors, another OOM kill)', () => {
    const r = withConsole({ findings: [{ kind: 'cloud-init', line: CLOUD_INIT }, { kind: 'oom', line: OOM.replace('amazon-ssm-agen', 'java') }] });
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/cloud-init reported errors/);
    expect(r.detail).toMatch(/ran out of memory/);
  });

  it('warns when the agent did not start since the last boot', () => {
    const r = withConsole({ agentStarts: [] });
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/not installed, not enabled at boot, or fails before it starts/);
    expect(withConsole({ agentStarts: [], latest: false }).detail).toMatch(/boot-time output/);
  });

  it('skips when it cannot say: empty output, a fresh launch, macOS', () => {
    expect(withConsole({ empty: true, agentStarts: [], bootSeen: false }).status).toBe('skip');
    expect(withConsole({ agentStarts: [] }, (f) => (val(f.instances[IID])!.launchTime = '2026-11-29T09:58:00.000Z')).status).toBe('skip');
    expect(withConsole({ agentStarts: [] }, (f) => (val(f.instances[IID])!.instanceType = 'mac2.metal')).detail).toMatch(/macOS/);
  });

  it('does not expect the start line from Windows Server 2012 (the agent writes it from 2016 on)', () => {
    const r = withConsole({ agentStarts: [] }, (f) => {
      val(f.instances[IID])!.platform = 'windows';
      val(f.agents[IID])!.platformName = 'Microsoft Windows Server 2012 R2 Standard';
    });
    expect(r.status).toBe('skip');
    expect(r.detail).toMatch(/Windows Server 2016/);
  });

  it('errors when the read failed for an offline agent, or was not collected', () => {
    const r = run((f) => {
      offline(f);
      f.consoleEvidence[IID] = failed(denied('ec2:GetConsoleOutput'));
    });
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/Grant ec2:GetConsoleOutput/);
    expect(run((f) => (offline(f), delete f.consoleEvidence[IID])).status).toBe('error');
  });

  it(`skips, saying why, for offline targets beyond the first ${CONSOLE_MAX_TARGETS} (not read)`, () => {
    const r = run((f) => {
      offline(f);
      delete f.consoleEvidence[IID];
      const inst = val(f.instances[IID])!;
      const others = Array.from({ length: CONSOLE_MAX_TARGETS }, (_, n) => `i-0${String(n).padStart(16, '0')}`);
      for (const id of others) {
        f.instances[id] = ok({ ...inst, id });
        f.agents[id] = ok(null);
      }
      f.targets = [...others, IID];
    }, IID);
    expect(r.status).toBe('skip');
    expect(r.detail).toMatch(/at most 10 offline instances per run \(this run has 11\)/);
  });

  it('skips hybrid nodes', () => {
    expect(run((f) => hybridNode(f)).status).toBe('skip');
  });
});
