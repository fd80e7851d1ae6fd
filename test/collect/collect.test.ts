import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  DescribeNatGatewaysCommand,
} from '@aws-sdk/client-ec2';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, GetDocumentCommand, GetServiceSettingCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/collect/index.js';
import type { Facts, Fetched } from '../../src/facts/facts.js';
import { AGENT_ACTIONS, DHMC_SETTING_ID } from '../../src/facts/requirements.js';
import {
  ACCOUNT,
  ACCOUNT_TRUST,
  CALLER_ROLE_ARN,
  EC2_TRUST,
  IID,
  LAUNCH,
  REGION,
  ROLE_ARN,
  ROLE_NAME,
  SG_EC2,
  SG_VPCE,
  SUBNET,
  VPC,
  awsError,
  countCommands,
  endpointEni,
  endpointId,
  healthyAws,
  inputsOf,
  routeTableWith,
  sdkAgentRole,
  sdkInstance,
  sentCommands,
  type Mocks,
} from './fake-aws.js';
import { val, world } from '../fixtures/world.js';

const READ_ONLY = /^(ec2|ssm|iam|sts):(Describe|Get|List|Simulate)[A-Za-z]+$/;

function expectReadOnly(mocks: Mocks) {
  const sent = sentCommands(mocks);
  expect(sent.length).toBeGreaterThan(0);
  for (const c of sent) expect(c).toMatch(READ_ONLY);
}

/** Every Fetched in the facts, with a path, for "everything else is ok" assertions. */
function allFetched(facts: Facts): [string, Fetched<unknown>][] {
  const out: [string, Fetched<unknown>][] = [];
  for (const [key, value] of Object.entries(facts)) {
    if (value && typeof value === 'object' && 'ok' in value) out.push([key, value as Fetched<unknown>]);
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) if (v && typeof v === 'object' && 'ok' in v) out.push([`${key}.${k}`, v as Fetched<unknown>]);
    }
  }
  return out;
}

const ok = <T>(value: T) => ({ ok: true as const, value });

/**
 * The facts the healthy mocked world must produce: the healthy world of test/fixtures/world.ts, with the ids
 * the mocks give differently and what only a live collection knows (the caller's role path and trust policy).
 */
function expectedHealthyFacts(): Facts {
  return world((f) => {
    f.collectedAt = expect.any(String) as unknown as string;
    val(f.instances[IID])!.networkInterfaces[0]!.id = `eni-0instance${IID.slice(-8)}`;
    f.roles = { Admin: ok({ name: 'Admin', arn: CALLER_ROLE_ARN, trustPolicy: ACCOUNT_TRUST }) };
    f.simulations = {
      [ROLE_ARN]: ok(AGENT_ACTIONS.map((action) => ({ action, resource: '*', decision: 'allowed' as const }))),
      [CALLER_ROLE_ARN]: ok([
        { action: 'ssm:StartSession', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${IID}`, decision: 'allowed' as const },
        {
          action: 'ssm:StartSession',
          resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/SSM-SessionManagerRunShell`,
          decision: 'allowed' as const,
        },
      ]),
    };
    f.dhmc = ok({ roleName: null, settingId: DHMC_SETTING_ID });
    val(f.endpoints[VPC]).forEach((e, i) => {
      e.id = endpointId(i + 1);
      e.networkInterfaceIds = [endpointEni(i + 1)];
    });
    val(f.endpointInterfaces[VPC]).forEach((n, i) => {
      n.id = endpointEni(i + 1);
      n.vpcEndpointId = endpointId(i + 1);
    });
  });
}

