// The local AWS server, driven by the REAL SDK v3 clients: serialisation, XML/JSON parsing, pagination,
// retries and error mapping are the SDK's own.
import {
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  DescribeDhcpOptionsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  RebootInstancesCommand,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import {
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
  paginateSimulatePrincipalPolicy,
} from '@aws-sdk/client-iam';
import {
  DescribeInstanceInformationCommand,
  GetConnectionStatusCommand,
  GetDocumentCommand,
  GetServiceSettingCommand,
  SSMClient,
  paginateDescribeInstanceInformation,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as ec2Schemas from '@aws-sdk/client-ec2';
import * as iamSchemas from '@aws-sdk/client-iam';
import * as ssmSchemas from '@aws-sdk/client-ssm';
import * as stsSchemas from '@aws-sdk/client-sts';
import { parseXML } from '@aws-sdk/xml-builder';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { NormalizedSchema } from '@smithy/core/schema';
import { errorOf, unknownFields } from './aws-server/sdk-test.js';
import { afterEach, describe, expect, it } from 'vitest';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { AGENT_ACTIONS, DHMC_SETTING_ID } from '../../src/facts/requirements.js';
import {
  ACCOUNT,
  EC2_TRUST,
  EP_SUBNET,
  IID,
  PROFILE_ARN,
  ROLE_ARN,
  ROLE_NAME,
  SG_EC2,
  SG_VPCE,
  SUBNET,
  VPC,
  denied,
  healthyFacts,
  val,
  world,
} from '../fixtures/world.js';
import { extraInstanceId, startAwsServer, type AwsServer, type ServerOptions } from './aws-server.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'token' };

let servers: AwsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(opts: Partial<ServerOptions> = {}) {
  const server = await startAwsServer({ facts: healthyFacts(), ...opts });
  servers.push(server);
  const cfg = {
    endpoint: server.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 2_000, throwOnRequestTimeout: true },
  };
  return {
    server,
    cfg,
    ec2: new EC2Client(cfg),
    ssm: new SSMClient(cfg),
    iam: new IAMClient(cfg),
    sts: new STSClient(cfg),
  };
}

describe('aws-server: EC2 over ec2Query', () => {
  it('DescribeInstances returns the instance with its SGs, profile, metadata and ENIs', async () => {
    const { ec2, server } = await start();
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [IID] }));
    expect(out.Reservations).toHaveLength(1);
    expect(out.Reservations![0]!.OwnerId).toBe(ACCOUNT);
    const i = out.Reservations![0]!.Instances![0]!;
    expect(i.InstanceId).toBe(IID);
    expect(i.State).toEqual({ Code: 16, Name: 'running' });
    expect(i.Tags).toEqual([{ Key: 'Name', Value: 'web-1' }]);
    expect(i.Placement?.AvailabilityZone).toBe('us-east-1a');
    expect(i.VpcId).toBe(VPC);
    expect(i.SubnetId).toBe(SUBNET);
    expect(i.PrivateIpAddress).toBe('10.0.1.10');
    expect(i.PublicIpAddress).toBeUndefined();
    expect(i.Platform).toBeUndefined();
    expect(i.LaunchTime).toEqual(new Date('2026-11-29T09:00:00.000Z'));
    expect(i.SecurityGroups).toEqual([{ GroupId: SG_EC2, GroupName: 'for connect to ssm' }]);
    expect(i.IamInstanceProfile?.Arn).toBe(PROFILE_ARN);
    expect(i.IamInstanceProfile?.Id).toMatch(/^AIPA[0-9A-Z]+$/);
    expect(i.MetadataOptions).toMatchObject({ HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 2, State: 'applied' });
    expect(i.NetworkInterfaces).toHaveLength(1);
    expect(i.NetworkInterfaces![0]).toMatchObject({
      NetworkInterfaceId: 'eni-0instance00000001',
      SubnetId: SUBNET,
      Attachment: { DeviceIndex: 0 },
      Groups: [{ GroupId: SG_EC2, GroupName: 'for connect to ssm' }],
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.10', Primary: true }],
      Ipv6Addresses: [],
    });
    expect(server.requests.at(-1)).toMatchObject({ service: 'ec2', action: 'DescribeInstances', params: { 'InstanceId.1': IID } });
  });

  it('renders public IP, Windows and IPv6 and filters by tag and state', async () => {
    const f = world((f) => {
      const i = val(f.instances[IID])!;
      i.publicIp = '54.1.2.3';
      i.platform = 'windows';
      i.networkInterfaces[0]!.ipv6s = ['2600:1f18::10'];
    });
    const { ec2 } = await start({ facts: f });
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['web-*'] }, { Name: 'instance-state-name', Values: ['running'] }] }),
    );
    const i = out.Reservations![0]!.Instances![0]!;
    expect(i.PublicIpAddress).toBe('54.1.2.3');
    expect(i.Platform).toBe('windows');
    expect(i.NetworkInterfaces![0]!.Ipv6Addresses).toEqual([{ Ipv6Address: '2600:1f18::10', IsPrimaryIpv6: false }]);
    expect(i.NetworkInterfaces![0]!.Association?.PublicIp).toBe('54.1.2.3');
    const none = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] }));
    expect(none.Reservations).toEqual([]);
  });

  it('unknown or malformed instance ids fail like AWS', async () => {
    const { ec2 } = await start({ facts: world((f) => (f.instances['i-0000000000000dead'] = ok(null))) });
    const e = await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [IID, 'i-0000000000000dead'] })));
    expect(e.name).toBe('InvalidInstanceID.NotFound');
    expect(e.message).toContain('i-0000000000000dead');
    expect((await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-nope'] })))).name).toBe('InvalidInstanceID.Malformed');
  });

  it('paginates DescribeInstances (pageSize) across extra instances with the SDK paginator', async () => {
    const { ec2, server } = await start({ pageSize: 2, extraInstances: 4 });
    const ids: string[] = [];
    for await (const page of paginateDescribeInstances({ client: ec2 }, {}))
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) ids.push(i.InstanceId!);
    expect(ids).toEqual([IID, ...[0, 1, 2, 3].map(extraInstanceId)]);
    expect(server.requests.filter((r) => r.action === 'DescribeInstances')).toHaveLength(3);
  });

  it('DescribeVpcEndpoints returns the 3 endpoints with private DNS, groups, subnets and ENIs', async () => {
    const { ec2, server } = await start();
    const out = await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }] }));
    const eps = out.VpcEndpoints!;
    expect(eps.map((e) => e.ServiceName)).toEqual(['com.amazonaws.us-east-1.ssm', 'com.amazonaws.us-east-1.ssmmessages', 'com.amazonaws.us-east-1.ec2messages']);
    const facts = val(healthyFacts().endpoints[VPC]);
    eps.forEach((e, k) => {
      expect(e).toMatchObject({
        VpcEndpointId: facts[k]!.id,
        VpcEndpointType: 'Interface',
        VpcId: VPC,
        State: 'available',
        PrivateDnsEnabled: true,
        SubnetIds: [EP_SUBNET],
        Groups: [{ GroupId: SG_VPCE, GroupName: 'for endpoint' }],
        NetworkInterfaceIds: facts[k]!.networkInterfaceIds,
        RouteTableIds: [],
      });
      expect(e.PolicyDocument).toBeUndefined();
    });
    expect(server.requests.at(-1)!.params).toMatchObject({ 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': VPC });
    const one = await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'service-name', Values: ['*.ssmmessages'] }] }));
    expect(one.VpcEndpoints!.map((e) => e.VpcEndpointId)).toEqual([facts[1]!.id]);
  });

  it('DescribeNetworkInterfaces shows endpoint ENIs as vpc_endpoint with their description', async () => {
    const { ec2 } = await start();
    const out = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [VPC] },
          { Name: 'interface-type', Values: ['vpc_endpoint'] },
        ],
      }),
    );
    const enis = out.NetworkInterfaces!;
    const eps = val(healthyFacts().endpoints[VPC]);
    expect(enis).toHaveLength(3);
    expect(enis[0]).toMatchObject({
      NetworkInterfaceId: eps[0]!.networkInterfaceIds[0],
      InterfaceType: 'vpc_endpoint',
      Description: `VPC Endpoint Interface ${eps[0]!.id}`,
      SubnetId: EP_SUBNET,
      VpcId: VPC,
      PrivateIpAddress: '10.0.2.14',
      AvailabilityZone: 'us-east-1a',
      RequesterManaged: true,
      Groups: [{ GroupId: SG_VPCE, GroupName: 'for endpoint' }],
    });
    const byId = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0instance00000001'] }));
    expect(byId.NetworkInterfaces![0]).toMatchObject({ InterfaceType: 'interface', Attachment: { InstanceId: IID, DeviceIndex: 0 } });
  });

  it('DescribeSecurityGroups renders rules (CIDRs, IPv6, group pairs, prefix lists, all-protocol)', async () => {
    const f = world((f) => {
      val(f.securityGroups[SG_VPCE]).ingress.push({
        protocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrs: [],
        ipv6Cidrs: ['::/0'],
        groupIds: [SG_EC2],
        prefixListIds: ['pl-0123'],
      });
    });
    const { ec2 } = await start({ facts: f });
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [SG_VPCE, SG_EC2] }));
    const [vpce, inst] = out.SecurityGroups!;
    expect(vpce).toMatchObject({ GroupId: SG_VPCE, GroupName: 'for endpoint', VpcId: VPC, OwnerId: ACCOUNT });
    expect(vpce!.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] },
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        IpRanges: [],
        Ipv6Ranges: [{ CidrIpv6: '::/0' }],
        UserIdGroupPairs: [{ GroupId: SG_EC2, UserId: ACCOUNT }],
        PrefixListIds: [{ PrefixListId: 'pl-0123' }],
      },
    ]);
    expect(vpce!.IpPermissionsEgress).toEqual([{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] }]);
    expect(inst!.IpPermissions).toEqual([]);
    const e = await errorOf(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000000f'] })));
    expect(e.name).toBe('InvalidGroup.NotFound');
  });

  it('renders VPC, DNS attributes, DHCP, subnets, route tables, NACLs, gateways and prefix lists', async () => {
    const f = world((f) => {
      val(f.routeTables[VPC]).push({
        id: 'rtb-0private',
        vpcId: VPC,
        main: false,
        subnetIds: [SUBNET],
        routes: [
          { destinationCidr: '10.0.0.0/16', target: { type: 'local', id: 'local' }, state: 'active' },
          { destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' }, state: 'blackhole' },
          { destinationPrefixListId: 'pl-63a5400a', target: { type: 'vpce', id: 'vpce-0s3' }, state: 'active' },
        ],
      });
      f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: EP_SUBNET, state: 'deleted', connectivityType: 'public' }]);
      f.internetGateways[VPC] = ok([{ id: 'igw-0abc', attachments: [{ vpcId: VPC, state: 'available' }] }]);
      f.prefixLists['pl-63a5400a'] = ok({ id: 'pl-63a5400a', name: 'com.amazonaws.us-east-1.s3', cidrs: ['52.216.0.0/15', '3.5.0.0/19', '54.231.0.0/16'] });
      val(f.networkAcls[VPC])[0]!.entries.unshift({ ruleNumber: 50, egress: true, protocol: '6', action: 'deny', cidr: '10.0.2.0/24', portRange: { from: 443, to: 443 } });
    });
    const { ec2 } = await start({ facts: f, pageSize: 2 });

    const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [VPC] }));
    expect(vpcs.Vpcs![0]).toMatchObject({ VpcId: VPC, CidrBlock: '10.0.0.0/16', DhcpOptionsId: 'dopt-0abc', IsDefault: false, OwnerId: ACCOUNT });
    const dns = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: VPC, Attribute: 'enableDnsSupport' }));
    expect(dns.EnableDnsSupport?.Value).toBe(true);
    const hosts = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: VPC, Attribute: 'enableDnsHostnames' }));
    expect(hosts.EnableDnsHostnames?.Value).toBe(true);
    const dhcp = await ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: ['dopt-0abc'] }));
    expect(dhcp.DhcpOptions![0]!.DhcpConfigurations).toEqual([{ Key: 'domain-name-servers', Values: [{ Value: 'AmazonProvidedDNS' }] }]);
    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [SUBNET] }));
    expect(subnets.Subnets![0]).toMatchObject({ SubnetId: SUBNET, VpcId: VPC, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' });

    const rts = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [SUBNET] }] }));
    expect(rts.RouteTables).toHaveLength(1);
    const rt = rts.RouteTables![0]!;
    expect(rt.Associations).toMatchObject([{ Main: false, SubnetId: SUBNET, RouteTableId: 'rtb-0private' }]);
    expect(rt.Routes).toMatchObject([
      { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
      { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0abc', State: 'blackhole' },
      { DestinationPrefixListId: 'pl-63a5400a', GatewayId: 'vpce-0s3', State: 'active' },
    ]);
    const main = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }, { Name: 'association.main', Values: ['true'] }] }));
    expect(main.RouteTables!.map((r) => r.RouteTableId)).toEqual(['rtb-0main']);
    expect(main.RouteTables![0]!.Associations![0]!.Main).toBe(true);

    const acls = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }] }));
    const acl = acls.NetworkAcls![0]!;
    expect(acl.IsDefault).toBe(true);
    expect(acl.Associations!.map((a) => a.SubnetId)).toEqual([SUBNET, EP_SUBNET]);
    expect(acl.Entries![0]).toEqual({ RuleNumber: 50, Egress: true, Protocol: '6', RuleAction: 'deny', CidrBlock: '10.0.2.0/24', PortRange: { From: 443, To: 443 } });

    const nat = await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [VPC] }] }));
    expect(nat.NatGateways).toMatchObject([{ NatGatewayId: 'nat-0abc', State: 'deleted', SubnetId: EP_SUBNET, ConnectivityType: 'public' }]);
    const igw = await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [VPC] }] }));
    expect(igw.InternetGateways).toMatchObject([{ InternetGatewayId: 'igw-0abc', Attachments: [{ VpcId: VPC, State: 'available' }] }]);

    // pageSize 2: the SDK has to follow NextToken.
    const first = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-63a5400a' }));
    expect(first.Entries!.map((e) => e.Cidr)).toEqual(['52.216.0.0/15', '3.5.0.0/19']);
    const second = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-63a5400a', NextToken: first.NextToken }));
    expect(second.Entries!.map((e) => e.Cidr)).toEqual(['54.231.0.0/16']);
    expect(second.NextToken).toBeUndefined();
  });

  it('RebootInstances is recorded and answers true', async () => {
    const { ec2, server } = await start();
    await ec2.send(new RebootInstancesCommand({ InstanceIds: [IID] }));
    expect(server.reboots).toEqual([IID]);
    expect(server.requests.map((r) => r.action)).toEqual(['RebootInstances']);
  });
});

