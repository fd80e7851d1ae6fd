// What the built CLI loads: `--version` and `--snapshot` runs load no AWS SDK code, and a live run loads the
// client of each service it calls. Which files of dist/ hold SDK code comes from the build's metafile; which
// files a run loads, from a module loader hook that records every file of dist/ it loads.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { healthyFacts, IID } from '../fixtures/world.js';
import { startAwsServer } from './aws-server.js';
import { awsEnv, ROOT, runCli } from './run-cli.js';

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}
const meta = JSON.parse(readFileSync(join(ROOT, 'node_modules', '.cache', 'ssm-doctor-build', 'meta.json'), 'utf8')) as Metafile;

/** dist/ files holding code of one of the package folders (`@aws-sdk/client-iam`), or of any SDK package. */
function chunksOf(pkg: RegExp): Set<string> {
  const out = new Set<string>();
  for (const [file, o] of Object.entries(meta.outputs)) {
    if (Object.entries(o.inputs).some(([input, v]) => v.bytesInOutput > 0 && pkg.test(input))) out.add(basename(file));
  }
  return out;
}
const SDK = chunksOf(/node_modules\/@(?:aws-sdk|smithy)\//);

const dir = mkdtempSync(join(tmpdir(), 'ssm-doctor-loads-'));
const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.includes('/dist/')) appendFileSync(process.env.LOADED_LOG, url.split('/').pop() + '\\n');
  return next(url, context);
}
`,
);
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

let n = 0;
async function loadedBy(args: string[], env: NodeJS.ProcessEnv) {
  const log = join(dir, `loaded-${n++}.txt`);
  writeFileSync(log, '');
  const run = await runCli(args, { ...env, LOADED_LOG: log, NODE_OPTIONS: `--import ${pathToFileURL(register).href}` });
  return { run, loaded: new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean)) };
}

type Server = Awaited<ReturnType<typeof startAwsServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('what the built CLI loads', () => {
  it('the metafile names SDK chunks, one per service client', () => {
    expect(SDK.size).toBeGreaterThan(0);
    for (const client of ['ec2', 'ssm', 'iam', 'sts']) expect(chunksOf(new RegExp(`node_modules/@aws-sdk/client-${client}/`)).size, client).toBeGreaterThan(0);
  });

  it('--version loads no SDK code', async () => {
    const { run, loaded } = await loadedBy(['--version'], awsEnv(undefined));
    expect(run.code).toBe(0);
    expect(loaded.has('cli.js')).toBe(true);
    expect([...loaded].filter((f) => SDK.has(f))).toEqual([]);
  });

  it('--snapshot loads no SDK code', async () => {
    const { run, loaded } = await loadedBy(['--snapshot', join(ROOT, 'examples', 'healthy.json'), '--json'], awsEnv(undefined));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).ok).toBe(true);
    expect([...loaded].filter((f) => SDK.has(f))).toEqual([]);
  });

  it('a live run loads the client of every service it calls (the detection above is real)', async () => {
    server = await startAwsServer({ facts: healthyFacts() });
    const { run, loaded } = await loadedBy([IID, '--json'], awsEnv(server.url));
    expect(run.code).toBe(0);
    for (const client of ['ec2', 'ssm', 'iam', 'sts']) {
      const chunks = chunksOf(new RegExp(`node_modules/@aws-sdk/client-${client}/`));
      expect([...chunks].some((f) => loaded.has(f)), client).toBe(true);
    }
  });
});
