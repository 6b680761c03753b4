// The Job controller's decisions (job_controller.go syncJob, manageJob and the first half of
// trackJobStatusAndRemoveFinalizers), as pure functions in two steps because upstream's later
// decisions depend on how many of its pod writes succeeded:
//
//   planJobSync(observed)      → which condition the job is heading to, and the one pod action of
//                                this sync (terminate, delete, create, or wait out the back-off);
//   planJobStatus(plan, done)  → the status to flush (new uids in uncountedTerminatedPods, the
//                                interim FailureTarget / SuccessCriteriaMet condition), the pods whose
//                                tracking finalizer can go, and the final condition to enact once
//                                they are counted (tracking.ts).
//
// Feature gates as 1.32 ships them: JobPodReplacementPolicy, JobManagedBy (so terminal conditions
// wait for terminating pods), JobBackoffLimitPerIndex, JobSuccessPolicy and PodIndexLabel on.
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { cloneJson } from '../../lib/clone.ts';
import { nextBackoffRecord, remainingBackoffMs, type BackoffRecord } from './backoff.ts';
import { ensureCondition, findCondition, newCondition } from './conditions.ts';
import {
  CONDITION, MAX_POD_CREATE_DELETE_PER_SYNC, MAX_UNCOUNTED_PODS, MESSAGE, REASON, SYNC_BATCH_PERIOD_MS,
} from './constants.ts';
import {
  duplicateIndexPods, failedIndexes, firstPendingIndexes, indexAbsoluteFailureCount, podsWithDelayedDeletion, succeededIndexes,
} from './indexed.ts';
import { formatIntervals, hasIndex, totalOf, withIndexes, type Interval } from './intervals.ts';
import { completionsOf, hasBackoffLimitPerIndex, isIndexed, isPodFailed, isSuspended, onlyReplaceFailedPods } from './job-spec.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import { baseTemplate, podForJob } from './pod-template.ts';
import { metaTime, timeMs } from '../framework/meta-time.ts';
import { sortActivePods } from '../framework/pod-ranking.ts';
import { isPodActive, isPodReady, isPodTerminating } from '../framework/pod-state.ts';
import { completionIndexOf, finishedTimeOf, hasTrackingFinalizer, sortByCompletionIndex, uidOf, UNKNOWN_INDEX } from './pods.ts';
import { matchSuccessPolicy } from './success-policy.ts';
import { cleanUncounted, type PlannedEvent } from './tracking.ts';

export interface JobSyncInput {
  /** The job as the informer has it; never mutated. */
  job: Job;
  /** The job's pods after adoption/release (adopted ones already carry the tracking finalizer). */
  pods: readonly Pod[];
  now: number;
  /** Whether the creations and deletions asked for earlier have all been observed. */
  satisfiedExpectations: boolean;
  /** Pods whose finalizer removal was asked for but not observed yet. */
  expectedRmFinalizers: ReadonlySet<string>;
  /** The controller's in-memory back-off record for this job. */
  backoff: BackoffRecord | undefined;
}

/** The one pod action of a sync; upstream never creates and deletes in the same sync. */
export type PodAction =
  | { type: 'none' }
  /** deleteActivePods: the job is finishing; DELETE each, finalizers stay until counted. */
  | { type: 'terminate'; pods: Pod[] }
  /** deleteJobPods: suspension or too many pods; finalizer removed, then DELETE. */
  | { type: 'delete'; pods: Pod[] }
  /** Pods to create in slow-start batches (1, 2, 4, …). */
  | { type: 'create'; pods: Pod[] }
  /** Creation waits for the failure back-off; the sync is requeued after delayMs. */
  | { type: 'backoff'; delayMs: number };

export interface JobSyncPlan {
  /** The job with status.startTime and an (empty) uncountedTerminatedPods filled in. */
  job: Job;
  action: PodAction;
  /** When to look again for activeDeadlineSeconds (before any back-off requeue). */
  deadlineRequeueMs: number | undefined;
  /** The back-off record to keep once the status carrying these failures is written. */
  backoff: BackoffRecord;
  /** Internal state carried to planJobStatus. */
  state: SyncState;
}

