import { expect, it } from 'vitest';
import { compareSemver } from './semver';

it.each([
  ['1.0.0', '1.0.1', -1],
  ['1.10.0', '1.9.9', 1],
  ['2.0.0', '2.0.0', 0],
  ['1.0.0-rc.1', '1.0.0', -1],
  ['1.0.0-alpha', '1.0.0-alpha.1', -1],
  ['1.0.0-alpha.beta', '1.0.0-beta', -1],
  ['1.0.0-beta.11', '1.0.0-beta.2', 1],
  ['1.0.0-rc.1', '1.0.0-beta.11', 1],
  ['1.0.0+build.1', '1.0.0+build.2', 0],
])('compareSemver(%s, %s) = %i', (a, b, expected) => {
  expect(compareSemver(a, b)).toBe(expected);
  expect(compareSemver(b, a)).toBe(-expected || 0);
});
