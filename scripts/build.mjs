// Bundles the CLI into dist/ with esbuild: minified, self-contained (the package has no runtime dependencies:
// everything it runs is in dist/), and split so `ssm-doctor --version` and
// `--snapshot` runs never load the AWS SDK: each service's client (src/collect/sdk/<service>.ts, only the
// commands sent) is a chunk imported when its first request is built.
// Also writes THIRD-PARTY-NOTICES.md: the licences of every package whose code the bundle contains.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { METAFILE, NOTICES, noticesOf, ROOT } from './build/notices.mjs';
import { literalSchemaKeys } from './build/sdk-schemas.mjs';

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
  legalComments: 'none', // the licences are in THIRD-PARTY-NOTICES.md, in full
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [literalSchemaKeys],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
mkdirSync(dirname(METAFILE), { recursive: true });
writeFileSync(METAFILE, JSON.stringify(result.metafile));
writeFileSync(NOTICES, noticesOf(result.metafile));
