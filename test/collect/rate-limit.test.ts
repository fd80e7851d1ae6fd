import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloudTrailRate, createRateLimiter } from '../../src/collect/rate-limit.js';

/** A limiter on vitest's fake clock (Date.now and setTimeout): records when each call started. */
function calls(perSecond: number) {
  const t0 = Date.now();
  const starts: number[] = [];
  const limit = createRateLimiter({ perSecond });
  const call = () => limit(async () => void starts.push(Date.now() - t0));
  return { call, starts };
}

describe('createRateLimiter (CloudTrail: 2 requests per second)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('lets a burst start at once, then one call per interval, in order', async () => {
    const l = calls(2);
    const all = Promise.all(Array.from({ length: 6 }, l.call));
    await vi.runAllTimersAsync();
    await all;
    expect(l.starts).toEqual([0, 0, 500, 1000, 1500, 2000]);
  });

  it('refills after a pause: a new burst starts at once', async () => {
    const l = calls(2);
    let all = Promise.all([l.call(), l.call(), l.call()]);
    await vi.runAllTimersAsync();
    await all;
    await vi.advanceTimersByTimeAsync(10_000);
    all = Promise.all([l.call(), l.call(), l.call()]);
    await vi.runAllTimersAsync();
    await all;
    expect(l.starts.slice(3)).toEqual([10_500, 10_500, 11_000]);
  });

  it('rejects a rate that is not positive; the test override reads SSM_DOCTOR_CLOUDTRAIL_RPS', () => {
    expect(() => createRateLimiter({ perSecond: 0 })).toThrow(/perSecond/);
    expect(cloudTrailRate({})).toBeUndefined();
    expect(cloudTrailRate({ SSM_DOCTOR_CLOUDTRAIL_RPS: 'x' })).toBeUndefined();
    expect(cloudTrailRate({ SSM_DOCTOR_CLOUDTRAIL_RPS: '1000' })).toBeTypeOf('function');
  });
});
