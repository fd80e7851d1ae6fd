import { describe, expect, it } from 'vitest';
import { iamRoleTrust } from '../../checks/iam.role-trust.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts, type PolicyDocument } from '../../src/facts/facts.js';
import { ACCOUNT, IID, PROFILE_ARN, ROLE_NAME, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(iamRoleTrust, { facts, id: IID, region: facts.region });
};
const trust = (doc: PolicyDocument | undefined) => (f: Facts) => {
  const role = val(f.instanceProfiles[PROFILE_ARN])!.roles[0]!;
  if (doc) role.trustPolicy = doc;
  else delete role.trustPolicy;
};
const svc = (service: string | string[], extra: object = {}): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...extra }],
});
const DHMC_ARN = `arn:aws:iam::${ACCOUNT}:role/dhmc-role`;
const dhmc = (role: Facts['roles'][string]) => (f: Facts) => {
  delete val(f.instances[IID])!.instanceProfileArn;
  f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' });
  f.roles['dhmc-role'] = role;
};

describe('iam.role-trust', () => {
  it.each([
    ['the article trust policy (healthy world)', undefined],
    ['a list of services', trust(svc(['lambda.amazonaws.com', 'ec2.amazonaws.com']))],
    ['a single Statement object', trust({ Statement: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:*' } })],
  ])('passes with %s', (_n, edit) => {
    const r = run(edit);
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('trusts ec2.amazonaws.com');
  });

  it('fails when the role only trusts lambda.amazonaws.com, with update-assume-role-policy and Terraform', () => {
    const r = run(trust(svc('lambda.amazonaws.com')));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('cannot be assumed by ec2.amazonaws.com');
    expect(r.detail).toContain('lambda.amazonaws.com');
    const cli = r.fix!.cli[0]!;
    expect(cli).toMatch(/^aws iam update-assume-role-policy --role-name ssm-role --policy-document '/);
    const doc = JSON.parse(cli.slice(cli.indexOf("'") + 1, -1)) as { Statement: { Principal: { Service: string } }[] };
    expect(doc.Statement.map((s) => s.Principal.Service)).toEqual(['lambda.amazonaws.com', 'ec2.amazonaws.com']);
    expect(r.fix!.terraform).toContain('assume_role_policy');
    expect(r.fix!.terraform).toContain('Principal = { Service = "ec2.amazonaws.com" }');
  });

  it('fails on an explicit Deny for ec2, and the proposed document drops that statement', () => {
    const doc: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Sid: 'NoEc2', Effect: 'Deny', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    const r = run(trust(doc));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('statement NoEc2 explicitly denies it');
    expect(r.fix!.cli[0]).not.toContain('NoEc2');
  });

  it('warns when the trust depends on a Condition, naming the keys', () => {
    const r = run(trust(svc('ec2.amazonaws.com', { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('StringEquals aws:SourceAccount');
  });

  it('reads the trust policy from the role when the profile did not include it', () => {
    const r = run((f) => {
      trust(undefined)(f);
      f.roles[ROLE_NAME] = ok({ name: ROLE_NAME, arn: `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`, trustPolicy: svc('lambda.amazonaws.com') });
    });
    expect(r.status).toBe('fail');
  });

  it.each([
    ['not collected', (_f: Facts) => undefined, 'NotCollected'],
    ['GetRole denied', (f: Facts) => (f.roles[ROLE_NAME] = failed(denied('iam:GetRole', 'AccessDenied'))), 'iam:GetRole'],
  ])('errors when the trust policy is unavailable (%s)', (_n, edit, text) => {
    const r = run((f) => (trust(undefined)(f), edit(f)));
    expect(r.status).toBe('error');
    expect(JSON.stringify(r)).toContain(text);
  });

  describe('DHMC role', () => {
    it('passes when it trusts ssm.amazonaws.com', () => {
      const r = run(dhmc(ok({ name: 'dhmc-role', arn: DHMC_ARN, trustPolicy: svc('ssm.amazonaws.com') })));
      expect(r.status).toBe('pass');
      expect(r.detail).toContain('DHMC role dhmc-role trusts ssm.amazonaws.com');
    });
    it('fails when it trusts ec2.amazonaws.com instead', () => {
      const r = run(dhmc(ok({ name: 'dhmc-role', arn: DHMC_ARN, trustPolicy: svc('ec2.amazonaws.com') })));
      expect(r.status).toBe('fail');
      expect(r.fix!.cli[0]).toContain('"Service":"ssm.amazonaws.com"');
      expect(r.fix!.terraform).toContain('Service = "ssm.amazonaws.com"');
    });
    it('fails when the role does not exist', () => {
      const r = run(dhmc(failed({ api: 'iam:GetRole', code: 'NoSuchEntity', message: 'not found', kind: 'other' })));
      expect(r.status).toBe('fail');
      expect(r.fix!.cli[0]).toContain('aws iam create-role --role-name dhmc-role');
      expect(r.fix!.cli[1]).toContain('AmazonSSMManagedEC2InstanceDefaultPolicy');
    });
    it('errors when the role cannot be read', () => {
      const r = run(dhmc(failed(denied('iam:GetRole', 'AccessDenied'))));
      expect(r.status).toBe('error');
      expect(r.detail).toContain('iam:GetRole');
    });
  });

  it('skips when there is no role at all', () => {
    const r = run((f) => delete val(f.instances[IID])!.instanceProfileArn);
    expect(r.status).toBe('skip');
  });
});
