// The registry: every check, in report order. Adding a check = one file in checks/ + one line here.
import type { Check } from '../src/check.js';
import { instanceState } from './instance.state.js';

export const allChecks: Check[] = [
  instanceState,
];
