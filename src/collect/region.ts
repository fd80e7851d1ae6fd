// Resolves the region the way the AWS SDK does (env, profile, IMDS), without sending any request.
import { loadService } from './services.js';
export async function resolveRegion(profile: string | undefined): Promise<string | undefined> {
  const fromEnv = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const sts = await loadService('sts');
  const client = new sts.Client(profile ? { profile } : {});
  try {
    const region = await client.config.region();
    return region || undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}
