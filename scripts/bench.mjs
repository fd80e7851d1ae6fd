// `npm run bench`: how many AWS requests and sequential round trips ssm-doctor needs, how close one diagnosis
// comes to its floor, how fast it starts, how much memory it takes, and how big and quick to install its package
// is, measured on the BUILT CLI (node bin/ssm-doctor.js) spawned as a user runs it, against the local AWS
// wire-format server (test/e2e/aws-server.ts) on 127.0.0.1 with injected latency.
//
//   node scripts/bench.mjs [--check] [--repeat N] [--latency MS] [--fleet N] [--rss-fleet N] [--installs N] [--json FILE]
//
// The floor of one diagnosis: a bare `node -e 0` (runs interleaved with the diagnosis runs) plus 3 round trips of
// L ms, the least a healthy instance can cost; ratio = wall @L / floor.
// The package: `npm pack` (tarball size), then `npm install <tarball>` into an empty folder with no registry and an
// empty cache (--offline), timed; installed size = the bytes under that folder's node_modules.
//
// Sequential round trips, three ways (runs at latency 0 and L interleaved, medians):
//   RT wall  = (wall(L) - wall(0)) / L: every sequential request adds L, parallel ones don't;
//   RT timed = the same on the AWS phase (first request received -> exit), without the start-up noise;
//   RT chain = the longest chain of requests in the server's log each received >= L after the previous one.
// RT chain never undercounts (a truly sequential chain is such a chain) and is what the targets use: the timed
// forms undercount when the CLI's own CPU work at latency 0 hides behind the waiting at latency L.
// The CLI runs from a copy of bin/ + dist/ taken after the build. Timings need a quiet machine: the load
// average is printed with the results.
// Benchmarks are not tests: exit 0 whatever the numbers, unless --check (exit 1 when a target is missed).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Sequential round trips of one healthy instance at best: the floor is node start-up plus these. */
const FLOOR_ROUND_TRIPS = 3;
const MB = 1024 * 1024;
const CACHE = join(ROOT, 'node_modules', '.cache', 'bench');

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { check: false, repeat: 5, latency: 150, fleet: 200, vpcs: 4, roles: 3, rssFleet: 1000, coldRuns: 10, installs: 5, json: undefined, timeoutMs: 180_000 };
  const num = (name, v, min) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) {
      console.error(`bench: ${name} needs a number >= ${min}, got ${JSON.stringify(v)}`);
      process.exit(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--check') o.check = true;
    else if (a === '--repeat') o.repeat = Math.round(num(a, next(), 1));
    else if (a === '--latency') o.latency = num(a, next(), 1);
    else if (a === '--fleet') o.fleet = Math.round(num(a, next(), 1));
    else if (a === '--rss-fleet') o.rssFleet = Math.round(num(a, next(), 1));
    else if (a === '--cold-runs') o.coldRuns = Math.round(num(a, next(), 1));
    else if (a === '--installs') o.installs = Math.round(num(a, next(), 1));
    else if (a === '--timeout') o.timeoutMs = num(a, next(), 1) * 1000;
    else if (a === '--json') o.json = next();
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/bench.mjs [--check] [--repeat N=5] [--latency MS=150] [--fleet N=200] [--rss-fleet N=1000] [--cold-runs N=10] [--installs N=5] [--timeout S=180] [--json FILE]');
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${JSON.stringify(a)} (see --help)`);
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------- helpers

const log = (s) => process.stderr.write(`${s}\n`);

function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Bundles the TypeScript the bench needs (server, fixtures, fleet generator) and imports it. */
async function loadLib() {
  mkdirSync(CACHE, { recursive: true });
  const outfile = join(CACHE, 'lib.mjs');
  await build({
    entryPoints: [join(ROOT, 'scripts', 'bench', 'lib.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

/** The e2e tests' environment (test/e2e/run-cli.ts awsEnv, bundled in lib) plus CI=true, kept under the bench's tmp. */
let awsEnv;
const makeEnv = (tmp, endpoint) => awsEnv(endpoint, { CI: 'true' }, tmp);

/** Spawns a command with a hard timeout; resolves with its output, exit code and wall time (ms). */
function run(cmd, args, env, timeoutMs, cwd = tmp) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const startedAt = Date.now();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${e.message}`, ms: performance.now() - t0, startedAt, endedAt: Date.now(), timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0, startedAt, endedAt: Date.now(), timedOut });
    });
  });
}

