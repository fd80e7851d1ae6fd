// Evidence for an offline agent: reads that only matter when a target's agent is known not to be Online
// (src/facts/evidence.ts says for whom), so a healthy instance costs no request here. Every read is optional:
// a failure is recorded in the facts and only the check that needs it turns to error or skip.
//
// Round 1 (with the instances):  ssm:GetServiceSetting activation-tier   1, only when a target is a hybrid node
// Round 2 (after the instances and registrations), for offline targets only:
//   ec2:DescribeInstanceStatus            one per 100 running EC2 targets
//   ec2:DescribeImages                    one per 200 distinct AMIs of EC2 targets that never registered
//   ec2:GetConsoleOutput                  one per target, at most CONSOLE_MAX_TARGETS (+1 without Latest on
//                                         instance types that cannot give the latest output)
//   ec2:DescribeInstanceConnectEndpoints  one per 50 VPCs
//   ssm:DescribeInstanceInformation       hybrid registrations (ResourceType=ManagedInstance), at most
//                                         MANAGED_NODE_SCAN_PAGES pages of 50, once per run
//   ssm:DescribeActivations               one per 50 activations of offline hybrid nodes
//   iam:GetRole                           the service role of each offline hybrid node (shared memo)
//   ec2:DescribeSecurityGroups           the groups of those endpoints, right after them
// All of round 2's evidence runs alongside the collector's rounds 2 and 3, so it never delays them.
import type { Filter } from '@aws-sdk/client-ec2';
import { isManagedNode } from '../cli/args.js';
import {
  failed,
  ok,
  type Facts,
  type Fetched,
  type Instance,
  type ManagedNodeScan,
  type Role,
} from '../facts/facts.js';
import {
  ACTIVATION_TIER_SETTING_ID,
  consoleTargets,
  INSTANCE_STATUS_CHUNK,
  MANAGED_NODE_SCAN_PAGES,
  offlineEc2Targets,
  twinMatch,
} from '../facts/evidence.js';
import { agentKnownOffline } from '../facts/lookup.js';
import { extractConsoleEvidence } from './console.js';
import { chunks, nextToken, type AwsClients, type Reader, type Sdk } from './index.js';
import { iso, lastSegment, mapAgent } from './map.js';
import { mapActivation, mapImage, mapInstanceConnectEndpoint, mapInstanceStatus } from './map-evidence.js';

const IMAGE_CHUNK = 200;
const VPC_CHUNK = 50;
const ACTIVATION_CHUNK = 50;

/** Error codes of GetConsoleOutput with Latest=true on instance types that only keep the boot-time buffer. */
const LATEST_UNSUPPORTED = /^(?:UnsupportedOperation|InvalidParameter(?:Combination|Value)?)$/;

export interface EvidenceDeps {
  sdk: Sdk;
  clients: Pick<AwsClients, 'ec2' | 'ssm'>;
  reader: Reader;
  facts: Facts;
  /** The collector's memoized iam:GetRole into facts.roles. */
  readRole(name: string): Promise<Fetched<Role>>;
  /** The collector's security group read into facts.securityGroups (ids already read are skipped). */
  readSecurityGroups(ids: string[]): Promise<void>;
}

/** ec2:DescribeInstanceStatus (IncludeAllInstances) of these instances into facts.instanceStatus. */
export async function readInstanceStatus(d: Omit<EvidenceDeps, 'readRole' | 'readSecurityGroups'>, ids: string[]): Promise<void> {
  const { ec2 } = d.clients;
  await Promise.all(
    chunks(ids, INSTANCE_STATUS_CHUNK).map(async (batch) => {
      // InstanceIds, not a filter (DescribeInstanceStatus has no instance-id filter); MaxResults cannot go with it.
      const res = await d.reader.pages(
        'ec2:DescribeInstanceStatus',
        { InstanceIds: batch, IncludeAllInstances: true },
        (i) => ec2.send(new d.sdk.ec2.DescribeInstanceStatusCommand(i)),
        (o) => ({ items: o.InstanceStatuses, next: o.NextToken }),
        nextToken,
      );
      for (const id of batch) {
        const s = res.ok ? res.value.find((x) => x.InstanceId === id) : undefined;
        d.facts.instanceStatus[id] = res.ok ? ok(s ? mapInstanceStatus(s) : null) : failed(res.error);
      }
    }),
  );
}

