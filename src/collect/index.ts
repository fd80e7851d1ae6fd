// The collector: every AWS call of ssm-doctor (all read-only), turned into one Facts object.
// Reads are grouped in rounds so one target costs about four sequential round trips, and every distinct
// read happens once per run however many targets share it (VPC-level reads are batched across VPCs).
// A failed read becomes `{ ok: false, error }` in the facts; collect() itself does not throw for AWS errors.
import type { Filter } from '@aws-sdk/client-ec2';
import {
  FACTS_SCHEMA_VERSION,
  emptyResourceMaps,
  failed,
  isNoSuchEntity,
  ok,
  type ApiError,
  type CallerIdentity,
  type DhmcSetting,
  type Facts,
  type Fetched,
  type Instance,
  type LocalFacts,
  type NamedPolicy,
  type PrefixList,
  type Role,
  type RoleRef,
  type SessionPreferences,
  type SimDecision,
} from '../facts/facts.js';
import {
  agentRoleQuestions,
  callerRoleName,
  clientQuestions,
  CONNECTION_STATUS_MAX_TARGETS,
  DHMC_SETTING_ID,
  SESSION_PREFERENCES_DOCUMENT,
  type PermissionQuestion,
} from '../facts/requirements.js';
import { isManagedNode } from '../cli/args.js';
import { AwsServices, serviceOf, type ApiLabel, type AwsClients, type Sdk, type ServiceName } from './services.js';
import { readLateFixEvidence } from './cloudtrail.js';
import { EvidenceClients } from './evidence-clients.js';
import type { RateLimiter } from './rate-limit.js';
import { readKeyPolicies, readSessionTargets, type EvidenceReads } from './session-targets.js';
import { resolvedTargets } from '../facts/session-targets.js';
import { toApiError } from './errors.js';
import { trackSend } from './in-flight.js';
import { EvidenceCollector } from './evidence.js';
import { createLimiter, type Limiter } from './limiter.js';
import { collectLocal } from './local.js';
import {
  decodePolicy,
  dhmcRoleValue,
  lastSegment,
  mapAgent,
  mapDhcpOptions,
  mapEndpointInterface,
  mapInstance,
  mapInstanceProfile,
  mapInternetGateway,
  mapNatGateway,
  mapNetworkAcl,
  mapRole,
  mapRouteTable,
  mapSecurityGroup,
  mapSubnet,
  mapVpc,
  mapVpcEndpoint,
  parsePreferences,
} from './map.js';

export { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS } from './config.js';

export { AwsServices, createAwsClients, type AwsClients, type Sdk } from './services.js';

export interface CollectOptions {
  region: string;
  profile?: string;
  targets: string[];
  /** Per request, milliseconds (default 10000). */
  timeoutMs?: number;
  /** SDK attempts per request, adaptive retry mode (default 5). */
  maxAttempts?: number;
  /** Also collect LocalFacts (session-manager-plugin on this machine). */
  local?: boolean;
  /** Injected clients (tests); missing ones are created from the options. */
  clients?: Partial<AwsClients>;
  /** The run's clients, loaded as needed (the CLI shares them with the selection and --wait); they stay open. */
  services?: AwsServices;
  /** Short progress messages for a spinner. */
  onProgress?: (msg: string) => void;
  /** Called once the first round's requests are on their way: for work that can wait until then. */
  onInFlight?: () => void;
  /** Requests in flight at most (default 16). */
  concurrency?: number;
  /** Instances already read (by a --tag/--filter selection), by id: not read again. */
  instances?: Record<string, Fetched<Instance | null>>;
  /**
   * The targets worth CloudTrail's record of late fixes, chosen from the facts of rounds 1-4 (the CLI passes the
   * agents not Online whose configuration checks all pass: src/diagnose/offline.ts lateFixCandidates). The collector
   * does not run checks itself; without this, no lookup is made.
   */
  lateFixTargets?: (facts: Facts) => string[] | Promise<string[]>;
  /** Client-side rate limit of cloudtrail:LookupEvents (tests); default 2 requests per second. */
  cloudTrailRate?: RateLimiter;
}

/** How many requests the last collect() sent (the bench reads it). */
export interface CollectStats {
  requests: number;
  byApi: Record<string, number>;
}

const DEFAULT_CONCURRENCY = 16;
/** Values per EC2 filter (the API allows 200). */
const EC2_FILTER_CHUNK = 200;
/** VPC ids per batched VPC-level call. */
const VPC_CHUNK = 50;
/** Values per `InstanceIds` filter of ssm:DescribeInstanceInformation. */
const SSM_FILTER_CHUNK = 50;
const MAX_PAGES = 500;
/** Resource ARNs per iam:SimulatePrincipalPolicy call (the caller's StartSession on every target). */
const SIMULATE_RESOURCES = 50;

// ---------------------------------------------------------------- small helpers

export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

function uniq<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

function notFound(api: string, code: string, message: string): ApiError {
  return { api, code, message, kind: 'other' };
}

function arnPartition(arn: string | undefined): string {
  return /^arn:([^:]+):/.exec(arn ?? '')?.[1] ?? 'aws';
}

function arnAccount(arn: string): string | undefined {
  const a = arn.split(':')[4];
  return a && /^\d+$/.test(a) ? a : undefined;
}

function short(ids: string[], max = 3): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

/** Memoizing, rate-limited, error-capturing reads. */
export class Reader {
  private readonly memo = new Map<string, Promise<Fetched<unknown>>>();
  readonly stats: CollectStats = { requests: 0, byApi: {} };

  /** `services`: whose `ready(service)` each read awaits before its request is built (the SDK loads lazily). */
  constructor(
    private readonly limit: Limiter,
    private readonly services?: { ready(name: ServiceName): Promise<void> },
  ) {}

