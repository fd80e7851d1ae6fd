// A client-side rate limit for APIs with a low per-account quota (cloudtrail:LookupEvents: 2 requests per second
// per account and region). A token bucket: `burst` calls may start at once, then one every 1/perSecond seconds.
// Calls start in arrival order. Clock and sleep are injectable (tests never wait on real time).

export type RateLimiter = <T>(fn: () => Promise<T>) => Promise<T>;

export interface RateLimitOptions {
  perSecond: number;
  /** Calls that may start at once (default: perSecond rounded down, at least 1). */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function createRateLimiter(o: RateLimitOptions): RateLimiter {
  if (!(o.perSecond > 0)) throw new Error(`rate limiter needs perSecond > 0, got ${o.perSecond}`);
  const now = o.now ?? (() => Date.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const interval = 1000 / o.perSecond;
  const burst = Math.max(1, Math.floor(o.burst ?? o.perSecond));
  // The time the next call may start, kept so that at most `burst` starts fall in any `burst * interval` window.
  let next = -Infinity;
  return async function limited<T>(fn: () => Promise<T>): Promise<T> {
    const t = now();
    const earliest = Math.max(next, t - (burst - 1) * interval);
    next = earliest + interval;
    const wait = earliest - t;
    if (wait > 0) await sleep(wait);
    return fn();
  };
}

/**
 * The cloudtrail:LookupEvents limit from SSM_DOCTOR_CLOUDTRAIL_RPS (requests per second; for tests against the local
 * AWS server, which has no quota), or undefined for the default of 2 per second.
 */
export function cloudTrailRate(env: NodeJS.ProcessEnv): RateLimiter | undefined {
  const n = Number(env.SSM_DOCTOR_CLOUDTRAIL_RPS);
  return Number.isFinite(n) && n > 0 ? createRateLimiter({ perSecond: n, burst: Math.max(1, Math.floor(n)) }) : undefined;
}
