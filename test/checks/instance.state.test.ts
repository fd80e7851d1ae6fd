import { describe, expect, it } from 'vitest';
import { instanceState } from '../../checks/instance.state.js';
import { runCheck } from '../../src/check/run.js';
import { ok, failed } from '../../src/facts/facts.js';
import { IID, denied, val, world } from '../fixtures/world.js';

const run = (edit?: Parameters<typeof world>[0]) => {
  const facts = world(edit);
  return runCheck(instanceState, { facts, id: IID, region: facts.region });
};

describe('instance.state', () => {
  it('passes for a running instance', () => {
    expect(run().status).toBe('pass');
  });

  it('fails for an unknown instance, naming region and account and hinting --region/--profile', () => {
    const r = run((f) => (f.instances[IID] = ok(null)));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('us-east-1');
    expect(r.detail).toContain('111122223333');
    expect(r.detail).toContain('--region');
    expect(r.detail).toContain('--profile');
    // Pasteable as is: no <placeholder>, every region of the account searched.
    expect(r.fix!.cli.join('\n')).not.toMatch(/<[a-z-]+>/);
  });

  it.each(['stopped', 'stopping'])('fails for a %s instance with start-instances as the fix', (state) => {
    const r = run((f) => (val(f.instances[IID])!.state = state));
    expect(r.status).toBe('fail');
    expect(r.fix?.cli.at(-1)).toBe(`aws ec2 start-instances --instance-ids ${IID} --region us-east-1`);
    // A stopping instance cannot be started until it has stopped: the fix waits for that first.
    if (state === 'stopping') expect(r.fix?.cli[0]).toBe(`aws ec2 wait instance-stopped --instance-ids ${IID} --region us-east-1`);
    else expect(r.fix?.cli).toHaveLength(1);
    expect(r.fix?.terraform).toContain('aws_ec2_instance_state');
    expect(r.subject).toBe('stopped');
  });

  it('fails while pending (not reachable yet), explaining only what the boot changes, with the wait as its fix', () => {
    const r = run((f) => (val(f.instances[IID])!.state = 'pending'));
    expect(r.status).toBe('fail');
    expect(r.explains).not.toContain('*');
    expect(r.explains).toContain('agent.ping');
    expect(r.explains).not.toContain('iam.instance-profile');
    expect(r.fix!.cli).toEqual([`aws ec2 wait instance-running --instance-ids ${IID} --region us-east-1`]);
  });

  it('errors, naming the API, when DescribeInstances was denied', () => {
    const r = run((f) => (f.instances[IID] = failed(denied('ec2:DescribeInstances'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ec2:DescribeInstances');
  });
});
