// The snapshot: everything the checks may look at, collected once per run.
// Plain JSON (no classes, no Dates, no undefined-vs-missing tricks): `--save-snapshot` writes it,
// `--snapshot` reads it back, and every check is a pure function of it.

export const FACTS_SCHEMA_VERSION = 1;

/** Why an AWS read failed. Recorded in the facts instead of being thrown. */
export interface ApiError {
  /** IAM action form of the call that failed, e.g. `ec2:DescribeVpcEndpoints`. */
  api: string;
  /** AWS error code (`UnauthorizedOperation`, `AccessDenied`, `ThrottlingException`, `TimeoutError`, ...). */
  code: string;
  message: string;
  kind: 'denied' | 'throttled' | 'network' | 'timeout' | 'credentials' | 'other';
}

/** The outcome of one read: its value, or why it could not be read. */
export type Fetched<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface InstanceNetworkInterface {
  id: string;
  deviceIndex: number;
  subnetId: string;
  privateIps: string[];
  ipv6s: string[];
  securityGroupIds: string[];
}

export interface Instance {
  id: string;
  /** EC2 state name: pending | running | shutting-down | terminated | stopping | stopped */
  state: string;
  name?: string;
  tags: Record<string, string>;
  ownerId?: string;
  availabilityZone?: string;
  launchTime?: string;
  /** `windows` or `linux` (EC2 only tells Windows apart). */
  platform: 'windows' | 'linux';
  vpcId?: string;
  subnetId?: string;
  privateIp?: string;
  publicIp?: string;
  /** Security groups of all network interfaces, primary first, no duplicates. */
  securityGroupIds: string[];
  networkInterfaces: InstanceNetworkInterface[];
  instanceProfileArn?: string;
  metadataOptions?: {
    httpEndpoint: string; // enabled | disabled
    httpTokens: string; // optional | required
    httpPutResponseHopLimit: number;
    state?: string; // pending | applied
  };
}

/** One row of ssm:DescribeInstanceInformation. */
export interface AgentInfo {
  instanceId: string;
  pingStatus: string; // Online | ConnectionLost | Inactive
  lastPingDateTime?: string;
  agentVersion?: string;
  isLatestVersion?: boolean;
  platformType?: string;
  platformName?: string;
  resourceType?: string;
  registrationDate?: string;
}

/** Default Host Management Configuration: the SSM service setting naming the role, or null when off. */
export interface DhmcSetting {
  roleName: string | null;
  settingId: string;
}

/** Inputs of the `SSM-SessionManagerRunShell` document; null when the document does not exist (defaults). */
export interface SessionPreferences {
  s3BucketName?: string;
  s3KeyPrefix?: string;
  s3EncryptionEnabled?: boolean;
  cloudWatchLogGroupName?: string;
  cloudWatchEncryptionEnabled?: boolean;
  cloudWatchStreamingEnabled?: boolean;
  kmsKeyId?: string;
  runAsEnabled?: boolean;
  runAsDefaultUser?: string;
  idleSessionTimeout?: string;
  maxSessionDuration?: string;
}

/** A JSON IAM policy document, as parsed (Statement may be one object or a list). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: '*' | Record<string, string | string[]>;
  NotPrincipal?: '*' | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface RoleRef {
  name: string;
  arn: string;
  /** The role's trust policy (AssumeRolePolicyDocument), decoded. */
  trustPolicy?: PolicyDocument;
}

export interface InstanceProfile {
  arn: string;
  name: string;
  roles: RoleRef[];
}

export interface NamedPolicy {
  name: string;
  kind: 'managed' | 'inline';
  arn?: string;
  document: PolicyDocument;
}

export interface Role extends RoleRef {
  permissionsBoundaryArn?: string;
  /**
   * The role's identity policies. Only collected when iam:SimulatePrincipalPolicy could not be used,
   * so checks can evaluate them locally; absent otherwise.
   */
  policies?: Fetched<NamedPolicy[]>;
}

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** One answer of iam:SimulatePrincipalPolicy. */
export interface SimDecision {
  action: string;
  resource: string;
  decision: Decision;
}

export interface Vpc {
  id: string;
  cidrs: string[];
  ipv6Cidrs: string[];
  dhcpOptionsId?: string;
  ownerId?: string;
  isDefault: boolean;
}

