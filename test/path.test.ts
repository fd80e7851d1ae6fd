import { describe, expect, it } from 'vitest';
import { agentPath, defaultRoute, describePath, reachOf, type AgentPath } from '../src/eval/path.js';
import { runCheck } from '../src/check/run.js';
import { failed, ok, type Facts, type Route } from '../src/facts/facts.js';
import type { TargetContext } from '../src/check/kit.js';
import { IID, REGION, SUBNET, VPC, denied, val, world } from './fixtures/world.js';

const ctx = (f: Facts): TargetContext => ({ facts: f, id: IID, region: f.region });
const noEndpoints = (f: Facts) => (f.endpoints[VPC] = ok([]));
const defaultTo = (target: Route['target'], state = 'active') => (f: Facts) => {
  noEndpoints(f);
  val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target, state });
};
const nat = (state = 'available', connectivityType = 'public') => (f: Facts) => {
  defaultTo({ type: 'nat', id: 'nat-0abc' })(f);
  f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state, connectivityType }]);
};

/** Runs a path lookup the way a check would (skip/error turned into results). */
function pathOf(f: Facts, service = 'ssm'): AgentPath | string {
  let out: AgentPath | undefined;
  const r = runCheck({ meta: { id: 't', title: 't', group: 'network', description: '' }, run: (c) => ((out = agentPath(c, service)), { status: 'pass', detail: '' }) }, ctx(f));
  return out ?? `${r.status}: ${r.detail}`;
}

