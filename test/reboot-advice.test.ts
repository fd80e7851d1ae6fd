import { describe, expect, it } from 'vitest';
import type { CheckResult, Status } from '../src/check/kit.js';
import { allChecks } from '../checks/index.js';
import { nextRetry } from '../src/eval/late-fix.js';
import { LATE_FIX_EVENTS } from '../src/facts/late-fix.js';
import { ok, type Facts } from '../src/facts/facts.js';
import { afterFixAdvice, agentRestartCommands, minutesBetween, rebootAdvice } from '../src/fix/reboot.js';
import { MI, hybridNode } from './fixtures/evidence.js';
import { isConfigurationCheck, lateFixCandidates, rebootSuggested } from '../src/diagnose/offline.js';
import { IID, VPC, val, world } from './fixtures/world.js';

const res = (id: string, status: Status): CheckResult => ({
  id,
  title: id,
  group: id.split('.')[0] as CheckResult['group'],
  status,
  detail: '',
});
const healthyConfig = (): CheckResult[] => [
  res('instance.state', 'pass'),
  res('instance.metadata', 'pass'),
  res('agent.version', 'skip'),
  res('iam.permissions', 'pass'),
  res('network.route', 'warn'),
  res('session.preferences', 'pass'),
];

describe('rebootSuggested', () => {
  const facts = world();

  it('is true when agent.ping fails and every configuration check is pass/warn/skip', () => {
    expect(rebootSuggested(facts, IID, [...healthyConfig(), res('agent.ping', 'fail')])).toBe(true);
  });

  it('ignores session.connection and client.* results', () => {
    const results = [
      ...healthyConfig(),
      res('agent.ping', 'fail'),
      res('session.connection', 'fail'),
      res('client.plugin', 'fail'),
      res('client.permissions', 'error'),
    ];
    expect(rebootSuggested(facts, IID, results)).toBe(true);
  });

  it.each<[string, Status]>([
    ['iam.permissions', 'fail'],
    ['network.route', 'error'],
    ['instance.metadata', 'fail'],
  ])('is false when configuration check %s is %s', (id, status) => {
    const results = healthyConfig().map((r) => (r.id === id ? res(id, status) : r));
    expect(rebootSuggested(facts, IID, [...results, res('agent.ping', 'fail')])).toBe(false);
  });

  it.each<Status | 'absent'>(['pass', 'skip', 'error', 'warn', 'absent'])('is false when agent.ping is %s', (status) => {
    const ping = status === 'absent' ? [] : [res('agent.ping', status)];
    expect(rebootSuggested(facts, IID, [...healthyConfig(), ...ping])).toBe(false);
  });

  it.each(['stopped', 'pending'])('is false when the instance is %s', (state) => {
    const f = world((w) => (val(w.instances[IID])!.state = state));
    expect(rebootSuggested(f, IID, [...healthyConfig(), res('agent.ping', 'fail')])).toBe(false);
  });

  it('is false when the instance is unknown', () => {
    const f = world((w) => (w.instances[IID] = ok(null)));
    expect(rebootSuggested(f, IID, [res('agent.ping', 'fail')])).toBe(false);
  });
});

