// Edits that turn the healthy world of test/fixtures/world.ts into odd but real ones (IPv6, prefix lists,
// hundreds of rules, several ENIs, instance states, Windows, multi-AZ endpoints) and garbage ones (unknown
// shapes). Each is `(f: Facts) => void`, so they compose: `world(f => { ODD.ipv6(f); ODD.windows(f); })`.
import { failed, ok, type Facts, type NetworkAclEntry, type RouteTargetType, type SecurityGroupRule } from '../../src/facts/facts.js';
import { EP_SUBNET, IID, REGION, SG_EC2, SG_VPCE, SUBNET, VPC, denied, publicSubnet, val } from '../fixtures/world.js';
import { sgRule } from '../eval/net-fixtures.js';

export type Edit = (f: Facts) => void;

export const V6_VPC = '2600:1f18:abcd:ef00::/56';
export const V6_SUBNET = '2600:1f18:abcd:ef01::/64';
export const V6_EP_SUBNET = '2600:1f18:abcd:ef02::/64';
export const V6_INSTANCE = '2600:1f18:abcd:ef01::10';
export const PL_VPC = 'pl-0aaaa1111bbbb2222';
export const PL_S3 = 'pl-63a5400a';

/** A security-group rule: TCP 443 and no peer unless given. */
export const rule = sgRule;

export const sg = (f: Facts, id: string) => val(f.securityGroups[id]);
export const inst = (f: Facts) => val(f.instances[IID])!;
export const acls = (f: Facts) => val(f.networkAcls[VPC]);

/** No interface endpoints; 0.0.0.0/0 of the main table to a public NAT gateway in subnet-0pub. */
export const natPath: Edit = (f) => {
  f.endpoints[VPC] = ok([]);
  f.endpointInterfaces[VPC] = ok([]);
  val(f.routeTables[VPC])[0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' }, state: 'active' });
  f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state: 'available', connectivityType: 'public' }]);
  f.subnets['subnet-0pub'] = ok({ id: 'subnet-0pub', vpcId: VPC, cidr: '10.0.0.0/24', ipv6Cidrs: [], availabilityZone: 'us-east-1a' });
  publicSubnet()(f);
  sg(f, SG_EC2).egress = [rule({ cidrs: ['0.0.0.0/0'] })];
};

/** A dual-stack VPC: IPv6 CIDRs on the VPC and subnets, an IPv6 address on the instance. */
export const ipv6DualStack: Edit = (f) => {
  f.vpcs[VPC] = ok({ ...val(f.vpcs[VPC]), ipv6Cidrs: [V6_VPC] });
  f.subnets[SUBNET] = ok({ ...val(f.subnets[SUBNET]), ipv6Cidrs: [V6_SUBNET] });
  f.subnets[EP_SUBNET] = ok({ ...val(f.subnets[EP_SUBNET]), ipv6Cidrs: [V6_EP_SUBNET] });
  inst(f).networkInterfaces[0]!.ipv6s = [V6_INSTANCE];
  val(f.routeTables[VPC])[0]!.routes.push({ destinationIpv6Cidr: V6_VPC, target: { type: 'local', id: 'local' }, state: 'active' });
  val(f.routeTables[VPC])[0]!.routes.push({ destinationIpv6Cidr: '::/0', target: { type: 'egress-only-igw', id: 'eigw-0abc' }, state: 'active' });
};

/** Security groups whose HTTPS rules name only IPv6 ranges (the agent reaches the endpoints over IPv4). */
export const ipv6OnlySgRules: Edit = (f) => {
  sg(f, SG_EC2).egress = [rule({ ipv6Cidrs: ['::/0'] })];
  sg(f, SG_VPCE).ingress = [rule({ ipv6Cidrs: [V6_VPC] })];
  sg(f, SG_VPCE).egress = [rule({ protocol: '-1', fromPort: undefined, toPort: undefined, ipv6Cidrs: ['::/0'] })];
};

