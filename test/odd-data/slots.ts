// Where the facts of a world can be taken away (every entry of every per-resource map, the account-level reads,
// a role's policy documents), the ways a read fails, and base worlds that between them read every kind of fact.
// Shared by missing-facts.test.ts (exhaustive) and garbage.property.test.ts (random).
import { failed, ok, type ApiError, type Facts } from '../../src/facts/facts.js';
import { IID, denied } from '../fixtures/world.js';
import { AMI_RHEL, IMAGE_RHEL, consoleEvidence, hybridNode, offline, registeredAsHybrid, withInstanceConnectEndpoint } from '../fixtures/evidence.js';
import * as O from './odd-worlds.js';
import { LATE_FIX_EVENTS } from '../../src/facts/late-fix.js';

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
  out.push(...evidenceSlotsOf(f));
  return out;
}

/** The optional evidence maps (session targets) and the nested reads in them: key policies, CloudTrail lookups. */
const EVIDENCE_MAPS = ['logGroups', 'buckets', 'kmsKeys'] as const;

function evidenceSlotsOf(f: Facts): Slot[] {
  const out: Slot[] = [];
  for (const m of EVIDENCE_MAPS) {
    for (const key of Object.keys(f[m] ?? {})) {
      out.push({
        name: `${m}[${key}]`,
        remove: (g, how) => {
          const map = (g[m] ?? {}) as Record<string, unknown>;
          if (how === 'delete') delete map[key];
          else map[key] = failed(ERRORS[how]!(`x:${m}`));
        },
      });
    }
  }
  for (const [id, k] of Object.entries(f.kmsKeys ?? {})) {
    if (k.ok && k.value?.policy) {
      out.push({
        name: `kmsKeys[${id}].policy`,
        remove: (g, how) => {
          const key = g.kmsKeys?.[id];
          if (!key?.ok || !key.value) return;
          if (how === 'delete') delete key.value.policy;
          else key.value.policy = failed(ERRORS[how]!('kms:GetKeyPolicy'));
        },
      });
    }
  }
  for (const name of Object.keys(f.cloudTrail?.lookups ?? {})) {
    out.push({
      name: `cloudTrail.lookups[${name}]`,
      remove: (g, how) => {
        const lookups = g.cloudTrail?.lookups;
        if (!lookups) return;
        if (how === 'delete') delete lookups[name];
        else lookups[name] = failed(ERRORS[how]!('cloudtrail:LookupEvents'));
      },
    });
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
  'session targets read (key, log group, bucket)': (f) => {
    f.preferences = ok({ kmsKeyId: 'alias/sessions', s3BucketName: 'session-logs', s3EncryptionEnabled: true, cloudWatchLogGroupName: 'sessions', cloudWatchEncryptionEnabled: true });
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const rootPolicy = { Statement: [{ Effect: 'Allow' as const, Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] };
    f.kmsKeys = { 'alias/sessions': ok({ keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', arn, state: 'Enabled', spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', policy: ok(rootPolicy) }) };
    f.logGroups = { sessions: ok({ name: 'sessions', kmsKeyId: arn }) };
    f.buckets = { 'session-logs': ok({ algorithm: 'AES256' }) };
  },
  'late fix looked up in CloudTrail': (f) => {
    f.agents[IID] = ok(null);
    f.connections[IID] = ok('notconnected');
    f.cloudTrail = {
      targets: [IID],
      since: '2026-11-29T09:00:00.000Z',
      lookups: {
        ...Object.fromEntries(Object.keys(LATE_FIX_EVENTS).map((name) => [name, ok({ events: [] })])),
        AssociateIamInstanceProfile: ok({ events: [{ id: 'e1', name: 'AssociateIamInstanceProfile', time: '2026-11-29T09:52:00.000Z', refs: [IID] }] }),
      },
    };
  },
  'agent offline': (f) => {
    const a = f.agents[IID];
    if (a?.ok && a.value) a.value.pingStatus = 'ConnectionLost';
    f.connections[IID] = ok('notconnected');
  },
};
