// The CloudTrail client and only the command ssm-doctor sends (the record of a late fix). Loaded on demand by
// ../services.ts.
export { CloudTrailClient as Client, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
