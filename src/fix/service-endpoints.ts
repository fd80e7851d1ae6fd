// Fixes that give the agent a way to kms, logs and s3 when it reaches Systems Manager through interface
// endpoints: another interface endpoint like the ssm one, the free S3 gateway endpoint or its route table
// association (private DNS on an existing endpoint: src/fix/route.ts privateDnsFix). Each Terraform label names the
// resource it is for (the VPC, the route table), so a fleet's plan defines one per VPC or route table, and the
// instances sharing one share the label.
import type { Fix } from '../check/kit.js';
import type { VpcEndpoint } from '../facts/facts.js';
import { serviceName } from '../facts/lookup.js';
import { tfLabel } from '../eval/permissions.js';
import { tfName } from './endpoints.js';

/**
 * An interface endpoint for `service` in the subnets and security groups of `template` (the agent's ssm endpoint),
 * labelled like the agent's endpoints (`kms_0a1b…`: one per VPC).
 */
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
      `resource "aws_vpc_endpoint" "${tfName(service, vpcId)}" {`,
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

/** The gateway endpoint on one more route table (labelled by both: one association per pair). */
export function associateGatewayFix(region: string, endpointId: string, routeTableId: string): Fix {
  return {
    summary: `Associate ${endpointId} with route table ${routeTableId}.`,
    cli: [`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${endpointId} --add-route-table-ids ${routeTableId} --region ${region}`],
    terraform: [
      `resource "aws_vpc_endpoint_route_table_association" "${tfLabel(`${endpointId}_${routeTableId}`)}" {`,
      `  vpc_endpoint_id = "${endpointId}"`,
      `  route_table_id  = "${routeTableId}"`,
      '}',
    ].join('\n'),
  };
}

/**
 * The free S3 gateway endpoint on the instance subnet's route table: one per route table, as the command creates it
 * (`s3_rtb_0a1b…`), so instances of a VPC with different route tables each get theirs and those sharing one share it.
 */
export function s3GatewayFix(region: string, vpcId: string, routeTableId: string): Fix {
  const name = serviceName(region, 's3');
  return {
    summary: `Create the S3 gateway endpoint (free) in ${vpcId} on route table ${routeTableId}.`,
    cli: [
      `aws ec2 create-vpc-endpoint --vpc-id ${vpcId} --vpc-endpoint-type Gateway --service-name ${name} --route-table-ids ${routeTableId} --region ${region}`,
    ],
    terraform: [
      `resource "aws_vpc_endpoint" "${tfLabel(`s3_${routeTableId}`)}" {`,
      `  vpc_id            = "${vpcId}"`,
      `  service_name      = "${name}"`,
      '  vpc_endpoint_type = "Gateway"',
      `  route_table_ids   = ["${routeTableId}"]`,
      '}',
    ].join('\n'),
  };
}
