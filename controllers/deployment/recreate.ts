// Recreate (rolloutRecreate): every old ReplicaSet goes to 0 first; nothing new starts while an
// old pod is still running (a pod counts until it is Failed or Succeeded — or gone); then the new
// ReplicaSet is created (only now, so nothing is scaled up before the old pods are down) and sized
// to replicas in one step.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { isPodTerminal } from '../framework/pod-state.ts';
import { desiredReplicas } from './fenceposts.ts';
import { getAllReplicaSets } from './new-replica-set.ts';
import type { PlanSession } from './plan.ts';
import { deploymentComplete } from './progress.ts';
import { actualReplicaSum, filterActive, specReplicas } from './replica-sets.ts';
import { scaleReplicaSetAndRecordEvent } from './scaling.ts';
import { cleanupDeployment, syncRolloutStatus } from './sync-status.ts';

/** Pods of the deployment by the uid of the ReplicaSet that controls them. */
export type PodMap = ReadonlyMap<string, readonly Pod[]>;

/** oldPodsRunning: an old ReplicaSet reports pods, or an old pod is not terminal. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: PodMap): boolean {
  if (actualReplicaSum(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS !== undefined && newRS.metadata?.uid === uid) continue;
    // Unknown counts as running: the pod may still be up on a node that cannot report
    if (pods.some((p) => !isPodTerminal(p))) return true;
  }
  return false;
}

/** scaleDownOldReplicaSetsForRecreate: true when one was scaled. */
function scaleDownOld(s: PlanSession, oldRSs: readonly ReplicaSet[]): boolean {
  let scaled = false;
  for (const rs of oldRSs) {
    if (specReplicas(rs) === 0) continue;
    if (scaleReplicaSetAndRecordEvent(s, rs, 0, s.d).scaled) scaled = true;
  }
  return scaled;
}

/** rolloutRecreate. */
export function rolloutRecreate(s: PlanSession, podMap: PodMap): void {
  let { newRS, oldRSs } = getAllReplicaSets(s, false);
  let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
  if (scaleDownOld(s, filterActive(oldRSs))) {
    syncRolloutStatus(s, allRSs, newRS);
    return;
  }
  if (oldPodsRunning(newRS, oldRSs, podMap)) {
    syncRolloutStatus(s, allRSs, newRS);
    return;
  }
  if (newRS === undefined) {
    ({ newRS, oldRSs } = getAllReplicaSets(s, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS !== undefined) scaleReplicaSetAndRecordEvent(s, newRS, desiredReplicas(s.d), s.d);
  if (deploymentComplete(s.d, s.d.status)) cleanupDeployment(s, oldRSs);
  syncRolloutStatus(s, allRSs, newRS);
}
