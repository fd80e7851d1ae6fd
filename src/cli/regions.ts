// The regions the installed AWS SDK knows, and the known region closest to a name it does not know (a typo).
// Only a hint once nothing answered: an unknown name is never rejected up front, since new regions exist before
// the SDK learns them. What the SDK knows comes from its own partition data, asked through the public
// `partition()` of @aws-sdk/core (it returns the region's description only for regions it lists).
import { partition } from '@aws-sdk/core/client';

/** How AWS spells region names: `<area>-<direction>-<n>`; test/regions.test.ts proves this finds every SDK region. */
const AREAS = ['af', 'ap', 'ca', 'cn', 'eu', 'il', 'me', 'mx', 'sa', 'us', 'us-gov', 'us-iso', 'us-isob', 'us-isof', 'eu-isoe', 'eusc-de'];
const DIRECTIONS = ['central', 'east', 'north', 'south', 'west', 'northeast', 'northwest', 'southeast', 'southwest'];
const MAX_NUMBER = 15;

/** True when the installed SDK lists this region. */
export function sdkKnowsRegion(region: string): boolean {
  return typeof (partition(region) as { description?: unknown }).description === 'string';
}

let known: string[] | undefined;

/** Every region the installed SDK lists, sorted. */
export function knownRegions(): string[] {
  if (!known) {
    const out: string[] = [];
    // Numbers run 1, 2, 3... without gaps: the first unknown one ends an area's direction.
    for (const a of AREAS) for (const d of DIRECTIONS) for (let n = 1; n <= MAX_NUMBER && sdkKnowsRegion(`${a}-${d}-${n}`); n++) out.push(`${a}-${d}-${n}`);
    known = out.sort();
  }
  return known;
}

/**
 * Edit distance where swapping two neighbouring characters counts once (optimal string alignment): `us-esat-1`
 * is one typo away from `us-east-1`.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known region nearest to `region` when the SDK does not know it and one is near enough to be a typo
 * (at most a third of the name's characters changed, two at least); the first in sorted order on a tie.
 */
export function closestRegion(region: string): string | undefined {
  const name = region.trim().toLowerCase();
  if (name.length > 64 || sdkKnowsRegion(name)) return undefined;
  let best: { region: string; distance: number } | undefined;
  for (const r of knownRegions()) {
    const distance = editDistance(name, r);
    if (!best || distance < best.distance) best = { region: r, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.region : undefined;
}