interface SyncState {
  pods: readonly Pod[];
  activePods: readonly Pod[];
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  uncountedSucceeded: ReadonlySet<string>;
  uncountedFailed: ReadonlySet<string>;
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  failedIndexes: Interval[] | undefined;
  expectedRmFinalizers: ReadonlySet<string>;
  finished: JobCondition | undefined;
  satisfiedExpectations: boolean;
  manageCalled: boolean;
  podsWithDelayedDeletion: Map<number, Pod>;
}

export interface PodActionOutcome {
  /** Pods deleted (terminate/delete), counting ones already gone. */
  removed?: number;
  /** Of those, how many were ready. */
  removedReady?: number;
  /** Pods created (create). */
  created?: number;
}

export interface JobStatusPlan {
  /** The job with the status to flush first (when needsFlush). */
  job: Job;
  needsFlush: boolean;
  /** Pods whose tracking finalizer is removed after the flush, in this order. */
  podsToRemoveFinalizer: Pod[];
  /** uids of pods still holding the finalizer; removals that succeed are taken out. */
  uidsWithFinalizer: Set<string>;
  /** Too many uncounted pods: the job is not declared finished in this sync. */
  reachedMaxUncounted: boolean;
  /** The Complete or Failed condition to enact once everything is counted. */
  finished: JobCondition | undefined;
  /** Terminating pods after this sync's deletions (a terminal condition waits for 0). */
  terminating: number;
  /** Suspended / Resumed, recorded right away. */
  events: PlannedEvent[];
}

// ---- helpers ------------------------------------------------------------------------------------

/** getValidPodsWithFilter: pods still to be accounted (finalizer, not uncounted, valid index). */
function uncountedPods(job: Job, st: { pods: readonly Pod[]; expectedRmFinalizers: ReadonlySet<string> }, uncounted: ReadonlySet<string>, filter: (p: Pod) => boolean): Pod[] {
  const completions = completionsOf(job) ?? 0;
  return st.pods.filter((p) => {
    const uid = uidOf(p);
    if (!hasTrackingFinalizer(p) || uncounted.has(uid) || st.expectedRmFinalizers.has(uid)) return false;
    if (isIndexed(job)) {
      const ix = completionIndexOf(p);
      if (ix === UNKNOWN_INDEX || ix >= completions) return false;
    }
    return filter(p);
  });
}

/** getFailJobMessage: the first failed pod that matches a FailJob rule. */
function failJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
  if (job.spec?.podFailurePolicy === undefined) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
    if (m !== undefined) return m;
  }
  return undefined;
}

/** pastBackoffLimitOnFailure: container restarts of running pods, for restartPolicy OnFailure. */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const cs of [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])]) restarts += cs.restartCount;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function successCriteriaMetCondition(job: Job): JobCondition | undefined {
  const c = findCondition(job.status?.conditions, CONDITION.successCriteriaMet);
  return c?.status === 'True' ? c : undefined;
}

function isSuccessCriteriaMet(c: JobCondition | undefined): boolean {
  return c?.type === CONDITION.successCriteriaMet && c.status === 'True';
}

/** activePodsForRemoval: duplicate/invalid indexes first, then ActivePods order. */
export function activePodsForRemoval(job: Job, pods: readonly Pod[], rmAtLeast: number): Pod[] {
  let rm: Pod[] = [];
  let left: readonly Pod[] = pods;
  if (isIndexed(job)) ({ rm, left } = duplicateIndexPods(pods, completionsOf(job) ?? 0));
  if (rm.length < rmAtLeast) rm = [...rm, ...sortActivePods(left).slice(0, rmAtLeast - rm.length)];
  return rm;
}

