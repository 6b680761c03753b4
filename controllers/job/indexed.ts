// Indexed jobs (indexed_job_utils.go): which indexes succeeded or failed (counting only pods not
// yet accounted, i.e. still carrying the tracking finalizer), which indexes to start next, which
// duplicate or out-of-range pods to remove, and, with backoffLimitPerIndex, the per-index failure
// counts carried from a failed pod to its replacement.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { JOB_INDEX_FAILURE_COUNT, JOB_INDEX_IGNORED_FAILURE_COUNT, MAX_GENERATED_NAME_LENGTH } from './constants.ts';
import { hasIndex, mergeIntervals, parseIntervals, withIndexes, type Interval, type Intervals } from './intervals.ts';
import { isPodFailed, onlyReplaceFailedPods } from './job-spec.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import { sortActivePods } from '../framework/pod-ranking.ts';
import { isPodTerminating } from '../framework/pod-state.ts';
import { completionIndexOf, finishedTimeOf, hasTrackingFinalizer, sortByCompletionIndex, uidOf, UNKNOWN_INDEX } from './pods.ts';

const MAX_INT32 = 2147483647;

export function indexesOf(pods: readonly Pod[]): number[] {
  const set = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix !== UNKNOWN_INDEX) set.add(ix);
  }
  return [...set].sort((a, b) => a - b);
}

function validIndex(pod: Pod, completions: number): boolean {
  const ix = completionIndexOf(pod);
  return ix !== UNKNOWN_INDEX && ix < completions;
}

/** calculateSucceededIndexes: status.completedIndexes, and with the newly succeeded pods. */
export function succeededIndexes(job: Job, pods: readonly Pod[], completions: number): { prev: Interval[]; current: Interval[] } {
  const prev = parseIntervals(job.status?.completedIndexes ?? '', completions);
  const fresh = pods.filter((p) => p.status?.phase === 'Succeeded' && validIndex(p, completions) && hasTrackingFinalizer(p));
  return { prev, current: withIndexes(prev, indexesOf(fresh)) };
}

function parseInt32(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n < 0 || n > MAX_INT32 ? 0 : n;
}

export function indexFailureCount(pod: Pod): number {
  const v = pod.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT];
  return v === undefined ? 0 : parseInt32(v);
}

export function indexIgnoredFailureCount(pod: Pod): number {
  const v = pod.metadata?.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT];
  return v === undefined ? 0 : parseInt32(v);
}

export function indexAbsoluteFailureCount(pod: Pod): number {
  return indexFailureCount(pod) + indexIgnoredFailureCount(pod);
}

/** isIndexFailed: a FailIndex match, or a counted failure that exhausts backoffLimitPerIndex. */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  let counted = false;
  if (isPodFailed(pod, job)) {
    if (job.spec?.podFailurePolicy !== undefined) {
      const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
      if (m.action === 'FailIndex') return true;
      counted = m.countFailed;
    } else {
      counted = true;
    }
  }
  return counted && indexFailureCount(pod) >= (job.spec?.backoffLimitPerIndex ?? 0);
}

/** calculateFailedIndexes: status.failedIndexes with the indexes failed since. */
export function failedIndexes(job: Job, pods: readonly Pod[], completions: number): Interval[] {
  const prev = job.status?.failedIndexes === undefined ? [] : parseIntervals(job.status.failedIndexes, completions);
  const fresh = pods.filter((p) => validIndex(p, completions) && hasTrackingFinalizer(p) && isIndexFailed(job, p));
  return withIndexes(prev, indexesOf(fresh));
}

export interface PendingIndexInput {
  job: Job;
  pods: readonly Pod[];
  activePods: readonly Pod[];
  succeededIndexes: Intervals;
  failedIndexes: Intervals | undefined;
}

