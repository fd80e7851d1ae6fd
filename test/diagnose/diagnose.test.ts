// The diagnosis on hand-made results: which findings are causes and which consequences, in what order, with what
// ids; the restart only when nothing else is wrong; a fleet's causes grouped by id; the plan.
import { describe, expect, it } from 'vitest';
import type { CheckMeta, CheckResult, Fix, Status } from '../../src/check/kit.js';
import { diagnose, firstSentence } from '../../src/diagnose/diagnose.js';
import { buildPlan, groupCauses } from '../../src/diagnose/fleet.js';
import { ok } from '../../src/facts/facts.js';
import { IID, val, world } from '../fixtures/world.js';

const META: CheckMeta[] = [
  { id: 'instance.state', title: '', group: 'instance', description: '', explains: ['*'] },
  { id: 'agent.ping', title: '', group: 'agent', description: '', explains: ['session.connection'] },
  { id: 'iam.permissions', title: '', group: 'iam', description: '', explains: ['agent.ping', 'session.connection'] },
  { id: 'network.route', title: '', group: 'network', description: '', explains: ['agent.ping', 'session.connection'] },
  { id: 'vpc-endpoint.ssm', title: '', group: 'network', description: '', explains: ['network.route', 'agent.ping', 'session.connection'] },
  { id: 'session.connection', title: '', group: 'session', description: '' },
  { id: 'client.plugin', title: '', group: 'client', description: '' },
];
const metas = new Map(META.map((m) => [m.id, m]));
const fix = (summary: string, ...cli: string[]): Fix => ({ summary, cli });

function res(id: string, status: Status, extra: Partial<CheckResult> = {}): CheckResult {
  const group = metas.get(id)?.group ?? 'network';
  return { id, title: id, group, status, detail: `${id} is ${status}. More words.`, ...(status === 'fail' ? { fix: fix(`fix ${id}`, `aws fix ${id}`) } : {}), ...extra };
}

/** Every check of META, `pass` unless given. */
function results(over: Record<string, Status | Partial<CheckResult>>): CheckResult[] {
  return META.map((m) => {
    const o = over[m.id];
    if (o === undefined) return res(m.id, 'pass');
    return typeof o === 'string' ? res(m.id, o) : res(m.id, o.status ?? 'fail', o);
  });
}

const offline = world((f) => {
  f.agents[IID] = ok({ ...val(f.agents[IID])!, pingStatus: 'ConnectionLost' });
});
const run = (over: Record<string, Status | Partial<CheckResult>>, opts: { failOn?: 'fail' | 'warn'; configComplete?: boolean; facts?: typeof offline } = {}) =>
  diagnose({ facts: opts.facts ?? offline, id: IID, results: results(over), metas, configComplete: opts.configComplete ?? true, failOn: opts.failOn ?? 'fail' });

