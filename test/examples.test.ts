// The shipped example snapshots: still what scripts/make-examples.ts generates, and still diagnosed as described.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allChecks } from '../checks/index.js';
import { buildReport } from '../src/report/model.js';
import { parseSnapshot } from '../src/facts/snapshot.js';
import { examples } from '../scripts/make-examples.js';
import { IID } from './fixtures/world.js';

const load = (name: string) => parseSnapshot(readFileSync(new URL(`../examples/${name}.json`, import.meta.url), 'utf8'), name);
const statuses = (name: string) => {
  const r = buildReport(load(name), allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
  const t = r.targets[0]!;
  return { ok: t.ok, reboot: t.rebootSuggested, by: Object.fromEntries(t.checks.map((c) => [c.id, c.status])) };
};

describe('examples/', () => {
  it.each(Object.keys(examples))('%s.json is up to date with scripts/make-examples.ts (npm run examples)', (name) => {
    expect(load(name)).toEqual(JSON.parse(JSON.stringify(examples[name]!.facts)));
  });

  it('healthy: every check passes or skips for a reason', () => {
    const s = statuses('healthy');
    expect(s.ok).toBe(true);
    expect(Object.values(s.by).every((v) => v === 'pass' || v === 'skip')).toBe(true);
  });

  it.each([
    ['missing-ssmmessages-endpoint', 'vpc-endpoint.ssmmessages'],
    ['endpoint-sg-without-ingress', 'security-group.endpoint-ingress'],
    ['no-instance-profile', 'iam.instance-profile'],
    ['nacl-blocks-ephemeral', 'network.acl'],
    ['imds-disabled', 'instance.metadata'],
    ['kms-without-decrypt', 'session.kms-key'],
  ])('%s fails %s and suggests no reboot', (name, id) => {
    const s = statuses(name);
    expect(s.ok).toBe(false);
    expect(s.by[id]).toBe('fail');
    expect(s.reboot).toBe(false);
  });

  it('transit-gateway-route: the unprovable path is a warning, not a pass or a failure; the connected agent proves ssm and ssmmessages', () => {
    const s = statuses('transit-gateway-route');
    expect(s.ok).toBe(true);
    expect(s.by['network.route']).toBe('warn');
    expect(s.by['vpc-endpoint.ec2messages']).toBe('warn');
    expect(s.by['vpc-endpoint.ssm']).toBe('skip');
    expect(s.by['vpc-endpoint.ssmmessages']).toBe('skip');
  });

  it('transit-gateway-route with a current agent: ec2messages, which it does not use, is neither warned about nor created', () => {
    const facts = load('transit-gateway-route');
    Object.assign((facts.agents[IID] as { value: object }).value, { agentVersion: '3.3.1142.0', isLatestVersion: true });
    const r = buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
    const ec2 = r.targets[0]!.checks.find((c) => c.id === 'vpc-endpoint.ec2messages')!;
    expect(ec2.status).toBe('skip');
    expect(ec2.fix).toBeUndefined();
    expect(JSON.stringify(r)).not.toContain('com.amazonaws.us-east-1.ec2messages --subnet-ids');
    expect(r.targets[0]!.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip')).toEqual([]);
  });

  it.each([
    ['healthy', []],
    ['missing-ssmmessages-endpoint', ['vpc-endpoint.ssmmessages:vpc-0a1b2c3d4e5f60718']],
    ['endpoint-sg-without-ingress', ['security-group.endpoint-ingress:sg-0e0e0e0e0e0e0e0e1']],
    ['no-instance-profile', ['iam.instance-profile:no-credentials']],
    ['nacl-blocks-ephemeral', ['network.acl:acl-0f00dbad0f00dbad0']],
    ['imds-disabled', ['instance.metadata:imds-disabled']],
    ['kms-without-decrypt', ['session.kms-key:ssm-role']],
    ['transit-gateway-route', []],
    ['agent-offline-config-ok', ['agent.restart:agent-offline']],
    ['late-fix-instance-profile', ['agent.late-fix:i-0123456789abcdef0']],
    ['log-group-not-encrypted', ['session.logging:log-group:/ssm/session-logs']],
    ['deleted-logging-bucket', ['session.logging:s3://session-logs-111122223333']],
    ['kms-key-disabled', ['session.kms-key:arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0']],
  ])('%s: the diagnosis names %j as the root cause(s)', (name, causes) => {
    const r = buildReport(load(name), allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
    expect(r.targets[0]!.diagnosis.causes.map((c) => c.id)).toEqual(causes);
    expect(r.causes.map((c) => c.id)).toEqual(causes);
  });

  it('agent-offline-config-ok: configuration passes, agent offline, CloudTrail shows no late fix, so a reboot is suggested', () => {
    const s = statuses('agent-offline-config-ok');
    expect(s.by['agent.ping']).toBe('fail');
    expect(s.by['agent.late-fix']).toBe('pass');
    expect(s.reboot).toBe(true);
  });

  // Session logging targets, the session KMS key, the late fix (scripts/examples-evidence.ts).
  it.each([
    ['log-group-not-encrypted', 'session.logging'],
    ['deleted-logging-bucket', 'session.logging'],
    ['kms-key-disabled', 'session.kms-key'],
  ])('%s fails %s alone, and suggests no reboot', (name, id) => {
    const s = statuses(name);
    expect(s.ok).toBe(false);
    expect(s.by[id]).toBe('fail');
    expect(Object.entries(s.by).filter(([, v]) => v === 'fail' || v === 'error').map(([k]) => k)).toEqual([id]);
    expect(s.reboot).toBe(false);
  });

  it('late-fix-instance-profile: the configuration passes, agent.late-fix dates the fix, and the reboot advice carries its times', () => {
    const s = statuses('late-fix-instance-profile');
    expect(s.by['agent.late-fix']).toBe('fail');
    expect(s.by['agent.ping']).toBe('fail');
    expect(s.reboot).toBe(true);
    const r = buildReport(load('late-fix-instance-profile'), allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
    const late = r.targets[0]!.checks.find((c) => c.id === 'agent.late-fix')!;
    expect(late.summary).toContain('The instance profile was associated at 2026-11-29 09:52 UTC (CloudTrail AssociateIamInstanceProfile)');
    expect(late.fix!.summary).toContain('wait for its next retry, about 10:15 UTC');
    expect(late.detail).toContain('the instance profile was associated 8 minutes ago');
    expect(r.targets[0]!.reboot!.summary).toContain('wait for its next retry, about 10:15 UTC');
    expect(r.targets[0]!.reboot!.summary).toContain('the instance profile was associated at 2026-11-29 09:52 UTC (CloudTrail AssociateIamInstanceProfile)');
  });
});

describe('examples/: evidence for an offline agent', () => {
  /** The new checks' statuses (the diagnosis stage pins the root cause). */
  const evidence = (name: string) => {
    const s = statuses(name);
    const pick = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, s.by[id]]));
    return { ...s, evidence: pick(['instance.health', 'agent.installed', 'agent.console', 'agent.identity', 'hybrid.tier', 'hybrid.activation']) };
  };

  it.each([
    ['ami-without-agent-rhel', { 'instance.health': 'pass', 'agent.installed': 'fail', 'agent.console': 'warn', 'agent.identity': 'pass', 'hybrid.tier': 'skip', 'hybrid.activation': 'skip' }],
    ['instance-impaired', { 'instance.health': 'fail', 'agent.installed': 'pass', 'agent.console': 'pass', 'agent.identity': 'pass', 'hybrid.tier': 'skip', 'hybrid.activation': 'skip' }],
    ['system-impaired', { 'instance.health': 'fail', 'agent.installed': 'pass', 'agent.console': 'pass', 'agent.identity': 'pass', 'hybrid.tier': 'skip', 'hybrid.activation': 'skip' }],
    ['console-disk-full', { 'instance.health': 'pass', 'agent.installed': 'pass', 'agent.console': 'fail', 'agent.identity': 'pass', 'hybrid.tier': 'skip', 'hybrid.activation': 'skip' }],
    ['hybrid-activation-expired', { 'instance.health': 'skip', 'agent.installed': 'skip', 'agent.console': 'skip', 'agent.identity': 'skip', 'hybrid.tier': 'pass', 'hybrid.activation': 'warn' }],
  ])('%s: the evidence checks say %o; agent.ping fails; no reboot is suggested', (name, want) => {
    const s = evidence(name);
    expect(s.evidence).toEqual(want);
    expect(s.ok).toBe(false);
    expect(s.by['agent.ping']).toBe('fail');
    expect(s.reboot).toBe(false);
  });

  it.each([
    ['ami-without-agent-rhel', ['agent.installed:ami-0f0e0d0c0b0a09182']],
    ['instance-impaired', ['instance.health:i-0123456789abcdef0']],
    ['system-impaired', ['instance.health:i-0123456789abcdef0']],
    ['console-disk-full', ['agent.console:i-0123456789abcdef0']],
  ])('%s: the root cause is the evidence, not "restart or reboot" (%j)', (name, causes) => {
    const r = buildReport(load(name), allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
    expect(r.targets[0]!.diagnosis.causes.map((c) => c.id)).toEqual(causes);
    expect(r.causes.map((c) => c.id)).toEqual(causes);
  });

  it('hybrid-activation-expired: an expired activation does not take a registered node offline; it is a warning, and the offline agent is the cause, with one restart (no second "then" restart)', () => {
    const r = buildReport(load('hybrid-activation-expired'), allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
    const t = r.targets[0]!;
    expect(t.diagnosis.causes.map((c) => c.id)).toEqual(['agent.ping:mi-0123456789abcdef0']);
    expect(t.diagnosis.causes[0]!.fix!.summary).toMatch(/^Restart the SSM Agent on mi-0123456789abcdef0/);
    expect(t.diagnosis.then).toBeUndefined();
    expect(t.checks.find((x) => x.id === 'hybrid.activation')!.status).toBe('warn');
  });

  it('the examples whose agent is offline for a configuration reason keep their verdicts; the evidence passes and points elsewhere', () => {
    for (const name of ['endpoint-sg-without-ingress', 'no-instance-profile', 'nacl-blocks-ephemeral', 'imds-disabled', 'agent-offline-config-ok']) {
      const s = evidence(name);
      expect(s.evidence, name).toMatchObject({ 'instance.health': 'pass', 'agent.installed': 'pass', 'agent.console': 'pass', 'agent.identity': 'pass' });
    }
    // Healthy: nothing read, the evidence checks skip (or pass without a read).
    expect(evidence('healthy').evidence).toEqual({
      'instance.health': 'skip',
      'agent.installed': 'pass',
      'agent.console': 'skip',
      'agent.identity': 'pass',
      'hybrid.tier': 'skip',
      'hybrid.activation': 'skip',
    });
  });
});
