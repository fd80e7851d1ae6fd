// Guards: the SSM Agent gets AWS credentials from IMDS: an instance profile with a role, or DHMC.
import { type Check, type Fix, type TargetContext } from '../src/check/kit.js';
import type { Instance } from '../src/facts/facts.js';
import { credentialSource, instanceOf } from '../src/facts/lookup.js';
import { awsManagedPolicyArn, shellJson } from '../src/eval/permissions.js';
import { tfChange } from '../src/fix/terraform.js';
import { shellVar } from '../src/fix/endpoints.js';
import { retrying } from '../src/fix/retry.js';
import { retrySentence } from '../src/fix/late-fix.js';
import { MIN_AGENT } from '../src/facts/requirements.js';
import { compareVersions } from '../src/eval/version.js';

export const EC2_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

export const iamInstanceProfile: Check = {
  meta: {
    id: 'iam.instance-profile',
    explains: ['iam.role-trust', 'iam.permissions', 'agent.ping', 'session.connection'],
    fixes: 'Role + `AmazonSSMManagedInstanceCore` + instance profile, `aws ec2 associate-iam-instance-profile`',
    title: 'The agent has credentials (instance profile role or DHMC)',
    group: 'iam',
    description:
      'The SSM Agent calls AWS with credentials from the instance metadata: an attached instance profile ' +
      'with a role, or the Default Host Management Configuration role. Without either it cannot register.',
  },
  run(ctx) {
    const inst = instanceOf(ctx);
    const src = credentialSource(ctx);
    switch (src.kind) {
      case 'instance-profile':
        return {
          status: 'pass',
          detail: `Instance profile ${src.profile.name} with role ${src.role.name}.`,
          data: { profileArn: src.profile.arn, roleArn: src.role.arn },
        };
      case 'instance-profile-without-role':
        return {
          status: 'fail',
          subject: src.profile.arn,
          summary: `Instance profile ${src.profile.name} holds no role, and DHMC is off: the SSM Agent has no credentials.`,
          detail:
            `Instance profile ${src.profile.name} is attached to ${inst.id} but holds no role, so the instance ` +
            'metadata serves no credentials and the SSM Agent cannot call AWS. Default Host Management ' +
            'Configuration is off.',
          fix: addRoleFix(ctx, src.profile.name),
          data: { profileArn: src.profile.arn },
        };
      case 'instance-profile-missing':
        return {
          status: 'fail',
          summary: `Instance profile ${src.profileArn} no longer exists, and DHMC is off: the SSM Agent has no credentials.`,
          detail:
            `${inst.id} is associated with instance profile ${src.profileArn}, which does not exist any more ` +
            '(iam:GetInstanceProfile: NoSuchEntity): the instance metadata serves no credentials, so the SSM Agent cannot ' +
            'call AWS. Default Host Management Configuration is off.',
          fix: missingProfileFix(ctx, inst, src.profileArn),
          data: { profileArn: src.profileArn, profileExists: false },
          subject: src.profileArn,
        };
      case 'dhmc':
        return dhmcVerdict(ctx, inst, src.roleName, src.profileProblem);
      case 'none':
        return {
          status: 'fail',
          // Every instance without a profile needs the same role and profile: one cause, one fix, for a fleet.
          subject: 'no-credentials',
          summary: `No instance profile, and Default Host Management Configuration is off in ${ctx.region}: the SSM Agent has no credentials.`,
          detail:
            `${inst.id} has no instance profile and Default Host Management Configuration is off in ` +
            `${ctx.region}: the SSM Agent has no credentials to register with Systems Manager.`,
          fix: createProfileFix(ctx, inst),
        };
    }
  },
};

