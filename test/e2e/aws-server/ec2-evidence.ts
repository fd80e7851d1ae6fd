// EC2 answers for the evidence of an offline agent (src/collect/evidence.ts), rendered from the facts:
// DescribeInstanceStatus, DescribeImages, GetConsoleOutput, DescribeInstanceConnectEndpoints.
import type { ConsoleEvidence, Image, Instance, InstanceConnectEndpoint, InstanceStatus } from '../../../src/facts/facts.js';
import { STATE_CODES, fail, invalidToken, limit, type Ec2Context } from './ec2.js';
import {
  AwsError,
  hexOf,
  isoOrUndefined,
  items,
  matchesFilters,
  paginate,
  qfilters,
  qlist,
  type XmlNode,
} from './wire.js';
import { poolByVpc, select, type Pool, type World } from './world.js';

type Ctx = Pick<Ec2Context, 'world' | 'p' | 'pageSize' | 'consoleOutput'>;
type Handler = (c: Ctx) => XmlNode;

function instance(w: World, id: string): Instance | undefined {
  const f = w.facts.instances[id];
  if (f?.ok && f.value) return f.value;
  return w.extra.instances.find((i) => i.id === id);
}

// ---------- DescribeInstanceStatus ----------

/** What EC2 says of a running instance the facts hold no status for: both checks pass. */
function defaultStatus(i: Instance): InstanceStatus | null {
  if (i.state !== 'running') return { state: i.state, instanceStatus: 'not-applicable', systemStatus: 'not-applicable', events: [] };
  return { state: 'running', instanceStatus: 'ok', systemStatus: 'ok', events: [] };
}

function summary(status: string, impairedSince: string | undefined): XmlNode {
  return {
    status,
    details: items([{ name: 'reachability', status: status === 'impaired' ? 'failed' : status === 'ok' ? 'passed' : status, impairedSince: isoOrUndefined(impairedSince) }]),
  };
}

const DescribeInstanceStatus: Handler = (c) => {
  const ids = qlist(c.p, 'InstanceId');
  const all = c.p.IncludeAllInstances === 'true';
  const out: XmlNode[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const i = instance(c.world, id);
    const fact = c.world.facts.instanceStatus[id];
    if (fact && !fact.ok) throw fail(fact.error);
    if (!i) {
      missing.push(id);
      continue;
    }
    const s = fact ? fact.value : defaultStatus(i);
    if (!s || (!all && s.state !== 'running')) continue;
    out.push({
      instanceId: id,
      availabilityZone: i.availabilityZone,
      eventsSet: items(
        s.events.map((e) => ({
          instanceEventId: e.id,
          code: e.code,
          description: e.description,
          notBefore: isoOrUndefined(e.notBefore),
          notAfter: isoOrUndefined(e.notAfter),
        })),
      ),
      instanceState: { code: STATE_CODES[s.state] ?? 16, name: s.state },
      instanceStatus: summary(s.instanceStatus, s.instanceImpairedSince),
      systemStatus: summary(s.systemStatus, s.systemImpairedSince),
    });
  }
  if (missing.length) throw new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  const pg = paginate(out, 'DescribeInstanceStatus', limit(c), c.p.NextToken, invalidToken);
  return { instanceStatusSet: items(pg.items), nextToken: pg.next };
};

// ---------- DescribeImages ----------

const DescribeImages: Handler = (c) => {
  const filters = qfilters(c.p);
  const pool: Pool<Image> = { items: [], errors: [] };
  for (const [key, f] of Object.entries(c.world.facts.images)) {
    if (!f.ok) pool.errors.push({ key, error: f.error });
    else if (f.value) pool.items.push(f.value);
  }
  const wanted = filters.find((f) => f.name === 'image-id')?.values;
  const list = select(pool, {
    ids: qlist(c.p, 'ImageId'),
    idOf: (i) => i.id,
    keep: (i) =>
      matchesFilters(
        filters,
        { 'image-id': [i.id], 'owner-id': [i.ownerId], 'owner-alias': [i.ownerAlias], name: [i.name], 'platform-details': [i.platformDetails], architecture: [i.architecture] },
        ['image-id', 'owner-id', 'owner-alias', 'name', 'platform-details', 'architecture'],
        'DescribeImages',
      ),
    notFound: (m) => new AwsError('InvalidAMIID.NotFound', `The image id '[${m.join(', ')}]' does not exist`),
    keyedById: true,
    errorConcerns: wanted ? (key) => wanted.includes(key) : undefined,
    fail,
  });
  const pg = paginate(list, 'DescribeImages', limit(c), c.p.NextToken, invalidToken);
  return {
    imagesSet: items(
      pg.items.map((i) => ({
        imageId: i.id,
        imageLocation: `${i.ownerAlias ?? i.ownerId}/${i.name ?? i.id}`,
        imageState: 'available',
        imageOwnerId: i.ownerId,
        creationDate: i.creationDate,
        isPublic: i.public,
        architecture: i.architecture,
        imageType: 'machine',
        name: i.name,
        description: i.description,
        imageOwnerAlias: i.ownerAlias,
        platformDetails: i.platformDetails,
        rootDeviceType: 'ebs',
        virtualizationType: 'hvm',
      })),
    ),
    nextToken: pg.next,
  };
};

