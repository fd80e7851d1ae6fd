import { describe, expect, it } from 'vitest';
import { sessionLogging } from '../../checks/session.logging.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { CLOUDWATCH_LOG_ACTIONS } from '../../src/facts/requirements.js';
import { missingPermissionsOf } from '../../src/report/model.js';
import { ACCOUNT, IID, ROLE_ARN, ROLE_NAME, SG_EC2, SG_VPCE, VPC, denied, val, world } from '../fixtures/world.js';
import { BUCKET, GROUP, KEY_ARN, S3_CIDRS, S3_PREFIX_LIST, all, bucket, endpoint, httpsEgressAnywhere, logGroup, natRoute, prefs, s3Egress, s3Gateway, sim, type Edit } from '../fixtures/session-targets.js';

const run = (edit?: Edit) => {
  const facts = world(edit);
  return runCheck(sessionLogging, { facts, id: IID, region: facts.region });
};

const GROUP_ARN = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${GROUP}:*`;
const S3_OBJ = `arn:aws:s3:::${BUCKET}/ssm/*`;
const S3_BUCKET = `arn:aws:s3:::${BUCKET}`;
const CW = (encrypted = false) => prefs({ cloudWatchLogGroupName: GROUP, cloudWatchStreamingEnabled: true, cloudWatchEncryptionEnabled: encrypted });
const S3 = (required = true) => prefs({ s3BucketName: BUCKET, s3KeyPrefix: 'ssm/', s3EncryptionEnabled: required });
const cwAllowed = sim(CLOUDWATCH_LOG_ACTIONS, GROUP_ARN);
const s3Allowed = all(sim(['s3:PutObject'], S3_OBJ), sim(['s3:GetEncryptionConfiguration'], S3_BUCKET));
const cwOk = (encrypted = false) => all(CW(encrypted), logGroup(encrypted ? KEY_ARN : undefined), cwAllowed, endpoint('logs'));
const s3Ok = (required = true) => all(S3(required), bucket(), s3Allowed, s3Gateway, s3Egress);

describe('session.logging', () => {
  it('passes when the preferences log nowhere (nothing to validate), errors when they could not be read', () => {
    expect(run().status).toBe('pass');
    expect(run(prefs({ kmsKeyId: 'k' })).status).toBe('pass');
    expect(run((f) => (f.preferences = failed(denied('ssm:GetDocument', 'AccessDeniedException')))).status).toBe('error');
  });

  it.each<[string, Edit]>([
    ['CloudWatch, encryption not required', cwOk(false)],
    ['CloudWatch, encrypted group required and present', cwOk(true)],
    ['S3 with AES256, encryption required', s3Ok(true)],
    ['S3 over an interface s3 endpoint', all(S3(), bucket(), s3Allowed, endpoint('s3'))],
    ['S3 with the AWS managed aws/s3 key', all(s3Ok(), bucket({ algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:alias/aws/s3' }))],
    ['both targets', all(cwOk(true), s3Ok(true))],
  ])('passes %s', (_name, edit) => {
    const r = run(edit);
    expect(r.status, r.detail).toBe('pass');
  });

  it('fails a missing log group when encryption is required: the agent refuses every session', () => {
    const r = run(all(cwOk(true), (f) => (f.logGroups![GROUP] = ok(null))));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/refuses to start every session/);
    expect(r.subject).toBe(`log-group:${GROUP}`);
    const cli = r.fix!.cli;
    expect(cli[0]).toMatch(/^KEY_ARN=\$\(aws kms create-key --description "Session Manager logs in \/ssm\/sessions" --policy '.*logs\.us-east-1\.amazonaws\.com.*' --query KeyMetadata\.Arn --output text --region us-east-1\)$/);
    expect(cli[1]).toBe(`aws logs create-log-group --log-group-name ${GROUP} --kms-key-id "$KEY_ARN" --region us-east-1`);
    expect(r.fix!.terraform).toContain('kms_key_id = aws_kms_key.session_logs__ssm_sessions.arn');
  });

  it('fails a missing log group without encryption: sessions are not logged', () => {
    const r = run(all(cwOk(false), (f) => (f.logGroups![GROUP] = ok(null))));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/not logged to CloudWatch/);
    expect(r.fix!.cli).toEqual([`aws logs create-log-group --log-group-name ${GROUP} --region us-east-1`]);
  });

  it('fails an unencrypted log group when encryption is required, associating a new key', () => {
    const r = run(all(cwOk(true), logGroup()));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/not encrypted with a KMS key/);
    expect(r.fix!.cli[1]).toBe(`aws logs associate-kms-key --log-group-name ${GROUP} --kms-key-id "$KEY_ARN" --region us-east-1`);
  });

  it('fails when the role may not describe the group (the agent cannot validate it), with one put-role-policy', () => {
    const r = run(all(CW(true), logGroup(KEY_ARN), sim(CLOUDWATCH_LOG_ACTIONS, GROUP_ARN, 'implicitDeny'), endpoint('logs')));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('logs:DescribeLogGroups');
    expect(r.fix!.cli[0]).toContain(`aws iam put-role-policy --role-name ${ROLE_NAME} --policy-name ssm-session-logging`);
    expect(r.fix!.cli[0]).toContain(GROUP_ARN);
  });

  it('fails without the logs endpoint: sessions hang', () => {
    const r = run(all(CW(), logGroup(), cwAllowed));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/hang/);
    expect(r.fix!.cli[0]).toContain('com.amazonaws.us-east-1.logs');
  });

  it('fails a deleted bucket when encryption is required, creating a private bucket', () => {
    const r = run(all(s3Ok(true), bucket(null)));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/does not exist \(NoSuchBucket\).*refuses/);
    expect(r.subject).toBe(`s3://${BUCKET}`);
    expect(r.fix!.cli).toEqual([
      `aws s3api create-bucket --bucket ${BUCKET} --region us-east-1`,
      `aws s3api put-public-access-block --bucket ${BUCKET} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true --region us-east-1`,
    ]);
    expect(r.fix!.terraform).toContain('resource "aws_s3_bucket_public_access_block"');
  });

  it('fails a deleted bucket without the encryption requirement too: the logs are lost', () => {
    const r = run(all(s3Ok(false), bucket(null)));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/logs are lost/);
  });

  it.each([
    ['aws:kms:dsse', /aws:kms:dsse, which the agent does not count as encrypted/],
    [undefined, /no default encryption/],
  ])('fails a bucket encrypted with %s when encryption is required', (algorithm, detail) => {
    const r = run(all(s3Ok(true), bucket(algorithm ? { algorithm } : {})));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(detail);
    expect(r.fix!.cli[0]).toContain(`aws s3api put-bucket-encryption --bucket ${BUCKET} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`);
  });

  it('errors when ssm-doctor may not read the bucket encryption, listing s3:GetEncryptionConfiguration', () => {
    const r = run(all(s3Ok(true), (f) => (f.buckets![BUCKET] = failed(denied('s3:GetEncryptionConfiguration', 'AccessDenied')))));
    expect(r.status).toBe('error');
    expect(missingPermissionsOf([r])).toEqual(['s3:GetEncryptionConfiguration']);
  });

  it('errors when the log group could not be described, listing logs:DescribeLogGroups', () => {
    const r = run(all(cwOk(), (f) => (f.logGroups![GROUP] = failed(denied('logs:DescribeLogGroups', 'AccessDeniedException')))));
    expect(r.status).toBe('error');
    expect(missingPermissionsOf([r])).toEqual(['logs:DescribeLogGroups']);
  });

  it('fails when the role may not read the bucket encryption it must validate, and only asks when validation is on', () => {
    const denyCheck = all(S3(true), bucket(), sim(['s3:PutObject'], S3_OBJ), sim(['s3:GetEncryptionConfiguration'], S3_BUCKET, 'implicitDeny'), s3Gateway, s3Egress);
    const r = run(denyCheck);
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/refuses the sessions it cannot validate/);
    expect(run(all(S3(false), bucket(), sim(['s3:PutObject'], S3_OBJ), s3Gateway, s3Egress)).status).toBe('pass');
  });

  it("fails when the role may not use the bucket's SSE-KMS key", () => {
    const bucketKey = 'arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-1111-2222-3333-444444444444';
    const r = run(all(s3Ok(), bucket({ algorithm: 'aws:kms', kmsKeyId: bucketKey }), sim(['kms:GenerateDataKey'], bucketKey, 'implicitDeny')));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('SSE-KMS key of bucket');
    expect(r.fix!.cli[0]).toContain(bucketKey);
  });

  it('creates a free S3 gateway endpoint on the instance route table, or associates an existing one', () => {
    const r = run(all(S3(), bucket(), s3Allowed));
    expect(r.fix?.cli).toEqual([
      `aws ec2 create-vpc-endpoint --vpc-id ${VPC} --vpc-endpoint-type Gateway --service-name com.amazonaws.us-east-1.s3 --route-table-ids rtb-0main --region us-east-1`,
    ]);
    const a = run(all(S3(), bucket(), s3Allowed, endpoint('s3', { type: 'Gateway', routeTableIds: ['rtb-0other'] })));
    expect(a.status).toBe('fail');
    expect(a.fix?.cli[0]).toContain('--add-route-table-ids rtb-0main');
  });

  describe('the whole way to S3 and CloudWatch Logs, not only the route', () => {
    it('fails an S3 gateway endpoint the instance security group does not let HTTPS out to, allowing its prefix list', () => {
      const r = run(all(S3(true), bucket(), s3Allowed, s3Gateway));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain(`Security group ${SG_EC2} does not allow TCP 443 out to the s3 addresses (prefix list ${S3_PREFIX_LIST}, gateway endpoint vpce-0s3000000000)`);
      expect(r.detail).toMatch(/refuses the sessions it cannot validate/);
      expect(r.subject).toBe(SG_EC2);
      expect(r.fix!.cli).toEqual([
        `aws ec2 authorize-security-group-egress --group-id ${SG_EC2} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,PrefixListIds=[{PrefixListId=${S3_PREFIX_LIST}}]' --region us-east-1`,
      ]);
      expect(r.fix!.terraform).toContain(`prefix_list_ids   = ["${S3_PREFIX_LIST}"]`);
      expect(run(all(S3(true), bucket(), s3Allowed, s3Gateway, s3Egress)).status).toBe('pass');
      // Without the encryption check the sessions start, and the logs are lost.
      expect(run(all(S3(false), bucket(), s3Allowed, s3Gateway)).detail).toMatch(/logs are lost/);
    });

    it("fails a gateway endpoint whose prefix list was not read when no egress rule reaches public addresses, looking the list up by name", () => {
      const r = run(all(S3(true), bucket(), s3Allowed, endpoint('s3', { type: 'Gateway', privateDnsEnabled: false, subnetIds: [], securityGroupIds: [], routeTableIds: ['rtb-0main'] })));
      expect(r.status).toBe('fail');
      expect(r.fix!.cli).toEqual([
        "PL_S3=$(aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3 --query 'PrefixLists[0].PrefixListId' --output text --region us-east-1)",
        `aws ec2 authorize-security-group-egress --group-id ${SG_EC2} --ip-permissions "IpProtocol=tcp,FromPort=443,ToPort=443,PrefixListIds=[{PrefixListId=$PL_S3}]" --region us-east-1`,
      ]);
      expect(r.fix!.terraform).toContain('data "aws_prefix_list" "s3_us_east_1"');
      expect(r.fix!.terraform).toContain('prefix_list_ids   = [data.aws_prefix_list.s3_us_east_1.id]');
    });

    it("fails a network ACL that blocks the S3 prefix list's replies, and warns when it blocks part of them", () => {
      const deny = (cidrs: string[]) => (f: Facts) => {
        val(f.networkAcls[VPC])[0]!.entries.unshift(
          ...cidrs.map((cidr, i) => ({ ruleNumber: 40 + i, egress: false, protocol: '6', action: 'deny' as const, cidr, portRange: { from: 1024, to: 65535 } })),
        );
      };
      const r = run(all(S3(true), bucket(), s3Allowed, s3Gateway, s3Egress, deny(S3_CIDRS)));
      expect(r.status).toBe('fail');
      expect(r.detail).toMatch(/acl-0default \(instance subnet subnet-0aaa1111bbbb22223\) blocks inbound TCP 1024-65535 from the s3 addresses \(prefix list pl-63a5400a/);
      expect(r.fix!.cli[0]).toMatch(/^aws ec2 create-network-acl-entry --network-acl-id acl-0default --rule-number \d+ .* --ingress --cidr-block 0\.0\.0\.0\/0 --rule-action allow/);
      expect(run(all(S3(true), bucket(), s3Allowed, s3Gateway, s3Egress, deny(['52.216.0.0/15']))).status).toBe('warn');
    });

    it('fails CloudWatch Logs over a NAT gateway when the agent uses interface endpoints and the security group allows HTTPS only to the VPC', () => {
      const r = run(all(CW(), logGroup(), cwAllowed, natRoute));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain(`Security group ${SG_EC2} does not allow TCP 443 out to the internet, and logs goes over NAT gateway nat-0abc`);
      expect(r.detail).toMatch(/sessions hang for 2\+ minutes/);
      expect(r.fix!.cli).toEqual([
        `aws ec2 authorize-security-group-egress --group-id ${SG_EC2} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]' --region us-east-1`,
      ]);
      expect(run(all(CW(), logGroup(), cwAllowed, natRoute, httpsEgressAnywhere)).status).toBe('pass');
    });

    it("fails a logs endpoint whose security group does not admit the instance", () => {
      const r = run(all(cwOk(), (f) => (val(f.securityGroups[SG_VPCE]).ingress = [])));
      expect(r.status).toBe('fail');
      expect(r.detail).toMatch(/vpce-0logs000000000 \(logs, security group sg-0e0e0e0e0e0e0e0e1\) does not admit TCP 443 from/);
      expect(r.fix!.cli).toContain(`aws ec2 authorize-security-group-ingress --group-id ${SG_VPCE} --protocol tcp --port 443 --source-group ${SG_EC2} --region us-east-1`);
    });
  });

  it('needs no logs/s3 endpoints when the agent goes out through a NAT gateway', () => {
    const r = run(all(CW(), logGroup(), cwAllowed, S3(), bucket(), s3Allowed, natRoute, (f: Facts) => (f.endpoints[VPC] = ok([]))));
    expect(r.status).toBe('pass');
    expect(r.detail).toMatch(/same way/);
  });

  it('errors on the endpoint part when the VPC endpoints could not be read, still judging the rest', () => {
    const r = run(all(CW(), logGroup(), sim(CLOUDWATCH_LOG_ACTIONS, GROUP_ARN, 'implicitDeny'), (f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints')))));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ec2:DescribeVpcEndpoints');
    expect(r.fix?.cli[0]).toContain('put-role-policy');
  });

  it('warns when an Allow depends on a condition, evaluating the role policies locally', () => {
    const r = run(
      all(CW(), logGroup(), endpoint('logs'), (f) => {
        f.simulations = {};
        f.roles[ROLE_NAME] = ok({
          name: ROLE_NAME,
          arn: ROLE_ARN,
          policies: ok([{ name: 'logs', kind: 'inline', document: { Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*', Condition: { StringEquals: { 'aws:SourceVpc': VPC } } }] } }]),
        });
      }),
    );
    expect(r.status).toBe('warn');
    expect(r.data?.methods).toEqual(['policy-documents']);
  });
});
