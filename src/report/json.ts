// `--json`: exactly one JSON document (the Report, schemaVersion 1) on stdout.
// A fleet's report is tens of MB as one string: `writeJson` streams it a target at a time instead, with the
// very bytes `renderJson` returns (`JSON.stringify(report, null, 2)` and a newline).
import type { Report } from './model.js';

export function renderJson(report: Report): string {
  return [...jsonChunks(report)].join('');
}

/** JSON.stringify's text of one value at `depth` (2 spaces per level), or undefined where it would omit it. */
function stringifyAt(value: unknown, depth: number): string | undefined {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  // JSON escapes newlines inside strings: every newline in the text is a line break of the layout.
  return text === undefined || depth === 0 ? text : text.replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/**
 * The report's JSON text in pieces: the top-level members, and each element of its arrays (the targets)
 * separately. Joined, the pieces are `JSON.stringify(report, null, 2)` followed by a newline.
 */
export function* jsonChunks(report: Report): Generator<string> {
  const members = Object.entries(report).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (members.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{';
  let first = true;
  for (const [key, value] of members) {
    yield `${first ? '' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (Array.isArray(value) && value.length > 0 && !('toJSON' in value)) {
      yield '[';
      for (let i = 0; i < value.length; i++) yield `${i ? ',' : ''}\n    ${stringifyAt(value[i], 2) ?? 'null'}`;
      yield '\n  ]';
    } else {
      yield stringifyAt(value, 1)!;
    }
  }
  yield '\n}\n';
}

/**
 * Writes the report's JSON on `out` piece by piece (about 64 KB per write), waiting for 'drain' when the
 * stream asks to; stops early when the stream is closed or fails (a reader that went away).
 */
export async function writeJson(report: Report, out: NodeJS.WritableStream): Promise<void> {
  let pending = '';
  for (const chunk of jsonChunks(report)) {
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
