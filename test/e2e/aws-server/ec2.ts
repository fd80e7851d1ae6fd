// EC2 (ec2Query protocol) answers rendered from the facts. Element names follow the SDK's own
// deserialisation schema (@aws-sdk/client-ec2 schemas: `ipAddress` for PublicIpAddress, `<default>` for
// NetworkAcl.IsDefault, `securityGroupInfo` for SecurityGroups, `groups` for UserIdGroupPairs...).
import type {
  ApiError,
  EndpointInterface,
  Instance,
  InternetGateway,
  NatGateway,
  NetworkAcl,
  PrefixList,
  Route,
  RouteTable,
  SecurityGroupRule,
  VpcEndpoint,
} from '../../../src/facts/facts.js';
import {
  AwsError,
  errorFromFact,
  globMatch,
  hexOf,
  idOf,
  isoOrUndefined,
  items,
  matchesFilters,
  paginate,
  qfilters,
  qlist,
  tagRecord,
  type Filter,
  type FilterRecord,
  type QueryParams,
  type XmlNode,
} from './wire.js';
import { poolById, poolByVpc, select, type Pool, type World } from './world.js';

export interface Ec2Context {
  world: World;
  p: QueryParams;
  pageSize: number;
  /** Instance ids rebooted so far (RebootInstances is recorded, not simulated). */
  reboots: string[];
  /** Raw console output by instance id (ServerOptions.consoleOutput). */
  consoleOutput?: Record<string, string>;
}

type Handler = (c: Ec2Context) => XmlNode;

export const fail = (e: ApiError): Error => errorFromFact(e, 'ec2');
export const invalidToken = (): AwsError => new AwsError('InvalidParameterValue', 'Invalid value for parameter NextToken');

export function limit(c: Pick<Ec2Context, 'p' | 'pageSize'>): number {
  const asked = Number(c.p.MaxResults);
  return asked > 0 ? Math.min(asked, c.pageSize) : c.pageSize;
}

function page<T>(c: Ec2Context, action: string, all: T[]) {
  return paginate(all, action, limit(c), c.p.NextToken, invalidToken);
}

function notFound(code: string, what: (id: string) => string) {
  return (missing: string[]) => new AwsError(code, missing.map(what).join('; '));
}

export const STATE_CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

function sgName(w: World, id: string): string {
  const f = w.facts.securityGroups[id];
  return f?.ok && f.value.name ? f.value.name : id;
}

function groupItems(w: World, ids: string[]) {
  return items(ids.map((groupId) => ({ groupId, groupName: sgName(w, groupId) })));
}

function tagsOf(i: Instance): Record<string, string> {
  return i.name && !('Name' in i.tags) ? { ...i.tags, Name: i.name } : i.tags;
}

function tagItems(tags: Record<string, string>) {
  return items(Object.entries(tags).map(([key, value]) => ({ key, value })));
}

/** Which VPC-keyed fact collections a request concerns, from its filters (null = all). */
function vpcScope(c: Ec2Context, filters: Filter[], vpcFilters: string[] = ['vpc-id']): ((vpc: string) => boolean) | null {
  const patterns: string[] = [];
  let scoped = false;
  for (const f of filters) {
    if (vpcFilters.includes(f.name)) {
      scoped = true;
      patterns.push(...f.values);
    } else if (f.name === 'subnet-id' || f.name === 'association.subnet-id') {
      scoped = true;
      for (const v of f.values)
        for (const [sid, sf] of Object.entries(c.world.facts.subnets)) if (sf.ok && globMatch(v, sid)) patterns.push(sf.value.vpcId);
    }
  }
  return scoped ? (vpc) => patterns.some((p) => globMatch(p, vpc)) : null;
}

/** For id-keyed pools without explicit ids: a failed read only matters if an id filter could select it. */
function idFilterConcerns(filters: Filter[], name: string): ((key: string) => boolean) | undefined {
  const f = filters.find((x) => x.name === name);
  return f ? (key) => f.values.some((v) => globMatch(v, key)) : undefined;
}

// ---------- Instances ----------

function instancePool(w: World): Pool<Instance> {
  const pool: Pool<Instance> = { items: [], errors: [] };
  for (const [id, f] of Object.entries(w.facts.instances)) {
    if (!f.ok) pool.errors.push({ key: id, error: f.error });
    else if (f.value) pool.items.push(f.value);
  }
  pool.items.push(...w.extra.instances);
  return pool;
}

const INSTANCE_FILTERS = [
  'instance-id',
  'instance-state-name',
  'instance-state-code',
  'vpc-id',
  'subnet-id',
  'availability-zone',
  'private-ip-address',
  'ip-address',
  'platform',
  'iam-instance-profile.arn',
  'instance.group-id',
  'instance.group-name',
  'group-id',
  'group-name',
  'network-interface.network-interface-id',
  'network-interface.subnet-id',
  'network-interface.vpc-id',
  'network-interface.addresses.private-ip-address',
  'owner-id',
  'reservation-id',
  'metadata-options.http-endpoint',
  'metadata-options.http-tokens',
  'tag-key',
  'tag-value',
];

function reservationId(i: Instance): string {
  return `r-0${hexOf(`reservation-${i.id}`, 16)}`;
}

