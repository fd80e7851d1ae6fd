// THIRD-PARTY-NOTICES.md ships in the package and must name every package whose code the bundle contains,
// with its licence text, and nothing else. The truth is the build's metafile (what went into which file of
// dist/), read here independently of the generator; the metafile itself must describe the dist/ on disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build helper without types
import { METAFILE, NOTICES, noticesOf, ROOT } from '../scripts/build/notices.mjs';

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}
let meta: Metafile;
let notices: string;
beforeAll(() => {
  meta = JSON.parse(readFileSync(METAFILE as string, 'utf8')) as Metafile;
  notices = readFileSync(NOTICES as string, 'utf8');
});

/** name@version of every package with at least one byte in dist/, found from the input paths. */
function bundledPackages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
      const parts = input.split('/');
      const at = parts.lastIndexOf('node_modules');
      if (at < 0 || !bytesInOutput) continue;
      const dir = parts.slice(0, at + (parts[at + 1]!.startsWith('@') ? 3 : 2)).join('/');
      const p = JSON.parse(readFileSync(join(ROOT as string, dir, 'package.json'), 'utf8')) as { name: string; version: string };
      out.set(`${p.name}@${p.version}`, dir);
    }
  }
  return out;
}

describe('THIRD-PARTY-NOTICES.md', () => {
  it('the metafile describes the dist/ on disk (same files, same sizes)', () => {
    const built = Object.entries(meta.outputs).map(([f, o]) => [f.replace(/^dist\//, ''), o.bytes] as const).sort();
    const onDisk = readdirSync(join(ROOT as string, 'dist')).map((f) => [f, statSync(join(ROOT as string, 'dist', f)).size] as const).sort();
    expect(onDisk).toEqual(built);
  });

  it('is what the build generates from that metafile (not stale, not edited by hand)', () => {
    expect(notices).toBe(noticesOf(meta));
  });

  it('lists exactly the bundled packages, each with its version', () => {
    const bundled = bundledPackages();
    expect(bundled.size).toBeGreaterThan(10);
    const listed = [...notices.matchAll(/^\| (\S+) \| (\S+) \| [^|]+ \|$/gm)].map((m) => `${m[1]}@${m[2]}`).filter((x) => x !== 'package@version' && x !== '---@---');
    expect(listed.sort()).toEqual([...bundled.keys()].sort());
    for (const p of ['@aws-sdk/client-ec2', '@smithy/core', 'commander', 'chalk', 'ora']) expect(listed.some((x) => x.startsWith(`${p}@`)), p).toBe(true);
  });

  it("carries every bundled package's licence files, word for word", () => {
    for (const [id, dir] of bundledPackages()) {
      const files = readdirSync(join(ROOT as string, dir)).filter((f) => /^(?:licen[cs]e|copying|notice)(?:[.-].*)?$/i.test(f));
      const section = notices.split('\n## ').find((s) => s.split('\n')[0]!.split(', ').includes(id));
      expect(section, `${id} has no section`).toBeDefined();
      for (const f of files) {
        const text = readFileSync(join(ROOT as string, dir, f), 'utf8').replace(/\r\n?/g, '\n').trim();
        expect(section!.includes(text), `${id}: ${f}`).toBe(true);
      }
      if (!files.length) expect(section).toMatch(/No licence file in the package; its package\.json declares \S+/);
    }
  });
});