describe('aws-server: SSM over awsJson1_1', () => {
  it('DescribeInstanceInformation paginates through empty pages (SDK paginator)', async () => {
    const { ssm, server } = await start({ emptyPages: 2 });
    const rows = [];
    for await (const page of paginateDescribeInstanceInformation({ client: ssm }, { Filters: [{ Key: 'InstanceIds', Values: [IID] }] }))
      rows.push(...(page.InstanceInformationList ?? []));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      InstanceId: IID,
      PingStatus: 'Online',
      AgentVersion: '3.3.1142.0',
      IsLatestVersion: true,
      PlatformType: 'Linux',
      PlatformName: 'Amazon Linux',
      ResourceType: 'EC2Instance',
      IPAddress: '10.0.1.10',
    });
    expect(rows[0]!.LastPingDateTime).toEqual(new Date('2026-11-29T09:58:00.000Z'));
    const calls = server.requests.filter((r) => r.action === 'DescribeInstanceInformation');
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ service: 'ssm', params: { Filters: [{ Key: 'InstanceIds', Values: [IID] }] } });
  });

  it('DescribeInstanceInformation: unregistered instance -> no row; MaxResults over 50 -> ValidationException', async () => {
    const { ssm } = await start({ facts: world((f) => (f.agents[IID] = ok(null))) });
    const out = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [IID] }] }));
    expect(out.InstanceInformationList).toEqual([]);
    expect((await errorOf(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 100 })))).name).toBe('ValidationException');
  });

  it('GetConnectionStatus, GetServiceSetting (DHMC off = $None, on = role) and GetDocument', async () => {
    const { ssm, server } = await start();
    expect((await ssm.send(new GetConnectionStatusCommand({ Target: IID }))).Status).toBe('connected');
    const off = await ssm.send(new GetServiceSettingCommand({ SettingId: DHMC_SETTING_ID }));
    expect(off.ServiceSetting).toMatchObject({ SettingId: DHMC_SETTING_ID, SettingValue: '$None', Status: 'Default' });

    const absent = await errorOf(ssm.send(new GetDocumentCommand({ Name: 'SSM-SessionManagerRunShell' })));
    expect(absent.name).toBe('InvalidDocument');
    expect(absent.$metadata?.httpStatusCode).toBe(400);

    server.setFacts(
      world((f) => {
        f.dhmc = ok({ roleName: 'service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole', settingId: DHMC_SETTING_ID });
        f.preferences = ok({ s3BucketName: 'logs', kmsKeyId: 'alias/ssm', runAsEnabled: false, idleSessionTimeout: '20' });
        f.connections[IID] = ok('notconnected');
      }),
    );
    const on = await ssm.send(new GetServiceSettingCommand({ SettingId: `arn:aws:ssm:us-east-1:${ACCOUNT}:servicesetting${DHMC_SETTING_ID}` }));
    expect(on.ServiceSetting).toMatchObject({ SettingValue: 'service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole', Status: 'Customized' });
    const doc = await ssm.send(new GetDocumentCommand({ Name: 'SSM-SessionManagerRunShell' }));
    expect(doc.DocumentType).toBe('Session');
    expect(JSON.parse(doc.Content!)).toEqual({
      schemaVersion: '1.0',
      description: 'Document to hold regional settings for Session Manager',
      sessionType: 'Standard_Stream',
      inputs: { s3BucketName: 'logs', kmsKeyId: 'alias/ssm', runAsEnabled: false, idleSessionTimeout: '20' },
    });
    expect((await ssm.send(new GetConnectionStatusCommand({ Target: IID }))).Status).toBe('notconnected');
  });
});