function instanceRecord(w: World, i: Instance): FilterRecord {
  const sgNames = i.securityGroupIds.map((g) => sgName(w, g));
  return {
    'instance-id': [i.id],
    'instance-state-name': [i.state],
    'instance-state-code': [STATE_CODES[i.state]],
    'vpc-id': [i.vpcId],
    'subnet-id': [i.subnetId],
    'availability-zone': [i.availabilityZone],
    'private-ip-address': [i.privateIp],
    'ip-address': [i.publicIp],
    platform: [i.platform === 'windows' ? 'windows' : undefined],
    'iam-instance-profile.arn': [i.instanceProfileArn],
    'instance.group-id': i.securityGroupIds,
    'group-id': i.securityGroupIds,
    'instance.group-name': sgNames,
    'group-name': sgNames,
    'network-interface.network-interface-id': i.networkInterfaces.map((n) => n.id),
    'network-interface.subnet-id': i.networkInterfaces.map((n) => n.subnetId),
    'network-interface.vpc-id': [i.vpcId],
    'network-interface.addresses.private-ip-address': i.networkInterfaces.flatMap((n) => n.privateIps),
    'owner-id': [i.ownerId ?? w.account],
    'reservation-id': [reservationId(i)],
    'metadata-options.http-endpoint': [i.metadataOptions?.httpEndpoint],
    'metadata-options.http-tokens': [i.metadataOptions?.httpTokens],
    ...tagRecord(tagsOf(i)),
  };
}

function instanceXml(w: World, i: Instance): XmlNode {
  const launchTime = isoOrUndefined(i.launchTime) ?? isoOrUndefined(w.facts.collectedAt);
  const md = i.metadataOptions;
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: { code: STATE_CODES[i.state] ?? 16, name: i.state },
    privateDnsName: i.privateIp ? `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal` : '',
    dnsName: '',
    reason: '',
    amiLaunchIndex: 0,
    productCodes: items([]),
    instanceType: i.instanceType,
    keyName: i.keyName,
    launchTime,
    placement: { availabilityZone: i.availabilityZone, groupName: '', tenancy: 'default' },
    platform: i.platform === 'windows' ? 'windows' : undefined,
    monitoring: { state: 'disabled' },
    subnetId: i.subnetId,
    vpcId: i.vpcId,
    privateIpAddress: i.privateIp,
    ipAddress: i.publicIp,
    sourceDestCheck: true,
    groupSet: groupItems(w, i.securityGroupIds),
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: items([]),
    virtualizationType: 'hvm',
    clientToken: '',
    tagSet: tagItems(tagsOf(i)),
    hypervisor: 'xen',
    networkInterfaceSet: items(
      i.networkInterfaces.map((n) => ({
        networkInterfaceId: n.id,
        subnetId: n.subnetId,
        vpcId: i.vpcId,
        description: '',
        ownerId: i.ownerId ?? w.account,
        status: 'in-use',
        macAddress: `02:${hexOf(n.id, 10).replace(/(..)(?!$)/g, '$1:')}`,
        privateIpAddress: n.privateIps[0],
        sourceDestCheck: true,
        groupSet: groupItems(w, n.securityGroupIds),
        attachment: {
          attachmentId: `eni-attach-0${hexOf(`attach-${n.id}`, 16)}`,
          deviceIndex: n.deviceIndex,
          status: 'attached',
          attachTime: launchTime,
          deleteOnTermination: true,
          networkCardIndex: 0,
        },
        association: n.deviceIndex === 0 && i.publicIp ? { publicIp: i.publicIp, publicDnsName: '', ipOwnerId: 'amazon' } : undefined,
        privateIpAddressesSet: items(
          n.privateIps.map((ip, k) => ({
            privateIpAddress: ip,
            primary: k === 0,
            association: k === 0 && n.deviceIndex === 0 && i.publicIp ? { publicIp: i.publicIp, publicDnsName: '', ipOwnerId: 'amazon' } : undefined,
          })),
        ),
        ipv6AddressesSet: items(n.ipv6s.map((a) => ({ ipv6Address: a, isPrimaryIpv6: false }))),
        interfaceType: 'interface',
      })),
    ),
    iamInstanceProfile: i.instanceProfileArn ? { arn: i.instanceProfileArn, id: idOf('AIPA', i.instanceProfileArn) } : undefined,
    ebsOptimized: false,
    enaSupport: true,
    metadataOptions: md
      ? {
          state: md.state ?? 'applied',
          httpTokens: md.httpTokens,
          httpPutResponseHopLimit: md.httpPutResponseHopLimit,
          httpEndpoint: md.httpEndpoint,
          httpProtocolIpv6: 'disabled',
          instanceMetadataTags: 'disabled',
        }
      : undefined,
    platformDetails: i.platformDetails,
    usageOperation: i.usageOperation,
  };
}

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

function checkInstanceIds(ids: string[]): void {
  const bad = ids.find((id) => !INSTANCE_ID.test(id));
  if (bad) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${bad}"`);
}

const instanceNotFound = (missing: string[]) =>
  new AwsError(
    'InvalidInstanceID.NotFound',
    missing.length === 1 ? `The instance ID '${missing[0]}' does not exist` : `The instance IDs '${missing.join(', ')}' do not exist`,
  );

const DescribeInstances: Handler = (c) => {
  const ids = qlist(c.p, 'InstanceId');
  checkInstanceIds(ids);
  const filters = qfilters(c.p);
  const list = select(instancePool(c.world), {
    ids,
    idOf: (i) => i.id,
    keep: (i) => matchesFilters(filters, instanceRecord(c.world, i), INSTANCE_FILTERS, 'DescribeInstances'),
    notFound: instanceNotFound,
    keyedById: true,
    errorConcerns: idFilterConcerns(filters, 'instance-id'),
    fail,
  });
  const pg = page(c, 'DescribeInstances', list);
  return {
    reservationSet: items(
      pg.items.map((i) => ({
        reservationId: reservationId(i),
        ownerId: i.ownerId ?? c.world.account,
        groupSet: items([]),
        instancesSet: items([instanceXml(c.world, i)]),
      })),
    ),
    nextToken: pg.next,
  };
};