describe('collect: healthy world', () => {
  it('produces exactly the expected facts for one instance', async () => {
    const { clients, mocks } = healthyAws();
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts).toEqual(expectedHealthyFacts());
    expect(Date.parse(facts.collectedAt)).not.toBeNaN();
    // JSON round trip: no undefined values, no Dates.
    expect(JSON.parse(JSON.stringify(facts))).toStrictEqual({ ...facts });
    expectReadOnly(mocks);
  });

  it('sends each read once, with the filters the brief asks for', async () => {
    const { clients, mocks } = healthyAws();
    await collect({ region: REGION, targets: [IID], clients });
    const counts = countCommands(mocks);
    expect(counts).toEqual({
      'sts:GetCallerIdentity': 1,
      'ec2:DescribeInstances': 1,
      'ssm:DescribeInstanceInformation': 1,
      'ssm:GetConnectionStatus': 1,
      'ssm:GetServiceSetting': 1,
      'ssm:GetDocument': 1,
      'ec2:DescribeVpcs': 1,
      'ec2:DescribeVpcAttribute': 2,
      'ec2:DescribeSubnets': 1,
      'ec2:DescribeRouteTables': 1,
      'ec2:DescribeNetworkAcls': 1,
      'ec2:DescribeVpcEndpoints': 1,
      'ec2:DescribeNetworkInterfaces': 1,
      'ec2:DescribeSecurityGroups': 2, // instance SGs (round 2), then the endpoint SG (round 3)
      'ec2:DescribeNatGateways': 1,
      'ec2:DescribeInternetGateways': 1,
      'ec2:DescribeDhcpOptions': 1,
      'iam:GetInstanceProfile': 1,
      'iam:GetRole': 1, // the caller's role, for its real ARN
      'iam:SimulatePrincipalPolicy': 2, // agent role: 1 question; caller: instance + document in one call
    });
    expect(inputsOf(mocks.ec2, DescribeInstancesCommand)).toEqual([{ Filters: [{ Name: 'instance-id', Values: [IID] }] }]);
    expect(inputsOf(mocks.ec2, DescribeNetworkInterfacesCommand)).toEqual([
      { Filters: [{ Name: 'vpc-id', Values: [VPC] }, { Name: 'interface-type', Values: ['vpc_endpoint'] }] },
    ]);
    expect(inputsOf(mocks.ec2, DescribeNatGatewaysCommand)).toEqual([{ Filter: [{ Name: 'vpc-id', Values: [VPC] }] }]);
    expect(inputsOf(mocks.ec2, DescribeSecurityGroupsCommand)).toEqual([
      { Filters: [{ Name: 'group-id', Values: [SG_EC2] }] },
      { Filters: [{ Name: 'group-id', Values: [SG_VPCE] }] },
    ]);
    expect(inputsOf(mocks.ssm, DescribeInstanceInformationCommand)).toEqual([
      { Filters: [{ Key: 'InstanceIds', Values: [IID] }], MaxResults: 50 },
    ]);
    expect(inputsOf(mocks.iam, GetRoleCommand)).toEqual([{ RoleName: 'Admin' }]);
    expect(inputsOf(mocks.iam, SimulatePrincipalPolicyCommand)).toContainEqual({
      PolicySourceArn: ROLE_ARN,
      ActionNames: [...AGENT_ACTIONS],
      ResourceArns: ['*'],
    });
  });

  it('reports progress for a spinner', async () => {
    const { clients } = healthyAws();
    const msgs: string[] = [];
    await collect({ region: REGION, targets: [IID], clients, onProgress: (m) => msgs.push(m) });
    expect(msgs[0]).toBe('Reading instances');
    expect(msgs).toContain(`Reading network of ${VPC}`);
  });
});

describe('collect: pagination', () => {
  it('follows an empty DescribeInstanceInformation page that carries a NextToken', async () => {
    const { clients, mocks } = healthyAws();
    mocks.ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [], NextToken: 'page-2' })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: IID, PingStatus: 'ConnectionLost', AgentVersion: '3.2.582.0' }] });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.agents[IID]).toEqual(ok({ instanceId: IID, pingStatus: 'ConnectionLost', agentVersion: '3.2.582.0' }));
    // The agent is offline: a third call lists hybrid registrations (ResourceType filter), the evidence of agent.identity.
    const inputs = inputsOf<{ NextToken?: string; Filters?: { Key: string }[] }>(mocks.ssm, DescribeInstanceInformationCommand);
    expect(inputs.filter((i) => i.Filters?.[0]?.Key === 'InstanceIds').map((i) => i.NextToken)).toEqual([undefined, 'page-2']);
  });

  it('follows SimulatePrincipalPolicy IsTruncated/Marker', async () => {
    const { clients, mocks } = healthyAws();
    const half = AGENT_ACTIONS.slice(0, 5);
    const rest = AGENT_ACTIONS.slice(5);
    const page = (actions: string[], decision: string) =>
      actions.map((a) => ({ EvalActionName: a, EvalResourceName: '*', EvalDecision: decision }));
    mocks.iam
      .on(SimulatePrincipalPolicyCommand, { PolicySourceArn: ROLE_ARN })
      .resolvesOnce({ EvaluationResults: page(half, 'allowed') as never, IsTruncated: true, Marker: 'm-1' })
      .resolvesOnce({ EvaluationResults: page(rest, 'implicitDeny') as never, IsTruncated: false });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.simulations[ROLE_ARN]).toEqual(
      ok([
        ...half.map((action) => ({ action, resource: '*', decision: 'allowed' })),
        ...rest.map((action) => ({ action, resource: '*', decision: 'implicitDeny' })),
      ]),
    );
    const markers = inputsOf<{ PolicySourceArn: string; Marker?: string }>(mocks.iam, SimulatePrincipalPolicyCommand)
      .filter((i) => i.PolicySourceArn === ROLE_ARN)
      .map((i) => i.Marker);
    expect(markers).toEqual([undefined, 'm-1']);
  });
});

