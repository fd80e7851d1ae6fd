import { describe, expect, it } from 'vitest';
import { iamInstanceProfile } from '../../checks/iam.instance-profile.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { IID, PROFILE_ARN, denied, val, world } from '../fixtures/world.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(iamInstanceProfile, { facts, id: IID, region: facts.region });
};
const noProfile = (f: Facts) => delete val(f.instances[IID])!.instanceProfileArn;
const emptyProfile = (f: Facts) => (val(f.instanceProfiles[PROFILE_ARN])!.roles = []);
const dhmcOn = (f: Facts) => (f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' }));
const unregistered = (f: Facts) => (f.agents[IID] = ok(null));
const agent = (v: string) => (f: Facts) => (val(f.agents[IID])!.agentVersion = v);
const all =
  (...edits: ((f: Facts) => void)[]) =>
  (f: Facts) =>
    edits.forEach((e) => e(f));

describe('iam.instance-profile', () => {
  it('passes with a profile holding a role', () => {
    const r = run();
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('ssm-profile');
    expect(r.detail).toContain('ssm-role');
  });

  it('fails with neither profile nor DHMC, fixing it the way the article does', () => {
    const r = run(noProfile);
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('Default Host Management Configuration is off');
    const cli = r.fix!.cli.join('\n');
    expect(cli).toContain('aws iam create-role --role-name ssm-role --assume-role-policy-document \'{"Version":"2012-10-17"');
    expect(cli).toContain('"Service":"ec2.amazonaws.com"');
    expect(cli).toContain('aws iam attach-role-policy --role-name ssm-role --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore');
    expect(cli).toContain('aws iam create-instance-profile --instance-profile-name ssm-profile');
    expect(cli).toContain('aws iam add-role-to-instance-profile --instance-profile-name ssm-profile --role-name ssm-role');
    expect(cli).toContain(`aws ec2 associate-iam-instance-profile --instance-id ${IID} --iam-instance-profile Name=ssm-profile --region us-east-1`);
    // IAM is eventually consistent: wait for the profile, then retry the association (EC2 answers "Invalid IAM
    // Instance Profile name" for some seconds), bounded.
    expect(r.fix!.cli.slice(-2)).toEqual([
      'aws iam wait instance-profile-exists --instance-profile-name ssm-profile',
      `for attempt in $(seq 6); do aws ec2 associate-iam-instance-profile --instance-id ${IID} --iam-instance-profile Name=ssm-profile --region us-east-1 && break; sleep 10; done`,
    ]);
    // The association is a change to the user's own aws_instance: a comment, never a partial resource.
    expect(r.fix!.terraform).not.toContain('resource "aws_instance"');
    expect(r.subject).toBe('no-credentials');
    for (const tf of ['resource "aws_iam_role" "ssm_agent"', 'Service = "ec2.amazonaws.com"', 'aws_iam_role_policy_attachment', 'resource "aws_iam_instance_profile" "ssm_agent"', `# In the Terraform that manages ${IID} (web-1)`, '#   iam_instance_profile = aws_iam_instance_profile.ssm_agent.name']) {
      expect(r.fix!.terraform).toContain(tf);
    }
  });

  it('fails for a profile without a role (DHMC off)', () => {
    const r = run(emptyProfile);
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('holds no role');
    expect(r.fix!.cli.at(-1)).toBe('aws iam add-role-to-instance-profile --instance-profile-name ssm-profile --role-name ssm-role');
  });

  it.each([
    ['DHMC, agent registered and new enough', all(noProfile, dhmcOn), 'pass'],
    ['DHMC, agent not registered yet', all(noProfile, dhmcOn, unregistered), 'warn'],
    ['DHMC behind a profile without a role', all(emptyProfile, dhmcOn), 'warn'],
    ['DHMC with an agent older than 3.2.582.0', all(noProfile, dhmcOn, agent('3.1.1732.0')), 'fail'],
  ] as const)('%s: %s', (_n, edit, status) => {
    const r = run(edit);
    expect(r.status).toBe(status);
    expect(r.detail).toContain('Default Host Management Configuration (role dhmc-role)');
    expect(r.detail).toContain('IMDSv2');
    expect(r.detail).toContain('3.2.582.0');
    expect(r.detail).toContain('ssm.amazonaws.com');
    expect(r.detail).toContain('30 minutes');
    if (status === 'fail') expect(r.fix?.summary).toContain('Update the SSM Agent');
  });

  it('fails when the profile the instance names no longer exists (NoSuchEntity), with commands to replace the association', () => {
    const r = run((f) => (f.instanceProfiles[PROFILE_ARN] = ok(null)));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain(`instance profile ${PROFILE_ARN}, which does not exist any more`);
    expect(r.subject).toBe(PROFILE_ARN);
    const cli = r.fix!.cli;
    expect(cli).toContain('aws iam create-instance-profile --instance-profile-name ssm-profile');
    expect(cli).toContain('aws iam add-role-to-instance-profile --instance-profile-name ssm-profile --role-name ssm-role');
    expect(cli.at(-2)).toBe(
      `ASSOC_0123456789abcdef0=$(aws ec2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=${IID} Name=state,Values=associated --query 'IamInstanceProfileAssociations[0].AssociationId' --output text --region us-east-1)`,
    );
    expect(cli).toContain('aws iam wait instance-profile-exists --instance-profile-name ssm-profile');
    // EC2 sees a new profile some seconds after IAM: the replacement is retried, bounded, on one line.
    expect(cli.at(-1)).toBe(
      'for attempt in $(seq 6); do aws ec2 replace-iam-instance-profile-association --association-id "$ASSOC_0123456789abcdef0" --iam-instance-profile Name=ssm-profile --region us-east-1 && break; sleep 10; done',
    );
    // Pasteable as is: no placeholder, no comment.
    expect(cli.join('\n')).not.toMatch(/<[a-z-]+>/);
    expect(cli.some((c) => c.startsWith('#'))).toBe(false);
    expect(r.fix!.terraform).toContain('resource "aws_iam_instance_profile" "ssm_agent" {\n  name = "ssm-profile"\n  role = aws_iam_role.ssm_agent.name');
  });

  it('keeps the path of a deleted profile when recreating it', () => {
    const arn = 'arn:aws:iam::111122223333:instance-profile/team/app/web-profile';
    const r = run((f) => {
      val(f.instances[IID])!.instanceProfileArn = arn;
      f.instanceProfiles = { [arn]: ok(null) };
    });
    expect(r.status).toBe('fail');
    expect(r.fix!.cli).toContain('aws iam create-instance-profile --instance-profile-name web-profile --path /team/app/');
    expect(r.fix!.terraform).toContain('  name = "web-profile"\n  path = "/team/app/"');
  });

  it('a deleted profile with DHMC on: the agent falls back to DHMC (not a failure of its own)', () => {
    const r = run(all((f) => (f.instanceProfiles[PROFILE_ARN] = ok(null)), dhmcOn));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain(`Its instance profile ${PROFILE_ARN} does not exist any more`);
    expect(r.detail).toContain('Disassociate the deleted profile');
  });

  it('errors when the instance profile cannot be read', () => {
    const r = run((f) => (f.instanceProfiles[PROFILE_ARN] = failed(denied('iam:GetInstanceProfile', 'AccessDenied'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('iam:GetInstanceProfile');
  });

  it('errors when there is no profile and the DHMC setting cannot be read', () => {
    const r = run(all(noProfile, (f) => (f.dhmc = failed(denied('ssm:GetServiceSetting', 'AccessDeniedException')))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('ssm:GetServiceSetting');
  });

  it('skips a terminated instance', () => {
    expect(run((f) => (val(f.instances[IID])!.state = 'terminated')).status).toBe('skip');
  });
});
