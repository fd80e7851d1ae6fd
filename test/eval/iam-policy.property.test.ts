// Property tests: the evaluator against a deliberately naive reference (regex wildcards, Deny wins).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicies, wildcardMatch } from '../../src/eval/iam-policy.js';
import type { Decision, PolicyStatement } from '../../src/facts/facts.js';

const RUNS = 3000;

function refMatch(pattern: string, value: string, ci: boolean): boolean {
  const src = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${src}$`, ci ? 'si' : 's').test(value);
}

// Small alphabets so that matches are frequent; regex metacharacters included to test escaping.
const patternArb = fc.string({ unit: fc.constantFrom('a', 'b', 'A', ':', '*', '?', '.', '('), maxLength: 10 });
const valueArb = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B', ':', '.', '(', '*'), maxLength: 12 });

describe('wildcardMatch vs a regex reference', () => {
  it('agrees case-sensitively and case-insensitively', () => {
    fc.assert(
      fc.property(patternArb, valueArb, fc.boolean(), (p, v, ci) => {
        expect(wildcardMatch(p, v, ci)).toBe(refMatch(p, v, ci));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('a value always matches itself when it has no wildcards, and "*" matches everything', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ':', '/'), maxLength: 20 }), (v) => {
        expect(wildcardMatch(v, v, false)).toBe(true);
        expect(wildcardMatch('*', v, false)).toBe(true);
        expect(wildcardMatch(v.toUpperCase(), v, true)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

const actionPattern = fc.oneof(
  fc.constantFrom('*', 'ssm:*', 'ssm*:*', 'ssmmessages:*', 'SSM:Update*', 'ssm:?pdate*', 'ec2messages:Get*', 's3:PutObject'),
  fc.string({ unit: fc.constantFrom('s', 'm', ':', '*', '?', 'S'), minLength: 1, maxLength: 6 }),
);
const resourcePattern = fc.constantFrom('*', 'arn:aws:ec2:*', 'arn:aws:ec2:us-east-1:*:instance/i-1', 'arn:aws:ssm:*:*:document/*', 'arn:*:?sm:*');
const strings = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { minLength: 1, maxLength: 3 }));

const statementArb: fc.Arbitrary<PolicyStatement> = fc.record(
  {
    Effect: fc.constantFrom('Allow', 'Deny'),
    act: fc.boolean(),
    actions: strings(actionPattern),
    res: fc.boolean(),
    resources: strings(resourcePattern),
  },
).map(({ Effect, act, actions, res, resources }) => ({
  Effect: Effect as 'Allow' | 'Deny',
  ...(act ? { Action: actions } : { NotAction: actions }),
  ...(res ? { Resource: resources } : { NotResource: resources }),
}));

const actionArb = fc.constantFrom(
  'ssm:UpdateInstanceInformation',
  'ssmmessages:OpenDataChannel',
  'ec2messages:GetMessages',
  's3:PutObject',
  'ssm:StartSession',
);
const resourceArb = fc.constantFrom('*', 'arn:aws:ec2:us-east-1:1:instance/i-1', 'arn:aws:ssm:us-east-1:1:document/SSM-SessionManagerRunShell');

const arr = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function refApplies(s: PolicyStatement, action: string, resource: string): boolean {
  const a = s.Action !== undefined ? arr(s.Action).some((p) => refMatch(p, action, true)) : !arr(s.NotAction).some((p) => refMatch(p, action, true));
  const r = s.Resource !== undefined ? arr(s.Resource).some((p) => refMatch(p, resource, false)) : !arr(s.NotResource).some((p) => refMatch(p, resource, false));
  return a && r;
}

function refDecide(statements: PolicyStatement[], action: string, resource: string): Decision {
  const applying = statements.filter((s) => refApplies(s, action, resource));
  if (applying.some((s) => s.Effect === 'Deny')) return 'explicitDeny';
  if (applying.some((s) => s.Effect === 'Allow')) return 'allowed';
  return 'implicitDeny';
}

describe('evaluatePolicies vs a reference (no conditions)', () => {
  const policiesArb = fc.array(fc.array(statementArb, { maxLength: 4 }), { maxLength: 3 });

  it('decides like the reference and names an applying statement of the right effect', () => {
    fc.assert(
      fc.property(policiesArb, actionArb, resourceArb, fc.boolean(), (policies, action, resource, single) => {
        const named = policies.map((s, i) => ({
          name: `p${i}`,
          document: { Statement: single && s.length === 1 ? s[0]! : s },
        }));
        const r = evaluatePolicies(named, { action, resource });
        expect(r.decision).toBe(refDecide(policies.flat(), action, resource));
        expect(r.conditional).toBeUndefined();
        if (r.decision === 'implicitDeny') expect(r.statement).toBeUndefined();
        else {
          const st = policies[Number(r.statement!.policyName.slice(1))]![r.statement!.index]!;
          expect(st.Effect).toBe(r.decision === 'allowed' ? 'Allow' : 'Deny');
          expect(refApplies(st, action, resource)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('adding an applying unconditional Deny always yields explicitDeny; adding Allow * never removes a Deny', () => {
    fc.assert(
      fc.property(policiesArb, actionArb, resourceArb, (policies, action, resource) => {
        const named = policies.map((s, i) => ({ name: `p${i}`, document: { Statement: s } }));
        const deny = { name: 'deny', document: { Statement: [{ Effect: 'Deny' as const, Action: action, Resource: '*' }] } };
        expect(evaluatePolicies([...named, deny], { action, resource }).decision).toBe('explicitDeny');
        const before = evaluatePolicies(named, { action, resource }).decision;
        const allowAll = { name: 'all', document: { Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] } };
        const after = evaluatePolicies([allowAll, ...named], { action, resource }).decision;
        expect(after).toBe(before === 'explicitDeny' ? 'explicitDeny' : 'allowed');
      }),
      { numRuns: RUNS },
    );
  });

  it('conditions never turn a decision into an unconditional allow', () => {
    const cond = { StringEquals: { 'aws:PrincipalTag/x': 'y' } };
    fc.assert(
      fc.property(policiesArb, fc.array(fc.nat(), { maxLength: 6 }), actionArb, resourceArb, (policies, picks, action, resource) => {
        // Put a Condition on some statements: the result may only get less certain, never more permissive.
        const flat = policies.flat();
        const withCond = flat.map((s, i) => (picks.includes(i) ? { ...s, Condition: cond } : s));
        const r = evaluatePolicies([{ name: 'p', document: { Statement: withCond } }], { action, resource });
        const unconditional = withCond.filter((s) => !s.Condition);
        const ref = refDecide(unconditional, action, resource);
        if (ref === 'explicitDeny') expect(r).toMatchObject({ decision: 'explicitDeny' });
        if (r.decision === 'allowed' && !r.conditional) expect(ref).toBe('allowed');
        if (r.conditional) expect(refDecide(flat, action, resource)).not.toBe('implicitDeny');
      }),
      { numRuns: RUNS },
    );
  });
});
