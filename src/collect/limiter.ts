// A tiny concurrency limiter: at most `max` functions running at once, FIFO.

export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export interface LimiterStats {
  /** Highest number of functions that ran at the same time. */
  peak: number;
}

export function createLimiter(max: number, stats?: LimiterStats): Limiter {
  if (!(max >= 1)) throw new Error(`limiter needs max >= 1, got ${max}`);
  let active = 0;
  const queue: (() => void)[] = [];
  return async function limit<T>(fn: () => Promise<T>): Promise<T> {
    if (active < max) active++;
    else await new Promise<void>((resolve) => queue.push(resolve)); // the slot is handed over by the releaser
    if (stats && active > stats.peak) stats.peak = active;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}
