import { describe, expect, it } from 'vitest';
import { slowStartBatch, slowStartBatches } from './slow-start.ts';

describe('slowStartBatches', () => {
  it.each([
    [0, []], [1, [1]], [3, [1, 2]], [7, [1, 2, 4]], [10, [1, 2, 4, 3]], [500, [1, 2, 4, 8, 16, 32, 64, 128, 245]],
  ])('%d → %j', (count, want) => {
    expect(slowStartBatches(count)).toEqual(want);
  });

  it('never exceeds maxBatch (the StatefulSet controller\'s 500)', () => {
    expect(slowStartBatches(2000, { maxBatch: 500 })).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 500, 500, 489]);
  });
});

describe('slowStartBatch', () => {
  it('stops after the first batch with a failure', async () => {
    const seen: number[] = [];
    const result = await slowStartBatch(10, (i) => {
      seen.push(i);
      return i === 2 ? Promise.reject(new Error(`no ${String(i)}`)) : Promise.resolve();
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(result.failures.map((e) => (e as Error).message)).toEqual(['no 2']);
    expect(result).toMatchObject({ successes: 2, attempted: 3 });
  });

  it('runs every call when none fails', async () => {
    const seen: number[] = [];
    const result = await slowStartBatch(10, (i) => {
      seen.push(i);
      return Promise.resolve();
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result).toEqual({ successes: 10, attempted: 10, failures: [] });
  });
});
