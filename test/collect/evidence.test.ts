// The offline-agent evidence reads (src/collect/evidence.ts) with aws-sdk-client-mock: who gets them, how many
// requests, the bounds, the fallbacks, and failures recorded without hurting anything else.
import {
  DescribeImagesCommand,
  DescribeInstanceConnectEndpointsCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  GetConsoleOutputCommand,
} from '@aws-sdk/client-ec2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeActivationsCommand, DescribeInstanceInformationCommand, GetServiceSettingCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/collect/index.js';
import { ACTIVATION_TIER_SETTING_ID, CONSOLE_MAX_TARGETS, MANAGED_NODE_SCAN_PAGES } from '../../src/facts/evidence.js';
import { ACCOUNT, IID, LAUNCH, REGION, VPC, awsError, countCommands, filterValues, healthyAws, inputsOf, sdkInstance, type Mocks } from './fake-aws.js';

const EVIDENCE = ['ec2:DescribeInstanceStatus', 'ec2:DescribeImages', 'ec2:GetConsoleOutput', 'ec2:DescribeInstanceConnectEndpoints', 'ssm:DescribeActivations'];
const b64 = (s: string) => Buffer.from(s).toString('base64');
const RHEL = 'ami-0f0e0d0c0b0a09182';

/** The agents of `ids` never registered; everything else healthy. */
function neverRegistered(mocks: Mocks, registered: string[] = []) {
  mocks.ssm.on(DescribeInstanceInformationCommand).callsFake(async (input) => {
    const resourceType = input.Filters?.find((f: { Key: string }) => f.Key === 'ResourceType')?.Values ?? [];
    if (resourceType.length) return { InstanceInformationList: [] };
    const ids: string[] = input.Filters?.find((f: { Key: string }) => f.Key === 'InstanceIds')?.Values ?? [];
    return {
      InstanceInformationList: ids
        .filter((id) => registered.includes(id))
        .map((id) => ({ InstanceId: id, PingStatus: 'ConnectionLost', AgentVersion: '3.3.1142.0', ResourceType: 'EC2Instance', LastPingDateTime: new Date(LAUNCH) })),
    };
  });
}

function evidenceMocks(mocks: Mocks) {
  mocks.ec2.on(DescribeInstanceStatusCommand).callsFake(async (input) => ({
    InstanceStatuses: (input.InstanceIds as string[]).map((id) => ({
      InstanceId: id,
      InstanceState: { Name: 'running', Code: 16 },
      InstanceStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
      SystemStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
    })),
  }));
  mocks.ec2.on(DescribeImagesCommand).callsFake(async (input) => ({
    Images: filterValues(input, 'image-id')
      .filter((id) => id === RHEL)
      .map((id) => ({ ImageId: id, OwnerId: '309956199498', Name: 'RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3', PlatformDetails: 'Red Hat Enterprise Linux', Architecture: 'x86_64' })),
  }));
  mocks.ec2.on(GetConsoleOutputCommand).callsFake(async (input) => ({
    InstanceId: input.InstanceId,
    Timestamp: new Date('2026-11-29T09:59:00Z'),
    Output: b64('[    0.000000] Linux version 6.1.0 (x)\r\nmysql --password=hunter2\r\n[  12.1] No space left on device\r\n'),
  }));
  mocks.ec2.on(DescribeInstanceConnectEndpointsCommand).resolves({ InstanceConnectEndpoints: [] });
}

const offlineIds = (n: number) => Array.from({ length: n }, (_, i) => `i-0${String(i + 1).padStart(16, '0')}`);

