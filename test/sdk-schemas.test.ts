// The build's rewrite of the AWS SDK schema files (scripts/build/sdk-schemas.mjs: computed keys made literal,
// so unused schemas can be dropped) must not change a single schema: the rewritten modules export exactly what
// the originals do, for every client ssm-doctor bundles.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build helper without types
import { literalSchemaKeys, withLiteralKeys } from '../scripts/build/sdk-schemas.mjs';
import { SERVICE_NAMES } from '../src/collect/services.js';

const ROOT = new URL('..', import.meta.url).pathname;
/** The SDK package each service module (src/collect/sdk/<service>.ts) re-exports from: `client-ec2`. */
const packageOf = (service: string) => /from '@aws-sdk\/([a-z0-9-]+)'/.exec(readFileSync(join(ROOT, 'src', 'collect', 'sdk', `${service}.ts`), 'utf8'))![1]!;

describe('withLiteralKeys', () => {
  it('writes computed keys naming string constants as literals, and nothing else', () => {
    const src = ['const _a = "xmlName";', 'const _p = "__proto__";', 'var S = [0, { [_a]: _x, [_p]: 1, [other]: 2 }];', 'var T = [{[_a]:1}];'].join('\n');
    const { contents, replaced } = withLiteralKeys(src) as { contents: string; replaced: number };
    expect(contents).toContain('var S = [0, { "xmlName": _x, [_p]: 1, [other]: 2 }];');
    expect(contents).toContain('var T = [{"xmlName":1}];');
    expect(replaced).toBe(2);
  });
});

describe('the rewritten SDK schemas are the same schemas', () => {
  const out = mkdtempSync(join(tmpdir(), 'ssm-doctor-schemas-'));
  /** Every export of a client's schemas module, functions (lazy member thunks) by their source text. */
  async function exportsOf(pkg: string, plugins: unknown[], name: string): Promise<string> {
    const outfile = join(out, `${name}.mjs`);
    await build({
      stdin: { contents: `export * from '@aws-sdk/${pkg}/dist-es/schemas/schemas_0.js';`, resolveDir: ROOT, loader: 'js' },
      absWorkingDir: ROOT,
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      mainFields: ['module', 'main'],
      logLevel: 'error',
      plugins: plugins as never[],
    });
    const mod = (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
    return JSON.stringify(mod, (_k, v: unknown) => (typeof v === 'function' ? `fn:${v.name}:${String(v)}` : v));
  }

  it.each(SERVICE_NAMES.map((s) => [s, packageOf(s)]))('%s (@aws-sdk/%s)', { timeout: 60_000 }, async (service, pkg) => {
    const original = await exportsOf(pkg, [], `${service}-original`);
    const rewritten = await exportsOf(pkg, [literalSchemaKeys], `${service}-rewritten`);
    expect(original.length).toBeGreaterThan(1000);
    expect(rewritten).toBe(original);
  });
});
