// Shared pieces of the endpoint / route checks: the "create the interface endpoints" fix (CLI + the article's
// Terraform with real ids), where endpoints live (subnets / AZs), and the agent version as far as SSM knows it.
import type { TargetContext } from '../check/kit.js';
import type { Fix } from '../check/kit.js';
import type { VpcEndpoint } from '../facts/facts.js';
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

/** All interface endpoints of a VPC for the agent services (ssm, ssmmessages, ec2messages), leniently. */
export function agentEndpointsOfVpc(ctx: TargetContext, vpcId: string): VpcEndpoint[] {
  const eps = ctx.facts.endpoints[vpcId];
  if (!eps?.ok) return [];
  const names = new Set(AGENT_SERVICES.map((s) => serviceName(ctx.region, s)));
  return eps.value.filter((e) => e.vpcId === vpcId && e.type.toLowerCase() === 'interface' && names.has(e.serviceName));
}

/** Terraform resource label for a service (`ssm`, `ssmmessages`, `ec2messages`, `kms`...). */
function tfLabel(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

const NEW_SG = '<sg-id printed by create-security-group>';

/**
 * The fix "create interface endpoints for these services" in the instance's VPC and subnet, mirroring the
 * article's `aws_vpc_endpoint` resources. Reuses the security groups of the VPC's existing agent endpoints;
 * otherwise creates one that admits HTTPS from the VPC CIDR (with a source: a rule without one is no rule).
 * Turns on the VPC DNS attributes first when they are known to be off (private DNS needs both).
 */
export function createEndpointsFix(
  ctx: TargetContext,
  target: { vpcId: string; subnetId: string },
  services: string[],
  summary?: string,
): Fix {
  const { vpcId, subnetId } = target;
  const r = ctx.region;
  const existingSgs = [...new Set(agentEndpointsOfVpc(ctx, vpcId).flatMap((e) => e.securityGroupIds))];
  const vpc = ctx.facts.vpcs[vpcId];
  const vpcCidr = (vpc?.ok ? vpc.value.cidrs[0] : undefined) ?? subnetCidr(ctx, subnetId) ?? '<vpc-cidr>';
  const cli: string[] = [];

  const dns = ctx.facts.vpcDnsAttributes[vpcId];
  if (dns?.ok && !dns.value.enableDnsSupport) {
    cli.push(`aws ec2 modify-vpc-attribute --vpc-id ${vpcId} --enable-dns-support "{\\"Value\\":true}" --region ${r}`);
  }
  if (dns?.ok && !dns.value.enableDnsHostnames) {
    cli.push(`aws ec2 modify-vpc-attribute --vpc-id ${vpcId} --enable-dns-hostnames "{\\"Value\\":true}" --region ${r}`);
  }

  let sgCli: string;
  let sgTf: string;
  let sgResource = '';
  if (existingSgs.length > 0) {
    sgCli = existingSgs.join(' ');
    sgTf = existingSgs.map((s) => `"${s}"`).join(', ');
  } else {
    cli.push(
      `aws ec2 create-security-group --group-name ssm-endpoints --description "HTTPS from ${vpcId} to the SSM interface endpoints" --vpc-id ${vpcId} --region ${r} --query GroupId --output text`,
      `aws ec2 authorize-security-group-ingress --group-id ${NEW_SG} --protocol tcp --port 443 --cidr ${vpcCidr} --region ${r}`,
    );
    sgCli = NEW_SG;
    sgTf = 'aws_security_group.endpoint-sg.id';
    sgResource =
      `resource "aws_security_group" "endpoint-sg" {\n` +
      `  name   = "for endpoint"\n` +
      `  vpc_id = "${vpcId}"\n` +
      `  ingress {\n` +
      `    from_port   = 443\n` +
      `    to_port     = 443\n` +
      `    protocol    = "tcp"\n` +
      `    cidr_blocks = ["${vpcCidr}"] # without a source AWS stores no rule at all\n` +
      `  }\n` +
      `}\n\n`;
  }

  for (const s of services) {
    cli.push(
      `aws ec2 create-vpc-endpoint --vpc-id ${vpcId} --vpc-endpoint-type Interface --service-name ${serviceName(r, s)} ` +
        `--subnet-ids ${subnetId} --security-group-ids ${sgCli} --private-dns-enabled --region ${r}`,
    );
  }
  const terraform =
    sgResource +
    services
      .map(
        (s) =>
          `resource "aws_vpc_endpoint" "${tfLabel(s)}" {\n` +
          `  vpc_id              = "${vpcId}"\n` +
          `  service_name        = "${serviceName(r, s)}"\n` +
          `  vpc_endpoint_type   = "Interface"\n` +
          `  security_group_ids  = [${sgTf}]\n` +
          `  subnet_ids          = ["${subnetId}"]\n` +
          `  private_dns_enabled = true\n` +
          `}`,
      )
      .join('\n\n');
  return {
    summary:
      summary ??
      `Create interface endpoint${services.length > 1 ? 's' : ''} for ${services.map((s) => serviceName(r, s)).join(', ')} in ${vpcId} (subnet ${subnetId}) with private DNS.`,
    cli,
    terraform,
  };
}

function subnetCidr(ctx: TargetContext, subnetId: string): string | undefined {
  const s = ctx.facts.subnets[subnetId];
  return s?.ok ? s.value.cidr : undefined;
}
