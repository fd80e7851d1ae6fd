import { describe, expect, it } from 'vitest';
import type { CheckResult, Status } from '../src/check/kit.js';
import { ok } from '../src/facts/facts.js';
import { agentRestartCommands, minutesBetween, rebootAdvice } from '../src/fix/reboot.js';
import { rebootSuggested } from '../src/diagnose/offline.js';
import { IID, val, world } from './fixtures/world.js';

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
