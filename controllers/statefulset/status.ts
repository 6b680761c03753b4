// StatefulSet status as the controller writes it (computeReplicaStatus, completeRollingUpdate,
// inconsistentStatus): counts over the pods it knows, the revisions, observedGeneration and
// collisionCount. `kubectl rollout status statefulset/x` reads exactly these fields.
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { podRevision, replicasOf } from './identity.ts';
import { isPodAvailable } from '../framework/pod-state.ts';
import { isCreated, isRunningAndReady, isTerminating } from './pod-state.ts';

export interface Counts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
}

/** computeReplicaStatus: created pods; ready (and available) ones; live ones per revision. */
export function countPods(pods: readonly Pod[], minReadySeconds: number, currentRevision: string, updateRevision: string, now: number): Counts {
  const c: Counts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (isCreated(pod)) c.replicas++;
    if (isRunningAndReady(pod)) {
      c.readyReplicas++;
      if (isPodAvailable(pod, minReadySeconds, now)) c.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      const rev = podRevision(pod);
      if (rev === currentRevision) c.currentReplicas++;
      if (rev === updateRevision) c.updatedReplicas++;
    }
  }
  return c;
}

/** The status a sync computes (conditions are not the controller's; it writes none). */
export function newStatus(set: StatefulSet, counts: Counts, currentRevision: string, updateRevision: string, collisionCount: number): StatefulSetStatus {
  return {
    observedGeneration: set.metadata?.generation ?? 0,
    ...counts,
    currentRevision,
    updateRevision,
    collisionCount,
  };
}

/**
 * completeRollingUpdate: under RollingUpdate, once every replica is updated and ready the update
 * revision becomes the current one.
 */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  const replicas = replicasOf(set);
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate'
    && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    return { ...status, currentReplicas: status.updatedReplicas ?? 0, currentRevision: status.updateRevision ?? '' };
  }
  return status;
}

/** inconsistentStatus: whether status differs from what set already records (so must be written). */
export function statusChanged(set: StatefulSet, status: StatefulSetStatus): boolean {
  const old = set.status ?? { replicas: 0 };
  return (status.observedGeneration ?? 0) > (old.observedGeneration ?? 0)
    || status.replicas !== old.replicas
    || (status.currentReplicas ?? 0) !== (old.currentReplicas ?? 0)
    || (status.readyReplicas ?? 0) !== (old.readyReplicas ?? 0)
    || (status.updatedReplicas ?? 0) !== (old.updatedReplicas ?? 0)
    || (status.currentRevision ?? '') !== (old.currentRevision ?? '')
    || (status.availableReplicas ?? 0) !== (old.availableReplicas ?? 0)
    || (status.updateRevision ?? '') !== (old.updateRevision ?? '');
}
