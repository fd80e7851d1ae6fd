// `npm run readme`: rewrites the README's checks table from the checks' meta.
import { readFileSync, writeFileSync } from 'node:fs';
import { allChecks } from '../checks/index.js';
import { withChecksTable } from '../src/report/readme-table.js';

writeFileSync('README.md', withChecksTable(readFileSync('README.md', 'utf8'), allChecks));
