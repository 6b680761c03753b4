// What the StatefulSet controller asks of a pod's state (stateful_set_utils.go; readiness and
// availability, isRunningAndAvailable upstream, are framework/pod-state.ts). A pod the controller
// has only planned, not created, has no phase.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { isPodReady } from '../framework/pod-state.ts';

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

/** isHealthy: running, ready and not being deleted. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
