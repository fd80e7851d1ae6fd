// The only mutating AWS call in ssm-doctor: ec2:RebootInstances, behind --reboot and a confirmation (CLI side).
// Imported only for --reboot; its named imports keep the rest of the EC2 client out of the bundle.
import { EC2Client, RebootInstancesCommand } from '@aws-sdk/client-ec2';
import type { ApiError } from '../facts/facts.js';
import { clientConfig, quietSdkWarnings } from './config.js';
import { toApiError } from './errors.js';

export class RebootError extends Error {
  constructor(readonly apiError: ApiError) {
    super(`ec2:RebootInstances failed with ${apiError.code}${apiError.message ? `: ${apiError.message}` : ''}`);
    this.name = 'RebootError';
  }
}

/** Reboots the instances (one ec2:RebootInstances call). Throws RebootError on failure. */
export async function rebootInstances(
  opts: { region: string; profile?: string; timeoutMs?: number },
  ids: string[],
): Promise<void> {
  const instanceIds = [...new Set(ids)];
  if (instanceIds.length === 0) return;
  quietSdkWarnings();
  // Not retried by us beyond the SDK's standard policy: rebooting is idempotent for a short window.
  const client = new EC2Client(clientConfig({ ...opts, maxAttempts: 3 }));
  try {
    await client.send(new RebootInstancesCommand({ InstanceIds: instanceIds }));
  } catch (err) {
    throw new RebootError(toApiError('ec2:RebootInstances', err));
  } finally {
    client.destroy();
  }
}