const RebootInstances: Handler = (c) => {
  const ids = qlist(c.p, 'InstanceId');
  checkInstanceIds(ids);
  if (!ids.length) throw new AwsError('MissingParameter', "The request must contain the parameter InstanceId");
  select(instancePool(c.world), { ids, idOf: (i) => i.id, keep: () => true, notFound: instanceNotFound, keyedById: true, fail });
  c.reboots.push(...ids);
  return { return: true };
};

// ---------- VPCs, DHCP options, subnets ----------

const DescribeVpcs: Handler = (c) => {
  const filters = qfilters(c.p);
  const list = select(poolById(c.world.facts.vpcs), {
    ids: qlist(c.p, 'VpcId'),
    idOf: (v) => v.id,
    keep: (v) =>
      matchesFilters(
        filters,
        {
          'vpc-id': [v.id],
          'cidr-block-association.cidr-block': v.cidrs,
          cidr: [v.cidrs[0]],
          'ipv6-cidr-block-association.ipv6-cidr-block': v.ipv6Cidrs,
          'dhcp-options-id': [v.dhcpOptionsId],
          'is-default': [v.isDefault],
          'owner-id': [v.ownerId ?? c.world.account],
          state: ['available'],
        },
        ['vpc-id', 'cidr-block-association.cidr-block', 'cidr', 'ipv6-cidr-block-association.ipv6-cidr-block', 'dhcp-options-id', 'is-default', 'owner-id', 'state', 'tag-key', 'tag-value'],
        'DescribeVpcs',
      ),
    notFound: notFound('InvalidVpcID.NotFound', (id) => `The vpc ID '${id}' does not exist`),
    keyedById: true,
    errorConcerns: idFilterConcerns(filters, 'vpc-id'),
    fail,
  });
  const pg = page(c, 'DescribeVpcs', list);
  return {
    vpcSet: items(
      pg.items.map((v) => ({
        vpcId: v.id,
        ownerId: v.ownerId ?? c.world.account,
        state: 'available',
        cidrBlock: v.cidrs[0],
        cidrBlockAssociationSet: items(
          v.cidrs.map((cidr) => ({ cidrBlock: cidr, associationId: `vpc-cidr-assoc-0${hexOf(v.id + cidr, 16)}`, cidrBlockState: { state: 'associated' } })),
        ),
        ipv6CidrBlockAssociationSet: items(
          v.ipv6Cidrs.map((cidr) => ({
            ipv6CidrBlock: cidr,
            associationId: `vpc-cidr-assoc-0${hexOf(v.id + cidr, 16)}`,
            ipv6CidrBlockState: { state: 'associated' },
            networkBorderGroup: c.world.region,
            ipv6Pool: 'Amazon',
          })),
        ),
        dhcpOptionsId: v.dhcpOptionsId,
        tagSet: items([]),
        instanceTenancy: 'default',
        isDefault: v.isDefault,
      })),
    ),
    nextToken: pg.next,
  };
};

const DescribeVpcAttribute: Handler = (c) => {
  const vpcId = c.p.VpcId;
  const attribute = c.p.Attribute;
  if (!vpcId) throw new AwsError('MissingParameter', 'The request must contain the parameter vpcId');
  if (!attribute || !['enableDnsSupport', 'enableDnsHostnames', 'enableNetworkAddressUsageMetrics'].includes(attribute))
    throw new AwsError('InvalidParameterValue', `Value (${attribute ?? ''}) for parameter attribute is invalid. Unknown attribute.`);
  const fact = c.world.facts.vpcDnsAttributes[vpcId];
  let attrs: { enableDnsSupport: boolean; enableDnsHostnames: boolean };
  if (fact) {
    if (!fact.ok) throw fail(fact.error);
    attrs = fact.value;
  } else {
    const vpc = c.world.facts.vpcs[vpcId];
    if (!vpc) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    if (!vpc.ok) throw fail(vpc.error);
    attrs = { enableDnsSupport: true, enableDnsHostnames: vpc.value.isDefault }; // AWS defaults
  }
  const value =
    attribute === 'enableDnsSupport' ? attrs.enableDnsSupport : attribute === 'enableDnsHostnames' ? attrs.enableDnsHostnames : false;
  return { vpcId, [attribute]: { value } };
};

const DescribeDhcpOptions: Handler = (c) => {
  const filters = qfilters(c.p);
  const list = select(poolById(c.world.facts.dhcpOptions), {
    ids: qlist(c.p, 'DhcpOptionsId'),
    idOf: (d) => d.id,
    keep: (d) =>
      matchesFilters(
        filters,
        { 'dhcp-options-id': [d.id], key: d.domainNameServers.length ? ['domain-name-servers'] : [], value: d.domainNameServers, 'owner-id': [c.world.account] },
        ['dhcp-options-id', 'key', 'value', 'owner-id', 'tag-key', 'tag-value'],
        'DescribeDhcpOptions',
      ),
    notFound: notFound('InvalidDhcpOptionID.NotFound', (id) => `The dhcpOption ID '${id}' does not exist`),
    keyedById: true,
    errorConcerns: idFilterConcerns(filters, 'dhcp-options-id'),
    fail,
  });
  const pg = page(c, 'DescribeDhcpOptions', list);
  return {
    dhcpOptionsSet: items(
      pg.items.map((d) => ({
        dhcpOptionsId: d.id,
        ownerId: c.world.account,
        dhcpConfigurationSet: items(
          d.domainNameServers.length ? [{ key: 'domain-name-servers', valueSet: items(d.domainNameServers.map((value) => ({ value }))) }] : [],
        ),
        tagSet: items([]),
      })),
    ),
    nextToken: pg.next,
  };
};

