// Guards: what the Session Manager preferences (SSM-SessionManagerRunShell) add: KMS, S3 and CloudWatch logging need agent-role permissions and, over endpoints, kms/s3/logs endpoints.
import { privateDnsFix } from '../src/fix/route.js';
import { NeedFact, describeApiError, need, type Check, type Fix, type Status, type TargetContext } from '../src/check/kit.js';
import type { SessionPreferences, VpcEndpoint } from '../src/facts/facts.js';
import { agentRoleArn, credentialSource, endpointsOf, instanceOf, instanceRouteTable, interfaceEndpointsFor, serviceName, vpcIdOf } from '../src/facts/lookup.js';
import { agentPath, defaultRoute, describePath, reachOf, type AgentPath } from '../src/eval/path.js';
import { decide, partitionOf, shellJson, tfLabel } from '../src/eval/permissions.js';
import {
  CLOUDWATCH_LOG_ACTIONS,
  SESSION_PREFERENCES_DOCUMENT,
  kmsKeyArn,
  logGroupArn,
  s3LogObjectArn,
} from '../src/facts/requirements.js';

export const sessionPreferences: Check = {
  meta: {
    id: 'session.preferences',
    explains: ['session.connection'],
    title: 'Session preferences (KMS, logging) work',
    group: 'session',
    description:
      `Session Manager preferences (${SESSION_PREFERENCES_DOCUMENT}) can require KMS encryption and S3/CloudWatch session ` +
      'logging: the agent role then needs kms:Decrypt, s3:PutObject or the logs actions, and over VPC endpoints ' +
      'kms, s3 and logs endpoints (without logs, sessions hang for minutes).',
    fixes: 'IAM statement on the agent role (put-role-policy); kms/logs interface or s3 gateway endpoint',
  },
  // Preferences are one document per account and region.
  subject: () => 'session-preferences',
  run(ctx) {
    const inst = instanceOf(ctx);
    const prefs = need(ctx.facts.preferences, `the Session Manager preferences (document ${SESSION_PREFERENCES_DOCUMENT})`);
    if (prefs === null) {
      return {
        status: 'pass',
        detail:
          `Default preferences (no ${SESSION_PREFERENCES_DOCUMENT}): no KMS, no session logging; sessions run as ssm-user.`,
        data: { preferences: 'default' },
      };
    }

    const settings = describeSettings(prefs);
    const uses = { kms: !!prefs.kmsKeyId, s3: !!prefs.s3BucketName, cloudWatch: !!prefs.cloudWatchLogGroupName };
    if (!uses.kms && !uses.s3 && !uses.cloudWatch) {
      return {
        status: 'pass',
        detail: `Preferences set no KMS encryption and no S3/CloudWatch logging: nothing extra for the agent. ${settings}`,
        data: { ...uses, runAsEnabled: prefs.runAsEnabled ?? false },
      };
    }

    const account = accountOf(ctx);
    const findings: Finding[] = [];
    const missing: MissingPermission[] = [];
    const role = agentRole(ctx);

    // Permissions of the agent role.
    const perm = (label: string, actions: string[], resource: string, extra = '', grant?: MissingPermission) =>
      guard(findings, () => permission(ctx, role, label, actions, resource, missing, extra, grant));
    if (prefs.kmsKeyId) {
      const arn = kmsKeyArn(ctx.region, account, prefs.kmsKeyId);
      const alias = /(^|:)(alias\/.+)$/.exec(prefs.kmsKeyId)?.[2];
      perm(
        `KMS key ${prefs.kmsKeyId}`,
        ['kms:Decrypt'],
        arn,
        ' The key policy must allow it too (the IAM simulation cannot see key policies).' +
          (alias ? ' The preferences name an alias: IAM matches kms:Decrypt against the key ARN, not the alias ARN.' : ''),
        alias
          ? {
              // kms:Decrypt is authorized against the key, never the alias ARN: match the key by its alias instead.
              actions: ['kms:Decrypt'],
              resource: `arn:${partitionOf(ctx.region)}:kms:${ctx.region}:${account}:key/*`,
              condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': alias } },
            }
          : undefined,
      );
    }
    if (prefs.s3BucketName) {
      perm(`S3 logging to s3://${prefs.s3BucketName}/${prefs.s3KeyPrefix ?? ''}`, ['s3:PutObject'], s3LogObjectArn(prefs.s3BucketName, prefs.s3KeyPrefix));
      if (prefs.s3EncryptionEnabled !== false) {
        perm(`S3 logging encryption check on ${prefs.s3BucketName}`, ['s3:GetEncryptionConfiguration'], `arn:aws:s3:::${prefs.s3BucketName}`);
      }
    }
    if (prefs.cloudWatchLogGroupName) {
      perm(
        `CloudWatch logging to ${prefs.cloudWatchLogGroupName}`,
        [...CLOUDWATCH_LOG_ACTIONS],
        logGroupArn(ctx.region, account, prefs.cloudWatchLogGroupName),
      );
    }

    // Network path to kms / s3 / logs, when the agent talks to Systems Manager through interface endpoints.
    const ssmPath = guardValue(findings, () => agentPath(ctx, 'ssm'));
    if (ssmPath && ssmPath.kind === 'endpoint') {
      if (uses.kms) guard(findings, () => interfaceService(ctx, 'kms', 'KMS', ssmPath));
      if (uses.s3) guard(findings, () => s3Service(ctx));
      if (uses.cloudWatch) {
        guard(findings, () => interfaceService(ctx, 'logs', 'CloudWatch Logs (without it sessions hang for 2+ minutes, then fail)', ssmPath));
      }
    } else if (ssmPath) {
      findings.push({
        status: 'pass',
        text: `The agent reaches Systems Manager ${describePath(ssmPath)}; KMS, S3 and CloudWatch Logs go the same way (network checks judge it).`,
      });
    }

    const status = worst(findings.map((f) => f.status));
    const fixes = [
      ...(missing.length > 0 && role.name ? [iamFix(role.name, missing)] : []),
      ...findings.filter((f) => f.fix && (f.status === 'fail' || f.status === 'warn')).map((f) => f.fix!),
    ];
    const detail = [
      ...findings.filter((f) => f.status !== 'pass').map((f) => f.text),
      ...findings.filter((f) => f.status === 'pass').map((f) => f.text),
      settings,
    ].join(' ');
    const data = {
      ...uses,
      runAsEnabled: prefs.runAsEnabled ?? false,
      agentRole: role.arn,
      methods: [...new Set(findings.flatMap((f) => (f.method ? [f.method] : [])))],
    };
    if (status === 'pass') return { status, detail, data };
    return { status, detail, ...(fixes.length ? { fix: mergeFixes(fixes) } : {}), data };
  },
};

