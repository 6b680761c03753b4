// slowStartBatch (controller_utils.go; the StatefulSet controller's copy adds MaxBatchSize): calls
// for items 0..count-1 go out in batches of 1, 2, 4, … (never more than what is left, nor than
// maxBatch), each batch concurrently, and the first batch with a failure ends the run — so a
// controller whose pods all fail the same way (quota, admission) costs one request and one event,
// not hundreds.

/** controller.SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export interface SlowStartOptions {
  /** The first batch's size (default SLOW_START_INITIAL_BATCH_SIZE). */
  initial?: number;
  /** The largest batch (default: no bound). */
  maxBatch?: number;
}

/** The batch sizes slowStartBatch uses for count calls when every call succeeds. */
export function slowStartBatches(count: number, options: SlowStartOptions = {}): number[] {
  const { initial = SLOW_START_INITIAL_BATCH_SIZE, maxBatch = Number.POSITIVE_INFINITY } = options;
  const sizes: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining, maxBatch)) {
    sizes.push(size);
    remaining -= size;
  }
  return sizes;
}

export interface SlowStartResult {
  /** Calls that succeeded. */
  successes: number;
  /** Calls made; the rest were skipped after a batch with a failure. */
  attempted: number;
  /** The failures of the batch that stopped the run, in call order; empty when none failed. */
  failures: unknown[];
}

/** Runs fn(i) for i in 0..count-1 in slow-start batches; stops after the first batch with a failure. */
export async function slowStartBatch(count: number, fn: (i: number) => Promise<void>, options: SlowStartOptions = {}): Promise<SlowStartResult> {
  const { initial = SLOW_START_INITIAL_BATCH_SIZE, maxBatch = Number.POSITIVE_INFINITY } = options;
  let attempted = 0;
  let successes = 0;
  let remaining = count;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining, maxBatch)) {
    const first = attempted;
    const results = await Promise.allSettled(Array.from({ length: size }, (_, k) => fn(first + k)));
    attempted += size;
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    successes += size - failures.length;
    if (failures.length > 0) return { successes, attempted, failures };
    remaining -= size;
  }
  return { successes, attempted, failures: [] };
}
