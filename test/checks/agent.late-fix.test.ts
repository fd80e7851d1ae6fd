import { describe, expect, it } from 'vitest';
import { agentLateFix } from '../../checks/agent.late-fix.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type ChangeEvent } from '../../src/facts/facts.js';
import { LATE_FIX_EVENTS } from '../../src/facts/late-fix.js';
import { missingPermissionsOf } from '../../src/report/model.js';
import { IID, PROFILE_ARN, ROLE_NAME, SG_EC2, VPC, denied, val, world } from '../fixtures/world.js';
import { all, cloudTrail, type Edit } from '../fixtures/session-targets.js';

const run = (edit?: Edit) => {
  const facts = world(edit);
  return runCheck(agentLateFix, { facts, id: IID, region: facts.region });
};

/** Never registered, launched at 09:15; collected at 10:00. */
const neverRegistered: Edit = (f) => {
  val(f.instances[IID])!.launchTime = '2026-11-29T09:15:00.000Z';
  f.agents[IID] = ok(null);
  f.connections[IID] = ok('notconnected');
};
/** Registered, last ping 09:20, ConnectionLost. */
const connectionLost: Edit = (f) => {
  f.agents[IID] = ok({ ...val(f.agents[IID])!, pingStatus: 'ConnectionLost', lastPingDateTime: '2026-11-29T09:20:00.000Z' });
  f.connections[IID] = ok('notconnected');
};
const event = (name: string, time: string, refs: string[], by = 'arn:aws:sts::111122223333:assumed-role/Admin/alice'): ChangeEvent => ({ id: `${name}-${time}`, name, time, by, refs });
const NAMES = Object.keys(LATE_FIX_EVENTS);
/** Every lookup refused (the caller may not cloudtrail:LookupEvents). */
const refused = {
  targets: [IID],
  since: '2026-11-29T09:15:00.000Z',
  lookups: Object.fromEntries(Object.keys(LATE_FIX_EVENTS).map((n) => [n, failed<{ events: ChangeEvent[] }>(denied('cloudtrail:LookupEvents', 'AccessDeniedException'))])),
};
const lookedUp = (events: Record<string, ChangeEvent[]>, since = '2026-11-29T09:15:00.000Z') => cloudTrail([IID], since, events, NAMES);

