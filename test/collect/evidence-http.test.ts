// The offline-agent evidence over HTTP: collect() against the local AWS wire server gives back the evidence the
// server was built from (status checks, AMI, console lines, EC2 Instance Connect Endpoints, hybrid registrations,
// activations, tier), and reads none of it for a healthy instance.
import { describe, expect, it } from 'vitest';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { useAwsServer } from '../fixtures/aws-env.js';
import {
  ACTIVATION,
  AMI_RHEL,
  IMAGE_RHEL,
  MI,
  consoleEvidence,
  hybridNode,
  offline,
  registeredAsHybrid,
  withInstanceConnectEndpoint,
  HYBRID_ROLE,
  SG_EICE,
} from '../fixtures/evidence.js';
import { healthyFacts, IID, VPC, denied, world } from '../fixtures/world.js';

const aws = useAwsServer();

const EVIDENCE_ACTIONS = ['DescribeInstanceStatus', 'DescribeImages', 'GetConsoleOutput', 'DescribeInstanceConnectEndpoints', 'DescribeActivations'];

function actions(): string[] {
  return aws.server.requests.map((r) => r.action);
}

/** The evidence part of the facts. */
function evidenceOf(f: Facts) {
  return {
    instanceStatus: f.instanceStatus,
    images: f.images,
    consoleEvidence: f.consoleEvidence,
    instanceConnectEndpoints: f.instanceConnectEndpoints,
    activations: f.activations,
    activationTier: f.activationTier,
    managedNodeScan: f.managedNodeScan,
    instance: f.instances[IID],
  };
}

describe('offline evidence over HTTP', () => {
  it('reads nothing of it for a healthy instance', async () => {
    const facts = await aws.collectOver(healthyFacts());
    expect(actions().filter((a) => EVIDENCE_ACTIONS.includes(a))).toEqual([]);
    expect(actions().filter((a) => a === 'DescribeInstanceInformation')).toHaveLength(1);
    expect(actions().filter((a) => a === 'GetServiceSetting')).toHaveLength(1);
    expect(facts.instanceStatus).toEqual({});
    expect(facts.managedNodeScan).toBeUndefined();
  });

  it('RHEL never registered, with an EC2 Instance Connect Endpoint: gives back every piece, once', async () => {
    const from = world((f) => {
      offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL }, console: consoleEvidence({ agentStarts: [] }) });
      withInstanceConnectEndpoint(f);
    });
    const facts = await aws.collectOver(from);
    expect(evidenceOf(facts)).toEqual(evidenceOf(from));
    expect(facts.securityGroups[SG_EICE]).toEqual(from.securityGroups[SG_EICE]);
    const counts: Record<string, number> = {};
    for (const a of actions()) counts[a] = (counts[a] ?? 0) + 1;
    expect(counts).toMatchObject({ DescribeInstanceStatus: 1, DescribeImages: 1, GetConsoleOutput: 1, DescribeInstanceConnectEndpoints: 1, DescribeInstanceInformation: 2 });
    expect(counts.DescribeActivations).toBeUndefined();
    const console = aws.server.requests.find((r) => r.action === 'GetConsoleOutput')!.params as Record<string, string>;
    expect(console).toMatchObject({ InstanceId: IID, Latest: 'true' });
    const status = aws.server.requests.find((r) => r.action === 'DescribeInstanceStatus')!.params as Record<string, string>;
    expect(status).toMatchObject({ 'InstanceId.1': IID, IncludeAllInstances: 'true' });
  });

  it('impaired, full disk, scheduled retirement; console of an instance type without Latest (read again without it)', async () => {
    const from = world((f) =>
      offline(f, {
        lastPing: '2026-11-29T07:00:00.000Z',
        status: {
          state: 'running',
          instanceStatus: 'impaired',
          systemStatus: 'ok',
          instanceImpairedSince: '2026-11-29T06:58:00.000Z',
          events: [{ code: 'instance-retirement', description: 'The instance is running on degraded hardware', notBefore: '2026-12-05T00:00:00.000Z', id: 'instance-event-0abc' }],
        },
        console: consoleEvidence({
          latest: false,
          agentStarts: [],
          findings: [{ kind: 'disk-full', line: '[ 1234.567890] systemd-journald[412]: Failed to write entry (9 items, 320 bytes), ignoring: No space left on device' }],
        }),
      }),
    );
    const facts = await aws.collectOver(from);
    expect(evidenceOf(facts)).toEqual(evidenceOf(from));
    expect(actions().filter((a) => a === 'GetConsoleOutput')).toHaveLength(2);
    // Registered: the agent is installed, no AMI read.
    expect(actions()).not.toContain('DescribeImages');
  });

  it('an EC2 instance registered as a hybrid node: the scan keeps only its twin', async () => {
    const from = world((f) => {
      offline(f);
      registeredAsHybrid(f);
    });
    const facts = await aws.collectOver(from);
    expect(facts.managedNodeScan).toEqual(from.managedNodeScan);
    const scan = aws.server.requests.filter((r) => r.action === 'DescribeInstanceInformation').map((r) => r.params);
    expect(scan).toContainEqual({ Filters: [{ Key: 'ResourceType', Values: ['ManagedInstance'] }], MaxResults: 50 });
  });

  it('hybrid node: tier, activation and service role', async () => {
    const from = world((f) => hybridNode(f));
    const facts = await aws.collectOver(from);
    expect(facts.activationTier).toEqual(ok('advanced'));
    expect(facts.activations[ACTIVATION]).toEqual(from.activations[ACTIVATION]);
    expect(facts.roles[HYBRID_ROLE]).toEqual(from.roles[HYBRID_ROLE]);
    expect(facts.agents[MI]).toEqual(from.agents[MI]);
    expect(actions()).not.toContain('DescribeInstanceStatus');
  });

  it('a denied evidence read is recorded as denied, and nothing else suffers', async () => {
    const from = world((f) => {
      offline(f, { lastPing: '2026-11-29T07:00:00.000Z' });
      f.consoleEvidence[IID] = failed(denied('ec2:GetConsoleOutput'));
      f.instanceConnectEndpoints[VPC] = failed(denied('ec2:DescribeInstanceConnectEndpoints'));
    });
    const facts = await aws.collectOver(from);
    expect(facts.consoleEvidence[IID]).toMatchObject({ ok: false, error: { api: 'ec2:GetConsoleOutput', kind: 'denied' } });
    expect(facts.instanceConnectEndpoints[VPC]).toMatchObject({ ok: false, error: { api: 'ec2:DescribeInstanceConnectEndpoints', kind: 'denied' } });
    expect(facts.instanceStatus[IID]).toEqual(from.instanceStatus[IID]);
    expect(facts.endpoints[VPC]).toEqual(from.endpoints[VPC]);
  });
});