const DescribeSubnets: Handler = (c) => {
  const filters = qfilters(c.p);
  const list = select(poolById(c.world.facts.subnets), {
    ids: qlist(c.p, 'SubnetId'),
    idOf: (s) => s.id,
    keep: (s) =>
      matchesFilters(
        filters,
        {
          'subnet-id': [s.id],
          'vpc-id': [s.vpcId],
          'cidr-block': [s.cidr],
          'availability-zone': [s.availabilityZone],
          'ipv6-cidr-block-association.ipv6-cidr-block': s.ipv6Cidrs,
          'owner-id': [c.world.account],
          state: ['available'],
          'default-for-az': [false],
        },
        ['subnet-id', 'vpc-id', 'cidr-block', 'availability-zone', 'ipv6-cidr-block-association.ipv6-cidr-block', 'owner-id', 'state', 'default-for-az', 'tag-key', 'tag-value'],
        'DescribeSubnets',
      ),
    notFound: notFound('InvalidSubnetID.NotFound', (id) => `The subnet ID '${id}' does not exist`),
    keyedById: true,
    errorConcerns: idFilterConcerns(filters, 'subnet-id'),
    fail,
  });
  const pg = page(c, 'DescribeSubnets', list);
  return {
    subnetSet: items(
      pg.items.map((s) => ({
        subnetId: s.id,
        subnetArn: `arn:aws:ec2:${c.world.region}:${c.world.account}:subnet/${s.id}`,
        state: 'available',
        ownerId: c.world.account,
        vpcId: s.vpcId,
        cidrBlock: s.cidr,
        ipv6CidrBlockAssociationSet: items(
          s.ipv6Cidrs.map((cidr) => ({ ipv6CidrBlock: cidr, associationId: `subnet-cidr-assoc-0${hexOf(s.id + cidr, 16)}`, ipv6CidrBlockState: { state: 'associated' } })),
        ),
        availableIpAddressCount: 250,
        availabilityZone: s.availabilityZone,
        defaultForAz: false,
        mapPublicIpOnLaunch: false,
        assignIpv6AddressOnCreation: false,
        tagSet: items([]),
      })),
    ),
    nextToken: pg.next,
  };
};

// ---------- Route tables, network ACLs ----------

function routeXml(r: Route): XmlNode {
  const t = r.target;
  const node: XmlNode = {
    destinationCidrBlock: r.destinationCidr,
    destinationIpv6CidrBlock: r.destinationIpv6Cidr,
    destinationPrefixListId: r.destinationPrefixListId,
  };
  switch (t.type) {
    case 'local':
    case 'igw':
    case 'vgw':
    case 'vpce':
      node.gatewayId = t.id;
      break;
    case 'nat':
      node.natGatewayId = t.id;
      break;
    case 'tgw':
      node.transitGatewayId = t.id;
      break;
    case 'pcx':
      node.vpcPeeringConnectionId = t.id;
      break;
    case 'eni':
      node.networkInterfaceId = t.id;
      break;
    case 'instance':
      node.instanceId = t.id;
      break;
    case 'egress-only-igw':
      node.egressOnlyInternetGatewayId = t.id;
      break;
    case 'carrier':
      node.carrierGatewayId = t.id;
      break;
    case 'core-network':
      node.coreNetworkArn = t.id;
      break;
    default:
      if (t.id.startsWith('lgw-')) node.localGatewayId = t.id;
      else node.gatewayId = t.id;
  }
  node.state = r.state;
  node.origin = t.type === 'local' ? 'CreateRouteTable' : 'CreateRoute';
  return node;
}

function routeTargets(r: Route): string[] {
  return [r.target.id];
}

const DescribeRouteTables: Handler = (c) => {
  const filters = qfilters(c.p);
  const assoc = (rt: RouteTable, subnet: string | null) => `rtbassoc-0${hexOf(`${rt.id}/${subnet ?? 'main'}`, 16)}`;
  const list = select(poolByVpc(c.world.facts.routeTables, vpcScope(c, filters)), {
    ids: qlist(c.p, 'RouteTableId'),
    idOf: (x) => x.item.id,
    keep: ({ item: rt }) =>
      matchesFilters(
        filters,
        {
          'vpc-id': [rt.vpcId],
          'route-table-id': [rt.id],
          'association.subnet-id': rt.subnetIds,
          'association.main': [rt.main],
          'association.route-table-id': rt.main || rt.subnetIds.length ? [rt.id] : [],
          'association.route-table-association-id': [...(rt.main ? [assoc(rt, null)] : []), ...rt.subnetIds.map((s) => assoc(rt, s))],
          'route.destination-cidr-block': rt.routes.map((r) => r.destinationCidr),
          'route.destination-ipv6-cidr-block': rt.routes.map((r) => r.destinationIpv6Cidr),
          'route.destination-prefix-list-id': rt.routes.map((r) => r.destinationPrefixListId),
          'route.gateway-id': rt.routes.filter((r) => ['local', 'igw', 'vgw', 'vpce'].includes(r.target.type)).flatMap(routeTargets),
          'route.nat-gateway-id': rt.routes.filter((r) => r.target.type === 'nat').flatMap(routeTargets),
          'route.transit-gateway-id': rt.routes.filter((r) => r.target.type === 'tgw').flatMap(routeTargets),
          'route.state': rt.routes.map((r) => r.state),
          'owner-id': [c.world.account],
        },
        [
          'vpc-id',
          'route-table-id',
          'association.subnet-id',
          'association.main',
          'association.route-table-id',
          'association.route-table-association-id',
          'route.destination-cidr-block',
          'route.destination-ipv6-cidr-block',
          'route.destination-prefix-list-id',
          'route.gateway-id',
          'route.nat-gateway-id',
          'route.transit-gateway-id',
          'route.state',
          'owner-id',
          'tag-key',
          'tag-value',
        ],
        'DescribeRouteTables',
      ),
    notFound: notFound('InvalidRouteTableID.NotFound', (id) => `The routeTable ID '${id}' does not exist`),
    fail,
  });
  const pg = page(c, 'DescribeRouteTables', list);
  return {
    routeTableSet: items(
      pg.items.map(({ item: rt }) => ({
        routeTableId: rt.id,
        vpcId: rt.vpcId,
        ownerId: c.world.account,
        routeSet: items(rt.routes.map(routeXml)),
        associationSet: items([
          ...(rt.main ? [{ main: true, routeTableAssociationId: assoc(rt, null), routeTableId: rt.id, associationState: { state: 'associated' } }] : []),
          ...rt.subnetIds.map((subnetId) => ({
            main: false,
            routeTableAssociationId: assoc(rt, subnetId),
            routeTableId: rt.id,
            subnetId,
            associationState: { state: 'associated' },
          })),
        ]),
        propagatingVgwSet: items([]),
        tagSet: items([]),
      })),
    ),
    nextToken: pg.next,
  };
};

