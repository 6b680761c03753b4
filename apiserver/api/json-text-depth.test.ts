import { describe, expect, it } from 'vitest';
import { jsonTextDepth } from './json-text-depth.ts';

describe('jsonTextDepth', () => {
  it.each<[string, number]>([
    ['1', 0],
    ['{}', 1],
    ['[[], {"a": [1]}]', 3],
    ['{"a": "[[[{"}', 1],
    ['{"a": "\\"[[["}', 1],
  ])('%s nests %d deep', (text, want) => {
    expect(jsonTextDepth(text)).toBe(want);
  });
});