export interface VpcDnsAttributes {
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

export interface DhcpOptions {
  id: string;
  /** `domain-name-servers` values, e.g. ["AmazonProvidedDNS"] or ["10.0.0.2", "192.168.1.10"]. */
  domainNameServers: string[];
}

export interface Subnet {
  id: string;
  vpcId: string;
  cidr?: string;
  ipv6Cidrs: string[];
  availabilityZone?: string;
}

export type RouteTargetType =
  | 'local'
  | 'igw'
  | 'nat'
  | 'tgw'
  | 'pcx'
  | 'vpce'
  | 'eni'
  | 'instance'
  | 'egress-only-igw'
  | 'vgw'
  | 'carrier'
  | 'core-network'
  | 'other';

export interface Route {
  destinationCidr?: string;
  destinationIpv6Cidr?: string;
  destinationPrefixListId?: string;
  target: { type: RouteTargetType; id: string };
  state: string; // active | blackhole
}

export interface RouteTable {
  id: string;
  vpcId: string;
  /** The VPC's main route table (serves subnets without an explicit association). */
  main: boolean;
  subnetIds: string[];
  routes: Route[];
}

export interface NetworkAclEntry {
  ruleNumber: number;
  egress: boolean;
  /** `-1` (all), or an IP protocol number as a string (`6` = TCP, `17` = UDP). */
  protocol: string;
  action: 'allow' | 'deny';
  cidr?: string;
  ipv6Cidr?: string;
  portRange?: { from: number; to: number };
}

export interface NetworkAcl {
  id: string;
  vpcId: string;
  isDefault: boolean;
  subnetIds: string[];
  entries: NetworkAclEntry[];
}

export interface VpcEndpoint {
  id: string;
  vpcId: string;
  serviceName: string; // com.amazonaws.<region>.ssm
  type: string; // Interface | Gateway | GatewayLoadBalancer
  state: string; // available | pending | ...
  privateDnsEnabled: boolean;
  subnetIds: string[];
  securityGroupIds: string[];
  networkInterfaceIds: string[];
  routeTableIds: string[];
  /** The endpoint policy as returned (JSON string); absent means the default full-access policy. */
  policyDocument?: string;
  /** Why AWS could not create or keep the endpoint (DescribeVpcEndpoints LastError), e.g. on a failed endpoint. */
  lastError?: { code?: string; message?: string };
}

/** A network interface that belongs to a VPC endpoint. */
export interface EndpointInterface {
  id: string;
  subnetId: string;
  privateIp?: string;
  availabilityZone?: string;
  securityGroupIds: string[];
  vpcEndpointId?: string;
}

export interface SecurityGroupRule {
  /** `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6`, or an IP protocol number as a string. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
  ipv6Cidrs: string[];
  groupIds: string[];
  prefixListIds: string[];
}

export interface SecurityGroup {
  id: string;
  name?: string;
  vpcId?: string;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
}

export interface NatGateway {
  id: string;
  vpcId: string;
  subnetId?: string;
  state: string; // available | pending | failed | deleting | deleted
  connectivityType: string; // public | private
}

export interface InternetGateway {
  id: string;
  attachments: { vpcId: string; state: string }[];
}

export interface PrefixList {
  id: string;
  /** From ec2:DescribeManagedPrefixLists, e.g. `com.amazonaws.us-east-1.s3` for the AWS-managed S3 list. */
  name?: string;
  /** Why the name could not be read (ec2:DescribeManagedPrefixLists failed); the entries may still be known. */
  nameError?: ApiError;
  cidrs: string[];
}

/** What ssm-doctor found on the machine it runs on. Never written to snapshots. */
export interface LocalFacts {
  platform: string; // process.platform
  arch: string;
  /** Running in a CI system (CI env var set): nobody connects from this machine. */
  ci: boolean;
  /** Linux only: the package format of the distribution (from /etc/os-release), when known. */
  packages?: 'deb' | 'rpm';
  plugin: { found: boolean; path?: string; version?: string; error?: string };
}

export interface Facts {
  schemaVersion: typeof FACTS_SCHEMA_VERSION;
  collectedAt: string;
  region: string;
  /** Instance ids asked for, in order. */
  targets: string[];
  caller: Fetched<CallerIdentity>;
  /** Per target id; value null = not found in this region/account. */
  instances: Record<string, Fetched<Instance | null>>;
  /** Per target id; value null = not registered with SSM. */
  agents: Record<string, Fetched<AgentInfo | null>>;
  /** Per target id: ssm:GetConnectionStatus. */
  connections: Record<string, Fetched<'connected' | 'notconnected'>>;
  dhmc: Fetched<DhmcSetting>;
  preferences: Fetched<SessionPreferences | null>;
  /**
   * Keyed by instance profile ARN (as DescribeInstances names it); value null = the profile does not exist
   * (iam:GetInstanceProfile answered NoSuchEntity: deleted while still associated with the instance).
   */
  instanceProfiles: Record<string, Fetched<InstanceProfile | null>>;
  /** Keyed by role name. A role that does not exist is an error with code `NoSuchEntity` (see isNoSuchEntity). */
  roles: Record<string, Fetched<Role>>;
  /** Keyed by principal (role) ARN: answers of iam:SimulatePrincipalPolicy. */
  simulations: Record<string, Fetched<SimDecision[]>>;
  /** Keyed by VPC id. */
  vpcs: Record<string, Fetched<Vpc>>;
  vpcDnsAttributes: Record<string, Fetched<VpcDnsAttributes>>;
  /** Keyed by DHCP options id. */
  dhcpOptions: Record<string, Fetched<DhcpOptions>>;
  /** Keyed by subnet id. */
  subnets: Record<string, Fetched<Subnet>>;
  /** Keyed by VPC id: all route tables of the VPC. */
  routeTables: Record<string, Fetched<RouteTable[]>>;
  /** Keyed by VPC id: all network ACLs of the VPC. */
  networkAcls: Record<string, Fetched<NetworkAcl[]>>;
  /** Keyed by VPC id: all VPC endpoints of the VPC (every type and service). */
  endpoints: Record<string, Fetched<VpcEndpoint[]>>;
  /** Keyed by VPC id: network interfaces of the VPC's endpoints. */
  endpointInterfaces: Record<string, Fetched<EndpointInterface[]>>;
  /** Keyed by security group id. */
  securityGroups: Record<string, Fetched<SecurityGroup>>;
  /** Keyed by VPC id. */
  natGateways: Record<string, Fetched<NatGateway[]>>;
  /** Keyed by VPC id: internet gateways attached to the VPC. */
  internetGateways: Record<string, Fetched<InternetGateway[]>>;
  /** Keyed by managed prefix list id. */
  prefixLists: Record<string, Fetched<PrefixList>>;
  /** Only when run live on an operator's machine; stripped from snapshots. */
  local?: LocalFacts;
  /** Set by --redact: account ids, IPs and names were replaced (a second redaction changes nothing). */
  redacted?: true;
}

/** IAM's answer for a name or ARN that does not exist (the SDK names its exception NoSuchEntityException). */
export function isNoSuchEntity(e: ApiError): boolean {
  return e.code === 'NoSuchEntity' || e.code === 'NoSuchEntityException';
}

export function ok<T>(value: T): Fetched<T> {
  return { ok: true, value };
}

export function failed<T = never>(error: ApiError): Fetched<T> {
  return { ok: false, error };
}

/** Every per-resource map of the facts, empty: the start of a collection, and the list a snapshot must have. */
export function emptyResourceMaps(): Pick<
  Facts,
  | 'instances' | 'agents' | 'connections' | 'instanceProfiles' | 'roles' | 'simulations' | 'vpcs' | 'vpcDnsAttributes'
  | 'dhcpOptions' | 'subnets' | 'routeTables' | 'networkAcls' | 'endpoints' | 'endpointInterfaces' | 'securityGroups'
  | 'natGateways' | 'internetGateways' | 'prefixLists'
> {
  return {
    instances: {}, agents: {}, connections: {}, instanceProfiles: {}, roles: {}, simulations: {}, vpcs: {},
    vpcDnsAttributes: {}, dhcpOptions: {}, subnets: {}, routeTables: {}, networkAcls: {}, endpoints: {},
    endpointInterfaces: {}, securityGroups: {}, natGateways: {}, internetGateways: {}, prefixLists: {},
  };
}