const DescribeNetworkAcls: Handler = (c) => {
  const filters = qfilters(c.p);
  const assoc = (acl: NetworkAcl, subnet: string) => `aclassoc-0${hexOf(`${acl.id}/${subnet}`, 16)}`;
  const list = select(poolByVpc(c.world.facts.networkAcls, vpcScope(c, filters)), {
    ids: qlist(c.p, 'NetworkAclId'),
    idOf: (x) => x.item.id,
    keep: ({ item: acl }) =>
      matchesFilters(
        filters,
        {
          'vpc-id': [acl.vpcId],
          'network-acl-id': [acl.id],
          default: [acl.isDefault],
          'association.subnet-id': acl.subnetIds,
          'association.network-acl-id': acl.subnetIds.length ? [acl.id] : [],
          'association.association-id': acl.subnetIds.map((s) => assoc(acl, s)),
          'entry.rule-number': acl.entries.map((e) => e.ruleNumber),
          'entry.egress': acl.entries.map((e) => e.egress),
          'entry.protocol': acl.entries.map((e) => e.protocol),
          'entry.rule-action': acl.entries.map((e) => e.action),
          'entry.cidr': acl.entries.map((e) => e.cidr),
          'entry.ipv6-cidr': acl.entries.map((e) => e.ipv6Cidr),
          'owner-id': [c.world.account],
        },
        [
          'vpc-id',
          'network-acl-id',
          'default',
          'association.subnet-id',
          'association.network-acl-id',
          'association.association-id',
          'entry.rule-number',
          'entry.egress',
          'entry.protocol',
          'entry.rule-action',
          'entry.cidr',
          'entry.ipv6-cidr',
          'owner-id',
          'tag-key',
          'tag-value',
        ],
        'DescribeNetworkAcls',
      ),
    notFound: notFound('InvalidNetworkAclID.NotFound', (id) => `The networkAcl ID '${id}' does not exist`),
    fail,
  });
  const pg = page(c, 'DescribeNetworkAcls', list);
  return {
    networkAclSet: items(
      pg.items.map(({ item: acl }) => ({
        networkAclId: acl.id,
        vpcId: acl.vpcId,
        default: acl.isDefault,
        entrySet: items(
          acl.entries.map((e) => ({
            ruleNumber: e.ruleNumber,
            protocol: e.protocol,
            ruleAction: e.action,
            egress: e.egress,
            cidrBlock: e.cidr,
            ipv6CidrBlock: e.ipv6Cidr,
            portRange: e.portRange ? { from: e.portRange.from, to: e.portRange.to } : undefined,
          })),
        ),
        associationSet: items(acl.subnetIds.map((subnetId) => ({ networkAclAssociationId: assoc(acl, subnetId), networkAclId: acl.id, subnetId }))),
        tagSet: items([]),
        ownerId: c.world.account,
      })),
    ),
    nextToken: pg.next,
  };
};

// ---------- VPC endpoints and network interfaces ----------

const DescribeVpcEndpoints: Handler = (c) => {
  const filters = qfilters(c.p);
  const list = select(poolByVpc(c.world.facts.endpoints, vpcScope(c, filters)), {
    ids: qlist(c.p, 'VpcEndpointId'),
    idOf: (x) => x.item.id,
    keep: ({ item: e }) =>
      matchesFilters(
        filters,
        {
          'vpc-id': [e.vpcId],
          'service-name': [e.serviceName],
          'vpc-endpoint-id': [e.id],
          'vpc-endpoint-type': [e.type],
          'vpc-endpoint-state': [e.state],
          'ip-address-type': ['ipv4'],
        },
        ['vpc-id', 'service-name', 'vpc-endpoint-id', 'vpc-endpoint-type', 'vpc-endpoint-state', 'ip-address-type', 'tag-key', 'tag-value'],
        'DescribeVpcEndpoints',
      ),
    notFound: notFound('InvalidVpcEndpointId.NotFound', (id) => `The Vpc Endpoint Id '${id}' does not exist`),
    fail,
  });
  const pg = page(c, 'DescribeVpcEndpoints', list);
  return { vpcEndpointSet: items(pg.items.map(({ item: e }) => endpointXml(c.world, e))), nextToken: pg.next };
};

