import { describe, expect, it } from 'vitest';
import { clientPermissions } from '../../checks/client.permissions.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Decision, type Facts, type NamedPolicy, type PolicyStatement } from '../../src/facts/facts.js';
import { ACCOUNT, IID, denied, val, world } from '../fixtures/world.js';

const INSTANCE_ARN = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${IID}`;
const DOC_ARN = `arn:aws:ssm:us-east-1:${ACCOUNT}:document/SSM-SessionManagerRunShell`;
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ADMIN_ARN = `arn:aws:iam::${ACCOUNT}:role/team/Admin`; // a role path the STS ARN does not show

type Answers = Partial<Record<'instance' | 'document' | 'kms', Decision>>;

/** The caller (assumed role Admin) resolved via iam:GetRole, with simulation answers. */
const sim =
  (a: Answers = {}, principal = ADMIN_ARN) =>
  (f: Facts) => {
    f.roles['Admin'] = ok({ name: 'Admin', arn: ADMIN_ARN });
    f.simulations[principal] = ok([
      { action: 'ssm:StartSession', resource: INSTANCE_ARN, decision: a.instance ?? 'allowed' },
      { action: 'ssm:StartSession', resource: DOC_ARN, decision: a.document ?? 'allowed' },
      { action: 'kms:GenerateDataKey', resource: KEY_ARN, decision: a.kms ?? 'allowed' },
    ]);
  };
const kms = (f: Facts) => (f.preferences = ok({ kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }));
const all =
  (...edits: ((f: Facts) => void)[]) =>
  (f: Facts) =>
    edits.forEach((e) => e(f));
const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(clientPermissions, { facts, id: IID, region: facts.region });
};
const docs = (...policies: NamedPolicy[]) => (f: Facts) => {
  f.simulations[ADMIN_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied'));
  f.roles['Admin'] = ok({ name: 'Admin', arn: ADMIN_ARN, policies: ok(policies) });
};

describe('client.permissions', () => {
  it('passes when the simulation allows StartSession on instance and document, reporting the account', () => {
    const r = run(sim());
    expect(r.status).toBe('pass');
    expect(r.detail).toContain(`You are arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice;`);
    // The sentence names the resources; their ARNs are in data.
    expect(r.detail).toContain(`ssm:StartSession on instance ${IID}`);
    expect(r.detail).toContain('ssm:StartSession on document SSM-SessionManagerRunShell');
    expect(JSON.stringify(r.data)).toContain(INSTANCE_ARN);
    expect(JSON.stringify(r.data)).toContain(DOC_ARN);
    expect(r.detail).not.toContain('kms:');
    expect(r.data).toMatchObject({ principal: ADMIN_ARN, method: 'simulation' });
  });

  it('passes via policy documents when simulation is denied', () => {
    const r = run(docs({ name: 'ssm', kind: 'inline', document: { Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ssm:*:*:document/SSM-SessionManagerRunShell'] }] } }));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('policy documents of role Admin');
  });

  it('fails when StartSession on the document is missing, with put-role-policy and aws_iam_role_policy', () => {
    const r = run(sim({ document: 'implicitDeny' }));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain(`ssm:StartSession on ${DOC_ARN} (implicitly denied)`);
    const cli = r.fix!.cli[0]!;
    expect(cli).toMatch(/^aws iam put-role-policy --role-name Admin --policy-name ssm-start-session --policy-document '/);
    expect(JSON.parse(cli.slice(cli.indexOf("'") + 1, -1))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: DOC_ARN }],
    });
    expect(r.fix!.terraform).toContain('resource "aws_iam_role_policy" "ssm_start_session"');
    expect(r.fix!.terraform).toContain(`Resource = "${DOC_ARN}"`);
  });

  it('asks for kms:GenerateDataKey when the preferences set kmsKeyId', () => {
    expect(run(all(sim(), kms)).detail).toContain(`kms:GenerateDataKey on key ${KEY_ARN.split('/').pop()}`);
    const r = run(all(sim({ kms: 'explicitDeny' }), kms));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('kms:GenerateDataKey');
    expect(r.detail).toContain('explicitly denied');
    expect(r.fix!.summary).toContain('remove or narrow the Deny');
  });

  it('leaves kms:GenerateDataKey to the key policy when it decides alone (session.kms-key judges it), asks IAM when it delegates', () => {
    const keyWith = (Statement: PolicyStatement[]) => (f: Facts) =>
      (f.kmsKeys = { '1234abcd-12ab-34cd-56ef-1234567890ab': ok({ keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', arn: KEY_ARN, state: 'Enabled', policy: ok({ Statement }) }) });
    const direct = keyWith([{ Effect: 'Allow', Principal: { AWS: ADMIN_ARN }, Action: 'kms:GenerateDataKey', Resource: '*' }]);
    const nobody = keyWith([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin` }, Action: 'kms:*', Resource: '*' }]);
    const delegates = keyWith([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }]);
    for (const policy of [direct, nobody]) {
      const r = run(all(sim({ kms: 'implicitDeny' }), kms, policy));
      expect(r.status).toBe('pass');
      expect(r.detail).not.toContain('kms:');
    }
    expect(run(all(sim({ kms: 'implicitDeny' }), kms, delegates)).status).toBe('fail');
    // A key policy naming you grants it without IAM, but an explicit IAM Deny (policy, boundary, SCP) still wins.
    const denied = run(all(sim({ kms: 'explicitDeny' }), kms, direct));
    expect(denied.status).toBe('fail');
    expect(denied.detail).toContain(`kms:GenerateDataKey on ${KEY_ARN} (explicitly denied`);
  });

  it('errors when the preferences cannot be read (KMS unknown) although StartSession is allowed', () => {
    const r = run(all(sim(), (f) => (f.preferences = failed(denied('ssm:GetDocument', 'AccessDeniedException')))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:GetDocument');
  });

  it('still fails on a missing StartSession when the preferences cannot be read', () => {
    const r = run(all(sim({ instance: 'implicitDeny' }), (f) => (f.preferences = failed(denied('ssm:GetDocument', 'AccessDeniedException')))));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('kms:GenerateDataKey was not checked');
  });

  it('says so when the instance belongs to another account', () => {
    const other = '444455556666';
    const r = run((f) => {
      val(f.instances[IID])!.ownerId = other;
      f.roles['Admin'] = ok({ name: 'Admin', arn: ADMIN_ARN });
      f.simulations[ADMIN_ARN] = ok([
        { action: 'ssm:StartSession', resource: `arn:aws:ec2:us-east-1:${other}:instance/${IID}`, decision: 'allowed' },
        { action: 'ssm:StartSession', resource: `arn:aws:ssm:us-east-1:${other}:document/SSM-SessionManagerRunShell`, decision: 'allowed' },
      ]);
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain(`account ${ACCOUNT}`);
    expect(r.detail).toContain(`belongs to account ${other}`);
  });

  it('judges an IAM user by its own ARN, fixing with put-user-policy', () => {
    const user = `arn:aws:iam::${ACCOUNT}:user/bob`;
    const r = run((f) => {
      f.caller = ok({ account: ACCOUNT, arn: user, userId: 'AIDAEXAMPLE' });
      sim({ instance: 'implicitDeny' }, user)(f);
    });
    expect(r.status).toBe('fail');
    expect(r.fix!.cli[0]).toContain('aws iam put-user-policy --user-name bob');
    expect(r.fix!.terraform).toContain('aws_iam_user_policy');
  });

  it.each([
    ['the root user', `arn:aws:iam::${ACCOUNT}:root`, 'root user'],
    ['a federated user', `arn:aws:sts::${ACCOUNT}:federated-user/carol`, 'federated user'],
  ])('skips %s', (_n, arn, text) => {
    const r = run((f) => (f.caller = ok({ account: ACCOUNT, arn, userId: 'x' })));
    expect(r.status).toBe('skip');
    expect(r.detail).toContain(text);
  });

  it('errors naming the APIs when simulation is denied and the role policies are unreadable', () => {
    const r = run((f) => {
      f.simulations[ADMIN_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied'));
      f.roles['Admin'] = ok({ name: 'Admin', arn: ADMIN_ARN, policies: failed(denied('iam:GetRolePolicy', 'AccessDenied')) });
    });
    expect(r.status).toBe('error');
    expect(r.detail).toContain('iam:SimulatePrincipalPolicy');
    expect(r.detail).toContain('iam:GetRolePolicy');
  });

  it('errors when the caller identity is unknown', () => {
    const r = run((f) => (f.caller = failed(denied('sts:GetCallerIdentity', 'AccessDenied'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('sts:GetCallerIdentity');
  });
});

describe('client.permissions across a fleet', () => {
  const OTHER = 'i-0fedcba9876543210';
  const fleet = (n: number) => (f: Facts) => {
    const base = val(f.instances[IID])!;
    const extra = n === 2 ? [OTHER] : Array.from({ length: n - 1 }, (_, k) => `i-0${String(k).padStart(16, '0')}`);
    for (const id of extra) f.instances[id] = ok({ ...base, id });
    f.targets = [IID, ...extra];
  };
  const runOn = (id: string, edit: (f: Facts) => void) => {
    const facts = world(edit);
    return runCheck(clientPermissions, { facts, id, region: facts.region });
  };

  it('gives every instance the same one policy naming all of them, so the fleet gets one put-role-policy (not one replacing the other)', () => {
    const edit = all(fleet(2), sim({ instance: 'implicitDeny' }), (f) => {
      val(f.simulations[ADMIN_ARN]).push({ action: 'ssm:StartSession', resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${OTHER}`, decision: 'implicitDeny' });
    });
    const a = run(edit);
    const b = runOn(OTHER, edit);
    expect(a.status).toBe('fail');
    expect(a.fix!.cli).toEqual(b.fix!.cli);
    expect(a.fix!.cli[0]).toContain(`instance/${IID}`);
    expect(a.fix!.cli[0]).toContain(`instance/${OTHER}`);
  });

  it('names every instance of the account with a wildcard past 20 (inline policies are limited in size)', () => {
    const r = run(all(fleet(25), sim({ instance: 'implicitDeny' })));
    expect(r.fix!.cli[0]).toContain(`arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`);
    expect(r.fix!.cli[0]).not.toContain(IID);
  });
});