// ---- step 1 -------------------------------------------------------------------------------------

/** syncJob up to (and including) manageJob's choice of pod action. */
export function planJobSync(input: JobSyncInput): JobSyncPlan {
  const { now } = input;
  const job = cloneJson(input.job);
  const status = (job.status ??= {});
  const uncountedStatus = (status.uncountedTerminatedPods ??= {});
  const uncountedSucceeded = new Set(uncountedStatus.succeeded ?? []);
  const uncountedFailed = new Set(uncountedStatus.failed ?? []);
  const pods = input.pods;
  const activePods = pods.filter(isPodActive);
  const base = { pods, expectedRmFinalizers: input.expectedRmFinalizers };
  const newSucceeded = uncountedPods(job, base, uncountedSucceeded, (p) => p.status?.phase === 'Succeeded');
  const newFailed = uncountedPods(job, base, uncountedFailed, (p) => isPodFailed(p, job));
  const policy = job.spec?.podFailurePolicy;
  const newFailedCounted = policy === undefined ? newFailed.length : newFailed.filter((p) => matchPodFailurePolicy(policy, p).countFailed).length;
  let succeeded = (status.succeeded ?? 0) + newSucceeded.length + uncountedSucceeded.size;
  const failed = (status.failed ?? 0) + newFailedCounted + uncountedFailed.size;

  // First start; a suspended job has not started.
  let startMs = timeMs(status.startTime);
  if (startMs === undefined && !isSuspended(job)) {
    startMs = now;
    status.startTime = metaTime(now);
  }
  const backoff = nextBackoffRecord(input.backoff, newSucceeded, newFailed);

  let finished = successCriteriaMetCondition(job);
  if (finished === undefined) {
    const target = findCondition(status.conditions, CONDITION.failureTarget);
    if (target?.status === 'True') {
      finished = newCondition(CONDITION.failed, 'True', target.reason ?? '', target.message ?? '', now);
    } else {
      const msg = failJobMessage(job, pods);
      if (msg !== undefined) finished = newCondition(CONDITION.failureTarget, 'True', REASON.podFailurePolicy, msg, now);
    }
  }
  const ads = job.spec?.activeDeadlineSeconds ?? undefined;
  let deadlineRequeueMs: number | undefined;
  if (finished === undefined) {
    if (failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
      finished = newCondition(CONDITION.failureTarget, 'True', REASON.backoffLimitExceeded, MESSAGE.backoffLimitExceeded, now);
    } else if (ads !== undefined && startMs !== undefined && !isSuspended(job) && now - startMs >= ads * 1000) {
      finished = newCondition(CONDITION.failureTarget, 'True', REASON.deadlineExceeded, MESSAGE.deadlineExceeded, now);
    } else if (ads !== undefined && !isSuspended(job)) {
      deadlineRequeueMs = ads * 1000 - (now - (startMs ?? now));
    }
  }

  let prevSucceededIndexes: Interval[] = [];
  let currentSucceededIndexes: Interval[] = [];
  let failedIdx: Interval[] | undefined;
  let delayed = new Map<number, Pod>();
  if (isIndexed(job)) {
    const completions = completionsOf(job) ?? 0;
    ({ prev: prevSucceededIndexes, current: currentSucceededIndexes } = succeededIndexes(job, pods, completions));
    succeeded = totalOf(currentSucceededIndexes);
    if (hasBackoffLimitPerIndex(job)) {
      failedIdx = failedIndexes(job, pods, completions);
      if (finished === undefined) {
        const maxFailed = job.spec?.maxFailedIndexes ?? undefined;
        if (maxFailed !== undefined && totalOf(failedIdx) > maxFailed) {
          finished = newCondition(CONDITION.failureTarget, 'True', REASON.maxFailedIndexesExceeded, MESSAGE.maxFailedIndexesExceeded, now);
        } else if (totalOf(failedIdx) > 0 && totalOf(failedIdx) + totalOf(currentSucceededIndexes) >= completions) {
          finished = newCondition(CONDITION.failureTarget, 'True', REASON.failedIndexes, MESSAGE.failedIndexes, now);
        }
      }
      delayed = podsWithDelayedDeletion({
        job, pods, activePods, expectedRmFinalizers: input.expectedRmFinalizers,
        succeededIndexes: currentSucceededIndexes, failedIndexes: failedIdx, completions,
      });
    }
    if (finished === undefined) {
      const msg = matchSuccessPolicy(job.spec?.successPolicy, completions, currentSucceededIndexes);
      if (msg !== undefined) finished = newCondition(CONDITION.successCriteriaMet, 'True', REASON.successPolicy, msg, now);
    }
  }

  const state: SyncState = {
    pods, activePods, ready: activePods.filter(isPodReady).length, terminating: pods.filter(isPodTerminating).length,
    succeeded, failed, uncountedSucceeded, uncountedFailed,
    prevSucceededIndexes, succeededIndexes: currentSucceededIndexes, failedIndexes: failedIdx,
    expectedRmFinalizers: input.expectedRmFinalizers, finished, satisfiedExpectations: input.satisfiedExpectations,
    manageCalled: false, podsWithDelayedDeletion: delayed,
  };
  let action: PodAction = { type: 'none' };
  if (finished !== undefined) {
    action = { type: 'terminate', pods: [...activePods] };
  } else if (input.satisfiedExpectations && job.metadata?.deletionTimestamp === undefined) {
    state.manageCalled = true;
    action = manageJob(job, state, backoff, now);
  }
  return { job, action, deadlineRequeueMs, backoff, state };
}

