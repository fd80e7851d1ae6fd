// SDK clients for the reads only some runs need (KMS, CloudWatch Logs, S3, CloudTrail). Each service's SDK is
// imported the first time one of its reads is made (scripts/build.mjs splits it into its own chunk), so a run
// whose preferences name no log group, bucket or key, and whose agents are online, never loads them.
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';

export interface EvidenceSdk {
  kms: typeof import('@aws-sdk/client-kms');
  logs: typeof import('@aws-sdk/client-cloudwatch-logs');
  s3: typeof import('@aws-sdk/client-s3');
  cloudtrail: typeof import('@aws-sdk/client-cloudtrail');
}

/** Clients a test may inject (aws-sdk-client-mock); missing ones are built on first use. */
export interface GivenEvidenceClients {
  kms?: KMSClient;
  logs?: CloudWatchLogsClient;
  s3?: S3Client;
  cloudtrail?: CloudTrailClient;
}

type Loaded<K extends keyof EvidenceSdk> = { sdk: EvidenceSdk[K]; client: NonNullable<GivenEvidenceClients[K]> };

const importers: { [K in keyof EvidenceSdk]: () => Promise<EvidenceSdk[K]> } = {
  kms: () => import('@aws-sdk/client-kms'),
  logs: () => import('@aws-sdk/client-cloudwatch-logs'),
  s3: () => import('@aws-sdk/client-s3'),
  cloudtrail: () => import('@aws-sdk/client-cloudtrail'),
};

/**
 * Lazily built clients sharing the collector's configuration (region, retries, timeouts, and the credential
 * provider the STS client resolved, so SSO or credential_process still run once per run). Built clients are
 * pushed to `owned`, which the collector destroys when it is done.
 */
export class EvidenceClients {
  private readonly loading = new Map<keyof EvidenceSdk, Promise<unknown>>();

  constructor(
    private readonly config: Record<string, unknown>,
    private readonly given: GivenEvidenceClients,
    private readonly owned: { destroy(): void }[],
  ) {}

  kms(): Promise<Loaded<'kms'>> {
    return this.load('kms', (m, cfg) => new m.KMSClient(cfg));
  }

  logs(): Promise<Loaded<'logs'>> {
    return this.load('logs', (m, cfg) => new m.CloudWatchLogsClient(cfg));
  }

  /**
   * S3 follows region redirects: the logging bucket may live in another region than the instance. Addressing
   * is the SDK's default (virtual-hosted, path style for dotted names or an IP-address `AWS_ENDPOINT_URL`).
   */
  s3(): Promise<Loaded<'s3'>> {
    return this.load('s3', (m, cfg) => new m.S3Client({ ...cfg, followRegionRedirects: true }));
  }

  cloudtrail(): Promise<Loaded<'cloudtrail'>> {
    return this.load('cloudtrail', (m, cfg) => new m.CloudTrailClient(cfg));
  }

  private load<K extends keyof EvidenceSdk>(
    name: K,
    build: (sdk: EvidenceSdk[K], cfg: Record<string, unknown>) => NonNullable<GivenEvidenceClients[K]>,
  ): Promise<Loaded<K>> {
    let p = this.loading.get(name) as Promise<Loaded<K>> | undefined;
    if (!p) {
      p = importers[name]().then((sdk) => {
        const given = this.given[name] as GivenEvidenceClients[K];
        if (given) return { sdk, client: given as NonNullable<GivenEvidenceClients[K]> };
        const client = build(sdk, this.config);
        this.owned.push(client);
        return { sdk, client };
      });
      this.loading.set(name, p);
    }
    return p;
  }
}