function endpointXml(w: World, e: VpcEndpoint): XmlNode {
  const service = e.serviceName.split('.').pop() ?? e.serviceName;
  const isInterface = e.type === 'Interface';
  return {
    vpcEndpointId: e.id,
    vpcEndpointType: e.type,
    vpcId: e.vpcId,
    serviceName: e.serviceName,
    state: e.state,
    policyDocument: e.policyDocument,
    lastError: e.lastError ? { message: e.lastError.message, code: e.lastError.code } : undefined,
    routeTableIdSet: items(e.routeTableIds),
    subnetIdSet: items(e.subnetIds),
    groupSet: items(e.securityGroupIds.map((groupId) => ({ groupId, groupName: sgName(w, groupId) }))),
    ipAddressType: isInterface ? 'ipv4' : undefined,
    dnsOptions: isInterface ? { dnsRecordIpType: 'ipv4' } : undefined,
    privateDnsEnabled: e.privateDnsEnabled,
    requesterManaged: false,
    networkInterfaceIdSet: items(e.networkInterfaceIds),
    dnsEntrySet: items(
      isInterface
        ? [
            { dnsName: `${e.id}-${hexOf(e.id, 8)}.${service}.${w.region}.vpce.amazonaws.com`, hostedZoneId: 'Z7HUB22UULQXV' },
            ...(e.privateDnsEnabled ? [{ dnsName: `${service}.${w.region}.amazonaws.com`, hostedZoneId: `Z${hexOf(`${w.region}/${service}`, 12).toUpperCase()}` }] : []),
          ]
        : [],
    ),
    creationTimestamp: isoOrUndefined(w.facts.collectedAt),
    tagSet: items([]),
    ownerId: w.account,
  };
}

/** A network interface as DescribeNetworkInterfaces shows it: endpoint ENIs from the facts, plus instance ENIs. */
interface EniView {
  id: string;
  vpcId: string;
  subnetId: string;
  availabilityZone?: string;
  privateIps: string[];
  ipv6s: string[];
  securityGroupIds: string[];
  interfaceType: string;
  description: string;
  requesterManaged: boolean;
  attachment?: { instanceId: string; deviceIndex: number };
  publicIp?: string;
  vpcEndpointId?: string;
}

function subnetAz(w: World, subnetId: string): string | undefined {
  const f = w.facts.subnets[subnetId];
  return f?.ok ? f.value.availabilityZone : undefined;
}

function endpointEni(w: World, vpc: string, e: EndpointInterface): EniView {
  return {
    id: e.id,
    vpcId: vpc,
    subnetId: e.subnetId,
    availabilityZone: e.availabilityZone ?? subnetAz(w, e.subnetId),
    privateIps: e.privateIp ? [e.privateIp] : [],
    ipv6s: [],
    securityGroupIds: e.securityGroupIds,
    interfaceType: 'vpc_endpoint',
    description: e.vpcEndpointId ? `VPC Endpoint Interface ${e.vpcEndpointId}` : 'VPC Endpoint Interface',
    requesterManaged: true,
    vpcEndpointId: e.vpcEndpointId,
  };
}

function instanceEnis(i: Instance): EniView[] {
  if (i.state === 'terminated' || !i.vpcId) return [];
  return i.networkInterfaces.map((n) => ({
    id: n.id,
    vpcId: i.vpcId!,
    subnetId: n.subnetId,
    availabilityZone: i.availabilityZone,
    privateIps: n.privateIps,
    ipv6s: n.ipv6s,
    securityGroupIds: n.securityGroupIds,
    interfaceType: 'interface',
    description: '',
    requesterManaged: false,
    attachment: { instanceId: i.id, deviceIndex: n.deviceIndex },
    publicIp: n.deviceIndex === 0 ? i.publicIp : undefined,
  }));
}

const ENI_FILTERS = [
  'vpc-id',
  'subnet-id',
  'network-interface-id',
  'interface-type',
  'group-id',
  'group-name',
  'description',
  'availability-zone',
  'attachment.instance-id',
  'attachment.device-index',
  'private-ip-address',
  'addresses.private-ip-address',
  'requester-managed',
  'status',
  'owner-id',
  'tag-key',
  'tag-value',
];

