import { describe, expect, it } from 'vitest';
import { hybridTier } from '../../checks/hybrid.tier.js';
import { runCheck } from '../../src/check/run.js';
import { failed, type Facts } from '../../src/facts/facts.js';
import { hybridNode } from '../fixtures/evidence.js';
import { expectRunnableCli, expectValidHcl } from '../fixtures/fix-syntax.js';
import { denied, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(hybridTier, { facts, id: facts.targets[0]!, region: facts.region });
};

describe('hybrid.tier', () => {
  it('skips EC2 instances', () => {
    expect(run().status).toBe('skip');
  });

  it('passes in the advanced tier, Online or not', () => {
    expect(run((f) => hybridNode(f, { pingStatus: 'Online' })).status).toBe('pass');
    expect(run((f) => hybridNode(f)).status).toBe('pass');
  });

  it('fails in the standard tier even for an Online node (sessions are refused), with the setting ARN', () => {
    const r = run((f) => hybridNode(f, { pingStatus: 'Online', tier: 'standard' }));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/Enable advanced-instances tier/);
    expect(r.fix!.cli).toEqual([
      'aws ssm update-service-setting --setting-id arn:aws:ssm:us-east-1:111122223333:servicesetting/ssm/managed-instance/activation-tier --setting-value advanced --region us-east-1',
    ]);
    expectRunnableCli(r.fix);
    expectValidHcl(r.fix!.terraform);
  });

  it('errors when the setting could not be read (a standard tier cannot be ruled out); skips in older snapshots', () => {
    const r = run((f) => {
      hybridNode(f, { pingStatus: 'Online' });
      f.activationTier = failed(denied('ssm:GetServiceSetting', 'AccessDeniedException'));
    });
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/Grant ssm:GetServiceSetting/);
    expect(run((f) => (hybridNode(f), delete f.activationTier)).status).toBe('skip');
  });
});
