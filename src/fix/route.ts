// Fixes for the subnet's way out: a default route to a NAT gateway, a replacement for a dead NAT gateway, an
// Elastic IP for an instance behind an internet gateway, private DNS on endpoints that exist.
import type { Fix } from '../check/kit.js';
import type { NatGateway, VpcEndpoint } from '../facts/facts.js';
import { shellVar, tfName } from './endpoints.js';
import { tfChange } from './terraform.js';

function defaultRouteTf(routeTableId: string, nat: string): string {
  return (
    `resource "aws_route" "${tfName('default', routeTableId)}" {\n` +
    `  route_table_id         = "${routeTableId}"\n` +
    `  destination_cidr_block = "0.0.0.0/0"\n` +
    `  nat_gateway_id         = ${nat}\n` +
    `}\n`
  );
}

/** 0.0.0.0/0 of the route table to an available NAT gateway: a new route, or in place of a blackhole one. */
export function routeToNatFix(region: string, routeTableId: string, nat: NatGateway, replace: boolean): Fix {
  return {
    summary: replace
      ? `Point 0.0.0.0/0 of ${routeTableId} at the available NAT gateway ${nat.id}.`
      : `Route 0.0.0.0/0 of ${routeTableId} to the available NAT gateway ${nat.id} (or create interface endpoints).`,
    cli: [
      `aws ec2 ${replace ? 'replace-route' : 'create-route'} --route-table-id ${routeTableId} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id ${nat.id} --region ${region}`,
    ],
    terraform: defaultRouteTf(routeTableId, `"${nat.id}"`),
  };
}

/** A failed / deleted NAT gateway: a new one in a public subnet, and the default route moved to it. */
export function replaceNatFix(region: string, nat: NatGateway, routeTableId: string): Fix {
  const subnet = nat.subnetId;
  if (!subnet) {
    return {
      summary: `Replace ${nat.id} (${nat.state}) with a new NAT gateway in a public subnet and point 0.0.0.0/0 of ${routeTableId} at it (or create interface endpoints).`,
      cli: [],
    };
  }
  const alloc = shellVar('ALLOC', nat.id);
  const natVar = shellVar('NAT', nat.id);
  const label = tfName('replacement', nat.id);
  return {
    summary: `Replace ${nat.id} (${nat.state}) with a new NAT gateway in ${subnet} and point 0.0.0.0/0 of ${routeTableId} at it.`,
    cli: [
      `${alloc}=$(aws ec2 allocate-address --domain vpc --region ${region} --query AllocationId --output text)`,
      `${natVar}=$(aws ec2 create-nat-gateway --subnet-id ${subnet} --allocation-id "$${alloc}" --region ${region} --query NatGateway.NatGatewayId --output text)`,
      `aws ec2 wait nat-gateway-available --nat-gateway-ids "$${natVar}" --region ${region}`,
      `aws ec2 replace-route --route-table-id ${routeTableId} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$${natVar}" --region ${region}`,
    ],
    terraform:
      `resource "aws_eip" "${label}" {\n  domain = "vpc"\n}\n\n` +
      `resource "aws_nat_gateway" "${label}" {\n  allocation_id = aws_eip.${label}.id\n  subnet_id     = "${subnet}"\n}\n\n` +
      defaultRouteTf(routeTableId, `aws_nat_gateway.${label}.id`),
  };
}

/**
 * A public NAT gateway whose own subnet has no way to the internet: its subnet gets a route table of its own (a
 * shared one also serves the private subnets, whose default route points at the NAT gateway) with 0.0.0.0/0 to the
 * VPC's internet gateway, created and attached when the VPC has none.
 */