describe('aws-server: IAM and STS over awsQuery', () => {
  it('GetCallerIdentity, GetInstanceProfile (URL-encoded trust policy) and GetRole', async () => {
    const { iam, sts } = await start();
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`, UserId: 'AROAEXAMPLE:alice' });
    const prof = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ssm-profile' }));
    expect(prof.InstanceProfile).toMatchObject({ InstanceProfileName: 'ssm-profile', Arn: PROFILE_ARN, Path: '/' });
    const role = prof.InstanceProfile!.Roles![0]!;
    expect(role).toMatchObject({ RoleName: ROLE_NAME, Arn: ROLE_ARN });
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!))).toEqual(EC2_TRUST);
    const got = await iam.send(new GetRoleCommand({ RoleName: ROLE_NAME }));
    expect(got.Role?.Arn).toBe(ROLE_ARN);
    const missing = await errorOf(iam.send(new GetRoleCommand({ RoleName: 'no-such-role' })));
    expect(missing.name).toBe('NoSuchEntityException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });

  it('SimulatePrincipalPolicy answers from the facts, with Marker pagination', async () => {
    const f = world((f) => {
      f.simulations[ROLE_ARN] = ok([
        ...AGENT_ACTIONS.map((action) => ({ action, resource: '*', decision: 'allowed' as const })),
        { action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:111122223333:key/k', decision: 'explicitDeny' as const },
      ]);
    });
    const { iam } = await start({ facts: f, pageSize: 4 });
    const results = [];
    for await (const page of paginateSimulatePrincipalPolicy({ client: iam }, { PolicySourceArn: ROLE_ARN, ActionNames: [...AGENT_ACTIONS] }))
      results.push(...(page.EvaluationResults ?? []));
    expect(results.map((r) => r.EvalActionName)).toEqual(AGENT_ACTIONS);
    expect(results.every((r) => r.EvalDecision === 'allowed' && r.EvalResourceName === '*')).toBe(true);

    const kms = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: ROLE_ARN,
        ActionNames: ['kms:Decrypt', 's3:PutObject'],
        ResourceArns: ['arn:aws:kms:us-east-1:111122223333:key/k'],
      }),
    );
    expect(kms.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
      ['kms:Decrypt', 'arn:aws:kms:us-east-1:111122223333:key/k', 'explicitDeny'],
      ['s3:PutObject', 'arn:aws:kms:us-east-1:111122223333:key/k', 'implicitDeny'],
    ]);
    expect(kms.IsTruncated).toBe(false);
  });

  it('role policies: managed (GetPolicy/GetPolicyVersion) and inline (GetRolePolicy)', async () => {
    const managed = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 'ssm:*', Resource: '*' }] };
    const inline = { Version: '2012-10-17', Statement: [{ Effect: 'Deny' as const, Action: 'ssmmessages:*', Resource: '*' }] };
    const f = world((f) => {
      f.roles[ROLE_NAME] = ok({
        name: ROLE_NAME,
        arn: ROLE_ARN,
        trustPolicy: EC2_TRUST,
        permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
        policies: ok([
          { name: 'AmazonSSMManagedInstanceCore', kind: 'managed', arn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', document: managed },
          { name: 'no-channels', kind: 'inline', document: inline },
        ]),
      });
    });
    const { iam } = await start({ facts: f });
    const role = await iam.send(new GetRoleCommand({ RoleName: ROLE_NAME }));
    expect(role.Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/boundary`);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE_NAME }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' }]);
    const pol = await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' }));
    expect(pol.Policy?.DefaultVersionId).toBe('v1');
    const ver = await iam.send(new GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', VersionId: 'v1' }));
    expect(JSON.parse(decodeURIComponent(ver.PolicyVersion!.Document!))).toEqual(managed);
    const names = await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE_NAME }));
    expect(names.PolicyNames).toEqual(['no-channels']);
    const inl = await iam.send(new GetRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: 'no-channels' }));
    expect(JSON.parse(decodeURIComponent(inl.PolicyDocument!))).toEqual(inline);
  });
});