const DescribeNetworkInterfaces: Handler = (c) => {
  const filters = qfilters(c.p);
  const scope = vpcScope(c, filters);
  const endpointPool = poolByVpc(c.world.facts.endpointInterfaces, scope);
  const pool: Pool<EniView> = { items: endpointPool.items.map(({ vpc, item }) => endpointEni(c.world, vpc, item)), errors: endpointPool.errors };
  const seen = new Set(pool.items.map((e) => e.id));
  for (const i of instancePool(c.world).items)
    for (const eni of instanceEnis(i)) if (!seen.has(eni.id) && (!scope || scope(eni.vpcId))) (seen.add(eni.id), pool.items.push(eni));
  const list = select(pool, {
    ids: qlist(c.p, 'NetworkInterfaceId'),
    idOf: (e) => e.id,
    keep: (e) =>
      matchesFilters(
        filters,
        {
          'vpc-id': [e.vpcId],
          'subnet-id': [e.subnetId],
          'network-interface-id': [e.id],
          'interface-type': [e.interfaceType],
          'group-id': e.securityGroupIds,
          'group-name': e.securityGroupIds.map((g) => sgName(c.world, g)),
          description: [e.description],
          'availability-zone': [e.availabilityZone],
          'attachment.instance-id': [e.attachment?.instanceId],
          'attachment.device-index': [e.attachment?.deviceIndex],
          'private-ip-address': e.privateIps,
          'addresses.private-ip-address': e.privateIps,
          'requester-managed': [e.requesterManaged],
          status: ['in-use'],
          'owner-id': [c.world.account],
        },
        ENI_FILTERS,
        'DescribeNetworkInterfaces',
      ),
    notFound: notFound('InvalidNetworkInterfaceID.NotFound', (id) => `The networkInterface ID '${id}' does not exist`),
    fail,
  });
  const pg = page(c, 'DescribeNetworkInterfaces', list);
  return {
    networkInterfaceSet: items(
      pg.items.map((e) => ({
        networkInterfaceId: e.id,
        subnetId: e.subnetId,
        vpcId: e.vpcId,
        availabilityZone: e.availabilityZone,
        description: e.description,
        ownerId: c.world.account,
        requesterId: e.requesterManaged ? 'amazon-vpce' : undefined,
        requesterManaged: e.requesterManaged,
        status: 'in-use',
        macAddress: `02:${hexOf(e.id, 10).replace(/(..)(?!$)/g, '$1:')}`,
        privateIpAddress: e.privateIps[0],
        privateDnsName: e.privateIps[0] ? `ip-${e.privateIps[0].replace(/\./g, '-')}.ec2.internal` : undefined,
        sourceDestCheck: true,
        groupSet: groupItems(c.world, e.securityGroupIds),
        attachment: e.attachment
          ? {
              attachmentId: `eni-attach-0${hexOf(`attach-${e.id}`, 16)}`,
              instanceId: e.attachment.instanceId,
              instanceOwnerId: c.world.account,
              deviceIndex: e.attachment.deviceIndex,
              status: 'attached',
              deleteOnTermination: true,
              networkCardIndex: 0,
            }
          : undefined,
        association: e.publicIp ? { publicIp: e.publicIp, publicDnsName: '', ipOwnerId: 'amazon' } : undefined,
        tagSet: items([]),
        privateIpAddressesSet: items(e.privateIps.map((ip, k) => ({ privateIpAddress: ip, primary: k === 0 }))),
        ipv6AddressesSet: items(e.ipv6s.map((ipv6Address) => ({ ipv6Address, isPrimaryIpv6: false }))),
        interfaceType: e.interfaceType,
      })),
    ),
    nextToken: pg.next,
  };
};

// ---------- Security groups ----------

function permissionXml(w: World, r: SecurityGroupRule): XmlNode {
  const allPorts = r.protocol === '-1';
  return {
    ipProtocol: r.protocol,
    fromPort: allPorts ? undefined : r.fromPort,
    toPort: allPorts ? undefined : r.toPort,
    groups: items(r.groupIds.map((groupId) => ({ userId: w.account, groupId }))),
    ipRanges: items(r.cidrs.map((cidrIp) => ({ cidrIp }))),
    ipv6Ranges: items(r.ipv6Cidrs.map((cidrIpv6) => ({ cidrIpv6 }))),
    prefixListIds: items(r.prefixListIds.map((prefixListId) => ({ prefixListId }))),
  };
}

const DescribeSecurityGroups: Handler = (c) => {
  const filters = qfilters(c.p);
  const ids = qlist(c.p, 'GroupId');
  const names = qlist(c.p, 'GroupName');
  const pool = poolById(c.world.facts.securityGroups);
  let list = select(pool, {
    ids,
    idOf: (g) => g.id,
    keep: (g) =>
      matchesFilters(
        filters,
        {
          'group-id': [g.id],
          'group-name': [g.name],
          'vpc-id': [g.vpcId],
          'owner-id': [c.world.account],
          description: [g.name],
        },
        ['group-id', 'group-name', 'vpc-id', 'owner-id', 'description', 'tag-key', 'tag-value'],
        'DescribeSecurityGroups',
      ),
    notFound: notFound('InvalidGroup.NotFound', (id) => `The security group '${id}' does not exist`),
    keyedById: true,
    errorConcerns: ids.length ? undefined : idFilterConcerns(filters, 'group-id'),
    fail,
  });
  if (names.length) {
    const missing = names.filter((n) => !list.some((g) => g.name === n));
    if (missing.length) throw new AwsError('InvalidGroup.NotFound', `The security group '${missing[0]}' does not exist in default VPC`);
    list = list.filter((g) => g.name !== undefined && names.includes(g.name));
  }
  const pg = page(c, 'DescribeSecurityGroups', list);
  return {
    securityGroupInfo: items(
      pg.items.map((g) => ({
        ownerId: c.world.account,
        groupId: g.id,
        groupName: g.name ?? g.id,
        groupDescription: g.name ?? '',
        vpcId: g.vpcId,
        securityGroupArn: `arn:aws:ec2:${c.world.region}:${c.world.account}:security-group/${g.id}`,
        ipPermissions: items(g.ingress.map((r) => permissionXml(c.world, r))),
        ipPermissionsEgress: items(g.egress.map((r) => permissionXml(c.world, r))),
        tagSet: items([]),
      })),
    ),
    nextToken: pg.next,
  };
};

// ---------- Gateways, prefix lists ----------

