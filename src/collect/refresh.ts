// One --wait round: re-reads only what can change while waiting for targets to come online, for the
// targets still waiting, and returns updated facts (the input is not modified). Everything else (VPCs,
// routes, security groups, roles, simulations...) stays as the first collection read it.
//
// Per round, for the waiting targets:
//   ssm:DescribeInstanceInformation   one per 50 targets: agent registration, ping status, version
//   ssm:GetConnectionStatus           one per target whose agent is now Online (after the call above)
//   ec2:DescribeInstances             one per 200 targets, only for instances still `pending`
//   ec2:DescribeVpcEndpoints          one per 50 VPCs, only for VPCs of waiting targets with a `pending` endpoint
//   ec2:DescribeInstanceStatus        one per 100 targets, only for EC2 instances running or pending whose agent was
//                                     not Online: status checks go from `initializing` to ok (or impaired)
// What src/cli/wait.ts assumes "may still change" (optimistic()) is exactly this list. The other evidence for an
// offline agent (console, AMI, hybrid registrations) stays as first read, and is dropped for a target whose agent
// has come Online since (it explained a state that is gone).
import { CONNECTION_STATUS_MAX_TARGETS } from '../facts/requirements.js';
import type { Filter } from '@aws-sdk/client-ec2';
import { isManagedNode } from '../cli/args.js';
import { failed, ok, type Facts, type Instance } from '../facts/facts.js';
import { chunks, nextToken, Reader, type CollectStats } from './index.js';
import { createLimiter } from './limiter.js';
import { mapAgent, mapInstance, mapVpcEndpoint } from './map.js';
import { readInstanceStatus } from './evidence.js';
import type { AwsServices } from './services.js';

const EC2_FILTER_CHUNK = 200;
const SSM_FILTER_CHUNK = 50;
const VPC_CHUNK = 50;

/** Endpoint states that become `available` by themselves. */
export const TRANSITIONAL_ENDPOINT_STATES = new Set(['pending', 'pendingacceptance']);

export interface RefreshOptions {
  /** The run's clients (SSM, and EC2 for instance status, pending instances and endpoints). */
  services: AwsServices;
  /** Requests in flight at most (default 16). */
  concurrency?: number;
  /** Filled with the requests this round sent. */
  stats?: CollectStats;
  /** The new collectedAt (default: now). */
  now?: () => Date;
}

/** Instances among `ids` that are still pending (their state may change). */
export function pendingInstances(facts: Facts, ids: string[]): string[] {
  return ids.filter((id) => {
    const f = facts.instances[id];
    return !isManagedNode(id) && f?.ok && f.value?.state === 'pending';
  });
}

/** VPCs of the `ids` that have an endpoint in a transitional state (pending). */
export function vpcsWithPendingEndpoints(facts: Facts, ids: string[]): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    const f = facts.instances[id];
    const vpc = f?.ok ? f.value?.vpcId : undefined;
    if (!vpc) continue;
    const eps = facts.endpoints[vpc];
    if (eps?.ok && eps.value.some((e) => TRANSITIONAL_ENDPOINT_STATES.has(e.state.toLowerCase()))) out.add(vpc);
  }
  return [...out];
}

/** EC2 instances among `ids`, running or pending, whose agent was not Online: their status checks may still change. */
export function statusToRefresh(facts: Facts, ids: string[]): string[] {
  return ids.filter((id) => {
    const f = facts.instances[id];
    const a = facts.agents[id];
    const online = a?.ok && a.value?.pingStatus === 'Online';
    return !isManagedNode(id) && f?.ok && (f.value?.state === 'running' || f.value?.state === 'pending') && !online;
  });
}

