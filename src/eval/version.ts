// Dotted numeric version comparison for SSM Agent versions (`3.3.1142.0`): missing parts count as 0.

function parts(v: string): number[] {
  return v
    .trim()
    .replace(/^v/i, '')
    .split('.')
    .map((p) => {
      const n = Number.parseInt(p, 10);
      return Number.isFinite(n) && n >= 0 ? n : 0;
    });
}

/** Negative when a < b, 0 when equal, positive when a > b. `3.3` equals `3.3.0.0`. */
export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  const len = Math.max(x.length, y.length);
  for (let i = 0; i < len; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** True when `v` >= `min`. */
export function isAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0;
}
