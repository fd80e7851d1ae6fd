// src/cli/regions.ts: the regions the installed SDK knows (found through its public partition()), and the
// suggestion for a name it does not know.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closestRegion, editDistance, knownRegions, sdkKnowsRegion } from '../src/cli/regions.js';

/** Every region name in the SDK's own partition data (the `*-global` pseudo-regions left out). */
function sdkPartitionRegions(): string[] {
  const pkg = createRequire(import.meta.url).resolve('@aws-sdk/core/package.json');
  const file = join(dirname(pkg), 'dist-es', 'submodules', 'client', 'util-endpoints', 'lib', 'aws', 'partitions.js');
  const names = [...readFileSync(file, 'utf8').matchAll(/"([a-z0-9-]+)": \{\s*"description"/g)].map((m) => m[1]!);
  return names.filter((n) => !n.endsWith('-global')).sort();
}

describe('knownRegions', () => {
  it('finds every region of the installed SDK partition data (an SDK update with a new area or direction fails here)', () => {
    const data = sdkPartitionRegions();
    expect(data.length).toBeGreaterThan(30);
    expect(knownRegions()).toEqual(data);
  });

  it('sdkKnowsRegion: listed regions only', () => {
    expect(sdkKnowsRegion('us-east-1')).toBe(true);
    expect(sdkKnowsRegion('eusc-de-east-1')).toBe(true);
    expect(sdkKnowsRegion('us-east-99')).toBe(false);
    expect(sdkKnowsRegion('aws-global')).toBe(true);
  });
});

describe('closestRegion', () => {
  it.each([
    ['us-east-99', 'us-east-1'],
    ['us-esat-1', 'us-east-1'],
    ['useast1', 'us-east-1'],
    ['eu-centrla-1', 'eu-central-1'],
    ['ap-south-east-1', 'ap-southeast-1'],
    ['eu-wset-1', 'eu-west-1'],
    [' US-EAST-2 ', undefined],
  ])('%s -> %s', (typed, expected) => {
    expect(closestRegion(typed)).toBe(expected);
  });

  it('no suggestion for a known region or a name far from every region', () => {
    expect(closestRegion('us-east-1')).toBeUndefined();
    expect(closestRegion('frankfurt')).toBeUndefined();
    expect(closestRegion('x'.repeat(1000))).toBeUndefined();
  });

  it('editDistance counts a swap of neighbours once', () => {
    expect(editDistance('us-esat-1', 'us-east-1')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('us-east-99', 'us-east-1')).toBe(2);
  });
});
