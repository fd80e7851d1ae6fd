// S3 (REST-XML) as far as ssm-doctor reads it: GET /<bucket>?encryption (GetBucketEncryption), answered from the
// facts' `buckets`. The bucket comes from the path (path style: the SDK uses it for an IP-address endpoint such as
// this server's, and for dotted names) or from the Host header (virtual-hosted style).
import { AwsError, XML_DECL, errorFromFact, xmlEscape } from './wire.js';
import type { World } from './world.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The bucket and operation of a request, or undefined when it is not one this server answers. */
export function s3Request(method: string | undefined, url: string, host: string | undefined): { action: string; bucket: string } | undefined {
  const u = new URL(url, 'http://x');
  const fromHost = host && !/^(\d+\.){3}\d+(:\d+)?$|^\[|^localhost(:\d+)?$/.test(host) ? host.split('.')[0] : undefined;
  const segments = u.pathname.split('/').filter(Boolean);
  const bucket = fromHost ?? (segments[0] ? decodeURIComponent(segments[0]) : undefined);
  if (!bucket) return undefined;
  if (method === 'GET' && u.searchParams.has('encryption')) return { action: 'GetBucketEncryption', bucket };
  return { action: `${method ?? 'GET'} ${u.pathname}${u.search}`, bucket };
}

export function s3ErrorBody(err: AwsError, requestId: string, bucket?: string): string {
  return `${XML_DECL}<Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>${bucket ? `<BucketName>${xmlEscape(bucket)}</BucketName>` : ''}<RequestId>${requestId}</RequestId><HostId>aws-server</HostId></Error>`;
}

export function getBucketEncryption(world: World, bucket: string): string {
  const f = world.facts.buckets?.[bucket];
  if (f && !f.ok) throw errorFromFact(f.error, 's3');
  if (!f || f.value === null) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
  const enc = f.value;
  if (!enc.algorithm) {
    throw new AwsError('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', 404);
  }
  const key = enc.kmsKeyId ? `<KMSMasterKeyID>${xmlEscape(enc.kmsKeyId)}</KMSMasterKeyID>` : '';
  const bucketKey = enc.bucketKeyEnabled === undefined ? '' : `<BucketKeyEnabled>${enc.bucketKeyEnabled}</BucketKeyEnabled>`;
  return (
    `${XML_DECL}<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}"><Rule><ApplyServerSideEncryptionByDefault>` +
    `<SSEAlgorithm>${xmlEscape(enc.algorithm)}</SSEAlgorithm>${key}</ApplyServerSideEncryptionByDefault>${bucketKey}</Rule></ServerSideEncryptionConfiguration>`
  );
}
