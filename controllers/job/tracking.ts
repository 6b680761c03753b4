// The last steps of a Job sync, after pods were created or deleted and finalizers removed:
// counting pods whose finalizer is gone (their uids leave status.uncountedTerminatedPods for the
// succeeded/failed counters), declaring the job finished once nothing is uncounted or terminating,
// the events that go with it, and the status as Go's JSON would write it (zero counters and empty
// strings and lists omitted).
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.d.ts';
import { cloneJson } from '../../lib/clone.ts';
import { CONDITION } from './constants.ts';
import { ensureCondition } from './conditions.ts';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * cleanUncountedPodsWithoutFinalizers: uids whose pod no longer holds a finalizer (or is gone)
 * move from uncountedTerminatedPods to the counters. Returns the new status and whether it changed.
 */
export function cleanUncounted(status: JobStatus, uidsWithFinalizer: ReadonlySet<string>): { status: JobStatus; changed: boolean } {
  const next = cloneJson(status);
  const uncounted = (next.uncountedTerminatedPods ??= {});
  let changed = false;
  const succeeded = uncounted.succeeded ?? [];
  const keepSucceeded = succeeded.filter((u) => uidsWithFinalizer.has(u));
  if (keepSucceeded.length !== succeeded.length) {
    changed = true;
    next.succeeded = (next.succeeded ?? 0) + succeeded.length - keepSucceeded.length;
    uncounted.succeeded = keepSucceeded;
  }
  const failed = uncounted.failed ?? [];
  const keepFailed = failed.filter((u) => uidsWithFinalizer.has(u));
  if (keepFailed.length !== failed.length) {
    changed = true;
    next.failed = (next.failed ?? 0) + failed.length - keepFailed.length;
    uncounted.failed = keepFailed;
  }
  return { status: next, changed };
}

/**
 * enactJobFinished: the Complete or Failed condition (and completionTime) once no pod is
 * uncounted or still terminating; undefined while the job must wait.
 */
export function enactJobFinished(job: Job, finished: JobCondition | undefined, terminating: number, now: number): Job | undefined {
  if (finished === undefined) return undefined;
  const uncounted = job.status?.uncountedTerminatedPods;
  if ((uncounted?.succeeded?.length ?? 0) + (uncounted?.failed?.length ?? 0) > 0) return undefined;
  if (terminating > 0) return undefined;
  const next = cloneJson(job);
  const status = (next.status ??= {});
  status.conditions = ensureCondition(status.conditions ?? [], finished.type, finished.status as 'True', finished.reason ?? '', finished.message ?? '', now).conditions;
  if (finished.type === CONDITION.complete && finished.lastTransitionTime !== undefined) status.completionTime = finished.lastTransitionTime;
  return next;
}

/** recordJobFinished's events. */
export function finishedEvents(job: Job, finished: JobCondition): PlannedEvent[] {
  if (finished.type !== CONDITION.complete) {
    return [{ type: 'Warning', reason: finished.reason ?? '', message: finished.message ?? '' }];
  }
  const events: PlannedEvent[] = [];
  const completions = job.spec?.completions;
  if (completions !== undefined && (job.status?.succeeded ?? 0) > completions) {
    events.push({ type: 'Warning', reason: 'TooManySucceededPods', message: 'Too many succeeded pods running after completion count reached' });
  }
  events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
  return events;
}

/** The job as client-go would send it: omitempty fields of JobStatus left out. */
export function wireJob(job: Job): Job {
  const next = cloneJson(job);
  const s = next.status;
  if (s === undefined) return next;
  if (s.active === 0) delete s.active;
  if (s.succeeded === 0) delete s.succeeded;
  if (s.failed === 0) delete s.failed;
  if (s.completedIndexes === '') delete s.completedIndexes;
  if (s.conditions?.length === 0) delete s.conditions;
  const u = s.uncountedTerminatedPods;
  if (u !== undefined) {
    if (u.succeeded?.length === 0) delete u.succeeded;
    if (u.failed?.length === 0) delete u.failed;
  }
  return next;
}
