import { describe, expect, it } from 'vitest';
import { evaluatePolicies, resourceMatch, wildcardMatch, type EvalRequest } from '../../src/eval/iam-policy.js';
import type { PolicyDocument, PolicyStatement } from '../../src/facts/facts.js';

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const ev = (d: PolicyDocument | PolicyDocument[], req: Partial<EvalRequest> & { action: string }) =>
  evaluatePolicies(
    (Array.isArray(d) ? d : [d]).map((document, i) => ({ name: `p${i}`, document })),
    { resource: '*', ...req },
  );

const ROLE = 'arn:aws:iam::111122223333:role/ssm-role';

describe('evaluatePolicies', () => {
  it.each([
    ['exact action', doc({ Effect: 'Allow', Action: 'ssm:UpdateInstanceInformation', Resource: '*' }), 'allowed'],
    ['case-insensitive action', doc({ Effect: 'Allow', Action: 'SSM:updateinstanceINFORMATION', Resource: '*' }), 'allowed'],
    ['service wildcard', doc({ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }), 'allowed'],
    ['ssm*:*', doc({ Effect: 'Allow', Action: 'ssm*:*', Resource: '*' }), 'allowed'],
    ['? wildcard', doc({ Effect: 'Allow', Action: 'ssm:UpdateInstanceInformatio?', Resource: '*' }), 'allowed'],
    ['other action', doc({ Effect: 'Allow', Action: 'ssm:GetDocument', Resource: '*' }), 'implicitDeny'],
    ['NotAction excluding it', doc({ Effect: 'Allow', NotAction: 'ssm:*', Resource: '*' }), 'implicitDeny'],
    ['NotAction not excluding it', doc({ Effect: 'Allow', NotAction: ['iam:*', 'ec2:*'], Resource: '*' }), 'allowed'],
    ['array Statement list', doc({ Effect: 'Allow', Action: ['s3:*', 'ssm:Update*'], Resource: ['*'] }), 'allowed'],
    ['no Action at all', doc({ Effect: 'Allow', Resource: '*' } as PolicyStatement), 'implicitDeny'],
    ['empty policy', { Statement: [] } as PolicyDocument, 'implicitDeny'],
  ] as [string, PolicyDocument, string][])('%s', (_n, d, decision) => {
    expect(ev(d, { action: 'ssm:UpdateInstanceInformation' }).decision).toBe(decision);
  });

  it('accepts a single statement object', () => {
    const d: PolicyDocument = { Statement: { Effect: 'Allow', Action: 'ssm:*', Resource: '*' } };
    expect(ev(d, { action: 'ssm:StartSession' })).toEqual({
      decision: 'allowed',
      statement: { policyName: 'p0', index: 0, effect: 'Allow' },
    });
  });

  it('explicit Deny wins over Allow, in any policy and order, naming the statement', () => {
    const allow = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    const deny = doc({ Sid: 'NoMessages', Effect: 'Deny', Action: 'ssmmessages:*', Resource: '*' });
    for (const ds of [[allow, deny], [deny, allow]]) {
      const r = ev(ds, { action: 'ssmmessages:OpenDataChannel' });
      expect(r.decision).toBe('explicitDeny');
      expect(r.statement?.sid).toBe('NoMessages');
      expect(r.conditional).toBeUndefined();
    }
  });

  it('resources are case-sensitive and wildcarded', () => {
    const d = doc({ Effect: 'Allow', Action: 'ssm:StartSession', Resource: 'arn:aws:ec2:*:*:instance/i-0abc*' });
    expect(ev(d, { action: 'ssm:StartSession', resource: 'arn:aws:ec2:us-east-1:1:instance/i-0abc1' }).decision).toBe('allowed');
    expect(ev(d, { action: 'ssm:StartSession', resource: 'arn:aws:ec2:us-east-1:1:instance/i-0ABC1' }).decision).toBe('implicitDeny');
  });

  it('NotResource', () => {
    const d = doc({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:ec2:*:*:instance/i-ok' }, { Effect: 'Allow', Action: '*', Resource: '*' });
    expect(ev(d, { action: 'ssm:StartSession', resource: 'arn:aws:ec2:r:1:instance/i-ok' }).decision).toBe('allowed');
    expect(ev(d, { action: 'ssm:StartSession', resource: 'arn:aws:ec2:r:1:instance/i-other' }).decision).toBe('explicitDeny');
  });

  it('absent Resource matches (trust / endpoint policies)', () => {
    expect(ev(doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: '*' }), { action: 'sts:AssumeRole', resource: ROLE }).decision).toBe('allowed');
  });

  describe('conditions', () => {
    const cond = { StringEquals: { 'aws:SourceVpce': 'vpce-1' } };
    it('an Allow with a Condition allows, conditionally; an unconditional Allow is preferred', () => {
      const c = doc({ Sid: 'C', Effect: 'Allow', Action: 'ssm:*', Resource: '*', Condition: cond });
      expect(ev(c, { action: 'ssm:X' })).toMatchObject({ decision: 'allowed', conditional: true, statement: { sid: 'C' } });
      const both = [c, doc({ Sid: 'U', Effect: 'Allow', Action: 'ssm:*', Resource: '*' })];
      const r = ev(both, { action: 'ssm:X' });
      expect(r).toMatchObject({ decision: 'allowed', statement: { sid: 'U' } });
      expect(r.conditional).toBeUndefined();
    });
    it('a Deny with a Condition over an Allow: explicitDeny, conditional', () => {
      const d = doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'D', Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: cond });
      expect(ev(d, { action: 'ssm:X' })).toMatchObject({ decision: 'explicitDeny', conditional: true, statement: { sid: 'D' } });
    });
    it('a Deny with a Condition and no Allow: denied either way (implicitDeny, not conditional)', () => {
      const d = doc({ Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: cond });
      expect(ev(d, { action: 'ssm:X' })).toEqual({ decision: 'implicitDeny' });
    });
    it('an unconditional Deny beats a conditional one', () => {
      const d = doc(
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Sid: 'C', Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: cond },
        { Sid: 'U', Effect: 'Deny', Action: 'ssm:*', Resource: '*' },
      );
      expect(ev(d, { action: 'ssm:X' })).toEqual({ decision: 'explicitDeny', statement: { policyName: 'p0', sid: 'U', index: 2, effect: 'Deny' } });
    });
    it('an empty Condition block is no condition', () => {
      expect(ev(doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: {} }), { action: 'a:b' }).conditional).toBeUndefined();
    });
  });

  describe('principals (only when the request names one)', () => {
    const trust = (Principal: PolicyStatement['Principal']) => doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal });
    const svc = (id: string) => ({ type: 'Service' as const, id });
    const aws = (id: string) => ({ type: 'AWS' as const, id });
    it.each([
      ['service', { Service: 'ec2.amazonaws.com' }, svc('ec2.amazonaws.com'), 'allowed'],
      ['service list', { Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] }, svc('ec2.amazonaws.com'), 'allowed'],
      ['other service', { Service: 'lambda.amazonaws.com' }, svc('ec2.amazonaws.com'), 'implicitDeny'],
      ['"*"', '*', svc('ssm.amazonaws.com'), 'allowed'],
      ['AWS "*"', { AWS: '*' }, svc('ssm.amazonaws.com'), 'allowed'],
      ['AWS arn', { AWS: ROLE }, aws(ROLE), 'allowed'],
      ['AWS account id', { AWS: '111122223333' }, aws(ROLE), 'allowed'],
      ['AWS root', { AWS: 'arn:aws:iam::111122223333:root' }, aws(ROLE), 'allowed'],
      ['AWS other account', { AWS: 'arn:aws:iam::999999999999:root' }, aws(ROLE), 'implicitDeny'],
      ['AWS vs service', { AWS: ROLE }, svc('ec2.amazonaws.com'), 'implicitDeny'],
      ['Federated', { Federated: 'cognito-identity.amazonaws.com' }, svc('ec2.amazonaws.com'), 'implicitDeny'],
    ] as const)('%s', (_n, p, who, decision) => {
      expect(ev(trust(p as PolicyStatement['Principal']), { action: 'sts:AssumeRole', resource: ROLE, principal: who }).decision).toBe(decision);
    });
    it('NotPrincipal', () => {
      const d = doc(
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: '*' },
        { Effect: 'Deny', Action: 'sts:AssumeRole', NotPrincipal: { Service: 'ec2.amazonaws.com' } },
      );
      expect(ev(d, { action: 'sts:AssumeRole', principal: svc('ec2.amazonaws.com') }).decision).toBe('allowed');
      expect(ev(d, { action: 'sts:AssumeRole', principal: svc('lambda.amazonaws.com') }).decision).toBe('explicitDeny');
    });
    it('without a principal in the request, Principal is ignored', () => {
      expect(ev(trust({ Service: 'lambda.amazonaws.com' }), { action: 'sts:AssumeRole' }).decision).toBe('allowed');
    });
  });
});

