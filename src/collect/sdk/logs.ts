// The CloudWatch Logs client and only the command ssm-doctor sends (the log group the session preferences
// name). Loaded on demand by ../services.ts.
export { CloudWatchLogsClient as Client, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
