import { describe, expect, it } from 'vitest';
import { agentVersion } from '../../checks/agent.version.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(agentVersion, { facts, id: IID, region: facts.region });
};
const setVersion = (v: string, latest = true) => (f: Facts) => Object.assign(val(f.agents[IID])!, { agentVersion: v, isLatestVersion: latest });
/** DHMC on, no instance profile. */
const dhmc = (f: Facts) => {
  delete val(f.instances[IID])!.instanceProfileArn;
  f.dhmc = ok({ roleName: 'AWSSystemsManagerDefaultEC2InstanceManagementRole', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' });
};
const UPDATE = `aws ssm send-command --document-name AWS-UpdateSSMAgent --targets Key=InstanceIds,Values=${IID} --region us-east-1`;

describe('agent.version', () => {
  it.each([
    ['3.3.1142.0', 'pass'],
    ['3.3.40.0', 'pass'],
    ['3.1.1374.0', 'pass'],
    ['2.3.672.0', 'pass'],
    ['2.3.671.0', 'warn'],
    ['2.3.68.0', 'warn'],
    ['2.3.67.0', 'fail'],
    ['2.2.0.0', 'fail'],
  ])('instance profile, latest release, agent %s -> %s', (v, want) => {
    expect(run(setVersion(v)).status).toBe(want);
  });

  it('fails below the Session Manager minimum with the update command and an aws_ssm_association', () => {
    const r = run(setVersion('2.3.50.0'));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('2.3.68.0');
    expect(r.fix?.cli).toEqual([UPDATE]);
    expect(r.fix?.terraform).toContain('resource "aws_ssm_association"');
    expect(r.fix?.terraform).toContain('AWS-UpdateSSMAgent');
    expect(r.fix?.terraform).toContain(IID);
  });

  it('warns below the port forwarding minimum', () => {
    const r = run(setVersion('2.3.500.0'));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/port forwarding/);
    expect(r.fix?.cli).toEqual([UPDATE]);
  });

  it('notes ec2messages for agents before 3.3.40.0 without changing the status', () => {
    const r = run(setVersion('3.2.1000.0'));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('ec2messages');
  });

  it.each([
    ['3.2.581.0', 'fail'],
    ['3.2.582.0', 'pass'],
    ['3.3.1142.0', 'pass'],
  ])('with DHMC credentials, agent %s -> %s', (v, want) => {
    const r = run((f) => {
      dhmc(f);
      setVersion(v)(f);
    });
    expect(r.status).toBe(want);
    if (want === 'fail') expect(r.detail).toMatch(/Default Host Management Configuration/);
  });

  it('does not apply the DHMC minimum when an instance profile provides the credentials', () => {
    expect(run(setVersion('3.1.1000.0')).status).toBe('pass');
  });

  it('warns when the DHMC setting is unreadable and the agent is below the DHMC minimum', () => {
    const r = run((f) => {
      delete val(f.instances[IID])!.instanceProfileArn;
      f.dhmc = failed(denied('ssm:GetServiceSetting', 'AccessDeniedException'));
      setVersion('3.1.1000.0')(f);
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('ssm:GetServiceSetting');
  });

  it('warns when the agent is not the latest release, with the update command', () => {
    const r = run(setVersion('3.3.1000.0', false));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/not the latest/);
    expect(r.fix?.cli).toEqual([UPDATE]);
  });

  it('says Run Command needs an Online agent when it is not', () => {
    const r = run((f) => {
      setVersion('2.3.50.0')(f);
      val(f.agents[IID])!.pingStatus = 'ConnectionLost';
    });
    expect(r.fix?.summary).toMatch(/Online/);
  });

  it('skips when the instance is not registered', () => {
    const r = run((f) => (f.agents[IID] = ok(null)));
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('agent.ping');
  });

  it('skips when SSM reports no version', () => {
    expect(run((f) => delete val(f.agents[IID])!.agentVersion).status).toBe('skip');
  });

  it('errors when DescribeInstanceInformation failed', () => {
    const r = run((f) => (f.agents[IID] = failed(denied('ssm:DescribeInstanceInformation', 'AccessDeniedException'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:DescribeInstanceInformation');
  });
});