describe('collect: failures become facts', () => {
  it('AccessDenied on DescribeVpcEndpoints => endpoints[vpc] is a denied error, everything else ok', async () => {
    const { clients, mocks } = healthyAws();
    mocks.ec2.on(DescribeVpcEndpointsCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.\nEncoded message: xyz'));
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.endpoints[VPC]).toEqual({
      ok: false,
      error: {
        api: 'ec2:DescribeVpcEndpoints',
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
        kind: 'denied',
      },
    });
    const notOk = allFetched(facts).filter(([, f]) => !f.ok).map(([path]) => path);
    expect(notOk).toEqual([`endpoints.${VPC}`]);
    // The endpoint SG is still known from the endpoint ENIs.
    expect(facts.securityGroups[SG_VPCE]?.ok).toBe(true);
  });

  it('an unknown instance => ok(null) and no network reads', async () => {
    const { clients, mocks } = healthyAws([]);
    const facts = await collect({ region: REGION, targets: ['i-0000000000000dead'], clients });
    expect(facts.instances['i-0000000000000dead']).toEqual(ok(null));
    expect(facts.agents['i-0000000000000dead']).toEqual(ok(null));
    expect(facts.vpcs).toEqual({});
    expect(facts.simulations).toEqual({});
    const sent = sentCommands(mocks);
    expect(sent.filter((c) => c.startsWith('ec2:') && c !== 'ec2:DescribeInstances')).toEqual([]);
    expect(sent).not.toContain('iam:GetInstanceProfile');
    expect(sent).not.toContain('iam:SimulatePrincipalPolicy');
  });

  it('a failed DescribeInstances => every target is that error, dependent reads skipped, nothing thrown', async () => {
    const { clients, mocks } = healthyAws([sdkInstance(), sdkInstance('i-0123456789abcdef1')]);
    mocks.ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));
    const facts = await collect({ region: REGION, targets: [IID, 'i-0123456789abcdef1'], clients });
    const err = { api: 'ec2:DescribeInstances', code: 'RequestLimitExceeded', message: 'Request limit exceeded.', kind: 'throttled' };
    expect(facts.instances).toEqual({ [IID]: { ok: false, error: err }, 'i-0123456789abcdef1': { ok: false, error: err } });
    expect(facts.agents[IID]?.ok).toBe(true);
    expect(facts.connections[IID]).toEqual(ok('connected'));
    expect(sentCommands(mocks).filter((c) => c.startsWith('ec2:') && c !== 'ec2:DescribeInstances')).toEqual([]);
  });

  it('no credentials => caller and round-1 reads are credential errors and nothing more is sent', async () => {
    const { clients, mocks } = healthyAws();
    const noCreds = awsError('CredentialsProviderError', 'Could not load credentials from any providers');
    for (const m of Object.values(mocks) as { onAnyCommand(): { rejects(e: Error): unknown } }[]) m.onAnyCommand().rejects(noCreds);
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.caller).toEqual({
      ok: false,
      error: { api: 'sts:GetCallerIdentity', code: 'CredentialsProviderError', message: 'Could not load credentials from any providers', kind: 'credentials' },
    });
    expect(facts.instances[IID]).toMatchObject({ ok: false, error: { kind: 'credentials' } });
    expect(sentCommands(mocks)).toHaveLength(6);
  });
});

