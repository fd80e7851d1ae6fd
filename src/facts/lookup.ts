// Shared, pure lookups over the facts for one target: every check reads the world through these,
// so "which subnet / VPC / endpoints / role" is decided in one place.
import { isManagedNode } from '../cli/args.js';
import { need, skip, type TargetContext } from '../check/kit.js';
import type {
  Facts,
  Instance,
  InstanceProfile,
  RoleRef,
  RouteTable,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcEndpoint,
} from './facts.js';

/** `com.amazonaws.<region>.<service>` */
export function serviceName(region: string, service: string): string {
  return `com.amazonaws.${region}.${service}`;
}

/** Why EC2-side checks do not apply to a hybrid managed node (`mi-...`). */
export function managedNodeReason(id: string): string {
  return (
    `${id} is a hybrid managed node: network path, instance profile and IMDS are on-premises and not visible to AWS APIs; ` +
    'only its Systems Manager registration, agent version and connection status are checked'
  );
}

/** Skips the check for hybrid managed nodes (`mi-...`): they are not EC2 instances. */
export function skipIfManagedNode(ctx: TargetContext): void {
  if (isManagedNode(ctx.id)) skip(managedNodeReason(ctx.id));
}

/** The target instance; skips the check when it does not exist or is terminated. Errors when unreadable. */
export function instanceOf(ctx: TargetContext): Instance {
  skipIfManagedNode(ctx);
  const inst = need(ctx.facts.instances[ctx.id], `instance ${ctx.id}`);
  if (inst === null) skip(`instance ${ctx.id} was not found in ${ctx.region}`);
  if (inst.state === 'terminated' || inst.state === 'shutting-down') skip(`instance ${ctx.id} is ${inst.state}`);
  return inst;
}

/** What the agent-level checks need about a target, EC2 instance or hybrid managed node. */
export interface AgentTarget {
  id: string;
  /** EC2 state; `running` for a managed node (SSM's ping status tells the rest). */
  state: string;
  platform: 'windows' | 'linux';
  /** A hybrid managed node (`mi-...`): no EC2 instance behind it. */
  managedNode: boolean;
}

/**
 * The target as the agent checks (agent.ping, agent.version, session.connection) see it: the EC2 instance
 * (skips like instanceOf), or for a hybrid managed node what Systems Manager reports about it.
 */
export function agentTargetOf(ctx: TargetContext): AgentTarget {
  if (!isManagedNode(ctx.id)) {
    const inst = instanceOf(ctx);
    return { id: inst.id, state: inst.state, platform: inst.platform, managedNode: false };
  }
  const a = ctx.facts.agents[ctx.id];
  const windows = a?.ok && a.value?.platformType?.toLowerCase() === 'windows';
  return { id: ctx.id, state: 'running', platform: windows ? 'windows' : 'linux', managedNode: true };
}

/** The account an instance belongs to: its owner when read, else the caller's (undefined when neither is known). Never throws. */
export function instanceAccount(ctx: TargetContext): string | undefined {
  const inst = ctx.facts.instances[ctx.id];
  return (inst?.ok ? inst.value?.ownerId : undefined) ?? (ctx.facts.caller.ok ? ctx.facts.caller.value.account : undefined);
}

/** The instance's VPC id; skips for instances without one (EC2-Classic leftovers, terminated). */
export function vpcIdOf(ctx: TargetContext): string {
  const inst = instanceOf(ctx);
  if (!inst.vpcId) skip(`instance ${inst.id} is not in a VPC`);
  return inst.vpcId;
}

export function vpcOf(ctx: TargetContext): Vpc {
  const vpcId = vpcIdOf(ctx);
  return need(ctx.facts.vpcs[vpcId], `VPC ${vpcId}`);
}

export function subnetOf(ctx: TargetContext): Subnet {
  const inst = instanceOf(ctx);
  if (!inst.subnetId) skip(`instance ${inst.id} has no subnet`);
  return need(ctx.facts.subnets[inst.subnetId], `subnet ${inst.subnetId}`);
}

/** All VPC endpoints of the instance's VPC. */
export function endpointsOf(ctx: TargetContext): VpcEndpoint[] {
  const vpcId = vpcIdOf(ctx);
  return need(ctx.facts.endpoints[vpcId], `the VPC endpoints of ${vpcId}`);
}

