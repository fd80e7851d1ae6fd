// A healthy fleet as facts, for benchmarks: `fleetFacts({ instances, vpcs, roles })`.
// Built from the shapes of test/fixtures/world.ts (healthyFacts): every VPC is the healthy VPC of the
// fixture, scaled up — three private instance subnets (one per AZ) with their own route table, three
// endpoint subnets behind a custom NACL, the three interface endpoints (ssm, ssmmessages, ec2messages) with
// one network interface per endpoint subnet, two instance security groups and one endpoint security group.
// Instances are spread round-robin over VPCs, AZs, security groups and roles (instance profiles); every
// agent is Online and every permission is allowed, so each check passes.
import { createHash } from 'node:crypto';
import {
  emptyResourceMaps,
  ok,
  type EndpointInterface,
  type Facts,
  type NetworkAcl,
  type NetworkAclEntry,
  type RouteTable,
  type SecurityGroup,
  type SimDecision,
  type Subnet,
  type VpcEndpoint,
} from '../../src/facts/facts.js';
import { AGENT_ACTIONS, clientQuestions } from '../../src/facts/requirements.js';
import { ACCOUNT, CALLER_ROLE_ARN, EC2_TRUST, healthyFacts, REGION } from '../../test/fixtures/world.js';

export interface FleetOptions {
  /** Number of target instances (1 ..= 16 * 4096 per VPC). */
  instances: number;
  /** Number of VPCs (1 ..= 250). */
  vpcs: number;
  /** Number of distinct instance profiles, one role each. */
  roles: number;
}

export const FLEET_AZS = ['a', 'b', 'c'] as const;
export const FLEET_ENDPOINT_SERVICES = ['ssm', 'ssmmessages', 'ec2messages'] as const;
/** Instance security groups per VPC (instances alternate between them). */
export const FLEET_APP_SGS = ['web', 'app'] as const;

/** Deterministic lowercase hex of `len` digits, so ids look real and are stable between runs. */
function hex(seed: string, len: number): string {
  let out = '';
  for (let i = 0; out.length < len; i++) out += createHash('sha1').update(`fleet:${seed}#${i}`).digest('hex');
  return out.slice(0, len);
}

/** `<prefix>-0` followed by 16 hex digits (the 17-digit id form AWS uses today). */
const rid = (prefix: string, seed: string) => `${prefix}-0${hex(seed, 16)}`;

export const fleetInstanceId = (n: number) => rid('i', `instance-${n}`);
export const fleetVpcId = (v: number) => rid('vpc', `vpc-${v}`);
export const fleetProfileArn = (r: number) => `arn:aws:iam::${ACCOUNT}:instance-profile/fleet-profile-${r}`;
export const fleetRoleName = (r: number) => `fleet-role-${r}`;
export const fleetRoleArn = (r: number) => `arn:aws:iam::${ACCOUNT}:role/${fleetRoleName(r)}`;

