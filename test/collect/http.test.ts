// collect() end to end over HTTP: real SDK clients built by the collector itself, pointed at the local
// AWS wire server (test/e2e/aws-server.ts) with AWS_ENDPOINT_URL. The server renders its answers from a
// Facts object, so collecting must give those facts back.
import { describe, expect, it } from 'vitest';
import { iamRoleTrust } from '../../checks/iam.role-trust.js';
import { runCheck } from '../../src/check/run.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { useAwsServer } from '../fixtures/aws-env.js';
import { healthyFacts, IID, PROFILE_ARN, ROLE_ARN, VPC, denied, val, world } from '../fixtures/world.js';

const aws = useAwsServer();
const collectOver = aws.collectOver;

/** What collect() adds beyond the world facts: the caller's role (unknown to the world) and its simulation. */
function withoutCallerExtras(collected: Facts, from: Facts): Facts {
  const simulations = Object.fromEntries(Object.entries(collected.simulations).filter(([arn]) => arn in from.simulations));
  const roles = Object.fromEntries(Object.entries(collected.roles).filter(([name]) => name in from.roles));
  return { ...collected, collectedAt: from.collectedAt, simulations, roles };
}

describe('collect over HTTP (aws-server)', () => {
  it('gives back the healthy world it was served', async () => {
    const from = healthyFacts();
    const facts = await collectOver(from);
    expect(withoutCallerExtras(facts, from)).toEqual(from);
    for (const r of aws.server.requests) expect(r.action).toMatch(/^(Describe|Get|List|Simulate)/);
  });

  it('a denied fact comes back as the same denied error', async () => {
    const from = world((f) => {
      f.endpoints[VPC] = { ok: false, error: denied('ec2:DescribeVpcEndpoints') };
    });
    const facts = await collectOver(from);
    expect(facts.endpoints[VPC]).toMatchObject({ ok: false, error: { api: 'ec2:DescribeVpcEndpoints', code: 'UnauthorizedOperation', kind: 'denied' } });
    expect(facts.instances[IID]?.ok).toBe(true);
    expect(facts.simulations[ROLE_ARN]?.ok).toBe(true);
  });

  it('an instance profile that no longer exists comes back as null (NoSuchEntity), not as a read error', async () => {
    const from = world((f) => {
      f.instanceProfiles[PROFILE_ARN] = ok(null);
      delete f.simulations[ROLE_ARN];
    });
    const facts = await collectOver(from);
    expect(facts.instanceProfiles[PROFILE_ARN]).toEqual(ok(null));
    expect(withoutCallerExtras(facts, from)).toEqual(from);
  });

  it("a failed endpoint's LastError (AWS's reason) is collected", async () => {
    const from = world((f) => {
      const ep = val(f.endpoints[VPC])[0]!;
      ep.state = 'failed';
      ep.lastError = { code: 'InsufficientCapacity', message: 'Not enough capacity in us-east-1a.' };
    });
    const facts = await collectOver(from);
    expect(val(facts.endpoints[VPC])[0]!.lastError).toEqual({ code: 'InsufficientCapacity', message: 'Not enough capacity in us-east-1a.' });
  });

  it('a DHMC role that does not exist is recognised as such (the SDK calls it NoSuchEntityException)', async () => {
    const from = world((f) => {
      delete val(f.instances[IID])!.instanceProfileArn;
      f.instanceProfiles = {};
      f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' });
      f.roles['dhmc-role'] = failed({ api: 'iam:GetRole', code: 'NoSuchEntity', message: 'The role with name dhmc-role cannot be found.', kind: 'other' });
    });
    const facts = await collectOver(from);
    const r = runCheck(iamRoleTrust, { facts, id: IID, region: facts.region });
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('names role dhmc-role, which does not exist');
  });

  it('follows empty DescribeInstanceInformation pages and retries a throttle', async () => {
    const from = healthyFacts();
    const facts = await collectOver(from, { emptyPages: 2, faults: [{ action: 'GetConnectionStatus', kind: 'throttle', times: 1 }] });
    expect(facts.agents[IID]).toEqual(from.agents[IID]);
    expect(facts.connections[IID]).toEqual(from.connections[IID]);
  });
});
