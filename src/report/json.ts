// `--json`: exactly one JSON document (the Report, schemaVersion 1) on stdout.
// The document is the report as scripts need it: passing checks carry no `data` (evidence is for findings),
// and in a run of several targets a target whose every path is fine carries no `paths` picture (--verbose keeps
// both). Indented for a terminal, compact otherwise (a file, a pipe: 1,000 instances stay a few MB).
// A fleet's report is large as one string: `writeJson` streams it a target at a time, with the very bytes
// `renderJson` returns.
import type { Report, TargetReport } from './model.js';

export interface JsonOptions {
  /** Spaces of indentation; 0 = compact (one line). Default 2. */
  indent?: number;
  /** Keep `data` on passing checks and every `paths` picture. */
  verbose?: boolean;
}

/** The target as the JSON document has it. */
export function jsonTarget(t: TargetReport, opts: { verbose?: boolean; fleet: boolean }): TargetReport {
  if (opts.verbose) return t;
  const checks = t.checks.map((c) => {
    if (c.status !== 'pass' || c.data === undefined) return c;
    const { data: _evidence, ...rest } = c;
    return rest;
  });
  const pathsOk = t.paths?.every((p) => p.ok === true);
  if (opts.fleet && pathsOk) {
    const { paths: _fine, ...rest } = t;
    return { ...rest, checks };
  }
  return { ...t, checks };
}

export function renderJson(report: Report, opts: JsonOptions = {}): string {
  return [...jsonChunks(report, opts)].join('');
}

/** JSON.stringify's text of one value at `depth` levels of `indent` spaces, or undefined where it would omit it. */
function stringifyAt(value: unknown, depth: number, indent: number): string | undefined {
  const text = JSON.stringify(value, null, indent || undefined) as string | undefined;
  // JSON escapes newlines inside strings: every newline in the text is a line break of the layout.
  return text === undefined || depth === 0 || !indent ? text : text.replace(/\n/g, `\n${' '.repeat(indent * depth)}`);
}

/**
 * The report's JSON text in pieces: the top-level members, and each target separately. Joined, the pieces are
 * `JSON.stringify(document, null, indent)` followed by a newline.
 */
export function* jsonChunks(report: Report, opts: JsonOptions = {}): Generator<string> {
  const indent = opts.indent ?? 2;
  const fleet = report.targets.length > 1;
  const nl = indent ? '\n' : '';
  const pad = (n: number) => ' '.repeat(indent * n);
  const sep = indent ? ': ' : ':';
  const members = Object.entries(report).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (members.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{';
  let first = true;
  for (const [key, value] of members) {
    yield `${first ? '' : ','}${nl}${pad(1)}${JSON.stringify(key)}${sep}`;
    first = false;
    if (key === 'targets' && Array.isArray(value) && value.length > 0) {
      yield '[';
      for (let i = 0; i < value.length; i++) {
        const t = jsonTarget(value[i] as TargetReport, { verbose: opts.verbose, fleet });
        yield `${i ? ',' : ''}${nl}${pad(2)}${stringifyAt(t, 2, indent) ?? 'null'}`;
      }
      yield `${nl}${pad(1)}]`;
    } else {
      yield stringifyAt(value, 1, indent)!;
    }
  }
  yield `${nl}}\n`;
}

/**
 * Writes the report's JSON on `out` piece by piece (about 64 KB per write), waiting for 'drain' when the
 * stream asks to; stops early when the stream is closed or fails (a reader that went away).
 */
export async function writeJson(report: Report, out: NodeJS.WritableStream, opts: JsonOptions = {}): Promise<void> {
  let pending = '';
  for (const chunk of jsonChunks(report, opts)) {
    pending += chunk;
    if (pending.length < 65536) continue;
    const text = pending;
    pending = '';
    if (out.write(text) === false && !(await drained(out))) return;
  }
  if (pending) out.write(pending);
}

/** Resolves true on 'drain', false when the stream closes or fails first. */
function drained(out: NodeJS.WritableStream): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean) => () => {
      out.off('drain', onDrain);
      out.off('close', onEnd);
      out.off('error', onEnd);
      resolve(ok);
    };
    const onDrain = settle(true);
    const onEnd = settle(false);
    out.once('drain', onDrain);
    out.once('close', onEnd);
    out.once('error', onEnd);
  });
}