/** getPodCreationInfoForIndependentIndexes: indexes whose own back-off is over, or the shortest wait. */
function indexesReadyNow(indexes: readonly number[], delayed: Map<number, Pod>, now: number): { ready: number[]; waitMs: number } {
  const ready: number[] = [];
  let minWait: number | undefined;
  for (const ix of indexes) {
    const last = delayed.get(ix);
    const wait = last === undefined ? 0 : remainingBackoffMs(indexAbsoluteFailureCount(last) + 1, finishedTimeOf(last), now);
    if (wait === 0) ready.push(ix);
    else if (minWait === undefined || wait < minWait) minWait = wait;
  }
  return ready.length > 0 ? { ready, waitMs: 0 } : { ready, waitMs: minWait ?? 0 };
}

/** manageJob: the pods to delete or create to reach the wanted number of active pods. */
function manageJob(job: Job, st: SyncState, backoff: BackoffRecord, now: number): PodAction {
  const active = st.activePods.length;
  const parallelism = job.spec?.parallelism ?? 1;
  if (isSuspended(job)) return { type: 'delete', pods: activePodsForRemoval(job, st.activePods, active) };

  const completions = completionsOf(job);
  let wantActive: number;
  if (completions === undefined) {
    // A work queue: once any pod succeeded, what runs may finish but nothing new starts.
    wantActive = st.succeeded > 0 ? active : parallelism;
  } else {
    wantActive = Math.max(0, Math.min(completions - st.succeeded, parallelism));
  }
  const rmAtLeast = Math.max(0, active - wantActive);
  const toDelete = activePodsForRemoval(job, st.activePods, rmAtLeast).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (toDelete.length > 0) return { type: 'delete', pods: toDelete };

  const terminating = onlyReplaceFailedPods(job) ? st.terminating : 0;
  let diff = wantActive - terminating - active;
  if (diff <= 0) return { type: 'none' };
  if (!hasBackoffLimitPerIndex(job)) {
    const wait = remainingBackoffMs(backoff.failuresAfterLastSuccess, backoff.lastFailureTime, now);
    if (wait > 0) return { type: 'backoff', delayMs: Math.max(wait, SYNC_BATCH_PERIOD_MS) };
  }
  diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
  const base = baseTemplate(job);
  if (!isIndexed(job)) return { type: 'create', pods: Array.from({ length: diff }, () => podForJob(job, base, undefined, undefined)) };
  let indexes = firstPendingIndexes({
    job, pods: st.pods, activePods: st.activePods, succeededIndexes: st.succeededIndexes, failedIndexes: st.failedIndexes,
  }, diff, completions ?? 0);
  if (hasBackoffLimitPerIndex(job)) {
    const r = indexesReadyNow(indexes, st.podsWithDelayedDeletion, now);
    if (r.waitMs > 0) return { type: 'backoff', delayMs: Math.max(r.waitMs, SYNC_BATCH_PERIOD_MS) };
    indexes = r.ready;
  }
  return { type: 'create', pods: indexes.map((ix) => podForJob(job, base, ix, st.podsWithDelayedDeletion.get(ix))) };
}

