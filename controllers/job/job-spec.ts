// Questions about a Job's spec the controller asks everywhere, with 1.32's feature gates on
// (JobPodReplacementPolicy, JobBackoffLimitPerIndex, JobManagedBy, JobSuccessPolicy, PodIndexLabel).
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { JOB_CONTROLLER_MANAGER } from './constants.ts';

export function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

export function hasBackoffLimitPerIndex(job: Job): boolean {
  return job.spec?.backoffLimitPerIndex !== undefined;
}

export function isSuspended(job: Job): boolean {
  return job.spec?.suspend === true;
}

/** completions, or undefined for a work-queue job. */
export function completionsOf(job: Job): number | undefined {
  return job.spec?.completions;
}

/** managedByExternalController: the other manager's name, when not this controller. */
export function externalManager(job: Job): string | undefined {
  const m = job.spec?.managedBy;
  return m !== undefined && m !== JOB_CONTROLLER_MANAGER ? m : undefined;
}

/** onlyReplaceFailedPods: terminating pods are not replaced until they fail. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

/**
 * isPodFailed: Failed, or (unless only failed pods are replaced) deleted before it succeeded —
 * an orphaned pod removed by PodGC never reaches the Failed phase.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata?.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded';
}
