// The AWS SDK, one service at a time. Each service's module (sdk/<service>.ts: its client and only the
// commands ssm-doctor sends) is imported when the first request to that service is about to be built, so the
// first round trip leaves before every client is loaded, and a service needed only later (IAM, in round 2)
// loads while earlier requests are in flight. `--version` and `--snapshot` runs load none of them.
//
// A new service: sdk/<service>.ts re-exporting `XxxClient as Client` and its commands, and one line in
// SERVICES keyed by the IAM prefix of its actions (the prefix of the reader's `service:Action` labels, which
// is how Reader.read knows which service to wait for).
import { clientConfig, quietSdkWarnings, type ClientOptions } from './config.js';
import { watchRequests } from './in-flight.js';

const SERVICES = {
  ec2: () => import('./sdk/ec2.js'),
  ssm: () => import('./sdk/ssm.js'),
  iam: () => import('./sdk/iam.js'),
  sts: () => import('./sdk/sts.js'),
  // Only some runs: the resources the session preferences name, and CloudTrail for offline agents.
  kms: () => import('./sdk/kms.js'),
  logs: () => import('./sdk/logs.js'),
  s3: () => import('./sdk/s3.js'),
  cloudtrail: () => import('./sdk/cloudtrail.js'),
};

/** Client options of one service on top of the shared ones. */
const CLIENT_OPTIONS: Partial<Record<keyof typeof SERVICES, Record<string, unknown>>> = {
  // The logging bucket may live in another region than the instance. Addressing is the SDK's default
  // (virtual-hosted, path style for dotted names or an IP-address AWS_ENDPOINT_URL).
  s3: { followRegionRedirects: true },
};

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
/** The label of one read: its IAM action, `ec2:DescribeVpcs`. */
export type ApiLabel = `${ServiceName}:${string}`;

/** Each service's SDK module (its Client class and commands). */
export type Sdk = { [K in ServiceName]: Awaited<ReturnType<(typeof SERVICES)[K]>> };
/** The SDK clients ssm-doctor uses; tests inject mocked ones. */
export type AwsClients = { [K in ServiceName]: InstanceType<Sdk[K]['Client']> };

type AnyClient = { destroy(): void; config: { credentials?: unknown } };

const modules: Partial<Sdk> = {};
const loading = new Map<ServiceName, Promise<unknown>>();

/** The SDK module of one service, imported once per process. */
export function loadService<K extends ServiceName>(name: K): Promise<Sdk[K]> {
  let p = loading.get(name);
  if (!p) {
    // stderr is ssm-doctor's: no SDK "node >= 22" process warning once a client is built (see config.ts).
    quietSdkWarnings();
    p = SERVICES[name]().then((m) => (modules[name] = m as Sdk[K]));
    loading.set(name, p);
  }
  return p as Promise<Sdk[K]>;
}

/** The service a read label is for: `ec2` for `ec2:DescribeVpcs`. */
export function serviceOf(api: ApiLabel): ServiceName {
  return api.slice(0, api.indexOf(':')) as ServiceName;
}

/**
 * The SDK clients of one run, each built when its service is first needed. `ready(name)` loads the
 * service's module (and STS, whose client resolves the credentials the others share); after it, `sdk[name]`
 * and `clients[name]` can be used synchronously. `clients[name]` may be taken earlier (`const { ec2 } =
 * clients` before the first read): it then stands for the client until the module is loaded. Using a module
 * or a client before ready() is a programming error, and throws. Clients built here are released by
 * destroy(); `given` ones (tests) belong to the caller.
 */
export class AwsServices {
  readonly sdk: Sdk;
  readonly clients: AwsClients;
  private readonly built: Partial<Record<ServiceName, AnyClient>> = {};
  private readonly standIns: Partial<Record<ServiceName, AnyClient>> = {};
  private readonly cfg: Record<string, unknown>;

  constructor(
    opts: ClientOptions,
    private readonly given: Partial<AwsClients> = {},
    overrides: Record<string, unknown> = {},
  ) {
    this.cfg = { ...clientConfig(opts), ...overrides };
    this.sdk = view<Sdk>((name) => modules[name] ?? notReady(name));
    this.clients = view<AwsClients>((name) => this.client(name));
  }

  /** Resolves when `sdk[name]` and `clients[name]` can be used. */
  async ready(name: ServiceName): Promise<void> {
    await Promise.all([loadService(name), loadService('sts')]);
  }

  /**
   * Resolves once the services being loaded now are, and the requests that were waiting for them are on the
   * wire: the moment to start work that can wait. Call it right after starting the reads (a failed load counts).
   */
  async sent(): Promise<void> {
    const watch = watchRequests();
    try {
      await Promise.allSettled(loading.values());
      await new Promise((resolve) => setImmediate(resolve)); // the reads waiting for them call the SDK
      await watch.out();
    } finally {
      watch.close();
    }
  }

  /** Releases the clients built here (not the given ones). */
  destroy(): void {
    for (const name of SERVICE_NAMES) {
      this.built[name]?.destroy();
      delete this.built[name];
      delete this.standIns[name];
    }
  }

  private client(name: ServiceName): AnyClient {
    const have = (this.given[name] as AnyClient | undefined) ?? this.built[name];
    if (have) return have;
    if (!modules[name]) return (this.standIns[name] ??= this.standIn(name));
    // One credential chain per run (SSO / credential_process run once): the STS client's, shared by the others.
    const base = name === 'sts' || this.given.sts || this.cfg.credentials ? this.cfg : { ...this.cfg, credentials: this.client('sts').config.credentials };
    const Client = modules[name].Client as unknown as new (cfg: Record<string, unknown>) => AnyClient;
    return (this.built[name] = new Client({ ...base, ...CLIENT_OPTIONS[name] }));
  }

  /** Forwards every property to the real client, built (after ready()) on first use. */
  private standIn(name: ServiceName): AnyClient {
    return new Proxy({} as AnyClient, {
      get: (_, prop) => {
        if (!modules[name]) notReady(name);
        const real = this.client(name) as unknown as Record<string | symbol, unknown>;
        const v = real[prop];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
      },
    });
  }
}

/** Real SDK clients of every service, configured as collect() configures them (tests). */
export async function createAwsClients(opts: ClientOptions, overrides: Record<string, unknown> = {}): Promise<AwsClients> {
  const services = new AwsServices(opts, {}, overrides);
  await Promise.all(SERVICE_NAMES.map((n) => services.ready(n)));
  const out = {} as Record<ServiceName, unknown>;
  for (const n of SERVICE_NAMES) out[n] = services.clients[n];
  return out as AwsClients;
}

function notReady(name: string): never {
  throw new Error(`the ${name} SDK client was used before its module was loaded (await services.ready('${name}'))`);
}

/** An object whose property `name` (one per service) is computed on each access. */
function view<T>(get: (name: ServiceName) => unknown): T {
  const o = {};
  for (const name of SERVICE_NAMES) Object.defineProperty(o, name, { get: () => get(name), enumerable: true });
  return o as T;
}