export class EvidenceCollector {
  constructor(private readonly d: EvidenceDeps) {}

  private get facts(): Facts {
    return this.d.facts;
  }

  /** Round 1: the hybrid-node tier, when a target is a hybrid node (a requirement even when it is Online). */
  async round1(): Promise<void> {
    if (!this.facts.targets.some(isManagedNode)) return;
    const r = await this.d.reader.read('ssm:GetServiceSetting', { SettingId: ACTIVATION_TIER_SETTING_ID }, (i) =>
      this.d.clients.ssm.send(new this.d.sdk.ssm.GetServiceSettingCommand(i)),
    );
    if (r.ok) this.facts.activationTier = ok(r.value.ServiceSetting?.SettingValue || 'standard');
    // Never changed in this account and region: the default, standard.
    else this.facts.activationTier = r.error.code === 'ServiceSettingNotFound' ? ok('standard') : failed(r.error);
  }

  /** Round 2: everything that needs the instances and registrations, for offline targets only. */
  async round2(): Promise<void> {
    const offline = offlineEc2Targets(this.facts);
    const neverRegistered = offline.filter((i) => {
      const a = this.facts.agents[i.id];
      return a?.ok && a.value === null;
    });
    await Promise.all([
      readInstanceStatus(this.d, offline.map((i) => i.id)),
      this.readImages([...new Set(neverRegistered.map((i) => i.imageId).filter((x): x is string => !!x))]),
      ...consoleTargets(this.facts).map((i) => this.readConsole(i.id)),
      this.readInstanceConnectEndpoints([...new Set(offline.map((i) => i.vpcId).filter((x): x is string => !!x))]),
      offline.length ? this.scanManagedNodes(offline) : undefined,
      this.readHybridNodes(),
    ]);
  }

  private async readImages(ids: string[]): Promise<void> {
    const { ec2 } = this.d.clients;
    await Promise.all(
      chunks(ids, IMAGE_CHUNK).map(async (batch) => {
        // The image-id filter, not ImageIds: a deregistered AMI is then missing from the answer, not an error.
        const res = await this.d.reader.pages(
          'ec2:DescribeImages',
          { Filters: [{ Name: 'image-id', Values: batch }] as Filter[], IncludeDeprecated: true, IncludeDisabled: true },
          (i) => ec2.send(new this.d.sdk.ec2.DescribeImagesCommand(i)),
          (o) => ({ items: o.Images, next: o.NextToken }),
          nextToken,
        );
        for (const id of batch) {
          const img = res.ok ? res.value.find((x) => x.ImageId === id) : undefined;
          this.facts.images[id] = res.ok ? ok(img ? mapImage(img) : null) : failed(res.error);
        }
      }),
    );
  }

  /** The console output, reduced to its evidence at once (the rest of the output is not kept anywhere). */
  private async readConsole(id: string): Promise<void> {
    const { ec2 } = this.d.clients;
    const read = (input: { InstanceId: string; Latest?: boolean }) =>
      this.d.reader.read('ec2:GetConsoleOutput', input, (i) => ec2.send(new this.d.sdk.ec2.GetConsoleOutputCommand(i)));
    let latest = true;
    let r = await read({ InstanceId: id, Latest: true });
    if (!r.ok && LATEST_UNSUPPORTED.test(r.error.code)) {
      latest = false;
      r = await read({ InstanceId: id });
    }
    this.facts.consoleEvidence[id] = r.ok
      ? ok(extractConsoleEvidence({ output: r.value.Output, latest, capturedAt: iso(r.value.Timestamp) }))
      : failed(r.error);
  }

