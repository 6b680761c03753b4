// What the ReplicaSet controller asks of a single pod (controller.IsPodActive, podutil.IsPodReady,
// podutil.IsPodAvailable, the pod-deletion-cost annotation, restart counts). Pure functions of the
// pod and, for availability, of `now`; timestamps are RFC 3339 strings, an absent one is Go's zero
// time.
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.d.ts';

/** v1.PodDeletionCost. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/** Milliseconds since the epoch, or undefined for the zero time (absent or unparsable). */
export function timeMs(t: string | undefined): number | undefined {
  if (t === undefined || t === '') return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** IsPodActive: not Succeeded, not Failed, not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined;
}

/** GetPodReadyCondition. */
export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * IsPodAvailable: ready, and either minReadySeconds is 0 or the Ready transition plus
 * minReadySeconds lies strictly before now (a zero transition time never becomes available).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = timeMs(podReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

/** podReadyTime: when a ready pod became ready; undefined (zero) when not ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = podReadyCondition(pod);
  return c?.status === 'True' ? timeMs(c.lastTransitionTime) : undefined;
}

/** maxContainerRestarts: the most restarts of any (regular) container. */
export function maxContainerRestarts(pod: Pod): number {
  let most = 0;
  for (const c of pod.status?.containerStatuses ?? []) most = Math.max(most, c.restartCount);
  return most;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * GetDeletionCostFromPodAnnotations: the annotation as an int32; 0 when absent or invalid
 * (a leading "+" or leading zeros are invalid, as is anything strconv.ParseInt rejects).
 */
export function podDeletionCost(pod: Pod): number {
  const value = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (value === undefined) return 0;
  if (!/^(?:0|-\d+|[1-9]\d*)$/.test(value)) return 0;
  const n = Number(value);
  return n < INT32_MIN || n > INT32_MAX ? 0 : n + 0;
}
