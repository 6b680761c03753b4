// RollingUpdate (rolloutRolling): grow the new ReplicaSet while the total stays within
// replicas + maxSurge; otherwise shrink old ones — first their unhealthy (unavailable) replicas,
// oldest ReplicaSet first, then healthy ones while available pods stay above
// replicas - maxUnavailable; once complete, prune history. Each step is one sync; the next comes
// when the ReplicaSets' status moves.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { messageOf } from '../framework/errors.ts';
import { desiredReplicas, maxUnavailable } from './fenceposts.ts';
import type { PlanSession } from './plan.ts';
import { getAllReplicaSets, newRSNewReplicas } from './new-replica-set.ts';
import { availableReplicaSum, byCreation, filterActive, specReplicaSum, specReplicas } from './replica-sets.ts';
import { scaleReplicaSetAndRecordEvent } from './scaling.ts';
import { cleanupDeployment, syncRolloutStatus } from './sync-status.ts';
import { deploymentComplete } from './progress.ts';

/** reconcileNewReplicaSet: true when the new ReplicaSet was resized. */
export function reconcileNewReplicaSet(s: PlanSession, allRSs: readonly ReplicaSet[], newRS: ReplicaSet, d: Deployment): boolean {
  const want = desiredReplicas(d);
  if (specReplicas(newRS) === want) return false;
  if (specReplicas(newRS) > want) return scaleReplicaSetAndRecordEvent(s, newRS, want, d).scaled;
  let count: number;
  try {
    count = newRSNewReplicas(d, allRSs, newRS);
  } catch (err) {
    s.fail(messageOf(err));
  }
  return scaleReplicaSetAndRecordEvent(s, newRS, count, d).scaled;
}

/**
 * cleanupUnhealthyReplicas: shrinks old ReplicaSets (oldest first) by their unavailable replicas,
 * at most maxCleanup in all. Returns the old ReplicaSets as written and how many went.
 */
export function cleanupUnhealthyReplicas(s: PlanSession, oldRSs: readonly ReplicaSet[], d: Deployment, maxCleanup: number): { oldRSs: ReplicaSet[]; count: number } {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const rs = sorted[i];
    if (rs === undefined) continue;
    if (total >= maxCleanup) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const down = Math.min(maxCleanup - total, replicas - available);
    const newCount = replicas - down;
    if (newCount > replicas) s.fail(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata?.namespace ?? ''}/${rs.metadata?.name ?? ''} ${replicas} -> ${newCount}`);
    sorted[i] = scaleReplicaSetAndRecordEvent(s, rs, newCount, d).rs;
    total += down;
  }
  return { oldRSs: sorted, count: total };
}

/** scaleDownOldReplicaSetsForRollingUpdate: old replicas beyond minAvailable go, oldest first. */
export function scaleDownOldReplicaSetsForRollingUpdate(s: PlanSession, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], d: Deployment): number {
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const available = availableReplicaSum(allRSs);
  if (available <= minAvailable) return 0;
  const target = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= target) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const down = Math.min(replicas, target - total);
    const newCount = replicas - down;
    if (newCount > replicas) s.fail(`when scaling down old RS, got invalid request to scale down ${rs.metadata?.namespace ?? ''}/${rs.metadata?.name ?? ''} ${replicas} -> ${newCount}`);
    scaleReplicaSetAndRecordEvent(s, rs, newCount, d);
    total += down;
  }
  return total;
}

/**
 * reconcileOldReplicaSets: how far old ReplicaSets may shrink is
 * allPods - minAvailable - unavailable pods of the new ReplicaSet (so new pods that never become
 * available do not eat into the old ones). True when anything was scaled down.
 */
export function reconcileOldReplicaSets(s: PlanSession, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], newRS: ReplicaSet, d: Deployment): boolean {
  if (specReplicaSum(oldRSs) === 0) return false;
  const allPods = specReplicaSum(allRSs);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(s, oldRSs, d, maxScaledDown);
  const scaledDown = scaleDownOldReplicaSetsForRollingUpdate(s, [...cleaned.oldRSs, newRS], cleaned.oldRSs, d);
  return cleaned.count + scaledDown > 0;
}

/** rolloutRolling. */
export function rolloutRolling(s: PlanSession): void {
  const d = s.d;
  const { newRS, oldRSs } = getAllReplicaSets(s, true);
  // with create set, a new ReplicaSet exists (or planning failed)
  if (newRS === undefined) return;
  const allRSs = [...oldRSs, newRS];
  if (reconcileNewReplicaSet(s, allRSs, newRS, d)) {
    syncRolloutStatus(s, allRSs, newRS);
    return;
  }
  if (reconcileOldReplicaSets(s, allRSs, filterActive(oldRSs), newRS, d)) {
    syncRolloutStatus(s, allRSs, newRS);
    return;
  }
  if (deploymentComplete(d, d.status)) cleanupDeployment(s, oldRSs);
  syncRolloutStatus(s, allRSs, newRS);
}
