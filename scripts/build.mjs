// Bundles the CLI into dist/ with esbuild: minified, self-contained, and split so `ssm-doctor --version` and
// `--snapshot` runs never load the AWS SDK: each service's client (src/collect/sdk/<service>.ts, only the
// commands sent) is a chunk imported when its first request is built.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { literalSchemaKeys } from './build/sdk-schemas.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What went into which file of dist/ (esbuild's metafile), for the tests; not shipped. */
const METAFILE = join(ROOT, 'node_modules', '.cache', 'ssm-doctor-build', 'meta.json');

rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { cli: 'src/cli/entry.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  mainFields: ['module', 'main'],
  target: 'node20',
  minify: true,
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [literalSchemaKeys],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
mkdirSync(dirname(METAFILE), { recursive: true });
writeFileSync(METAFILE, JSON.stringify(result.metafile));
