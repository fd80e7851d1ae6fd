// `--format`: which renderer draws the report on stdout (`--json` is the short form of `--format json`).
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { Report } from './model.js';
import { renderText } from './text.js';

export const FORMATS = ['text', 'json', 'junit', 'github'] as const;
export type Format = (typeof FORMATS)[number];

/** The format asked for, or a usage message when `--json` and `--format` disagree. */
export function resolveFormat(json: boolean | undefined, format: string | undefined): Format | { usage: string } {
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    return { usage: `--format must be one of ${FORMATS.join(', ')}` };
  }
  if (json && format !== undefined && format !== 'json') return { usage: `--json and --format ${format} cannot be used together` };
  return json ? 'json' : ((format as Format | undefined) ?? 'text');
}

export function render(report: Report, format: Format, opts: { color: boolean; verbose?: boolean; width?: number }): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'github':
      return renderGithub(report);
    default:
      return renderText(report, opts);
  }
}