// ---- step 2 -------------------------------------------------------------------------------------

/** canRemoveFinalizer. */
function canRemoveFinalizer(job: Job, st: SyncState, finished: JobCondition | undefined, pod: Pod, considerFailed: boolean): boolean {
  if (job.metadata?.deletionTimestamp !== undefined || finished !== undefined || pod.status?.phase === 'Succeeded') return true;
  if (!considerFailed) return false;
  if (hasBackoffLimitPerIndex(job)) {
    const ix = completionIndexOf(pod);
    const delayed = ix === UNKNOWN_INDEX ? undefined : st.podsWithDelayedDeletion.get(ix);
    if (delayed !== undefined && uidOf(delayed) === uidOf(pod)) return false;
  }
  return true;
}

/**
 * The rest of syncJob given what the pod action achieved, and trackJobStatusAndRemoveFinalizers
 * up to the first status flush.
 */
export function planJobStatus(plan: JobSyncPlan, outcome: PodActionOutcome, now: number): JobStatusPlan {
  const st = plan.state;
  const job = cloneJson(plan.job);
  const status = (job.status ??= {});
  const events: PlannedEvent[] = [];
  let finished = st.finished;
  let active = st.activePods.length;
  let ready = st.ready;
  let terminating = st.terminating;
  const removed = outcome.removed ?? 0;
  const removedReady = outcome.removedReady ?? 0;
  let suspendCondChanged = false;

  switch (plan.action.type) {
    case 'terminate':
      // Pods not all gone yet, or some not in the cache yet: not finished in this sync.
      if (removed !== active || !st.satisfiedExpectations) finished = undefined;
      active -= removed;
      terminating += removed;
      ready -= removedReady;
      break;
    case 'delete':
      active -= removed;
      terminating += removed;
      ready -= removedReady;
      break;
    case 'create':
      active += outcome.created ?? 0;
      break;
    case 'backoff':
      // manageJob reports no active pods while creation waits (as 1.32 does).
      active = 0;
      break;
    case 'none':
      break;
  }

  if (plan.action.type !== 'terminate') {
    const completions = completionsOf(job);
    const complete = completions === undefined ? st.succeeded > 0 && active === 0 : st.succeeded >= completions && active === 0;
    if (complete) {
      finished = newCondition(CONDITION.successCriteriaMet, 'True', '', '', now);
    } else if (st.manageCalled) {
      if (isSuspended(job)) {
        const r = ensureCondition(status.conditions ?? [], CONDITION.suspended, 'True', 'JobSuspended', 'Job suspended', now);
        status.conditions = r.conditions;
        if (r.changed) {
          suspendCondChanged = true;
          events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
        }
      } else {
        const r = ensureCondition(status.conditions ?? [], CONDITION.suspended, 'False', 'JobResumed', 'Job resumed', now);
        status.conditions = r.conditions;
        if (r.changed) {
          suspendCondChanged = true;
          events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
          // activeDeadlineSeconds counts continuous activity: a resumed job starts again.
          status.startTime = metaTime(now);
        }
      }
    }
  }

  let needsFlush = suspendCondChanged || active !== (status.active ?? 0) || ready !== status.ready || terminating !== status.terminating;
  status.active = active;
  status.ready = ready;
  status.terminating = terminating;

  // trackJobStatusAndRemoveFinalizers, first half.
  const indexed = isIndexed(job);
  const completions = completionsOf(job) ?? 0;
  const pods = indexed ? sortByCompletionIndex(st.pods) : st.pods;
  const uidsWithFinalizer = new Set(pods.filter((p) => hasTrackingFinalizer(p) && !st.expectedRmFinalizers.has(uidOf(p))).map(uidOf));
  const cleaned = cleanUncounted(status, uidsWithFinalizer);
  if (cleaned.changed) needsFlush = true;
  Object.assign(status, cleaned.status);
  const uncounted = (status.uncountedTerminatedPods ??= {});
  const newSucceededIndexes: number[] = [];
  const podsToRemoveFinalizer: Pod[] = [];
  let reachedMaxUncounted = false;
  const policy = job.spec?.podFailurePolicy;
  for (const pod of pods) {
    const uid = uidOf(pod);
    if (!hasTrackingFinalizer(pod) || st.expectedRmFinalizers.has(uid)) continue;
    const considerFailed = isPodFailed(pod, job);
    if (!canRemoveFinalizer(job, st, finished, pod, considerFailed)) continue;
    podsToRemoveFinalizer.push(pod);
    if (pod.status?.phase === 'Succeeded' && !st.uncountedFailed.has(uid)) {
      if (indexed) {
        const ix = completionIndexOf(pod);
        if (ix !== UNKNOWN_INDEX && ix < completions && !hasIndex(st.prevSucceededIndexes, ix)) {
          newSucceededIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!st.uncountedSucceeded.has(uid)) {
        needsFlush = true;
        uncounted.succeeded = [...(uncounted.succeeded ?? []), uid];
      }
    } else if (considerFailed || (finished !== undefined && !isSuccessCriteriaMet(finished))) {
      // Once the job is finishing, every pod that did not succeed counts as failed.
      const ix = completionIndexOf(pod);
      if (!st.uncountedFailed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions))) {
        if (policy === undefined || matchPodFailurePolicy(policy, pod).countFailed) {
          needsFlush = true;
          uncounted.failed = [...(uncounted.failed ?? []), uid];
        }
      }
    }
    if (newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
      // Bounded status size and bounded work per sync; the next sync continues.
      reachedMaxUncounted = true;
      break;
    }
  }
  if (indexed) {
    const all = withIndexes(st.succeededIndexes, newSucceededIndexes);
    const text = formatIntervals(all);
    if (text !== (status.completedIndexes ?? '')) needsFlush = true;
    status.succeeded = totalOf(all);
    status.completedIndexes = text;
    const failedText = st.failedIndexes === undefined ? undefined : formatIntervals(st.failedIndexes);
    if (status.failedIndexes !== failedText) {
      if (failedText === undefined) delete status.failedIndexes;
      else status.failedIndexes = failedText;
      needsFlush = true;
    }
  }
  if (finished?.type === CONDITION.failureTarget) {
    // The failure is recorded before finalizers go, so the reason survives a controller restart.
    status.conditions = [...(status.conditions ?? []), finished];
    needsFlush = true;
    finished = newCondition(CONDITION.failed, 'True', finished.reason ?? '', finished.message ?? '', now);
  }
  if (isSuccessCriteriaMet(finished) && finished !== undefined) {
    if (successCriteriaMetCondition(job) === undefined) {
      status.conditions = [...(status.conditions ?? []), finished];
      needsFlush = true;
    }
    finished = newCondition(CONDITION.complete, 'True', finished.reason ?? '', finished.message ?? '', now);
  }
  return { job, needsFlush, podsToRemoveFinalizer, uidsWithFinalizer, reachedMaxUncounted, finished, terminating, events };
}
