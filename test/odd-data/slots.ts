// Where the facts of a world can be taken away (every entry of every per-resource map, the account-level reads,
// a role's policy documents), the ways a read fails, and base worlds that between them read every kind of fact.
// Shared by missing-facts.test.ts (exhaustive) and garbage.property.test.ts (random).
import { failed, ok, type ApiError, type Facts } from '../../src/facts/facts.js';
import { IID, denied } from '../fixtures/world.js';
import { AMI_RHEL, IMAGE_RHEL, consoleEvidence, hybridNode, offline, registeredAsHybrid, withInstanceConnectEndpoint } from '../fixtures/evidence.js';
import * as O from './odd-worlds.js';

/** The per-resource maps of Facts (src/facts/snapshot.ts reads the same list). */
export const FACT_MAPS = [
  'instances', 'agents', 'connections', 'instanceProfiles', 'roles', 'simulations', 'vpcs', 'vpcDnsAttributes',
  'dhcpOptions', 'subnets', 'routeTables', 'networkAcls', 'endpoints', 'endpointInterfaces', 'securityGroups',
  'natGateways', 'internetGateways', 'prefixLists',
  'instanceStatus', 'images', 'consoleEvidence', 'instanceConnectEndpoints', 'activations',
] as const;
/** Account-level reads: always present in Facts, so they are only ever replaced by an error. */
export const FACT_SINGLES = ['caller', 'dhmc', 'preferences'] as const;
/** Account-level reads present only when a target needed them; once read, like the others, only replaced by an error. */
export const OPTIONAL_SINGLES = ['activationTier', 'managedNodeScan'] as const;

export const ERRORS: Record<string, (api: string) => ApiError> = {
  denied: (api) => denied(api),
  throttled: (api) => ({ api, code: 'ThrottlingException', message: 'Rate exceeded', kind: 'throttled' }),
  timeout: (api) => ({ api, code: 'TimeoutError', message: 'timed out after 10000 ms', kind: 'timeout' }),
  network: (api) => ({ api, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED', kind: 'network' }),
  other: (api) => ({ api, code: 'InternalError', message: '', kind: 'other' }),
};

/** A place in the facts one read fills, and how to take it away. */
export interface Slot {
  name: string;
  remove(f: Facts, how: 'delete' | keyof typeof ERRORS): void;
}

export function slotsOf(f: Facts): Slot[] {
  const out: Slot[] = [];
  for (const k of FACT_SINGLES) {
    out.push({ name: k, remove: (g, how) => void ((g as unknown as Record<string, unknown>)[k] = failed(ERRORS[how === 'delete' ? 'other' : how]!(`x:${k}`))) });
  }
  for (const k of OPTIONAL_SINGLES) {
    if (f[k] === undefined) continue;
    out.push({ name: k, remove: (g, how) => void ((g as unknown as Record<string, unknown>)[k] = failed(ERRORS[how === 'delete' ? 'other' : how]!(`x:${k}`))) });
  }
  for (const m of FACT_MAPS) {
    for (const key of Object.keys(f[m])) {
      out.push({
        name: `${m}[${key}]`,
        remove: (g, how) => {
          const map = g[m] as Record<string, unknown>;
          if (how === 'delete') delete map[key];
          else map[key] = failed(ERRORS[how]!(`x:${m}`));
        },
      });
    }
  }
  // Nested reads: a role's policy documents.
  for (const [name, r] of Object.entries(f.roles)) {
    if (r.ok && r.value.policies) {
      out.push({
        name: `roles[${name}].policies`,
        remove: (g, how) => {
          const role = g.roles[name];
          if (!role?.ok) return;
          if (how === 'delete') delete role.value.policies;
          else role.value.policies = failed(ERRORS[how]!('iam:ListRolePolicies'));
        },
      });
    }
  }
  return out;
}

/** Base worlds that between them read every kind of fact. */
export const BASES: Record<string, O.Edit> = {
  healthy: () => {},
  nat: O.natPath,
  'prefix lists': (f) => {
    O.prefixListResolved(f);
    O.s3PrefixListRoute(f);
  },
  'multi-AZ endpoints': O.multiAzEndpoints,
  'second ENI': O.secondEni,
  windows: O.windows,
  'dual-stack': O.ipv6DualStack,
  'role policies evaluated locally': O.rolePolicies({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:*', 'ssmmessages:*', 'ec2messages:*'], Resource: '*' }] }),
  'session preferences with KMS, S3 and CloudWatch': (f) => {
    f.preferences = ok({ kmsKeyId: 'alias/sessions', s3BucketName: 'session-logs', cloudWatchLogGroupName: 'sessions' });
  },
  DHMC: (f) => {
    delete O.inst(f).instanceProfileArn;
    f.dhmc = ok({ roleName: 'dhmc-role', settingId: '/ssm/managed-instance/default-ec2-instance-management-role' });
    f.roles['dhmc-role'] = ok({
      name: 'dhmc-role',
      arn: 'arn:aws:iam::111122223333:role/dhmc-role',
      trustPolicy: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
  },
  'custom DNS servers': (f) => {
    f.dhcpOptions['dopt-0abc'] = ok({ id: 'dopt-0abc', domainNameServers: ['10.9.9.9'] });
  },
  'never registered, RHEL, full disk, impaired, an EICE, registered as a hybrid node (every offline evidence)': (f) => {
    offline(f, {
      ami: { id: AMI_RHEL, image: IMAGE_RHEL },
      status: { state: 'running', instanceStatus: 'impaired', systemStatus: 'ok', events: [{ code: 'instance-retirement', notBefore: '2026-12-05T00:00:00.000Z' }] },
      console: consoleEvidence({ agentStarts: [], findings: [{ kind: 'disk-full', line: 'No space left on device' }] }),
    });
    withInstanceConnectEndpoint(f);
    registeredAsHybrid(f);
  },
  'hybrid node, offline, expired activation': (f) => hybridNode(f),
  'agent offline': (f) => {
    const a = f.agents[IID];
    if (a?.ok && a.value) a.value.pingStatus = 'ConnectionLost';
    f.connections[IID] = ok('notconnected');
  },
};
