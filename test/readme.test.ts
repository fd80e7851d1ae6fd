import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allChecks } from '../checks/index.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { SIGNAL_EXIT } from '../src/cli/interrupt.js';
import { withChecksTable } from '../src/report/readme-table.js';

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

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