const allowAll = (egress: boolean): NetworkAclEntry[] => [
  { ruleNumber: 100, egress, protocol: '-1', action: 'allow', cidr: '0.0.0.0/0' },
  { ruleNumber: 32767, egress, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
];

interface VpcParts {
  id: string;
  cidr: string;
  instanceSubnets: Subnet[];
  endpointSubnets: Subnet[];
  appSgs: string[];
  vpceSg: string;
}

/** Facts for a healthy fleet; targets are the instances in order (`fleetInstanceId(0..n-1)`). */
export function fleetFacts(o: FleetOptions): Facts {
  const { instances: n, vpcs: nv, roles: nr } = o;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`fleetFacts: instances must be an integer >= 1, got ${n}`);
  if (!(Number.isInteger(nv) && nv >= 1 && nv <= 250)) throw new Error(`fleetFacts: vpcs must be an integer in 1..250, got ${nv}`);
  if (!(Number.isInteger(nr) && nr >= 1)) throw new Error(`fleetFacts: roles must be an integer >= 1, got ${nr}`);
  if (Math.ceil(n / nv / FLEET_AZS.length) > 4000) throw new Error(`fleetFacts: too many instances per subnet (${n} in ${nv} VPCs)`);

  const base = healthyFacts();
  const f: Facts = { ...base, ...emptyResourceMaps(), targets: [], roles: base.roles, dhcpOptions: base.dhcpOptions };
  // One DHCP options set shared by every VPC (the account default), as in most accounts.
  const dhcpId = rid('dopt', 'dhcp');
  f.dhcpOptions = { [dhcpId]: ok({ id: dhcpId, domainNameServers: ['AmazonProvidedDNS'] }) };

  // ---- VPCs: the healthy fixture's network, per VPC.
  const vpcs: VpcParts[] = [];
  for (let v = 0; v < nv; v++) {
    const id = fleetVpcId(v);
    const net = `10.${v}`;
    const cidr = `${net}.0.0/16`;
    const instanceSubnets = FLEET_AZS.map(
      (az, k): Subnet => ({ id: rid('subnet', `${v}-private-${az}`), vpcId: id, cidr: `${net}.${k * 16}.0/20`, ipv6Cidrs: [], availabilityZone: `${REGION}${az}` }),
    );
    const endpointSubnets = FLEET_AZS.map(
      (az, k): Subnet => ({ id: rid('subnet', `${v}-endpoints-${az}`), vpcId: id, cidr: `${net}.${240 + k}.0/24`, ipv6Cidrs: [], availabilityZone: `${REGION}${az}` }),
    );
    const appSgs = FLEET_APP_SGS.map((name) => rid('sg', `${v}-${name}`));
    const vpceSg = rid('sg', `${v}-vpce`);
    vpcs.push({ id, cidr, instanceSubnets, endpointSubnets, appSgs, vpceSg });

    f.vpcs[id] = ok({ id, cidrs: [cidr], ipv6Cidrs: [], dhcpOptionsId: dhcpId, ownerId: ACCOUNT, isDefault: false });
    f.vpcDnsAttributes[id] = ok({ enableDnsSupport: true, enableDnsHostnames: true });
    for (const s of [...instanceSubnets, ...endpointSubnets]) f.subnets[s.id] = ok(s);

    const local = { destinationCidr: cidr, target: { type: 'local' as const, id: 'local' }, state: 'active' };
    const tables: RouteTable[] = [
      { id: rid('rtb', `${v}-main`), vpcId: id, main: true, subnetIds: endpointSubnets.map((s) => s.id), routes: [local] },
      ...instanceSubnets.map((s, k): RouteTable => ({ id: rid('rtb', `${v}-private-${FLEET_AZS[k]}`), vpcId: id, main: false, subnetIds: [s.id], routes: [local] })),
    ];
    f.routeTables[id] = ok(tables);

    const acls: NetworkAcl[] = [
      { id: rid('acl', `${v}-default`), vpcId: id, isDefault: true, subnetIds: instanceSubnets.map((s) => s.id), entries: [...allowAll(false), ...allowAll(true)] },
      {
        // Endpoint subnets: HTTPS in from the VPC, replies out on ephemeral ports.
        id: rid('acl', `${v}-endpoints`),
        vpcId: id,
        isDefault: false,
        subnetIds: endpointSubnets.map((s) => s.id),
        entries: [
          { ruleNumber: 100, egress: false, protocol: '6', action: 'allow', cidr, portRange: { from: 443, to: 443 } },
          { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
          { ruleNumber: 100, egress: true, protocol: '6', action: 'allow', cidr, portRange: { from: 1024, to: 65535 } },
          { ruleNumber: 32767, egress: true, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
        ],
      },
    ];
    f.networkAcls[id] = ok(acls);

    const endpoints: VpcEndpoint[] = [];
    const enis: EndpointInterface[] = [];
    FLEET_ENDPOINT_SERVICES.forEach((service, e) => {
      const epId = rid('vpce', `${v}-${service}`);
      const eniIds = endpointSubnets.map((s) => rid('eni', `${v}-${service}-${s.id}`));
      endpoints.push({
        id: epId,
        vpcId: id,
        serviceName: `com.amazonaws.${REGION}.${service}`,
        type: 'Interface',
        state: 'available',
        privateDnsEnabled: true,
        subnetIds: endpointSubnets.map((s) => s.id),
        securityGroupIds: [vpceSg],
        networkInterfaceIds: eniIds,
        routeTableIds: [],
      });
      endpointSubnets.forEach((s, k) =>
        enis.push({
          id: eniIds[k]!,
          subnetId: s.id,
          privateIp: `${net}.${240 + k}.${10 + e}`,
          availabilityZone: s.availabilityZone,
          securityGroupIds: [vpceSg],
          vpcEndpointId: epId,
        }),
      );
    });
    f.endpoints[id] = ok(endpoints);
    f.endpointInterfaces[id] = ok(enis);

    const https = (cidrs: string[]) => ({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs, ipv6Cidrs: [], groupIds: [], prefixListIds: [] });
    const all = { protocol: '-1', cidrs: ['0.0.0.0/0'], ipv6Cidrs: [], groupIds: [], prefixListIds: [] };
    FLEET_APP_SGS.forEach((name, k) => {
      const sg: SecurityGroup = { id: appSgs[k]!, name: `fleet-${name}`, vpcId: id, ingress: [], egress: [name === 'web' ? all : https([cidr])] };
      f.securityGroups[sg.id] = ok(sg);
    });
    f.securityGroups[vpceSg] = ok({ id: vpceSg, name: 'fleet-vpce', vpcId: id, ingress: [https([cidr])], egress: [all] });
    f.natGateways[id] = ok([]);
    f.internetGateways[id] = ok([]);
  }

  // ---- Roles: one instance profile per role, each simulated as allowed.
  for (let r = 0; r < nr; r++) {
    const arn = fleetProfileArn(r);
    f.instanceProfiles[arn] = ok({ arn, name: `fleet-profile-${r}`, roles: [{ name: fleetRoleName(r), arn: fleetRoleArn(r), trustPolicy: EC2_TRUST }] });
    f.simulations[fleetRoleArn(r)] = ok(AGENT_ACTIONS.map((action): SimDecision => ({ action, resource: '*', decision: 'allowed' })));
  }

  // ---- Instances, round-robin over VPCs, then AZs, security groups and roles.
  const callerDecisions: SimDecision[] = [];
  const seenCaller = new Set<string>();
  const base0 = base.instances[Object.keys(base.instances)[0]!];
  const template = base0?.ok && base0.value ? base0.value : undefined;
  const agent0 = base.agents[Object.keys(base.agents)[0]!];
  const agentTemplate = agent0?.ok && agent0.value ? agent0.value : undefined;
  if (!template || !agentTemplate) throw new Error('fleetFacts: healthyFacts() has no instance/agent to copy');

  for (let i = 0; i < n; i++) {
    const v = i % nv;
    const inVpc = Math.floor(i / nv);
    const az = inVpc % FLEET_AZS.length;
    const nth = Math.floor(inVpc / FLEET_AZS.length); // index within its subnet
    const p = vpcs[v]!;
    const subnet = p.instanceSubnets[az]!;
    const sg = p.appSgs[nth % p.appSgs.length]!;
    const ip = `10.${v}.${az * 16 + Math.floor((nth + 10) / 256)}.${(nth + 10) % 256}`;
    const id = fleetInstanceId(i);
    const name = `fleet-${i}`;
    f.targets.push(id);
    f.instances[id] = ok({
      ...template,
      id,
      name,
      tags: { Name: name, Fleet: 'bench' },
      availabilityZone: subnet.availabilityZone,
      vpcId: p.id,
      subnetId: subnet.id,
      privateIp: ip,
      securityGroupIds: [sg],
      networkInterfaces: [{ id: rid('eni', `instance-${i}`), deviceIndex: 0, subnetId: subnet.id, privateIps: [ip], ipv6s: [], securityGroupIds: [sg] }],
      instanceProfileArn: fleetProfileArn(i % nr),
    });
    f.agents[id] = ok({ ...agentTemplate, instanceId: id });
    f.connections[id] = ok('connected');
    for (const q of clientQuestions(REGION, ACCOUNT, id, null)) {
      for (const action of q.actions) {
        const key = `${action} ${q.resource}`;
        if (seenCaller.has(key)) continue;
        seenCaller.add(key);
        callerDecisions.push({ action, resource: q.resource, decision: 'allowed' });
      }
    }
  }
  f.simulations[CALLER_ROLE_ARN] = ok(callerDecisions);
  return f;
}
