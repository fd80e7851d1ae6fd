// The one place that says how AWS SDK clients are configured (collector and reboot share it).

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface ClientOptions {
  region: string;
  profile?: string;
  /** Per request (connection and response), milliseconds. */
  timeoutMs?: number;
  maxAttempts?: number;
}

/**
 * Constructor options for any SDK v3 client: default credential chain (optionally a named profile),
 * adaptive retries, per-request timeouts. `endpoint` is deliberately not set: the SDK honours
 * `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` by itself.
 */
export function clientConfig(o: ClientOptions): {
  region: string;
  profile?: string;
  maxAttempts: number;
  retryMode: string;
  requestHandler: { requestTimeout: number; connectionTimeout: number; throwOnRequestTimeout: boolean };
  logger: SdkLogger;
  cacheMiddleware: boolean;
} {
  const t = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    region: o.region,
    ...(o.profile ? { profile: o.profile } : {}),
    maxAttempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    // Without throwOnRequestTimeout the Node handler only logs a warning (to stderr) when requestTimeout passes.
    requestHandler: { requestTimeout: t, connectionTimeout: t, throwOnRequestTimeout: true },
    logger: SILENT_LOGGER,
    // The middleware stack is resolved once per command class, not per request (nothing here changes it later).
    cacheMiddleware: true,
  };
}

export interface SdkLogger {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

/**
 * The client `logger` option, the SDK's supported way to route its log lines. Without one the SDK uses its
 * NoOpLogger, which drops everything, except that the credential chain then falls back to console.warn for its
 * 8-line "Multiple credential sources detected" (a profile and AWS_ACCESS_KEY_ID both set): ssm-doctor says
 * that in one line of its own (src/cli/credentials.ts, credentialChoiceNote). So: drop everything, as before.
 */
const SILENT_LOGGER: SdkLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * stderr belongs to the spinner and ssm-doctor's own messages: the SDK's "node >= 22 after January 2027"
 * process warning (emitted when a client is built on Node 20) is not for our users. An explicit setting wins.
 * Call before constructing clients.
 */
export function quietSdkWarnings(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