/** Network ACLs with IPv6 entries only (plus the IPv4 `*` deny AWS always has). */
export const ipv6OnlyNacl: Edit = (f) => {
  acls(f)[0]!.entries = [
    { ruleNumber: 101, egress: false, protocol: '-1', action: 'allow', ipv6Cidr: '::/0' },
    { ruleNumber: 101, egress: true, protocol: '-1', action: 'allow', ipv6Cidr: '::/0' },
    { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
    { ruleNumber: 32767, egress: true, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
    { ruleNumber: 32768, egress: false, protocol: '-1', action: 'deny', ipv6Cidr: '::/0' },
    { ruleNumber: 32768, egress: true, protocol: '-1', action: 'deny', ipv6Cidr: '::/0' },
  ];
};

/** IPv6 entries next to the IPv4 ones (what a dual-stack default ACL looks like). */
export const ipv6NaclAlongside: Edit = (f) => {
  acls(f)[0]!.entries.push(
    { ruleNumber: 101, egress: false, protocol: '-1', action: 'allow', ipv6Cidr: '::/0' },
    { ruleNumber: 101, egress: true, protocol: '-1', action: 'allow', ipv6Cidr: '::/0' },
    { ruleNumber: 32768, egress: false, protocol: '-1', action: 'deny', ipv6Cidr: '::/0' },
    { ruleNumber: 32768, egress: true, protocol: '-1', action: 'deny', ipv6Cidr: '::/0' },
  );
};

/** An IPv6-only subnet and instance: no private IPv4 address at all. */
export const ipv6OnlyInstance: Edit = (f) => {
  ipv6DualStack(f);
  const i = inst(f);
  delete i.privateIp;
  i.networkInterfaces[0]!.privateIps = [];
  f.subnets[SUBNET] = ok({ id: SUBNET, vpcId: VPC, ipv6Cidrs: [V6_SUBNET], availabilityZone: 'us-east-1a' });
};

/** The endpoint SG admits the VPC through a customer-managed prefix list that resolves. */
export const prefixListResolved: Edit = (f) => {
  sg(f, SG_VPCE).ingress = [rule({ prefixListIds: [PL_VPC] })];
  f.prefixLists[PL_VPC] = ok({ id: PL_VPC, name: 'corp-vpcs', cidrs: ['10.0.0.0/16', '192.168.0.0/16'] });
};

/** Same, but ec2:GetManagedPrefixListEntries was denied. */
export const prefixListDenied: Edit = (f) => {
  prefixListResolved(f);
  f.prefixLists[PL_VPC] = failed(denied('ec2:GetManagedPrefixListEntries'));
};

/** Same, but the prefix list was never collected. */
export const prefixListMissing: Edit = (f) => {
  prefixListResolved(f);
  delete f.prefixLists[PL_VPC];
};

/** The instance SG allows HTTPS out only to a prefix list (egress), on the NAT path. */
export const prefixListEgressDenied: Edit = (f) => {
  natPath(f);
  sg(f, SG_EC2).egress = [rule({ prefixListIds: [PL_S3] })];
  f.prefixLists[PL_S3] = failed(denied('ec2:GetManagedPrefixListEntries'));
};

/** An S3 gateway endpoint route to the AWS-managed S3 prefix list (named, as DescribeManagedPrefixLists tells). */
export const s3PrefixListRoute: Edit = (f) => {
  val(f.routeTables[VPC])[0]!.routes.push({ destinationPrefixListId: PL_S3, target: { type: 'vpce', id: 'vpce-0s3gateway0000' }, state: 'active' });
  f.prefixLists[PL_S3] = ok({ id: PL_S3, name: `com.amazonaws.${REGION}.s3`, cidrs: ['52.216.0.0/15', '3.5.0.0/19'] });
};

/** Hundreds of non-matching rules before the one that matters, in every rule list and ACL. */
export function manyRules(n: number): Edit {
  return (f) => {
    const noise = (k: number): SecurityGroupRule =>
      k % 4 === 0
        ? rule({ fromPort: 8000 + k, toPort: 8000 + k, cidrs: [`172.${16 + (k % 16)}.${k % 256}.0/24`] })
        : k % 4 === 1
          ? rule({ protocol: 'udp', fromPort: 443, toPort: 443, cidrs: ['0.0.0.0/0'] })
          : k % 4 === 2
            ? rule({ cidrs: [`198.51.100.${k % 256}/32`], ipv6Cidrs: [`2001:db8:${k.toString(16)}::/48`] })
            : rule({ protocol: 'icmp', fromPort: 8, toPort: -1, cidrs: ['10.0.0.0/8'] });
    const noiseList = Array.from({ length: n }, (_, k) => noise(k));
    sg(f, SG_EC2).egress = [...noiseList, ...sg(f, SG_EC2).egress];
    sg(f, SG_VPCE).ingress = [...noiseList, ...sg(f, SG_VPCE).ingress];
    const entries: NetworkAclEntry[] = [];
    for (let k = 0; k < n; k++) {
      const egress = k % 2 === 0;
      entries.push({
        ruleNumber: 1 + k,
        egress,
        protocol: k % 3 === 0 ? '17' : '6',
        action: k % 5 === 0 ? 'allow' : 'deny',
        cidr: `203.0.${k % 256}.${(k * 7) % 256}/32`,
        portRange: { from: 1000 + k * 100, to: 1000 + k * 100 + 50 },
      });
    }
    acls(f)[0]!.entries = [...entries, ...acls(f)[0]!.entries.map((e) => ({ ...e, ruleNumber: e.ruleNumber === 100 ? n + 100 : e.ruleNumber }))];
  };
}

/** A second network interface in another subnet, with its own security group. */
export const secondEni: Edit = (f) => {
  const i = inst(f);
  i.networkInterfaces.push({ id: 'eni-0second0000000001', deviceIndex: 1, subnetId: 'subnet-0ddd5555eeee66667', privateIps: ['10.0.3.10', '10.0.3.11'], ipv6s: [], securityGroupIds: ['sg-0second00000000001', SG_EC2] });
  i.securityGroupIds = [SG_EC2, 'sg-0second00000000001'];
  f.subnets['subnet-0ddd5555eeee66667'] = ok({ id: 'subnet-0ddd5555eeee66667', vpcId: VPC, cidr: '10.0.3.0/24', ipv6Cidrs: [], availabilityZone: 'us-east-1a' });
  f.securityGroups['sg-0second00000000001'] = ok({ id: 'sg-0second00000000001', name: 'second', vpcId: VPC, ingress: [], egress: [] });
};

/** Listed before the primary one, as DescribeInstances may do; the primary ENI's SG is not the first. */
export const secondEniFirst: Edit = (f) => {
  secondEni(f);
  inst(f).networkInterfaces.reverse();
};

export function state(s: string): Edit {
  return (f) => {
    inst(f).state = s;
    if (s === 'terminated') {
      const i = inst(f);
      delete i.vpcId;
      delete i.subnetId;
      delete i.privateIp;
      i.networkInterfaces = [];
      i.securityGroupIds = [];
      delete i.instanceProfileArn;
      f.agents[IID] = ok(null);
      f.connections[IID] = ok('notconnected');
    }
    if (s === 'stopped' || s === 'stopping' || s === 'shutting-down') {
      const a = val(f.agents[IID]);
      if (a) a.pingStatus = 'ConnectionLost';
      f.connections[IID] = ok('notconnected');
    }
  };
}

export const windows: Edit = (f) => {
  inst(f).platform = 'windows';
  const a = val(f.agents[IID]);
  if (a) Object.assign(a, { platformType: 'Windows', platformName: 'Microsoft Windows Server 2022 Datacenter' });
};

/** Three endpoints over three subnets in three AZs; each subnet its own ACL. */
export const multiAzEndpoints: Edit = (f) => {
  const subnets = [EP_SUBNET, 'subnet-0eee7777ffff88889', 'subnet-0fff9999aaaa0000b'];
  const azs = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
  subnets.forEach((id, k) => (f.subnets[id] = ok({ id, vpcId: VPC, cidr: `10.0.${2 + k * 10}.0/24`, ipv6Cidrs: [], availabilityZone: azs[k] })));
  const eps = val(f.endpoints[VPC]);
  const enis = [];
  for (const [n, e] of eps.entries()) {
    e.subnetIds = [...subnets];
    e.networkInterfaceIds = subnets.map((_, k) => `eni-0ep${n}az${k}00000000000`);
    for (const [k, s] of subnets.entries()) {
      enis.push({ id: e.networkInterfaceIds[k]!, subnetId: s, privateIp: `10.0.${2 + k * 10}.${14 + n}`, availabilityZone: azs[k], securityGroupIds: [SG_VPCE], vpcEndpointId: e.id });
    }
  }
  f.endpointInterfaces[VPC] = ok(enis);
  const open = (egress: boolean): NetworkAclEntry => ({ ruleNumber: 100, egress, protocol: '-1', action: 'allow', cidr: '0.0.0.0/0' });
  const star = (egress: boolean): NetworkAclEntry => ({ ruleNumber: 32767, egress, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' });
  acls(f)[0]!.subnetIds = [SUBNET, EP_SUBNET];
  acls(f).push({ id: 'acl-0azb', vpcId: VPC, isDefault: false, subnetIds: [subnets[1]!], entries: [open(false), open(true), star(false), star(true)] });
  acls(f).push({
    id: 'acl-0azc',
    vpcId: VPC,
    isDefault: false,
    subnetIds: [subnets[2]!],
    // Blocks the replies: only 443 inbound, nothing outbound but the `*` deny.
    entries: [{ ruleNumber: 100, egress: false, protocol: '6', action: 'allow', cidr: '10.0.0.0/16', portRange: { from: 443, to: 443 } }, star(false), star(true)],
  });
};

// ---------------------------------------------------------------------------------------------- garbage

export function routeTarget(type: string): Edit {
  return (f) => {
    f.endpoints[VPC] = ok([]);
    val(f.routeTables[VPC])[0]!.routes.push({ destinationCidr: '0.0.0.0/0', target: { type: type as RouteTargetType, id: `${type}-0abc` }, state: 'active' });
  };
}

export function naclProtocol(protocol: string): Edit {
  return (f) => {
    acls(f)[0]!.entries.unshift(
      { ruleNumber: 10, egress: true, protocol, action: 'deny', cidr: '0.0.0.0/0', portRange: { from: 443, to: 443 } },
      { ruleNumber: 10, egress: false, protocol, action: 'deny', cidr: '0.0.0.0/0' },
    );
  };
}

export function sgProtocol(protocol: string, fromPort?: number, toPort?: number): Edit {
  return (f) => {
    const r = rule({ protocol, fromPort, toPort, cidrs: ['10.0.0.0/16'] });
    sg(f, SG_EC2).egress = [r];
    sg(f, SG_VPCE).ingress = [r];
  };
}

/** The ssm endpoint's policy document, raw. */
export function endpointPolicy(doc: unknown): Edit {
  return (f) => {
    val(f.endpoints[VPC])[0]!.policyDocument = typeof doc === 'string' ? doc : JSON.stringify(doc);
  };
}

/** The role's trust policy, raw (may be garbage). */
export function trustPolicy(doc: unknown): Edit {
  return (f) => {
    const p = val(f.instanceProfiles[Object.keys(f.instanceProfiles)[0]!])!;
    (p.roles[0] as { trustPolicy?: unknown }).trustPolicy = doc;
  };
}

/** The agent role cannot be simulated: its policy documents (raw, may be garbage) are evaluated locally. */
export function rolePolicies(...docs: unknown[]): Edit {
  return (f) => {
    const p = val(f.instanceProfiles[Object.keys(f.instanceProfiles)[0]!])!;
    const role = p.roles[0]!;
    f.simulations[role.arn] = failed(denied('iam:SimulatePrincipalPolicy', 'AccessDenied'));
    f.roles[role.name] = ok({
      name: role.name,
      arn: role.arn,
      policies: ok(docs.map((d, k) => ({ name: `p${k}`, kind: 'inline' as const, document: d as never }))),
    });
  };
}

/** Optional fields removed everywhere they may be missing. */
export const noOptionalFields: Edit = (f) => {
  for (const x of Object.values(f.instances)) {
    if (!x.ok || !x.value) continue;
    const i = x.value;
    for (const k of ['name', 'ownerId', 'availabilityZone', 'launchTime', 'publicIp', 'metadataOptions'] as const) delete i[k];
  }
  for (const x of Object.values(f.agents)) {
    if (!x.ok || !x.value) continue;
    for (const k of ['lastPingDateTime', 'agentVersion', 'isLatestVersion', 'platformType', 'platformName', 'resourceType', 'registrationDate'] as const) delete x.value[k];
  }
  for (const x of Object.values(f.vpcs)) if (x.ok) (delete x.value.dhcpOptionsId, delete x.value.ownerId);
  for (const x of Object.values(f.subnets)) if (x.ok) (delete x.value.cidr, delete x.value.availabilityZone);
  for (const x of Object.values(f.endpoints)) if (x.ok) for (const e of x.value) delete e.policyDocument;
  for (const x of Object.values(f.endpointInterfaces)) if (x.ok) for (const e of x.value) (delete e.privateIp, delete e.availabilityZone, delete e.vpcEndpointId);
  for (const x of Object.values(f.securityGroups)) {
    if (!x.ok) continue;
    delete x.value.name;
    delete x.value.vpcId;
    for (const r of [...x.value.ingress, ...x.value.egress]) (delete r.fromPort, delete r.toPort);
  }
  for (const x of Object.values(f.networkAcls)) if (x.ok) for (const a of x.value) for (const e of a.entries) delete e.portRange;
  for (const x of Object.values(f.instanceProfiles)) if (x.ok && x.value) for (const r of x.value.roles) delete r.trustPolicy;
};
