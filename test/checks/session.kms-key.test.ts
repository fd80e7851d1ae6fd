import { describe, expect, it } from 'vitest';
import { sessionKmsKey } from '../../checks/session.kms-key.js';
import { runCheck } from '../../src/check/run.js';
import { missingPermissionsOf } from '../../src/report/model.js';
import { failed, ok, type Facts, type PolicyDocument } from '../../src/facts/facts.js';
import { ACCOUNT, CALLER_ROLE_ARN, EP_SUBNET, IID, ROLE_ARN, ROLE_NAME, SG_EC2, SG_VPCE, VPC, denied, val, world } from '../fixtures/world.js';
import { KEY_ARN, KEY_ID, ROOT_KEY_POLICY, all, callerSim, endpoint, httpsEgressAnywhere, key, natRoute, prefs, sim, type Edit } from '../fixtures/session-targets.js';

const run = (edit?: Edit) => {
  const facts = world(edit);
  return runCheck(sessionKmsKey, { facts, id: IID, region: facts.region });
};

const KMS = prefs({ kmsKeyId: KEY_ID });
const decrypt = (d: 'allowed' | 'implicitDeny' | 'explicitDeny' = 'allowed') => sim(['kms:Decrypt'], KEY_ARN, d);
/** The healthy KMS world: key enabled, default key policy, role may decrypt, caller may generate, kms endpoint. */
const healthy = all(KMS, key(), decrypt(), callerSim(['kms:GenerateDataKey'], KEY_ARN), endpoint('kms'));
const policy = (...statements: PolicyDocument['Statement'][]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements.flat() });
const allowRole = { Sid: 'Agent', Effect: 'Allow' as const, Principal: { AWS: ROLE_ARN }, Action: 'kms:Decrypt', Resource: '*' };
const allowCaller = { Sid: 'Users', Effect: 'Allow' as const, Principal: { AWS: CALLER_ROLE_ARN }, Action: 'kms:GenerateDataKey', Resource: '*' };

