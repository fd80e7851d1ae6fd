// The benchmark's fleet generator (scripts/bench/fleet.ts): the shape asked for, ids that look real, every
// reference resolvable, and a healthy fleet (every check passes, as for healthyFacts()).
import { describe, expect, it } from 'vitest';
import { allChecks } from '../checks/index.js';
import { INSTANCE_ID } from '../src/cli/args.js';
import { buildReport } from '../src/report/model.js';
import { fleetFacts, fleetProfileArn, fleetRoleArn, FLEET_ENDPOINT_SERVICES } from '../scripts/bench/fleet.js';
import { CALLER_ROLE_ARN } from './fixtures/world.js';

const val = <T>(f: { ok: true; value: T } | { ok: false } | undefined): T => {
  if (!f?.ok) throw new Error('not ok');
  return (f as { value: T }).value;
};

describe('fleetFacts', () => {
  const f = fleetFacts({ instances: 24, vpcs: 4, roles: 3 });

  it('has the requested instances, VPCs and roles, spread over all of them', () => {
    expect(f.targets).toHaveLength(24);
    expect(new Set(f.targets).size).toBe(24);
    expect(Object.keys(f.vpcs)).toHaveLength(4);
    expect(Object.keys(f.instanceProfiles)).toHaveLength(3);
    const instances = f.targets.map((id) => val(f.instances[id])!);
    expect(new Set(instances.map((i) => i.vpcId)).size).toBe(4);
    expect(new Set(instances.map((i) => i.instanceProfileArn)).size).toBe(3);
    expect(new Set(instances.map((i) => i.subnetId)).size).toBe(12); // 3 AZs per VPC
    expect(new Set(instances.map((i) => i.privateIp)).size).toBe(24);
  });

  it('uses valid-looking, deterministic ids', () => {
    for (const id of f.targets) expect(id).toMatch(INSTANCE_ID);
    for (const id of Object.keys(f.vpcs)) expect(id).toMatch(/^vpc-0[0-9a-f]{16}$/);
    for (const id of Object.keys(f.securityGroups)) expect(id).toMatch(/^sg-0[0-9a-f]{16}$/);
    expect(fleetFacts({ instances: 24, vpcs: 4, roles: 3 })).toEqual(f);
  });

  it('gives every VPC its subnets, route tables, NACLs, three endpoints and security groups', () => {
    for (const vpc of Object.keys(f.vpcs)) {
      const subnets = Object.values(f.subnets).map((s) => val(s)).filter((s) => s.vpcId === vpc);
      expect(subnets).toHaveLength(6);
      const eps = val(f.endpoints[vpc]);
      expect(eps.map((e) => e.serviceName.split('.').pop()).sort()).toEqual([...FLEET_ENDPOINT_SERVICES].sort());
      expect(val(f.endpointInterfaces[vpc])).toHaveLength(eps.length * 3);
      // Every subnet is associated with exactly one NACL; the main route table serves the rest.
      const acls = val(f.networkAcls[vpc]);
      for (const s of subnets) expect(acls.filter((a) => a.subnetIds.includes(s.id))).toHaveLength(1);
      expect(val(f.routeTables[vpc]).filter((t) => t.main)).toHaveLength(1);
      expect(f.vpcDnsAttributes[vpc]?.ok).toBe(true);
      expect(f.natGateways[vpc]?.ok && f.internetGateways[vpc]?.ok).toBe(true);
    }
  });

  it('resolves every reference an instance makes', () => {
    for (const id of f.targets) {
      const i = val(f.instances[id])!;
      expect(val(f.subnets[i.subnetId!]).vpcId).toBe(i.vpcId);
      for (const sg of i.securityGroupIds) expect(val(f.securityGroups[sg]).vpcId).toBe(i.vpcId);
      expect(f.instanceProfiles[i.instanceProfileArn!]?.ok).toBe(true);
      expect(val(f.agents[id])!.pingStatus).toBe('Online');
      expect(val(f.connections[id])).toBe('connected');
      expect(val(f.simulations[CALLER_ROLE_ARN]).some((d) => d.resource.endsWith(`instance/${id}`))).toBe(true);
    }
    for (let r = 0; r < 3; r++) {
      expect(val(f.instanceProfiles[fleetProfileArn(r)])!.roles[0]!.arn).toBe(fleetRoleArn(r));
      expect(f.simulations[fleetRoleArn(r)]?.ok).toBe(true);
    }
    const dhcp = Object.values(f.vpcs).map((v) => val(v).dhcpOptionsId!);
    for (const d of dhcp) expect(f.dhcpOptions[d]?.ok).toBe(true);
  });

  /** Checks that skip on a healthy EC2 instance by design: evidence read only for an offline agent, hybrid nodes only. */
  const NOT_FOR_HEALTHY_EC2 = ['instance.health', 'agent.console', 'hybrid.tier', 'hybrid.activation'];

  it('is a healthy fleet: every check passes for every instance (but those that only apply to offline agents or hybrid nodes)', () => {
    const report = buildReport(f, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot' });
    const notPassing = report.targets.flatMap((t) =>
      t.checks
        .filter((c) => c.status !== 'pass' && c.id !== 'client.plugin' && !(c.status === 'skip' && NOT_FOR_HEALTHY_EC2.includes(c.id)))
        .map((c) => `${t.target} ${c.id}: ${c.status} ${c.detail ?? ''}`),
    );
    expect(notPassing).toEqual([]);
    expect(report.targets).toHaveLength(24);
  });

  it('rejects impossible shapes', () => {
    expect(() => fleetFacts({ instances: 0, vpcs: 1, roles: 1 })).toThrow(/instances/);
    expect(() => fleetFacts({ instances: 1, vpcs: 0, roles: 1 })).toThrow(/vpcs/);
    expect(() => fleetFacts({ instances: 1, vpcs: 1, roles: 0 })).toThrow(/roles/);
  });
});
