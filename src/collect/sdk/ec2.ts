// The EC2 client and only the commands ssm-doctor sends (named re-exports let the bundler drop the other
// ~700 commands and their schemas). Loaded on demand by ../services.ts.
export {
  EC2Client as Client,
  DescribeDhcpOptionsCommand,
  DescribeImagesCommand,
  DescribeInstanceConnectEndpointsCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeInternetGatewaysCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  GetConsoleOutputCommand,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