export function natUplinkFix(region: string, vpcId: string, nat: NatGateway & { subnetId: string }, igwId: string | undefined): Fix {
  const rtb = shellVar('RTB_PUBLIC', nat.subnetId);
  const igw = igwId ?? `$${shellVar('IGW', vpcId)}`;
  const label = tfName('public', nat.subnetId);
  const tfIgw = igwId ? `"${igwId}"` : `aws_internet_gateway.${tfName('ssm', vpcId)}.id`;
  return {
    summary:
      `Give NAT gateway ${nat.id}'s subnet ${nat.subnetId} a way to the internet: a route table of its own with 0.0.0.0/0 to ` +
      `${igwId ? `internet gateway ${igwId}` : `a new internet gateway attached to ${vpcId}`}.`,
    cli: [
      ...(igwId
        ? []
        : [
            `${shellVar('IGW', vpcId)}=$(aws ec2 create-internet-gateway --region ${region} --query InternetGateway.InternetGatewayId --output text)`,
            `aws ec2 attach-internet-gateway --internet-gateway-id "${igw}" --vpc-id ${vpcId} --region ${region}`,
          ]),
      `${rtb}=$(aws ec2 create-route-table --vpc-id ${vpcId} --region ${region} --query RouteTable.RouteTableId --output text)`,
      `aws ec2 create-route --route-table-id "$${rtb}" --destination-cidr-block 0.0.0.0/0 --gateway-id "${igw}" --region ${region}`,
      `aws ec2 associate-route-table --route-table-id "$${rtb}" --subnet-id ${nat.subnetId} --region ${region}`,
    ],
    terraform:
      (igwId ? '' : `resource "aws_internet_gateway" "${tfName('ssm', vpcId)}" {
  vpc_id = "${vpcId}"
}

`) +
      `resource "aws_route_table" "${label}" {
  vpc_id = "${vpcId}"
}

` +
      `resource "aws_route" "${label}_internet" {
  route_table_id         = aws_route_table.${label}.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = ${tfIgw}
}

` +
      `resource "aws_route_table_association" "${label}" {
  subnet_id      = "${nat.subnetId}"
  route_table_id = aws_route_table.${label}.id
}
`,
  };
}

/** A route to an internet gateway that is not attached to the VPC: attach it. */
export function attachIgwFix(region: string, igwId: string, vpcId: string, routeTableId: string): Fix {
  return {
    summary: `Attach ${igwId} to ${vpcId} (or route ${routeTableId} through a NAT gateway, or create interface endpoints).`,
    cli: [`aws ec2 attach-internet-gateway --internet-gateway-id ${igwId} --vpc-id ${vpcId} --region ${region}`],
    terraform: `resource "aws_internet_gateway_attachment" "${tfName('ssm', igwId)}" {\n  internet_gateway_id = "${igwId}"\n  vpc_id              = "${vpcId}"\n}\n`,
  };
}

/** An instance behind an internet gateway without a public IP: an Elastic IP for it. */
export function elasticIpFix(region: string, instanceId: string, routeTableId: string): Fix {
  const alloc = shellVar('ALLOC', instanceId);
  return {
    summary: `Associate an Elastic IP with ${instanceId} (or route ${routeTableId} through a NAT gateway, or create interface endpoints).`,
    cli: [
      `${alloc}=$(aws ec2 allocate-address --domain vpc --region ${region} --query AllocationId --output text)`,
      `aws ec2 associate-address --instance-id ${instanceId} --allocation-id "$${alloc}" --region ${region}`,
    ],
    terraform: `resource "aws_eip" "${tfName('ssm', instanceId)}" {\n  domain   = "vpc"\n  instance = "${instanceId}"\n}\n`,
  };
}

/** Private DNS on endpoints that exist but are bypassed. */
export function privateDnsFix(region: string, endpoints: VpcEndpoint[], service: string): Fix {
  return {
    summary: `Enable private DNS on ${endpoints.map((e) => e.id).join(', ')}.`,
    cli: endpoints.map((e) => `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${e.id} --private-dns-enabled --region ${region}`),
    terraform: endpoints.map((e) => tfChange(`${e.id} (aws_vpc_endpoint for ${service})`, ['private_dns_enabled = true'])).join(''),
  };
}

/** A blackhole default route removed first, then the rest of `fix`. */
export function withRouteDeleted(fix: Fix, routeTableId: string, region: string): Fix {
  return { ...fix, cli: [`aws ec2 delete-route --route-table-id ${routeTableId} --destination-cidr-block 0.0.0.0/0 --region ${region}`, ...fix.cli] };
}