describe('wildcards', () => {
  it.each([
    ['*', '', true],
    ['a*', 'a', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*:*', 'ssm:x', true],
    ['s*s*s', 'sss', true],
    ['s*s*s', 'ss', false],
    ['a.b', 'axb', false],
  ] as const)('%s ~ %s = %s', (p, v, m) => expect(wildcardMatch(p, v, false)).toBe(m));

  it('policy variables make a resource match uncertain; ${*} ${?} ${$} are literals', () => {
    expect(resourceMatch('arn:aws:s3:::b/${aws:username}/*', 'arn:aws:s3:::b/alice/x')).toBe('maybe');
    expect(resourceMatch('arn:aws:s3:::c/${aws:username}/*', 'arn:aws:s3:::b/alice/x')).toBe('no');
    expect(resourceMatch('a${*}b', 'a*b')).toBe('yes');
    expect(resourceMatch('a${*}b', 'axb')).toBe('no');
    expect(resourceMatch('a${?}${$}', 'a?$')).toBe('yes');
    expect(resourceMatch('a$b', 'a$b')).toBe('yes');
  });

  it('an Allow that only matched through a policy variable is conditional', () => {
    const r = evaluatePolicies(
      [{ name: 'p', document: { Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/${aws:userid}/*' }] } }],
      { action: 's3:PutObject', resource: 'arn:aws:s3:::b/AIDA/x' },
    );
    expect(r).toMatchObject({ decision: 'allowed', conditional: true });
  });
});