  /** One request; the same (api, input) is sent once per run. */
  read<I, O>(api: ApiLabel, input: I, send: (input: I) => Promise<O>): Promise<Fetched<O>> {
    const key = `${api} ${JSON.stringify(input)}`;
    let p = this.memo.get(key) as Promise<Fetched<O>> | undefined;
    if (!p) {
      p = this.limit(async () => {
        this.stats.requests++;
        this.stats.byApi[api] = (this.stats.byApi[api] ?? 0) + 1;
        try {
          await this.services?.ready(serviceOf(api));
          // A mock or a proxy may answer nothing at all: treat it as an empty answer, not a crash.
          return ok(((await trackSend(() => send(input))) ?? {}) as O);
        } catch (err) {
          return failed<O>(toApiError(api, err));
        }
      });
      this.memo.set(key, p as Promise<Fetched<unknown>>);
    }
    return p;
  }

  /** Every page (empty pages with a token included) until no token is returned. */
  async pages<I, O, T>(
    api: ApiLabel,
    input: I,
    send: (input: I) => Promise<O>,
    page: (out: O) => { items: T[] | undefined; next: string | undefined },
    withToken: (input: I, token: string) => I,
  ): Promise<Fetched<T[]>> {
    const all: T[] = [];
    const seen = new Set<string>();
    let req = input;
    for (let n = 0; n < MAX_PAGES; n++) {
      const r = await this.read(api, req, send);
      if (!r.ok) return failed(r.error);
      let items: T[] | undefined;
      let next: string | undefined;
      try {
        ({ items, next } = page(r.value));
      } catch (err) {
        return failed({ api, code: 'UnexpectedResponse', message: (err as Error).message.slice(0, 240), kind: 'other' });
      }
      all.push(...(items ?? []));
      if (!next || seen.has(next)) break;
      seen.add(next);
      req = withToken(input, next);
    }
    return ok(all);
  }
}

export const nextToken = <I>(i: I, t: string): I => ({ ...i, NextToken: t });
const nextMarker = <I>(i: I, t: string): I => ({ ...i, Marker: t });

// ---------------------------------------------------------------- the collector

interface AgentPrincipal {
  roleName: string;
  ref?: RoleRef;
}