describe('collect: IAM', () => {
  it('SimulatePrincipalPolicy denied => the role policy documents are fetched into roles', async () => {
    const { clients, mocks } = healthyAws();
    mocks.iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('AccessDenied', 'User is not authorized to perform: iam:SimulatePrincipalPolicy'));
    const core = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ssm:UpdateInstanceInformation', 'ssmmessages:*', 'ec2messages:*'], Resource: '*' }],
    };
    const inline = { Version: '2012-10-17', Statement: { Effect: 'Deny', Action: 'ssmmessages:OpenDataChannel', Resource: '*' } };
    const coreArn = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
    mocks.iam.on(GetRoleCommand, { RoleName: ROLE_NAME }).resolves({
      Role: sdkAgentRole({
        PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/boundary` },
      }),
    });
    mocks.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
    mocks.iam
      .on(ListAttachedRolePoliciesCommand, { RoleName: ROLE_NAME })
      .resolvesOnce({ AttachedPolicies: [{ PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: coreArn }], IsTruncated: true, Marker: 'x' })
      .resolvesOnce({ AttachedPolicies: [], IsTruncated: false });
    mocks.iam.on(GetPolicyCommand).resolves({ Policy: { PolicyName: 'AmazonSSMManagedInstanceCore', Arn: coreArn, DefaultVersionId: 'v3' } });
    mocks.iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { VersionId: 'v3', IsDefaultVersion: true, Document: encodeURIComponent(JSON.stringify(core)) } });
    mocks.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
    mocks.iam.on(ListRolePoliciesCommand, { RoleName: ROLE_NAME }).resolves({ PolicyNames: ['no-data-channel'], IsTruncated: false });
    mocks.iam.on(GetRolePolicyCommand).resolves({
      RoleName: ROLE_NAME,
      PolicyName: 'no-data-channel',
      PolicyDocument: encodeURIComponent(JSON.stringify(inline)),
    });

    const facts = await collect({ region: REGION, targets: [IID], clients });

    expect(facts.simulations[ROLE_ARN]).toMatchObject({ ok: false, error: { api: 'iam:SimulatePrincipalPolicy', kind: 'denied' } });
    expect(facts.roles[ROLE_NAME]).toEqual(
      ok({
        name: ROLE_NAME,
        arn: ROLE_ARN,
        trustPolicy: EC2_TRUST,
        permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
        policies: ok([
          { name: 'AmazonSSMManagedInstanceCore', kind: 'managed', arn: coreArn, document: core },
          { name: 'no-data-channel', kind: 'inline', document: inline },
        ]),
      }),
    );
    expect(inputsOf(mocks.iam, GetPolicyVersionCommand)).toEqual([{ PolicyArn: coreArn, VersionId: 'v3' }]);
    // The caller role could not be simulated either: its documents are fetched too.
    expect(facts.roles.Admin).toEqual(
      ok({ name: 'Admin', arn: CALLER_ROLE_ARN, trustPolicy: ACCOUNT_TRUST, policies: ok([]) }),
    );
    expectReadOnly(mocks);
  });

  it('DHMC set with a path => GetRole on the last segment; the DHMC role is simulated', async () => {
    const { clients, mocks } = healthyAws([sdkInstance(IID, { IamInstanceProfile: undefined })]);
    mocks.ssm.on(GetServiceSettingCommand).resolves({
      ServiceSetting: { SettingId: DHMC_SETTING_ID, SettingValue: 'service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole', Status: 'Customized' },
    });
    const dhmcArn = `arn:aws:iam::${ACCOUNT}:role/service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole`;
    const ssmTrust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    mocks.iam.on(GetRoleCommand, { RoleName: 'AWSSystemsManagerDefaultEC2InstanceManagementRole' }).resolves({
      Role: {
        Path: '/service-role/',
        RoleName: 'AWSSystemsManagerDefaultEC2InstanceManagementRole',
        RoleId: 'AROADHMC',
        Arn: dhmcArn,
        CreateDate: new Date(LAUNCH),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(ssmTrust)),
      },
    });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.dhmc).toEqual(ok({ roleName: 'AWSSystemsManagerDefaultEC2InstanceManagementRole', settingId: DHMC_SETTING_ID }));
    expect(inputsOf(mocks.iam, GetRoleCommand)).toContainEqual({ RoleName: 'AWSSystemsManagerDefaultEC2InstanceManagementRole' });
    expect(facts.roles.AWSSystemsManagerDefaultEC2InstanceManagementRole).toEqual(
      ok({ name: 'AWSSystemsManagerDefaultEC2InstanceManagementRole', arn: dhmcArn, trustPolicy: ssmTrust }),
    );
    expect(facts.simulations[dhmcArn]).toEqual(ok(AGENT_ACTIONS.map((action) => ({ action, resource: '*', decision: 'allowed' }))));
    expect(facts.instanceProfiles).toEqual({});
  });

  it.each([
    ['$None', { ServiceSetting: { SettingId: DHMC_SETTING_ID, SettingValue: '$None', Status: 'Default' } }],
    ['empty', { ServiceSetting: { SettingId: DHMC_SETTING_ID, SettingValue: '', Status: 'Customized' } }],
  ])('DHMC value %s => roleName null, no GetRole for it', async (_, answer) => {
    const { clients, mocks } = healthyAws();
    mocks.ssm.on(GetServiceSettingCommand).resolves(answer);
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.dhmc).toEqual(ok({ roleName: null, settingId: DHMC_SETTING_ID }));
    expect(inputsOf(mocks.iam, GetRoleCommand)).toEqual([{ RoleName: 'Admin' }]);
  });

  it('ServiceSettingNotFound => DHMC off (ok, roleName null)', async () => {
    const { clients, mocks } = healthyAws();
    mocks.ssm.on(GetServiceSettingCommand).rejects(awsError('ServiceSettingNotFound'));
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.dhmc).toEqual(ok({ roleName: null, settingId: DHMC_SETTING_ID }));
  });

  it('an IAM user caller is simulated under the user ARN; no GetRole', async () => {
    const { clients, mocks } = healthyAws();
    const user = `arn:aws:iam::${ACCOUNT}:user/ops/bob`;
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: user, UserId: 'AIDAEXAMPLE' });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.simulations[user]?.ok).toBe(true);
    expect(mocks.iam.commandCalls(GetRoleCommand)).toHaveLength(0);
  });
});

describe('collect: session preferences', () => {
  it('GetDocument InvalidDocument => preferences ok(null)', async () => {
    const { clients } = healthyAws();
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.preferences).toEqual(ok(null));
  });

  it('parses inputs (booleans as true or "true", empty strings dropped) and simulates what they require', async () => {
    const { clients, mocks } = healthyAws();
    mocks.ssm.on(GetDocumentCommand).resolves({
      Name: 'SSM-SessionManagerRunShell',
      DocumentFormat: 'JSON',
      Content: JSON.stringify({
        schemaVersion: '1.0',
        description: 'Document to hold regional settings for Session Manager',
        sessionType: 'Standard_Stream',
        inputs: {
          s3BucketName: '',
          s3KeyPrefix: '',
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: 'ssm-sessions',
          cloudWatchEncryptionEnabled: 'false',
          cloudWatchStreamingEnabled: 'true',
          kmsKeyId: 'alias/ssm',
          runAsEnabled: false,
          runAsDefaultUser: '',
          idleSessionTimeout: '20',
          maxSessionDuration: '',
          shellProfile: { windows: '', linux: '' },
        },
      }),
    });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.preferences).toEqual(
      ok({
        s3EncryptionEnabled: true,
        cloudWatchLogGroupName: 'ssm-sessions',
        cloudWatchEncryptionEnabled: false,
        cloudWatchStreamingEnabled: true,
        kmsKeyId: 'alias/ssm',
        runAsEnabled: false,
        idleSessionTimeout: '20',
      }),
    );
    expect(inputsOf(mocks.ssm, GetDocumentCommand)).toEqual([{ Name: 'SSM-SessionManagerRunShell', DocumentFormat: 'JSON' }]);
    const kmsKey = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/ssm`;
    expect(facts.simulations[ROLE_ARN]).toMatchObject({ ok: true });
    const agent = facts.simulations[ROLE_ARN]!.ok ? facts.simulations[ROLE_ARN]!.value : [];
    expect(agent).toContainEqual({ action: 'kms:Decrypt', resource: kmsKey, decision: 'allowed' });
    expect(agent).toContainEqual({
      action: 'logs:PutLogEvents',
      resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:ssm-sessions:*`,
      decision: 'allowed',
    });
    const caller = facts.simulations[CALLER_ROLE_ARN]!.ok ? facts.simulations[CALLER_ROLE_ARN]!.value : [];
    expect(caller).toContainEqual({ action: 'kms:GenerateDataKey', resource: kmsKey, decision: 'allowed' });
  });

  it('malformed document content => an error, not a crash', async () => {
    const { clients, mocks } = healthyAws();
    mocks.ssm.on(GetDocumentCommand).resolves({ Name: 'SSM-SessionManagerRunShell', Content: '{not json' });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.preferences).toMatchObject({ ok: false, error: { api: 'ssm:GetDocument', code: 'InvalidDocumentContent', kind: 'other' } });
  });
});

describe('collect: sharing reads', () => {
  it('two instances in the same VPC => each VPC-level read is sent once', async () => {
    const second = 'i-0123456789abcdef1';
    const { clients, mocks } = healthyAws([sdkInstance(), sdkInstance(second)]);
    const facts = await collect({ region: REGION, targets: [IID, second], clients });
    expect(facts.instances[second]).toMatchObject({ ok: true, value: { id: second, vpcId: VPC } });
    const counts = countCommands(mocks);
    for (const api of [
      'ec2:DescribeInstances',
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeRouteTables',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeVpcEndpoints',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeNatGateways',
      'ec2:DescribeInternetGateways',
      'ec2:DescribeDhcpOptions',
      'ssm:DescribeInstanceInformation',
      'ssm:GetServiceSetting',
      'ssm:GetDocument',
      'iam:GetInstanceProfile',
    ]) {
      expect(counts[api], api).toBe(1);
    }
    expect(counts['ec2:DescribeVpcAttribute']).toBe(2);
    expect(counts['ssm:GetConnectionStatus']).toBe(2);
    expect(counts['ec2:DescribeSecurityGroups']).toBe(2);
    // agent role once (1 question); caller: 2 instance ARNs + the shared document ARN in one batched call.
    expect(counts['iam:SimulatePrincipalPolicy']).toBe(2);
    expectReadOnly(mocks);
  });

  it('a fleet of 200 instances in 4 VPCs costs a handful of calls per VPC and at most 16 in flight', async () => {
    const vpcs = ['vpc-0000000000000000a', 'vpc-0000000000000000b', 'vpc-0000000000000000c', 'vpc-0000000000000000d'];
    const ids = Array.from({ length: 200 }, (_, n) => `i-0${String(n).padStart(16, '0')}`);
    const instances = ids.map((id, n) => sdkInstance(id, { VpcId: vpcs[n % 4], SubnetId: `subnet-${n % 4}` }));
    const { clients, mocks } = healthyAws(instances);
    let inFlight = 0;
    let peak = 0;
    // Count concurrency by wrapping each client's (mocked) send.
    for (const c of Object.values(clients)) {
      const send = c.send.bind(c) as (cmd: unknown) => Promise<unknown>;
      (c as { send: unknown }).send = async (cmd: unknown) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        try {
          await new Promise((r) => setTimeout(r, 1));
          return await send(cmd);
        } finally {
          inFlight--;
        }
      };
    }
    const facts = await collect({ region: REGION, targets: ids, clients });
    expect(Object.values(facts.instances).every((f) => f.ok && f.value)).toBe(true);
    expect(Object.keys(facts.routeTables).sort()).toEqual(vpcs);
    const counts = countCommands(mocks);
    expect(counts['ec2:DescribeInstances']).toBe(1);
    expect(counts['ssm:DescribeInstanceInformation']).toBe(4); // 50 ids per InstanceIds filter
    expect(counts['ssm:GetConnectionStatus']).toBeUndefined(); // one per instance: not read above CONNECTION_STATUS_MAX_TARGETS
    expect(facts.connections).toEqual({});
    for (const api of ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeVpcEndpoints', 'ec2:DescribeNatGateways']) {
      expect(counts[api], api).toBe(1); // batched over the 4 VPCs
    }
    expect(counts['ec2:DescribeVpcAttribute']).toBe(8);
    expect(counts['iam:GetInstanceProfile']).toBe(1);
    expect(peak).toBeLessThanOrEqual(16);
    expect(peak).toBeGreaterThan(1);
  });
});

describe('collect: local facts', () => {
  it('adds LocalFacts only when asked', async () => {
    const { clients } = healthyAws();
    const without = await collect({ region: REGION, targets: [IID], clients });
    expect(without.local).toBeUndefined();
    const withLocal = await collect({ region: REGION, targets: [IID], clients, local: true });
    expect(withLocal.local).toMatchObject({ platform: process.platform, arch: process.arch, plugin: { found: expect.any(Boolean) } });
    expect(typeof withLocal.local?.ci).toBe('boolean');
  });
});

describe('collect: an instance with several ENIs', () => {
  it('maps security groups primary first, deduplicated, and route targets', async () => {
    const { clients, mocks } = healthyAws([
      sdkInstance(IID, {
        Platform: 'windows' as never, // lowercase on the wire
        PublicIpAddress: '54.1.2.3',
        NetworkInterfaces: [
          {
            NetworkInterfaceId: 'eni-second',
            Attachment: { DeviceIndex: 1, NetworkCardIndex: 0 },
            SubnetId: SUBNET,
            PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.20', Primary: true }],
            Ipv6Addresses: [{ Ipv6Address: '2600:1f18::1' }],
            Groups: [{ GroupId: 'sg-other' }, { GroupId: SG_EC2 }],
          },
          {
            NetworkInterfaceId: 'eni-primary',
            Attachment: { DeviceIndex: 0, NetworkCardIndex: 0 },
            SubnetId: SUBNET,
            PrivateIpAddresses: [
              { PrivateIpAddress: '10.0.1.11', Primary: false },
              { PrivateIpAddress: '10.0.1.10', Primary: true },
            ],
            Groups: [{ GroupId: SG_EC2 }],
          },
        ],
      }),
    ]);
    routeTableWith(mocks, [
      { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
      { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'blackhole' },
      { DestinationPrefixListId: 'pl-63a5400a', GatewayId: 'vpce-0s3', State: 'active' },
      { DestinationCidrBlock: '192.168.0.0/16', TransitGatewayId: 'tgw-1', State: 'active' },
      { DestinationCidrBlock: '172.16.0.0/16', InstanceId: 'i-nat', NetworkInterfaceId: 'eni-nat', State: 'active' },
      { DestinationIpv6CidrBlock: '::/0', EgressOnlyInternetGatewayId: 'eigw-1', State: 'active' },
    ]);
    const { GetManagedPrefixListEntriesCommand } = await import('@aws-sdk/client-ec2');
    mocks.ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '52.216.0.0/15' }, { Cidr: '3.5.0.0/19' }] });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    const inst = facts.instances[IID]!;
    expect(inst.ok && inst.value).toMatchObject({
      platform: 'windows',
      publicIp: '54.1.2.3',
      securityGroupIds: [SG_EC2, 'sg-other'],
      networkInterfaces: [
        { id: 'eni-primary', deviceIndex: 0, privateIps: ['10.0.1.10', '10.0.1.11'], ipv6s: [] },
        { id: 'eni-second', deviceIndex: 1, privateIps: ['10.0.1.20'], ipv6s: ['2600:1f18::1'] },
      ],
    });
    const rts = facts.routeTables[VPC]!;
    expect(rts.ok && rts.value[0]).toEqual({
      id: 'rtb-1',
      vpcId: VPC,
      main: false,
      subnetIds: [SUBNET],
      routes: [
        { destinationCidr: '10.0.0.0/16', target: { type: 'local', id: 'local' }, state: 'active' },
        { destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-1' }, state: 'blackhole' },
        { destinationPrefixListId: 'pl-63a5400a', target: { type: 'vpce', id: 'vpce-0s3' }, state: 'active' },
        { destinationCidr: '192.168.0.0/16', target: { type: 'tgw', id: 'tgw-1' }, state: 'active' },
        { destinationCidr: '172.16.0.0/16', target: { type: 'instance', id: 'i-nat' }, state: 'active' },
        { destinationIpv6Cidr: '::/0', target: { type: 'egress-only-igw', id: 'eigw-1' }, state: 'active' },
      ],
    });
    expect(facts.prefixLists).toEqual({
      'pl-63a5400a': ok({ id: 'pl-63a5400a', cidrs: ['52.216.0.0/15', '3.5.0.0/19'] }),
    });
    // sg-other is not returned by DescribeSecurityGroups: recorded as not found, not silently dropped.
    expect(facts.securityGroups['sg-other']).toMatchObject({ ok: false, error: { code: 'InvalidGroup.NotFound' } });
  });
});