describe('agentPath', () => {
  it('prefers interface endpoints of the VPC for the service', () => {
    const p = pathOf(world());
    expect(p).toMatchObject({ kind: 'endpoint', service: 'ssm' });
    expect((p as { endpoints: unknown[] }).endpoints).toHaveLength(1);
    expect(reachOf(p as AgentPath)).toBe('endpoint');
  });

  it('returns endpoints in any state (checks judge state)', () => {
    const p = pathOf(world((f) => (val(f.endpoints[VPC])![0]!.state = 'pending')));
    expect(p).toMatchObject({ kind: 'endpoint' });
  });

  it('ignores endpoints of another VPC', () => {
    const f = world((f) => {
      const eps = val(f.endpoints[VPC])!.map((e) => ({ ...e, vpcId: 'vpc-0other' }));
      f.endpoints['vpc-0other'] = ok(eps);
      f.endpoints[VPC] = ok([]);
    });
    expect(pathOf(f)).toMatchObject({ kind: 'none', routeTableId: 'rtb-0main' });
    const mislisted = world((f) => {
      for (const e of val(f.endpoints[VPC])!) e.vpcId = 'vpc-0other';
    });
    expect(pathOf(mislisted)).toMatchObject({ kind: 'none' });
  });

  it('ignores gateway endpoints', () => {
    const f = world((f) => (f.endpoints[VPC] = ok([{ ...val(f.endpoints[VPC])![0]!, type: 'Gateway' }])));
    expect(pathOf(f)).toMatchObject({ kind: 'none' });
  });

  it('finds no default route in the healthy private subnet without endpoints', () => {
    expect(pathOf(world(noEndpoints))).toEqual({ kind: 'none', routeTableId: 'rtb-0main' });
  });

  it('follows a NAT gateway route and attaches the NAT', () => {
    const p = pathOf(world(nat()));
    expect(p).toMatchObject({ kind: 'nat', natGatewayId: 'nat-0abc', nat: { state: 'available' } });
    expect(reachOf(p as AgentPath)).toBe('public');
    expect(describePath(p as AgentPath)).toBe('over NAT gateway nat-0abc via rtb-0main');
  });

  it('treats a private NAT gateway as unproven', () => {
    const p = pathOf(world(nat('available', 'private')));
    expect(reachOf(p as AgentPath)).toBe('unproven');
  });

  it('keeps the NAT id when the NAT gateways could not be read', () => {
    const p = pathOf(world((f) => (nat()(f), (f.natGateways[VPC] = failed(denied('ec2:DescribeNatGateways'))))));
    expect(p).toEqual({ kind: 'nat', routeTableId: 'rtb-0main', natGatewayId: 'nat-0abc' });
  });

  it('IGW with a public IP reaches public endpoints; without one it does not', () => {
    const withIp = pathOf(world((f) => (defaultTo({ type: 'igw', id: 'igw-0abc' })(f), (val(f.instances[IID])!.publicIp = '3.3.3.3'))));
    expect(withIp).toMatchObject({ kind: 'igw', publicIp: '3.3.3.3' });
    expect(reachOf(withIp as AgentPath)).toBe('public');
    const without = pathOf(world(defaultTo({ type: 'igw', id: 'igw-0abc' })));
    expect(without).toMatchObject({ kind: 'igw-no-public-ip', internetGatewayId: 'igw-0abc' });
    expect(reachOf(without as AgentPath)).toBe('none');
  });

  it.each(['tgw', 'pcx', 'eni', 'instance', 'vgw', 'vpce', 'core-network'] as const)('a %s default route is unproven', (type) => {
    const p = pathOf(world(defaultTo({ type, id: `${type}-0abc` })));
    expect(p).toMatchObject({ kind: 'unproven', target: { type, id: `${type}-0abc` } });
    expect(reachOf(p as AgentPath)).toBe('unproven');
  });

  it('reports blackhole routes', () => {
    const p = pathOf(world(defaultTo({ type: 'nat', id: 'nat-0gone' }, 'blackhole')));
    expect(p).toMatchObject({ kind: 'blackhole', target: { type: 'nat', id: 'nat-0gone' } });
    expect(reachOf(p as AgentPath)).toBe('none');
  });

  it('uses the explicit association before the main table', () => {
    const f = world((f) => {
      noEndpoints(f);
      val(f.routeTables[VPC])!.push({
        id: 'rtb-0explicit', vpcId: VPC, main: false, subnetIds: [SUBNET],
        routes: [{ destinationCidr: '0.0.0.0/0', target: { type: 'tgw', id: 'tgw-0abc' }, state: 'active' }],
      });
    });
    expect(pathOf(f)).toMatchObject({ kind: 'unproven', routeTableId: 'rtb-0explicit' });
  });

  it('a prefix-list route counts only when the list is named after the service', () => {
    const f = world((f) => {
      noEndpoints(f);
      f.prefixLists['pl-0ssm'] = ok({ id: 'pl-0ssm', name: `com.amazonaws.${REGION}.ssm`, cidrs: [] });
      f.prefixLists['pl-0other'] = ok({ id: 'pl-0other', name: 'corp', cidrs: [] });
      val(f.routeTables[VPC])![0]!.routes.push(
        { destinationPrefixListId: 'pl-0other', target: { type: 'tgw', id: 'tgw-0x' }, state: 'active' },
        { destinationPrefixListId: 'pl-0ssm', target: { type: 'igw', id: 'igw-0x' }, state: 'active' },
      );
    });
    expect(pathOf(f, 'ssm')).toMatchObject({ kind: 'igw-no-public-ip', internetGatewayId: 'igw-0x' });
    expect(pathOf(f, 'ssmmessages')).toMatchObject({ kind: 'none' });
  });

  it('errors naming the API when endpoints could not be read', () => {
    expect(pathOf(world((f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints')))))).toContain('ec2:DescribeVpcEndpoints');
  });

  it('needs the route tables only when there is no endpoint', () => {
    const denyRt = (f: Facts) => (f.routeTables[VPC] = failed(denied('ec2:DescribeRouteTables')));
    expect(pathOf(world(denyRt))).toMatchObject({ kind: 'endpoint' });
    expect(pathOf(world((f) => (noEndpoints(f), denyRt(f))))).toMatch(/^error: .*ec2:DescribeRouteTables/);
  });

  it('defaultRoute ignores endpoints', () => {
    let p: AgentPath | undefined;
    runCheck({ meta: { id: 't', title: 't', group: 'network', description: '' }, run: (c) => ((p = defaultRoute(c)), { status: 'pass', detail: '' }) }, ctx(world()));
    expect(p).toEqual({ kind: 'none', routeTableId: 'rtb-0main' });
  });
});
