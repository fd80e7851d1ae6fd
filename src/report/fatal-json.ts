// `--json`'s document of a run that ended before its report (schemaVersion 1): what the report's readers iterate
// is there and empty (`causes`, `plan`, `targets`), `ok` is false and `error` says why, with the exit code. What
// the run never learnt (region, collectedAt, source, failOn) is left out. Self-contained (type imports only): a
// --json run loads it before its first request, for an interrupt, and nothing of the report with it.
import type { Report } from './model.js';

export interface FatalJson extends Pick<Report, 'schemaVersion' | 'tool' | 'causes' | 'plan' | 'targets'> {
  ok: false;
  error: { exitCode: number; message: string };
}

export interface FatalOptions {
  tool: { name: string; version: string };
  /** Spaces of indentation of the JSON document; 0 = compact (one line), as `--json` prints to files and pipes. */
  indent?: number;
}

export function renderFatalJson(message: string, exitCode: number, opts: FatalOptions): string {
  const doc: FatalJson = {
    // The report's REPORT_SCHEMA_VERSION (the type says so; importing it would load the report's code).
    schemaVersion: 1,
    tool: opts.tool,
    ok: false,
    error: { exitCode, message },
    causes: [],
    plan: { steps: [], cli: [] },
    targets: [],
  };
  return `${JSON.stringify(doc, null, opts.indent || undefined)}\n`;
}
