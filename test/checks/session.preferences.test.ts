import { describe, expect, it } from 'vitest';
import { sessionPreferences } from '../../checks/session.preferences.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Decision, type Facts, type PolicyDocument, type SessionPreferences, type VpcEndpoint } from '../../src/facts/facts.js';
import { CLOUDWATCH_LOG_ACTIONS } from '../../src/facts/requirements.js';
import { ACCOUNT, EP_SUBNET, IID, ROLE_ARN, ROLE_NAME, SG_VPCE, VPC, denied, val, world } from '../fixtures/world.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
const BUCKET = 'session-logs';
const S3_OBJ = `arn:aws:s3:::${BUCKET}/ssm/*`;
const S3_BUCKET = `arn:aws:s3:::${BUCKET}`;
const GROUP = '/ssm/sessions';
const GROUP_ARN = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${GROUP}:*`;

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(sessionPreferences, { facts, id: IID, region: facts.region });
};
const prefs = (p: SessionPreferences) => (f: Facts) => (f.preferences = ok(p));
const sim = (actions: readonly string[], resource: string, decision: Decision = 'allowed') => (f: Facts) =>
  val(f.simulations[ROLE_ARN]).push(...actions.map((action) => ({ action, resource, decision })));
const endpoint = (service: string, over: Partial<VpcEndpoint> = {}) => (f: Facts) =>
  val(f.endpoints[VPC]).push({
    id: `vpce-0${service}000000000`,
    vpcId: VPC,
    serviceName: `com.amazonaws.us-east-1.${service}`,
    type: 'Interface',
    state: 'available',
    privateDnsEnabled: true,
    subnetIds: [EP_SUBNET],
    securityGroupIds: [SG_VPCE],
    networkInterfaceIds: [],
    routeTableIds: [],
    ...over,
  });
const natRoute = (f: Facts) => {
  val(f.routeTables[VPC])[0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' }, state: 'active' });
  f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: EP_SUBNET, state: 'available', connectivityType: 'public' }]);
};
const all = (...edits: ((f: Facts) => void)[]) => (f: Facts) => edits.forEach((e) => e(f));
/** No simulation: the role's policy documents are these inline policies, evaluated locally. */
const inlinePolicies = (...docs: { name: string; document: PolicyDocument }[]) => (f: Facts) => {
  f.simulations = {};
  f.roles[ROLE_NAME] = ok({ name: ROLE_NAME, arn: ROLE_ARN, policies: ok(docs.map((d) => ({ name: d.name, kind: 'inline' as const, document: d.document }))) });
};

const KMS = prefs({ kmsKeyId: KEY_ID });
const S3 = prefs({ s3BucketName: BUCKET, s3KeyPrefix: 'ssm/', s3EncryptionEnabled: true });
const CW = prefs({ cloudWatchLogGroupName: GROUP, cloudWatchStreamingEnabled: true });
const kmsAllowed = sim(['kms:Decrypt'], KEY_ARN);
const s3Allowed = all(sim(['s3:PutObject'], S3_OBJ), sim(['s3:GetEncryptionConfiguration'], S3_BUCKET));
const cwAllowed = sim(CLOUDWATCH_LOG_ACTIONS, GROUP_ARN);
const s3Gateway = endpoint('s3', { type: 'Gateway', privateDnsEnabled: false, subnetIds: [], securityGroupIds: [], routeTableIds: ['rtb-0main'] });

describe('session.preferences', () => {
  it('passes with default preferences (no document)', () => {
    const r = run();
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/[Dd]efault preferences/);
  });

  it('passes preferences without KMS or logging, reporting Run As', () => {
    const r = run(prefs({ runAsEnabled: true, runAsDefaultUser: 'ec2-user', idleSessionTimeout: '20' }));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('Run As is enabled (default user ec2-user)');
    expect(r.data?.runAsEnabled).toBe(true);
  });

  it.each<[string, (f: Facts) => void, string]>([
    ['KMS allowed + kms endpoint', all(KMS, kmsAllowed, endpoint('kms')), 'pass'],
    ['KMS allowed, no kms endpoint, no other way out', all(KMS, kmsAllowed), 'fail'],
    ['KMS allowed, no kms endpoint, but a NAT route', all(KMS, kmsAllowed, natRoute), 'pass'],
    ['KMS implicitly denied', all(KMS, sim(['kms:Decrypt'], KEY_ARN, 'implicitDeny'), endpoint('kms')), 'fail'],
    ['KMS explicitly denied', all(KMS, sim(['kms:Decrypt'], KEY_ARN, 'explicitDeny'), endpoint('kms')), 'fail'],
    ['kms endpoint pending', all(KMS, kmsAllowed, endpoint('kms', { state: 'pending' })), 'fail'],
    ['kms endpoint without private DNS', all(KMS, kmsAllowed, endpoint('kms', { privateDnsEnabled: false })), 'fail'],
    ['S3 allowed + gateway endpoint on the route table', all(S3, s3Allowed, s3Gateway), 'pass'],
    ['S3 allowed + interface s3 endpoint', all(S3, s3Allowed, endpoint('s3')), 'pass'],
    ['S3 allowed, no s3 endpoint', all(S3, s3Allowed), 'fail'],
    ['S3 PutObject denied', all(S3, sim(['s3:PutObject'], S3_OBJ, 'implicitDeny'), sim(['s3:GetEncryptionConfiguration'], S3_BUCKET), s3Gateway), 'fail'],
    ['CloudWatch allowed + logs endpoint', all(CW, cwAllowed, endpoint('logs')), 'pass'],
    ['CloudWatch allowed, no logs endpoint', all(CW, cwAllowed), 'fail'],
  ])('%s -> %s', (_name, edit, want) => {
    expect(run(edit).status).toBe(want);
  });

  it('fails a missing kms:Decrypt with a put-role-policy on the agent role and Terraform', () => {
    const r = run(all(KMS, sim(['kms:Decrypt'], KEY_ARN, 'implicitDeny'), endpoint('kms')));
    expect(r.detail).toContain('kms:Decrypt');
    expect(r.detail).toContain('key policy');
    expect(r.detail).toContain('iam:SimulatePrincipalPolicy');
    const cli = r.fix!.cli.join('\n');
    expect(cli).toContain(`aws iam put-role-policy --role-name ${ROLE_NAME}`);
    expect(cli).toContain(KEY_ARN);
    expect(r.fix?.terraform).toContain('aws_iam_role_policy');
    expect(r.fix?.terraform).toContain(`role   = "${ROLE_NAME}"`);
  });

  it('grants an alias through kms:ResourceAliases (kms:Decrypt is never matched against the alias ARN)', () => {
    const aliasArn = `arn:aws:kms:us-east-1:${ACCOUNT}:alias/ssm-sessions`;
    const r = run(all(prefs({ kmsKeyId: 'alias/ssm-sessions' }), sim(['kms:Decrypt'], aliasArn, 'implicitDeny'), endpoint('kms')));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/alias/);
    const cli = r.fix!.cli[0]!;
    expect(cli).toContain('kms:ResourceAliases');
    expect(cli).toContain('alias/ssm-sessions');
    expect(cli).toContain(`arn:aws:kms:us-east-1:${ACCOUNT}:key/*`);
  });

  it('collects every missing permission into one policy', () => {
    const r = run(
      all(
        prefs({ kmsKeyId: KEY_ID, cloudWatchLogGroupName: GROUP }),
        sim(['kms:Decrypt'], KEY_ARN, 'implicitDeny'),
        sim(CLOUDWATCH_LOG_ACTIONS, GROUP_ARN, 'implicitDeny'),
        endpoint('kms'),
        endpoint('logs'),
      ),
    );
    expect(r.status).toBe('fail');
    const putRolePolicy = r.fix!.cli.filter((c) => c.startsWith('aws iam put-role-policy'));
    expect(putRolePolicy).toHaveLength(1);
    expect(putRolePolicy[0]).toContain('kms:Decrypt');
    expect(putRolePolicy[0]).toContain('logs:PutLogEvents');
  });

  it('tells to remove an explicit Deny rather than add an Allow', () => {
    const r = run(all(KMS, sim(['kms:Decrypt'], KEY_ARN, 'explicitDeny'), endpoint('kms')));
    expect(r.fix?.summary).toMatch(/Deny/);
    expect(r.fix?.cli.join('\n')).not.toContain('put-role-policy');
  });

  it('creates a kms interface endpoint in the ssm endpoint subnets and security groups', () => {
    const r = run(all(KMS, kmsAllowed));
    expect(r.fix?.cli).toEqual([
      `aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Interface --service-name com.amazonaws.us-east-1.kms ` +
        `--subnet-ids ${EP_SUBNET} --security-group-ids ${SG_VPCE} --private-dns-enabled --region us-east-1`,
    ]);
    expect(r.fix?.terraform).toContain('resource "aws_vpc_endpoint" "kms"');
  });

  it('creates a free S3 gateway endpoint on the instance route table', () => {
    const r = run(all(S3, s3Allowed));
    expect(r.fix?.cli).toEqual([
      `aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3 --route-table-ids rtb-0main --region us-east-1`,
    ]);
    expect(r.fix?.terraform).toContain('vpc_endpoint_type = "Gateway"');
  });

  it('associates an existing S3 gateway endpoint with the route table', () => {
    const r = run(all(S3, s3Allowed, endpoint('s3', { type: 'Gateway', routeTableIds: ['rtb-0other'] })));
    expect(r.status).toBe('fail');
    expect(r.fix?.cli[0]).toContain('--add-route-table-ids rtb-0main');
  });

  it('warns that sessions hang without the logs endpoint', () => {
    const r = run(all(CW, cwAllowed));
    expect(r.detail).toMatch(/hang/);
    expect(r.fix?.cli[0]).toContain('com.amazonaws.us-east-1.logs');
  });

  it('does not ask for s3:GetEncryptionConfiguration when S3 encryption is off', () => {
    const r = run(all(prefs({ s3BucketName: BUCKET, s3KeyPrefix: 'ssm/', s3EncryptionEnabled: false }), sim(['s3:PutObject'], S3_OBJ), s3Gateway));
    expect(r.status).toBe('pass');
  });

  it('needs no kms/s3/logs endpoints when the agent goes out over NAT', () => {
    const r = run(
      all(prefs({ kmsKeyId: KEY_ID, s3BucketName: BUCKET, s3KeyPrefix: 'ssm/', cloudWatchLogGroupName: GROUP }), kmsAllowed, s3Allowed, cwAllowed, natRoute, (f) => {
        f.endpoints[VPC] = ok([]);
      }),
    );
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/same way/);
  });

  it('warns when an Allow depends on a condition it could not evaluate', () => {
    const r = run(
      all(
        KMS,
        endpoint('kms'),
        inlinePolicies({
          name: 'kms',
          document: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:SourceVpc': VPC } } }] },
        }),
      ),
    );
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/condition/);
    expect(r.data?.methods).toEqual(['policy-documents']);
  });

  it('evaluates the role policies locally when there is no simulation', () => {
    const r = run(
      all(KMS, endpoint('kms'), inlinePolicies({ name: 'kms', document: { Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: KEY_ARN }] } })),
    );
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('evaluated locally');
  });

  it('errors when the permissions can be neither simulated nor read, naming the API', () => {
    const r = run(all(KMS, endpoint('kms'), (f) => (f.simulations[ROLE_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied')))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('iam:SimulatePrincipalPolicy');
  });

  it('warns when the agent has no role to check', () => {
    const r = run(all(KMS, endpoint('kms'), (f) => delete val(f.instances[IID])!.instanceProfileArn));
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/no role/);
  });

  it('errors when the preferences document could not be read', () => {
    const r = run((f) => (f.preferences = failed(denied('ssm:GetDocument', 'AccessDeniedException'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:GetDocument');
  });

  it('errors on the endpoint part when the VPC endpoints could not be read, still judging permissions', () => {
    const r = run(all(KMS, sim(['kms:Decrypt'], KEY_ARN, 'implicitDeny'), (f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints')))));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ec2:DescribeVpcEndpoints');
    expect(r.fix?.cli[0]).toContain('put-role-policy');
  });

  it('skips when the instance does not exist', () => {
    expect(run(all(KMS, (f) => (f.instances[IID] = ok(null)))).status).toBe('skip');
  });
});
