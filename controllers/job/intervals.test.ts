import { describe, expect, it } from 'vitest';
import { formatIntervals, hasIndex, mergeIntervals, parseIntervals, totalOf, withIndexes } from './intervals.ts';

describe('index intervals', () => {
  it.each([
    ['', 10, ''],
    ['0', 10, '0'],
    ['0,1', 10, '0,1'],
    ['0-2,4', 10, '0-2,4'],
    ['1,2,3', 10, '1-3'],
    ['3-5,6', 10, '3-6'],
    ['2-20', 5, '2-4'],
    ['1,7,9', 8, '1,7'],
    ['x,2', 5, '2'],
  ])('parse %j (completions %i) → %j', (text, completions, want) => {
    expect(formatIntervals(parseIntervals(text, completions))).toBe(want);
  });

  it('merges and adds indexes in order', () => {
    const a = parseIntervals('0,4-6', 100);
    expect(formatIntervals(withIndexes(a, [1, 2, 3, 9]))).toBe('0-6,9');
    expect(formatIntervals(mergeIntervals(a, parseIntervals('7-8', 100)))).toBe('0,4-8');
    expect(totalOf(parseIntervals('0,4-6', 100))).toBe(4);
    expect(hasIndex(a, 5)).toBe(true);
    expect(hasIndex(a, 3)).toBe(false);
  });
});