class Collector {
  readonly facts: Facts;
  /** DHMC setting value as given (may carry a path: `service-role/Name`), null when off. */
  private dhmcValue: string | null = null;
  /** The ARN the caller's permissions are simulated for (role ARN for assumed roles, else the user ARN). */
  callerPrincipalArn: string | undefined;
  /** The caller's role when it is an assumed role. */
  private callerRole: { name: string; arn: string } | undefined;
  private readonly prefixListsRequested = new Set<string>();
  /** Evidence for offline agents (src/collect/evidence.ts): status checks, AMI, console, hybrid registrations. */
  private readonly evidence: EvidenceCollector;
  private readonly sdk: Sdk;
  private readonly c: AwsClients;
  /** The reads of the resources the preferences name, started once the preferences are in. */
  private sessionTargets: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: AwsServices,
    private readonly r: Reader,
    private readonly region: string,
    targets: string[],
    private readonly progress: (msg: string) => void,
    /** The clients of the reads only some runs need (KMS, CloudWatch Logs, S3, CloudTrail), built on first use. */
    private readonly sessionClients: EvidenceClients,
    private readonly late: Pick<CollectOptions, 'lateFixTargets' | 'cloudTrailRate'> = {},
  ) {
    this.sdk = services.sdk;
    this.c = services.clients;
    this.facts = {
      schemaVersion: FACTS_SCHEMA_VERSION,
      collectedAt: new Date().toISOString(),
      region,
      targets,
      ...emptyResourceMaps(),
      caller: failed(notFound('sts:GetCallerIdentity', 'NotCollected', 'not collected')),
      dhmc: failed(notFound('ssm:GetServiceSetting', 'NotCollected', 'not collected')),
      preferences: failed(notFound('ssm:GetDocument', 'NotCollected', 'not collected')),
    };
    this.evidence = new EvidenceCollector({
      sdk: this.sdk,
      clients: this.c,
      reader: r,
      facts: this.facts,
      readRole: (name) => this.readRole(name),
      readSecurityGroups: (ids) => this.readSecurityGroups(ids),
    });
  }

  private get targets(): string[] {
    return this.facts.targets;
  }

  /** Instances that exist (read ok, not null), in target order. */
  private foundInstances(): Instance[] {
    const out: Instance[] = [];
    for (const id of this.targets) {
      const f = this.facts.instances[id];
      if (f?.ok && f.value) out.push(f.value);
    }
    return out;
  }

  /** `inFlight`: called once round 1's requests are on their way, for work that can wait until then. */
  async run(inFlight: () => void = () => {}): Promise<void> {
    // Round 1: identity, instances, agent registrations, connection status, account-level SSM settings
    // (and the hybrid-node tier when a target is a hybrid node).
    this.progress('Reading instances');
    // The resources the preferences name are read as soon as the preferences are in (their SDK clients load
    // meanwhile); they finish with round 2.
    const round1 = Promise.all([
      this.readCaller(),
      this.readInstances(),
      this.readAgents(),
      this.readConnections(),
      this.readDhmc(),
      this.readPreferences().then(() => void (this.sessionTargets = readSessionTargets(this.evidenceReads()))),
      this.evidence.round1(),
    ]);
    // Round 1's clients load first; what can wait (round 2's IAM client, then the caller's work) once its
    // requests are on the wire.
    let finished = false;
    void this.services
      .sent()
      .then(() => (finished ? undefined : this.services.ready('iam')))
      .catch(() => {}) // a failed load shows at the first IAM read
      .then(inFlight);
    try {
      await this.laterRounds(round1);
    } finally {
      finished = true;
    }
  }

  private async laterRounds(round1: Promise<unknown>): Promise<void> {
    await round1;
    if (this.cannotAuthenticate()) return this.sessionTargets;

    // Round 2: once per distinct VPC / instance profile / role; evidence for offline agents (src/collect/evidence.ts)
    // runs alongside rounds 2 and 3.
    const instances = this.foundInstances();
    const vpcIds = uniq(instances.map((i) => i.vpcId).filter((v): v is string => !!v));
    if (vpcIds.length) this.progress(`Reading network of ${short(vpcIds)}`);
    const profileArns = uniq(instances.map((i) => i.instanceProfileArn).filter((a): a is string => !!a));
    if (profileArns.length || this.dhmcValue) this.progress('Reading IAM roles');
    const configuration = Promise.all([
      this.readNetwork(vpcIds, instances),
      this.readSecurityGroups(uniq(instances.flatMap((i) => i.securityGroupIds))),
      ...profileArns.map((arn) => this.readInstanceProfile(arn)),
      this.readDhmcRole(),
      this.readCallerRole(),
      this.sessionTargets,
    ]);
    // Evidence for offline agents queues behind those reads and is awaited with round 3: it never holds them back.
    const evidence = this.evidence.round2();
    await configuration;

    // Round 3: endpoint security groups, DHCP options, prefix lists, permission simulations.
    const principals = this.agentPrincipals();
    if (principals.size || (this.callerPrincipalArn && instances.length)) this.progress('Simulating IAM permissions');
    await Promise.all([
      this.readEndpointSecurityGroups(vpcIds).then(() => this.readPrefixLists(this.referencedPrefixLists())),
      this.readPrefixLists(this.referencedPrefixLists()),
      this.readDhcpOptions(),
      this.simulateAll(principals),
      evidence,
      readKeyPolicies(this.evidenceReads()),
    ]);

    // Round 4: only when a role could not be simulated: its policy documents, for local evaluation.
    const roles = new Map(principals);
    if (this.callerRole && !roles.has(this.callerRole.arn)) roles.set(this.callerRole.arn, { roleName: this.callerRole.name });
    const unsimulated = [...roles.entries()].filter(([arn]) => this.facts.simulations[arn]?.ok === false);
    if (unsimulated.length) {
      this.progress(`Reading policies of ${short(unsimulated.map(([, p]) => p.roleName))}`);
      await Promise.all(unsimulated.map(([arn, p]) => this.readRolePolicies(arn, p)));
    }

    // Round 5, only for agents offline although their configuration passes: CloudTrail dates a late fix.
    const late = (await this.late.lateFixTargets?.(this.facts)) ?? [];
    if (late.length) {
      this.progress('Looking up recent changes in CloudTrail');
      await readLateFixEvidence(this.evidenceReads(), late, this.late.cloudTrailRate);
    }
  }

  private evidenceReads(): EvidenceReads {
    return { r: this.r, facts: this.facts, clients: this.sessionClients };
  }

  /** Every round-1 read failed on the credentials: later reads would only repeat that failure. */
  private cannotAuthenticate(): boolean {
    const caller = this.facts.caller;
    return !caller.ok && caller.error.kind === 'credentials' && !Object.values(this.facts.instances).some((f) => f.ok);
  }

  // ---------------------------------------------------------------- round 1

  private async readCaller(): Promise<void> {
    const r = await this.r.read('sts:GetCallerIdentity', {}, (i) => this.c.sts.send(new this.sdk.sts.GetCallerIdentityCommand(i)));
    this.facts.caller = r.ok
      ? ok<CallerIdentity>({ account: r.value.Account ?? '', arn: r.value.Arn ?? '', userId: r.value.UserId ?? '' })
      : failed(r.error);
  }

  private async readInstances(): Promise<void> {
    // Hybrid managed nodes (mi-) are not EC2 instances; instances a selection already read are not read again.
    const todo = this.targets.filter((id) => !isManagedNode(id) && !(id in this.facts.instances));
    // The `instance-id` filter, not InstanceIds: one unknown id would fail the whole call.
    await Promise.all(
      chunks(todo, EC2_FILTER_CHUNK).map(async (ids) => {
        const res = await this.r.pages(
          'ec2:DescribeInstances',
          { Filters: [{ Name: 'instance-id', Values: ids }] as Filter[] },
          (i) => this.c.ec2.send(new this.sdk.ec2.DescribeInstancesCommand(i)),
          (o) => ({ items: o.Reservations, next: o.NextToken }),
          nextToken,
        );
        if (!res.ok) {
          for (const id of ids) this.facts.instances[id] = failed(res.error);
          return;
        }
        const found = new Map<string, Instance>();
        for (const resv of res.value) {
          for (const inst of resv.Instances ?? []) {
            if (inst.InstanceId) found.set(inst.InstanceId, mapInstance(inst, resv.OwnerId));
          }
        }
        for (const id of ids) this.facts.instances[id] = ok(found.get(id) ?? null);
      }),
    );
  }

  private async readAgents(): Promise<void> {
    await Promise.all(
      chunks(this.targets, SSM_FILTER_CHUNK).map(async (ids) => {
        // Filtered calls can return empty pages that still carry a NextToken: pages() follows them all.
        const res = await this.r.pages(
          'ssm:DescribeInstanceInformation',
          { Filters: [{ Key: 'InstanceIds', Values: ids }], MaxResults: 50 },
          (i) => this.c.ssm.send(new this.sdk.ssm.DescribeInstanceInformationCommand(i)),
          (o) => ({ items: o.InstanceInformationList, next: o.NextToken }),
          nextToken,
        );
        if (!res.ok) {
          for (const id of ids) this.facts.agents[id] = failed(res.error);
          return;
        }
        const rows = new Map(res.value.filter((x) => x.InstanceId).map((x) => [x.InstanceId!, x]));
        for (const id of ids) {
          const row = rows.get(id);
          this.facts.agents[id] = ok(row ? mapAgent(row) : null);
        }
      }),
    );
  }

  private async readConnections(): Promise<void> {
    if (this.targets.length > CONNECTION_STATUS_MAX_TARGETS) return;
    await Promise.all(
      this.targets.map(async (id) => {
        const r = await this.r.read('ssm:GetConnectionStatus', { Target: id }, (i) =>
          this.c.ssm.send(new this.sdk.ssm.GetConnectionStatusCommand(i)),
        );
        this.facts.connections[id] = r.ok ? ok(r.value.Status === 'connected' ? 'connected' : 'notconnected') : failed(r.error);
      }),
    );
  }

  private async readDhmc(): Promise<void> {
    const r = await this.r.read('ssm:GetServiceSetting', { SettingId: DHMC_SETTING_ID }, (i) =>
      this.c.ssm.send(new this.sdk.ssm.GetServiceSettingCommand(i)),
    );
    if (!r.ok) {
      // Never set in this account/region: DHMC is off.
      this.facts.dhmc =
        r.error.code === 'ServiceSettingNotFound' ? ok<DhmcSetting>({ roleName: null, settingId: DHMC_SETTING_ID }) : failed(r.error);
      return;
    }
    // The default (never configured) value is `$None`; an empty value also means off.
    this.dhmcValue = dhmcRoleValue(r.value.ServiceSetting?.SettingValue);
    const modified = r.value.ServiceSetting?.LastModifiedDate;
    this.facts.dhmc = ok<DhmcSetting>({
      roleName: this.dhmcValue === null ? null : lastSegment(this.dhmcValue),
      settingId: DHMC_SETTING_ID,
      ...(modified instanceof Date && !Number.isNaN(modified.getTime()) ? { lastModifiedDate: modified.toISOString() } : {}),
    });
  }

  private async readPreferences(): Promise<void> {
    const api = 'ssm:GetDocument';
    const r = await this.r.read(api, { Name: SESSION_PREFERENCES_DOCUMENT, DocumentFormat: 'JSON' as const }, (i) =>
      this.c.ssm.send(new this.sdk.ssm.GetDocumentCommand(i)),
    );
    if (!r.ok) {
      // The document only exists once preferences were saved: absent means defaults.
      this.facts.preferences = r.error.code === 'InvalidDocument' ? ok(null) : failed(r.error);
      return;
    }
    try {
      this.facts.preferences = ok<SessionPreferences | null>(parsePreferences(r.value.Content ?? '{}'));
    } catch (err) {
      this.facts.preferences = failed({
        api,
        code: 'InvalidDocumentContent',
        message: `${SESSION_PREFERENCES_DOCUMENT} content is not JSON: ${(err as Error).message}`.slice(0, 240),
        kind: 'other',
      });
    }
  }

  // ---------------------------------------------------------------- round 2

  /** Reads of the VPC-level resources, batched over VPC ids (`vpc-id` filters), each paginated. */
  private async readNetwork(vpcIds: string[], instances: Instance[]): Promise<void> {
    await Promise.all(chunks(vpcIds, VPC_CHUNK).map((ids) => this.readNetworkChunk(ids, instances)));
  }

  private async readNetworkChunk(vpcIds: string[], instances: Instance[]): Promise<void> {
    const vpcFilter: Filter[] = [{ Name: 'vpc-id', Values: vpcIds }];
    const f = this.facts;

    const vpcs = this.r.pages(
      'ec2:DescribeVpcs',
      { Filters: vpcFilter },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeVpcsCommand(i)),
      (o) => ({ items: o.Vpcs, next: o.NextToken }),
      nextToken,
    );
    const dns = Promise.all(
      vpcIds.map(async (vpcId) => {
        const attr = (Attribute: 'enableDnsSupport' | 'enableDnsHostnames') =>
          this.r.read('ec2:DescribeVpcAttribute', { VpcId: vpcId, Attribute }, (i) => this.c.ec2.send(new this.sdk.ec2.DescribeVpcAttributeCommand(i)));
        const [support, hostnames] = await Promise.all([attr('enableDnsSupport'), attr('enableDnsHostnames')]);
        if (!support.ok) f.vpcDnsAttributes[vpcId] = failed(support.error);
        else if (!hostnames.ok) f.vpcDnsAttributes[vpcId] = failed(hostnames.error);
        else
          f.vpcDnsAttributes[vpcId] = ok({
            enableDnsSupport: support.value.EnableDnsSupport?.Value ?? false,
            enableDnsHostnames: hostnames.value.EnableDnsHostnames?.Value ?? false,
          });
      }),
    );
    const subnets = this.r.pages(
      'ec2:DescribeSubnets',
      { Filters: vpcFilter },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeSubnetsCommand(i)),
      (o) => ({ items: o.Subnets, next: o.NextToken }),
      nextToken,
    );
    const routeTables = this.r.pages(
      'ec2:DescribeRouteTables',
      { Filters: vpcFilter },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeRouteTablesCommand(i)),
      (o) => ({ items: o.RouteTables, next: o.NextToken }),
      nextToken,
    );
    const acls = this.r.pages(
      'ec2:DescribeNetworkAcls',
      { Filters: vpcFilter },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeNetworkAclsCommand(i)),
      (o) => ({ items: o.NetworkAcls, next: o.NextToken }),
      nextToken,
    );
    const endpoints = this.r.pages(
      'ec2:DescribeVpcEndpoints',
      { Filters: vpcFilter },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeVpcEndpointsCommand(i)),
      (o) => ({ items: o.VpcEndpoints, next: o.NextToken }),
      nextToken,
    );
    const enis = this.r.pages(
      'ec2:DescribeNetworkInterfaces',
      { Filters: [...vpcFilter, { Name: 'interface-type', Values: ['vpc_endpoint'] }] },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeNetworkInterfacesCommand(i)),
      (o) => ({ items: o.NetworkInterfaces, next: o.NextToken }),
      nextToken,
    );
    // DescribeNatGateways names its filter parameter `Filter`, not `Filters`.
    const nats = this.r.pages(
      'ec2:DescribeNatGateways',
      { Filter: vpcFilter },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeNatGatewaysCommand(i)),
      (o) => ({ items: o.NatGateways, next: o.NextToken }),
      nextToken,
    );
    const igws = this.r.pages(
      'ec2:DescribeInternetGateways',
      { Filters: [{ Name: 'attachment.vpc-id', Values: vpcIds }] },
      (i) => this.c.ec2.send(new this.sdk.ec2.DescribeInternetGatewaysCommand(i)),
      (o) => ({ items: o.InternetGateways, next: o.NextToken }),
      nextToken,
    );

    const [vpcsR, subnetsR, rtR, aclR, epR, eniR, natR, igwR] = await Promise.all([
      vpcs,
      subnets,
      routeTables,
      acls,
      endpoints,
      enis,
      nats,
      igws,
      dns,
    ]);

    // VPCs
    for (const id of vpcIds) {
      if (!vpcsR.ok) f.vpcs[id] = failed(vpcsR.error);
      else {
        const v = vpcsR.value.find((x) => x.VpcId === id);
        f.vpcs[id] = v ? ok(mapVpc(v)) : failed(notFound('ec2:DescribeVpcs', 'InvalidVpcID.NotFound', `VPC ${id} was not returned`));
      }
    }

    // Subnets: every subnet of these VPCs; the instances' subnets are recorded even when the read failed.
    const wanted = uniq(
      instances
        .filter((i) => i.vpcId && vpcIds.includes(i.vpcId))
        .flatMap((i) => [i.subnetId, ...i.networkInterfaces.map((n) => n.subnetId)])
        .filter((s): s is string => !!s),
    );
    if (!subnetsR.ok) for (const id of wanted) f.subnets[id] = failed(subnetsR.error);
    else {
      for (const s of subnetsR.value) if (s.SubnetId) f.subnets[s.SubnetId] = ok(mapSubnet(s));
      for (const id of wanted) {
        f.subnets[id] ??= failed(notFound('ec2:DescribeSubnets', 'InvalidSubnetID.NotFound', `subnet ${id} was not returned`));
      }
    }

    const perVpc = <S, T>(
      target: Record<string, Fetched<T[]>>,
      res: Fetched<S[]>,
      vpcsOf: (s: S) => (string | undefined)[],
      map: (s: S) => T,
    ) => {
      for (const id of vpcIds) {
        target[id] = res.ok ? ok(res.value.filter((s) => vpcsOf(s).includes(id)).map(map)) : failed(res.error);
      }
    };
    perVpc(f.routeTables, rtR, (t) => [t.VpcId], mapRouteTable);
    perVpc(f.networkAcls, aclR, (a) => [a.VpcId], mapNetworkAcl);
    perVpc(f.endpoints, epR, (e) => [e.VpcId], mapVpcEndpoint);
    const eniToEndpoint = new Map<string, string>();
    if (epR.ok) for (const e of epR.value) for (const n of e.NetworkInterfaceIds ?? []) if (e.VpcEndpointId) eniToEndpoint.set(n, e.VpcEndpointId);
    perVpc(f.endpointInterfaces, eniR, (n) => [n.VpcId], (n) => mapEndpointInterface(n, eniToEndpoint));
    perVpc(f.natGateways, natR, (n) => [n.VpcId], mapNatGateway);
    perVpc(f.internetGateways, igwR, (g) => (g.Attachments ?? []).map((a) => a.VpcId), mapInternetGateway);
  }

  /** Security groups by id (the `group-id` filter, so a missing id does not fail the call). */
  private async readSecurityGroups(ids: string[]): Promise<void> {
    const todo = ids.filter((id) => !(id in this.facts.securityGroups));
    await Promise.all(
      chunks(todo, EC2_FILTER_CHUNK).map(async (batch) => {
        const res = await this.r.pages(
          'ec2:DescribeSecurityGroups',
          { Filters: [{ Name: 'group-id', Values: batch }] },
          (i) => this.c.ec2.send(new this.sdk.ec2.DescribeSecurityGroupsCommand(i)),
          (o) => ({ items: o.SecurityGroups, next: o.NextToken }),
          nextToken,
        );
        for (const id of batch) {
          if (!res.ok) this.facts.securityGroups[id] = failed(res.error);
          else {
            const g = res.value.find((x) => x.GroupId === id);
            this.facts.securityGroups[id] = g
              ? ok(mapSecurityGroup(g))
              : failed(notFound('ec2:DescribeSecurityGroups', 'InvalidGroup.NotFound', `security group ${id} was not returned`));
          }
        }
      }),
    );
  }

  private async readInstanceProfile(arn: string): Promise<void> {
    const r = await this.r.read('iam:GetInstanceProfile', { InstanceProfileName: lastSegment(arn) }, (i) =>
      this.c.iam.send(new this.sdk.iam.GetInstanceProfileCommand(i)),
    );
    // NoSuchEntity for the ARN the instance names: the profile was deleted while still associated (a finding).
    if (!r.ok) this.facts.instanceProfiles[arn] = isNoSuchEntity(r.error) ? ok(null) : failed(r.error);
    else if (!r.value.InstanceProfile)
      this.facts.instanceProfiles[arn] = failed(notFound('iam:GetInstanceProfile', 'NoSuchEntity', `instance profile ${arn} not returned`));
    else this.facts.instanceProfiles[arn] = ok(mapInstanceProfile(r.value.InstanceProfile, arn));
  }

  /** iam:GetRole by name into facts.roles[name] (memoized: DHMC and caller may share a role). */
  private async readRole(name: string): Promise<Fetched<Role>> {
    const r = await this.r.read('iam:GetRole', { RoleName: name }, (i) => this.c.iam.send(new this.sdk.iam.GetRoleCommand(i)));
    const role: Fetched<Role> = !r.ok
      ? failed(r.error)
      : r.value.Role
        ? ok(mapRole(r.value.Role))
        : failed(notFound('iam:GetRole', 'NoSuchEntity', `role ${name} not returned`));
    const existing = this.facts.roles[name];
    if (!existing || (!existing.ok && role.ok)) this.facts.roles[name] = role;
    return role;
  }

  private async readDhmcRole(): Promise<void> {
    if (this.dhmcValue) await this.readRole(lastSegment(this.dhmcValue));
  }

  private async readCallerRole(): Promise<void> {
    const caller = this.facts.caller;
    if (!caller.ok) return;
    const arn = caller.value.arn;
    const roleName = callerRoleName(arn);
    if (roleName) {
      const role = await this.readRole(roleName);
      this.callerPrincipalArn = role.ok
        ? role.value.arn
        : `arn:${arnPartition(arn)}:iam::${caller.value.account}:role/${roleName}`;
      this.callerRole = { name: roleName, arn: this.callerPrincipalArn };
    } else if (/^arn:[^:]+:iam::\d+:user\//.test(arn)) {
      this.callerPrincipalArn = arn;
    }
    // root and federated users cannot be simulated: no principal.
  }

  // ---------------------------------------------------------------- round 3

  private async readEndpointSecurityGroups(vpcIds: string[]): Promise<void> {
    const ids: string[] = [];
    for (const v of vpcIds) {
      const eps = this.facts.endpoints[v];
      if (eps?.ok) ids.push(...eps.value.flatMap((e) => e.securityGroupIds));
      const enis = this.facts.endpointInterfaces[v];
      if (enis?.ok) ids.push(...enis.value.flatMap((e) => e.securityGroupIds));
    }
    await this.readSecurityGroups(uniq(ids));
  }

  private async readDhcpOptions(): Promise<void> {
    const ids = uniq(
      Object.values(this.facts.vpcs)
        .map((v) => (v.ok ? v.value.dhcpOptionsId : undefined))
        .filter((x): x is string => !!x),
    );
    const real = ids.filter((id) => id !== 'default');
    // `default` = no DHCP options set: instances use the Amazon-provided DNS server.
    if (ids.includes('default')) this.facts.dhcpOptions.default = ok({ id: 'default', domainNameServers: ['AmazonProvidedDNS'] });
    await Promise.all(
      chunks(real, EC2_FILTER_CHUNK).map(async (batch) => {
        const res = await this.r.pages(
          'ec2:DescribeDhcpOptions',
          { Filters: [{ Name: 'dhcp-options-id', Values: batch }] },
          (i) => this.c.ec2.send(new this.sdk.ec2.DescribeDhcpOptionsCommand(i)),
          (o) => ({ items: o.DhcpOptions, next: o.NextToken }),
          nextToken,
        );
        for (const id of batch) {
          if (!res.ok) this.facts.dhcpOptions[id] = failed(res.error);
          else {
            const d = res.value.find((x) => x.DhcpOptionsId === id);
            this.facts.dhcpOptions[id] = d
              ? ok(mapDhcpOptions(d))
              : failed(notFound('ec2:DescribeDhcpOptions', 'InvalidDhcpOptionID.NotFound', `DHCP options ${id} not returned`));
          }
        }
      }),
    );
  }

  /** Managed prefix lists referenced by security group rules and routes. */
  private referencedPrefixLists(): string[] {
    const ids: string[] = [];
    for (const sg of Object.values(this.facts.securityGroups)) {
      if (sg.ok) for (const rule of [...sg.value.ingress, ...sg.value.egress]) ids.push(...rule.prefixListIds);
    }
    for (const rts of Object.values(this.facts.routeTables)) {
      if (rts.ok) for (const t of rts.value) for (const r of t.routes) if (r.destinationPrefixListId) ids.push(r.destinationPrefixListId);
    }
    return uniq(ids);
  }

  private async readPrefixLists(ids: string[]): Promise<void> {
    const todo = ids.filter((id) => !this.prefixListsRequested.has(id));
    if (!todo.length) return;
    for (const id of todo) this.prefixListsRequested.add(id);
    const [entries, names] = await Promise.all([
      Promise.all(
        todo.map((id) =>
          this.r.pages(
            'ec2:GetManagedPrefixListEntries',
            { PrefixListId: id },
            (i) => this.c.ec2.send(new this.sdk.ec2.GetManagedPrefixListEntriesCommand(i)),
            (o) => ({ items: o.Entries, next: o.NextToken }),
            nextToken,
          ),
        ),
      ),
      this.readPrefixListNames(todo),
    ]);
    todo.forEach((id, n) => {
      const e = entries[n]!;
      if (!e.ok) {
        this.facts.prefixLists[id] = failed(e.error);
        return;
      }
      const pl: PrefixList = { id, cidrs: e.value.map((x) => x.Cidr).filter((c): c is string => !!c) };
      const name = names.get(id);
      if (name?.ok && name.value) pl.name = name.value;
      else if (name && !name.ok) pl.nameError = name.error;
      this.facts.prefixLists[id] = ok(pl);
    });
  }

  /**
   * Prefix list names by id (`com.amazonaws.<region>.s3` tells the AWS-managed S3 list apart), one filtered call
   * per 200 ids. A failed call is recorded per id (PrefixList.nameError), never fatal: the entries still count.
   */
  private async readPrefixListNames(ids: string[]): Promise<Map<string, Fetched<string | undefined>>> {
    const out = new Map<string, Fetched<string | undefined>>();
    await Promise.all(
      chunks(ids, EC2_FILTER_CHUNK).map(async (batch) => {
        const res = await this.r.pages(
          'ec2:DescribeManagedPrefixLists',
          { Filters: [{ Name: 'prefix-list-id', Values: batch }] },
          (i) => this.c.ec2.send(new this.sdk.ec2.DescribeManagedPrefixListsCommand(i)),
          (o) => ({ items: o.PrefixLists, next: o.NextToken }),
          nextToken,
        );
        for (const id of batch) {
          out.set(id, res.ok ? ok(res.value.find((p) => p.PrefixListId === id)?.PrefixListName) : failed(res.error));
        }
      }),
    );
    return out;
  }

  /** Distinct roles the agents of the targets may use: instance profile roles, and the DHMC role when on. */
  private agentPrincipals(): Map<string, AgentPrincipal> {
    const out = new Map<string, AgentPrincipal>();
    for (const p of Object.values(this.facts.instanceProfiles)) {
      if (p.ok && p.value) for (const role of p.value.roles) if (role.arn) out.set(role.arn, { roleName: role.name, ref: role });
    }
    if (this.dhmcValue) {
      const name = lastSegment(this.dhmcValue);
      const role = this.facts.roles[name];
      const account = this.facts.caller.ok ? this.facts.caller.value.account : undefined;
      const arn = role?.ok
        ? role.value.arn
        : account
          ? `arn:${arnPartition(this.facts.caller.ok ? this.facts.caller.value.arn : undefined)}:iam::${account}:role/${this.dhmcValue}`
          : undefined;
      if (arn && !out.has(arn)) out.set(arn, role?.ok ? { roleName: name, ref: role.value } : { roleName: name });
    }
    return out;
  }

  private async simulateAll(agents: Map<string, AgentPrincipal>): Promise<void> {
    const prefs = this.facts.preferences.ok ? this.facts.preferences.value : null;
    const callerAccount = this.facts.caller.ok ? this.facts.caller.value.account : undefined;
    const questions = new Map<string, Map<string, PermissionQuestion>>();
    const ask = (principal: string, qs: PermissionQuestion[]) => {
      let m = questions.get(principal);
      if (!m) questions.set(principal, (m = new Map()));
      for (const q of qs) m.set(`${q.actions.join(',')}|${q.resource}`, q);
    };
    for (const arn of agents.keys()) {
      const account = arnAccount(arn) ?? callerAccount;
      if (account) ask(arn, agentRoleQuestions(this.region, account, prefs, resolvedTargets(this.facts, this.region, account)));
    }
    if (this.callerPrincipalArn) {
      for (const inst of this.foundInstances()) {
        const account = inst.ownerId ?? callerAccount;
        if (account) ask(this.callerPrincipalArn, clientQuestions(this.region, account, inst.id, prefs, resolvedTargets(this.facts, this.region, account)));
      }
    }
    await Promise.all([...questions].map(([arn, qs]) => this.simulate(arn, [...qs.values()])));
  }

  /**
   * Questions with the same actions are asked together, up to SIMULATE_RESOURCES resources a call: a fleet's
   * `ssm:StartSession` on 200 instance ARNs is a handful of calls, not 200. Per-resource decisions come from
   * ResourceSpecificResults (AWS now returns one EvaluationResult per action), else from the result itself.
   */
  private async simulate(principalArn: string, questions: PermissionQuestion[]): Promise<void> {
    const byActions = new Map<string, { actions: string[]; resources: string[] }>();
    for (const q of questions) {
      const key = q.actions.join(',');
      const g = byActions.get(key) ?? { actions: q.actions, resources: [] };
      if (!g.resources.includes(q.resource)) g.resources.push(q.resource);
      byActions.set(key, g);
    }
    const calls = [...byActions.values()].flatMap((g) =>
      chunks(g.resources, SIMULATE_RESOURCES).map((resources) => ({ actions: g.actions, resources })),
    );
    const results = await Promise.all(
      calls.map(async ({ actions, resources }) => {
        const res = await this.r.pages(
          'iam:SimulatePrincipalPolicy',
          { PolicySourceArn: principalArn, ActionNames: actions, ResourceArns: resources },
          (i) => this.c.iam.send(new this.sdk.iam.SimulatePrincipalPolicyCommand(i)),
          (o) => ({ items: o.EvaluationResults, next: o.IsTruncated ? o.Marker : undefined }),
          nextMarker,
        );
        if (!res.ok) return failed<SimDecision[]>(res.error);
        const decision = (d: string | undefined): SimDecision['decision'] =>
          d === 'allowed' || d === 'explicitDeny' ? d : 'implicitDeny';
        return ok(
          res.value.flatMap((e): SimDecision[] => {
            const action = e.EvalActionName ?? '';
            const specific = e.ResourceSpecificResults ?? [];
            if (specific.length > 0) {
              return specific.map((r) => ({ action, resource: r.EvalResourceName ?? '', decision: decision(r.EvalResourceDecision) }));
            }
            const resource = resources.length === 1 ? resources[0]! : (e.EvalResourceName ?? '*');
            return [{ action, resource, decision: decision(e.EvalDecision) }];
          }),
        );
      }),
    );
    const bad = results.find((r) => !r.ok);
    this.facts.simulations[principalArn] = bad ?? ok(results.flatMap((r) => (r.ok ? r.value : [])));
  }

  // ---------------------------------------------------------------- round 4

  private async readRolePolicies(arn: string, p: AgentPrincipal): Promise<void> {
    const existing = this.facts.roles[p.roleName];
    // Nowhere to keep the documents: the role itself could not be read and the profile gave no reference.
    if (existing && !existing.ok && !p.ref) return;
    const [role, policies] = await Promise.all([
      existing ?? this.readRole(p.roleName),
      this.fetchPolicies(p.roleName),
    ]);
    if (role.ok) this.facts.roles[p.roleName] = ok({ ...role.value, policies });
    else if (p.ref) this.facts.roles[p.roleName] = ok({ ...p.ref, arn: p.ref.arn || arn, policies });
    else this.facts.roles[p.roleName] = role;
  }

  private async fetchPolicies(roleName: string): Promise<Fetched<NamedPolicy[]>> {
    const [attached, inline] = await Promise.all([
      this.r.pages(
        'iam:ListAttachedRolePolicies',
        { RoleName: roleName },
        (i) => this.c.iam.send(new this.sdk.iam.ListAttachedRolePoliciesCommand(i)),
        (o) => ({ items: o.AttachedPolicies, next: o.IsTruncated ? o.Marker : undefined }),
        nextMarker,
      ),
      this.r.pages(
        'iam:ListRolePolicies',
        { RoleName: roleName },
        (i) => this.c.iam.send(new this.sdk.iam.ListRolePoliciesCommand(i)),
        (o) => ({ items: o.PolicyNames, next: o.IsTruncated ? o.Marker : undefined }),
        nextMarker,
      ),
    ]);
    if (!attached.ok) return failed(attached.error);
    if (!inline.ok) return failed(inline.error);

    const decoded = (api: string, name: string, raw: string | undefined): Fetched<NamedPolicy['document']> => {
      try {
        if (!raw) throw new Error('empty document');
        return ok(decodePolicy(raw));
      } catch (err) {
        return failed({ api, code: 'MalformedPolicyDocument', message: `${name}: ${(err as Error).message}`.slice(0, 240), kind: 'other' });
      }
    };

    const managed = attached.value
      .filter((a) => a.PolicyArn)
      .map(async (a): Promise<Fetched<NamedPolicy>> => {
        const policyArn = a.PolicyArn!;
        const pol = await this.r.read('iam:GetPolicy', { PolicyArn: policyArn }, (i) => this.c.iam.send(new this.sdk.iam.GetPolicyCommand(i)));
        if (!pol.ok) return failed(pol.error);
        const versionId = pol.value.Policy?.DefaultVersionId;
        if (!versionId) return failed(notFound('iam:GetPolicy', 'NoDefaultVersion', `${policyArn} has no default version`));
        const ver = await this.r.read('iam:GetPolicyVersion', { PolicyArn: policyArn, VersionId: versionId }, (i) =>
          this.c.iam.send(new this.sdk.iam.GetPolicyVersionCommand(i)),
        );
        if (!ver.ok) return failed(ver.error);
        const doc = decoded('iam:GetPolicyVersion', policyArn, ver.value.PolicyVersion?.Document);
        if (!doc.ok) return failed(doc.error);
        return ok({ name: a.PolicyName ?? lastSegment(policyArn), kind: 'managed', arn: policyArn, document: doc.value });
      });
    const inlines = inline.value.map(async (name): Promise<Fetched<NamedPolicy>> => {
      const r = await this.r.read('iam:GetRolePolicy', { RoleName: roleName, PolicyName: name }, (i) =>
        this.c.iam.send(new this.sdk.iam.GetRolePolicyCommand(i)),
      );
      if (!r.ok) return failed(r.error);
      const doc = decoded('iam:GetRolePolicy', name, r.value.PolicyDocument);
      if (!doc.ok) return failed(doc.error);
      return ok({ name, kind: 'inline', document: doc.value });
    });
    const all = await Promise.all([...managed, ...inlines]);
    const bad = all.find((x) => !x.ok);
    if (bad && !bad.ok) return failed(bad.error);
    return ok(all.flatMap((x) => (x.ok ? [x.value] : [])));
  }
}