// ---------- GetConsoleOutput ----------

/**
 * A console output that gives back exactly this evidence when reduced (src/collect/console.ts): a kernel banner when a
 * boot was seen, the finding lines and the agent's start lines, in a realistic frame (CRLF, colour escapes, noise).
 */
export function consoleText(ev: ConsoleEvidence): string {
  if (ev.empty) return '';
  const lines = [
    ...(ev.bootSeen
      ? ['[    0.000000] Linux version 6.1.112-124.190.amzn2023.x86_64 (mockbuild@ip-10-0-44-229) (gcc (GCC) 11.4.1) #1 SMP PREEMPT_DYNAMIC', '[    0.000000] Command line: BOOT_IMAGE=(hd0,gpt1)/boot/vmlinuz root=UUID=0a1b console=tty0 console=ttyS0,115200n8']
      : ['[  OK  ] Reached target Network.']),
    '[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mSystem Logging Service\x1b[0m.',
    ...ev.findings.map((f) => f.line),
    ...ev.agentStarts,
    'Amazon Linux 2023.6.20241212',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

const GetConsoleOutput: Handler = (c) => {
  const id = c.p.InstanceId;
  if (!id) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
  const i = instance(c.world, id);
  const fact = c.world.facts.consoleEvidence[id];
  if (fact && !fact.ok) throw fail(fact.error);
  if (!i) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  const ev = fact?.value;
  // An instance type that only keeps the boot-time output refuses Latest, as EC2 does.
  if (ev && !ev.latest && c.p.Latest === 'true') throw new AwsError('UnsupportedOperation', 'The instance type does not support retrieving the latest console output.');
  const text = c.consoleOutput?.[id] ?? (ev ? consoleText(ev) : '');
  return {
    instanceId: id,
    timestamp: isoOrUndefined(ev?.capturedAt),
    output: text ? Buffer.from(text, 'utf8').toString('base64') : undefined,
  };
};

// ---------- DescribeInstanceConnectEndpoints ----------

const DescribeInstanceConnectEndpoints: Handler = (c) => {
  const filters = qfilters(c.p);
  const vpcs = filters.find((f) => f.name === 'vpc-id')?.values;
  const list = select(poolByVpc<InstanceConnectEndpoint>(c.world.facts.instanceConnectEndpoints, vpcs ? (v) => vpcs.includes(v) : null), {
    ids: qlist(c.p, 'InstanceConnectEndpointId'),
    idOf: (x) => x.item.id,
    keep: ({ item: e }) =>
      matchesFilters(
        filters,
        { 'vpc-id': [e.vpcId], 'subnet-id': [e.subnetId], state: [e.state], 'instance-connect-endpoint-id': [e.id] },
        ['vpc-id', 'subnet-id', 'state', 'instance-connect-endpoint-id', 'tag-key', 'tag-value'],
        'DescribeInstanceConnectEndpoints',
      ),
    notFound: (m) => new AwsError('InvalidInstanceConnectEndpointId.NotFound', `The instance connect endpoint ID '${m[0]}' does not exist`),
    fail,
  });
  const pg = paginate(list, 'DescribeInstanceConnectEndpoints', limit(c), c.p.NextToken, invalidToken);
  return {
    instanceConnectEndpointSet: items(
      pg.items.map(({ item: e }) => ({
        ownerId: c.world.account,
        instanceConnectEndpointId: e.id,
        instanceConnectEndpointArn: `arn:aws:ec2:${c.world.region}:${c.world.account}:instance-connect-endpoint/${e.id}`,
        state: e.state,
        dnsName: e.dnsName,
        networkInterfaceIdSet: items([`eni-0${hexOf(e.id, 16)}`]),
        vpcId: e.vpcId,
        subnetId: e.subnetId,
        preserveClientIp: e.preserveClientIp,
        securityGroupIdSet: items(e.securityGroupIds),
        tagSet: items([]),
      })),
    ),
    nextToken: pg.next,
  };
};

export const EC2_EVIDENCE_HANDLERS: Record<string, Handler> = {
  DescribeInstanceStatus,
  DescribeImages,
  GetConsoleOutput,
  DescribeInstanceConnectEndpoints,
};
