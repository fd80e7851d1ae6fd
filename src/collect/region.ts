// Resolves the region the way the AWS SDK does (env, profile, IMDS), without sending any request.
import { quietSdkWarnings } from './config.js';
export async function resolveRegion(profile: string | undefined): Promise<string | undefined> {
  const fromEnv = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  quietSdkWarnings(); // stderr is ssm-doctor's: no SDK "node >= 22" process warning from this client either
  const { STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient(profile ? { profile } : {});
  try {
    const region = await client.config.region();
    return region || undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}