interface Finding {
  status: Status;
  text: string;
  fix?: Fix;
  method?: string;
}

interface MissingPermission {
  actions: string[];
  resource: string;
  condition?: Record<string, Record<string, string>>;
}

interface AgentRole {
  arn?: string;
  name?: string;
  why?: string;
}

const RANK: Record<Status, number> = { pass: 0, skip: 0, warn: 1, error: 2, fail: 3 };

function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((w, s) => (RANK[s] > RANK[w] ? s : w), 'pass');
}

/** Runs one part of the check; a fact it could not read makes that part `error`, the rest goes on. */
function guard(findings: Finding[], part: () => Finding | Finding[] | undefined): void {
  try {
    const f = part();
    if (Array.isArray(f)) findings.push(...f);
    else if (f) findings.push(f);
  } catch (e) {
    if (!(e instanceof NeedFact)) throw e;
    findings.push({ status: 'error', text: describeApiError(e.apiError, e.what) });
  }
}

function guardValue<T>(findings: Finding[], get: () => T): T | undefined {
  let value: T | undefined;
  guard(findings, () => {
    value = get();
    return undefined;
  });
  return value;
}

/** The account the preferences' ARNs live in: the caller's (as the collector asks), else the instance owner's. */
function accountOf(ctx: TargetContext): string {
  const caller = ctx.facts.caller;
  if (!caller.ok) {
    const owner = instanceOf(ctx).ownerId;
    if (owner) return owner;
  }
  return need(caller, 'the caller identity (account id)').account;
}