describe('aws-server: failed facts and faults', () => {
  it('a denied fact surfaces as the SDK error of that code and status, per protocol', async () => {
    const f: Facts = world((f) => {
      f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints'));
      f.simulations[ROLE_ARN] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied'));
      f.dhmc = failed(denied('ssm:GetServiceSetting', 'AccessDeniedException'));
      f.caller = failed({ api: 'sts:GetCallerIdentity', code: 'ExpiredToken', message: 'The security token included in the request is expired', kind: 'credentials' });
    });
    const { ec2, iam, ssm, sts } = await start({ facts: f });
    const e1 = await errorOf(ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }] })));
    expect([e1.name, e1.$metadata?.httpStatusCode]).toEqual(['UnauthorizedOperation', 403]);
    const e2 = await errorOf(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN, ActionNames: ['ssm:UpdateInstanceInformation'] })));
    expect([e2.name, e2.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    const e3 = await errorOf(ssm.send(new GetServiceSettingCommand({ SettingId: DHMC_SETTING_ID })));
    expect([e3.name, e3.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 400]);
    const e4 = await errorOf(sts.send(new GetCallerIdentityCommand({})));
    expect([e4.name, e4.$metadata?.httpStatusCode]).toEqual(['ExpiredToken', 403]); // the generic auth code, not STS's modeled ExpiredTokenException
    // Other reads still answer.
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(1);
  });

  it('a throttle fault with times:2 is retried by the SDK and then succeeds', async () => {
    const { server, cfg } = await start({ faults: [{ action: 'DescribeVpcEndpoints', kind: 'throttle', times: 2 }] });
    const ec2 = new EC2Client({ ...cfg, maxAttempts: undefined, retryStrategy: new ConfiguredRetryStrategy(3, 5) });
    const out = await ec2.send(new DescribeVpcEndpointsCommand({}));
    expect(out.VpcEndpoints).toHaveLength(3);
    expect(server.requests.filter((r) => r.action === 'DescribeVpcEndpoints')).toHaveLength(3);

    const { cfg: cfg2 } = await start({ faults: [{ action: '*', kind: 'throttle', times: 5 }] });
    const ssm = new SSMClient({ ...cfg2, maxAttempts: undefined, retryStrategy: new ConfiguredRetryStrategy(2, 5) });
    expect((await errorOf(ssm.send(new GetConnectionStatusCommand({ Target: IID })))).name).toBe('ThrottlingException');
  });

  it('an error fault answers the given code and status', async () => {
    const { iam } = await start({ faults: [{ action: 'GetInstanceProfile', kind: 'error', code: 'ServiceFailure', status: 500, times: 1 }] });
    const e = await errorOf(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ssm-profile' })));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['ServiceFailureException', 500]);
    expect((await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ssm-profile' }))).InstanceProfile?.Arn).toBe(PROFILE_ARN);
  });

  it('a malformed answer makes the SDK throw, not hang (XML and JSON)', async () => {
    const { ec2, ssm } = await start({ faults: [{ action: '*', kind: 'malformed' }] });
    await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toThrow();
    await expect(ssm.send(new DescribeInstanceInformationCommand({}))).rejects.toThrow();
  });

  it('a hang is cut by the client requestTimeout', async () => {
    const { cfg, server } = await start({ faults: [{ action: 'GetCallerIdentity', kind: 'hang' }] });
    // This SDK only logs a warning on requestTimeout unless throwOnRequestTimeout is set.
    const sts = new STSClient({ ...cfg, requestHandler: { requestTimeout: 150, throwOnRequestTimeout: true } });
    const t0 = Date.now();
    const e = await errorOf(sts.send(new GetCallerIdentityCommand({})));
    expect(e.name).toBe('TimeoutError');
    expect(Date.now() - t0).toBeLessThan(2_000);
    await server.close(); // closes with the request still pending
  });
});

// ---------- Every element the server emits is one the SDK reads ----------

const SCHEMAS: Record<string, Record<string, unknown>> = { ec2: ec2Schemas, iam: iamSchemas, ssm: ssmSchemas, sts: stsSchemas };

describe('aws-server: wire conformance', () => {
  it('every element/field of every answer is in the SDK output schema', async () => {
    const richer = world((f) => {
      const i = val(f.instances[IID])!;
      i.publicIp = '54.1.2.3';
      i.networkInterfaces[0]!.ipv6s = ['2600:1f18::10'];
      f.vpcs[VPC] = ok({ ...val(f.vpcs[VPC]), ipv6Cidrs: ['2600:1f18::/56'] });
      f.subnets[SUBNET] = ok({ ...val(f.subnets[SUBNET]), ipv6Cidrs: ['2600:1f18::/64'] });
      val(f.routeTables[VPC]).push({
        id: 'rtb-0private',
        vpcId: VPC,
        main: false,
        subnetIds: [SUBNET],
        routes: (['igw', 'nat', 'tgw', 'pcx', 'vpce', 'eni', 'instance', 'egress-only-igw', 'vgw', 'carrier', 'core-network', 'other'] as const).map((type, k) => ({
          destinationCidr: `10.${k}.0.0/16`,
          target: { type, id: `${type}-0${k}` },
          state: 'active',
        })),
      });
      val(f.networkAcls[VPC])[0]!.entries.push({ ruleNumber: 10, egress: false, protocol: '6', action: 'allow', ipv6Cidr: '::/0', portRange: { from: 1024, to: 65535 } });
      val(f.endpoints[VPC])[0]!.policyDocument = '{"Statement":[]}';
      val(f.securityGroups[SG_VPCE]).ingress.push({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: [], ipv6Cidrs: ['::/0'], groupIds: [SG_EC2], prefixListIds: ['pl-1'] });
      f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: EP_SUBNET, state: 'available', connectivityType: 'public' }]);
      f.internetGateways[VPC] = ok([{ id: 'igw-0abc', attachments: [{ vpcId: VPC, state: 'available' }] }]);
      f.prefixLists['pl-1'] = ok({ id: 'pl-1', cidrs: ['52.216.0.0/15'] });
      f.dhmc = ok({ roleName: 'dhmc-role', settingId: DHMC_SETTING_ID });
      f.preferences = ok({ s3BucketName: 'logs' });
      f.roles[ROLE_NAME] = ok({
        name: ROLE_NAME,
        arn: ROLE_ARN,
        trustPolicy: EC2_TRUST,
        permissionsBoundaryArn: 'arn:aws:iam::aws:policy/b',
        policies: ok([
          { name: 'm', kind: 'managed', arn: 'arn:aws:iam::aws:policy/m', document: EC2_TRUST },
          { name: 'i', kind: 'inline', document: EC2_TRUST },
        ]),
      });
    });
    const { ec2, ssm, iam, sts, server } = await start({ facts: richer });
    await ec2.send(new DescribeInstancesCommand({}));
    await ec2.send(new DescribeVpcsCommand({}));
    await ec2.send(new DescribeVpcAttributeCommand({ VpcId: VPC, Attribute: 'enableDnsHostnames' }));
    await ec2.send(new DescribeDhcpOptionsCommand({}));
    await ec2.send(new DescribeSubnetsCommand({}));
    await ec2.send(new DescribeRouteTablesCommand({}));
    await ec2.send(new DescribeNetworkAclsCommand({}));
    await ec2.send(new DescribeVpcEndpointsCommand({}));
    await ec2.send(new DescribeNetworkInterfacesCommand({}));
    await ec2.send(new DescribeSecurityGroupsCommand({}));
    await ec2.send(new DescribeNatGatewaysCommand({}));
    await ec2.send(new DescribeInternetGatewaysCommand({}));
    await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-1' }));
    await ssm.send(new DescribeInstanceInformationCommand({}));
    await ssm.send(new GetConnectionStatusCommand({ Target: IID }));
    await ssm.send(new GetServiceSettingCommand({ SettingId: DHMC_SETTING_ID }));
    await ssm.send(new GetDocumentCommand({ Name: 'SSM-SessionManagerRunShell' }));
    await sts.send(new GetCallerIdentityCommand({}));
    await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ssm-profile' }));
    await iam.send(new GetRoleCommand({ RoleName: ROLE_NAME }));
    await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN, ActionNames: ['ssm:x'], ResourceArns: ['arn:aws:s3:::b'] }));
    await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE_NAME }));
    await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE_NAME }));
    await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/m' }));
    await iam.send(new GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::aws:policy/m', VersionId: 'v1' }));
    await iam.send(new GetRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: 'i' }));

    const problems: string[] = [];
    // Replay each recorded request raw and check the body against the operation's output schema.
    for (const r of [...server.requests]) {
      const json = r.service === 'ssm';
      const res = await fetch(server.url, {
        method: 'POST',
        headers: json
          ? { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${r.action}` }
          : { 'content-type': 'application/x-www-form-urlencoded' },
        body: json ? JSON.stringify(r.params) : new URLSearchParams(r.params as Record<string, string>).toString(),
      });
      expect(res.status, `${r.action}`).toBe(200);
      const text = await res.text();
      const op = SCHEMAS[r.service]![`${r.action}$`] as unknown[];
      const output = NormalizedSchema.of(op[5] as Parameters<typeof NormalizedSchema.of>[0]);
      if (json) {
        unknownFields(JSON.parse(text), output, r.action, false, problems);
      } else {
        const root = Object.values(parseXML(text))[0] as Record<string, unknown>;
        const body = r.service === 'ec2' ? root : (root[`${r.action}Result`] as Record<string, unknown>);
        const { requestId: _ignored, ...rest } = body;
        unknownFields(rest, output, r.action, true, problems);
      }
    }
    expect(problems).toEqual([]);
    expect(server.requests.length).toBe(26 * 2);
  });
});