let lastStats: CollectStats = { requests: 0, byApi: {} };

/** Request counts of the most recent collect() in this process. */
export function lastCollectStats(): CollectStats {
  return lastStats;
}

/** Collects the facts for the targets. AWS failures are recorded in the facts, never thrown. */
export async function collect(opts: CollectOptions): Promise<Facts> {
  const progress = opts.onProgress ?? (() => {});
  const targets = uniq(opts.targets);
  const services = opts.services ?? new AwsServices(opts, opts.clients);
  const reader = new Reader(createLimiter(opts.concurrency ?? DEFAULT_CONCURRENCY), services);
  const collector = new Collector(services, reader, opts.region, targets, progress, new EvidenceClients(services), opts);
  for (const id of targets) {
    const known = opts.instances?.[id];
    if (known) collector.facts.instances[id] = known;
  }
  // The plugin check (a child process) and the caller's onInFlight wait until round 1's requests are out.
  let localP: Promise<LocalFacts> | undefined;
  let waited = false;
  const inFlight = () => {
    if (waited) return;
    waited = true;
    if (opts.local) localP = collectLocal();
    opts.onInFlight?.();
  };
  try {
    await collector.run(inFlight);
  } finally {
    if (!opts.services) services.destroy();
    lastStats = reader.stats;
  }
  inFlight(); // round 1 ended before its requests were seen leaving (a fast network, or no request at all)
  if (localP) {
    progress('Checking session-manager-plugin');
    collector.facts.local = await localP;
  }
  return collector.facts;
}
