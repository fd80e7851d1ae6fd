// The fix "allow the agent role these actions": one inline policy with every missing grant, as a put-role-policy
// command and an aws_iam_role_policy resource.
import type { Fix } from '../check/kit.js';
import { shellJson, tfLabel } from '../eval/permissions.js';

export interface MissingPermission {
  actions: string[];
  resource: string;
  condition?: Record<string, Record<string, string>>;
}

/** An inline policy `policyName` on `roleName` granting every missing permission; `purpose` ends the summary. */
export function rolePolicyFix(roleName: string, policyName: string, missing: MissingPermission[], purpose: string): Fix {
  const policy = {
    Version: '2012-10-17',
    Statement: missing.map((m) => ({
      Effect: 'Allow',
      Action: m.actions.length === 1 ? m.actions[0] : m.actions,
      Resource: m.resource,
      ...(m.condition ? { Condition: m.condition } : {}),
    })),
  };
  return {
    summary: `Allow role ${roleName} ${[...new Set(missing.flatMap((m) => m.actions))].join(', ')} ${purpose}.`,
    cli: [`aws iam put-role-policy --role-name ${roleName} --policy-name ${policyName} --policy-document ${shellJson(policy)}`],
    terraform: [
      `resource "aws_iam_role_policy" "${tfLabel(`${roleName}_${policyName}`)}" {`,
      `  name   = "${policyName}"`,
      `  role   = "${roleName}"`,
      `  policy = jsonencode(${indentJson(policy)})`,
      '}',
    ].join('\n'),
  };
}

/** JSON nested one level in HCL (jsonencode of a JSON literal is valid HCL). */
export function indentJson(v: unknown, indent = '  '): string {
  return JSON.stringify(v, null, 2).replace(/\n/g, `\n${indent}`);
}