/** The agent's role (instance profile role or DHMC role), or why there is none. */
function agentRole(ctx: TargetContext): AgentRole {
  try {
    const src = credentialSource(ctx);
    const arn = agentRoleArn(ctx);
    if (src.kind === 'instance-profile') return { arn, name: src.role.name };
    if (src.kind === 'dhmc') return { arn, name: src.roleName, why: arn ? undefined : `the ARN of DHMC role ${src.roleName} is unknown` };
    if (src.kind === 'instance-profile-without-role') return { why: `instance profile ${src.profile.name} has no role` };
    if (src.kind === 'instance-profile-missing') return { why: `instance profile ${src.profileArn} does not exist` };
    return { why: 'the instance has no instance profile and Default Host Management Configuration is off' };
  } catch (e) {
    if (!(e instanceof NeedFact)) throw e;
    return { why: describeApiError(e.apiError, e.what) };
  }
}

function permission(
  ctx: TargetContext,
  role: AgentRole,
  label: string,
  actions: string[],
  resource: string,
  missing: MissingPermission[],
  extra: string,
  grant?: MissingPermission,
): Finding {
  if (!role.arn) {
    return {
      status: 'warn',
      text: `${label}: cannot check ${actions.join(', ')} because the agent has no role to check (${role.why}); the iam checks cover that.`,
    };
  }
  const answers = decide(ctx.facts, role.arn, role.name, actions, resource);
  const method = answers[0]?.method;
  const by = method === 'simulation' ? 'iam:SimulatePrincipalPolicy' : 'the role policies evaluated locally';
  const denied = answers.filter((a) => a.decision === 'explicitDeny' && !a.conditional);
  const implicit = answers.filter((a) => a.decision === 'implicitDeny');
  const conditional = answers.filter((a) => a.conditional);
  if (denied.length > 0) {
    return {
      status: 'fail',
      method,
      text:
        `${label}: role ${role.name} is explicitly denied ${denied.map((a) => a.action).join(', ')} on ${resource}` +
        `${denied[0]?.via ? ` (by ${denied[0].via})` : ''} (${by}).${extra}`,
      fix: {
        summary: `Remove or narrow the Deny statement in role ${role.name}'s policies (or its permissions boundary / SCP) that blocks ${denied.map((a) => a.action).join(', ')} on ${resource}; adding an Allow does not override it.`,
        cli: [`aws iam list-role-policies --role-name ${role.name}`, `aws iam list-attached-role-policies --role-name ${role.name}`],
      },
    };
  }
  if (implicit.length > 0) {
    missing.push(grant ?? { actions: implicit.map((a) => a.action), resource });
    return {
      status: 'fail',
      method,
      text: `${label}: role ${role.name} is not allowed ${implicit.map((a) => a.action).join(', ')} on ${resource} (${by}).${extra}`,
    };
  }
  if (conditional.length > 0) {
    return {
      status: 'warn',
      method,
      text:
        `${label}: role ${role.name} is allowed ${actions.join(', ')} on ${resource} only depending on a condition or permissions ` +
        `boundary that could not be evaluated (${by}).${extra}`,
    };
  }
  return { status: 'pass', method, text: `${label}: role ${role.name} may ${actions.join(', ')} (${by}).${extra}` };
}

/** One IAM fix for every permission found missing: an inline policy on the agent role. */
function iamFix(roleName: string, missing: MissingPermission[]): Fix {
  const policy = {
    Version: '2012-10-17',
    Statement: missing.map((m) => ({
      Effect: 'Allow',
      Action: m.actions.length === 1 ? m.actions[0] : m.actions,
      Resource: m.resource,
      ...(m.condition ? { Condition: m.condition } : {}),
    })),
  };
  return {
    summary: `Allow role ${roleName} ${[...new Set(missing.flatMap((m) => m.actions))].join(', ')} for the session preferences.`,
    cli: [`aws iam put-role-policy --role-name ${roleName} --policy-name ssm-session-preferences --policy-document ${shellJson(policy)}`],
    terraform: [
      `resource "aws_iam_role_policy" "${tfLabel(roleName)}_session_preferences" {`,
      '  name   = "ssm-session-preferences"',
      `  role   = "${roleName}"`,
      `  policy = jsonencode(${indentJson(policy)})`,
      '}',
    ].join('\n'),
  };
}

function indentJson(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(/\n/g, '\n  ');
}

