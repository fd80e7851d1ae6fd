// The server's world: a Facts object plus what AWS would add around it (account id, synthetic extra
// instances for fleet benchmarks), and the lookups every service module shares.
import type { AgentInfo, ApiError, Facts, Fetched, Instance } from '../../../src/facts/facts.js';
import { AwsError, hexOf, type Service } from './wire.js';

export interface World {
  facts: Facts;
  account: string;
  region: string;
  /** Synthetic running instances (and their agents), beyond the facts: `extraInstances`. */
  extra: { instances: Instance[]; agents: AgentInfo[] };
}

const extraCache = new WeakMap<Facts, Map<number, World['extra']>>();

export function accountOf(facts: Facts): string {
  if (facts.caller.ok) return facts.caller.value.account;
  for (const f of Object.values(facts.instances)) if (f.ok && f.value?.ownerId) return f.value.ownerId;
  for (const f of Object.values(facts.vpcs)) if (f.ok && f.value.ownerId) return f.value.ownerId;
  return '123456789012';
}

/** Valid-looking 17-hex instance id for extra instance `n`. */
export function extraInstanceId(n: number): string {
  return `i-0${hexOf(`extra-${n}`, 16)}`;
}

function buildExtra(facts: Facts, count: number): World['extra'] {
  let template: Instance | undefined;
  for (const f of Object.values(facts.instances)) if (!template && f.ok && f.value) template = f.value;
  let agentTemplate: AgentInfo | undefined;
  for (const f of Object.values(facts.agents)) if (!agentTemplate && f.ok && f.value) agentTemplate = f.value;
  const instances: Instance[] = [];
  const agents: AgentInfo[] = [];
  for (let n = 0; n < count; n++) {
    const id = extraInstanceId(n);
    const name = `extra-${n}`;
    const ip = `10.${200 + Math.floor(n / 65536) % 50}.${Math.floor(n / 256) % 256}.${n % 256}`;
    instances.push({
      id,
      state: 'running',
      name,
      tags: { Name: name, 'ssm-doctor:extra': 'true' },
      ownerId: template?.ownerId ?? accountOf(facts),
      availabilityZone: template?.availabilityZone ?? `${facts.region}a`,
      launchTime: template?.launchTime ?? facts.collectedAt,
      platform: template?.platform ?? 'linux',
      vpcId: template?.vpcId,
      subnetId: template?.subnetId,
      privateIp: ip,
      securityGroupIds: template?.securityGroupIds ?? [],
      networkInterfaces: [
        {
          id: `eni-0${hexOf(`extra-eni-${n}`, 16)}`,
          deviceIndex: 0,
          subnetId: template?.subnetId ?? '',
          privateIps: [ip],
          ipv6s: [],
          securityGroupIds: template?.securityGroupIds ?? [],
        },
      ],
      instanceProfileArn: template?.instanceProfileArn,
      metadataOptions: template?.metadataOptions,
    });
    agents.push({
      ...(agentTemplate ?? { pingStatus: 'Online', agentVersion: '3.3.1142.0', platformType: 'Linux', resourceType: 'EC2Instance' }),
      instanceId: id,
    });
  }
  return { instances, agents };
}

export function worldOf(facts: Facts, extraInstances = 0): World {
  let byCount = extraCache.get(facts);
  if (!byCount) extraCache.set(facts, (byCount = new Map()));
  let extra = byCount.get(extraInstances);
  if (!extra) byCount.set(extraInstances, (extra = buildExtra(facts, extraInstances)));
  return { facts, account: accountOf(facts), region: facts.region, extra };
}

/** The value of a fact, or the error AWS would have answered. */
export function unwrap<T>(f: Fetched<T>, service: Service, errorFromFact: (e: ApiError, s: Service) => Error): T {
  if (!f.ok) throw errorFromFact(f.error, service);
  return f.value;
}

/** Items gathered from facts, plus the failed reads that may hide more of them. */
export interface Pool<T> {
  items: T[];
  errors: Array<{ key: string; error: ApiError }>;
}

/** A pool from an id-keyed collection (`securityGroups`, `subnets`...). */
export function poolById<T>(coll: Record<string, Fetched<T>>): Pool<T> {
  const pool: Pool<T> = { items: [], errors: [] };
  for (const [key, f] of Object.entries(coll)) {
    if (f.ok) pool.items.push(f.value);
    else pool.errors.push({ key, error: f.error });
  }
  return pool;
}

/** A pool from a VPC-keyed collection of lists (`routeTables`, `endpoints`...), restricted to some VPCs. */
export function poolByVpc<T>(coll: Record<string, Fetched<T[]>>, vpcs: ((vpc: string) => boolean) | null): Pool<{ vpc: string; item: T }> {
  const pool: Pool<{ vpc: string; item: T }> = { items: [], errors: [] };
  for (const [vpc, f] of Object.entries(coll)) {
    if (vpcs && !vpcs(vpc)) continue;
    if (f.ok) for (const item of f.value) pool.items.push({ vpc, item });
    else pool.errors.push({ key: vpc, error: f.error });
  }
  return pool;
}

export interface SelectOptions<T> {
  /** Ids asked for explicitly (`InstanceId.N`, `GroupId.N`...): each must exist, as in AWS. */
  ids: string[];
  idOf: (t: T) => string;
  /** Keep a resource (filters). */
  keep: (t: T) => boolean;
  notFound: (missing: string[]) => AwsError;
  /** The pool's error keys are resource ids (id-keyed collections), not VPC ids. */
  keyedById?: boolean;
  /** Without explicit ids: errors for keys the request cannot concern are ignored; default: all count. */
  errorConcerns?: (key: string) => boolean;
  fail: (e: ApiError) => Error;
}

/**
 * AWS's answer over a pool: explicit ids must all exist (else NotFound, or the failed read that may
 * hold them); without ids, a failed read in scope fails the call.
 */
export function select<T>(pool: Pool<T>, o: SelectOptions<T>): T[] {
  const errors = o.errorConcerns ? pool.errors.filter((e) => o.errorConcerns!(e.key)) : pool.errors;
  if (o.ids.length) {
    const byId = new Map<string, T>();
    for (const t of pool.items) if (!byId.has(o.idOf(t))) byId.set(o.idOf(t), t);
    const missing = o.ids.filter((id) => !byId.has(id));
    if (missing.length) {
      const e = o.keyedById ? pool.errors.find((x) => missing.includes(x.key)) : pool.errors[0];
      if (e) throw o.fail(e.error);
      throw o.notFound(missing);
    }
    const wanted = [...new Set(o.ids)].map((id) => byId.get(id)!);
    return wanted.filter(o.keep);
  }
  if (errors.length) throw o.fail(errors[0]!.error);
  return pool.items.filter(o.keep);
}
