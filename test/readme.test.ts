import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allChecks } from '../checks/index.js';
import { buildPlan, groupCauses } from '../src/diagnose/fleet.js';
import { buildReport, type Report } from '../src/report/model.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { SIGNAL_EXIT } from '../src/cli/interrupt.js';
import { withChecksTable } from '../src/report/readme-table.js';
import { renderText } from '../src/report/text.js';
import { reportOf } from './report/helpers.js';
import { fixCorpus } from './fixtures/fix-worlds.js';

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('shows the embedded example\'s real first screen (up to Evidence) and its plan, at 80 columns', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const out = renderText(reportOf('missing-ssmmessages-endpoint', { tool: { name: 'ssm-doctor', version } }), { color: false, width: 80 }).split('\n');
    const start = readme.indexOf('This is the first screen of the embedded example');
    const block = readme.slice(readme.indexOf('```\n', start) + 4, readme.indexOf('\n```', readme.indexOf('```\n', start) + 4)).split('\n');
    const head = (lines: string[]) => lines.slice(0, lines.indexOf('Evidence'));
    expect(head(block)).toEqual(head(out));
    const plan = (lines: string[]) => lines.slice(lines.indexOf('Plan'));
    expect(plan(block)).toEqual(plan(out).filter((l, i, a) => !(i === a.length - 1 && l === '')));
  });

  it('lists every check in its table, as generated from the checks (run `npm run readme` to refresh)', () => {
    expect(readme).toBe(withChecksTable(readme, allChecks));
  });

  it('check ids are unique and every check has a title, description and fix summary', () => {
    const ids = allChecks.map((c) => c.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of allChecks) {
      expect(c.meta.title, c.meta.id).toBeTruthy();
      expect(c.meta.description, c.meta.id).toBeTruthy();
      expect(c.meta.fixes, c.meta.id).toBeTruthy();
    }
  });

  it('the exit code table lists every code the CLI exits with (the signals too)', () => {
    const table = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('## JSON output'));
    for (const code of [...Object.values(EXIT), ...Object.values(SIGNAL_EXIT)]) expect(table).toMatch(new RegExp(`^\\| ${code} \\| \\S`, 'm'));
  });

  it('.ci/run calls the README test command', () => {
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(readme).toContain('npm test');
    expect(ci).toMatch(/^npm test$/m);
  });
});

describe("README's JSON section describes the documents as they are", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  // The section's words, whatever the line breaks.
  const section = readme.slice(readme.indexOf('## JSON output'), readme.indexOf('\n## ', readme.indexOf('## JSON output') + 1)).replace(/\s+/g, ' ');
  // Every world the fix tests use (the examples, a broken fleet, a world per fix path), at both gates, and all of
  // their targets as one fleet (the step after the fixes for several instances).
  const corpus = fixCorpus().flatMap(({ name, facts }) =>
    (['fail', 'warn'] as const).map((failOn) => ({ name, facts, report: buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 'test' }, source: 'snapshot', failOn }) })),
  );
  const fleetTargets = corpus.flatMap((c, i) => c.report.targets.map((t) => ({ ...t, target: `${t.target}-${i}` })));
  const fleetCauses = groupCauses(fleetTargets);
  const fleet: Report = { ...corpus[0]!.report, targets: fleetTargets, causes: fleetCauses, plan: buildPlan(fleetCauses, fleetTargets, 'us-east-1') };
  const reports = [...corpus.map((c) => c.report), fleet];

  it('every shape of plan.steps[] is written out, fields in order', () => {
    const shapes = new Set(reports.flatMap((r) => r.plan.steps.map((s) => `{ ${Object.keys(s).join(', ')} }`)));
    expect([...shapes].sort()).toEqual(['{ summary, cause, targets }', '{ summary, targets, fix }']);
    for (const shape of shapes) expect(section).toContain(`\`${shape}\``);
  });

  it('a cause id whose subject is no resource of the facts is one of the category keys it lists', () => {
    const special = /^(?:agent\.restart|unreadable):/;
    const ids = new Set<string>();
    for (const c of corpus) {
      const text = JSON.stringify(c.facts);
      for (const cause of c.report.causes) {
        // A log group and a bucket are named as `log-group:<name>` and `s3://<bucket>`.
        const subject = cause.id.slice(cause.id.indexOf(':') + 1).replace(/^(?:log-group:|s3:\/\/)/, '');
        if (!special.test(cause.id) && !text.includes(JSON.stringify(subject))) ids.add(cause.id.replace(`:${c.facts.region}:`, ':<region>:'));
      }
    }
    expect(ids.size).toBeGreaterThan(3);
    for (const id of ids) expect(section, id).toContain(`\`${id}\``);
  });

  it('says which targets have `instance`: the EC2 instances it could read, not hybrid nodes (mi-)', () => {
    for (const c of corpus) {
      for (const t of c.report.targets) {
        const read = c.facts.instances[t.target];
        expect(t.instance !== undefined, `${c.name} ${t.target}`).toBe(Boolean(read?.ok && read.value));
        if (t.target.startsWith('mi-')) expect(t.instance).toBeUndefined();
      }
    }
    expect(section).toMatch(/`instance` \(.*\) is present for an EC2 instance ssm-doctor could read/);
    expect(section).toMatch(/absent for a hybrid managed node \(`mi-`/);
  });
});

