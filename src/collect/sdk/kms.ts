// The KMS client and only the commands ssm-doctor sends (the key the session preferences name). Loaded on
// demand by ../services.ts.
export { KMSClient as Client, DescribeKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
