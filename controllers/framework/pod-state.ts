// What controllers ask of a single pod (controller_utils.go and podutil): whether it is terminal,
// active or terminating, ready, and available (ready for longer than minReadySeconds), when it
// became ready, and how often its containers restarted. Pure functions of the pod and, for
// availability, of `now`; an absent timestamp is Go's zero time.
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.d.ts';
import { timeMs } from './meta-time.ts';

/** The pod finished: Succeeded or Failed. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && pod.metadata?.deletionTimestamp === undefined;
}

/** controller's isPodTerminating: being deleted but not finished yet. */
export function isPodTerminating(pod: Pod): boolean {
  return !isPodTerminal(pod) && pod.metadata?.deletionTimestamp !== undefined;
}

/** podutil.GetPodReadyCondition. */
export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** podReadyTime: when a ready pod became ready; undefined (zero) when not ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = podReadyCondition(pod);
  return c?.status === 'True' ? timeMs(c.lastTransitionTime) : undefined;
}

/**
 * podutil.IsPodAvailable: ready, and either minReadySeconds is 0 or the Ready transition plus
 * minReadySeconds lies strictly before now (a zero transition time never becomes available).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = timeMs(podReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

/**
 * The pod handlers' re-check of a pod that has just become ready: it becomes available
 * minReadySeconds later, and one second more against clock skew. undefined: nothing to re-check.
 */
export function becameReadyRecheckMs(oldPod: Pod, curPod: Pod, minReadySeconds: number): number | undefined {
  return !isPodReady(oldPod) && isPodReady(curPod) && minReadySeconds > 0 ? (minReadySeconds + 1) * 1000 : undefined;
}

/** The names of the pod's sidecars: init containers with restartPolicy Always. */
export function sidecarNames(pod: Pod): Set<string> {
  return new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
}

/** maxContainerRestarts: the most restarts of any regular container, or also of any sidecar. */
export function maxContainerRestarts(pod: Pod, options: { sidecars?: boolean } = {}): number {
  let most = 0;
  for (const c of pod.status?.containerStatuses ?? []) most = Math.max(most, c.restartCount);
  if (options.sidecars === true) {
    const names = sidecarNames(pod);
    for (const c of pod.status?.initContainerStatuses ?? []) if (names.has(c.name)) most = Math.max(most, c.restartCount);
  }
  return most;
}
