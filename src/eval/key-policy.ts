// What a KMS key policy says about one principal and one action, with the local policy evaluator. A key policy
// either allows the principal itself, or delegates to the account ("arn:aws:iam::<account>:root" or the account
// id as principal: then the principal's IAM policies decide), or denies, or says nothing (then IAM cannot help).
// iam:SimulatePrincipalPolicy never sees key policies, so this is the only judge of that side.
import type { PolicyDocument, PolicyStatement } from '../facts/facts.js';
import { statementApplies, statementsOf } from './iam-policy.js';

export type KeyPolicyAnswer =
  /** A statement names the principal (or every principal) and applies without a condition. */
  | { kind: 'direct'; via: string }
  /** Only an account statement applies: the principal's IAM policies decide. */
  | { kind: 'delegates'; via: string }
  | { kind: 'denied'; via: string }
  /** The answer depends on a condition the evaluator does not evaluate. */
  | { kind: 'conditional'; via: string }
  | { kind: 'none' };

function label(st: PolicyStatement, index: number): string {
  return st.Sid ? `statement ${st.Sid}` : `statement #${index + 1}`;
}

function values(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The statement names this principal itself, or every principal, rather than only its account. */
function namesDirectly(st: PolicyStatement, principalArn: string): boolean {
  const p = st.Principal;
  if (p === '*') return true;
  if (!p || typeof p !== 'object') return false;
  return values(p.AWS).some((a) => a === '*' || a === principalArn);
}

export function keyPolicyAnswer(policy: PolicyDocument, principalArn: string, action: string, keyArn: string): KeyPolicyAnswer {
  const req = { action, resource: keyArn, principal: { type: 'AWS' as const, id: principalArn } };
  const statements = statementsOf(policy);
  let conditionalDeny: string | undefined;
  let conditionalAllow: string | undefined;
  let delegation: string | undefined;
  let direct: string | undefined;
  for (const [i, st] of statements.entries()) {
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') continue;
    const m = statementApplies(st, req);
    if (m === 'no') continue;
    if (st.Effect === 'Deny') {
      if (m === 'yes') return { kind: 'denied', via: label(st, i) };
      conditionalDeny ??= label(st, i);
    } else if (m === 'maybe') conditionalAllow ??= label(st, i);
    else if (namesDirectly(st, principalArn)) direct ??= label(st, i);
    else delegation ??= label(st, i);
  }
  // A Deny that may apply makes any allow uncertain; an uncertain Allow only matters when nothing else allows.
  if (conditionalDeny && (direct || delegation || conditionalAllow)) return { kind: 'conditional', via: conditionalDeny };
  if (direct) return { kind: 'direct', via: direct };
  if (delegation) return { kind: 'delegates', via: delegation };
  if (conditionalAllow) return { kind: 'conditional', via: conditionalAllow };
  return { kind: 'none' };
}

/** The key policy with one more statement granting `actions` to `principalArns` (for put-key-policy). */
export function withGrant(policy: PolicyDocument, sid: string, principalArns: string[], actions: string[]): PolicyDocument {
  const statements = statementsOf(policy).filter((s) => s.Sid !== sid);
  const one = <T>(xs: T[]): T | T[] => (xs.length === 1 ? xs[0]! : xs);
  return {
    Version: policy.Version ?? '2012-10-17',
    Statement: [...statements, { Sid: sid, Effect: 'Allow', Principal: { AWS: one(principalArns) }, Action: one(actions), Resource: '*' }],
  };
}
