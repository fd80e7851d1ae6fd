// The README's "What it checks" table, generated from the checks' meta so the two never drift.
import type { Check } from '../check/kit.js';

export const TABLE_START = '<!-- checks-table: generated from checks/*.ts meta; test/readme.test.ts keeps it complete -->';
export const TABLE_END = '<!-- /checks-table -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function checksTable(checks: Check[]): string {
  const rows = checks.map((c) => `| \`${c.meta.id}\` | ${cell(c.meta.title)} | ${cell(c.meta.description)} | ${cell(c.meta.fixes ?? '')} |`);
  return ['| check id | what | why it matters | fix it gives |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** README text with the table between the markers replaced by the generated one. */
export function withChecksTable(readme: string, checks: Check[]): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README has no checks-table markers');
  return `${readme.slice(0, start + TABLE_START.length)}\n${checksTable(checks)}\n${readme.slice(end)}`;
}
