// `--json`: the streamed document is, byte for byte, JSON.stringify(document, null, indent) and a newline, where
// the document is the report without the evidence of passing checks (and, in fleets, without all-fine paths).
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonTarget, renderJson, writeJson } from '../../src/report/json.js';
import type { Report } from '../../src/report/model.js';
import { EXAMPLES, exampleFacts, fleetReport, reportOf } from './helpers.js';

const documentOf = (r: Report, verbose = false): Report => ({
  ...r,
  targets: r.targets.map((t) => jsonTarget(t, { verbose, fleet: r.targets.length > 1 })),
});
const reference = (r: Report, indent = 2) => `${JSON.stringify(documentOf(r), null, indent || undefined)}\n`;

function several(): Report {
  const one = reportOf('healthy');
  const bad = reportOf('no-instance-profile');
  return { ...bad, targets: [...one.targets, ...bad.targets, { ...bad.targets[0]!, target: 'i-0ffffffffffffffff' }] };
}

describe('renderJson', () => {
  it.each(EXAMPLES)('is JSON.stringify(report, null, 2) for %s', (name) => {
    const r = reportOf(name, { omittedChecks: ['client.plugin'], failOn: 'warn' });
    expect(renderJson(r)).toBe(reference(r));
  });

  it('is the same for several targets, no targets, and omitted (undefined) members', () => {
    const r = several();
    expect(renderJson(r)).toBe(reference(r));
    const none = { ...r, targets: [], missingPermissions: undefined } as Report;
    expect(renderJson(none)).toBe(reference(none));
    expect(JSON.parse(renderJson(none))).toEqual(JSON.parse(reference(none)));
  });

  it('keeps strings with newlines and non-ASCII text intact', () => {
    const r = reportOf(exampleFacts('healthy'));
    r.targets[0]!.checks[0]!.detail = 'line one\nline two → ✔ "quoted"\u2028';
    expect(renderJson(r)).toBe(reference(r));
  });
});

describe('the document', () => {
  it('compact when asked (files and pipes): one line, the same document', () => {
    const r = several();
    const compact = renderJson(r, { indent: 0 });
    expect(compact).toBe(reference(r, 0));
    expect(compact.split('\n')).toHaveLength(2);
    expect(JSON.parse(compact)).toEqual(JSON.parse(renderJson(r)));
  });

  it('passing checks carry no data; findings keep theirs; --verbose keeps everything', () => {
    const r = reportOf('endpoint-sg-without-ingress');
    const doc = JSON.parse(renderJson(r));
    const checks = doc.targets[0].checks as { status: string; data?: unknown; id: string }[];
    expect(checks.find((c) => c.id === 'agent.ping')!.status).toBe('fail');
    expect(checks.filter((c) => c.status === 'pass').every((c) => c.data === undefined)).toBe(true);
    expect(checks.find((c) => c.id === 'agent.ping')!.data).toBeDefined();
    expect(JSON.parse(renderJson(r, { verbose: true }))).toEqual(JSON.parse(JSON.stringify(r)));
    // One target keeps its path picture even when every hop is fine.
    expect(JSON.parse(renderJson(reportOf('healthy'))).targets[0].paths).toBeDefined();
  });

  it('in a fleet, a target whose every path is fine has no picture; a broken one keeps it', () => {
    const doc = JSON.parse(renderJson(several()));
    expect(doc.targets[0].paths).toBeUndefined();
    expect(doc.targets.slice(1).every((t: { paths?: unknown }) => t.paths === undefined || Array.isArray(t.paths))).toBe(true);
  });
});

/** Every id the document refers to that it does not contain: explainedBy, the causes' targets, the plan's steps. */
function danglingReferences(doc: Report): string[] {
  const out: string[] = [];
  const targets = new Set(doc.targets.map((t) => t.target));
  const causes = new Map(doc.causes.map((c) => [c.id, c]));
  for (const t of doc.targets) {
    const own = new Set(t.diagnosis.causes.map((c) => c.id));
    for (const c of t.checks) {
      for (const id of c.explainedBy ?? []) if (!own.has(id)) out.push(`${t.target} ${c.id}: explainedBy ${id} is no cause of the target`);
    }
    for (const c of t.diagnosis.causes) {
      if (!causes.get(c.id)?.targets.includes(t.target)) out.push(`${t.target}: cause ${c.id} missing from the report's causes`);
    }
  }
  for (const c of doc.causes) {
    for (const t of c.targets) if (!targets.has(t)) out.push(`cause ${c.id}: target ${t} is not in targets`);
    for (const t of c.targets) {
      if (!doc.targets.find((x) => x.target === t)?.diagnosis.causes.some((x) => x.id === c.id)) out.push(`cause ${c.id}: ${t} does not have it`);
    }
  }
  for (const s of doc.plan.steps) {
    if (s.cause !== undefined && !causes.has(s.cause)) out.push(`plan step names ${s.cause}, no cause of the report`);
    for (const t of s.targets) if (!targets.has(t)) out.push(`plan step ${s.cause ?? 'then'}: target ${t} is not in targets`);
  }
  return out;
}

describe('every id the document refers to is in it', () => {
  it.each(EXAMPLES.flatMap((n) => [[n, 'fail'] as const, [n, 'warn'] as const]))('%s, --fail-on %s', (name, failOn) => {
    const doc = JSON.parse(renderJson(reportOf(name, { failOn }))) as Report;
    expect(danglingReferences(doc)).toEqual([]);
  });

  it('a fleet of every example', () => {
    const doc = JSON.parse(renderJson(fleetReport(EXAMPLES.length * 2, (n) => EXAMPLES[n % EXAMPLES.length]!))) as Report;
    expect(doc.causes.length).toBeGreaterThan(0);
    expect(danglingReferences(doc)).toEqual([]);
  });
});

describe('writeJson', () => {
  it('writes the same bytes, waiting for drain on a slow stream', async () => {
    const r = several();
    // Big enough for several 64 KB writes; a 1-byte high-water mark makes every write ask for a drain.
    r.targets = Array.from({ length: 40 }, (_, i) => ({ ...r.targets[i % r.targets.length]!, target: `i-${String(i).padStart(17, '0')}` }));
    const parts: Buffer[] = [];
    let drains = 0;
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, done) {
        parts.push(chunk);
        setImmediate(done);
      },
    });
    out.on('drain', () => drains++);
    await writeJson(r, out);
    await new Promise<void>((resolve) => out.end(resolve));
    expect(Buffer.concat(parts).toString('utf8')).toBe(reference(r));
    expect(drains).toBeGreaterThan(0);
  });

  it('stops when the stream closes instead of waiting forever', async () => {
    const r = several();
    r.targets = Array.from({ length: 40 }, (_, i) => ({ ...r.targets[i % r.targets.length]!, target: `i-${String(i).padStart(17, '0')}` }));
    const out = new PassThrough({ highWaterMark: 1 });
    setImmediate(() => out.destroy());
    await expect(writeJson(r, out)).resolves.toBeUndefined();
  });
});
