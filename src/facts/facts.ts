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
  // Evidence for an offline agent (agent.installed, the ways in): what the instance was launched from.
  /** The AMI it was launched from (`ami-...`); ec2:DescribeImages tells its owner, name and OS. */
  imageId?: string;
  /** `Linux/UNIX`, `Red Hat Enterprise Linux`, `SUSE Linux`, `Ubuntu Pro`, `Windows`...: kept even when the AMI is deregistered. */
  platformDetails?: string;
  /** Billing code of the platform (`RunInstances`, `RunInstances:0010` = RHEL, `RunInstances:0002` = Windows...). */
  usageOperation?: string;
  /** `t3.micro`, `mac2.metal`...: the serial console needs a Nitro type; the Terraform fixes repeat it. */
  instanceType?: string;
  /** Name of the launch key pair, for SSH through EC2 Instance Connect Endpoint. */
  keyName?: string;
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
  /** Hybrid nodes: the activation the node registered with (ssm:DescribeActivations). */
  activationId?: string;
  /** The IAM role the node's agent uses (hybrid nodes: the service role that trusts ssm.amazonaws.com). */
  iamRole?: string;
  /** The address and host name the agent reported (matches an EC2 instance registered as a hybrid node). */
  ipAddress?: string;
  computerName?: string;
}

