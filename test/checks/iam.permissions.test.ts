import { describe, expect, it } from 'vitest';
import { iamPermissions } from '../../checks/iam.permissions.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts, type NamedPolicy, type PolicyStatement } from '../../src/facts/facts.js';
import { AGENT_ACTIONS, AGENT_CORE_ACTIONS } from '../../src/facts/requirements.js';
import { ACCOUNT, EC2_TRUST, IID, PROFILE_ARN, ROLE_ARN, ROLE_NAME, agentOffline, denied, val, world } from '../fixtures/world.js';
import { expectRunnableCli, expectValidHcl } from '../fixtures/fix-syntax.js';
import { MANAGED_INSTANCE_CORE } from '../fixtures/policies.js';

const run = (edit?: (f: Facts) => void) => {
  const facts = world(edit);
  return runCheck(iamPermissions, { facts, id: IID, region: facts.region });
};

const inline = (name: string, ...Statement: PolicyStatement[]): NamedPolicy => ({ name, kind: 'inline', document: { Version: '2012-10-17', Statement } });

/** Simulation denied; the role's documents are these. */
const docs =
  (...policies: NamedPolicy[]) =>
  (f: Facts) => {
    f.simulations[ROLE_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied'));
    f.roles[ROLE_NAME] = ok({ name: ROLE_NAME, arn: ROLE_ARN, trustPolicy: EC2_TRUST, policies: ok(policies) });
  };
const agentVersion = (v: string) => (f: Facts) => (val(f.agents[IID])!.agentVersion = v);
const both =
  (...edits: ((f: Facts) => void)[]) =>
  (f: Facts) =>
    edits.forEach((e) => e(f));
const simulate = (decisions: Record<string, 'allowed' | 'explicitDeny' | 'implicitDeny'>, arn = ROLE_ARN) => (f: Facts) =>
  (f.simulations[arn] = ok(AGENT_ACTIONS.map((action) => ({ action, resource: '*', decision: decisions[action] ?? 'allowed' }))));

const CORE_ONLY = inline('custom', { Effect: 'Allow', Action: [...AGENT_CORE_ACTIONS], Resource: '*' });
const MESSAGES = ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'];

describe('iam.permissions', () => {
  it.each([
    ['simulation allows everything (healthy world)', undefined, 'simulation'],
    ['managed policy, documents evaluated locally', docs(MANAGED_INSTANCE_CORE), 'policy-documents'],
    ['custom policy granting the actions via documents', docs(inline('custom', { Effect: 'Allow', Action: [...AGENT_ACTIONS], Resource: '*' })), 'policy-documents'],
    ['wildcards ssm*:* and ec2messages:*', docs(inline('wild', { Effect: 'Allow', Action: ['ssm*:*', 'EC2Messages:*'], Resource: '*' })), 'policy-documents'],
    ['NotAction not covering them', docs(inline('broad', { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' })), 'policy-documents'],
  ] as const)('passes: %s', (_n, edit, method) => {
    const r = run(edit);
    expect(r.status).toBe('pass');
    expect(r.data).toMatchObject({ method, roleArn: ROLE_ARN });
    expect(r.detail).toContain(method === 'simulation' ? 'iam:SimulatePrincipalPolicy' : 'policy documents');
  });

  it('fails on AmazonSSMManagedInstanceCore + an explicit Deny on ssmmessages:*, naming the actions and the statement', () => {
    const r = run(both(docs(MANAGED_INSTANCE_CORE, inline('guardrail', { Sid: 'NoSessions', Effect: 'Deny', Action: 'ssmmessages:*', Resource: '*' })), agentOffline));
    expect(r.status).toBe('fail');
    for (const a of MESSAGES) expect(r.detail).toContain(`${a} (explicitly denied by guardrail#NoSessions)`);
    expect(r.detail).not.toContain('ssm:UpdateInstanceInformation');
    expect(r.detail).toContain('policy documents');
    expect(r.fix?.summary).toContain(`Remove or narrow statement NoSessions of inline policy guardrail (aws_iam_role_policy on role ${ROLE_NAME})`);
    expect(r.fix?.summary).toContain('an Allow does not override a Deny');
    expect(r.fix?.summary).not.toContain('restart');
    expect(r.fix?.summary).not.toContain('Attach');
  });

  it('addresses an explicit Deny itself, never with an attachment (an Allow does not override a Deny)', () => {
    const deny = inline('guardrail', { Sid: 'NoSessions', Effect: 'Deny', Action: 'ssmmessages:*', Resource: '*' });
    const r = run(both(docs(MANAGED_INSTANCE_CORE, deny), agentOffline));
    expect(r.fix?.cli).toEqual([`aws iam get-role-policy --role-name ${ROLE_NAME} --policy-name guardrail --query 'PolicyDocument.Statement[?Sid==\`NoSessions\`]'`]);
    expect(r.fix?.terraform).not.toContain('resource');
    expect(r.fix?.terraform).toContain('#   statement NoSessions of inline policy guardrail');
    expectRunnableCli(r.fix);
    expectValidHcl(r.fix?.terraform);

    // A customer managed policy: its default version's statement; an AWS managed one (AWSDenyAll): detach it.
    const managed = (name: string, arn: string): NamedPolicy => ({ name, kind: 'managed', arn, document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] } });
    const custom = run(both(docs(MANAGED_INSTANCE_CORE, managed('no-sessions', `arn:aws:iam::${ACCOUNT}:policy/no-sessions`)), agentOffline));
    expect(custom.fix?.cli[0]).toBe(
      `aws iam get-policy-version --policy-arn arn:aws:iam::${ACCOUNT}:policy/no-sessions --version-id "$(aws iam get-policy --policy-arn arn:aws:iam::${ACCOUNT}:policy/no-sessions --query Policy.DefaultVersionId --output text)" --query 'PolicyVersion.Document.Statement[?Effect==\`Deny\`]'`,
    );
    const aws = run(both(docs(MANAGED_INSTANCE_CORE, managed('AWSDenyAll', 'arn:aws:iam::aws:policy/AWSDenyAll')), agentOffline));
    expect(aws.fix?.cli).toEqual([`aws iam detach-role-policy --role-name ${ROLE_NAME} --policy-arn arn:aws:iam::aws:policy/AWSDenyAll`]);
    expectRunnableCli(aws.fix);
  });

  it('fails on a NotAction that excludes ssmmessages, as implicitly denied, with attach-role-policy as the fix', () => {
    const r = run(both(docs(inline('broad', { Effect: 'Allow', NotAction: 'ssmmessages:*', Resource: '*' })), agentOffline));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ssmmessages:OpenDataChannel (implicitly denied)');
    expect(r.fix?.cli).toEqual([`aws iam attach-role-policy --role-name ${ROLE_NAME} --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`]);
    expect(r.fix?.terraform).toContain('aws_iam_role_policy_attachment');
    // The agent's back-off after the fix is the diagnosis's later step, not this fix's.
    expect(r.fix?.summary).toBe(`Attach AmazonSSMManagedInstanceCore to role ${ROLE_NAME}.`);
  });

  it('fails from the simulation, saying which method decided', () => {
    const r = run(both(simulate({ 'ssm:UpdateInstanceInformation': 'implicitDeny', 'ssmmessages:OpenDataChannel': 'explicitDeny' }), agentOffline));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ssm:UpdateInstanceInformation (implicitly denied)');
    expect(r.detail).toContain('ssmmessages:OpenDataChannel (explicitly denied)');
    expect(r.detail).toContain('iam:SimulatePrincipalPolicy');
    expect(r.fix?.summary).toContain('SCP');
    // The implicit deny is fixed by the attachment; the explicit one only where it is (the simulation says which policy).
    expect(r.fix?.cli).toEqual([
      `aws iam attach-role-policy --role-name ${ROLE_NAME} --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      `aws iam simulate-principal-policy --policy-source-arn ${ROLE_ARN} --action-names ssmmessages:OpenDataChannel --query 'EvaluationResults[].[EvalActionName,EvalDecision,join(\`,\`,MatchedStatements[].SourcePolicyId),OrganizationsDecisionDetail.AllowedByOrganizations,PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary]' --output text`,
    ]);
    expectRunnableCli(r.fix);
    expectValidHcl(r.fix?.terraform);
  });

  it('warns, not fails, when the live agent contradicts a denial: Online proves ssm:UpdateInstanceInformation, connected proves the control channel', () => {
    const deny = simulate({ 'ssmmessages:CreateControlChannel': 'explicitDeny' });
    const r = run(deny);
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('according to the simulation, yet Session Manager reports the agent connected');
    expect(r.data).toMatchObject({ provenByAgent: ['ssmmessages:CreateControlChannel'] });
    expect(r.fix?.cli[0]).toContain('aws iam simulate-principal-policy');
    // Online but not connected: the heartbeat is proven, the channel is not.
    const online = (f: Facts) => (f.connections[IID] = ok('notconnected'));
    expect(run(both(deny, online)).status).toBe('fail');
    const heartbeat = run(both(simulate({ 'ssm:UpdateInstanceInformation': 'implicitDeny' }), online));
    expect(heartbeat.status).toBe('warn');
    expect(heartbeat.detail).toContain('the agent is Online in Systems Manager');
    expect(run(both(simulate({ 'ssm:UpdateInstanceInformation': 'implicitDeny' }), agentOffline)).status).toBe('fail');
  });

  it('fails a denied data channel even while the agent is connected: only opening a session calls it', () => {
    const r = run(simulate({ 'ssmmessages:OpenDataChannel': 'explicitDeny' }));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ssmmessages:OpenDataChannel (explicitly denied)');
    expect(r.explains).toEqual(['session.connection']);
    const both2 = run(simulate({ 'ssmmessages:CreateControlChannel': 'explicitDeny', 'ssmmessages:CreateDataChannel': 'explicitDeny' }));
    expect(both2.status).toBe('fail');
  });

  it('fails a Deny without a condition in the role\'s own documents whatever the agent shows: nothing turns a Deny into an Allow', () => {
    const deny = inline('guardrail', { Sid: 'NoHeartbeat', Effect: 'Deny', Action: 'ssm:UpdateInstanceInformation', Resource: '*' });
    const r = run(docs(MANAGED_INSTANCE_CORE, deny));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ssm:UpdateInstanceInformation (explicitly denied by guardrail#NoHeartbeat)');
  });

  it('names the DHMC role as what may carry an Online agent whose instance profile role may not heartbeat', () => {
    const r = run(both(simulate({ 'ssm:UpdateInstanceInformation': 'implicitDeny' }), (f) => (f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' }))));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('or the agent uses the Default Host Management Configuration role dhmc-role');
  });

  it('passes, naming them, when only ec2messages is missing and the agent is new enough not to use it', () => {
    const r = run(docs(CORE_ONLY));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('ec2messages:* (implicitly denied)');
    expect(r.detail).toContain('3.3.40.0');
  });

  it('names the single ec2messages action that is missing', () => {
    const r = run(simulate({ 'ec2messages:GetMessages': 'explicitDeny' }));
    expect(r.status).toBe('pass');
    expect(r.detail).toContain('not allow ec2messages:GetMessages (explicitly denied)');
  });

  it('passes for ssm*:* alone with a new agent (covers ssm and ssmmessages, not ec2messages)', () => {
    expect(run(docs(inline('wild', { Effect: 'Allow', Action: 'ssm*:*', Resource: '*' }))).status).toBe('pass');
  });

  it('warns when ec2messages is missing and the agent version is unknown (not registered)', () => {
    const r = run(both(docs(CORE_ONLY), (f) => (f.agents[IID] = ok(null))));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('the agent version is unknown');
  });

  it('fails when ec2messages is missing and the agent is older than 3.3.40.0', () => {
    const r = run(both(docs(CORE_ONLY), agentVersion('3.2.923.0')));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ec2messages:* (implicitly denied)');
    expect(r.detail).toContain('3.2.923.0');
  });

  it('warns when the deciding Allow has a Condition', () => {
    const r = run(docs(inline('c', { Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } })));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('Condition');
  });

  it('warns when a conditional Deny may block the agent', () => {
    const r = run(
      docs(MANAGED_INSTANCE_CORE, inline('g', { Sid: 'D', Effect: 'Deny', Action: 'ssmmessages:*', Resource: '*', Condition: { Bool: { 'aws:ViaAWSService': 'false' } } })),
    );
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('explicitly denied by g#D, if its condition holds');
  });

  it('judges the DHMC role when there is no instance profile', () => {
    const dhmcArn = `arn:aws:iam::${ACCOUNT}:role/dhmc-role`;
    const r = run((f) => {
      delete val(f.instances[IID])!.instanceProfileArn;
      f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' });
      f.roles['dhmc-role'] = ok({ name: 'dhmc-role', arn: dhmcArn });
      simulate({ 'ssmmessages:CreateDataChannel': 'implicitDeny' }, dhmcArn)(f);
      agentOffline(f);
    });
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('DHMC role dhmc-role');
    expect(r.fix?.cli[0]).toContain('AmazonSSMManagedEC2InstanceDefaultPolicy');
  });

  it.each([
    ['no instance profile and DHMC off', (f: Facts) => delete val(f.instances[IID])!.instanceProfileArn],
    ['a profile without a role', (f: Facts) => (val(f.instanceProfiles[PROFILE_ARN])!.roles = [])],
    ['a profile that no longer exists', (f: Facts) => (f.instanceProfiles[PROFILE_ARN] = ok(null))],
  ])('skips with %s', (_n, edit) => {
    const r = run(edit);
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('iam.instance-profile');
  });

  it('skips when the DHMC role does not exist (iam.role-trust reports it), instead of an error', () => {
    const r = run((f) => {
      delete val(f.instances[IID])!.instanceProfileArn;
      f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' });
      const gone = { api: 'iam:GetRole', code: 'NoSuchEntityException', message: 'The role with name dhmc-role cannot be found.', kind: 'other' as const };
      f.roles['dhmc-role'] = failed(gone);
      f.simulations[`arn:aws:iam::${ACCOUNT}:role/dhmc-role`] = failed({ ...gone, api: 'iam:SimulatePrincipalPolicy' });
    });
    expect(r.status).toBe('skip');
    expect(r.detail).toContain('iam.role-trust');
  });

  it('errors naming the APIs when simulation is denied and the documents are unreadable', () => {
    const r = run((f) => {
      f.simulations[ROLE_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied'));
      f.roles[ROLE_NAME] = ok({ name: ROLE_NAME, arn: ROLE_ARN, policies: failed(denied('iam:ListAttachedRolePolicies', 'AccessDenied')) });
    });
    expect(r.status).toBe('error');
    expect(r.detail).toContain('iam:SimulatePrincipalPolicy');
    expect(r.detail).toContain('iam:ListAttachedRolePolicies');
    expect(r.detail).toContain('iam:GetRolePolicy');
  });

  it('errors when the instance profile cannot be read', () => {
    const r = run((f) => (f.instanceProfiles[PROFILE_ARN] = failed(denied('iam:GetInstanceProfile', 'AccessDenied'))));
    expect(r.status).toBe('error');
    expect(r.detail).toContain('iam:GetInstanceProfile');
  });
});

describe('iam.permissions: ssm:UpdateInstanceInformation is about the instance (local evaluation)', () => {
  const CORE = inline('core', { Effect: 'Allow', Action: ['ssm:UpdateInstanceInformation', ...MESSAGES], Resource: '*' });
  it('fails a Deny scoped to instance ARNs, which a question on * would miss', () => {
    const deny = inline('guard', { Sid: 'NoEc2', Effect: 'Deny', Action: 'ssm:UpdateInstanceInformation', Resource: 'arn:aws:ec2:*:*:instance/*' });
    const r = run(both(docs(CORE, deny), agentOffline));
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('ssm:UpdateInstanceInformation (explicitly denied by guard#NoEc2)');
  });

  it('passes an Allow scoped to instance ARNs', () => {
    const scoped = inline('scoped', { Effect: 'Allow', Action: 'ssm:UpdateInstanceInformation', Resource: 'arn:aws:ec2:*:*:instance/*' }, { Effect: 'Allow', Action: MESSAGES, Resource: '*' });
    expect(run(both(docs(scoped), agentOffline)).status).toBe('pass');
  });
});
