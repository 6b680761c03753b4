// Writing what a sync concluded: syncDeploymentStatus (scaling and paused syncs: counts and
// Available only), syncRolloutStatus (rollouts: also Progressing and ReplicaFailure, and a requeue
// at the progress deadline when nothing changed), and cleanupDeployment, which deletes the oldest
// ReplicaSets beyond revisionHistoryLimit once they are fully scaled down and observed so.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { PlanSession } from './plan.ts';
import { hasRevisionHistoryLimit, progressCheckAfter, rolloutStatus } from './progress.ts';
import { byRevision, specReplicas } from './replica-sets.ts';
import { calculateStatus, statusEqual } from './status.ts';

/** syncDeploymentStatus. */
export function syncDeploymentStatus(s: PlanSession, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
  const next = calculateStatus(allRSs, newRS, s.d, s.now);
  if (statusEqual(s.d.status, next)) return;
  s.d.status = next;
  s.updateStatus();
}

/** syncRolloutStatus. */
export function syncRolloutStatus(s: PlanSession, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
  const next = rolloutStatus(allRSs, newRS, s.d, s.now);
  if (statusEqual(s.d.status, next)) {
    const after = progressCheckAfter(s.d, next, s.now);
    if (after !== undefined) s.requeueAfterMs = after;
    return;
  }
  s.d.status = next;
  s.updateStatus();
}

/** cleanupDeployment: revisionHistoryLimit. */
export function cleanupDeployment(s: PlanSession, oldRSs: readonly ReplicaSet[]): void {
  const limit = s.d.spec?.revisionHistoryLimit;
  if (!hasRevisionHistoryLimit(s.d) || limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const sorted = [...cleanable].sort(byRevision);
  for (let i = 0; i < diff; i++) {
    const rs = sorted[i];
    if (rs === undefined) break;
    // only a ReplicaSet that is scaled to zero, has no pods and whose controller saw that
    if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
    if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    s.deleteReplicaSet(rs);
  }
}