/** Interface endpoints of the instance's VPC for one service (`ssm`, `ssmmessages`, `kms`, `logs`...). */
export function interfaceEndpointsFor(ctx: TargetContext, service: string): VpcEndpoint[] {
  const name = serviceName(ctx.region, service);
  return endpointsOf(ctx).filter((e) => e.serviceName === name && e.type.toLowerCase() === 'interface');
}

export function securityGroup(ctx: TargetContext, id: string): SecurityGroup {
  return need(ctx.facts.securityGroups[id], `security group ${id}`);
}

/** The route table that governs a subnet: its explicit association, else the VPC's main table. */
export function routeTableForSubnet(tables: RouteTable[], subnetId: string): RouteTable | undefined {
  return tables.find((t) => t.subnetIds.includes(subnetId)) ?? tables.find((t) => t.main);
}

export function instanceRouteTable(ctx: TargetContext): RouteTable {
  const subnet = subnetOf(ctx);
  const tables = need(ctx.facts.routeTables[subnet.vpcId], `the route tables of ${subnet.vpcId}`);
  const table = routeTableForSubnet(tables, subnet.id);
  if (!table) skip(`no route table found for ${subnet.id} (no explicit association and no main table)`);
  return table;
}

/** Where the agent's credentials come from. */
export type CredentialSource =
  | { kind: 'instance-profile'; profile: InstanceProfile; role: RoleRef }
  | { kind: 'instance-profile-without-role'; profile: InstanceProfile }
  /** The instance names an instance profile that does not exist (deleted while associated). */
  | { kind: 'instance-profile-missing'; profileArn: string }
  | { kind: 'dhmc'; roleName: string; /** Why the instance profile gives no credentials, when one is attached. */ profileProblem?: 'no-role' | 'missing' }
  | { kind: 'none' };

/**
 * The instance profile's role when one is attached, else the DHMC role when DHMC is on, else what is wrong
 * (a profile without a role, a profile that no longer exists, none at all).
 * Errors (via need) when the profile or the DHMC setting could not be read.
 */
export function credentialSource(ctx: TargetContext): CredentialSource {
  const inst = instanceOf(ctx);
  if (inst.instanceProfileArn) {
    const profile = need(ctx.facts.instanceProfiles[inst.instanceProfileArn], `instance profile ${inst.instanceProfileArn}`);
    const role = profile?.roles[0];
    if (profile && role) return { kind: 'instance-profile', profile, role };
    // No credentials from the profile: the agent falls back to DHMC when it is on.
    const dhmc = dhmcRole(ctx);
    if (dhmc) return { kind: 'dhmc', roleName: dhmc, profileProblem: profile ? 'no-role' : 'missing' };
    return profile ? { kind: 'instance-profile-without-role', profile } : { kind: 'instance-profile-missing', profileArn: inst.instanceProfileArn };
  }
  const dhmc = dhmcRole(ctx);
  return dhmc ? { kind: 'dhmc', roleName: dhmc } : { kind: 'none' };
}

function dhmcRole(ctx: TargetContext): string | null {
  return need(ctx.facts.dhmc, 'the Default Host Management Configuration setting').roleName;
}

/** The ARN of the role the agent uses (instance profile role or DHMC role), or undefined when none. */
export function agentRoleArn(ctx: TargetContext): string | undefined {
  const src = credentialSource(ctx);
  if (src.kind === 'instance-profile') return src.role.arn;
  if (src.kind === 'dhmc') {
    const role = ctx.facts.roles[src.roleName];
    if (role?.ok) return role.value.arn;
    const caller = ctx.facts.caller.ok ? ctx.facts.caller.value.account : undefined;
    return caller ? `arn:aws:iam::${caller}:role/${src.roleName}` : undefined;
  }
  return undefined;
}

/**
 * True when the target's agent is known not to be Online: registration read, and absent or not `Online`.
 * Evidence that only matters for an offline agent (status checks, console, CloudTrail...) is read for these only,
 * so a healthy instance costs no extra request. Unknown (the read failed) is not offline.
 */
export function agentKnownOffline(facts: Facts, id: string): boolean {
  const a = facts.agents[id];
  return a !== undefined && a.ok && (a.value === null || a.value.pingStatus !== 'Online');
}

/** The name of the role the agent's credentials come from (instance profile role or DHMC role), if any. */
export function agentRoleName(ctx: TargetContext): string | undefined {
  const src = credentialSource(ctx);
  return src.kind === 'instance-profile' ? src.role.name : src.kind === 'dhmc' ? src.roleName : undefined;
}