/** What went wrong with a diagnosis run, or null when it produced a report. */
function runProblem(r, targets) {
  if (r.timedOut) return `timed out after ${opts.timeoutMs / 1000}s`;
  if (r.code !== 0 && r.code !== 1) return `exit code ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
  try {
    const rep = JSON.parse(r.stdout);
    if (!Array.isArray(rep.targets) || rep.targets.length !== targets) return `report has ${rep.targets?.length} targets, expected ${targets}`;
    return null;
  } catch (e) {
    return `stdout is not one JSON document (${e.message})`;
  }
}

/**
 * Checks that are not `pass` in a report (a healthy world should pass them all), counted by `id:status`.
 * Expected: session.connection skips in fleets above CONNECTION_STATUS_MAX_TARGETS (not read there by design); the
 * offline-only evidence checks and the hybrid-node checks skip on healthy EC2 instances.
 */
function nonPassing(stdout) {
  const out = {};
  try {
    const targets = JSON.parse(stdout).targets;
    for (const t of targets)
      for (const c of t.checks) {
        if (c.status === 'pass') continue;
        if (c.id === 'session.connection' && c.status === 'skip' && targets.length > 20) continue;
        // Evidence read only for an offline agent, and the hybrid-node checks: skipped on a healthy EC2 instance.
        if (c.status === 'skip' && ['instance.health', 'agent.console', 'hybrid.tier', 'hybrid.activation'].includes(c.id)) continue;
        out[`${c.id}:${c.status}`] = (out[`${c.id}:${c.status}`] ?? 0) + 1;
      }
  } catch {
    // reported by runProblem
  }
  return out;
}

/**
 * Longest chain of requests each received after the previous one's answer could have left (arrival + L):
 * sequential round trips read from the server's log. Never fewer than the true count; CPU stalls longer than L add links.
 */
function chainDepth(requests, latencyMs) {
  const at = requests.map((r) => r.at).sort((a, b) => a - b);
  const depth = [];
  const prefixMax = [];
  let j = 0;
  for (let i = 0; i < at.length; i++) {
    while (j < i && at[j] + latencyMs <= at[i]) j++;
    depth[i] = 1 + (j > 0 ? prefixMax[j - 1] : 0);
    prefixMax[i] = Math.max(depth[i], i > 0 ? prefixMax[i - 1] : 0);
  }
  return at.length ? prefixMax[at.length - 1] : 0;
}

function countByAction(requests) {
  const out = {};
  for (const r of requests) {
    const k = `${r.service}:${r.action}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

// ---------------------------------------------------------------- measurements

const tmp = mkdtempSync(join(tmpdir(), 'ssm-doctor-bench-'));
/**
 * The CLI as built: bin/ and dist/ (self-contained bundles) copied once, right after the build, into the
 * temp dir, as an installed package would be. A rebuild of dist/ during the benchmark (npm test, another
 * bench) then cannot swap files under a running measurement.
 */
const BIN = join(tmp, 'ssm-doctor', 'bin', 'ssm-doctor.js');

function installCli() {
  for (const d of ['bin', 'dist']) cpSync(join(ROOT, d), join(tmp, 'ssm-doctor', d), { recursive: true });
  writeFileSync(join(tmp, 'ssm-doctor', 'package.json'), JSON.stringify({ name: 'ssm-doctor', type: 'module', private: true }));
}
const servers = new Set();
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
  log('bench: interrupted, closing the server');
  Promise.all([...servers].map((s) => s.close())).finally(() => {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });
});

