// Retries are exercised with REAL SDK clients (built by createAwsClients exactly as collect() builds them)
// over a fake HTTP handler: aws-sdk-client-mock stubs `send` and would bypass the retry middleware.
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { collect, createAwsClients } from '../../src/collect/index.js';
import { clientConfig } from '../../src/collect/config.js';
import { healthyAws, IID, REGION } from './fake-aws.js';

interface FakeRequest {
  headers: Record<string, string>;
  body?: unknown;
}

type Answer = { status: number; body: unknown };

/** An SDK request handler answering SSM JSON 1.1 requests by X-Amz-Target, counting requests. */
function fakeSsmHandler(answer: (target: string, n: number) => Answer) {
  const seen: string[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: FakeRequest) {
      const target = (request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '').replace(/^AmazonSSM\./, '');
      seen.push(target);
      const n = seen.filter((t) => t === target).length;
      const { status, body } = answer(target, n);
      const bytes = Buffer.from(JSON.stringify(body));
      return {
        response: {
          statusCode: status,
          reason: status === 200 ? 'OK' : 'Bad Request',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${seen.length}` },
          body: Readable.from([bytes]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
  return { handler, seen };
}

const throttled: Answer = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };

function healthySsm(target: string): Answer {
  switch (target) {
    case 'DescribeInstanceInformation':
      return { status: 200, body: { InstanceInformationList: [{ InstanceId: IID, PingStatus: 'Online', AgentVersion: '3.3.1142.0' }] } };
    case 'GetConnectionStatus':
      return { status: 200, body: { Target: IID, Status: 'connected' } };
    case 'GetServiceSetting':
      return { status: 400, body: { __type: 'ServiceSettingNotFound', Message: 'not found' } };
    case 'GetDocument':
      return { status: 400, body: { __type: 'InvalidDocument', Message: 'The specified document does not exist.' } };
    default:
      return { status: 400, body: { __type: 'UnknownOperationException' } };
  }
}

const credentials = { accessKeyId: 'AKIDTESTTESTTEST', secretAccessKey: 'test-secret' };

describe('retries (real SSM client, fake HTTP)', () => {
  it('a throttled GetConnectionStatus is retried and succeeds (adaptive mode, maxAttempts)', async () => {
    const { handler, seen } = fakeSsmHandler((target, n) => (target === 'GetConnectionStatus' && n === 1 ? throttled : healthySsm(target)));
    const real = await createAwsClients({ region: REGION, maxAttempts: 3 }, { requestHandler: handler, credentials });
    const { clients } = healthyAws();
    const facts = await collect({ region: REGION, targets: [IID], clients: { ...clients, ssm: real.ssm } });
    expect(facts.connections[IID]).toEqual({ ok: true, value: 'connected' });
    expect(seen.filter((t) => t === 'GetConnectionStatus')).toHaveLength(2);
    // The real client parsed the other answers too.
    expect(facts.agents[IID]).toMatchObject({ ok: true, value: { pingStatus: 'Online' } });
    expect(facts.dhmc).toMatchObject({ ok: true, value: { roleName: null } });
    expect(facts.preferences).toEqual({ ok: true, value: null });
    real.ssm.destroy();
  });

  it('throttling that outlasts maxAttempts becomes a "throttled" error in the facts', async () => {
    const { handler, seen } = fakeSsmHandler((target) => (target === 'GetConnectionStatus' ? throttled : healthySsm(target)));
    const real = await createAwsClients({ region: REGION, maxAttempts: 2 }, { requestHandler: handler, credentials });
    const { clients } = healthyAws();
    const facts = await collect({ region: REGION, targets: [IID], clients: { ...clients, ssm: real.ssm } });
    expect(facts.connections[IID]).toEqual({
      ok: false,
      error: { api: 'ssm:GetConnectionStatus', code: 'ThrottlingException', message: 'Rate exceeded', kind: 'throttled' },
    });
    expect(seen.filter((t) => t === 'GetConnectionStatus')).toHaveLength(2);
    real.ssm.destroy();
  });

  it('clients share one credential provider and use adaptive retries with the given attempts', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDSHAREDSHARED');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'shared-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    const real = await createAwsClients({ region: REGION, maxAttempts: 4, timeoutMs: 1234 });
    // One memoized chain: every client gets the very same resolved identity object.
    const fromSts = await real.sts.config.credentials();
    expect(fromSts.accessKeyId).toBe('AKIDSHAREDSHARED');
    expect(await real.ec2.config.credentials()).toBe(fromSts);
    expect(await real.iam.config.credentials()).toBe(fromSts);
    expect(await real.ssm.config.credentials()).toBe(fromSts);
    vi.unstubAllEnvs();
    const value = async (v: unknown) => (typeof v === 'function' ? await (v as () => Promise<unknown>)() : v);
    expect(await value(real.ssm.config.retryMode)).toBe('adaptive');
    expect(await value(real.ssm.config.maxAttempts)).toBe(4);
    const strategy = (await value(real.ssm.config.retryStrategy)) as { constructor: { name: string } };
    expect(strategy.constructor.name).toBe('AdaptiveRetryStrategy');
    for (const c of Object.values(real)) c.destroy();
  });
});

describe('clientConfig', () => {
  it('sets region, profile, adaptive retries, per-request timeouts and a cached middleware stack, never an endpoint', () => {
    const cfg = clientConfig({ region: 'eu-west-1', profile: 'dev', timeoutMs: 2500, maxAttempts: 7 });
    expect(cfg).toEqual({
      region: 'eu-west-1',
      profile: 'dev',
      maxAttempts: 7,
      retryMode: 'adaptive',
      requestHandler: { requestTimeout: 2500, connectionTimeout: 2500, throwOnRequestTimeout: true },
      logger: expect.any(Object),
      cacheMiddleware: true,
    });
    expect(clientConfig({ region: 'us-east-1' })).toEqual({
      region: 'us-east-1',
      maxAttempts: 5,
      retryMode: 'adaptive',
      requestHandler: { requestTimeout: 10000, connectionTimeout: 10000, throwOnRequestTimeout: true },
      logger: expect.any(Object),
      cacheMiddleware: true,
    });
    // The SDK's own log lines go nowhere (ssm-doctor writes its own), as with its default NoOpLogger.
    expect(Object.keys(cfg.logger).sort()).toEqual(['debug', 'error', 'info', 'warn']);
  });
});

describe('timeouts and network errors (real clients, AWS_ENDPOINT_URL)', () => {
  async function withEnv<T>(endpoint: string, fn: () => Promise<T>): Promise<T> {
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDENDPOINTTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'endpoint-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    vi.stubEnv('AWS_PROFILE', '');
    try {
      return await fn();
    } finally {
      vi.unstubAllEnvs();
    }
  }

  it('a server that never answers => timeout errors after timeoutMs; AWS_ENDPOINT_URL is honoured', async () => {
    const { createServer } = await import('node:http');
    let requests = 0;
    const server = createServer(() => {
      requests++; // never answer
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const started = Date.now();
      const facts = await withEnv(`http://127.0.0.1:${port}`, () =>
        collect({ region: REGION, targets: [IID], timeoutMs: 300, maxAttempts: 1 }),
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(facts.caller).toMatchObject({ ok: false, error: { api: 'sts:GetCallerIdentity', code: 'TimeoutError', kind: 'timeout' } });
      expect(facts.instances[IID]).toMatchObject({ ok: false, error: { api: 'ec2:DescribeInstances', kind: 'timeout' } });
      expect(requests).toBe(6); // the six round-1 reads, once each (maxAttempts 1)
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('nothing listening => network errors', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const facts = await withEnv(`http://127.0.0.1:${port}`, () => collect({ region: REGION, targets: [IID], timeoutMs: 2000, maxAttempts: 1 }));
    expect(facts.caller).toMatchObject({ ok: false, error: { code: 'ECONNREFUSED', kind: 'network' } });
  });
});
