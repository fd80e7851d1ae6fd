// `--format junit`: JUnit XML for CI test reports (GitLab, Jenkins, Azure, CircleCI...).
// One <testsuite> per target, one <testcase> per check: fail -> <failure>, error -> <error>, skip -> <skipped>,
// warn -> passes with the detail in <system-out> (a <failure> with --fail-on warn).
import type { CheckResult, Fix } from '../check/kit.js';
import { isBlocking, tally, waitTimedOutText, type Report, type TargetReport } from './model.js';

/** Removes what XML 1.0 does not allow at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
export function xmlChars(s: string): string {
  return s.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

/** Escaped character data. `>` too, so `]]>` can never appear. */
export function xmlText(s: string): string {
  return xmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped attribute value (for double quotes); tab/LF/CR as references so parsers keep them. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

/** The fix as plain text: summary, `$ command` lines, then the Terraform. */
export function fixText(fix: Fix): string {
  const lines = [`Fix: ${fix.summary}`, ...fix.cli.map((cmd) => `$ ${cmd}`)];
  if (fix.onInstance?.length) lines.push('On the instance itself:', ...fix.onInstance.map((cmd) => `  ${cmd}`));
  if (fix.terraform) lines.push('', 'Terraform:', fix.terraform);
  return lines.join('\n');
}

/** The failure text: a consequence names its cause (whose fix is on the cause's own test case). */
function body(r: CheckResult, t: TargetReport): string {
  const causes = t.diagnosis.causes.filter((c) => r.explainedBy?.includes(c.id));
  if (causes.length) return `${r.detail}\n\nExplained by: ${causes.map((c) => `${c.summary} [${c.id}, fixed by ${c.checks[0]}]`).join('; ')}`;
  return r.fix ? `${r.detail}\n\n${fixText(r.fix)}` : r.detail;
}

export function suiteName(t: TargetReport): string {
  return t.instance?.name ? `${t.target} (${t.instance.name})` : t.target;
}

/**
 * One check of one instance. The class name names the instance (id and Name tag) and the check's group, so CI
 * test views (Jenkins: package = instance, class = group; GitLab's class column) show which instance failed.
 */
function testcase(r: CheckResult, t: TargetReport, failOn: Report['failOn'], pad: string): string {
  const open = `${pad}<testcase${attrs({ classname: `${suiteName(t)}.${r.group}`, name: `${r.id}: ${r.title}`, time: 0 })}`;
  const inner = `${pad}  `;
  switch (r.status) {
    case 'fail':
      return `${open}>\n${inner}<failure${attrs({ message: r.detail, type: 'fail' })}>${xmlText(body(r, t))}</failure>\n${pad}</testcase>`;
    case 'error':
      return `${open}>\n${inner}<error${attrs({ message: r.detail, type: 'error' })}>${xmlText(body(r, t))}</error>\n${pad}</testcase>`;
    case 'skip':
      return `${open}>\n${inner}<skipped${attrs({ message: r.detail })}/>\n${pad}</testcase>`;
    case 'warn':
      return isBlocking('warn', failOn)
        ? `${open}>\n${inner}<failure${attrs({ message: r.detail, type: 'warn' })}>${xmlText(body(r, t))}</failure>\n${pad}</testcase>`
        : `${open}>\n${inner}<system-out>${xmlText(`warning: ${body(r, t)}`)}</system-out>\n${pad}</testcase>`;
    default:
      return `${open}/>`;
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function counts(checks: CheckResult[], failOn: Report['failOn']): Counts {
  const t = tally(checks);
  return { tests: checks.length, failures: t.fail + (failOn === 'warn' ? t.warn : 0), errors: t.error, skipped: t.skip };
}

function testsuite(t: TargetReport, report: Report, id: number): string {
  const n = counts(t.checks, report.failOn);
  const props = Object.entries({ region: report.region, ...t.instance })
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `      <property${attrs({ name: k, value: String(v) })}/>`);
  const out = [
    `  <testsuite${attrs({ name: suiteName(t), id, tests: n.tests, failures: n.failures, errors: n.errors, skipped: n.skipped, time: 0, timestamp: junitTimestamp(report.collectedAt) })}>`,
  ];
  if (props.length) out.push('    <properties>', ...props, '    </properties>');
  for (const r of t.checks) out.push(testcase(r, t, report.failOn, '    '));
  const notes: string[] = [];
  if (t.diagnosis.causes.length) {
    notes.push(['Diagnosis: fix in this order', ...t.diagnosis.causes.map((c, i) => `${i + 1}. ${c.summary} [${c.id}]`)].join('\n'));
  }
  if (t.diagnosis.then) notes.push(`Then:\n${fixText(t.diagnosis.then)}`);
  if (t.missingPermissions?.length) notes.push(`Permissions to add (to the identity running ssm-doctor): ${t.missingPermissions.join(', ')}`);
  if (notes.length) out.push(`    <system-out>${xmlText(notes.join('\n\n'))}</system-out>`);
  out.push('  </testsuite>');
  return out.join('\n');
}

/** JUnit's timestamp: ISO 8601 without fraction or zone (the time is UTC). */
function junitTimestamp(iso: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})/.exec(iso);
  return m?.[1];
}

/** The whole report as one JUnit XML document. */
export function renderJunit(report: Report): string {
  const waited = waitTimedOutText(report);
  // A --wait that ran out: one more suite with one failing test case, counted in the totals.
  const all = [...report.targets.map((t) => counts(t.checks, report.failOn)), ...(waited ? [{ tests: 1, failures: 1, errors: 0, skipped: 0 }] : [])];
  const sum = (k: keyof Counts) => all.reduce((a, c) => a + c[k], 0);
  // The root carries what every JUnit schema allows there (Jenkins' has no `skipped` on <testsuites>).
  const head = attrs({ name: 'ssm-doctor', tests: sum('tests'), failures: sum('failures'), errors: sum('errors'), time: 0 });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${head}>`,
    ...report.targets.map((t, i) => testsuite(t, report, i)),
    ...(waited
      ? [
          `  <testsuite${attrs({ name: 'ssm-doctor --wait', id: report.targets.length, tests: 1, failures: 1, errors: 0, skipped: 0, time: 0 })}>\n` +
            `    <testcase${attrs({ classname: 'ssm-doctor', name: 'every target ready before --wait ran out', time: report.wait!.waitedSeconds })}>\n` +
            `      <failure${attrs({ message: waited, type: 'timeout' })}>${xmlText(waited)}</failure>\n    </testcase>\n  </testsuite>`,
        ]
      : []),
    '</testsuites>',
    '',
  ].join('\n');
}
