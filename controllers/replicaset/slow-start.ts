// slowStartBatch: creations go out in batches of 1, 2, 4, … (never more than what is left), each
// batch concurrently, and the first batch with a failure ends the run — so a ReplicaSet whose pods
// all fail the same way (quota, admission) costs one request and one event, not hundreds.

/** SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** The batch sizes slowStartBatch would use for count calls when every call succeeds. */
export function slowStartBatches(count: number, initial = SLOW_START_INITIAL_BATCH_SIZE): number[] {
  const sizes: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    sizes.push(size);
    remaining -= size;
  }
  return sizes;
}

export interface SlowStartResult {
  successes: number;
  /** The first failure of the batch that stopped the run. */
  error?: unknown;
}

/** Runs fn in slow-start batches; stops after the first batch with a failure. */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += size - failures.length;
    const first = failures[0];
    if (first !== undefined) return { successes, error: first.reason };
    remaining -= size;
  }
  return { successes };
}