/** Re-reads agent, connection, pending-instance and pending-endpoint state of `ids`; returns new facts. */
export async function refresh(facts: Facts, ids: string[], opts: RefreshOptions): Promise<Facts> {
  const { sdk, clients } = opts.services;
  const r = new Reader(createLimiter(opts.concurrency ?? 16), opts.services);
  const next: Facts = {
    ...facts,
    collectedAt: (opts.now?.() ?? new Date()).toISOString(),
    instances: { ...facts.instances },
    agents: { ...facts.agents },
    connections: { ...facts.connections },
    endpoints: { ...facts.endpoints },
    instanceStatus: { ...facts.instanceStatus },
    consoleEvidence: { ...facts.consoleEvidence },
  };

  const agents = Promise.all(
    chunks(ids, SSM_FILTER_CHUNK).map(async (batch) => {
      const res = await r.pages(
        'ssm:DescribeInstanceInformation',
        { Filters: [{ Key: 'InstanceIds', Values: batch }], MaxResults: 50 },
        (i) => clients.ssm.send(new sdk.ssm.DescribeInstanceInformationCommand(i)),
        (o) => ({ items: o.InstanceInformationList, next: o.NextToken }),
        nextToken,
      );
      const rows = res.ok ? new Map(res.value.filter((x) => x.InstanceId).map((x) => [x.InstanceId!, x])) : undefined;
      for (const id of batch) {
        if (!res.ok) next.agents[id] = failed(res.error);
        else {
          const row = rows!.get(id);
          next.agents[id] = ok(row ? mapAgent(row) : null);
        }
      }
    }),
  ).then(() =>
    // Session Manager cannot connect to an agent that is not Online: only ask for those that are.
    Promise.all(
      ids
        .filter((id) => {
          const a = next.agents[id];
          // Fleets bigger than CONNECTION_STATUS_MAX_TARGETS never read it (see the collector).
          return a?.ok && a.value?.pingStatus === 'Online' && facts.targets.length <= CONNECTION_STATUS_MAX_TARGETS;
        })
        .map(async (id) => {
          const c = await r.read('ssm:GetConnectionStatus', { Target: id }, (i) => clients.ssm.send(new sdk.ssm.GetConnectionStatusCommand(i)));
          next.connections[id] = c.ok ? ok(c.value.Status === 'connected' ? 'connected' : 'notconnected') : failed(c.error);
        }),
    ),
  );

  const instances = Promise.all(
    chunks(pendingInstances(facts, ids), EC2_FILTER_CHUNK).map(async (batch) => {
      const res = await r.pages(
        'ec2:DescribeInstances',
        { Filters: [{ Name: 'instance-id', Values: batch }] as Filter[] },
        (i) => clients.ec2.send(new sdk.ec2.DescribeInstancesCommand(i)),
        (o) => ({ items: o.Reservations, next: o.NextToken }),
        nextToken,
      );
      if (!res.ok) {
        for (const id of batch) next.instances[id] = failed(res.error);
        return;
      }
      const found = new Map<string, Instance>();
      for (const resv of res.value) for (const i of resv.Instances ?? []) if (i.InstanceId) found.set(i.InstanceId, mapInstance(i, resv.OwnerId));
      for (const id of batch) next.instances[id] = ok(found.get(id) ?? null);
    }),
  );

  const endpoints = Promise.all(
    chunks(vpcsWithPendingEndpoints(facts, ids), VPC_CHUNK).map(async (vpcIds) => {
      const res = await r.pages(
        'ec2:DescribeVpcEndpoints',
        { Filters: [{ Name: 'vpc-id', Values: vpcIds }] },
        (i) => clients.ec2.send(new sdk.ec2.DescribeVpcEndpointsCommand(i)),
        (o) => ({ items: o.VpcEndpoints, next: o.NextToken }),
        nextToken,
      );
      for (const vpc of vpcIds) {
        next.endpoints[vpc] = res.ok ? ok(res.value.filter((e) => e.VpcId === vpc).map(mapVpcEndpoint)) : failed(res.error);
      }
    }),
  );

  const statuses = readInstanceStatus({ sdk, clients, reader: r, facts: next }, statusToRefresh(facts, ids));

  await Promise.all([agents, instances, endpoints, statuses]);
  for (const id of ids) {
    const a = next.agents[id];
    if (a?.ok && a.value?.pingStatus === 'Online') {
      delete next.instanceStatus[id];
      delete next.consoleEvidence[id];
    }
  }
  if (opts.stats) {
    opts.stats.requests += r.stats.requests;
    for (const [api, n] of Object.entries(r.stats.byApi)) opts.stats.byApi[api] = (opts.stats.byApi[api] ?? 0) + n;
  }
  return next;
}
