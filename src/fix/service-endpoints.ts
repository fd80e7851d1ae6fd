// Fixes that give the agent a way to kms, logs and s3 when it reaches Systems Manager through interface
// endpoints: another interface endpoint like the ssm one, the free S3 gateway endpoint or its route table
// association (private DNS on an existing endpoint: src/fix/route.ts privateDnsFix).
import type { Fix } from '../check/kit.js';
import type { VpcEndpoint } from '../facts/facts.js';
import { serviceName } from '../facts/lookup.js';
import { tfLabel } from '../eval/permissions.js';

/** An interface endpoint for `service` in the subnets and security groups of `template` (the agent's ssm endpoint). */
export function interfaceEndpointFix(region: string, vpcId: string, service: string, template: Pick<VpcEndpoint, 'subnetIds' | 'securityGroupIds'>): Fix {
  const name = serviceName(region, service);
  const { subnetIds, securityGroupIds } = template;
  const sgs = securityGroupIds.length ? ` --security-group-ids ${securityGroupIds.join(' ')}` : '';
  return {
    summary: `Create an interface endpoint for ${name} in ${vpcId} with private DNS (same subnets and security groups as the ssm endpoint).`,
    cli: [
      `aws ec2 create-vpc-endpoint --vpc-id ${vpcId} --vpc-endpoint-type Interface --service-name ${name} ` +
        `--subnet-ids ${subnetIds.join(' ')}${sgs} --private-dns-enabled --region ${region}`,
    ],
    terraform: [
      `resource "aws_vpc_endpoint" "${tfLabel(service)}" {`,
      `  vpc_id              = "${vpcId}"`,
      `  service_name        = "${name}"`,
      '  vpc_endpoint_type   = "Interface"',
      `  subnet_ids          = [${subnetIds.map((s) => `"${s}"`).join(', ')}]`,
      ...(securityGroupIds.length ? [`  security_group_ids  = [${securityGroupIds.map((s) => `"${s}"`).join(', ')}]`] : []),
      '  private_dns_enabled = true',
      '}',
    ].join('\n'),
  };
}

export function associateGatewayFix(region: string, endpointId: string, routeTableId: string): Fix {
  return {
    summary: `Associate ${endpointId} with route table ${routeTableId}.`,
    cli: [`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${endpointId} --add-route-table-ids ${routeTableId} --region ${region}`],
    terraform: [
      'resource "aws_vpc_endpoint_route_table_association" "s3" {',
      `  vpc_endpoint_id = "${endpointId}"`,
      `  route_table_id  = "${routeTableId}"`,
      '}',
    ].join('\n'),
  };
}

/** The free S3 gateway endpoint on the instance subnet's route table. */
export function s3GatewayFix(region: string, vpcId: string, routeTableId: string): Fix {
  const name = serviceName(region, 's3');
  return {
    summary: `Create the S3 gateway endpoint (free) in ${vpcId} on route table ${routeTableId}.`,
    cli: [
      `aws ec2 create-vpc-endpoint --vpc-id ${vpcId} --vpc-endpoint-type Gateway --service-name ${name} --route-table-ids ${routeTableId} --region ${region}`,
    ],
    terraform: [
      'resource "aws_vpc_endpoint" "s3" {',
      `  vpc_id            = "${vpcId}"`,
      `  service_name      = "${name}"`,
      '  vpc_endpoint_type = "Gateway"',
      `  route_table_ids   = ["${routeTableId}"]`,
      '}',
    ].join('\n'),
  };
}
