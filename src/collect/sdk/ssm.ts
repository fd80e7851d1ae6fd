// The SSM client and only the commands ssm-doctor sends. Loaded on demand by ../services.ts.
export {
  SSMClient as Client,
  DescribeActivationsCommand,
  DescribeInstanceInformationCommand,
  GetConnectionStatusCommand,
  GetDocumentCommand,
  GetServiceSettingCommand,
} from '@aws-sdk/client-ssm';
