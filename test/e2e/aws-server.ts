// A local HTTP server speaking the AWS wire formats ssm-doctor uses (EC2 ec2Query XML, IAM/STS awsQuery
// XML, SSM / KMS / CloudWatch Logs / CloudTrail awsJson1_1, S3 REST-XML), for end-to-end tests and benchmarks. Point the CLI or SDK clients at it with
// `AWS_ENDPOINT_URL=<url>` (every service shares the URL) and fake static credentials.
//
// Its world is a `Facts` object: every answer is rendered FROM the facts, so collecting over HTTP gives back
// the facts the server was built from. A fact recorded as `{ ok: false, error }` makes the matching call
// answer that error (denied -> 403 query / 400 JSON, throttled -> the service's throttling error, timeout ->
// no answer, network -> connection dropped). Faults inject errors, throttling, hangs and garbage on top.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Facts } from '../../src/facts/facts.js';
import { EC2_HANDLERS } from './aws-server/ec2.js';
import { EC2_EVIDENCE_HANDLERS } from './aws-server/ec2-evidence.js';
import { IAM_HANDLERS, STS_HANDLERS } from './aws-server/iam.js';
import { SSM_HANDLERS } from './aws-server/ssm.js';
import { EVIDENCE_HANDLERS, EVIDENCE_TARGETS } from './aws-server/evidence-json.js';
import { getBucketEncryption, s3ErrorBody, s3Request } from './aws-server/s3.js';
import {
  AwsError,
  NoAnswer,
  ec2ErrorBody,
  ec2Response,
  jsonErrorBody,
  parseForm,
  queryErrorBody,
  queryResponse,
  requestId,
  statusFor,
  throttleError,
  isJsonService,
  type QueryParams,
  type Service,
  type XmlNode,
} from './aws-server/wire.js';
import { worldOf } from './aws-server/world.js';

export interface Fault {
  /** Action name (`DescribeVpcEndpoints`), or `*` for every action. */
  action: string;
  kind: 'error' | 'hang' | 'malformed' | 'throttle';
  /** For `error`: the AWS error code (default `InternalError`). */
  code?: string;
  message?: string;
  /** For `error`: the HTTP status (default 500 for InternalError-like codes, else 400). */
  status?: number;
  /** How many matching requests it affects (retries count); default: all. */
  times?: number;
}

export interface ServerOptions {
  facts: Facts;
  faults?: Fault[];
  /** Added before every response, for benchmarks. */
  latencyMs?: number;
  /** Max items per page for paginated calls (default 1000). */
  pageSize?: number;
  /** DescribeInstanceInformation first returns this many empty pages with a NextToken. */
  emptyPages?: number;
  /**
   * Synthetic running instances (cloned from the first instance of the facts, ids `extraInstanceId(n)`,
   * tag `ssm-doctor:extra=true`, Online agents) added to the world, for fleet-scale benchmarks.
   */
  extraInstances?: number;
  /**
   * Raw serial console output (text) by instance id, answered by GetConsoleOutput instead of the one rendered from
   * the facts' console evidence: to prove that only the evidence survives the collector.
   */
  consoleOutput?: Record<string, string>;
}

export interface RecordedRequest {
  service: Service;
  action: string;
  /** Form parameters (EC2/IAM/STS) or the parsed JSON body (SSM). */
  params: Record<string, string> | unknown;
  /** Date.now() when the request arrived. */
  at: number;
  /** The access key id the request was signed with (SigV4 Credential scope). */
  accessKeyId?: string;
}

export interface AwsServer {
  url: string;
  requests: RecordedRequest[];
  /** Instance ids passed to RebootInstances, in order. */
  reboots: string[];
  close(): Promise<void>;
  setFacts(f: Facts): void;
}

export { extraInstanceId } from './aws-server/world.js';
export { sessionDocumentContent } from './aws-server/ssm.js';

const QUERY_VERSIONS: Record<string, Service> = { '2016-11-15': 'ec2', '2010-05-08': 'iam', '2011-06-15': 'sts' };

