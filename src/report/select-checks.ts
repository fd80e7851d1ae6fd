// `--only` / `--skip`: which registered checks run. Validated against the registry before any AWS call.
import type { Check } from '../check/kit.js';

/**
 * A selector is one of:
 * - a check id: `vpc-endpoint.ssmmessages`
 * - a check group (the report's sections): `instance`, `agent`, `iam`, `network`, `session`, `client`
 * - an id prefix, the part before the first dot, with or without `.*`: `vpc-endpoint` / `vpc-endpoint.*`
 * Matching is case-sensitive (ids are lowercase). Lists are comma-separated and the options repeatable.
 */
export function matches(check: Check, selector: string): boolean {
  const s = selector.endsWith('.*') ? selector.slice(0, -2) : selector;
  const { id, group } = check.meta;
  return id === s || group === s || id.slice(0, id.indexOf('.')) === s;
}

/** Splits repeated, comma-separated option values into trimmed, non-empty selectors. */
export function splitSelectors(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export interface Selection {
  checks: Check[];
  /** Registered ids left out, in registry order. */
  omitted: string[];
}

/** Thrown for an unknown selector or an empty selection; the CLI turns it into a usage error (exit 2). */
export class SelectionError extends Error {}

/** `--only` keeps the checks matching any of its selectors (all when empty); `--skip` then removes its matches. */
export function selectChecks(all: Check[], only: string[] = [], skipped: string[] = []): Selection {
  for (const [flag, list] of [['--only', only], ['--skip', skipped]] as const) {
    const unknown = list.filter((sel) => !all.some((c) => matches(c, sel)));
    if (unknown.length) {
      const groups = [...new Set(all.map((c) => c.meta.group))];
      throw new SelectionError(
        `${flag}: unknown check ${unknown.map((u) => JSON.stringify(u.replace(/[^\x20-\x7e]/g, '?'))).join(', ')}. ` +
          `Valid ids: ${all.map((c) => c.meta.id).join(', ')}; groups: ${groups.join(', ')} (an id prefix like vpc-endpoint also works)`,
      );
    }
  }
  const checks = all.filter((c) => (only.length === 0 || only.some((s) => matches(c, s))) && !skipped.some((s) => matches(c, s)));
  if (checks.length === 0) throw new SelectionError('--only/--skip left no check to run');
  return { checks, omitted: all.filter((c) => !checks.includes(c)).map((c) => c.meta.id) };
}
