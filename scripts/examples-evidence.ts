// The examples of the session logging targets, the session KMS key and the late fix (scripts/make-examples.ts
// merges them; every example of an offline agent with a right configuration gets the late-fix lookups a live run
// makes: test/fixtures/session-targets.ts withLateFixLookups).
import { ok, type Decision, type Facts, type VpcEndpoint } from '../src/facts/facts.js';
import { LATE_FIX_EVENTS } from '../src/facts/late-fix.js';
import { agentRoleQuestions, clientQuestions } from '../src/facts/requirements.js';
import { resolvedTargets } from '../src/facts/session-targets.js';
import { ACCOUNT, CALLER_ROLE_ARN, EP_SUBNET, IID, REGION, ROLE_ARN, SG_VPCE, VPC, val, world } from '../test/fixtures/world.js';
import { AMI_AL2023, IMAGE_AL2023, offline } from '../test/fixtures/evidence.js';

export const SESSION_KEY_ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const SESSION_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${SESSION_KEY_ID}`;
const ROOT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow' as const, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};

/** The session key as kms:DescribeKey and kms:GetKeyPolicy show it, under the name the preferences give it. */
export function sessionKey(f: Facts, state = 'Enabled', as = SESSION_KEY_ID): void {
  f.kmsKeys = {
    [as]: ok({ keyId: SESSION_KEY_ID, arn: SESSION_KEY_ARN, state, spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', manager: 'CUSTOMER', policy: ok(ROOT_KEY_POLICY) }),
  };
}

/**
 * The simulations a live run asks for these preferences, in the collector's order, each `allowed` unless `deny`
 * says otherwise (keyed `action resource`).
 */
export function simulated(f: Facts, deny: Record<string, Decision> = {}): void {
  const prefs = f.preferences.ok ? f.preferences.value : null;
  const resolved = resolvedTargets(f, REGION, ACCOUNT);
  const answer = (qs: { actions: string[]; resource: string }[]) =>
    ok(qs.flatMap((q) => q.actions.map((action) => ({ action, resource: q.resource, decision: deny[`${action} ${q.resource}`] ?? ('allowed' as const) }))));
  f.simulations[ROLE_ARN] = answer(agentRoleQuestions(REGION, ACCOUNT, prefs, resolved));
  f.simulations[CALLER_ROLE_ARN] = answer(clientQuestions(REGION, ACCOUNT, IID, prefs, resolved));
}

/** An interface endpoint (and its network interface) for kms / logs next to the agent's, or the S3 gateway. */
function addEndpoint(f: Facts, service: string, n: number): void {
  const id = `vpce-0${String(n).repeat(16)}`;
  const gateway = service === 's3';
  const ep: VpcEndpoint = {
    id,
    vpcId: VPC,
    serviceName: `com.amazonaws.${REGION}.${service}`,
    type: gateway ? 'Gateway' : 'Interface',
    state: 'available',
    privateDnsEnabled: !gateway,
    subnetIds: gateway ? [] : [EP_SUBNET],
    securityGroupIds: gateway ? [] : [SG_VPCE],
    networkInterfaceIds: gateway ? [] : [`eni-0${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}${n}`],
    routeTableIds: gateway ? ['rtb-0main'] : [],
  };
  val(f.endpoints[VPC]).push(ep);
  for (const eni of ep.networkInterfaceIds) {
    val(f.endpointInterfaces[VPC]).push({ id: eni, subnetId: EP_SUBNET, privateIp: `10.0.2.${20 + n}`, availabilityZone: 'us-east-1a', securityGroupIds: [SG_VPCE], vpcEndpointId: id });
  }
}

const LATE_FIX_EVENT = {
  id: '6e7b1c2a-1f0e-4d5c-9b8a-7f6e5d4c3b2a',
  name: 'AssociateIamInstanceProfile',
  time: '2026-11-29T09:52:00.000Z',
  by: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
  refs: [IID, 'ssm-profile'],
};

export const evidenceExamples: Record<string, { description: string; facts: Facts }> = {
  'late-fix-instance-profile': {
    description:
      'Launched without an instance profile at 09:15; the profile was associated at 09:52 (CloudTrail): the configuration is right now, ' +
      'but the agent retries its credentials only about every 30 minutes: restart it, or wait until about 10:15.',
    facts: world((f) => {
      val(f.instances[IID])!.launchTime = '2026-11-29T09:15:00.000Z';
      // Never registered (no credentials until 09:52); the evidence a collection reads for it: status ok, the
      // console showing the agent started, an Amazon Linux AMI that ships the agent.
      offline(f, { ami: { id: AMI_AL2023, image: IMAGE_AL2023 } });
      f.cloudTrail = {
        targets: [IID],
        since: '2026-11-29T09:15:00.000Z',
        lookups: Object.fromEntries(Object.keys(LATE_FIX_EVENTS).map((n) => [n, ok({ events: n === LATE_FIX_EVENT.name ? [LATE_FIX_EVENT] : [] })])),
      };
    }),
  },
  'log-group-not-encrypted': {
    description:
      'Session logging to CloudWatch requires an encrypted log group (cloudWatchEncryptionEnabled), but /ssm/session-logs has no KMS key: the agent refuses every session.',
    facts: world((f) => {
      f.preferences = ok({ cloudWatchLogGroupName: '/ssm/session-logs', cloudWatchEncryptionEnabled: true, cloudWatchStreamingEnabled: true, runAsEnabled: false });
      f.logGroups = { '/ssm/session-logs': ok({ name: '/ssm/session-logs', arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ssm/session-logs:*` }) };
      addEndpoint(f, 'logs', 4);
      simulated(f);
    }),
  },
  'deleted-logging-bucket': {
    description: 'The preferences log sessions to an encrypted S3 bucket that was deleted (NoSuchBucket): the agent cannot validate it and refuses every session.',
    facts: world((f) => {
      f.preferences = ok({ s3BucketName: 'session-logs-111122223333', s3KeyPrefix: 'ssm/', s3EncryptionEnabled: true, runAsEnabled: false });
      f.buckets = { 'session-logs-111122223333': ok(null) };
      addEndpoint(f, 's3', 5);
      simulated(f);
    }),
  },
  'kms-key-disabled': {
    description: 'Sessions are encrypted with a customer managed KMS key that was disabled: no session can start until it is enabled again.',
    facts: world((f) => {
      f.preferences = ok({ kmsKeyId: SESSION_KEY_ID, runAsEnabled: false });
      sessionKey(f, 'Disabled');
      addEndpoint(f, 'kms', 6);
      simulated(f);
    }),
  },
};