describe('rebootAdvice', () => {
  it.each([
    ['2026-11-29T09:57:00.000Z', '3 minutes'],
    ['2026-11-29T09:59:40.000Z', 'less than a minute'],
    ['2026-11-29T09:51:00.000Z', '9 minutes'],
  ])('says to wait for an instance launched at %s (%s ago)', (launchTime, said) => {
    const f = world((w) => (val(w.instances[IID])!.launchTime = launchTime));
    const a = rebootAdvice(f, IID);
    expect(a.summary).toContain(`launched ${said} ago`);
    expect(a.summary).toMatch(/[Ww]ait/);
    expect(a.cli.join('\n')).not.toContain('reboot-instances');
  });

  it.each([
    ['2026-11-29T09:50:00.000Z'], // exactly 10 minutes: no longer fresh
    ['2026-11-29T09:00:00.000Z'],
    ['2025-01-01T00:00:00.000Z'],
  ])('restarts or reboots an instance launched at %s', (launchTime) => {
    const f = world((w) => (val(w.instances[IID])!.launchTime = launchTime));
    const a = rebootAdvice(f, IID);
    expect(a.summary).toMatch(/Restart the SSM Agent, or reboot the instance/);
    expect(a.cli).toContain(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expect(a.onInstance?.join('\n')).toContain('sudo systemctl restart amazon-ssm-agent');
    expect([...a.cli, ...(a.onInstance ?? [])].join('\n')).not.toContain('#');
  });

  it('gives a hybrid node (mi-) no EC2 reboot: the restart on the node, and no --reboot', () => {
    const f = world((w) => hybridNode(w));
    const a = rebootAdvice(f, MI);
    expect(a.cli.join('\n')).not.toContain('aws ec2');
    expect(a.cli).toEqual([`aws ssm get-connection-status --target ${MI} --region us-east-1`]);
    expect(a.summary).not.toContain('--reboot');
    expect(a.summary).toContain(`Restart the SSM Agent on ${MI} (or reboot the machine)`);
    expect(afterFixAdvice(f, MI, true).summary).not.toMatch(/instance/);
    expect(afterFixAdvice(f, MI, true).cli.join('\n')).not.toContain('aws ec2');
  });

  it('restarts or reboots when the launch time is unknown', () => {
    const f = world((w) => delete val(w.instances[IID])!.launchTime);
    expect(rebootAdvice(f, IID).cli).toContain(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
  });

  it('uses the Windows service restart on Windows', () => {
    const f = world((w) => (val(w.instances[IID])!.platform = 'windows'));
    const a = rebootAdvice(f, IID);
    expect(a.onInstance).toEqual(['Restart-Service AmazonSSMAgent']);
    expect(a.cli.join('\n')).not.toContain('systemctl');
  });
});

describe('helpers', () => {
  it('minutesBetween', () => {
    expect(minutesBetween('2026-11-29T09:00:00Z', '2026-11-29T10:30:00Z')).toBe(90);
    expect(minutesBetween(undefined, '2026-11-29T10:30:00Z')).toBeUndefined();
    expect(minutesBetween('nope', '2026-11-29T10:30:00Z')).toBeUndefined();
  });

  it('agentRestartCommands fills in id and region', () => {
    expect(agentRestartCommands('linux', 'i-1', 'eu-west-1').cli).toEqual(['aws ec2 reboot-instances --instance-ids i-1 --region eu-west-1']);
    expect(agentRestartCommands('linux', 'mi-1', 'eu-west-1', true).cli).toEqual([]);
  });
});

describe('the late fix: agent.late-fix is evidence, not configuration; CloudTrail reasons the advice', () => {
  const lost = (f: Facts) => {
    f.agents[IID] = ok({ ...val(f.agents[IID])!, pingStatus: 'ConnectionLost', lastPingDateTime: '2026-11-29T09:20:00.000Z' });
    f.connections[IID] = ok('notconnected');
  };

  it('a failing agent.late-fix still lets the reboot be suggested', () => {
    expect(isConfigurationCheck('agent.late-fix')).toBe(false);
    expect(rebootSuggested(world(), IID, [...healthyConfig(), res('agent.ping', 'fail'), res('agent.late-fix', 'fail')])).toBe(true);
  });

  it('lateFixCandidates: offline agents whose configuration checks all pass, judged by the checks themselves', () => {
    expect(lateFixCandidates(world(), allChecks)).toEqual([]);
    expect(lateFixCandidates(world(lost), allChecks)).toEqual([IID]);
    // A configuration failure (no ssmmessages endpoint) makes CloudTrail pointless: fix that first.
    const broken = world((f) => {
      lost(f);
      f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith('.ssmmessages')));
    });
    expect(lateFixCandidates(broken, allChecks)).toEqual([]);
    expect(lateFixCandidates(world((f) => (lost(f), (val(f.instances[IID])!.state = 'stopped'))), allChecks)).toEqual([]);
  });

  it('the reboot advice carries the dated late fix when CloudTrail was read', () => {
    const f = world((f) => {
      lost(f);
      f.cloudTrail = {
        targets: [IID],
        since: '2026-11-29T09:20:00.000Z',
        lookups: { AttachRolePolicy: ok({ events: [{ id: 'e1', name: 'AttachRolePolicy', time: '2026-11-29T09:55:00.000Z', refs: ['ssm-role'] }] }) },
      };
    });
    const a = rebootAdvice(f, IID);
    expect(a.summary).toMatch(/a managed policy was attached to the agent role at 2026-11-29 09:55 UTC \(CloudTrail AttachRolePolicy\)/);
    expect(a.summary).toMatch(/wait for its next retry, about 10:20 UTC/);
    f.cloudTrail!.lookups = Object.fromEntries(Object.keys(LATE_FIX_EVENTS).map((n) => [n, ok({ events: [] })]));
    expect(rebootAdvice(f, IID).summary).toMatch(/^Restart the SSM Agent on i-0123456789abcdef0 .*CloudTrail shows no change to what the agent depends on since 2026-11-29 09:20 UTC .* a late fix does not explain/);
  });
});

describe('nextRetry: the agent back-offs counted from when it gave up', () => {
  const at = (hm: string) => `2026-11-29T${hm}:00.000Z`;
  it.each([
    ['credentials', '09:00', '09:10', '09:30'],
    ['credentials', '09:00', '09:30', '10:00'],
    ['credentials', '09:00', '09:31', '10:00'],
    ['network', '09:00', '09:03', '09:05'],
    ['network', '09:00', '09:05', '09:15'],
    ['network', '09:00', '09:20', '09:35'],
    ['network', '09:00', '09:40', '10:15'],
    ['network', '09:00', '10:20', '11:15'],
  ] as const)('%s, gave up %s, fixed %s: retries at %s', (kind, gaveUp, fixed, retry) => {
    expect(nextRetry(kind, at(gaveUp), at(fixed))).toBe(at(retry));
  });
});
