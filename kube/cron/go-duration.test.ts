import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './go-duration.ts';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0n], ['1h', 3_600_000_000_000n], ['1h30m', 5_400_000_000_000n], ['1.5s', 1_500_000_000n], ['.5m', 30_000_000_000n],
    ['-2m', -120_000_000_000n], ['300ms', 300_000_000n], ['1µs', 1_000n], ['10ns', 10n],
  ])('%s', (s, ns) => {
    expect(parseGoDuration(s)).toBe(ns);
  });

  it.each([
    ['', 'time: invalid duration ""'], ['.', 'time: invalid duration "."'], ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['x', 'time: invalid duration "x"'], ['5', 'time: missing unit in duration "5"'], ['1h x', 'time: unknown unit "h x" in duration "1h x"'],
    ['9999999999h', 'time: invalid duration "9999999999h"'],
  ])('refuses %j', (s, msg) => {
    expect(() => parseGoDuration(s)).toThrow(msg);
  });
});
