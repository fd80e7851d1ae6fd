// collect() end to end over HTTP: real SDK clients built by the collector itself, pointed at the local
// AWS wire server (test/e2e/aws-server.ts) with AWS_ENDPOINT_URL. The server renders its answers from a
// Facts object, so collecting must give those facts back.
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/facts/facts.js';
import { useAwsServer } from '../fixtures/aws-env.js';
import { healthyFacts, IID, ROLE_ARN, VPC, denied, world } from '../fixtures/world.js';

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

  it('follows empty DescribeInstanceInformation pages and retries a throttle', async () => {
    const from = healthyFacts();
    const facts = await collectOver(from, { emptyPages: 2, faults: [{ action: 'GetConnectionStatus', kind: 'throttle', times: 1 }] });
    expect(facts.agents[IID]).toEqual(from.agents[IID]);
    expect(facts.connections[IID]).toEqual(from.connections[IID]);
  });
});
