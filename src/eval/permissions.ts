// Effective permissions of a principal: the answer of iam:SimulatePrincipalPolicy when the collector has it,
// else local evaluation of the role's fetched identity policies, saying which method decided.
import { need } from '../check/kit.js';
import { failed, type ApiError, type Decision, type Facts, type Fetched } from '../facts/facts.js';
import { evaluatePolicies } from './iam-policy.js';

export interface PermissionAnswer {
  action: string;
  resource: string;
  decision: Decision;
  method: 'simulation' | 'policy-documents';
  /** The deciding statement, `policy-name` or `policy-name#sid` (local evaluation only). */
  via?: string;
  /**
   * The answer depends on something not evaluated: a Condition or policy variable in the deciding (or a
   * possibly-applying Deny) statement, or a permissions boundary that local evaluation cannot see.
   */
  conditional?: boolean;
}

/** The IAM reads that let ssm-doctor evaluate a role's policies itself when it may not simulate. */
export const POLICY_READ_APIS = [
  'iam:GetRole',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
] as const;

/**
 * May `principalArn` do each of `actions` on `resource`?
 * 1. `facts.simulations[principalArn]` when it was read and holds an answer for every (action, resource)
 *    (resource compared exactly: the collector asks with the resources of src/facts/requirements.ts);
 * 2. else the role's identity policies (`facts.roles[roleName].policies`) evaluated locally
 *    (no SCPs; a permissions boundary makes an `allowed` answer conditional);
 * 3. else aborts the check (via `need`) with status `error`, naming iam:SimulatePrincipalPolicy and the
 *    policy reads that would also do.
 */
export function decide(
  facts: Facts,
  principalArn: string,
  roleName: string | undefined,
  actions: string[],
  resource: string,
): PermissionAnswer[] {
  const sim = facts.simulations[principalArn];
  if (sim?.ok) {
    const answers = actions.map((action) =>
      sim.value.find((d) => d.resource === resource && d.action.toLowerCase() === action.toLowerCase()),
    );
    if (answers.every((a) => a !== undefined)) {
      return answers.map((a, i) => ({ action: actions[i]!, resource, decision: a!.decision, method: 'simulation' as const }));
    }
  }

  const role = roleName === undefined ? undefined : facts.roles[roleName];
  const policies = role?.ok ? role.value.policies : undefined;
  if (role?.ok && policies?.ok) {
    const docs = policies.value.map((p) => ({ name: p.name, document: p.document }));
    const boundary = role.value.permissionsBoundaryArn;
    return actions.map((action) => {
      const r = evaluatePolicies(docs, { action, resource });
      const answer: PermissionAnswer = { action, resource, decision: r.decision, method: 'policy-documents' };
      if (r.statement) answer.via = r.statement.sid ? `${r.statement.policyName}#${r.statement.sid}` : r.statement.policyName;
      if (r.conditional || (boundary && r.decision === 'allowed')) answer.conditional = true;
      return answer;
    });
  }

  return need(failed<PermissionAnswer[]>(whyUndecidable(principalArn, roleName, sim, role, policies)), `the permissions of ${principalArn}`);
}

function whyUndecidable(
  principalArn: string,
  roleName: string | undefined,
  sim: Fetched<unknown> | undefined,
  role: Fetched<unknown> | undefined,
  policies: Fetched<unknown> | undefined,
): ApiError {
  const reasons: string[] = [];
  let code = 'NotCollected';
  let kind: ApiError['kind'] = 'other';
  if (sim === undefined) reasons.push(`iam:SimulatePrincipalPolicy was not run for ${principalArn}`);
  else if (!sim.ok) {
    code = sim.error.code;
    kind = sim.error.kind;
  } else reasons.push('the simulation did not include these actions');
  if (roleName === undefined) {
    reasons.push('the principal is not a role, so its policies cannot be evaluated locally');
  } else if (role === undefined) {
    reasons.push(`the policies of role ${roleName} were not read`);
  } else if (!role.ok) {
    reasons.push(`${role.error.api} on role ${roleName} failed with ${role.error.code}`);
    if (code === 'NotCollected') ({ code, kind } = role.error);
  } else if (policies === undefined) {
    reasons.push(`the policies of role ${roleName} were not read`);
  } else if (!policies.ok) {
    reasons.push(`reading the policies of role ${roleName} failed: ${policies.error.api} ${policies.error.code}`);
    if (code === 'NotCollected') ({ code, kind } = policies.error);
  }
  // describeApiError adds "Grant iam:SimulatePrincipalPolicy ..." itself for a denial.
  if (kind !== 'denied') reasons.push('grant iam:SimulatePrincipalPolicy to the identity running ssm-doctor');
  if (roleName !== undefined) {
    reasons.push(`to evaluate the role's policies itself instead, ssm-doctor needs ${POLICY_READ_APIS.join(', ')}`);
  }
  return { api: 'iam:SimulatePrincipalPolicy', code, kind, message: reasons.join('; ') };
}

/** `aws`, `aws-cn` or `aws-us-gov` for a region. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** ARN of an AWS managed policy in the region's partition. */
export function awsManagedPolicyArn(region: string, name: string): string {
  return `arn:${partitionOf(region)}:iam::aws:policy/${name}`;
}

/** A JSON document as one shell-quoted argument: `'{"a":1}'`. */
export function shellJson(value: unknown): string {
  return `'${JSON.stringify(value).replace(/'/g, `'\\''`)}'`;
}

/** A Terraform resource label from a name. */
export function tfLabel(name: string | undefined, fallback = 'this'): string {
  const s = (name ?? fallback).replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}
