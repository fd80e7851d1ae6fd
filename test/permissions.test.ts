import { describe, expect, it } from 'vitest';
import { decide } from '../src/eval/permissions.js';
import { runCheck } from '../src/check/run.js';
import { failed, ok, type Facts, type NamedPolicy } from '../src/facts/facts.js';
import type { Check } from '../src/check/kit.js';
import { AGENT_CORE_ACTIONS } from '../src/facts/requirements.js';
import { EC2_TRUST, IID, ROLE_ARN, ROLE_NAME, denied, world } from './fixtures/world.js';

const CORE = [...AGENT_CORE_ACTIONS];
const simDenied = (f: Facts) => (f.simulations[ROLE_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied')));
const withPolicies = (f: Facts, policies: NamedPolicy[], boundary?: string) =>
  (f.roles[ROLE_NAME] = ok({
    name: ROLE_NAME,
    arn: ROLE_ARN,
    trustPolicy: EC2_TRUST,
    policies: ok(policies),
    ...(boundary ? { permissionsBoundaryArn: boundary } : {}),
  }));
const inline = (name: string, Statement: NamedPolicy['document']['Statement']): NamedPolicy => ({ name, kind: 'inline', document: { Statement } });

/** Runs decide inside a throwaway check so NeedFact becomes an `error` result, as in real runs. */
function asCheck(facts: Facts, actions: string[] = CORE, resource = '*') {
  let answers: ReturnType<typeof decide> | undefined;
  const check: Check = {
    meta: { id: 't', title: 't', group: 'iam', description: '' },
    run: () => {
      answers = decide(facts, ROLE_ARN, ROLE_NAME, actions, resource);
      return { status: 'pass', detail: '' };
    },
  };
  const result = runCheck(check, { facts, id: IID, region: facts.region });
  return { result, answers };
}

describe('decide', () => {
  it('uses the simulation when it holds every (action, resource)', () => {
    const { answers } = asCheck(world());
    expect(answers).toHaveLength(CORE.length);
    expect(answers!.every((a) => a.method === 'simulation' && a.decision === 'allowed')).toBe(true);
  });

  it('falls back to policy documents when the simulation lacks the resource', () => {
    const { answers } = asCheck(
      world((f) => withPolicies(f, [inline('p', { Effect: 'Allow', Action: 'ssm:StartSession', Resource: 'arn:x' })])),
      ['ssm:StartSession'],
      'arn:x',
    );
    expect(answers).toEqual([{ action: 'ssm:StartSession', resource: 'arn:x', decision: 'allowed', method: 'policy-documents', via: 'p' }]);
  });

  it('evaluates documents locally when simulation was denied, naming Policy#Sid', () => {
    const { answers } = asCheck(
      world((f) => {
        simDenied(f);
        withPolicies(f, [
          inline('core', { Effect: 'Allow', Action: '*', Resource: '*' }),
          inline('deny', [{ Sid: 'NoData', Effect: 'Deny', Action: 'ssmmessages:*Data*', Resource: '*' }]),
        ]);
      }),
    );
    expect(answers!.map((a) => [a.action, a.decision, a.via])).toEqual([
      ['ssm:UpdateInstanceInformation', 'allowed', 'core'],
      ['ssmmessages:CreateControlChannel', 'allowed', 'core'],
      ['ssmmessages:CreateDataChannel', 'explicitDeny', 'deny#NoData'],
      ['ssmmessages:OpenControlChannel', 'allowed', 'core'],
      ['ssmmessages:OpenDataChannel', 'explicitDeny', 'deny#NoData'],
    ]);
    expect(answers!.every((a) => a.method === 'policy-documents')).toBe(true);
  });

  it('a permissions boundary makes a local allow conditional', () => {
    const { answers } = asCheck(
      world((f) => {
        simDenied(f);
        withPolicies(f, [inline('core', { Effect: 'Allow', Action: '*', Resource: '*' })], 'arn:aws:iam::111122223333:policy/boundary');
      }),
    );
    expect(answers!.every((a) => a.conditional)).toBe(true);
  });

  it.each([
    ['documents unreadable', (f: Facts) => withPoliciesFailed(f)],
    ['role unreadable', (f: Facts) => (f.roles[ROLE_NAME] = failed(denied('iam:GetRole', 'AccessDenied')))],
    ['documents not collected', (_f: Facts) => undefined],
  ])('errors naming iam:SimulatePrincipalPolicy and the policy reads when simulation is denied and %s', (_n, edit) => {
    const { result } = asCheck(world((f) => (simDenied(f), edit(f))));
    expect(result.status).toBe('error');
    expect(result.detail).toContain('iam:SimulatePrincipalPolicy');
    expect(result.detail).toContain('iam:GetRolePolicy');
    expect(result.detail).toContain('iam:ListAttachedRolePolicies');
    expect(result.data).toMatchObject({ api: 'iam:SimulatePrincipalPolicy', code: 'AccessDenied' });
  });
});

function withPoliciesFailed(f: Facts) {
  f.roles[ROLE_NAME] = ok({ name: ROLE_NAME, arn: ROLE_ARN, policies: failed(denied('iam:GetRolePolicy', 'AccessDenied')) });
}
