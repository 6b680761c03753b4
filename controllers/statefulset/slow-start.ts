// slowStartBatch as the StatefulSet controller runs Parallel work: calls for items 0..n-1 in
// batches of 1, 2, 4, … (at most MaxBatchSize at once), each batch concurrently; the first batch
// with a failure ends the run, so a set whose pods all fail the same way costs one request.

/** MaxBatchSize: a realistic bound on requests in flight. */
export const MAX_BATCH_SIZE = 500;

/** The batch sizes for n items when every call succeeds. */
export function batchSizes(n: number, initial = 1): number[] {
  const sizes: number[] = [];
  let remaining = n;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining, MAX_BATCH_SIZE)) {
    sizes.push(size);
    remaining -= size;
  }
  return sizes;
}

/** Runs fn(i) for every item in slow-start batches; resolves to the failures of the batch that stopped it. */
export async function slowStartBatch(n: number, fn: (i: number) => Promise<void>, initial = 1): Promise<unknown[]> {
  let next = 0;
  let remaining = n;
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining, MAX_BATCH_SIZE)) {
    const batch = Array.from({ length: size }, (_, k) => fn(next + k));
    next += size;
    const results = await Promise.allSettled(batch);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (failures.length > 0) return failures;
    remaining -= size;
  }
  return [];
}
