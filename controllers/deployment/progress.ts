// progressDeadlineSeconds: whether a rollout is complete, progressing or timed out, the
// Progressing condition syncRolloutStatus writes for each (NewReplicaSetAvailable,
// ReplicaSetUpdated, ProgressDeadlineExceeded), ReplicaSet failure conditions promoted to the
// deployment, and when to look again so a stuck rollout times out on time
// (requeueStuckDeployment: lastUpdateTime + deadline, plus a second against clock skew).
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { timeMs } from '../framework/meta-time.ts';
import {
  NEW_RS_AVAILABLE, PROGRESSING, REPLICA_FAILURE, REPLICA_SET_UPDATED, TIMED_OUT, getCondition, newCondition,
  removeCondition, setCondition,
} from './conditions.ts';
import { desiredReplicas } from './fenceposts.ts';
import { calculateStatus } from './status.ts';

const MAX_INT32 = 2147483647;

/** HasProgressDeadline: set, and not MaxInt32 (which means "never"). */
export function hasProgressDeadline(d: Deployment): boolean {
  const pds = d.spec?.progressDeadlineSeconds;
  return pds !== undefined && pds !== MAX_INT32;
}

/** HasRevisionHistoryLimit: set, and not MaxInt32 (keep everything). */
export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const limit = d.spec?.revisionHistoryLimit;
  return limit !== undefined && limit !== MAX_INT32;
}

/** DeploymentComplete: every desired replica updated and available, no old ones, generation seen. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus | undefined): boolean {
  const want = desiredReplicas(d);
  return (s?.updatedReplicas ?? 0) === want && (s?.replicas ?? 0) === want && (s?.availableReplicas ?? 0) === want
    && (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available than before. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** DeploymentTimedOut: the Progressing condition is older than the deadline (or already says so). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(s, PROGRESSING);
  if (cond === undefined) return false;
  // a finished rollout whose condition has not caught up with a new ReplicaSet yet is not stuck
  if (cond.reason === NEW_RS_AVAILABLE) return false;
  if (cond.reason === TIMED_OUT) return true;
  return (timeMs(cond.lastUpdateTime) ?? 0) + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/** ReplicaSetToDeploymentCondition. */
function fromReplicaSetCondition(c: NonNullable<NonNullable<ReplicaSet['status']>['conditions']>[number]): DeploymentCondition {
  const out: DeploymentCondition = { type: c.type, status: c.status };
  if (c.lastTransitionTime !== undefined) {
    out.lastTransitionTime = c.lastTransitionTime;
    out.lastUpdateTime = c.lastTransitionTime;
  }
  if (c.reason !== undefined) out.reason = c.reason;
  if (c.message !== undefined) out.message = c.message;
  return out;
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure conditions, else any old one's. */
export function replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const of = (rs: ReplicaSet): DeploymentCondition[] =>
    (rs.status?.conditions ?? []).filter((c) => c.type === REPLICA_FAILURE).map(fromReplicaSetCondition);
  if (newRS !== undefined) {
    const own = of(newRS);
    if (own.length > 0) return own;
  }
  return allRSs.flatMap((rs) => (rs === undefined ? [] : of(rs)));
}

/** syncRolloutStatus's new status: calculateStatus plus the Progressing and ReplicaFailure conditions. */
export function rolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(s, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  // a resync of a finished rollout estimates nothing
  const complete = (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && current !== undefined && current.reason === NEW_RS_AVAILABLE;
  if (hasProgressDeadline(d) && !complete) {
    const name = d.metadata?.name ?? '';
    if (deploymentComplete(d, s)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata?.name ?? ''}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      setCondition(s, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE, msg, now));
    } else if (deploymentProgressing(d, s)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata?.name ?? ''}" is progressing.` : `Deployment "${name}" is progressing.`;
      const cond = newCondition(PROGRESSING, 'True', REPLICA_SET_UPDATED, msg, now);
      // progress refreshes lastUpdateTime even with the same reason; the transition time stays
      // while the condition stays True
      if (current !== undefined) {
        if (current.status === 'True' && current.lastTransitionTime !== undefined) cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(s, PROGRESSING);
      }
      setCondition(s, cond);
    } else if (deploymentTimedOut(d, s, now)) {
      const msg = newRS !== undefined ? `ReplicaSet "${newRS.metadata?.name ?? ''}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      setCondition(s, newCondition(PROGRESSING, 'False', TIMED_OUT, msg, now));
    }
  }
  const failure = replicaFailures(allRSs, newRS)[0];
  if (failure !== undefined) setCondition(s, failure);
  else removeCondition(s, REPLICA_FAILURE);
  return s;
}

/**
 * requeueStuckDeployment: ms until the deployment must be looked at again for a progress check,
 * or undefined when no check is due (no deadline, no Progressing condition, complete, timed out).
 * Upstream requeues at once (rate-limited) when less than a second is left; here that is the
 * moment just past the deadline.
 */
export function progressCheckAfter(d: Deployment, s: DeploymentStatus, now: number): number | undefined {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || current === undefined) return undefined;
  if (deploymentComplete(d, s) || current.reason === TIMED_OUT) return undefined;
  const after = (timeMs(current.lastUpdateTime) ?? 0) + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now;
  if (after < 1000) return Math.max(after, 0) + 1;
  return after + 1000;
}
