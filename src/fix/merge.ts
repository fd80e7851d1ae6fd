// Several fixes as one: commands in order, each once; Terraform consolidated (each resource once).
import type { Fix } from '../check/kit.js';
import { consolidateTerraform } from './terraform.js';

export function uniqueInOrder<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

/** One fix doing what all of `fixes` do. The summary is the first fix's unless given. */
export function mergeFixes(fixes: Fix[], summary?: string): Fix | undefined {
  if (fixes.length === 0) return undefined;
  if (fixes.length === 1 && summary === undefined) return fixes[0];
  const onInstance = uniqueInOrder(fixes.flatMap((f) => f.onInstance ?? []));
  const terraform = consolidateTerraform(fixes.map((f) => f.terraform)).terraform;
  return {
    summary: summary ?? fixes[0]!.summary,
    cli: uniqueInOrder(fixes.flatMap((f) => f.cli)),
    ...(onInstance.length ? { onInstance } : {}),
    ...(terraform ? { terraform } : {}),
  };
}