async function withServer(lib, facts, latencyMs, fn) {
  const server = await lib.startAwsServer({ facts, latencyMs });
  servers.add(server);
  try {
    if (!server.url.startsWith('http://127.0.0.1:')) throw new Error(`server is not on 127.0.0.1: ${server.url}`);
    return await fn(server);
  } finally {
    await server.close();
    servers.delete(server);
  }
}

/** Collects the runs of one scenario at one latency. */
function series(name, instances, latencyMs) {
  const x = { name, instances, latencyMs, walls: [], phases: [], startups: [], depths: [], counts: [], byAction: {}, problems: [], findings: {} };
  return {
    add(r, requests) {
      const problem = runProblem(r, instances);
      if (problem) x.problems.push(problem);
      const first = requests.length ? Math.min(...requests.map((q) => q.at)) : NaN;
      x.walls.push(r.ms);
      x.phases.push(r.endedAt - first);
      x.startups.push(first - r.startedAt);
      if (latencyMs > 0) x.depths.push(chainDepth(requests, latencyMs));
      x.counts.push(requests.length);
      x.byAction = countByAction(requests);
      x.findings = nonPassing(r.stdout);
    },
    done() {
      const res = {
        ...x,
        problems: [...new Set(x.problems)],
        wallMs: median(x.walls),
        awsPhaseMs: median(x.phases),
        startupMs: median(x.startups),
        chainDepth: median(x.depths),
        requests: median(x.counts),
      };
      log(
        `  ${name} @ ${latencyMs} ms: wall ${fmt(res.wallMs)} ms [${x.walls.map((w) => fmt(w)).join(' ')}], ` +
          `AWS phase ${fmt(res.awsPhaseMs)} ms [${x.phases.map((w) => fmt(w)).join(' ')}], ${res.requests} requests` +
          (latencyMs ? `, request chain ${res.chainDepth} [${x.depths.join(' ')}]` : '') +
          (res.problems.length ? `  PROBLEM: ${res.problems.join('; ')}` : ''),
      );
      return res;
    },
  };
}

/**
 * `repeat` diagnosis runs of `facts.targets` at latency 0 and at latency L, interleaved (0, L, 0, L...) so a
 * change in machine load hits both sides alike, after one unmeasured warm-up run each. Medians of: wall time,
 * AWS phase (first request received -> CLI exited: the wall time without the start-up, which does not depend
 * on the latency but is the noisiest part of a run), requests; per-action counts of the last run.
 * `withNode`: a bare `node -e 0` joins the interleaving (0, L, node, 0, L, node...): the floor's node start-up.
 */
async function scenario(lib, name, facts, withNode = false) {
  const ids = facts.targets;
  const L = opts.latency;
  return withServer(lib, facts, 0, (s0) =>
    withServer(lib, facts, L, async (sL) => {
      const sides = [
        { server: s0, env: makeEnv(tmp, s0.url), acc: series(name, ids.length, 0) },
        { server: sL, env: makeEnv(tmp, sL.url), acc: series(name, ids.length, L) },
      ];
      for (const side of sides) await run(process.execPath, [BIN, ...ids, '--json'], side.env, opts.timeoutMs);
      const nodeWalls = [];
      for (let i = 0; i < opts.repeat && !interrupted; i++) {
        for (const side of sides) {
          side.server.requests.length = 0;
          const r = await run(process.execPath, [BIN, ...ids, '--json'], side.env, opts.timeoutMs);
          side.acc.add(r, side.server.requests);
        }
        if (withNode) nodeWalls.push((await run(process.execPath, ['-e', '0'], sides[0].env, 30_000)).ms);
      }
      const at0 = sides[0].acc.done();
      const atL = sides[1].acc.done();
      const nodeMs = median(nodeWalls);
      const floorMs = nodeMs + FLOOR_ROUND_TRIPS * L;
      if (withNode) log(`  node -e 0: ${fmt(nodeMs)} ms [${nodeWalls.map((w) => fmt(w)).join(' ')}]; floor ${fmt(floorMs)} ms, wall @${L} / floor = ${fmt(atL.wallMs / floorMs, 2)}`);
      return {
        ...(withNode ? { nodeMs, floorMs, ratio: atL.wallMs / floorMs } : {}),
        name,
        instances: ids.length,
        at0,
        atL,
        /** The definition, on the AWS phase: (phase(L) - phase(0)) / L. */
        roundTripsTimed: (atL.awsPhaseMs - at0.awsPhaseMs) / L,
        /** The raw definition: (wall(L) - wall(0)) / L. */
        roundTripsWall: (atL.wallMs - at0.wallMs) / L,
        /** What the targets use (see the legend printed with the results). */
        roundTrips: atL.chainDepth,
        requestsPerInstance: at0.requests / ids.length,
        ok: at0.problems.length === 0 && atL.problems.length === 0,
      };
    }),
  );
}