describe('diagnose', () => {
  it('a failure explains its declared consequences, transitively; they point at its cause id', () => {
    const d = run({ 'iam.permissions': { status: 'fail', subject: 'ssm-role' }, 'agent.ping': 'fail', 'session.connection': 'fail' });
    expect(d.diagnosis.causes.map((c) => [c.id, c.checks])).toEqual([['iam.permissions:ssm-role', ['iam.permissions', 'agent.ping', 'session.connection']]]);
    const by = Object.fromEntries(d.results.map((r) => [r.id, r.explainedBy]));
    expect(by['agent.ping']).toEqual(['iam.permissions:ssm-role']);
    expect(by['session.connection']).toEqual(['iam.permissions:ssm-role']);
    expect(by['iam.permissions']).toBeUndefined();
    // The agent was offline because of it: once fixed, it may have backed off.
    expect(d.diagnosis.then?.cli).toContain(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expect(d.rebootSuggested).toBe(false);
  });

  it('two independent causes stay two, in report order; a consequence can have both', () => {
    const d = run({ 'iam.permissions': 'fail', 'network.route': 'fail', 'agent.ping': 'fail' });
    expect(d.diagnosis.causes.map((c) => c.id)).toEqual([`iam.permissions:${IID}`, `network.route:${IID}`]);
    expect(d.results.find((r) => r.id === 'agent.ping')!.explainedBy).toEqual([`iam.permissions:${IID}`, `network.route:${IID}`]);
  });

  it('a missing endpoint and the route that therefore goes nowhere are one cause', () => {
    const d = run({ 'vpc-endpoint.ssm': { status: 'fail', subject: 'vpc-1' }, 'network.route': 'fail' });
    expect(d.diagnosis.causes.map((c) => [c.id, c.checks])).toEqual([['vpc-endpoint.ssm:vpc-1', ['vpc-endpoint.ssm', 'network.route']]]);
  });

  it('a stopped instance explains everything about the instance, but not the operator\'s machine', () => {
    const d = run({ 'instance.state': { status: 'fail', subject: 'stopped' }, 'agent.ping': 'fail', 'network.route': 'error', 'client.plugin': { status: 'fail', subject: 'this-machine' } });
    expect(d.diagnosis.causes.map((c) => c.id)).toEqual(['instance.state:stopped', 'client.plugin:this-machine']);
    expect(d.results.find((r) => r.id === 'network.route')!.explainedBy).toEqual(['instance.state:stopped']);
  });

  it('a warning that can explain a failure is its likeliest cause; a lone warning is no cause', () => {
    const d = run({ 'network.route': 'warn', 'agent.ping': 'fail' });
    expect(d.diagnosis.causes.map((c) => [c.id, c.status])).toEqual([[`network.route:${IID}`, 'warn']]);
    // The configuration may be right: the restart is suggested, after the warning.
    expect(d.rebootSuggested).toBe(true);
    expect(d.diagnosis.then).toBeDefined();
    expect(run({ 'network.route': 'warn' }).diagnosis.causes).toEqual([]);
    expect(run({ 'network.route': 'warn' }, { failOn: 'warn' }).diagnosis.causes.map((c) => c.status)).toEqual(['warn']);
  });

  it('explainedBy names causes only: a warning that follows from a warning which is no cause is a warning like it', () => {
    const alone = run({ 'vpc-endpoint.ssm': { status: 'warn', subject: 'vpc-1' }, 'network.route': 'warn' });
    expect(alone.diagnosis.causes).toEqual([]);
    expect(alone.results.find((r) => r.id === 'network.route')!.explainedBy).toBeUndefined();
    // Warnings failing the gate: the root warning is a cause, its consequence points at it.
    const gated = run({ 'vpc-endpoint.ssm': { status: 'warn', subject: 'vpc-1' }, 'network.route': 'warn' }, { failOn: 'warn' });
    expect(gated.diagnosis.causes.map((c) => [c.id, c.checks])).toEqual([['vpc-endpoint.ssm:vpc-1', ['vpc-endpoint.ssm', 'network.route']]]);
    expect(gated.results.find((r) => r.id === 'network.route')!.explainedBy).toEqual(['vpc-endpoint.ssm:vpc-1']);
    // The same warning as the likeliest reason for a failure is a cause: every consequence points at it.
    const failing = run({ 'vpc-endpoint.ssm': { status: 'warn', subject: 'vpc-1' }, 'network.route': 'warn', 'agent.ping': 'fail' });
    expect(failing.diagnosis.causes.map((c) => c.id)).toEqual(['vpc-endpoint.ssm:vpc-1']);
    expect(failing.results.find((r) => r.id === 'network.route')!.explainedBy).toEqual(['vpc-endpoint.ssm:vpc-1']);
    expect(failing.results.find((r) => r.id === 'agent.ping')!.explainedBy).toEqual(['vpc-endpoint.ssm:vpc-1']);
  });

  it('fail causes come before warn and unreadable ones', () => {
    const d = run({ 'iam.permissions': { status: 'error', data: { api: 'iam:SimulatePrincipalPolicy', kind: 'denied' } }, 'network.route': 'warn', 'client.plugin': 'fail', 'agent.ping': 'fail' });
    expect(d.diagnosis.causes.map((c) => [c.id, c.status])).toEqual([
      [`client.plugin:${IID}`, 'fail'],
      [`network.route:${IID}`, 'warn'],
      ['unreadable:iam:SimulatePrincipalPolicy', 'error'],
    ]);
  });

  it('checks that could not read the same fact are one cause, whose fix is the permission', () => {
    const denied = (id: string) => ({ status: 'error' as const, data: { api: 'ec2:DescribeVpcEndpoints', kind: 'denied' }, detail: `Could not read the VPC endpoints. ${id}` });
    const d = run({ 'network.route': denied('a'), 'vpc-endpoint.ssm': denied('b') });
    expect(d.diagnosis.causes).toHaveLength(1);
    expect(d.diagnosis.causes[0]!.id).toBe('unreadable:ec2:DescribeVpcEndpoints');
    expect(d.diagnosis.causes[0]!.checks).toEqual(['vpc-endpoint.ssm', 'network.route']);
    expect(d.diagnosis.causes[0]!.fix!.summary).toMatch(/^Grant ec2:DescribeVpcEndpoints to the identity running ssm-doctor/);
  });

  it('the configuration right and the agent offline: the restart is the one cause, and only then', () => {
    const d = run({ 'agent.ping': 'fail', 'session.connection': 'fail' });
    expect(d.diagnosis.causes.map((c) => [c.id, c.checks])).toEqual([['agent.restart:agent-offline', ['agent.ping', 'session.connection']]]);
    expect(d.diagnosis.causes[0]!.fix!.cli[0]).toBe(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
    expect(d.diagnosis.then).toBeUndefined();
    expect(d.rebootSuggested).toBe(true);
    // With a configuration check left out (--skip), "nothing else is wrong" cannot be said.
    const partial = run({ 'agent.ping': 'fail' }, { configComplete: false });
    expect(partial.diagnosis.causes.map((c) => c.id)).toEqual([`agent.ping:${IID}`]);
    expect(partial.rebootSuggested).toBe(false);
  });

  it('the restart cause offers a late fix only when agent.late-fix has not ruled one out', () => {
    const headline = (lateFix?: Status) => {
      const extra = lateFix ? [res('agent.late-fix', lateFix)] : [];
      const d = diagnose({ facts: offline, id: IID, results: [...results({ 'agent.ping': 'fail' }), ...extra], metas, configComplete: true, failOn: 'fail' });
      return d.diagnosis.causes[0]!.summary;
    };
    // CloudTrail read and no change since the agent gave up: the headline must not offer a back-off after a late fix.
    expect(headline('pass')).not.toMatch(/late fix, or/);
    expect(headline('pass')).toBe('The configuration is right and CloudTrail shows no late fix, but the SSM Agent is not online: it stopped or hung on the instance.');
    // Not read (skip) or unreadable (error): both remain possible.
    for (const s of [undefined, 'skip', 'error'] as const) expect(headline(s)).toMatch(/backed off after a late fix, or it stopped or hung/);
  });

  it('the step after the fixes says when the agent retries what they fixed, in agent.late-fix\'s words', () => {
    const then = (over: Record<string, Status | Partial<CheckResult>>) => run({ ...over, 'agent.ping': 'fail' }).diagnosis.then!.summary;
    expect(then({ 'iam.permissions': 'fail' })).toMatch(/the agent retries its credentials about every 30 minutes/);
    expect(then({ 'iam.permissions': 'fail' })).not.toMatch(/within minutes|up to an hour/);
    expect(then({ 'network.route': 'fail' })).toMatch(/retries its connection with a back-off that starts at 5 minutes and doubles up to 60/);
    expect(then({ 'iam.permissions': 'fail', 'network.route': 'fail' })).toMatch(/credentials about every 30 minutes and its connection with a back-off/);
  });

  it('minutes after launch the restart cause says to wait', () => {
    const fresh = world((f) => {
      f.agents[IID] = ok(null);
      val(f.instances[IID])!.launchTime = '2026-11-29T09:57:00.000Z';
    });
    const d = run({ 'agent.ping': 'fail' }, { facts: fresh });
    expect(d.diagnosis.causes[0]!.id).toBe('agent.restart:just-launched');
    expect(d.diagnosis.causes[0]!.fix!.cli.join('\n')).not.toContain('reboot');
  });

  it('firstSentence stops at a sentence end, not inside a version or an id', () => {
    expect(firstSentence('Agent 3.3.40.0 is old. Update it.')).toBe('Agent 3.3.40.0 is old.');
    expect(firstSentence('No dot here')).toBe('No dot here');
  });
});

describe('a fleet', () => {
  // Three running instances, like IID, whose agents are offline.
  const facts = world((f) => {
    for (const id of ['i-1', 'i-2', 'i-3']) f.instances[id] = ok({ ...val(f.instances[IID])!, id });
  });
  const target = (id: string, over: Record<string, Status | Partial<CheckResult>>) => {
    const d = diagnose({ facts, id, results: results(over), metas, configComplete: true, failOn: 'fail' });
    return { target: id, diagnosis: d.diagnosis };
  };

  it('targets sharing a resource share one cause, with one merged fix; the most common first', () => {
    const shared = (cmd: string) => ({ status: 'fail' as const, subject: 'vpc-1', fix: fix('create the endpoint', 'aws ec2 create-vpc-endpoint --vpc-id vpc-1', cmd) });
    const targets = [
      target('i-1', { 'vpc-endpoint.ssm': shared('aws x i-1') }),
      target('i-2', { 'iam.permissions': { status: 'fail', subject: 'role-a' }, 'vpc-endpoint.ssm': shared('aws x i-2') }),
      target('i-3', { 'vpc-endpoint.ssm': shared('aws x i-1') }),
    ];
    const causes = groupCauses(targets);
    expect(causes.map((c) => [c.id, c.targets])).toEqual([
      ['vpc-endpoint.ssm:vpc-1', ['i-1', 'i-2', 'i-3']],
      ['iam.permissions:role-a', ['i-2']],
    ]);
    expect(causes[0]!.fix!.cli).toEqual(['aws ec2 create-vpc-endpoint --vpc-id vpc-1', 'aws x i-1', 'aws x i-2']);
    const plan = buildPlan(causes, targets, 'us-east-1');
    expect(plan.steps.map((s) => s.cause ?? 'then')).toEqual(['vpc-endpoint.ssm:vpc-1', 'iam.permissions:role-a']);
    expect(plan.cli).toEqual(['aws ec2 create-vpc-endpoint --vpc-id vpc-1', 'aws x i-1', 'aws x i-2', 'aws fix iam.permissions']);
  });

  it('the operator\'s machine comes last, however many instances it touches', () => {
    const plugin = { status: 'fail' as const, subject: 'this-machine' };
    const causes = groupCauses([target('i-1', { 'client.plugin': plugin }), target('i-2', { 'client.plugin': plugin, 'iam.permissions': 'fail' })]);
    expect(causes.map((c) => c.id)).toEqual(['iam.permissions:i-2', 'client.plugin:this-machine']);
  });

  it('after the fixes, several offline agents: wait, then reboot only those still offline (--wait --reboot)', () => {
    const targets = ['i-1', 'i-2'].map((id) => target(id, { 'iam.permissions': { status: 'fail', subject: 'r' }, 'agent.ping': 'fail' }));
    const plan = buildPlan(groupCauses(targets), targets, 'us-east-1');
    const then = plan.steps.at(-1)!;
    expect(then.cause).toBeUndefined();
    expect(then.targets).toEqual(['i-1', 'i-2']);
    expect(then.fix!.cli).toEqual(['npx ssm-doctor i-1 i-2 --region us-east-1 --wait 15m --reboot']);
  });
});

describe('what to do after the fixes', () => {
  const restarting: CheckMeta = { id: 'instance.health', title: '', group: 'instance', description: '', explains: ['agent.ping', 'session.connection'], fixRestartsAgent: true };
  const with_ = new Map([...metas, [restarting.id, restarting]]);
  const run2 = (over: Record<string, Status | Partial<CheckResult>>) =>
    diagnose({ facts: offline, id: IID, results: [...results(over), res('instance.health', (over['instance.health'] as Status) ?? 'pass')], metas: with_, configComplete: true, failOn: 'fail' });

  it('no restart step when every cause of the offline agent is fixed by something that restarts it', () => {
    expect(run2({ 'instance.health': 'fail', 'agent.ping': 'fail' }).diagnosis.then).toBeUndefined();
    // One cause that does not restart it is enough for the step.
    expect(run2({ 'instance.health': 'fail', 'iam.permissions': 'fail', 'agent.ping': 'fail' }).diagnosis.then).toBeDefined();
  });
});

describe('Online but not connectable', () => {
  it('nothing else wrong: the cause is the session side of the agent, with a restart and where to look', () => {
    const connected = world(() => {});
    const d = diagnose({ facts: connected, id: IID, results: results({ 'session.connection': 'fail' }), metas, configComplete: true, failOn: 'fail' });
    expect(d.diagnosis.causes.map((c) => c.id)).toEqual(['agent.restart:not-connected']);
    expect(d.diagnosis.causes[0]!.fix!.onInstance).toContain('sudo tail -n 50 /var/log/amazon/ssm/errors.log');
    expect(d.diagnosis.causes[0]!.fix!.summary).not.toMatch(/other failing checks/);
  });

  it('with another failure, that failure is the cause', () => {
    const connected = world(() => {});
    const d = diagnose({ facts: connected, id: IID, results: results({ 'session.connection': 'fail', 'vpc-endpoint.ssm': { status: 'fail', subject: 'vpc-1' } }), metas, configComplete: true, failOn: 'fail' });
    expect(d.diagnosis.causes.map((c) => c.id)).toEqual(['vpc-endpoint.ssm:vpc-1']);
  });
});
