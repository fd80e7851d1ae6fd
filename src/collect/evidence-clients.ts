// The clients of the reads only some runs need (KMS, CloudWatch Logs, S3, CloudTrail): the run's AwsServices
// (src/collect/services.ts), each service loaded the first time one of its reads is made, so a run whose
// preferences name no log group, bucket or key, and whose agents are online, never loads them.
import type { AwsClients, AwsServices, Sdk } from './services.js';

type Occasional = 'kms' | 'logs' | 's3' | 'cloudtrail';
type Loaded<K extends Occasional> = { sdk: Sdk[K]; client: AwsClients[K] };

export class EvidenceClients {
  constructor(private readonly services: AwsServices) {}

  kms(): Promise<Loaded<'kms'>> {
    return this.load('kms');
  }

  logs(): Promise<Loaded<'logs'>> {
    return this.load('logs');
  }

  s3(): Promise<Loaded<'s3'>> {
    return this.load('s3');
  }

  cloudtrail(): Promise<Loaded<'cloudtrail'>> {
    return this.load('cloudtrail');
  }

  private async load<K extends Occasional>(name: K): Promise<Loaded<K>> {
    await this.services.ready(name);
    return { sdk: this.services.sdk[name], client: this.services.clients[name] };
  }
}
