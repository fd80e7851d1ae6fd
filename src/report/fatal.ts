// A run that ends before its report (a usage error, no credentials, AWS not reachable, no instance matched...)
// still leaves a document under --json / --format junit / github: a JSON document with `ok: false` and the error,
// one failing test case, one ::error naming the error, so a script, the pipeline's test report or annotations say
// why the step failed instead of showing nothing.
import { escapeData, escapeProperty } from './github.js';
import { xmlAttr, xmlText } from './junit.js';
import { renderFatalJson, type FatalOptions } from './fatal-json.js';

const WHAT: Record<number, string> = { 1: 'failed', 2: 'usage error', 3: 'could not run', 130: 'interrupted', 143: 'terminated' };

/** JUnit XML with one test case, `ssm-doctor run`, in error with the message. */
export function renderFatalJunit(message: string, exitCode: number): string {
  const type = WHAT[exitCode] ?? `exit ${exitCode}`;
  const body = `${message}\n(ssm-doctor exit code ${exitCode})`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The root carries what every JUnit schema allows there (Jenkins' has no skipped on <testsuites>).
    '<testsuites name="ssm-doctor" tests="1" failures="0" errors="1" time="0">',
    '  <testsuite name="ssm-doctor" id="0" tests="1" failures="0" errors="1" skipped="0" time="0">',
    '    <testcase classname="ssm-doctor" name="ssm-doctor run" time="0">',
    `      <error message="${xmlAttr(message)}" type="${xmlAttr(type)}">${xmlText(body)}</error>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** One GitHub Actions `::error` workflow command with the message. */
export function renderFatalGithub(message: string, exitCode: number): string {
  const type = WHAT[exitCode] ?? `exit ${exitCode}`;
  return `::error title=${escapeProperty(`ssm-doctor: ${type}`)}::${escapeData(message)}\n`;
}

/** The document for `format`, or undefined for text (its fatal errors are the stderr line only). */
export function renderFatal(format: string | undefined, message: string, exitCode: number, opts: FatalOptions): string | undefined {
  if (format === 'junit') return renderFatalJunit(message, exitCode);
  if (format === 'github') return renderFatalGithub(message, exitCode);
  if (format === 'json') return renderFatalJson(message, exitCode, opts);
  return undefined;
}