/** kms / logs over interface endpoints: an available endpoint in the VPC, or another way out of the subnet. */
function interfaceService(ctx: TargetContext, service: string, what: string, ssmPath: AgentPath & { kind: 'endpoint' }): Finding {
  const name = serviceName(ctx.region, service);
  const eps = interfaceEndpointsFor(ctx, service);
  if (eps.length > 0) return judgeInterfaceEndpoints(ctx, service, name, eps, ssmPath);
  const route = defaultRoute(ctx, service);
  const reach = reachOf(route);
  if (reach === 'public') {
    return { status: 'pass', text: `No ${name} endpoint, but ${what.split(' (')[0]} is reachable ${describePath(route)}.` };
  }
  if (reach === 'unproven') {
    return {
      status: 'warn',
      text: `The agent uses interface endpoints, there is no ${name} endpoint for ${what}, and the subnet's default route goes ${describePath(route)}, which cannot be proven to reach it.`,
      fix: createInterfaceEndpointFix(ctx, service, ssmPath),
    };
  }
  return {
    status: 'fail',
    text: `The agent uses interface endpoints but the VPC has no ${name} endpoint for ${what}, and the subnet has no other way out (${describePath(route)}).`,
    fix: createInterfaceEndpointFix(ctx, service, ssmPath),
  };
}

function judgeInterfaceEndpoints(
  ctx: TargetContext,
  service: string,
  name: string,
  eps: VpcEndpoint[],
  ssmPath: AgentPath & { kind: 'endpoint' },
): Finding {
  const available = eps.filter((e) => e.state.toLowerCase() === 'available');
  if (available.length === 0) {
    return {
      status: 'fail',
      text: `Interface endpoint ${eps.map((e) => `${e.id} (${e.state})`).join(', ')} for ${name} is not available.`,
      fix: createInterfaceEndpointFix(ctx, service, ssmPath),
    };
  }
  const withDns = available.filter((e) => e.privateDnsEnabled);
  if (withDns.length === 0) {
    const ep = available[0]!;
    return {
      status: 'fail',
      text: `Interface endpoint ${ep.id} for ${name} has private DNS disabled: the agent resolves the public ${service} name and does not use it.`,
      fix: privateDnsFix(ctx.region, [ep], service),
    };
  }
  return { status: 'pass', text: `Interface endpoint ${withDns[0]!.id} serves ${name}.` };
}

function createInterfaceEndpointFix(ctx: TargetContext, service: string, ssmPath: AgentPath & { kind: 'endpoint' }): Fix {
  const vpcId = vpcIdOf(ctx);
  const name = serviceName(ctx.region, service);
  const template = ssmPath.endpoints[0];
  const subnets = template?.subnetIds.length ? template.subnetIds : [instanceOf(ctx).subnetId ?? '<subnet-id>'];
  const sgs = template?.securityGroupIds.length ? template.securityGroupIds : ['<sg-allowing-443-from-the-instance>'];
  return {
    summary: `Create an interface endpoint for ${name} in ${vpcId} with private DNS (same subnets and security groups as the ssm endpoint).`,
    cli: [
      `aws ec2 create-vpc-endpoint --vpc-id ${vpcId} --vpc-endpoint-type Interface --service-name ${name} ` +
        `--subnet-ids ${subnets.join(' ')} --security-group-ids ${sgs.join(' ')} --private-dns-enabled --region ${ctx.region}`,
    ],
    terraform: [
      `resource "aws_vpc_endpoint" "${tfLabel(service)}" {`,
      `  vpc_id              = "${vpcId}"`,
      `  service_name        = "${name}"`,
      '  vpc_endpoint_type   = "Interface"',
      `  subnet_ids          = [${subnets.map((s) => `"${s}"`).join(', ')}]`,
      `  security_group_ids  = [${sgs.map((s) => `"${s}"`).join(', ')}]`,
      '  private_dns_enabled = true',
      '}',
    ].join('\n'),
  };
}