/** The service a request is for: X-Amz-Target (JSON), else the query Version, else the SigV4 scope. */
function serviceOf(req: http.IncomingMessage, params: QueryParams): Service | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('AmazonSSM.')) return 'ssm';
  const evidence = typeof target === 'string' ? EVIDENCE_TARGETS.find(([prefix]) => target.startsWith(prefix)) : undefined;
  if (evidence) return evidence[1];
  const byVersion = params.Version ? QUERY_VERSIONS[params.Version] : undefined;
  if (byVersion) return byVersion;
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([a-z0-9-]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''))?.[1];
  return scope === 'ec2' || scope === 'iam' || scope === 'sts' || scope === 'ssm' || scope === 's3' ? scope : undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startAwsServer(opts: ServerOptions): Promise<AwsServer> {
  let facts = opts.facts;
  const pageSize = Math.max(1, opts.pageSize ?? 1000);
  const faults = (opts.faults ?? []).map((f) => ({ ...f, left: f.times ?? Number.POSITIVE_INFINITY }));
  const requests: RecordedRequest[] = [];
  const reboots: string[] = [];
  const sockets = new Set<Socket>();
  let closed = false;

  function takeFault(action: string) {
    const f = faults.find((x) => (x.action === '*' || x.action === action) && x.left > 0);
    if (f) f.left--;
    return f;
  }

  function send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}) {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const rid = requestId();
    const isJson = typeof req.headers['x-amz-target'] === 'string';
    const form = isJson ? {} : { ...parseForm(new URL(req.url ?? '/', 'http://x').search.slice(1)), ...parseForm(raw) };
    const service = serviceOf(req, form);
    let action: string;
    let params: unknown;
    if (isJson) {
      action = String(req.headers['x-amz-target']).split('.').pop() ?? '';
      try {
        params = raw ? JSON.parse(raw) : {};
      } catch {
        params = raw;
      }
    } else {
      action = form.Action ?? '';
      params = form;
    }
    // S3 is REST: the operation is the method and path (GET /<bucket>?encryption), not an Action parameter.
    const s3 = service === 's3' ? s3Request(req.method, req.url ?? '/', req.headers.host) : undefined;
    if (s3) {
      action = s3.action;
      params = { bucket: s3.bucket };
    }
    const accessKeyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    requests.push({ service: service ?? 'ec2', action, params, at: Date.now(), ...(accessKeyId ? { accessKeyId } : {}) });

    const json = service !== undefined && isJsonService(service);
    const reply = async (status: number, body: string, headers: Record<string, string> = {}) => {
      if (opts.latencyMs) await sleep(opts.latencyMs);
      send(res, status, json ? 'application/x-amz-json-1.1' : 'text/xml;charset=UTF-8', body, { 'x-amzn-requestid': rid, ...headers });
    };
    const replyError = async (err: AwsError) => {
      const status = statusFor(err);
      if (json) await reply(status, jsonErrorBody(err), { 'x-amzn-errortype': err.code });
      else if (service === 's3') await reply(status, s3ErrorBody(err, rid, s3?.bucket), { 'x-amz-request-id': rid });
      else if (service === 'ec2') await reply(status, ec2ErrorBody(err, rid));
      else await reply(status, queryErrorBody(err, rid));
    };
    const hang = () => {
      // Never answered: the client's timeout (or close()) ends it.
    };

    if (!service) return replyError(new AwsError('InvalidAction', 'aws-server: cannot tell which service this request is for', 400));

    const fault = takeFault(action);
    if (fault) {
      switch (fault.kind) {
        case 'hang':
          return hang();
        case 'throttle':
          return replyError(throttleError(service));
        case 'malformed':
          return reply(200, json ? '{"InstanceInformationList": [{"InstanceId": "i-' : `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response><requestId>${rid}</requ`);
        case 'error': {
          const code = fault.code ?? 'InternalError';
          return replyError(new AwsError(code, fault.message ?? `aws-server: injected ${code}`, fault.status));
        }
      }
    }

    const world = worldOf(facts, opts.extraInstances ?? 0);
    try {
      if (service === 'ssm') {
        const h = SSM_HANDLERS[action];
        if (!h) throw new AwsError('UnknownOperationException', `aws-server: SSM ${action} is not implemented`);
        const body = h({ world, body: (params && typeof params === 'object' ? params : {}) as Record<string, unknown>, pageSize, emptyPages: opts.emptyPages ?? 0 });
        return reply(200, JSON.stringify(body));
      }
      if (service === 'kms' || service === 'logs' || service === 'cloudtrail') {
        const h = EVIDENCE_HANDLERS[service][action];
        if (!h) throw new AwsError('UnknownOperationException', `aws-server: ${service} ${action} is not implemented`);
        return reply(200, JSON.stringify(h({ world, body: (params && typeof params === 'object' ? params : {}) as Record<string, unknown>, pageSize })));
      }
      if (service === 's3') {
        if (s3?.action !== 'GetBucketEncryption') throw new AwsError('NotImplemented', `aws-server: S3 ${action} is not implemented`, 501);
        return reply(200, getBucketEncryption(world, s3.bucket), { 'x-amz-request-id': rid });
      }
      const p = params as QueryParams;
      if (service === 'ec2') {
        const h = EC2_HANDLERS[action] ?? EC2_EVIDENCE_HANDLERS[action];
        if (!h) throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service (aws-server: not implemented).`);
        return reply(200, ec2Response(action, rid, h({ world, p, pageSize, reboots, consoleOutput: opts.consoleOutput })));
      }
      const h = (service === 'iam' ? IAM_HANDLERS : STS_HANDLERS)[action];
      if (!h) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${p.Version} (aws-server: not implemented).`);
      const result: XmlNode = h({ world, p, pageSize });
      return reply(200, queryResponse(service, action, rid, result));
    } catch (e) {
      if (e instanceof NoAnswer) {
        if (e.how === 'drop') req.socket.destroy();
        return hang();
      }
      if (e instanceof AwsError) return replyError(e);
      return replyError(new AwsError('InternalError', `aws-server crashed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`, 500));
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, 500, 'text/plain', `aws-server: ${String(e)}`);
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reboots,
    setFacts(f: Facts) {
      facts = f;
    },
    async close() {
      if (closed) return;
      closed = true;
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy(); // ends hanging requests and idle keep-alive connections
      await done;
    },
  };
}
