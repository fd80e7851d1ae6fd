// The STS client (it also resolves the credentials every other client shares) and the one command sent.
// Loaded on demand by ../services.ts.
export { STSClient as Client, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
