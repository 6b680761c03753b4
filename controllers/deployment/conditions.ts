// Deployment conditions (Available, Progressing, ReplicaFailure) with upstream's reasons and the
// SetDeploymentCondition rule: a condition with the same status and reason is left as it is (its
// times too), and lastTransitionTime only moves when the status changes. Times are RFC 3339 with
// whole seconds, as metav1.Time serializes.
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1.d.ts';
import { metaTime } from '../framework/meta-time.ts';

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';

/** Progressing reasons. */
export const REPLICA_SET_UPDATED = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE = 'ReplicaSetCreateError';
export const NEW_REPLICA_SET_CREATED = 'NewReplicaSetCreated';
export const FOUND_NEW_REPLICA_SET = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const PAUSED = 'DeploymentPaused';
export const RESUMED = 'DeploymentResumed';
/** Available reasons. */
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** NewDeploymentCondition, stamped with now. */
export function newCondition(type: string, status: ConditionStatus, reason: string, message: string, now: number): DeploymentCondition {
  const t = metaTime(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: mutates status; the condition moves to the end of the list. */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current !== undefined && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current !== undefined && current.status === condition.status && current.lastTransitionTime !== undefined) {
    next.lastTransitionTime = current.lastTransitionTime;
  }
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

/** RemoveDeploymentCondition: mutates status. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}
