// Resolves a --tag / --filter / --all-running selection with ONE paginated ec2:DescribeInstances. The
// instances it returns are handed to collect() (CollectOptions.instances), so they are not read twice.
import type { Filter } from '@aws-sdk/client-ec2';
import { failed, ok, type ApiError, type Fetched, type Instance } from '../facts/facts.js';
import type { Ec2Filter } from '../cli/select.js';
import { nextToken, Reader, type CollectStats } from './index.js';
import { createLimiter } from './limiter.js';
import { mapInstance } from './map.js';
import type { AwsServices } from './services.js';

export interface Selected {
  /** Matching instance ids, sorted by Name tag, then id. */
  ids: string[];
  /** The instances read, by id (for CollectOptions.instances). */
  instances: Record<string, Fetched<Instance | null>>;
}

export interface SelectResult {
  selected: Fetched<Selected>;
  stats: CollectStats;
}

/** The instances matching all `filters` (ANDed), every page. AWS errors are returned, not thrown. */
export async function selectInstances(services: AwsServices, filters: Ec2Filter[]): Promise<SelectResult> {
  const { sdk, clients } = services;
  const reader = new Reader(createLimiter(1), services);
  const res = await reader.pages(
    'ec2:DescribeInstances',
    { Filters: filters as Filter[], MaxResults: 1000 },
    (i) => clients.ec2.send(new sdk.ec2.DescribeInstancesCommand(i)),
    (o) => ({ items: o.Reservations, next: o.NextToken }),
    nextToken,
  );
  if (!res.ok) return { selected: failed<Selected>(res.error as ApiError), stats: reader.stats };
  const found = new Map<string, Instance>();
  for (const resv of res.value) {
    for (const inst of resv.Instances ?? []) {
      if (inst.InstanceId) found.set(inst.InstanceId, mapInstance(inst, resv.OwnerId));
    }
  }
  const list = [...found.values()].sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.id.localeCompare(b.id));
  const instances: Record<string, Fetched<Instance | null>> = {};
  for (const i of list) instances[i.id] = ok(i);
  return { selected: ok({ ids: list.map((i) => i.id), instances }), stats: reader.stats };
}

export type Targets =
  | { ok: true; targets: string[]; instances: Record<string, Fetched<Instance | null>>; matched: number }
  | { ok: false; error: ApiError };

/**
 * The ids given explicitly (in order), then the instances the selection matched (not repeated): one
 * paginated DescribeInstances. `instances` holds what that call read, for CollectOptions.instances.
 */
export async function resolveTargets(services: AwsServices, ids: string[], filters: Ec2Filter[]): Promise<Targets> {
  const { selected } = await selectInstances(services, filters);
  if (!selected.ok) return { ok: false, error: selected.error };
  const targets = [...new Set([...ids, ...selected.value.ids])];
  return { ok: true, targets, instances: selected.value.instances, matched: selected.value.ids.length };
}
