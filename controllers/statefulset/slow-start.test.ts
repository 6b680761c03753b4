import { describe, expect, it } from 'vitest';
import { batchSizes, slowStartBatch } from './slow-start.ts';

describe('slowStartBatch', () => {
  it('doubles batches up to what is left', () => {
    expect(batchSizes(0)).toEqual([]);
    expect(batchSizes(1)).toEqual([1]);
    expect(batchSizes(10)).toEqual([1, 2, 4, 3]);
  });

  it('stops after the first batch with a failure', async () => {
    const seen: number[] = [];
    const failures = await slowStartBatch(10, (i) => {
      seen.push(i);
      return i === 2 ? Promise.reject(new Error(`no ${String(i)}`)) : Promise.resolve();
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(failures.map((e) => (e as Error).message)).toEqual(['no 2']);
  });
});
