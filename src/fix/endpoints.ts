// Shared pieces of the endpoint / route checks: the "create the interface endpoints" fix (CLI + the article's
// Terraform with real ids), where endpoints live (subnets / AZs), and the agent version as far as SSM knows it.
import type { TargetContext } from '../check/kit.js';
import type { Fix } from '../check/kit.js';
import type { VpcDnsAttributes, VpcEndpoint } from '../facts/facts.js';
import { serviceName } from '../facts/lookup.js';
import { AGENT_SERVICES, MIN_AGENT } from '../facts/requirements.js';
import { isAtLeast } from '../eval/version.js';

/** The agent version reported by ssm:DescribeInstanceInformation, or undefined when unknown/unregistered/unreadable. */
export function agentVersionOf(ctx: TargetContext): string | undefined {
  const a = ctx.facts.agents[ctx.id];
  return a?.ok && a.value?.agentVersion ? a.value.agentVersion : undefined;
}

/** True when the agent is known to use ssmmessages instead of ec2messages (>= 3.3.40.0). */
export function agentSkipsEc2messages(ctx: TargetContext): boolean {
  const v = agentVersionOf(ctx);
  return v !== undefined && isAtLeast(v, MIN_AGENT.ssmmessagesFirst);
}

/** `subnet-a (us-east-1a), subnet-b (us-east-1b)`; AZs looked up leniently. */
export function subnetsWithAz(ctx: TargetContext, subnetIds: string[]): string {
  if (subnetIds.length === 0) return 'no subnet';
  return subnetIds
    .map((id) => {
      const s = ctx.facts.subnets[id];
      const az = s?.ok ? s.value.availabilityZone : undefined;
      return az ? `${id} (${az})` : id;
    })
    .join(', ');
}

/** `vpce-1 is failed (AWS: InsufficientCapacity "...")`: AWS's own reason (LastError), when it gave one. */
export function endpointState(e: VpcEndpoint): string {
  const le = e.lastError;
  const why = le?.message || le?.code ? ` (AWS: ${[le.code, le.message ? JSON.stringify(le.message) : undefined].filter(Boolean).join(' ')})` : '';
  return `${e.id} is ${e.state}${why}`;
}

/** All interface endpoints of a VPC for the agent services (ssm, ssmmessages, ec2messages), leniently. */
export function agentEndpointsOfVpc(ctx: TargetContext, vpcId: string): VpcEndpoint[] {
  const eps = ctx.facts.endpoints[vpcId];
  if (!eps?.ok) return [];
  const names = new Set(AGENT_SERVICES.map((s) => serviceName(ctx.region, s)));
  return eps.value.filter((e) => e.vpcId === vpcId && e.type.toLowerCase() === 'interface' && names.has(e.serviceName));
}

/** Commands that turn on the VPC DNS attributes private DNS needs (none when both are on). */
export function vpcDnsCommands(vpcId: string, dns: VpcDnsAttributes, region: string): string[] {
  return [
    ...(dns.enableDnsSupport ? [] : [`aws ec2 modify-vpc-attribute --vpc-id ${vpcId} --enable-dns-support Value=true --region ${region}`]),
    ...(dns.enableDnsHostnames ? [] : [`aws ec2 modify-vpc-attribute --vpc-id ${vpcId} --enable-dns-hostnames Value=true --region ${region}`]),
  ];
}

