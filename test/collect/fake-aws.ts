// SDK-shaped answers for a healthy one-instance world behind the three interface endpoints, served by
// aws-sdk-client-mock on injected clients. Tests edit the mocks (`.on(X).rejects(...)`) after `healthyAws()`.
import {
  DescribeDhcpOptionsCommand,
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
  EC2Client,
  type Filter,
  type Instance as SdkInstance,
  type Route as SdkRoute,
  type SecurityGroup as SdkSecurityGroup,
} from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand, type Role as SdkRole } from '@aws-sdk/client-iam';
import {
  DescribeInstanceInformationCommand,
  GetConnectionStatusCommand,
  GetDocumentCommand,
  GetServiceSettingCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/collect/index.js';
import type { PolicyDocument } from '../../src/facts/facts.js';
import { ACCOUNT, EC2_TRUST, EP_SUBNET, IID, PROFILE_ARN, REGION, ROLE_ARN, ROLE_NAME, SG_EC2, SG_VPCE, SUBNET, VPC } from '../fixtures/world.js';

// The ids of the healthy world of test/fixtures/world.ts; what differs from it is below.
export { ACCOUNT, EC2_TRUST, EP_SUBNET, IID, PROFILE_ARN, REGION, ROLE_ARN, ROLE_NAME, SG_EC2, SG_VPCE, SUBNET, VPC };
export const CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`;
export const CALLER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/admins/Admin`; // a path: only GetRole knows it
export const ACCOUNT_TRUST: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
};
export const SERVICES = ['ssm', 'ssmmessages', 'ec2messages'] as const;
export const endpointId = (n: number) => `vpce-0${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}`;
export const endpointEni = (n: number) => `eni-0e${n}e${n}e${n}e${n}e${n}e${n}e${n}e${n}`;
export const LAUNCH = '2026-11-29T09:00:00.000Z';

export function awsError(name: string, message = `${name} (test)`): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** The Values of the named filter in an EC2 request. */
export function filterValues(input: { Filters?: Filter[]; Filter?: Filter[] }, name: string): string[] {
  return [...(input.Filters ?? []), ...(input.Filter ?? [])].find((f) => f.Name === name)?.Values ?? [];
}

export function sdkInstance(id = IID, over: Partial<SdkInstance> = {}): SdkInstance {
  return {
    InstanceId: id,
    State: { Name: 'running', Code: 16 },
    Tags: [{ Key: 'Name', Value: 'web-1' }],
    Placement: { AvailabilityZone: 'us-east-1a' },
    LaunchTime: new Date(LAUNCH),
    VpcId: VPC,
    SubnetId: SUBNET,
    PrivateIpAddress: '10.0.1.10',
    SecurityGroups: [{ GroupId: SG_EC2, GroupName: 'for connect to ssm' }],
    NetworkInterfaces: [
      {
        NetworkInterfaceId: `eni-0instance${id.slice(-8)}`,
        Attachment: { DeviceIndex: 0, NetworkCardIndex: 0 },
        SubnetId: SUBNET,
        PrivateIpAddress: '10.0.1.10',
        PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.10', Primary: true }],
        Ipv6Addresses: [],
        Groups: [{ GroupId: SG_EC2, GroupName: 'for connect to ssm' }],
      },
    ],
    IamInstanceProfile: { Arn: PROFILE_ARN, Id: 'AIPAEXAMPLE' },
    MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 2, State: 'applied' },
    ...over,
  };
}

export const SDK_SECURITY_GROUPS: SdkSecurityGroup[] = [
  {
    GroupId: SG_EC2,
    GroupName: 'for connect to ssm',
    VpcId: VPC,
    IpPermissions: [],
    IpPermissionsEgress: [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] },
    ],
  },
  {
    GroupId: SG_VPCE,
    GroupName: 'for endpoint',
    VpcId: VPC,
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/16' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] },
    ],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] }],
  },
];

/** The agent's role as IAM returns it (GetInstanceProfile, GetRole). */
export function sdkAgentRole(over: Partial<SdkRole> = {}): SdkRole {
  return {
    Path: '/',
    RoleName: ROLE_NAME,
    RoleId: 'AROAROLE',
    Arn: ROLE_ARN,
    CreateDate: new Date(LAUNCH),
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(EC2_TRUST)),
    ...over,
  };
}

export type Mocks = ReturnType<typeof healthyAws>['mocks'];

