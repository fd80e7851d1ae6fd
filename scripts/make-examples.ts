// Writes examples/*.json: snapshots of real-looking broken setups, derived from the healthy test world.
// Run with `npm run examples`; the files are committed, and test/examples.test.ts pins their verdicts.
import { writeFileSync } from 'node:fs';
import { emptyResourceMaps, ok, type Facts } from '../src/facts/facts.js';
import { kmsKeyArn } from '../src/facts/requirements.js';
import { ACCOUNT, CALLER_ROLE_ARN, IID, PROFILE_ARN, REGION, ROLE_ARN, SG_VPCE, SUBNET, VPC, val, world } from '../test/fixtures/world.js';
import { AMI_RHEL, IMAGE_RHEL, STATUS_OK, collectedEvidence, consoleEvidence, hybridNode, offline } from '../test/fixtures/evidence.js';
import { SESSION_KEY_ARN, evidenceExamples, sessionKey } from './examples-evidence.js';
import { withLateFixLookups } from '../test/fixtures/session-targets.js';

const KEY = SESSION_KEY_ARN;

const written: Record<string, { description: string; facts: Facts }> = {
  healthy: {
    description: 'Everything in place: three interface endpoints, open SGs, AmazonSSMManagedInstanceCore, agent online.',
    facts: world(),
  },
  'missing-ssmmessages-endpoint': {
    description:
      'Private subnet with ssm and ec2messages endpoints but no ssmmessages endpoint: the agent is Online (it heartbeats to ssm) but sessions cannot open.',
    facts: world((f) => {
      const eps = val(f.endpoints[VPC]);
      f.endpoints[VPC] = ok(eps.filter((e) => !e.serviceName.endsWith('.ssmmessages')));
      f.endpointInterfaces[VPC] = ok(val(f.endpointInterfaces[VPC]).filter((i) => f.endpoints[VPC]!.ok && val(f.endpoints[VPC]).some((e) => e.id === i.vpcEndpointId)));
      f.connections[IID] = ok('notconnected');
    }),
  },
  'endpoint-sg-without-ingress': {
    description: "The article's Terraform mistake: the endpoint security group's ingress block has no source, so AWS stored no rule.",
    facts: world((f) => {
      val(f.securityGroups[SG_VPCE]).ingress = [];
      f.agents[IID] = ok(null);
      f.connections[IID] = ok('notconnected');
      collectedEvidence(f);
    }),
  },
  'no-instance-profile': {
    description: 'No instance profile attached and Default Host Management Configuration off: the agent has no credentials.',
    facts: world((f) => {
      delete val(f.instances[IID])!.instanceProfileArn;
      delete f.instanceProfiles[PROFILE_ARN];
      delete f.simulations[ROLE_ARN];
      f.agents[IID] = ok(null);
      f.connections[IID] = ok('notconnected');
      collectedEvidence(f);
    }),
  },
  'nacl-blocks-ephemeral': {
    description: 'The subnet NACL allows 443 out but denies the ephemeral return traffic (stateless).',
    facts: world((f) => {
      const acl = val(f.networkAcls[VPC])[0]!;
      acl.isDefault = false;
      acl.id = 'acl-0f00dbad0f00dbad0';
      acl.entries = [
        { ruleNumber: 100, egress: true, protocol: '6', action: 'allow', cidr: '0.0.0.0/0', portRange: { from: 443, to: 443 } },
        { ruleNumber: 32767, egress: true, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
        { ruleNumber: 100, egress: false, protocol: '6', action: 'allow', cidr: '10.0.0.0/16', portRange: { from: 22, to: 22 } },
        { ruleNumber: 32767, egress: false, protocol: '-1', action: 'deny', cidr: '0.0.0.0/0' },
      ];
      f.agents[IID] = ok(null);
      f.connections[IID] = ok('notconnected');
      collectedEvidence(f);
    }),
  },
  'imds-disabled': {
    description: 'Instance metadata turned off: the agent cannot get credentials from IMDS.',
    facts: world((f) => {
      val(f.instances[IID])!.metadataOptions = { httpEndpoint: 'disabled', httpTokens: 'required', httpPutResponseHopLimit: 1, state: 'applied' };
      f.agents[IID] = ok(null);
      f.connections[IID] = ok('notconnected');
      collectedEvidence(f);
    }),
  },
  'kms-without-decrypt': {
    description: 'Session Manager preferences encrypt sessions with a KMS key, but the instance role may not kms:Decrypt and there is no kms endpoint.',
    facts: world((f) => {
      f.preferences = ok({ kmsKeyId: KEY, runAsEnabled: false });
      sessionKey(f, 'Enabled', KEY);
      val(f.simulations[ROLE_ARN]).push({ action: 'kms:Decrypt', resource: kmsKeyArn(REGION, ACCOUNT, KEY), decision: 'implicitDeny' });
      val(f.simulations[CALLER_ROLE_ARN]).push({ action: 'kms:GenerateDataKey', resource: kmsKeyArn(REGION, ACCOUNT, KEY), decision: 'allowed' });
    }),
  },
  'transit-gateway-route': {
    description:
      'No endpoints in the VPC; the default route goes to a transit gateway (shared egress/endpoints VPC). The agent, Online and connected, ' +
      'proves the way to ssm and ssmmessages; ec2messages, which this older agent (3.2) still polls, is unprovable from here.',
    facts: world((f) => {
      Object.assign(val(f.agents[IID])!, { agentVersion: '3.2.2303.0', isLatestVersion: false });
      f.endpoints[VPC] = ok([]);
      f.endpointInterfaces[VPC] = ok([]);
      delete f.securityGroups[SG_VPCE];
      val(f.routeTables[VPC]).push({
        id: 'rtb-0tgw0tgw0tgw0tgw0',
        vpcId: VPC,
        main: false,
        subnetIds: [SUBNET],
        routes: [
          { destinationCidr: '10.0.0.0/16', target: { type: 'local', id: 'local' }, state: 'active' },
          { destinationCidr: '0.0.0.0/0', target: { type: 'tgw', id: 'tgw-0123abcd4567ef890' }, state: 'active' },
        ],
      });
      val(f.securityGroups['sg-0ec2ec2ec2ec2ec20']).egress = [
        { protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: ['0.0.0.0/0'], ipv6Cidrs: [], groupIds: [], prefixListIds: [] },
      ];
    }),
  },
  'agent-offline-config-ok': {
    description:
      'All configuration correct but the agent lost its connection, and CloudTrail shows no change since its last ping: the cause is on the instance; a restart or reboot is suggested.',
    facts: world((f) => {
      f.agents[IID] = ok({ ...val(f.agents[IID])!, pingStatus: 'ConnectionLost', lastPingDateTime: '2026-11-28T22:00:00.000Z' });
      f.connections[IID] = ok('notconnected');
      collectedEvidence(f);
    }),
  },
  // ---- evidence for an offline agent (issue 9: status checks, AMI, console, hybrid nodes)
  'ami-without-agent-rhel': {
    description: 'Launched from Red Hat\'s RHEL 9 AMI, which does not ship the SSM Agent: the instance never registered (everything else is right).',
    facts: world((f) => offline(f, { ami: { id: AMI_RHEL, image: IMAGE_RHEL }, console: consoleEvidence({ agentStarts: [] }) })),
  },
  'instance-impaired': {
    description: 'The instance status check fails (the OS stopped answering) and the agent lost its connection: reboot.',
    facts: world((f) =>
      offline(f, {
        lastPing: '2026-11-29T08:41:00.000Z',
        status: { ...STATUS_OK, instanceStatus: 'impaired', instanceImpairedSince: '2026-11-29T08:38:00.000Z' },
      }),
    ),
  },
  'system-impaired': {
    description: 'The system status check fails (the AWS host) and AWS scheduled the instance\'s retirement: stop and start, a reboot stays on the same host.',
    facts: world((f) =>
      offline(f, {
        lastPing: '2026-11-29T06:12:00.000Z',
        status: {
          ...STATUS_OK,
          systemStatus: 'impaired',
          systemImpairedSince: '2026-11-29T06:10:00.000Z',
          events: [{ code: 'instance-retirement', description: 'The instance is running on degraded hardware', notBefore: '2026-12-06T00:00:00.000Z', id: 'instance-event-0d1e2f3a4b5c6d7e8' }],
        },
      }),
    ),
  },
  'console-disk-full': {
    description: 'The root file system is full: the serial console shows "No space left on device" and the agent stopped heartbeating.',
    facts: world((f) =>
      offline(f, {
        lastPing: '2026-11-29T03:20:00.000Z',
        console: consoleEvidence({
          agentStarts: [],
          findings: [
            { kind: 'disk-full', line: '[11872.113402] systemd-journald[402]: Failed to write entry (22 items, 719 bytes), ignoring: No space left on device' },
            { kind: 'disk-full', line: '[11880.502117] amazon-ssm-agent[2214]: open /var/lib/amazon/ssm/i-0123456789abcdef0/document/state/pending: no space left on device' },
          ],
        }),
      }),
    ),
  },
  'hybrid-activation-expired': {
    description: 'A hybrid node (mi-) lost its connection; its activation expired, so registering it again (after reinstalling the agent) fails.',
    facts: world((f) => {
      // Only what the collector reads for a hybrid node: no EC2 instance, no VPC.
      Object.assign(f, emptyResourceMaps(), { roles: f.roles, simulations: {} });
      hybridNode(f);
    }),
  },
};

/** Every example; those whose agent is offline with a right configuration carry the CloudTrail lookups a live run makes. */
export const examples: Record<string, { description: string; facts: Facts }> = Object.fromEntries(
  Object.entries({ ...written, ...evidenceExamples }).map(([name, e]) => [name, { ...e, facts: withLateFixLookups(e.facts) }]),
);

if (process.argv[2] === '--write') {
  for (const [name, { facts }] of Object.entries(examples)) {
    writeFileSync(`examples/${name}.json`, `${JSON.stringify(facts, null, 2)}\n`);
  }
  const index = Object.entries(examples).map(([name, e]) => `- \`examples/${name}.json\`: ${e.description}`);
  writeFileSync('examples/README.md', `# Example snapshots\n\nRun any of them without an AWS account: \`npx ssm-doctor --snapshot examples/<name>.json\`.\n\n${index.join('\n')}\n`);
}
