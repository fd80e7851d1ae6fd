// The fix for an explicit Deny on the agent role: an Allow never overrides a Deny, so the fix names the denying
// statement and shows it (or, when only iam:SimulatePrincipalPolicy decided, asks it which policy matched: an
// identity policy, the permissions boundary or an Organizations SCP); its Terraform is a comment saying what to
// remove or narrow, never a policy attachment.
import type { Fix } from '../check/kit.js';
import type { Facts, NamedPolicy } from '../facts/facts.js';
import type { PermissionAnswer } from '../eval/permissions.js';

/** The Deny fix for `denies` (answers with decision explicitDeny, on one resource) on the role. */
export function denyFix(facts: Facts, role: { name: string; arn: string }, denies: PermissionAnswer[]): Fix {
  const resource = denies[0]?.resource ?? '*';
  const actions = [...new Set(denies.map((a) => a.action))];
  const covered = actions.join(', ');
  const named = [...new Set(denies.map((a) => a.via).filter((v): v is string => !!v))];
  const cli: string[] = [];
  const where: string[] = [];
  for (const via of named) {
    const [policyName, sid] = via.split('#') as [string, string | undefined];
    const policy = policyOf(facts, role.name, policyName);
    const statement = sid ? `statement ${sid}` : `the Deny statement covering ${covered}`;
    const pick = sid ? `[?Sid==\`${sid}\`]` : `[?Effect==\`Deny\`]`;
    if (policy?.kind === 'inline' || !policy?.arn) {
      cli.push(`aws iam get-role-policy --role-name ${role.name} --policy-name ${policyName} --query 'PolicyDocument.Statement${pick}'`);
      where.push(`${statement} of inline policy ${policyName} (aws_iam_role_policy on role ${role.name})`);
    } else if (/^arn:[\w-]+:iam::aws:policy\//.test(policy.arn)) {
      // An AWS managed policy cannot be edited: only detached.
      cli.push(`aws iam detach-role-policy --role-name ${role.name} --policy-arn ${policy.arn}`);
      where.push(`AWS managed policy ${policyName} (${policy.arn}): detach it from role ${role.name} (aws_iam_role_policy_attachment)`);
    } else {
      cli.push(
        `aws iam get-policy-version --policy-arn ${policy.arn} --version-id "$(aws iam get-policy --policy-arn ${policy.arn} --query Policy.DefaultVersionId --output text)" --query 'PolicyVersion.Document.Statement${pick}'`,
      );
      where.push(`${statement} of managed policy ${policyName} (${policy.arn}, aws_iam_policy)`);
    }
  }
  if (named.length === 0) {
    // The simulation says "explicitDeny" without naming where: ask it, with what decided at each level.
    cli.push(
      `aws iam simulate-principal-policy --policy-source-arn ${role.arn} --action-names ${actions.join(' ')}${resource === '*' ? '' : ` --resource-arns ${resource}`} ` +
        "--query 'EvaluationResults[].[EvalActionName,EvalDecision,join(`,`,MatchedStatements[].SourcePolicyId),OrganizationsDecisionDetail.AllowedByOrganizations,PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary]' --output text",
    );
    where.push(`the Deny in role ${role.name}'s policies, its permissions boundary or an Organizations SCP (the command prints, per action, the matched policy ids, then false where the SCPs or the boundary deny it)`);
  }
  return {
    summary: `Remove or narrow ${where.join('; ')} so it no longer covers ${covered}${resource === '*' ? '' : ` on ${resource}`}: an Allow does not override a Deny.`,
    cli,
    terraform: [
      `# An Allow does not override a Deny: in the Terraform that manages it, remove or narrow`,
      ...where.map((w) => `#   ${w}`),
      `# so that it no longer denies ${covered}.`,
    ].join('\n') + '\n',
  };
}

function policyOf(facts: Facts, roleName: string, policyName: string): NamedPolicy | undefined {
  const role = facts.roles[roleName];
  const policies = role?.ok ? role.value.policies : undefined;
  return policies?.ok ? policies.value.find((p) => p.name === policyName) : undefined;
}