/** DescribeRouteTables answers one table, rtb-1, associated with the instance subnet, with these routes. */
export function routeTableWith(mocks: Mocks, routes: SdkRoute[]): void {
  mocks.ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [{ RouteTableId: 'rtb-1', VpcId: VPC, Associations: [{ SubnetId: SUBNET, Main: false }], Routes: routes }],
  });
}

/** Injected clients whose `send` is mocked with a healthy world; `instances` are what DescribeInstances knows. */
export function healthyAws(instances: SdkInstance[] = [sdkInstance()]) {
  const raw = {
    ec2: new EC2Client({ region: REGION }),
    ssm: new SSMClient({ region: REGION }),
    iam: new IAMClient({ region: REGION }),
    sts: new STSClient({ region: REGION }),
  };
  const ec2 = mockClient(raw.ec2);
  const ssm = mockClient(raw.ssm);
  const iam = mockClient(raw.iam);
  const sts = mockClient(raw.sts);

  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER_ARN, UserId: 'AROAEXAMPLE:alice' });

  ec2.on(DescribeInstancesCommand).callsFake(async (input) => {
    const ids = filterValues(input, 'instance-id');
    const found = instances.filter((i) => ids.includes(i.InstanceId!));
    return { Reservations: found.length ? [{ OwnerId: ACCOUNT, ReservationId: 'r-1', Instances: found }] : [] };
  });
  ssm.on(DescribeInstanceInformationCommand).callsFake(async (input) => {
    const ids: string[] = input.Filters?.find((f: { Key: string }) => f.Key === 'InstanceIds')?.Values ?? [];
    return {
      InstanceInformationList: instances
        .filter((i) => ids.includes(i.InstanceId!))
        .map((i) => ({
          InstanceId: i.InstanceId,
          PingStatus: 'Online',
          LastPingDateTime: new Date('2026-11-29T09:58:00.000Z'),
          AgentVersion: '3.3.1142.0',
          IsLatestVersion: true,
          PlatformType: 'Linux',
          PlatformName: 'Amazon Linux',
          ResourceType: 'EC2Instance',
          IPAddress: i.PrivateIpAddress,
          ComputerName: i.PrivateIpAddress ? `ip-${i.PrivateIpAddress.replace(/\./g, '-')}.ec2.internal` : undefined,
        })),
    };
  });
  ssm.on(GetConnectionStatusCommand).callsFake(async (input) => ({ Target: input.Target, Status: 'connected' }));
  ssm.on(GetServiceSettingCommand).resolves({
    ServiceSetting: {
      SettingId: '/ssm/managed-instance/default-ec2-instance-management-role',
      SettingValue: '$None',
      Status: 'Default',
    },
  });
  ssm.on(GetDocumentCommand).rejects(awsError('InvalidDocument', 'The specified document does not exist.'));

  ec2.on(DescribeVpcsCommand).callsFake(async (input) => ({
    Vpcs: filterValues(input, 'vpc-id')
      .filter((v) => v === VPC)
      .map(() => ({
        VpcId: VPC,
        CidrBlock: '10.0.0.0/16',
        CidrBlockAssociationSet: [{ CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } }],
        DhcpOptionsId: 'dopt-0abc',
        OwnerId: ACCOUNT,
        IsDefault: false,
        State: 'available',
      })),
  }));
  ec2.on(DescribeVpcAttributeCommand).callsFake(async (input) =>
    input.Attribute === 'enableDnsSupport'
      ? { VpcId: input.VpcId, EnableDnsSupport: { Value: true } }
      : { VpcId: input.VpcId, EnableDnsHostnames: { Value: true } },
  );
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { SubnetId: SUBNET, VpcId: VPC, CidrBlock: '10.0.1.0/24', Ipv6CidrBlockAssociationSet: [], AvailabilityZone: 'us-east-1a' },
      { SubnetId: EP_SUBNET, VpcId: VPC, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1a' },
    ],
  });
  ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [
      {
        RouteTableId: 'rtb-0main',
        VpcId: VPC,
        Associations: [{ Main: true, RouteTableAssociationId: 'rtbassoc-1', RouteTableId: 'rtb-0main' }],
        Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' }],
      },
    ],
  });
  ec2.on(DescribeNetworkAclsCommand).resolves({
    NetworkAcls: [
      {
        NetworkAclId: 'acl-0default',
        VpcId: VPC,
        IsDefault: true,
        Associations: [{ SubnetId: SUBNET }, { SubnetId: EP_SUBNET }],
        Entries: [
          { RuleNumber: 100, Egress: false, Protocol: '-1', RuleAction: 'allow', CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 32767, Egress: false, Protocol: '-1', RuleAction: 'deny', CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 100, Egress: true, Protocol: '-1', RuleAction: 'allow', CidrBlock: '0.0.0.0/0' },
          { RuleNumber: 32767, Egress: true, Protocol: '-1', RuleAction: 'deny', CidrBlock: '0.0.0.0/0' },
        ],
      },
    ],
  });
  ec2.on(DescribeVpcEndpointsCommand).resolves({
    VpcEndpoints: SERVICES.map((service, i) => ({
      VpcEndpointId: endpointId(i + 1),
      VpcEndpointType: 'Interface',
      VpcId: VPC,
      ServiceName: `com.amazonaws.${REGION}.${service}`,
      State: 'available' as never, // the wire value is lowercase, whatever the SDK enum says
      SubnetIds: [EP_SUBNET],
      Groups: [{ GroupId: SG_VPCE, GroupName: 'for endpoint' }],
      PrivateDnsEnabled: true,
      NetworkInterfaceIds: [endpointEni(i + 1)],
      RouteTableIds: [],
    })),
  });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({
    NetworkInterfaces: SERVICES.map((_, i) => ({
      NetworkInterfaceId: endpointEni(i + 1),
      VpcId: VPC,
      SubnetId: EP_SUBNET,
      AvailabilityZone: 'us-east-1a',
      PrivateIpAddress: `10.0.2.${14 + i}`,
      Groups: [{ GroupId: SG_VPCE, GroupName: 'for endpoint' }],
      InterfaceType: 'vpc_endpoint',
      Description: `VPC Endpoint Interface ${endpointId(i + 1)}`,
      RequesterId: 'AROAEXAMPLE',
      RequesterManaged: true,
    })),
  });
  ec2.on(DescribeSecurityGroupsCommand).callsFake(async (input) => {
    const ids = filterValues(input, 'group-id');
    return { SecurityGroups: SDK_SECURITY_GROUPS.filter((g) => ids.includes(g.GroupId!)) };
  });
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(DescribeDhcpOptionsCommand).resolves({
    DhcpOptions: [
      {
        DhcpOptionsId: 'dopt-0abc',
        DhcpConfigurations: [{ Key: 'domain-name-servers', Values: [{ Value: 'AmazonProvidedDNS' }] }],
      },
    ],
  });

  iam.on(GetInstanceProfileCommand).resolves({
    InstanceProfile: {
      Path: '/',
      InstanceProfileName: 'ssm-profile',
      InstanceProfileId: 'AIPAEXAMPLE',
      Arn: PROFILE_ARN,
      CreateDate: new Date(LAUNCH),
      Roles: [sdkAgentRole()],
    },
  });
  iam.on(GetRoleCommand, { RoleName: 'Admin' }).resolves({
    Role: {
      Path: '/admins/',
      RoleName: 'Admin',
      RoleId: 'AROAADMIN',
      Arn: CALLER_ROLE_ARN,
      CreateDate: new Date(LAUNCH),
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(ACCOUNT_TRUST)),
    },
  });
  // As AWS answers today: one result per action, per-resource decisions in ResourceSpecificResults.
  iam.on(SimulatePrincipalPolicyCommand).callsFake(async (input) => ({
    EvaluationResults: (input.ActionNames as string[]).map((a) => ({
      EvalActionName: a,
      EvalResourceName: input.ResourceArns?.length === 1 ? input.ResourceArns[0] : '*',
      EvalDecision: 'allowed',
      ResourceSpecificResults: (input.ResourceArns ?? []).map((r: string) => ({ EvalResourceName: r, EvalResourceDecision: 'allowed' })),
    })),
    IsTruncated: false,
  }));

  const clients = raw as AwsClients;
  const mocks = { ec2, ssm, iam, sts };
  return { clients, mocks };
}

/** Every command sent through the mocks, as `service:CommandName` (`ec2:DescribeVpcs`). */
export function sentCommands(mocks: Mocks): string[] {
  const out: string[] = [];
  for (const [service, m] of Object.entries(mocks)) {
    for (const call of m.calls()) out.push(`${service}:${call.args[0].constructor.name.replace(/Command$/, '')}`);
  }
  return out;
}

/** How many times each `service:Command` was sent. */
export function countCommands(mocks: Mocks): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of sentCommands(mocks)) counts[c] = (counts[c] ?? 0) + 1;
  return counts;
}

/** Inputs of every call of one command class. */
export function inputsOf<T>(mock: { commandCalls: (c: never) => { args: [{ input: unknown }] }[] }, command: unknown): T[] {
  return mock.commandCalls(command as never).map((c) => c.args[0].input as T);
}
