// Small builders shared by the network evaluator and the security-group / NACL check tests.
import type { Check } from '../../src/check/kit.js';
import { runCheck } from '../../src/check/run.js';
import { ok, type Facts, type Route, type SecurityGroupRule } from '../../src/facts/facts.js';
import { IID, VPC, val, world } from '../fixtures/world.js';

/** A security-group rule: TCP 443 and no peer unless given. */
export const sgRule = (r: Partial<SecurityGroupRule>): SecurityGroupRule => ({
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  cidrs: [],
  ipv6Cidrs: [],
  groupIds: [],
  prefixListIds: [],
  ...r,
});

/** Runs one check against the healthy world after the edits. */
export const runner =
  (check: Check) =>
  (...edits: ((f: Facts) => void)[]) => {
    const facts = world((f) => edits.forEach((e) => e(f)));
    return runCheck(check, { facts, id: IID, region: facts.region });
  };

/** No interface endpoints; the main route table's 0.0.0.0/0 goes to `target`. */
export const defaultRoute = (target: Route['target']) => (f: Facts) => {
  f.endpoints[VPC] = ok([]);
  val(f.routeTables[VPC])![0]!.routes.push({ destinationCidr: '0.0.0.0/0', target, state: 'active' });
};

/** The agent goes out through public NAT gateway nat-0abc in subnet-0pub. */
export const natPath = (f: Facts) => {
  defaultRoute({ type: 'nat', id: 'nat-0abc' })(f);
  f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state: 'available', connectivityType: 'public' }]);
};

/** The agent goes out through internet gateway igw-0abc with public IP 54.1.2.3. */
export const igwPath = (f: Facts) => {
  defaultRoute({ type: 'igw', id: 'igw-0abc' })(f);
  val(f.instances[IID])!.publicIp = '54.1.2.3';
};