/** firstPendingIndexes: the lowest `count` indexes nobody runs, succeeded or failed. */
export function firstPendingIndexes(input: PendingIndexInput, count: number, completions: number): number[] {
  if (count === 0) return [];
  let nonPending = withIndexes(input.succeededIndexes, indexesOf(input.activePods));
  if (onlyReplaceFailedPods(input.job)) nonPending = withIndexes(nonPending, indexesOf(input.pods.filter(isPodTerminating)));
  if (input.failedIndexes !== undefined) nonPending = mergeIntervals(nonPending, input.failedIndexes);
  const out: number[] = [];
  let candidate = 0;
  for (const iv of nonPending) {
    for (; candidate < completions && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
  return out;
}

/**
 * appendDuplicatedIndexPodsForRemoval: pods without an index or beyond completions go, and of
 * several pods with one index all but the one ActivePods would keep longest.
 */
export function duplicateIndexPods(pods: readonly Pod[], completions: number): { rm: Pod[]; left: Pod[] } {
  const rm: Pod[] = [];
  const left: Pod[] = [];
  const sorted = sortByCompletionIndex(pods);
  const flush = (group: Pod[], ix: number): void => {
    if (group.length === 0) return;
    if (ix === UNKNOWN_INDEX) {
      rm.push(...group);
      return;
    }
    if (group.length === 1) {
      left.push(group[0] as Pod);
      return;
    }
    const ordered = sortActivePods(group);
    rm.push(...ordered.slice(0, -1));
    left.push(ordered[ordered.length - 1] as Pod);
  };
  let group: Pod[] = [];
  let lastIndex = UNKNOWN_INDEX;
  for (const [i, p] of sorted.entries()) {
    const ix = completionIndexOf(p);
    if (ix >= completions) {
      flush(group, lastIndex);
      rm.push(...sorted.slice(i));
      return { rm, left };
    }
    if (ix !== lastIndex) {
      flush(group, lastIndex);
      group = [];
      lastIndex = ix;
    }
    group.push(p);
  }
  flush(group, lastIndex);
  return { rm, left };
}

export interface DelayedDeletionInput {
  job: Job;
  pods: readonly Pod[];
  activePods: readonly Pod[];
  expectedRmFinalizers: ReadonlySet<string>;
  succeededIndexes: Intervals;
  failedIndexes: Intervals;
  completions: number;
}

/**
 * getPodsWithDelayedDeletionPerIndex: per index not yet done or running again, the latest failed
 * pod, whose finalizer stays until its replacement exists (the replacement copies its counts).
 */
export function podsWithDelayedDeletion(input: DelayedDeletionInput): Map<number, Pod> {
  const active = new Set(indexesOf(input.activePods));
  const out = new Map<number, Pod>();
  for (const p of input.pods) {
    if (!hasTrackingFinalizer(p) || input.expectedRmFinalizers.has(uidOf(p))) continue;
    if (!validIndex(p, input.completions) || !isPodFailed(p, input.job)) continue;
    const ix = completionIndexOf(p);
    if (hasIndex(input.succeededIndexes, ix) || hasIndex(input.failedIndexes, ix) || active.has(ix)) continue;
    const prev = out.get(ix);
    if (prev === undefined) out.set(ix, p);
    else if (indexAbsoluteFailureCount(prev) <= indexAbsoluteFailureCount(p) && finishedTimeOf(p) >= finishedTimeOf(prev)) out.set(ix, p);
  }
  return out;
}

/** getNewIndexFailureCounts: the replacement's failure and ignored-failure counts. */
export function replacementFailureCounts(job: Job, replaced: Pod | undefined): { failed: number; ignored: number } {
  if (replaced === undefined) return { failed: 0, ignored: 0 };
  let failed = indexFailureCount(replaced);
  let ignored = indexIgnoredFailureCount(replaced);
  if (job.spec?.podFailurePolicy !== undefined && !matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).countFailed) ignored++;
  else failed++;
  return { failed, ignored };
}

/** podGenerateNameWithIndex: "<job>-<index>-", the job name cut to keep it a valid prefix. */
export function generateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  if (prefix.length > MAX_GENERATED_NAME_LENGTH) return prefix.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix;
  return prefix;
}
