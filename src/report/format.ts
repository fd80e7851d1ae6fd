// `--format`: which renderer draws the report on stdout (`--json` is the short form of `--format json`).
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { Report } from './model.js';
import { renderText } from './text.js';
import type { Format } from './formats.js';

export { FORMATS, resolveFormat, type Format } from './formats.js';

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
