// The S3 client and only the command ssm-doctor sends (the bucket the session preferences name). Loaded on
// demand by ../services.ts.
export { S3Client as Client, GetBucketEncryptionCommand } from '@aws-sdk/client-s3';
