import { describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import { selectChecks, SelectionError, splitSelectors } from '../../src/report/select-checks.js';
import { reportOf } from './helpers.js';

const ids = (only?: string[], skip?: string[]) => selectChecks(allChecks, only, skip).checks.map((c) => c.meta.id);

describe('--only / --skip', () => {
  it('nothing selected: every check, none omitted', () => {
    const s = selectChecks(allChecks);
    expect(s.checks).toEqual(allChecks);
    expect(s.omitted).toEqual([]);
  });

  it('by id, by group, by id prefix (with or without .*)', () => {
    expect(ids(['agent.ping'])).toEqual(['agent.ping']);
    expect(ids(['client'])).toEqual(['client.plugin', 'client.permissions']);
    expect(ids(['vpc-endpoint'])).toEqual(ids(['vpc-endpoint.*']));
    expect(ids(['vpc-endpoint'])).toEqual(allChecks.map((c) => c.meta.id).filter((id) => id.startsWith('vpc-endpoint.')));
    // the network group is larger than the network.* prefix: it holds vpc-endpoint.*, security-group.*, vpc.dns too
    expect(ids(['network'])).toEqual(allChecks.filter((c) => c.meta.group === 'network').map((c) => c.meta.id));
    expect(ids(['network'])).toContain('security-group.endpoint-ingress');
    expect(ids(['vpc'])).toEqual(['vpc.dns']);
  });

  it('--skip removes, after --only keeps; order is the registry order', () => {
    const all = allChecks.map((c) => c.meta.id);
    expect(ids(undefined, ['client'])).toEqual(all.filter((id) => !id.startsWith('client.')));
    expect(ids(['network.acl', 'instance.state'])).toEqual(['instance.state', 'network.acl']);
    expect(ids(['network'], ['vpc-endpoint', 'network.acl'])).not.toContain('network.acl');
    expect(selectChecks(allChecks, [], ['client']).omitted).toEqual(['client.plugin', 'client.permissions']);
  });

  it('unknown ids are rejected naming the valid ones; an empty selection is rejected', () => {
    expect(() => selectChecks(allChecks, ['agent.pong'])).toThrow(SelectionError);
    expect(() => selectChecks(allChecks, ['agent.pong'])).toThrow(/--only: unknown check "agent.pong"\. Valid ids: instance\.state, .*agent\.ping.*; groups: instance, agent/);
    expect(() => selectChecks(allChecks, [], ['nope', 'client'])).toThrow(/--skip: unknown check "nope"/);
    expect(() => selectChecks(allChecks, ['client'], ['client'])).toThrow(/left no check/);
    expect(() => selectChecks(allChecks, ['Agent.Ping'])).toThrow(SelectionError);
  });

  it('splits comma-separated and repeated values', () => {
    expect(splitSelectors(['a,b', ' c ', ',', 'd,'])).toEqual(['a', 'b', 'c', 'd']);
    expect(splitSelectors(undefined)).toEqual([]);
  });

  it('the report records what was left out; no reboot is suggested without the configuration checks', () => {
    const full = reportOf('agent-offline-config-ok');
    expect(full.targets[0]!.rebootSuggested).toBe(true);
    expect(full.omittedChecks).toBeUndefined();

    const noClient = selectChecks(allChecks, [], ['client']);
    const r1 = reportOf('agent-offline-config-ok', { omittedChecks: noClient.omitted }, noClient.checks);
    expect(r1.targets[0]!.rebootSuggested).toBe(true); // client checks are not configuration
    expect(r1.omittedChecks).toEqual(['client.plugin', 'client.permissions']);
    expect(r1.targets[0]!.checks.map((c) => c.id)).not.toContain('client.plugin');

    const pingOnly = selectChecks(allChecks, ['agent.ping']);
    const r2 = reportOf('agent-offline-config-ok', { omittedChecks: pingOnly.omitted }, pingOnly.checks);
    expect(r2.targets[0]!.checks.map((c) => c.id)).toEqual(['agent.ping']);
    expect(r2.targets[0]!.rebootSuggested).toBe(false);
    expect(r2.ok).toBe(false);

    // Skipping the failing check turns the verdict around: the gate only judges what ran.
    const skipNacl = selectChecks(allChecks, [], ['network.acl', 'agent.ping', 'session.connection']);
    expect(reportOf('nacl-blocks-ephemeral', { omittedChecks: skipNacl.omitted }, skipNacl.checks).ok).toBe(true);
  });
});