/** `--version` and a bare `node -e 0`, interleaved. */
async function coldStart() {
  const env = makeEnv(tmp, undefined);
  await run(process.execPath, [BIN, '--version'], env, 30_000); // warm the file cache
  const walls = [];
  const nodeWalls = [];
  const problems = [];
  for (let i = 0; i < opts.coldRuns && !interrupted; i++) {
    const r = await run(process.execPath, [BIN, '--version'], env, 30_000);
    if (r.timedOut || r.code !== 0) problems.push(r.timedOut ? 'timed out' : `exit code ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
    walls.push(r.ms);
    nodeWalls.push((await run(process.execPath, ['-e', '0'], env, 30_000)).ms);
  }
  return { medianMs: median(walls), walls, nodeMs: median(nodeWalls), nodeWalls, problems: [...new Set(problems)] };
}

/** du: bytes of the files under `path`. */
function bytesUnder(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, f) => sum + bytesUnder(join(path, f)), 0);
}

/**
 * The package as users get it: `npm pack` (from the current dist/, no rebuild), then `installs` times
 * `npm install <tarball>` into an empty folder, offline with an empty cache and no registry: the time a first
 * `npx ssm-doctor` spends installing, minus the download. Installed size: that folder's node_modules.
 */
async function packageFigures() {
  const dir = join(tmp, 'package');
  mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { ...process.env }, 120_000, ROOT);
  if (packed.code !== 0) return { problems: [`npm pack failed: ${packed.stderr.trim().slice(0, 300)}`] };
  const [info] = JSON.parse(packed.stdout);
  const tarball = join(dir, info.filename);
  const walls = [];
  const problems = [];
  let installedBytes = NaN;
  writeFileSync(join(dir, 'npmrc'), '');
  for (let i = 0; i <= opts.installs && !interrupted; i++) {
    const app = join(dir, `app-${i}`);
    mkdirSync(join(app, 'empty-cache'), { recursive: true });
    writeFileSync(join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}\n');
    const args = ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(app, 'empty-cache'), '--registry', 'http://127.0.0.1:9/', '--userconfig', join(dir, 'npmrc'), tarball];
    const r = await run(npm, args, { ...process.env }, 120_000, app);
    if (r.code !== 0) problems.push(`npm install failed: ${r.stderr.trim().slice(0, 300)}`);
    if (i > 0) walls.push(r.ms); // the first one warms the file cache and npm itself
    installedBytes = bytesUnder(join(app, 'node_modules'));
  }
  log(`  npm install <tarball>: ${fmt(median(walls))} ms [${walls.map((w) => fmt(w)).join(' ')}]`);
  return { tarballBytes: info.size, unpackedBytes: info.unpackedSize, files: info.entryCount, installedBytes, installMs: median(walls), installWalls: walls, problems: [...new Set(problems)] };
}

/** Runs the CLI once and reports its peak RSS: GNU time -v when it works here, else an exit hook. */
async function cliPeakRss(args, env) {
  const gnuTime = existsSync('/usr/bin/time') && (await run('/usr/bin/time', ['-v', 'true'], env, 10_000)).stderr.includes('Maximum resident set size');
  if (gnuTime) {
    const r = await run('/usr/bin/time', ['-v', process.execPath, BIN, ...args], env, opts.timeoutMs);
    return { r, kb: Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]), method: '/usr/bin/time -v, max resident set size of the node process' };
  }
  const hook = join(CACHE, 'rss-hook.mjs');
  writeFileSync(hook, "process.on('exit', () => process.stderr.write(`\\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\\n`));\n");
  const r = await run(process.execPath, ['--import', pathToFileURL(hook).href, BIN, ...args], env, opts.timeoutMs);
  return { r, kb: Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr)?.[1]), method: "process.resourceUsage().maxRSS at 'exit' (node --import hook)" };
}

/**
 * Peak RSS of the CLI diagnosing a big fleet live (latency 0), and, to tell collection from checks and
 * rendering, of the same facts read back with --snapshot (no AWS SDK loaded).
 */
async function peakRss(lib, facts) {
  const ids = facts.targets;
  const live = await withServer(lib, facts, 0, async (server) => {
    const { r, kb, method } = await cliPeakRss([...ids, '--json'], makeEnv(tmp, server.url));
    const problem = runProblem(r, ids.length);
    return {
      instances: ids.length,
      mb: kb / 1024,
      method,
      wallMs: r.ms,
      requests: server.requests.length,
      byAction: countByAction(server.requests),
      problems: problem ? [problem] : Number.isFinite(kb) ? [] : ['no RSS figure'],
      findings: nonPassing(r.stdout),
    };
  });
  const file = join(tmp, 'fleet-snapshot.json');
  writeFileSync(file, JSON.stringify(facts));
  const snap = await cliPeakRss(['--snapshot', file, '--json'], makeEnv(tmp, undefined));
  const snapProblem = runProblem(snap.r, ids.length);
  live.snapshot = { mb: snap.kb / 1024, wallMs: snap.r.ms, problems: snapProblem ? [snapProblem] : [] };
  return live;
}

// ---------------------------------------------------------------- report

function table(rows, align) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (align?.[c] === 'r' ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/**
 * What the reports weigh, from the built CLI on snapshots (no AWS): text lines of each example at 80 columns and
 * the line of its first command, lines of the 30-instance fleet with 9 kinds of problem at 120 columns, and
 * --json bytes per instance for a healthy 1,000-instance fleet (stdout a file: compact).
 */
async function outputSizes(lib) {
  const text = async (file, columns) => {
    const r = await run(process.execPath, [BIN, '--snapshot', file, '--no-color'], { ...makeEnv(tmp, undefined), COLUMNS: String(columns) }, opts.timeoutMs);
    return r.stdout.trimEnd().split('\n');
  };
  const examples = [];
  for (const name of readdirSync(join(ROOT, 'examples')).filter((n) => n.endsWith('.json')).sort()) {
    const lines = await text(join(ROOT, 'examples', name), 80);
    const firstCmd = lines.findIndex((l) => /^\s+(aws |[A-Z_0-9]+=\$\(aws )/.test(l));
    examples.push({ name: name.replace(/\.json$/, ''), lines: lines.length, firstCommandLine: firstCmd < 0 ? null : firstCmd + 1 });
  }
  const fleetFile = join(tmp, 'broken-fleet.json');
  writeFileSync(fleetFile, JSON.stringify(lib.brokenFleet()));
  const fleetLines = (await text(fleetFile, 120)).length;
  const big = lib.fleetFacts({ instances: opts.rssFleet, vpcs: opts.vpcs, roles: opts.roles });
  const bigFile = join(tmp, 'json-fleet.json');
  writeFileSync(bigFile, JSON.stringify(big));
  const j = await run(process.execPath, [BIN, '--snapshot', bigFile, '--json'], makeEnv(tmp, undefined), opts.timeoutMs);
  return { examples, fleetLines, jsonInstances: opts.rssFleet, jsonBytes: Buffer.byteLength(j.stdout) };
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
    console.error('bench: dist/cli.js is missing; run `npm run build` first (npm run bench does).');
    process.exitCode = 2;
    return;
  }
  installCli();
  log('bench: bundling the AWS server and the fleet generator...');
  const lib = await loadLib();
  awsEnv = lib.awsEnv;
  const check = await run(process.execPath, [BIN, '--version'], makeEnv(tmp, undefined), 30_000);
  if (check.code !== 0) throw new Error(`the built CLI does not start (${check.stderr.trim().slice(0, 300)}); run npm run build`);
  const loadBefore = loadavg()[0];

  log(`bench: the package (npm pack, then ${opts.installs} offline installs of the tarball)`);
  const pkg = await packageFigures();
  const L = opts.latency;
  log(`bench: ${opts.repeat} runs per measurement (median), latency 0 and ${L} ms, server on 127.0.0.1`);
  const one = await scenario(lib, '1 instance', lib.healthyFacts(), true);
  const fleetName = `fleet of ${opts.fleet} (${opts.vpcs} VPCs, ${opts.roles} roles)`;
  const fleet = await scenario(lib, fleetName, lib.fleetFacts({ instances: opts.fleet, vpcs: opts.vpcs, roles: opts.roles }));
  log(`bench: --version cold start, ${opts.coldRuns} runs`);
  const cold = await coldStart();
  log(`bench: peak RSS, fleet of ${opts.rssFleet}`);
  const rss = await peakRss(lib, lib.fleetFacts({ instances: opts.rssFleet, vpcs: opts.vpcs, roles: opts.roles }));
  log('bench: report sizes');
  const sizes = await outputSizes(lib);

  // ---- measurements
  const out = [];
  out.push(
    '',
    `ssm-doctor benchmark — built CLI against the local AWS server, median of ${opts.repeat} runs`,
    `node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`,
  );
  const busy = Math.max(loadBefore, loadavg()[0]) > cpus().length;
  if (busy) out.push('WARNING: the machine was busy (load average above the CPU count): timings are unreliable; re-run on a quiet machine, or with a larger --latency.');
  out.push('');
  const mrows = [
    ['scenario', 'wall @0', `wall @${L}`, 'to 1st request', 'AWS phase @0', `AWS phase @${L}`, 'requests', 'req/instance', 'RT timed', 'RT wall', 'RT chain'],
  ];
  for (const s of [one, fleet]) {
    mrows.push([
      s.name,
      `${fmt(s.at0.wallMs)} ms`,
      `${fmt(s.atL.wallMs)} ms`,
      `${fmt(median([s.at0.startupMs, s.atL.startupMs]))} ms`,
      `${fmt(s.at0.awsPhaseMs)} ms`,
      `${fmt(s.atL.awsPhaseMs)} ms`,
      String(s.at0.requests),
      fmt(s.requestsPerInstance, 2),
      fmt(s.roundTripsTimed, 1),
      fmt(s.roundTripsWall, 1),
      String(s.roundTrips),
    ]);
  }
  out.push(table(mrows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  out.push(
    'to 1st request = spawn -> first AWS request received (node start-up, CLI and SDK loading); AWS phase = first request -> exit.',
    `RT timed = (AWS phase @${L} - AWS phase @0) / ${L} ms.  RT wall = (wall @${L} - wall @0) / ${L} ms (same, plus start-up noise).`,
    `RT chain = longest chain of requests in the server's log @${L}, each received >= ${L} ms after the previous one. Every`,
    '  truly sequential chain is one, so it never undercounts (a busy CPU can lengthen it); the targets use it. RT timed',
    `  undercounts when the CLI's own CPU work at latency 0 (AWS phase @0) hides behind the waiting at latency ${L}.`,
  );
  out.push(
    '',
    `one healthy instance @${L} ms: floor ${fmt(one.floorMs)} ms (node -e 0 ${fmt(one.nodeMs)} ms + ${FLOOR_ROUND_TRIPS} x ${L} ms), ` +
      `wall @0 ${fmt(one.at0.wallMs)} ms, wall @${L} ${fmt(one.atL.wallMs)} ms, ratio wall @${L} / floor ${fmt(one.ratio, 2)}`,
  );
  out.push(
    '',
    `--version cold start: median ${fmt(cold.medianMs)} ms over ${cold.walls.length} runs (${cold.walls.map((w) => fmt(w)).join(', ')}); ` +
      `node -e 0 beside it: median ${fmt(cold.nodeMs)} ms (${cold.nodeWalls.map((w) => fmt(w)).join(', ')})`,
  );
  if (Number.isFinite(pkg.tarballBytes)) {
    out.push(
      `package: tarball ${fmt(pkg.tarballBytes / 1024)} KB (${pkg.files} files, ${fmt(pkg.unpackedBytes / 1024)} KB unpacked); ` +
        `installed ${fmt(pkg.installedBytes / 1024)} KB; npm install <tarball> (offline) median ${fmt(pkg.installMs)} ms (${(pkg.installWalls ?? []).map((w) => fmt(w)).join(', ')})`,
    );
  }
  out.push(
    `peak RSS, ${rss.instances} instances: ${fmt(rss.mb, 1)} MB live (wall ${fmt(rss.wallMs)} ms, ${rss.requests} requests); ` +
      `${fmt(rss.snapshot.mb, 1)} MB from --snapshot of the same facts (wall ${fmt(rss.snapshot.wallMs)} ms)`,
    `  measured with ${rss.method}`,
  );
  out.push(
    '',
    'Text report at 80 columns, per example (lines; line of the first command):',
    table([['example', 'lines', 'first command'], ...sizes.examples.map((e) => [e.name, String(e.lines), e.firstCommandLine === null ? '-' : String(e.firstCommandLine)])], ['l', 'r', 'r']),
    `--json, ${sizes.jsonInstances} instances: ${fmt(sizes.jsonBytes / 1e6, 2)} MB (${fmt(sizes.jsonBytes / sizes.jsonInstances)} bytes per instance, compact)`,
  );

  // ---- targets
  const targets = [
    { what: 'one instance: sequential round trips (RT chain)', target: '<= 4', value: one.roundTrips, shown: String(one.roundTrips), met: one.ok && one.roundTrips <= 4 },
    {
      what: `fleet of ${fleet.instances}: requests per instance`,
      target: '<= 0.5',
      value: fleet.requestsPerInstance,
      shown: fmt(fleet.requestsPerInstance, 2),
      met: fleet.ok && fleet.requestsPerInstance <= 0.5,
    },
    { what: `fleet of ${fleet.instances}: sequential round trips (RT chain)`, target: '<= 8', value: fleet.roundTrips, shown: String(fleet.roundTrips), met: fleet.ok && fleet.roundTrips <= 8 },
    {
      what: `one instance @${L} ms: wall / floor`,
      target: '<= 1.25',
      value: one.ratio,
      shown: `${fmt(one.ratio, 2)} (${fmt(one.atL.wallMs)} / ${fmt(one.floorMs)} ms)`,
      met: one.ok && one.ratio <= 1.25,
    },
    { what: '--version cold start (median)', target: '< 150 ms', value: cold.medianMs, shown: `${fmt(cold.medianMs)} ms (node -e 0: ${fmt(cold.nodeMs)} ms)`, met: !cold.problems.length && cold.medianMs < 150 },
    { what: `peak RSS, ${rss.instances} instances`, target: '< 200 MB', value: rss.mb, shown: `${fmt(rss.mb, 1)} MB`, met: !rss.problems.length && rss.mb < 200 },
    { what: `--json, ${sizes.jsonInstances} instances`, target: '<= 5 MB', value: sizes.jsonBytes, shown: `${fmt(sizes.jsonBytes / 1e6, 2)} MB`, met: sizes.jsonBytes <= 5e6 },
    { what: 'fleet of 30, 9 kinds of problem: lines at 120 columns', target: '<= 150', value: sizes.fleetLines, shown: String(sizes.fleetLines), met: sizes.fleetLines <= 150 },
    {
      what: 'examples: first command within the first 24 lines',
      target: 'all',
      value: sizes.examples.filter((e) => e.firstCommandLine !== null && e.firstCommandLine > 24).length,
      shown: `${sizes.examples.filter((e) => e.firstCommandLine === null || e.firstCommandLine <= 24).length}/${sizes.examples.length}`,
      met: sizes.examples.every((e) => e.firstCommandLine === null || e.firstCommandLine <= 24),
    },
    { what: 'package: tarball', target: '<= 1.5 MB', value: pkg.tarballBytes, shown: `${fmt(pkg.tarballBytes / MB, 2)} MB`, met: pkg.tarballBytes <= 1.5 * MB },
    { what: 'package: installed size', target: '<= 5 MB', value: pkg.installedBytes, shown: `${fmt(pkg.installedBytes / MB, 2)} MB`, met: pkg.installedBytes <= 5 * MB },
    { what: 'package: install from the tarball (median)', target: '<= 1 s', value: pkg.installMs, shown: `${fmt(pkg.installMs)} ms`, met: !pkg.problems.length && pkg.installMs <= 1000 },
  ];
  out.push('', table([['target', 'goal', 'measured', ''], ...targets.map((t) => [t.what, t.target, t.shown, t.met ? 'met' : 'NOT MET'])], ['l', 'l', 'r', 'l']));

  // ---- per-action breakdown
  const actions = [...new Set([...Object.keys(one.at0.byAction), ...Object.keys(fleet.at0.byAction), ...Object.keys(rss.byAction)])];
  actions.sort((a, b) => (rss.byAction[b] ?? 0) - (rss.byAction[a] ?? 0) || (fleet.at0.byAction[b] ?? 0) - (fleet.at0.byAction[a] ?? 0) || a.localeCompare(b));
  const brows = [['action', '1 instance', `fleet ${fleet.instances}`, `fleet ${rss.instances}`, 'grows with']];
  for (const a of actions) {
    const c1 = one.at0.byAction[a] ?? 0;
    const cf = fleet.at0.byAction[a] ?? 0;
    const cr = rss.byAction[a] ?? 0;
    // VPCs and roles are the same in both fleets: growth between them comes from the instance count.
    const grows = cr >= rss.instances * 0.5 ? 'each instance' : cr > cf ? 'instance batches' : cf > c1 ? 'VPCs / roles' : '-';
    brows.push([a, String(c1), String(cf), String(cr), grows]);
  }
  brows.push(['total', String(one.at0.requests), String(fleet.at0.requests), String(rss.requests), '']);
  out.push('', 'AWS requests per action (latency 0, one run):', table(brows, ['l', 'r', 'r', 'r', 'l']));

  // ---- problems and findings (a healthy world should pass everywhere)
  const notes = [];
  for (const s of [one, fleet]) for (const m of [s.at0, s.atL]) for (const p of m.problems) notes.push(`${s.name} @ ${m.latencyMs} ms: ${p}`);
  for (const p of cold.problems) notes.push(`--version: ${p}`);
  for (const p of pkg.problems) notes.push(`package: ${p}`);
  for (const p of rss.problems) notes.push(`RSS run: ${p}`);
  for (const p of rss.snapshot.problems) notes.push(`RSS --snapshot run: ${p}`);
  for (const [label, f] of [
    [one.name, one.at0.findings],
    [fleet.name, fleet.at0.findings],
    [`fleet of ${rss.instances}`, rss.findings],
  ]) {
    const keys = Object.keys(f);
    if (keys.length) notes.push(`${label}: non-passing checks in a healthy world: ${keys.map((k) => `${k} x${f[k]}`).join(', ')}`);
  }
  if (notes.length) out.push('', 'Problems:', ...notes.map((n) => `  - ${n}`));
  out.push('');
  process.stdout.write(out.join('\n') + '\n');

  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify({ latencyMs: L, repeat: opts.repeat, scenarios: [one, fleet], cold, rss, sizes, package: pkg, targets }, null, 2) + '\n');
    log(`bench: results written to ${opts.json}`);
  }
  const missed = targets.filter((t) => !t.met);
  if (opts.check && missed.length) {
    log(`bench --check: ${missed.length} target(s) missed: ${missed.map((t) => t.what).join('; ')}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (e) {
  console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  // A crashed benchmark is not a measurement: report it, but only --check turns it into a failure.
  if (opts.check) process.exitCode = 1;
} finally {
  await Promise.all([...servers].map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
}
