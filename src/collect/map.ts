// Pure mapping from AWS SDK v3 response shapes to the plain facts types (src/facts/facts.ts).
// No undefined-valued keys: optional fields are omitted so facts survive a JSON round trip unchanged.
import type {
  DhcpOptions as SdkDhcpOptions,
  Instance as SdkInstance,
  InternetGateway as SdkInternetGateway,
  IpPermission,
  NatGateway as SdkNatGateway,
  NetworkAcl as SdkNetworkAcl,
  NetworkInterface as SdkNetworkInterface,
  Route as SdkRoute,
  RouteTable as SdkRouteTable,
  SecurityGroup as SdkSecurityGroup,
  Subnet as SdkSubnet,
  Vpc as SdkVpc,
  VpcEndpoint as SdkVpcEndpoint,
} from '@aws-sdk/client-ec2';
import type { InstanceProfile as SdkInstanceProfile, Role as SdkRole } from '@aws-sdk/client-iam';
import type { InstanceInformation } from '@aws-sdk/client-ssm';
import type {
  AgentInfo,
  DhcpOptions,
  EndpointInterface,
  Instance,
  InstanceNetworkInterface,
  InstanceProfile,
  InternetGateway,
  NatGateway,
  NetworkAcl,
  NetworkAclEntry,
  PolicyDocument,
  Role,
  RoleRef,
  Route,
  RouteTable,
  RouteTargetType,
  SecurityGroup,
  SecurityGroupRule,
  SessionPreferences,
  Subnet,
  Vpc,
  VpcEndpoint,
} from '../facts/facts.js';