  private async readInstanceConnectEndpoints(vpcIds: string[]): Promise<void> {
    const { ec2 } = this.d.clients;
    await Promise.all(
      chunks(vpcIds, VPC_CHUNK).map(async (batch) => {
        const res = await this.d.reader.pages(
          'ec2:DescribeInstanceConnectEndpoints',
          { Filters: [{ Name: 'vpc-id', Values: batch }] as Filter[] },
          (i) => ec2.send(new this.d.sdk.ec2.DescribeInstanceConnectEndpointsCommand(i)),
          (o) => ({ items: o.InstanceConnectEndpoints, next: o.NextToken }),
          nextToken,
        );
        for (const vpc of batch) {
          this.facts.instanceConnectEndpoints[vpc] = res.ok
            ? ok(res.value.filter((e) => e.VpcId === vpc).map(mapInstanceConnectEndpoint))
            : failed(res.error);
        }
      }),
    );
    // Their security groups, to tell whether SSH/RDP through them is allowed.
    await this.d.readSecurityGroups([...new Set(instanceConnectEndpointGroupIds(this.facts))]);
  }

  /**
   * Hybrid registrations that look like one of the offline EC2 instances: a bounded listing (MANAGED_NODE_SCAN_PAGES
   * pages of 50) shared by every target; only the registrations that match one are kept.
   */
  private async scanManagedNodes(offline: Instance[]): Promise<void> {
    const { ssm } = this.d.clients;
    const base = { Filters: [{ Key: 'ResourceType', Values: ['ManagedInstance'] }], MaxResults: 50 };
    const scan: ManagedNodeScan = { matches: [], scanned: 0, complete: false };
    let token: string | undefined;
    for (let page = 0; page < MANAGED_NODE_SCAN_PAGES; page++) {
      const r = await this.d.reader.read('ssm:DescribeInstanceInformation', token ? { ...base, NextToken: token } : base, (i) =>
        ssm.send(new this.d.sdk.ssm.DescribeInstanceInformationCommand(i)),
      );
      if (!r.ok) {
        this.facts.managedNodeScan = failed(r.error);
        return;
      }
      for (const row of r.value.InstanceInformationList ?? []) {
        scan.scanned++;
        const node = mapAgent(row);
        if (offline.some((i) => twinMatch(i, node))) scan.matches.push(node);
      }
      const next = r.value.NextToken;
      if (!next || next === token) {
        scan.complete = true;
        break;
      }
      token = next;
    }
    this.facts.managedNodeScan = ok(scan);
  }

  /** Offline hybrid nodes: their activations and the service role their agent uses. */
  private async readHybridNodes(): Promise<void> {
    const nodes = this.facts.targets
      .filter((id) => isManagedNode(id) && agentKnownOffline(this.facts, id))
      .map((id) => this.facts.agents[id])
      .flatMap((a) => (a?.ok && a.value ? [a.value] : []));
    const activationIds = [...new Set(nodes.map((n) => n.activationId).filter((x): x is string => !!x))];
    const roles = [...new Set(nodes.map((n) => n.iamRole).filter((x): x is string => !!x).map(lastSegment))];
    await Promise.all([this.readActivations(activationIds), ...roles.map((name) => this.d.readRole(name))]);
  }

  private async readActivations(ids: string[]): Promise<void> {
    const { ssm } = this.d.clients;
    await Promise.all(
      chunks(ids, ACTIVATION_CHUNK).map(async (batch) => {
        const res = await this.d.reader.pages(
          'ssm:DescribeActivations',
          { Filters: [{ FilterKey: 'ActivationIds' as const, FilterValues: batch }] },
          (i) => ssm.send(new this.d.sdk.ssm.DescribeActivationsCommand(i)),
          (o) => ({ items: o.ActivationList, next: o.NextToken }),
          nextToken,
        );
        for (const id of batch) {
          const a = res.ok ? res.value.find((x) => x.ActivationId === id) : undefined;
          this.facts.activations[id] = res.ok ? ok(a ? mapActivation(a) : null) : failed(res.error);
        }
      }),
    );
  }
}

/** Security groups of the EC2 Instance Connect Endpoints read so far. */
function instanceConnectEndpointGroupIds(facts: Facts): string[] {
  return Object.values(facts.instanceConnectEndpoints).flatMap((f) => (f.ok ? f.value.flatMap((e) => e.securityGroupIds) : []));
}
