// What the StatefulSet controller asks of a pod's state (stateful_set_utils.go and
// podutil.IsPodAvailable). A pod the controller has only planned, not created, has no phase.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';

function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** isCreated: the API server has it (every stored pod has a phase). */
export function isCreated(pod: Pod): boolean {
  return (pod.status?.phase ?? '') !== '';
}

export function isPending(pod: Pod): boolean {
  return pod.status?.phase === 'Pending';
}

export function isFailed(pod: Pod): boolean {
  return pod.status?.phase === 'Failed';
}

export function isSucceeded(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded';
}

/** isTerminating: deletion has begun. */
export function isTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/**
 * podutil.IsPodAvailable: Ready, and Ready since more than minReadySeconds before now (the
 * condition's time has whole seconds; a missing time is never available when minReadySeconds > 0).
 */
export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds === 0) return true;
  const since = c.lastTransitionTime === undefined ? Number.NaN : Date.parse(c.lastTransitionTime);
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now;
}

/** isHealthy: running, ready and not being deleted. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