const DescribeNatGateways: Handler = (c) => {
  const filters = qfilters(c.p);
  const list = select(poolByVpc<NatGateway>(c.world.facts.natGateways, vpcScope(c, filters)), {
    ids: qlist(c.p, 'NatGatewayId'),
    idOf: (x) => x.item.id,
    keep: ({ item: n }) =>
      matchesFilters(
        filters,
        { 'nat-gateway-id': [n.id], 'vpc-id': [n.vpcId], 'subnet-id': [n.subnetId], state: [n.state] },
        ['nat-gateway-id', 'vpc-id', 'subnet-id', 'state', 'tag-key', 'tag-value'],
        'DescribeNatGateways',
      ),
    notFound: notFound('NatGatewayNotFound', (id) => `The Nat Gateway ${id} was not found`),
    fail,
  });
  const pg = page(c, 'DescribeNatGateways', list);
  return {
    natGatewaySet: items(
      pg.items.map(({ item: n }) => ({
        natGatewayId: n.id,
        vpcId: n.vpcId,
        subnetId: n.subnetId,
        state: n.state,
        connectivityType: n.connectivityType,
        createTime: isoOrUndefined(c.world.facts.collectedAt),
        natGatewayAddressSet: items([]),
        tagSet: items([]),
      })),
    ),
    nextToken: pg.next,
  };
};

const DescribeInternetGateways: Handler = (c) => {
  const filters = qfilters(c.p);
  const raw = poolByVpc<InternetGateway>(c.world.facts.internetGateways, vpcScope(c, filters, ['attachment.vpc-id']));
  const seen = new Set<string>();
  const pool: Pool<InternetGateway> = { items: [], errors: raw.errors };
  for (const { item } of raw.items) if (!seen.has(item.id)) (seen.add(item.id), pool.items.push(item));
  const list = select(pool, {
    ids: qlist(c.p, 'InternetGatewayId'),
    idOf: (g) => g.id,
    keep: (g) =>
      matchesFilters(
        filters,
        {
          'internet-gateway-id': [g.id],
          'attachment.vpc-id': g.attachments.map((a) => a.vpcId),
          'attachment.state': g.attachments.map((a) => a.state),
          'owner-id': [c.world.account],
        },
        ['internet-gateway-id', 'attachment.vpc-id', 'attachment.state', 'owner-id', 'tag-key', 'tag-value'],
        'DescribeInternetGateways',
      ),
    notFound: notFound('InvalidInternetGatewayID.NotFound', (id) => `The internetGateway ID '${id}' does not exist`),
    fail,
  });
  const pg = page(c, 'DescribeInternetGateways', list);
  return {
    internetGatewaySet: items(
      pg.items.map((g) => ({
        internetGatewayId: g.id,
        ownerId: c.world.account,
        attachmentSet: items(g.attachments.map((a) => ({ vpcId: a.vpcId, state: a.state }))),
        tagSet: items([]),
      })),
    ),
    nextToken: pg.next,
  };
};

const GetManagedPrefixListEntries: Handler = (c) => {
  const id = c.p.PrefixListId;
  if (!id) throw new AwsError('MissingParameter', 'The request must contain the parameter PrefixListId');
  const f = c.world.facts.prefixLists[id];
  if (!f) throw new AwsError('InvalidPrefixListID.NotFound', `The prefix list ID '${id}' does not exist`);
  if (!f.ok) throw fail(f.error);
  const pg = page(c, 'GetManagedPrefixListEntries', f.value.cidrs);
  return { entrySet: items(pg.items.map((cidr) => ({ cidr }))), nextToken: pg.next };
};

const DescribeManagedPrefixLists: Handler = (c) => {
  const filters = qfilters(c.p);
  // A list whose entries could not be read, or whose name read failed (nameError), fails this call too.
  const pool: Pool<PrefixList> = { items: [], errors: [] };
  for (const [key, f] of Object.entries(c.world.facts.prefixLists)) {
    if (!f.ok) pool.errors.push({ key, error: f.error });
    else if (f.value.nameError) pool.errors.push({ key, error: f.value.nameError });
    else pool.items.push(f.value);
  }
  const ownerOf = (p: PrefixList) => (p.name?.startsWith('com.amazonaws.') ? 'AWS' : c.world.account);
  const list = select(pool, {
    ids: qlist(c.p, 'PrefixListId'),
    idOf: (p) => p.id,
    keep: (p) =>
      matchesFilters(
        filters,
        { 'prefix-list-id': [p.id], 'prefix-list-name': p.name ? [p.name] : [], 'owner-id': [ownerOf(p)] },
        ['prefix-list-id', 'prefix-list-name', 'owner-id'],
        'DescribeManagedPrefixLists',
      ),
    notFound: notFound('InvalidPrefixListID.NotFound', (id) => `The prefix list ID '${id}' does not exist`),
    keyedById: true,
    errorConcerns: idFilterConcerns(filters, 'prefix-list-id'),
    fail,
  });
  const pg = page(c, 'DescribeManagedPrefixLists', list);
  return {
    prefixListSet: items(
      pg.items.map((p) => ({
        prefixListId: p.id,
        addressFamily: p.cidrs.some((x) => x.includes(':')) ? 'IPv6' : 'IPv4',
        state: 'create-complete',
        prefixListArn: `arn:aws:ec2:${c.world.region}:${ownerOf(p) === 'AWS' ? 'aws' : c.world.account}:prefix-list/${p.id}`,
        prefixListName: p.name,
        maxEntries: Math.max(p.cidrs.length, 1),
        version: 1,
        tagSet: items([]),
        ownerId: ownerOf(p),
      })),
    ),
    nextToken: pg.next,
  };
};

export const EC2_HANDLERS: Record<string, Handler> = {
  DescribeInstances,
  RebootInstances,
  DescribeVpcs,
  DescribeVpcAttribute,
  DescribeDhcpOptions,
  DescribeSubnets,
  DescribeRouteTables,
  DescribeNetworkAcls,
  DescribeVpcEndpoints,
  DescribeNetworkInterfaces,
  DescribeSecurityGroups,
  DescribeNatGateways,
  DescribeInternetGateways,
  GetManagedPrefixListEntries,
  DescribeManagedPrefixLists,
};