/** S3 over endpoints: a gateway endpoint on the instance's route table, an interface endpoint with private DNS, or a way out. */
function s3Service(ctx: TargetContext): Finding {
  const name = serviceName(ctx.region, 's3');
  const vpcId = vpcIdOf(ctx);
  const s3Eps = endpointsOf(ctx).filter((e) => e.serviceName === name && e.vpcId === vpcId);
  const table = instanceRouteTable(ctx);
  const gateways = s3Eps.filter((e) => e.type.toLowerCase() === 'gateway');
  const onTable = gateways.find((e) => e.routeTableIds.includes(table.id) && e.state.toLowerCase() === 'available');
  if (onTable) return { status: 'pass', text: `S3 gateway endpoint ${onTable.id} is on route table ${table.id}.` };
  const iface = s3Eps.find((e) => e.type.toLowerCase() === 'interface' && e.state.toLowerCase() === 'available' && e.privateDnsEnabled);
  if (iface) return { status: 'pass', text: `S3 interface endpoint ${iface.id} (private DNS) serves ${name}.` };
  const gw = gateways[0];
  if (gw) {
    return {
      status: 'fail',
      text: `S3 gateway endpoint ${gw.id} exists but is not associated with route table ${table.id} of the instance's subnet (or not available: ${gw.state}).`,
      fix: {
        summary: `Associate ${gw.id} with route table ${table.id}.`,
        cli: [`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${gw.id} --add-route-table-ids ${table.id} --region ${ctx.region}`],
        terraform: [
          'resource "aws_vpc_endpoint_route_table_association" "s3" {',
          `  vpc_endpoint_id = "${gw.id}"`,
          `  route_table_id  = "${table.id}"`,
          '}',
        ].join('\n'),
      },
    };
  }
  const route = defaultRoute(ctx, 's3');
  const reach = reachOf(route);
  if (reach === 'public') return { status: 'pass', text: `No S3 endpoint, but S3 is reachable ${describePath(route)}.` };
  const fix: Fix = {
    summary: `Create the S3 gateway endpoint (free) in ${vpcId} on route table ${table.id}.`,
    cli: [
      `aws ec2 create-vpc-endpoint --vpc-id ${vpcId} --vpc-endpoint-type Gateway --service-name ${name} --route-table-ids ${table.id} --region ${ctx.region}`,
    ],
    terraform: [
      'resource "aws_vpc_endpoint" "s3" {',
      `  vpc_id            = "${vpcId}"`,
      `  service_name      = "${name}"`,
      '  vpc_endpoint_type = "Gateway"',
      `  route_table_ids   = ["${table.id}"]`,
      '}',
    ].join('\n'),
  };
  if (reach === 'unproven') {
    return {
      status: 'warn',
      text: `The agent uses interface endpoints, there is no S3 endpoint for session logs, and the default route goes ${describePath(route)}, which cannot be proven to reach S3.`,
      fix,
    };
  }
  return {
    status: 'fail',
    text: `The agent uses interface endpoints but the VPC has no S3 endpoint for session logs, and the subnet has no other way out (${describePath(route)}).`,
    fix,
  };
}

function describeSettings(p: SessionPreferences): string {
  const bits: string[] = [];
  bits.push(p.runAsEnabled ? `Run As is enabled${p.runAsDefaultUser ? ` (default user ${p.runAsDefaultUser})` : ''}` : 'Run As is off (sessions run as ssm-user)');
  if (p.kmsKeyId) bits.push(`KMS key ${p.kmsKeyId}`);
  if (p.s3BucketName) bits.push(`S3 logging to ${p.s3BucketName}${p.s3KeyPrefix ? `/${p.s3KeyPrefix}` : ''}`);
  if (p.cloudWatchLogGroupName) bits.push(`CloudWatch logging to ${p.cloudWatchLogGroupName}${p.cloudWatchStreamingEnabled ? ' (streaming)' : ''}`);
  if (p.idleSessionTimeout) bits.push(`idle timeout ${p.idleSessionTimeout} min`);
  if (p.maxSessionDuration) bits.push(`max duration ${p.maxSessionDuration} min`);
  return `Preferences: ${bits.join('; ')}.`;
}

/** Several fixes as one: summaries joined, commands and Terraform concatenated. */
function mergeFixes(fixes: Fix[]): Fix {
  if (fixes.length === 1) return fixes[0]!;
  const tf = fixes.map((f) => f.terraform).filter((t): t is string => !!t);
  return {
    summary: fixes.map((f) => f.summary).join(' '),
    cli: fixes.flatMap((f) => f.cli),
    ...(tf.length ? { terraform: tf.join('\n\n') } : {}),
  };
}