function dhmcVerdict(ctx: TargetContext, inst: Instance, roleName: string, profileProblem: 'no-role' | 'missing' | undefined) {
  const profile = !inst.instanceProfileArn
    ? `${inst.id} has no instance profile;`
    : profileProblem === 'missing'
      ? `Its instance profile ${inst.instanceProfileArn} does not exist any more, so`
      : `Its instance profile ${inst.instanceProfileArn} holds no role, so`;
  const requires =
    `DHMC requires IMDSv2, SSM Agent >= ${MIN_AGENT.dhmc}, and a role that trusts ssm.amazonaws.com ` +
    '(see iam.role-trust and iam.permissions); instances can take up to 30 minutes to pick the setting up.';
  const base = `${profile} the agent's credentials come from Default Host Management Configuration (role ${roleName}). ${requires}`;
  const data = { dhmcRole: roleName, ...(inst.instanceProfileArn ? { profileArn: inst.instanceProfileArn } : {}) };
  const agent = ctx.facts.agents[ctx.id];
  const version = agent?.ok ? agent.value?.agentVersion : undefined;
  if (version && compareVersions(version, MIN_AGENT.dhmc) < 0) {
    return {
      status: 'fail' as const,
      detail: `${base} The agent on ${inst.id} is ${version}, too old for DHMC.`,
      fix: {
        ...createProfileFix(ctx, inst),
        summary: `Update the SSM Agent on ${inst.id} to >= ${MIN_AGENT.dhmc}, or attach an instance profile whose role has AmazonSSMManagedInstanceCore.`,
      },
      data: { ...data, agentVersion: version },
    };
  }
  if (inst.instanceProfileArn || !version) {
    return {
      status: 'warn' as const,
      detail: inst.instanceProfileArn
        ? `${base} ${profileProblem === 'missing' ? 'Disassociate the deleted profile' : 'Attach a role to the profile or detach the empty profile'} to make the setup explicit.`
        : `${base} The agent has not registered yet, so these prerequisites cannot be confirmed.`,
      data,
    };
  }
  return { status: 'pass' as const, detail: `${base} Agent ${version} supports DHMC.`, data: { ...data, agentVersion: version } };
}

function createProfileFix(ctx: TargetContext, inst: Instance): Fix {
  const policyArn = awsManagedPolicyArn(ctx.region, 'AmazonSSMManagedInstanceCore');
  return {
    summary:
      'Create a role trusting ec2.amazonaws.com with AmazonSSMManagedInstanceCore, put it in an instance profile ' +
      'and associate the profile with the instance.',
    cli: [
      `aws iam create-role --role-name ssm-role --assume-role-policy-document ${shellJson(EC2_TRUST_POLICY)}`,
      `aws iam attach-role-policy --role-name ssm-role --policy-arn ${policyArn}`,
      'aws iam create-instance-profile --instance-profile-name ssm-profile',
      'aws iam add-role-to-instance-profile --instance-profile-name ssm-profile --role-name ssm-role',
      'aws iam wait instance-profile-exists --instance-profile-name ssm-profile',
      retrying(`aws ec2 associate-iam-instance-profile --instance-id ${inst.id} --iam-instance-profile Name=ssm-profile --region ${ctx.region}`),
    ],
    terraform: profileTerraform(policyArn, inst, { name: 'ssm-profile', path: '/' }),
  };
}

/** The agent's role in an instance profile, and the instance using the profile, as Terraform. */
function profileTerraform(policyArn: string, inst: Instance, profile: { name: string; path: string }): string {
  return [
    ...roleTerraform(policyArn),
    '',
    'resource "aws_iam_instance_profile" "ssm_agent" {',
    `  name = "${profile.name}"`,
    ...(profile.path !== '/' ? [`  path = "${profile.path}"`] : []),
    '  role = aws_iam_role.ssm_agent.name',
    '}',
    '',
    ...tfChange(`${inst.id}${inst.name ? ` (${inst.name})` : ''} (aws_instance or aws_launch_template)`, [
      'iam_instance_profile = aws_iam_instance_profile.ssm_agent.name',
    ]).trimEnd().split('\n'),
  ].join('\n');
}

