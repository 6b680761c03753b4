// The pod-failure back-off (backoff_utils.go): after failures, new pods wait 10 s doubling per
// consecutive failure since the last success, capped, counted from the last failure's finish time.
// The record lives in the controller's memory only (a restarted controller starts over, as
// upstream's does).
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS } from './constants.ts';
import { finishedTimeOf } from './pods.ts';

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  /** ms since the epoch, or undefined with no failure since the last success. */
  lastFailureTime: number | undefined;
}

export const EMPTY_BACKOFF: BackoffRecord = { failuresAfterLastSuccess: 0, lastFailureTime: undefined };

/** newBackoffRecord: the stored record advanced by the pods that finished since. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
  const base = prev ?? EMPTY_BACKOFF;
  const failedTimes = newFailed.map(finishedTimeOf).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return { ...base };
    return { failuresAfterLastSuccess: base.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(finishedTimeOf));
  let failures = 0;
  let lastFailureTime: number | undefined;
  for (let i = failedTimes.length - 1; i >= 0; i--) {
    const t = failedTimes[i] as number;
    if (t <= lastSuccess) break;
    lastFailureTime ??= t;
    failures++;
  }
  return { failuresAfterLastSuccess: failures, lastFailureTime };
}

/** getRemainingTimeForFailuresCount. */
export function remainingBackoffMs(
  failures: number, lastFailureTime: number | undefined, now: number,
  baseMs = POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS,
): number {
  if (failures === 0 || lastFailureTime === undefined) return 0;
  let backoff = baseMs;
  for (let i = 1; i < failures; i++) {
    backoff *= 2;
    if (backoff >= maxMs) {
      backoff = maxMs;
      break;
    }
  }
  const elapsed = now - lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}