describe('agent.late-fix', () => {
  it('fails with the time the agent retries its credentials after an instance profile associated after launch', () => {
    const r = run(all(neverRegistered, lookedUp({ AssociateIamInstanceProfile: [event('AssociateIamInstanceProfile', '2026-11-29T09:52:00.000Z', [IID, 'ssm-profile'])] })));
    expect(r.status).toBe('fail');
    // The fix and the cause in absolute times (a snapshot read later says the same); the detail adds the moment of the run.
    expect(r.fix!.summary).toBe(
      `Restart the SSM Agent on ${IID} or reboot it now, or wait for its next retry, about 10:15 UTC: ` +
        'the agent retries its credentials about every 30 minutes.',
    );
    expect(r.summary).toBe(
      `The instance profile was associated at 2026-11-29 09:52 UTC (CloudTrail AssociateIamInstanceProfile), after the agent of ${IID} ` +
        'gave up (launch 09:15 UTC): it picks the change up at its next retry, about 10:15 UTC.',
    );
    expect(r.detail).toContain('the instance profile was associated 8 minutes ago (CloudTrail AssociateIamInstanceProfile, 09:52 UTC');
    expect(r.detail).toContain('Restart the agent or reboot now, or wait until about 10:15 UTC.');
    expect(r.fix!.cli).toEqual([`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`, `aws ssm get-connection-status --target ${IID} --region us-east-1`]);
    expect(r.fix!.onInstance).toEqual(['sudo systemctl restart amazon-ssm-agent || sudo snap restart amazon-ssm-agent']);
    expect(r.detail).toContain('by arn:aws:sts::111122223333:assumed-role/Admin/alice');
    expect(r.data).toMatchObject({ gaveUp: { kind: 'launch' }, retryAt: '2026-11-29T10:15:00.000Z', changes: [{ event: 'AssociateIamInstanceProfile' }] });
  });

  it('dates a network fix after the last ping with the hibernation back-off (5, 10, 20, 40, then 60 minutes)', () => {
    const ssmEndpoint = val(world().endpoints[VPC])[0]!.id;
    const r = run(all(connectionLost, lookedUp({ CreateVpcEndpoint: [event('CreateVpcEndpoint', '2026-11-29T09:37:00.000Z', [ssmEndpoint])] })));
    expect(r.status).toBe('fail');
    // retries at 09:25, 09:35, 09:55 after the 09:20 ping: the first after 09:37 is 09:55, and it is 10:00.
    expect(r.summary).toMatch(/^An interface endpoint was created at 2026-11-29 09:37 UTC .* after the agent of i-\w+ gave up \(last ping 09:20 UTC\): it picks the change up at its next retry, about 09:55 UTC\.$/);
    expect(r.fix!.summary).toMatch(/about 09:55 UTC: the agent retries its connection with a back-off/);
    expect(r.detail).toContain('an interface endpoint was created 23 minutes ago');
    expect(r.detail).toContain('Its retry was due about 09:55 UTC: run ssm-doctor again in a few minutes');
  });

  it('says when the retry is long overdue: the late fix alone may not explain the offline agent (same verdict)', () => {
    const r = run(all(connectionLost, lookedUp({ AttachRolePolicy: [event('AttachRolePolicy', '2026-11-29T09:21:00.000Z', [ROLE_NAME])] }, '2026-11-29T09:20:00.000Z')));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/should have picked the change up by about 09:50 UTC and has not/);
  });

  it('ignores changes to resources the agent does not depend on', () => {
    const r = run(all(neverRegistered, lookedUp({ AuthorizeSecurityGroupEgress: [event('AuthorizeSecurityGroupEgress', '2026-11-29T09:50:00.000Z', ['sg-0unrelated000000'])] })));
    expect(r.status).toBe('pass');
    const mine = run(all(neverRegistered, lookedUp({ AuthorizeSecurityGroupEgress: [event('AuthorizeSecurityGroupEgress', '2026-11-29T09:50:00.000Z', [SG_EC2])] })));
    expect(mine.status).toBe('fail');
  });

  it('passes when no change came after the agent gave up, naming the last one before', () => {
    const r = run(all(connectionLost, lookedUp({ AttachRolePolicy: [event('AttachRolePolicy', '2026-11-29T08:00:00.000Z', [ROLE_NAME])] })));
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/no change .* since it gave up \(last ping 09:20 UTC\)/);
    expect(r.detail).toMatch(/a managed policy was attached to the agent role 2 hours ago/);
  });

  it('dates a DHMC change by the setting itself even when CloudTrail is refused', () => {
    const r = run(
      all(neverRegistered, (f) => {
        delete val(f.instances[IID])!.instanceProfileArn;
        delete f.instanceProfiles[PROFILE_ARN];
        f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role', lastModifiedDate: '2026-11-29T09:50:00.000Z' });
        f.cloudTrail = refused;
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.summary).toContain('The Default Host Management Configuration setting was changed at 2026-11-29 09:50 UTC (ssm:GetServiceSetting)');
    expect(r.detail).toContain('the Default Host Management Configuration setting was changed 10 minutes ago (ssm:GetServiceSetting, 09:50 UTC)');
    expect(r.detail).toContain('The CloudTrail lookups failed (cloudtrail:LookupEvents AccessDeniedException)');
  });

  it('errors when a lookup failed and nothing else dates a fix, saying what it would have shown', () => {
    const r = run(all(neverRegistered, (f) => (f.cloudTrail = refused)));
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/would date an instance profile association/);
    expect(missingPermissionsOf([r])).toEqual(['cloudtrail:LookupEvents']);
  });

  it('errors when the registration could not be read, and when a lookup it needs is missing from the facts', () => {
    const r = run(all(lookedUp({}), (f) => (f.agents[IID] = failed(denied('ssm:DescribeInstanceInformation', 'AccessDeniedException')))));
    expect(r.status).toBe('error');
    const partial = run(all(neverRegistered, cloudTrail([IID], '2026-11-29T09:15:00.000Z', {}, ['AttachRolePolicy'])));
    expect(partial.status).toBe('error');
    expect(partial.detail).toMatch(/NotCollected/);
  });

  it('passes when the agent is Online: nothing waits for a retry', () => {
    expect(run(lookedUp({})).status).toBe('pass');
  });

  it.each<[string, Edit, RegExp]>([
    ['CloudTrail was not read for it', neverRegistered, /read only for offline agents whose configuration checks all pass/],
    ['another target was looked up', all(neverRegistered, cloudTrail(['i-0fedcba9876543210'], '2026-11-29T09:15:00.000Z', {})), /not read for this instance/],
    ['the instance is stopped', all(neverRegistered, lookedUp({}), (f) => (val(f.instances[IID])!.state = 'stopped')), /stopped/],
  ])('skips when %s', (_n, edit, why) => {
    const r = run(edit);
    expect(r.status).toBe('skip');
    expect(r.detail).toMatch(why);
  });
});