/** Default Host Management Configuration: the SSM service setting naming the role, or null when off. */
export interface DhmcSetting {
  roleName: string | null;
  settingId: string;
  /** When the setting was last changed (ssm:GetServiceSetting LastModifiedDate): dates a DHMC fix without CloudTrail. */
  lastModifiedDate?: string;
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

// ---------------------------------------------------------------- evidence for an offline agent (issue 9)
// Read by src/collect/evidence.ts only for targets whose agent is known not to be Online (agentKnownOffline),
// so a healthy instance costs no request for them. Absent entries mean "not read".

/** One instance's status checks (ec2:DescribeInstanceStatus, IncludeAllInstances). */
export interface InstanceStatus {
  /** EC2 state when read (`running`...). */
  state: string;
  /** Instance status check, the OS's reachability: ok | impaired | initializing | insufficient-data | not-applicable. */
  instanceStatus: string;
  /** System status check, the AWS host and its network: same values. */
  systemStatus: string;
  /** When the failing instance / system check started failing (ImpairedSince), ISO. */
  instanceImpairedSince?: string;
  systemImpairedSince?: string;
  /** Scheduled events (instance-retirement, system-maintenance, instance-stop, system-reboot, instance-reboot). */
  events: ScheduledEvent[];
}

export interface ScheduledEvent {
  code: string;
  /** AWS prefixes finished ones with `[Completed]` or `[Canceled]`. */
  description?: string;
  notBefore?: string;
  notAfter?: string;
  id?: string;
}

/** An AMI as ec2:DescribeImages returns it: enough to tell whether it ships the SSM Agent. */
export interface Image {
  id: string;
  /** The publishing account (`137112412989` Amazon, `309956199498` Red Hat, `099720109477` Canonical...). */
  ownerId?: string;
  /** `amazon` for AWS's own images, `aws-marketplace`, or absent. */
  ownerAlias?: string;
  name?: string;
  description?: string;
  platformDetails?: string;
  /** x86_64 | arm64 | i386 | x86_64_mac | arm64_mac */
  architecture?: string;
  creationDate?: string;
  public?: boolean;
}

/** What kind of explanation a console line gives (agent.console judges them). */
export type ConsoleFindingKind =
  | 'disk-full'
  | 'oom-agent'
  | 'oom'
  | 'kernel-panic'
  | 'emergency-mode'
  | 'mount-failed'
  | 'filesystem-error'
  | 'cloud-init'
  | 'agent-service';

export interface ConsoleFinding {
  kind: ConsoleFindingKind;
  /** The line, ANSI escapes and control characters removed, likely secrets masked, at most 200 characters. */
  line: string;
}

/**
 * What ec2:GetConsoleOutput showed. Only these extracted lines are kept: the rest of the output (which can
 * hold secrets printed by user scripts) is never stored, printed or written to a snapshot.
 */
export interface ConsoleEvidence {
  /** When EC2 captured the output. */
  capturedAt?: string;
  /** The latest output was read (Latest=true, Nitro); false: the buffer captured at the last boot or stop. */
  latest: boolean;
  /** Nothing was written yet (or EC2 has none to give). */
  empty: boolean;
  /** A boot (kernel banner or Windows boot) was seen: everything below counts from the last one. */
  bootSeen: boolean;
  /** `Amazon SSM Agent v<version> is running` lines since the last boot (the agent writes one per start), last 3. */
  agentStarts: string[];
  /** Lines that explain an offline agent, since the last boot, at most 8. */
  findings: ConsoleFinding[];
}

/** An EC2 Instance Connect Endpoint (ec2:DescribeInstanceConnectEndpoints): SSH/RDP without Session Manager. */
export interface InstanceConnectEndpoint {
  id: string;
  vpcId: string;
  subnetId?: string;
  /** create-complete when usable. */
  state: string;
  securityGroupIds: string[];
  preserveClientIp?: boolean;
  dnsName?: string;
}

/** A hybrid activation (ssm:DescribeActivations). */
export interface Activation {
  id: string;
  /** The service role given to nodes registered with it. */
  iamRole?: string;
  registrationLimit?: number;
  registrationsCount?: number;
  expirationDate?: string;
  expired?: boolean;
  createdDate?: string;
  defaultInstanceName?: string;
}

/** Hybrid registrations (`mi-`) listed to find an EC2 target registered under the wrong identity. */
export interface ManagedNodeScan {
  /** Only the registrations that share an IP address or computer name with an offline EC2 target. */
  matches: AgentInfo[];
  /** How many hybrid registrations were looked at. */
  scanned: number;
  /** False when the listing stopped at its page limit: a match may exist beyond it. */
  complete: boolean;
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

// ---------------------------------------------------------------- session logging targets, KMS key, late fixes
// Read once per run, and only when needed: the resources the Session Manager preferences name (when they name
// them), and CloudTrail only for agents that are offline although their configuration checks pass.

/** A CloudWatch Logs log group (logs:DescribeLogGroups). */
export interface LogGroup {
  name: string;
  arn?: string;
  /** The KMS key the group is encrypted with; absent = not encrypted with a KMS key. */
  kmsKeyId?: string;
}

/** An S3 bucket's default encryption (s3:GetBucketEncryption, its first rule, as the agent reads it). */
export interface BucketEncryption {
  /** `AES256`, `aws:kms` or `aws:kms:dsse`; absent when the bucket has no default-encryption rule. */
  algorithm?: string;
  /** The KMS key of `aws:kms` rules; absent = the AWS managed key `aws/s3`. */
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

/** A KMS key (kms:DescribeKey) and its key policy (kms:GetKeyPolicy). */
export interface KmsKey {
  keyId: string;
  arn: string;
  /** `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, `Unavailable`, `Creating`... */
  state: string;
  /** `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`... */
  spec?: string;
  /** `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`, `KEY_AGREEMENT`. */
  usage?: string;
  /** `AWS` (AWS managed) or `CUSTOMER`. */
  manager?: string;
  /** The `default` key policy; absent when not read (the key is another account's: only its owner may read it). */
  policy?: Fetched<PolicyDocument>;
}

/** One change CloudTrail recorded (a successful write call), reduced to what dates a late fix. */
export interface ChangeEvent {
  /** CloudTrail EventId. */
  id: string;
  /** EventName, e.g. `AssociateIamInstanceProfile`. */
  name: string;
  /** EventTime, ISO. */
  time: string;
  /** Who made it: the caller's ARN (userIdentity.arn). */
  by?: string;
  /** The ids and names of the targets' resources the event mentions (instance id, role name, sg-, acl-, vpce-...). */
  refs: string[];
}

/** cloudtrail:LookupEvents, one lookup per event name, for the targets that may have missed a late fix. */
export interface LateFixLookups {
  /** The agents looked up for: not Online, while every configuration check passed on the facts collected. */
  targets: string[];
  /** Start of the window (ISO): the earliest launch time / last ping of those targets, at most 90 days back. */
  since: string;
  /**
   * Per event name: the changes that mention one of the targets' resources (newest first), `truncated` when
   * more events were recorded than read; or why the lookup failed.
   */
  lookups: Record<string, Fetched<{ events: ChangeEvent[]; truncated?: boolean }>>;
}

/** The facts above, as optional members of Facts (absent: not needed by this run, or an older snapshot). */
export interface EvidenceFacts {
  /** Keyed by the preferences' cloudWatchLogGroupName; value null = no such log group. */
  logGroups?: Record<string, Fetched<LogGroup | null>>;
  /** Keyed by the preferences' s3BucketName; value null = no such bucket (NoSuchBucket). */
  buckets?: Record<string, Fetched<BucketEncryption | null>>;
  /** Keyed by the preferences' kmsKeyId as written (id, ARN or alias); value null = no such key in the region. */
  kmsKeys?: Record<string, Fetched<KmsKey | null>>;
  cloudTrail?: LateFixLookups;
}

export interface Facts extends EvidenceFacts {
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
  // Evidence for an offline agent (src/collect/evidence.ts): only for targets whose agent is not Online.
  /** Per target id: status checks; null = EC2 has no status for it (not running). */
  instanceStatus: Record<string, Fetched<InstanceStatus | null>>;
  /** Keyed by AMI id, for instances that never registered; null = not returned (deregistered or not visible). */
  images: Record<string, Fetched<Image | null>>;
  /** Per target id: the lines of the serial console output that explain an offline agent. */
  consoleEvidence: Record<string, Fetched<ConsoleEvidence>>;
  /** Keyed by VPC id: EC2 Instance Connect Endpoints of the VPCs of offline instances. */
  instanceConnectEndpoints: Record<string, Fetched<InstanceConnectEndpoint[]>>;
  /** Keyed by activation id, for offline hybrid nodes; null = not returned (deleted). */
  activations: Record<string, Fetched<Activation | null>>;
  /** `/ssm/managed-instance/activation-tier` (standard | advanced); read when a target is a hybrid node. */
  activationTier?: Fetched<string>;
  /** Hybrid registrations that look like an offline EC2 target (same IP or computer name); read for those only. */
  managedNodeScan?: Fetched<ManagedNodeScan>;
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
  | 'instanceStatus' | 'images' | 'consoleEvidence' | 'instanceConnectEndpoints' | 'activations'
> {
  return {
    instances: {}, agents: {}, connections: {}, instanceProfiles: {}, roles: {}, simulations: {}, vpcs: {},
    vpcDnsAttributes: {}, dhcpOptions: {}, subnets: {}, routeTables: {}, networkAcls: {}, endpoints: {},
    endpointInterfaces: {}, securityGroups: {}, natGateways: {}, internetGateways: {}, prefixLists: {},
    // evidence for an offline agent
    instanceStatus: {}, images: {}, consoleEvidence: {}, instanceConnectEndpoints: {}, activations: {},
  };
}