describe('session.kms-key', () => {
  it('passes without a session key (nothing to check), errors when the preferences could not be read', () => {
    expect(run().status).toBe('pass');
    expect(run(prefs({ s3BucketName: 'b' })).detail).toMatch(/No KMS key/);
    const r = run((f) => (f.preferences = failed(denied('ssm:GetDocument', 'AccessDeniedException'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:GetDocument');
  });

  it('passes an enabled symmetric key whose policy delegates to IAM, with IAM allowing, over a kms endpoint', () => {
    const r = run(healthy);
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('Enabled');
    expect(r.detail).toContain('delegates');
    expect(r.data).toMatchObject({ keyArn: KEY_ARN, state: 'Enabled', methods: ['simulation', 'key-policy'] });
  });

  it('fails a key that does not exist, with a new key and the preferences pointed at it', () => {
    const r = run(all(healthy, (f) => (f.kmsKeys![KEY_ID] = ok(null))));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/no such key exists in us-east-1/);
    expect(r.subject).toBe(KEY_ID);
    expect(r.fix!.cli[0]).toMatch(/^KEY_ARN=\$\(aws kms create-key .*--query KeyMetadata\.Arn --output text --region us-east-1\)$/);
    expect(r.fix!.cli[1]).toMatch(/^DOC_VERSION=\$\(aws ssm update-document --name SSM-SessionManagerRunShell --content '.*' --query DocumentDescription\.DocumentVersion --output text --region us-east-1\)$/);
    expect(r.fix!.cli[1]).toContain(`"kmsKeyId":"'"$KEY_ARN"'"`);
    expect(r.fix!.cli[2]).toBe('aws ssm update-document-default-version --name SSM-SessionManagerRunShell --document-version "$DOC_VERSION" --region us-east-1');
    expect(r.fix!.terraform).toContain('"kmsKeyId": aws_kms_key.session.arn');
  });

  it('fails a key ARN of another region without reading it', () => {
    const other = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY_ID}`;
    const r = run(all(prefs({ kmsKeyId: other })));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('eu-west-1');
  });

  it.each([
    ['Disabled', /aws kms enable-key --key-id 1234abcd/],
    ['PendingDeletion', /aws kms cancel-key-deletion --key-id 1234abcd/],
  ])('fails a %s key with the command that makes it usable', (state, cli) => {
    const r = run(all(healthy, key({ state })));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain(`state is ${state}`);
    expect(r.fix!.cli.join('\n')).toMatch(cli);
  });

  it('fails an asymmetric key: only a new symmetric key fixes it', () => {
    const r = run(all(healthy, key({ spec: 'RSA_2048', usage: 'SIGN_VERIFY' })));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/not a symmetric encryption key/);
    expect(r.fix!.cli[0]).toContain('--key-spec SYMMETRIC_DEFAULT');
  });

  it('passes a key policy that names the role, even when IAM grants nothing', () => {
    const r = run(all(healthy, key({ policy: ok(policy(ROOT_KEY_POLICY.Statement as never, allowRole)) }), decrypt('implicitDeny')));
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/key policy lets role ssm-role kms:Decrypt \(statement Agent\)/);
  });

  it('fails the IAM side when the key policy delegates and the role may not decrypt, naming the resolved key ARN for an alias', () => {
    const r = run(all(prefs({ kmsKeyId: 'alias/ssm-sessions' }), key({}, 'alias/ssm-sessions'), decrypt('implicitDeny'), callerSim(['kms:GenerateDataKey'], KEY_ARN), endpoint('kms')));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('delegates');
    expect(r.subject).toBe(ROLE_NAME);
    const cli = r.fix!.cli.join('\n');
    expect(cli).toContain(`aws iam put-role-policy --role-name ${ROLE_NAME} --policy-name ssm-session-kms`);
    expect(cli).toContain(KEY_ARN);
    expect(r.fix!.terraform).toContain('resource "aws_iam_role_policy"');
  });

  it('fails a key policy that neither names the role nor delegates, with the whole policy plus the missing statements', () => {
    const only = policy({ Sid: 'Admins', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin` }, Action: 'kms:*', Resource: '*' });
    const r = run(all(healthy, key({ policy: ok(only) })));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/neither allows role ssm-role kms:Decrypt nor delegates/);
    expect(r.detail).toMatch(/neither allows you .* kms:GenerateDataKey/);
    expect(r.subject).toBe(KEY_ARN);
    const cli = r.fix!.cli.find((c) => c.startsWith('aws kms put-key-policy'))!;
    expect(cli).toContain(`--key-id ${KEY_ID} --policy-name default`);
    const sent = JSON.parse(/--policy '(.*)' --region/.exec(cli)![1]!) as { Statement: { Sid: string; Principal: { AWS: string } }[] };
    expect(sent.Statement.map((s) => s.Sid)).toEqual(['Admins', 'AllowSessionManagerAgentDecrypt', 'AllowSessionManagerDataKeys']);
    expect(sent.Statement[1]!.Principal.AWS).toBe(ROLE_ARN);
    expect(sent.Statement[2]!.Principal.AWS).toBe(CALLER_ROLE_ARN);
    expect(r.fix!.cli.join('\n')).not.toContain('put-role-policy');
    expect(r.fix!.terraform).toContain('resource "aws_kms_key_policy" "session"');
  });

  it('fails a key policy that names the role when IAM explicitly denies it: no Allow overrides a Deny', () => {
    const r = run(all(KMS, key({ policy: ok(policy(ROOT_KEY_POLICY.Statement as never, allowRole)) }), decrypt('explicitDeny'), callerSim(['kms:GenerateDataKey'], KEY_ARN), endpoint('kms')));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('role ssm-role is explicitly denied kms:Decrypt');
    expect(r.detail).toContain('Its key policy allows the role itself (statement Agent), but no Allow overrides an explicit Deny');
  });

  it('passes the caller by the key policy alone when it names the caller', () => {
    const r = run(all(healthy, key({ policy: ok(policy(allowRole, allowCaller)) })));
    expect(r.status).toBe('pass');
  });

  it('fails an explicit Deny in the key policy, telling to remove it', () => {
    const deny = { Sid: 'NoAgent', Effect: 'Deny' as const, Principal: { AWS: ROLE_ARN }, Action: 'kms:Decrypt', Resource: '*' };
    const r = run(all(healthy, key({ policy: ok(policy(ROOT_KEY_POLICY.Statement as never, deny)) })));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('statement NoAgent');
    expect(r.fix!.summary).toMatch(/Remove or narrow the Deny/);
  });

  it('warns when the key policy decides only under a condition', () => {
    const cond = { ...allowRole, Condition: { StringEquals: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' } } };
    const r = run(all(healthy, key({ policy: ok(policy(cond, allowCaller)) })));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/condition/);
  });

  it('warns about a key of another account, whose key policy only its owner can read', () => {
    const foreign = `arn:aws:kms:us-east-1:999988887777:key/${KEY_ID}`;
    const r = run(all(prefs({ kmsKeyId: foreign }), key({ arn: foreign, policy: undefined }, foreign), sim(['kms:Decrypt'], foreign), endpoint('kms')));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('999988887777');
  });

  it.each([
    ['kms:DescribeKey', (f: Facts) => ((f.kmsKeys ??= {})[KEY_ID] = failed(denied('kms:DescribeKey', 'AccessDeniedException')))],
    ['kms:GetKeyPolicy', key({ policy: failed(denied('kms:GetKeyPolicy', 'AccessDeniedException')) })],
  ])('errors when %s was refused, and the report lists it as a missing permission', (api, edit) => {
    const r = run(all(healthy, edit));
    expect(r.status).toBe('error');
    expect(r.detail).toContain(api);
    expect(missingPermissionsOf([r])).toEqual([api]);
  });

  it('errors (not collected) on a snapshot without the key facts', () => {
    const r = run(all(KMS, decrypt(), endpoint('kms')));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('kms:DescribeKey');
  });

  it('fails when the agent uses interface endpoints but there is no kms endpoint, creating one like the ssm endpoint', () => {
    const r = run(all(KMS, key(), decrypt(), callerSim(['kms:GenerateDataKey'], KEY_ARN)));
    expect(r.status).toBe('fail');
    expect(r.fix?.cli).toEqual([
      `aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.kms ` +
        `--subnet-ids ${EP_SUBNET} --security-group-ids ${SG_VPCE} --private-dns-enabled --region us-east-1`,
    ]);
    expect(r.fix?.terraform).toContain('resource "aws_vpc_endpoint" "kms_0a1b2c3d4e5f60718"');
  });

  it.each([
    ['pending', { state: 'pendingAcceptance' }, /not available/],
    ['without private DNS', { privateDnsEnabled: false }, /private DNS disabled/],
  ])('fails a kms endpoint %s', (_n, over, detail) => {
    const r = run(all(KMS, key(), decrypt(), callerSim(['kms:GenerateDataKey'], KEY_ARN), endpoint('kms', over)));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(detail);
  });

  it('needs no kms endpoint when the agent goes out through a NAT gateway', () => {
    const r = run(all(KMS, key(), decrypt(), callerSim(['kms:GenerateDataKey'], KEY_ARN), natRoute, (f) => (f.endpoints[VPC] = ok([]))));
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/same way/);
  });

  it('judges the whole way to KMS: the kms endpoint security group must admit the instance, and a NAT way needs HTTPS out', () => {
    const r = run(all(healthy, (f) => (val(f.securityGroups[SG_VPCE]).ingress = [])));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/HTTPS to KMS: vpce-0kms000000000 \(kms, security group sg-0e0e0e0e0e0e0e0e1\) does not admit TCP 443 from .*Without KMS, every session fails as it starts/);
    expect(r.subject).toBe(SG_VPCE);
    expect(r.fix?.cli).toEqual([`aws ec2 authorize-security-group-ingress --group-id ${SG_VPCE} --protocol tcp --port 443 --source-group ${SG_EC2} --region us-east-1`]);

    // ssm through interface endpoints, KMS over the NAT gateway: the instance's group allows HTTPS only to the VPC.
    const nat = run(all(KMS, key(), decrypt(), callerSim(['kms:GenerateDataKey'], KEY_ARN), natRoute));
    expect(nat.status).toBe('fail');
    expect(nat.detail).toContain(`Security group ${SG_EC2} does not allow TCP 443 out to the internet, and kms goes over NAT gateway nat-0abc`);
    expect(run(all(KMS, key(), decrypt(), callerSim(['kms:GenerateDataKey'], KEY_ARN), natRoute, httpsEgressAnywhere)).status).toBe('pass');
  });

  it('tells to remove an explicit IAM Deny rather than add an Allow', () => {
    const r = run(all(healthy, (f) => (val(f.simulations[ROLE_ARN]).at(-1)!.decision = 'allowed'), decrypt('explicitDeny'), (f) => {
      const s = val(f.simulations[ROLE_ARN]);
      f.simulations[ROLE_ARN] = ok(s.filter((d) => !(d.action === 'kms:Decrypt' && d.decision === 'allowed')));
    }));
    expect(r.status).toBe('fail');
    expect(r.fix?.summary).toMatch(/Deny/);
    expect(r.fix?.cli.join('\n')).not.toContain('put-role-policy');
  });

  it('evaluates the role policies locally when there is no simulation, and errors when neither works', () => {
    const local = (f: Facts) => {
      f.simulations = {};
      f.roles[ROLE_NAME] = ok({ name: ROLE_NAME, arn: ROLE_ARN, policies: ok([{ name: 'kms', kind: 'inline', document: { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: KEY_ARN }] } }]) });
    };
    const r = run(all(healthy, local));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('evaluated locally');
    const e = run(all(healthy, (f) => (f.simulations[ROLE_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied')))));
    expect(e.status).toBe('error');
    expect(e.detail).toContain('iam:SimulatePrincipalPolicy');
  });

  it('warns when the agent has no role to check', () => {
    const r = run(all(healthy, (f) => delete val(f.instances[IID])!.instanceProfileArn));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/no role/);
  });

  it('skips hybrid nodes and missing instances', () => {
    expect(run(all(healthy, (f) => (f.instances[IID] = ok(null)))).status).toBe('skip');
  });
});
