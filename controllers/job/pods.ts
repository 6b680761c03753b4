// What the Job controller alone reads off a pod (activity, readiness and controller.ActivePods'
// order are framework/pod-state.ts and framework/pod-ranking.ts): the completion index, the
// tracking finalizer, and when the pod finished (the time the failure back-off counts from).
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.d.ts';
import { timeMs } from '../framework/meta-time.ts';
import { podReadyCondition, sidecarNames } from '../framework/pod-state.ts';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from './constants.ts';

/** unknownCompletionIndex. */
export const UNKNOWN_INDEX = -1;

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) === true;
}

export function uidOf(pod: Pod): string {
  return pod.metadata?.uid ?? '';
}

/** getCompletionIndex: the annotation as a non-negative integer, else UNKNOWN_INDEX. */
export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return UNKNOWN_INDEX;
  const i = Number(v);
  return i < 0 || !Number.isSafeInteger(i) ? UNKNOWN_INDEX : i;
}

/** latestFinishTime: undefined as soon as one container has not terminated. */
function latestFinish(prev: number | undefined, statuses: readonly ContainerStatus[]): number | undefined {
  let finish = prev;
  for (const cs of statuses) {
    const at = timeMs(cs.state?.terminated?.finishedAt);
    if (at === undefined) return undefined;
    if (finish === undefined || finish < at) finish = at;
  }
  return finish;
}

/**
 * getFinishedTime: when every container (and sidecar) terminated, else when Ready turned False,
 * else the deletion time less the grace period, else the creation time.
 */
export function finishedTimeOf(pod: Pod): number {
  const fromContainers = ((): number | undefined => {
    const main = latestFinish(undefined, pod.status?.containerStatuses ?? []);
    const names = sidecarNames(pod);
    const sidecars = (pod.status?.initContainerStatuses ?? []).filter((s) => names.has(s.name));
    return latestFinish(main, sidecars);
  })();
  if (fromContainers !== undefined) return fromContainers;
  const ready = podReadyCondition(pod);
  const readyAt = timeMs(ready?.lastTransitionTime);
  if (ready?.status === 'False' && readyAt !== undefined) return readyAt;
  const deletedAt = timeMs(pod.metadata?.deletionTimestamp);
  if (deletedAt !== undefined) return deletedAt - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return timeMs(pod.metadata?.creationTimestamp) ?? 0;
}

/** byCompletionIndex, stably. */
export function sortByCompletionIndex(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b));
}
