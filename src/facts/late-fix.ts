// The late fix, as data shared by the collector (which CloudTrail events to look up, since when, and which
// resources make an event relevant) and the agent.late-fix check (what they mean): an agent that started before
// its role, endpoint or security group was fixed only notices at its next retry.
import { NeedFact, SkipCheck, type TargetContext } from '../check/kit.js';
import type { Facts } from './facts.js';
import { credentialSource, instanceOf, interfaceEndpointsFor, serviceName, subnetOf } from './lookup.js';
import { AGENT_SERVICES } from './requirements.js';

export type RetryKind = 'credentials' | 'network';

export interface LateFixEvent {
  /** Which of the agent's back-offs the change ends. */
  retry: RetryKind;
  /** Which targets it can concern: an instance profile, the agent role, interface endpoints, or any path. */
  applies: 'profile' | 'role' | 'endpoints' | 'any';
  /** What happened, for a sentence ("the instance profile was associated"). */
  change: string;
}

/** The CloudTrail events (EventName) that can complete a configuration after the agent started. */
export const LATE_FIX_EVENTS: Record<string, LateFixEvent> = {
  AssociateIamInstanceProfile: { retry: 'credentials', applies: 'profile', change: 'the instance profile was associated' },
  ReplaceIamInstanceProfileAssociation: { retry: 'credentials', applies: 'profile', change: 'the instance profile was replaced' },
  AttachRolePolicy: { retry: 'credentials', applies: 'role', change: 'a managed policy was attached to the agent role' },
  PutRolePolicy: { retry: 'credentials', applies: 'role', change: "an inline policy of the agent role was written" },
  CreateVpcEndpoint: { retry: 'network', applies: 'endpoints', change: 'an interface endpoint was created' },
  ModifyVpcEndpoint: { retry: 'network', applies: 'endpoints', change: 'an interface endpoint was modified' },
  AuthorizeSecurityGroupIngress: { retry: 'network', applies: 'endpoints', change: 'an inbound security group rule was added' },
  AuthorizeSecurityGroupEgress: { retry: 'network', applies: 'any', change: 'an outbound security group rule was added' },
  CreateNetworkAclEntry: { retry: 'network', applies: 'any', change: 'a network ACL rule was added' },
  ReplaceNetworkAclEntry: { retry: 'network', applies: 'any', change: 'a network ACL rule was replaced' },
};

/** The DHMC setting's own date (ssm:GetServiceSetting LastModifiedDate) stands for this event: no lookup needed. */
export const DHMC_CHANGE: LateFixEvent = { retry: 'credentials', applies: 'role', change: 'the Default Host Management Configuration setting was changed' };

/** The agent's retry timings (amazon-ssm-agent: credential refresher, and the hibernation back-off). */
export const AGENT_RETRY = {
  /** After an AccessDenied (or no credentials) the credential refresher retries about every 25–30 minutes. */
  credentialsMinutes: 30,
  /** Without a path to Systems Manager the agent hibernates: 5 minutes first, doubling, at most 60. */
  networkFirstMinutes: 5,
  networkMaxMinutes: 60,
} as const;

/** cloudtrail:LookupEvents: management events of the last 90 days; 2 requests per second per account and region. */
export const CLOUDTRAIL_LOOKUP = { retentionDays: 90, perSecond: 2, pageSize: 50, maxPages: 3 } as const;

/** When the agent gave up: its last ping when it had registered, else the instance's launch (its last start). */
export function agentGaveUpAt(facts: Facts, id: string): { kind: 'last-ping' | 'launch'; time: string } | undefined {
  const a = facts.agents[id];
  if (a?.ok && a.value?.lastPingDateTime) return { kind: 'last-ping', time: a.value.lastPingDateTime };
  const i = facts.instances[id];
  if (i?.ok && i.value?.launchTime) return { kind: 'launch', time: i.value.launchTime };
  return undefined;
}

/** The start of the lookup window for these targets: the earliest give-up time, at most 90 days back. */
export function lateFixWindowStart(facts: Facts, ids: string[]): string {
  const oldest = Date.parse(facts.collectedAt) - CLOUDTRAIL_LOOKUP.retentionDays * 86_400_000;
  const times = ids.map((id) => Date.parse(agentGaveUpAt(facts, id)?.time ?? '')).filter((t) => !Number.isNaN(t));
  const start = times.length ? Math.min(...times) : oldest;
  return new Date(Math.max(start, Number.isNaN(oldest) ? start : oldest)).toISOString();
}