describe('collect: evidence for offline agents', () => {
  it('healthy instance: no evidence request at all', async () => {
    const { clients, mocks } = healthyAws();
    evidenceMocks(mocks);
    await collect({ region: REGION, targets: [IID], clients });
    const counts = countCommands(mocks);
    for (const api of EVIDENCE) expect(counts[api], api).toBeUndefined();
    expect(counts['ssm:DescribeInstanceInformation']).toBe(1);
  });

  it('never registered: status, AMI, console, EICE and the hybrid scan once each; the console keeps only the evidence', async () => {
    const { clients, mocks } = healthyAws([sdkInstance(IID, { ImageId: RHEL, PlatformDetails: 'Red Hat Enterprise Linux', InstanceType: 't3.micro', KeyName: 'ops' })]);
    neverRegistered(mocks);
    evidenceMocks(mocks);
    const facts = await collect({ region: REGION, targets: [IID], clients });
    const counts = countCommands(mocks);
    expect(counts).toMatchObject({
      'ec2:DescribeInstanceStatus': 1,
      'ec2:DescribeImages': 1,
      'ec2:GetConsoleOutput': 1,
      'ec2:DescribeInstanceConnectEndpoints': 1,
      'ssm:DescribeInstanceInformation': 2,
    });
    expect(facts.instances[IID]).toMatchObject({ ok: true, value: { imageId: RHEL, platformDetails: 'Red Hat Enterprise Linux', instanceType: 't3.micro', keyName: 'ops' } });
    expect(facts.images[RHEL]).toMatchObject({ ok: true, value: { ownerId: '309956199498' } });
    expect(facts.instanceStatus[IID]).toEqual({ ok: true, value: { state: 'running', instanceStatus: 'ok', systemStatus: 'ok', events: [] } });
    expect(facts.consoleEvidence[IID]).toEqual({
      ok: true,
      value: { capturedAt: '2026-11-29T09:59:00.000Z', latest: true, empty: false, bootSeen: true, agentStarts: [], findings: [{ kind: 'disk-full', line: '[  12.1] No space left on device' }] },
    });
    expect(JSON.stringify(facts)).not.toContain('hunter2');
    expect(facts.instanceConnectEndpoints[VPC]).toEqual({ ok: true, value: [] });
    expect(facts.managedNodeScan).toEqual({ ok: true, value: { matches: [], scanned: 0, complete: true } });
    expect(inputsOf<{ IncludeAllInstances: boolean }>(mocks.ec2, DescribeInstanceStatusCommand)[0]).toEqual({ InstanceIds: [IID], IncludeAllInstances: true });
  });

  it('registered but offline: no AMI read (the agent is installed)', async () => {
    const { clients, mocks } = healthyAws([sdkInstance(IID, { ImageId: RHEL })]);
    neverRegistered(mocks, [IID]);
    evidenceMocks(mocks);
    await collect({ region: REGION, targets: [IID], clients });
    expect(countCommands(mocks)['ec2:DescribeImages']).toBeUndefined();
    expect(countCommands(mocks)['ec2:DescribeInstanceStatus']).toBe(1);
  });

  it('an instance type without the latest output: the console is read again without Latest', async () => {
    const { clients, mocks } = healthyAws();
    neverRegistered(mocks);
    evidenceMocks(mocks);
    mocks.ec2.on(GetConsoleOutputCommand, { InstanceId: IID, Latest: true }).rejects(awsError('UnsupportedOperation', 'not supported for this instance type'));
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(inputsOf(mocks.ec2, GetConsoleOutputCommand)).toEqual([{ InstanceId: IID, Latest: true }, { InstanceId: IID }]);
    expect(facts.consoleEvidence[IID]).toMatchObject({ ok: true, value: { latest: false } });
  });

  it(`a fleet of 25 offline instances: one status read, ${CONSOLE_MAX_TARGETS} console reads, one AMI read for 25 instances of one AMI`, async () => {
    const ids = offlineIds(25);
    const { clients, mocks } = healthyAws(ids.map((id) => sdkInstance(id, { ImageId: RHEL })));
    neverRegistered(mocks);
    evidenceMocks(mocks);
    const facts = await collect({ region: REGION, targets: ids, clients });
    const counts = countCommands(mocks);
    expect(counts['ec2:DescribeInstanceStatus']).toBe(1);
    expect(counts['ec2:GetConsoleOutput']).toBe(CONSOLE_MAX_TARGETS);
    expect(counts['ec2:DescribeImages']).toBe(1);
    expect(counts['ec2:DescribeInstanceConnectEndpoints']).toBe(1);
    expect(Object.keys(facts.consoleEvidence)).toEqual(ids.slice(0, CONSOLE_MAX_TARGETS));
  });

  it(`the hybrid scan stops after ${MANAGED_NODE_SCAN_PAGES} pages and says it is incomplete; only matching registrations are kept`, async () => {
    const { clients, mocks } = healthyAws();
    neverRegistered(mocks);
    evidenceMocks(mocks);
    let page = 0;
    mocks.ssm.on(DescribeInstanceInformationCommand).callsFake(async (input) => {
      if (!input.Filters?.some((f: { Key: string }) => f.Key === 'ResourceType')) return { InstanceInformationList: [] };
      page++;
      const rows = Array.from({ length: 50 }, (_, i) => ({
        InstanceId: `mi-0${String(page * 100 + i).padStart(16, '0')}`,
        PingStatus: 'Online',
        ResourceType: 'ManagedInstance',
        IPAddress: page === 2 && i === 7 ? '10.0.1.10' : `192.168.${page}.${i}`,
        ComputerName: page === 2 && i === 7 ? 'ip-10-0-1-10.ec2.internal' : `host-${page}-${i}`,
      }));
      return { InstanceInformationList: rows, NextToken: `t${page}` };
    });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(page).toBe(MANAGED_NODE_SCAN_PAGES);
    expect(facts.managedNodeScan).toMatchObject({ ok: true, value: { scanned: 50 * MANAGED_NODE_SCAN_PAGES, complete: false } });
    const scan = facts.managedNodeScan!.ok ? facts.managedNodeScan!.value : undefined;
    expect(scan!.matches.map((m) => m.instanceId)).toEqual(['mi-00000000000000207']);
  });

  it('denied evidence reads are recorded per read; the configuration reads are untouched', async () => {
    const { clients, mocks } = healthyAws();
    neverRegistered(mocks);
    evidenceMocks(mocks);
    mocks.ec2.on(DescribeInstanceStatusCommand).rejects(awsError('UnauthorizedOperation', 'not authorized'));
    mocks.ec2.on(GetConsoleOutputCommand).rejects(awsError('UnauthorizedOperation', 'not authorized'));
    const facts = await collect({ region: REGION, targets: [IID], clients, maxAttempts: 1 });
    expect(facts.instanceStatus[IID]).toMatchObject({ ok: false, error: { api: 'ec2:DescribeInstanceStatus', kind: 'denied' } });
    expect(facts.consoleEvidence[IID]).toMatchObject({ ok: false, error: { api: 'ec2:GetConsoleOutput', kind: 'denied' } });
    expect(facts.endpoints[VPC]?.ok).toBe(true);
    expect(facts.vpcs[VPC]?.ok).toBe(true);
  });

  it('hybrid node: the tier in round 1, and for an offline node its activation and role', async () => {
    const MI = 'mi-0123456789abcdef0';
    const { clients, mocks } = healthyAws([]);
    mocks.ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [{ InstanceId: MI, PingStatus: 'ConnectionLost', ResourceType: 'ManagedInstance', ActivationId: 'act-1', IamRole: 'service-role/HybridRole', IPAddress: '192.168.1.5', ComputerName: 'db01' }],
    });
    mocks.ssm.on(GetServiceSettingCommand, { SettingId: ACTIVATION_TIER_SETTING_ID }).rejects(awsError('ServiceSettingNotFound', 'not set'));
    mocks.ssm.on(DescribeActivationsCommand).resolves({ ActivationList: [{ ActivationId: 'act-1', IamRole: 'HybridRole', Expired: true, ExpirationDate: new Date('2026-11-01T00:00:00Z'), RegistrationLimit: 5, RegistrationsCount: 5 }] });
    mocks.iam.on(GetRoleCommand, { RoleName: 'HybridRole' }).resolves({
      Role: { RoleName: 'HybridRole', Path: '/service-role/', RoleId: 'AROAHYBRID', Arn: `arn:aws:iam::${ACCOUNT}:role/service-role/HybridRole`, CreateDate: new Date(LAUNCH), AssumeRolePolicyDocument: '{}' },
    });
    const facts = await collect({ region: REGION, targets: [MI], clients });
    expect(facts.activationTier).toEqual({ ok: true, value: 'standard' });
    expect(facts.activations['act-1']).toMatchObject({ ok: true, value: { expired: true, registrationLimit: 5, registrationsCount: 5, iamRole: 'HybridRole' } });
    expect(facts.roles.HybridRole?.ok).toBe(true);
    expect(facts.agents[MI]).toMatchObject({ ok: true, value: { activationId: 'act-1', iamRole: 'service-role/HybridRole', ipAddress: '192.168.1.5', computerName: 'db01' } });
    expect(inputsOf(mocks.ssm, DescribeActivationsCommand)).toEqual([{ Filters: [{ FilterKey: 'ActivationIds', FilterValues: ['act-1'] }] }]);
    expect(countCommands(mocks)['ec2:DescribeInstances']).toBeUndefined();
  });

  it('no hybrid target: the tier is not read', async () => {
    const { clients, mocks } = healthyAws();
    await collect({ region: REGION, targets: [IID], clients });
    expect(inputsOf<{ SettingId: string }>(mocks.ssm, GetServiceSettingCommand).map((i) => i.SettingId)).not.toContain(ACTIVATION_TIER_SETTING_ID);
    expect(mocks.ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });
});