/** The role the agent needs (trusting EC2, with AmazonSSMManagedInstanceCore), as Terraform lines. */
function roleTerraform(policyArn: string): string[] {
  return [
    'resource "aws_iam_role" "ssm_agent" {',
    '  name = "ssm-role"',
    '  assume_role_policy = jsonencode({',
    '    Version = "2012-10-17"',
    '    Statement = [',
    '      {',
    '        Action    = "sts:AssumeRole"',
    '        Effect    = "Allow"',
    '        Principal = { Service = "ec2.amazonaws.com" }',
    '      }',
    '    ]',
    '  })',
    '}',
    '',
    'resource "aws_iam_role_policy_attachment" "ssm_agent_core" {',
    `  policy_arn = "${policyArn}"`,
    '  role       = aws_iam_role.ssm_agent.name',
    '}',
  ];
}

/**
 * The instance names a deleted instance profile. Recreating it under the same name does not repair the
 * association (EC2 keeps the old profile's id), so the association is replaced either way.
 */
function missingProfileFix(ctx: TargetContext, inst: Instance, profileArn: string): Fix {
  const policyArn = awsManagedPolicyArn(ctx.region, 'AmazonSSMManagedInstanceCore');
  const { name, path } = profileNameAndPath(profileArn);
  const nested = path !== '/';
  // Unique per instance, so a fleet's plan can run every instance's commands one after the other.
  const assoc = shellVar('ASSOC', inst.id);
  return {
    summary:
      `Recreate instance profile ${name} with a role that has AmazonSSMManagedInstanceCore and replace the instance's ` +
      'association with it (to use another existing profile instead, skip the first four commands and name it in the last one).',
    cli: [
      `aws iam create-role --role-name ssm-role --assume-role-policy-document ${shellJson(EC2_TRUST_POLICY)}`,
      `aws iam attach-role-policy --role-name ssm-role --policy-arn ${policyArn}`,
      `aws iam create-instance-profile --instance-profile-name ${name}${nested ? ` --path ${path}` : ''}`,
      `aws iam add-role-to-instance-profile --instance-profile-name ${name} --role-name ssm-role`,
      `aws iam wait instance-profile-exists --instance-profile-name ${name}`,
      `${assoc}=$(aws ec2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=${inst.id} Name=state,Values=associated --query 'IamInstanceProfileAssociations[0].AssociationId' --output text --region ${ctx.region})`,
      retrying(`aws ec2 replace-iam-instance-profile-association --association-id "$${assoc}" --iam-instance-profile Name=${name} --region ${ctx.region}`),
    ],
    terraform: profileTerraform(policyArn, inst, { name, path }),
  };
}

/** `arn:aws:iam::1:instance-profile/a/b/name` -> name `name`, path `/a/b/`. */
function profileNameAndPath(arn: string): { name: string; path: string } {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/').slice(1);
  const name = parts.pop() || 'ssm-profile';
  return { name, path: parts.length ? `/${parts.join('/')}/` : '/' };
}

function addRoleFix(ctx: TargetContext, profileName: string): Fix {
  const policyArn = awsManagedPolicyArn(ctx.region, 'AmazonSSMManagedInstanceCore');
  return {
    summary:
      `Add a role with AmazonSSMManagedInstanceCore (trusting ec2.amazonaws.com) to instance profile ${profileName}; ` +
      `then restart the SSM Agent or reboot: ${retrySentence(['credentials'])}.`,
    cli: [
      `aws iam create-role --role-name ssm-role --assume-role-policy-document ${shellJson(EC2_TRUST_POLICY)}`,
      `aws iam attach-role-policy --role-name ssm-role --policy-arn ${policyArn}`,
      `aws iam add-role-to-instance-profile --instance-profile-name ${profileName} --role-name ssm-role`,
    ],
    terraform: [
      ...roleTerraform(policyArn),
      '',
      ...tfChange(`instance profile ${profileName} (aws_iam_instance_profile)`, ['role = aws_iam_role.ssm_agent.name']).trimEnd().split('\n'),
    ].join('\n'),
  };
}