/** A lookup that may need facts the collection could not read: undefined instead of an error. */
function lenient<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch (e) {
    if (e instanceof NeedFact || e instanceof SkipCheck) return undefined;
    throw e;
  }
}

/** What a target's agent depends on, as far as the facts tell (each part undefined when unknown). */
interface Dependencies {
  profile?: { name: string; arn: string };
  role?: { name: string; arn?: string };
  endpoints: { id: string; securityGroupIds: string[]; subnetIds: string[] }[];
  securityGroupIds: string[];
  networkAclIds: string[];
}

function dependencies(facts: Facts, id: string): Dependencies {
  const ctx: TargetContext = { facts, id, region: facts.region };
  const deps: Dependencies = { endpoints: [], securityGroupIds: [], networkAclIds: [] };
  const inst = lenient(() => instanceOf(ctx));
  if (!inst) return deps;
  const src = lenient(() => credentialSource(ctx));
  if (src?.kind === 'instance-profile' || src?.kind === 'instance-profile-without-role') {
    deps.profile = { name: src.profile.name || (src.profile.arn.split('/').pop() ?? ''), arn: src.profile.arn };
  }
  if (src?.kind === 'instance-profile-missing') deps.profile = { name: src.profileArn.split('/').pop() ?? '', arn: src.profileArn };
  if (src?.kind === 'instance-profile') deps.role = { name: src.role.name, arn: src.role.arn };
  if (src?.kind === 'dhmc') deps.role = { name: src.roleName };
  const services = [...AGENT_SERVICES, 'kms', 'logs'];
  for (const s of services) {
    for (const e of (lenient(() => interfaceEndpointsFor(ctx, s)) ?? []).filter((x) => x.vpcId === inst.vpcId)) {
      deps.endpoints.push({ id: e.id, securityGroupIds: e.securityGroupIds, subnetIds: e.subnetIds });
    }
  }
  const all = inst.vpcId ? facts.endpoints[inst.vpcId] : undefined;
  if (all?.ok) {
    for (const e of all.value) {
      if (e.serviceName === serviceName(facts.region, 's3')) deps.endpoints.push({ id: e.id, securityGroupIds: e.securityGroupIds, subnetIds: e.subnetIds });
    }
  }
  deps.securityGroupIds = [...new Set([...inst.securityGroupIds, ...deps.endpoints.flatMap((e) => e.securityGroupIds)])];
  const subnets = new Set<string>([...deps.endpoints.flatMap((e) => e.subnetIds)]);
  const own = lenient(() => subnetOf(ctx));
  if (own) subnets.add(own.id);
  const nats = inst.vpcId ? facts.natGateways[inst.vpcId] : undefined;
  if (nats?.ok) for (const n of nats.value) if (n.subnetId) subnets.add(n.subnetId);
  const acls = inst.vpcId ? facts.networkAcls[inst.vpcId] : undefined;
  if (acls?.ok) {
    deps.networkAclIds = acls.value.filter((a) => a.subnetIds.some((s) => subnets.has(s))).map((a) => a.id);
  }
  return deps;
}

/**
 * The ids and names a change must mention to concern this target's agent: the instance, its instance profile
 * and role (or the DHMC role), the interface endpoints it uses and their security groups, its own security
 * groups, and the network ACLs of its subnet, the endpoints' subnets and the NAT gateways' subnets.
 */
export function changeSubjects(facts: Facts, id: string): string[] {
  const d = dependencies(facts, id);
  const out = [id];
  if (d.profile) out.push(d.profile.name, d.profile.arn);
  if (d.role) out.push(d.role.name, ...(d.role.arn ? [d.role.arn] : []));
  out.push(...d.endpoints.map((e) => e.id), ...d.securityGroupIds, ...d.networkAclIds);
  return [...new Set(out.filter((s) => s.length > 0))];
}

/** The event names worth one lookup each for these targets (a profile's events only when one is used, etc.). */
export function lateFixEventNames(facts: Facts, ids: string[]): string[] {
  const wanted = new Set<LateFixEvent['applies']>(['any']);
  for (const id of ids) {
    const d = dependencies(facts, id);
    if (d.profile) wanted.add('profile');
    if (d.role) wanted.add('role');
    if (d.endpoints.length) wanted.add('endpoints');
  }
  return Object.entries(LATE_FIX_EVENTS)
    .filter(([, e]) => wanted.has(e.applies))
    .map(([name]) => name);
}
