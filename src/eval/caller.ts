// The IAM principal behind the identity running ssm-doctor (the person who will connect), as IAM judges it.
import { skip, type TargetContext } from '../check/kit.js';
import { callerRoleName } from '../facts/requirements.js';

export interface Principal {
  arn: string;
  /** Set when the caller is an assumed role: its policies can be evaluated locally. */
  roleName?: string;
}

/**
 * The principal to judge for a caller ARN: the role of an assumed-role session (its real ARN from iam:GetRole when
 * read), or the user. Skips the check for the root user and federated users, which IAM cannot simulate.
 */
export function callerPrincipal(ctx: TargetContext, callerArn: string): Principal {
  if (/^arn:[\w-]+:iam::\d+:root$/.test(callerArn)) {
    skip(`you are the root user of the account (${callerArn}), which IAM cannot simulate; only an SCP could deny it`);
  }
  if (/:federated-user\//.test(callerArn)) {
    skip(`you are a federated user (${callerArn}) without an IAM role, which IAM cannot simulate`);
  }
  const roleName = callerRoleName(callerArn);
  if (roleName) {
    const role = ctx.facts.roles[roleName];
    if (role?.ok) return { arn: role.value.arn, roleName };
    const account = callerArn.split(':')[4];
    return { arn: `arn:${callerArn.split(':')[1]}:iam::${account}:role/${roleName}`, roleName };
  }
  return { arn: callerArn };
}