/** Drops keys whose value is undefined (shallow). */
export function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function iso(d: Date | string | number | undefined): string | undefined {
  if (d === undefined || d === null) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function strings(xs: (string | undefined)[] | undefined): string[] {
  return (xs ?? []).filter((x): x is string => typeof x === 'string' && x.length > 0);
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Last segment of an ARN or path: `arn:aws:iam::1:instance-profile/a/b` -> `b`, `service-role/R` -> `R`. */
export function lastSegment(value: string): string {
  const parts = value.split('/');
  return parts[parts.length - 1] ?? value;
}

// ---------------------------------------------------------------- EC2 instances

function mapEni(eni: NonNullable<SdkInstance['NetworkInterfaces']>[number]): InstanceNetworkInterface {
  const privateIps = (eni.PrivateIpAddresses ?? [])
    .slice()
    .sort((a, b) => Number(b.Primary ?? false) - Number(a.Primary ?? false))
    .map((p) => p.PrivateIpAddress);
  const ips = strings(privateIps);
  if (ips.length === 0 && eni.PrivateIpAddress) ips.push(eni.PrivateIpAddress);
  return {
    id: eni.NetworkInterfaceId ?? '',
    deviceIndex: eni.Attachment?.DeviceIndex ?? 0,
    subnetId: eni.SubnetId ?? '',
    privateIps: ips,
    ipv6s: strings((eni.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
    securityGroupIds: strings((eni.Groups ?? []).map((g) => g.GroupId)),
  };
}

export function mapInstance(i: SdkInstance, ownerId: string | undefined): Instance {
  const tags: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  const enis = (i.NetworkInterfaces ?? [])
    .slice()
    .sort(
      (a, b) =>
        (a.Attachment?.NetworkCardIndex ?? 0) - (b.Attachment?.NetworkCardIndex ?? 0) ||
        (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0),
    );
  const networkInterfaces = enis.map(mapEni);
  const sgFromEnis = networkInterfaces.flatMap((n) => n.securityGroupIds);
  const securityGroupIds = uniq(sgFromEnis.length ? sgFromEnis : strings((i.SecurityGroups ?? []).map((g) => g.GroupId)));
  const mo = i.MetadataOptions;
  return clean<Instance>({
    id: i.InstanceId ?? '',
    state: i.State?.Name ?? 'unknown',
    name: tags.Name,
    tags,
    ownerId,
    availabilityZone: i.Placement?.AvailabilityZone,
    launchTime: iso(i.LaunchTime),
    platform: String(i.Platform ?? '').toLowerCase() === 'windows' ? 'windows' : 'linux',
    vpcId: i.VpcId,
    subnetId: i.SubnetId,
    privateIp: i.PrivateIpAddress,
    publicIp: i.PublicIpAddress,
    securityGroupIds,
    networkInterfaces,
    instanceProfileArn: i.IamInstanceProfile?.Arn,
    metadataOptions: mo
      ? clean({
          httpEndpoint: mo.HttpEndpoint ?? 'enabled',
          httpTokens: mo.HttpTokens ?? 'optional',
          httpPutResponseHopLimit: mo.HttpPutResponseHopLimit ?? 1,
          state: mo.State,
        })
      : undefined,
    imageId: i.ImageId,
    platformDetails: i.PlatformDetails,
    usageOperation: i.UsageOperation,
    instanceType: i.InstanceType,
    keyName: i.KeyName,
  });
}

// ---------------------------------------------------------------- SSM

export function mapAgent(r: InstanceInformation): AgentInfo {
  return clean<AgentInfo>({
    instanceId: r.InstanceId ?? '',
    pingStatus: r.PingStatus ?? 'Unknown',
    lastPingDateTime: iso(r.LastPingDateTime),
    agentVersion: r.AgentVersion,
    isLatestVersion: r.IsLatestVersion,
    platformType: r.PlatformType,
    platformName: r.PlatformName,
    resourceType: r.ResourceType,
    registrationDate: iso(r.RegistrationDate),
    activationId: r.ActivationId,
    iamRole: r.IamRole,
    ipAddress: r.IPAddress,
    computerName: r.ComputerName,
  });
}

/** The DHMC setting value as a role reference (`service-role/Name` or `Name`), or null when DHMC is off. */
export function dhmcRoleValue(value: string | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v || /^\$?none$/i.test(v) || v === '-') return null;
  // A full role ARN is accepted too: keep what follows `:role/`.
  const m = /^arn:[^:]+:iam::\d*:role\/(.+)$/.exec(v);
  return m ? m[1]! : v;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s.length ? s : undefined;
}

/** `inputs` of the SSM-SessionManagerRunShell document content (JSON text). Throws on malformed JSON. */
export function parsePreferences(content: string): SessionPreferences {
  const doc = JSON.parse(content) as { inputs?: Record<string, unknown> };
  const inp = doc && typeof doc === 'object' && doc.inputs && typeof doc.inputs === 'object' ? doc.inputs : {};
  return clean<SessionPreferences>({
    s3BucketName: str(inp.s3BucketName),
    s3KeyPrefix: str(inp.s3KeyPrefix),
    s3EncryptionEnabled: bool(inp.s3EncryptionEnabled),
    cloudWatchLogGroupName: str(inp.cloudWatchLogGroupName),
    cloudWatchEncryptionEnabled: bool(inp.cloudWatchEncryptionEnabled),
    cloudWatchStreamingEnabled: bool(inp.cloudWatchStreamingEnabled),
    kmsKeyId: str(inp.kmsKeyId),
    runAsEnabled: bool(inp.runAsEnabled),
    runAsDefaultUser: str(inp.runAsDefaultUser),
    idleSessionTimeout: str(inp.idleSessionTimeout),
    maxSessionDuration: str(inp.maxSessionDuration),
  });
}

// ---------------------------------------------------------------- IAM

/** IAM returns policy documents URL-encoded; tolerate already-decoded JSON. Throws when not JSON. */
export function decodePolicy(raw: string): PolicyDocument {
  const text = raw.trim().startsWith('{') ? raw : decodeURIComponent(raw);
  const doc = JSON.parse(text) as PolicyDocument;
  if (!doc || typeof doc !== 'object') throw new Error('policy document is not an object');
  if (doc.Statement === undefined) doc.Statement = [];
  return doc;
}

function tryDecode(raw: string | undefined): PolicyDocument | undefined {
  if (!raw) return undefined;
  try {
    return decodePolicy(raw);
  } catch {
    return undefined;
  }
}

export function mapRoleRef(r: SdkRole): RoleRef {
  return clean<RoleRef>({ name: r.RoleName ?? '', arn: r.Arn ?? '', trustPolicy: tryDecode(r.AssumeRolePolicyDocument) });
}

export function mapRole(r: SdkRole): Role {
  return clean<Role>({ ...mapRoleRef(r), permissionsBoundaryArn: r.PermissionsBoundary?.PermissionsBoundaryArn });
}

export function mapInstanceProfile(p: SdkInstanceProfile, arn: string): InstanceProfile {
  return {
    arn: p.Arn ?? arn,
    name: p.InstanceProfileName ?? lastSegment(arn),
    roles: (p.Roles ?? []).map(mapRoleRef),
  };
}

// ---------------------------------------------------------------- VPC network

export function mapVpc(v: SdkVpc): Vpc {
  const cidrs = strings(
    (v.CidrBlockAssociationSet ?? [])
      .filter((a) => !a.CidrBlockState?.State || a.CidrBlockState.State === 'associated')
      .map((a) => a.CidrBlock),
  );
  if (cidrs.length === 0 && v.CidrBlock) cidrs.push(v.CidrBlock);
  const ipv6Cidrs = strings(
    (v.Ipv6CidrBlockAssociationSet ?? [])
      .filter((a) => !a.Ipv6CidrBlockState?.State || a.Ipv6CidrBlockState.State === 'associated')
      .map((a) => a.Ipv6CidrBlock),
  );
  return clean<Vpc>({
    id: v.VpcId ?? '',
    cidrs: uniq(cidrs),
    ipv6Cidrs: uniq(ipv6Cidrs),
    dhcpOptionsId: v.DhcpOptionsId,
    ownerId: v.OwnerId,
    isDefault: v.IsDefault ?? false,
  });
}

export function mapDhcpOptions(d: SdkDhcpOptions): DhcpOptions {
  const servers = (d.DhcpConfigurations ?? [])
    .filter((c) => c.Key === 'domain-name-servers')
    .flatMap((c) => strings((c.Values ?? []).map((v) => v.Value)));
  return { id: d.DhcpOptionsId ?? '', domainNameServers: servers };
}

export function mapSubnet(s: SdkSubnet): Subnet {
  return clean<Subnet>({
    id: s.SubnetId ?? '',
    vpcId: s.VpcId ?? '',
    cidr: s.CidrBlock,
    ipv6Cidrs: strings((s.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock)),
    availabilityZone: s.AvailabilityZone,
  });
}

export function routeTarget(r: SdkRoute): { type: RouteTargetType; id: string } {
  const gw = r.GatewayId;
  if (gw) {
    if (gw === 'local') return { type: 'local', id: 'local' };
    if (gw.startsWith('igw-')) return { type: 'igw', id: gw };
    if (gw.startsWith('vgw-')) return { type: 'vgw', id: gw };
    if (gw.startsWith('vpce-')) return { type: 'vpce', id: gw };
    if (gw.startsWith('eigw-')) return { type: 'egress-only-igw', id: gw };
    return { type: 'other', id: gw };
  }
  if (r.NatGatewayId) return { type: 'nat', id: r.NatGatewayId };
  if (r.TransitGatewayId) return { type: 'tgw', id: r.TransitGatewayId };
  if (r.VpcPeeringConnectionId) return { type: 'pcx', id: r.VpcPeeringConnectionId };
  if (r.InstanceId) return { type: 'instance', id: r.InstanceId };
  if (r.NetworkInterfaceId) return { type: 'eni', id: r.NetworkInterfaceId };
  if (r.EgressOnlyInternetGatewayId) return { type: 'egress-only-igw', id: r.EgressOnlyInternetGatewayId };
  if (r.CarrierGatewayId) return { type: 'carrier', id: r.CarrierGatewayId };
  if (r.CoreNetworkArn) return { type: 'core-network', id: r.CoreNetworkArn };
  const other = r.LocalGatewayId ?? (r as { OdbNetworkArn?: string }).OdbNetworkArn ?? 'unknown';
  return { type: 'other', id: other };
}

export function mapRoute(r: SdkRoute): Route {
  return clean<Route>({
    destinationCidr: r.DestinationCidrBlock,
    destinationIpv6Cidr: r.DestinationIpv6CidrBlock,
    destinationPrefixListId: r.DestinationPrefixListId,
    target: routeTarget(r),
    state: r.State ?? 'active',
  });
}

export function mapRouteTable(t: SdkRouteTable): RouteTable {
  const assoc = t.Associations ?? [];
  return {
    id: t.RouteTableId ?? '',
    vpcId: t.VpcId ?? '',
    main: assoc.some((a) => a.Main === true),
    subnetIds: uniq(strings(assoc.map((a) => a.SubnetId))),
    routes: (t.Routes ?? []).map(mapRoute),
  };
}

export function mapNetworkAcl(a: SdkNetworkAcl): NetworkAcl {
  return {
    id: a.NetworkAclId ?? '',
    vpcId: a.VpcId ?? '',
    isDefault: a.IsDefault ?? false,
    subnetIds: uniq(strings((a.Associations ?? []).map((x) => x.SubnetId))),
    entries: (a.Entries ?? []).map((e) =>
      clean<NetworkAclEntry>({
        ruleNumber: e.RuleNumber ?? 0,
        egress: e.Egress ?? false,
        protocol: String(e.Protocol ?? '-1'),
        action: String(e.RuleAction ?? '').toLowerCase() === 'allow' ? 'allow' : 'deny',
        cidr: e.CidrBlock,
        ipv6Cidr: e.Ipv6CidrBlock,
        portRange:
          e.PortRange && (e.PortRange.From !== undefined || e.PortRange.To !== undefined)
            ? { from: e.PortRange.From ?? 0, to: e.PortRange.To ?? 65535 }
            : undefined,
      }),
    ),
  };
}

export function mapVpcEndpoint(e: SdkVpcEndpoint): VpcEndpoint {
  return clean<VpcEndpoint>({
    id: e.VpcEndpointId ?? '',
    vpcId: e.VpcId ?? '',
    serviceName: e.ServiceName ?? '',
    type: String(e.VpcEndpointType ?? ''),
    state: String(e.State ?? '').toLowerCase(),
    privateDnsEnabled: e.PrivateDnsEnabled ?? false,
    subnetIds: strings(e.SubnetIds),
    securityGroupIds: strings((e.Groups ?? []).map((g) => g.GroupId)),
    networkInterfaceIds: strings(e.NetworkInterfaceIds),
    routeTableIds: strings(e.RouteTableIds),
    policyDocument: e.PolicyDocument,
    lastError: e.LastError && (e.LastError.Code || e.LastError.Message) ? clean({ code: e.LastError.Code, message: e.LastError.Message }) : undefined,
  });
}

/** The VPC endpoint an endpoint ENI belongs to, from its description (`VPC Endpoint Interface vpce-...`). */
export function endpointIdOfEni(eni: SdkNetworkInterface, byEni: Map<string, string>): string | undefined {
  const fromDescription = /\bvpce-[0-9a-f]+\b/i.exec(eni.Description ?? '')?.[0];
  return fromDescription ?? (eni.NetworkInterfaceId ? byEni.get(eni.NetworkInterfaceId) : undefined);
}

export function mapEndpointInterface(eni: SdkNetworkInterface, byEni: Map<string, string>): EndpointInterface {
  return clean<EndpointInterface>({
    id: eni.NetworkInterfaceId ?? '',
    subnetId: eni.SubnetId ?? '',
    privateIp: eni.PrivateIpAddress,
    availabilityZone: eni.AvailabilityZone,
    securityGroupIds: strings((eni.Groups ?? []).map((g) => g.GroupId)),
    vpcEndpointId: endpointIdOfEni(eni, byEni),
  });
}

export function mapSgRule(p: IpPermission): SecurityGroupRule {
  return clean<SecurityGroupRule>({
    protocol: String(p.IpProtocol ?? '-1'),
    fromPort: p.FromPort,
    toPort: p.ToPort,
    cidrs: strings((p.IpRanges ?? []).map((r) => r.CidrIp)),
    ipv6Cidrs: strings((p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    groupIds: strings((p.UserIdGroupPairs ?? []).map((g) => g.GroupId)),
    prefixListIds: strings((p.PrefixListIds ?? []).map((g) => g.PrefixListId)),
  });
}

export function mapSecurityGroup(g: SdkSecurityGroup): SecurityGroup {
  return clean<SecurityGroup>({
    id: g.GroupId ?? '',
    name: g.GroupName,
    vpcId: g.VpcId,
    ingress: (g.IpPermissions ?? []).map(mapSgRule),
    egress: (g.IpPermissionsEgress ?? []).map(mapSgRule),
  });
}

export function mapNatGateway(n: SdkNatGateway): NatGateway {
  return clean<NatGateway>({
    id: n.NatGatewayId ?? '',
    vpcId: n.VpcId ?? '',
    subnetId: n.SubnetId,
    state: String(n.State ?? 'unknown'),
    connectivityType: String(n.ConnectivityType ?? 'public'),
  });
}

export function mapInternetGateway(g: SdkInternetGateway): InternetGateway {
  return {
    id: g.InternetGatewayId ?? '',
    attachments: (g.Attachments ?? []).map((a) => ({ vpcId: a.VpcId ?? '', state: String(a.State ?? '') })),
  };
}