/** A shell variable name for an id a fix captures: `SG_0a1b2c3d4e5f60718` (unique per resource, so plans can merge). */
export function shellVar(prefix: string, resourceId: string): string {
  return `${prefix}_${resourceId.replace(/^[a-z]+-/, '').replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** A Terraform label unique per resource: `ssmmessages_0a1b2c3d4e5f60718`. */
export function tfName(base: string, resourceId: string): string {
  return `${base}_${resourceId.replace(/^[a-z]+-/, '')}`.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * The subnets to put a VPC's new interface endpoints in: one per Availability Zone among the subnets of this
 * run's instances in that VPC (in target order), so every instance's fix names the same subnets and a fleet's
 * fixes merge into one command. Falls back to `subnetId`.
 */
export function endpointSubnets(ctx: TargetContext, vpcId: string, subnetId: string): string[] {
  const byAz = new Map<string, string>();
  for (const id of ctx.facts.targets) {
    const f = ctx.facts.instances[id];
    const inst = f?.ok ? f.value : null;
    if (!inst || inst.vpcId !== vpcId || !inst.subnetId) continue;
    const s = ctx.facts.subnets[inst.subnetId];
    const az = (s?.ok ? s.value.availabilityZone : undefined) ?? inst.availabilityZone ?? inst.subnetId;
    if (!byAz.has(az)) byAz.set(az, inst.subnetId);
  }
  return byAz.size ? [...byAz.values()] : [subnetId];
}

/**
 * The fix "create interface endpoints for these services" in the instance's VPC, mirroring the article's
 * `aws_vpc_endpoint` resources: in the subnets and with the security groups of the VPC's existing agent endpoints
 * (else the subnets of endpointSubnets, and a new group that admits HTTPS from the VPC CIDR, with a source: a rule
 * without one is no rule). Turns on the
 * VPC DNS attributes first when they are known to be off (private DNS needs both). The same for every instance
 * of the VPC in this run, so a fleet's fixes merge.
 */
export function createEndpointsFix(
  ctx: TargetContext,
  target: { vpcId: string; subnetId: string },
  services: string[],
  summary?: string,
): Fix {
  const { vpcId } = target;
  const r = ctx.region;
  // Next to the VPC's existing agent endpoints when it has some (often dedicated endpoint subnets).
  const live = agentEndpointsOfVpc(ctx, vpcId).filter((e) => !['deleted', 'deleting', 'failed', 'rejected', 'expired'].includes(e.state.toLowerCase()));
  const theirs = [...new Set(live.flatMap((e) => e.subnetIds))];
  const subnets = theirs.length > 0 ? theirs : endpointSubnets(ctx, vpcId, target.subnetId);
  const existingSgs = [...new Set(agentEndpointsOfVpc(ctx, vpcId).flatMap((e) => e.securityGroupIds))];
  const vpc = ctx.facts.vpcs[vpcId];
  const vpcCidr = (vpc?.ok ? vpc.value.cidrs[0] : undefined) ?? subnetCidr(ctx, target.subnetId);
  const cli: string[] = [];

  const dns = ctx.facts.vpcDnsAttributes[vpcId];
  if (dns?.ok) cli.push(...vpcDnsCommands(vpcId, dns.value, r));

  let sgCli: string;
  let sgTf: string;
  let sgResource = '';
  if (existingSgs.length > 0) {
    sgCli = existingSgs.join(' ');
    sgTf = existingSgs.map((s) => `"${s}"`).join(', ');
  } else {
    const v = shellVar('SG', vpcId);
    const label = tfName('ssm_endpoints', vpcId);
    const source = vpcCidr ? `--cidr ${vpcCidr}` : `--source-group ${instanceSgs(ctx)[0] ?? 'default'}`;
    cli.push(
      `${v}=$(aws ec2 create-security-group --group-name ssm-endpoints --description "HTTPS from ${vpcId} to the SSM interface endpoints" --vpc-id ${vpcId} --region ${r} --query GroupId --output text)`,
      `aws ec2 authorize-security-group-ingress --group-id "$${v}" --protocol tcp --port 443 ${source} --region ${r}`,
    );
    sgCli = `"$${v}"`;
    sgTf = `aws_security_group.${label}.id`;
    sgResource =
      `resource "aws_security_group" "${label}" {\n` +
      `  name        = "ssm-endpoints"\n` +
      `  description = "HTTPS from ${vpcId} to the SSM interface endpoints"\n` +
      `  vpc_id      = "${vpcId}"\n` +
      `  # An ingress block needs a source: without cidr_blocks or security_groups AWS stores no rule at all.\n` +
      `  ingress {\n` +
      `    from_port   = 443\n` +
      `    to_port     = 443\n` +
      `    protocol    = "tcp"\n` +
      (vpcCidr ? `    cidr_blocks = ["${vpcCidr}"]\n` : `    security_groups = [${instanceSgs(ctx).map((g) => `"${g}"`).join(', ')}]\n`) +
      `  }\n` +
      `}\n\n`;
  }

  for (const s of services) {
    cli.push(
      `aws ec2 create-vpc-endpoint --vpc-id ${vpcId} --vpc-endpoint-type Interface --service-name ${serviceName(r, s)} ` +
        `--subnet-ids ${subnets.join(' ')} --security-group-ids ${sgCli} --private-dns-enabled --region ${r}`,
    );
  }
  const terraform =
    sgResource +
    services
      .map(
        (s) =>
          `resource "aws_vpc_endpoint" "${tfName(s, vpcId)}" {\n` +
          `  vpc_id              = "${vpcId}"\n` +
          `  service_name        = "${serviceName(r, s)}"\n` +
          `  vpc_endpoint_type   = "Interface"\n` +
          `  security_group_ids  = [${sgTf}]\n` +
          `  subnet_ids          = [${subnets.map((x) => `"${x}"`).join(', ')}]\n` +
          `  private_dns_enabled = true\n` +
          `}`,
      )
      .join('\n\n');
  const names = services.map((s) => serviceName(r, s)).join(', ');
  return {
    summary:
      summary ??
      `Create the interface endpoint${services.length > 1 ? 's' : ''} for ${names} in ${vpcId} (${subnets.length > 1 ? 'subnets' : 'subnet'} ${subnets.join(', ')}) with private DNS.`,
    cli,
    terraform: `${terraform}\n`,
  };
}

function instanceSgs(ctx: TargetContext): string[] {
  const f = ctx.facts.instances[ctx.id];
  return f?.ok && f.value ? f.value.securityGroupIds : [];
}

function subnetCidr(ctx: TargetContext, subnetId: string): string | undefined {
  const s = ctx.facts.subnets[subnetId];
  return s?.ok ? s.value.cidr : undefined;
}
