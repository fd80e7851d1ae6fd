// The lazily loaded SDK (src/collect/services.ts), the reader waiting for the service of its label, and the
// "requests are on the wire" signal (src/collect/in-flight.ts) that starts the work that can wait.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Reader } from '../../src/collect/index.js';
import { trackSend, watchRequests } from '../../src/collect/in-flight.js';
import { createLimiter } from '../../src/collect/limiter.js';
import { AwsServices, loadService, SERVICE_NAMES, serviceOf, type ServiceName } from '../../src/collect/services.js';

const opts = { region: 'us-east-1' };
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret' };
let services: AwsServices | undefined;
afterEach(() => {
  services?.destroy();
  services = undefined;
});

describe('AwsServices', () => {
  // First: nothing is loaded yet in this file's module instance.
  it('a client or module used before its service is ready is a programming error that names the fix', () => {
    services = new AwsServices(opts, {}, { credentials });
    expect(() => services!.sdk.iam).toThrow("ready('iam')");
    // The client may be taken early (`const { iam } = clients`), not used.
    const { iam } = services.clients;
    expect(() => iam.send).toThrow("ready('iam')");
  });

  it('a client taken before its service was ready is the real client once it is', async () => {
    services = new AwsServices(opts, {}, { credentials });
    const { ssm } = services.clients;
    await services.ready('ssm');
    expect(ssm.config.region).toBe(services.clients.ssm.config.region);
    expect(await ssm.config.region()).toBe('us-east-1');
  });

  it('every service module exports its Client and only XxxCommand classes', async () => {
    expect(SERVICE_NAMES).toEqual(expect.arrayContaining(['ec2', 'iam', 'ssm', 'sts', 'kms', 'logs', 's3', 'cloudtrail']));
    for (const name of SERVICE_NAMES) {
      const mod = (await loadService(name)) as Record<string, unknown>;
      expect(typeof mod.Client, name).toBe('function');
      expect(Object.keys(mod).filter((k) => k !== 'Client' && !/^[A-Z]\w+Command$/.test(k)), name).toEqual([]);
    }
  });

  it("ready(name) builds one client per service, each resolving credentials through the STS client's chain", async () => {
    services = new AwsServices(opts);
    await services.ready('sts');
    const chain = vi.spyOn(services.clients.sts.config, 'credentials').mockResolvedValue({ accessKeyId: 'AKIDSHARED', secretAccessKey: 's' });
    await services.ready('ec2');
    await services.ready('iam');
    const ec2 = services.clients.ec2;
    expect(ec2).toBeInstanceOf(EC2Client);
    expect(services.clients.ec2).toBe(ec2);
    expect(await ec2.config.credentials()).toMatchObject({ accessKeyId: 'AKIDSHARED' });
    expect(await services.clients.iam.config.credentials()).toMatchObject({ accessKeyId: 'AKIDSHARED' });
    expect(chain).toHaveBeenCalled();
    expect(await ec2.config.region()).toBe('us-east-1');
  });

  it('given clients are used as they are and left open; built ones are destroyed', async () => {
    const given = new EC2Client({ region: 'eu-west-1', credentials });
    const destroyGiven = vi.spyOn(given, 'destroy');
    services = new AwsServices(opts, { ec2: given }, { credentials });
    await services.ready('ec2');
    await services.ready('ssm');
    expect(services.clients.ec2).toBe(given);
    const ssm = services.clients.ssm;
    const destroySsm = vi.spyOn(ssm, 'destroy');
    services.destroy();
    expect(destroySsm).toHaveBeenCalledOnce();
    expect(destroyGiven).not.toHaveBeenCalled();
    // A new client after destroy(), should the services be used again.
    expect(services.clients.ssm).not.toBe(ssm);
  });

  it('serviceOf reads the IAM prefix of a read label', () => {
    expect(serviceOf('ec2:DescribeVpcs')).toBe('ec2');
    expect(serviceOf('iam:SimulatePrincipalPolicy')).toBe('iam');
  });
});

describe('Reader with lazily loaded services', () => {
  it('waits for the service of each label before building its request, and loads nothing else', async () => {
    const events: string[] = [];
    const pending = new Map<ServiceName, () => void>();
    const fake = {
      ready(name: ServiceName) {
        events.push(`ready ${name}`);
        return new Promise<void>((resolve) => pending.set(name, resolve));
      },
    };
    const r = new Reader(createLimiter(4), fake);
    const role = r.read('iam:GetRole', { RoleName: 'x' }, async () => {
      events.push('send iam:GetRole');
      return { Role: {} };
    });
    const vpcs = r.read('ec2:DescribeVpcs', {}, async () => {
      events.push('send ec2:DescribeVpcs');
      return {};
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['ready iam', 'ready ec2']);
    pending.get('ec2')!();
    expect((await vpcs).ok).toBe(true);
    expect(events).toEqual(['ready iam', 'ready ec2', 'send ec2:DescribeVpcs']);
    pending.get('iam')!();
    expect((await role).ok).toBe(true);
    expect(events.at(-1)).toBe('send iam:GetRole');
  });

  it('a service that fails to load fails only its reads, as an ApiError', async () => {
    const r = new Reader(createLimiter(4), { ready: async () => Promise.reject(new Error('chunk missing')) });
    const res = await r.read('iam:GetRole', {}, async () => ({}));
    expect(res).toMatchObject({ ok: false, error: { api: 'iam:GetRole', message: expect.stringContaining('chunk missing') } });
  });
});

describe('watchRequests', () => {
  it('out() resolves once the watched request is written to the network, before its answer', async () => {
    // The server answers only once out() resolved: resolving on the answer instead would hang.
    let answer: (() => void) | undefined;
    const server = http.createServer((req, res) => {
      req.resume();
      answer = () => res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const watch = watchRequests();
    try {
      const { port } = server.address() as AddressInfo;
      const call = trackSend(
        () =>
          new Promise<string>((resolve, reject) => {
            const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => {
              res.resume();
              res.on('end', () => resolve('answered'));
            });
            req.on('error', reject);
            req.end('body');
          }),
      );
      await watch.out();
      await vi.waitFor(() => expect(answer).toBeDefined());
      answer!();
      expect(await call).toBe('answered');
    } finally {
      watch.close();
      server.close();
    }
  });

  it('counts a call that never writes a request once it settles; calls outside a watch are not counted', async () => {
    let settle: (() => void) | undefined;
    const before = trackSend(() => new Promise<void>(() => {})); // never settles, not watched
    const watch = watchRequests();
    const call = trackSend(() => new Promise<void>((resolve) => (settle = resolve)));
    let out = false;
    const waiting = watch.out().then(() => (out = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(out).toBe(false);
    settle!();
    await call;
    await waiting;
    expect(out).toBe(true);
    watch.close();
    void before;
  });

  it('close() releases whoever still waits', async () => {
    const watch = watchRequests();
    void trackSend(() => new Promise<void>(() => {}));
    const waiting = watch.out();
    watch.close();
    await waiting;
  });

  it('trackSend passes results and errors (thrown or rejected) through, watched or not', async () => {
    expect(await trackSend(() => 1)).toBe(1);
    await expect(trackSend(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    const watch = watchRequests();
    await expect(
      trackSend(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(await trackSend(async () => 'a')).toBe('a');
    await watch.out();
    watch.close();
  });
});
