import { describe, expect, it } from 'vitest';
import { compareVersions, isAtLeast } from '../src/eval/version.js';

describe('compareVersions', () => {
  it.each([
    ['3.3.1142.0', '3.3.1142.0', 0],
    ['3.3', '3.3.0.0', 0],
    ['3.3.0.0', '3.3', 0],
    ['3.3.0.1', '3.3', 1],
    ['3.3', '3.3.0.1', -1],
    ['3.10.0.0', '3.9.0.0', 1], // numeric, not lexicographic
    ['2.3.672.0', '2.3.68.0', 1],
    ['2.3.68.0', '2.3.672.0', -1],
    ['3.2.582.0', '3.2.1041.0', -1],
    ['10.0', '9.99.99.99', 1],
    ['', '0', 0],
    ['v3.1', '3.1.0', 0],
  ])('compareVersions(%s, %s) has the sign of %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  it('is antisymmetric', () => {
    expect(Math.sign(compareVersions('2.3.68.0', '3.0'))).toBe(-Math.sign(compareVersions('3.0', '2.3.68.0')));
  });
});

describe('isAtLeast', () => {
  it.each([
    ['3.3.40.0', '3.3.40.0', true],
    ['3.3.39.9', '3.3.40.0', false],
    ['3.3.41', '3.3.40.0', true],
    ['2.3.68.0', '2.3.672.0', false],
  ])('isAtLeast(%s, %s) = %s', (v, min, want) => {
    expect(isAtLeast(v, min)).toBe(want);
  });
});
