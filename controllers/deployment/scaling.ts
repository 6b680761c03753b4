// Sizing ReplicaSets: scaleReplicaSet (a new size and the desired/max-replicas annotations in one
// update, and the ScalingReplicaSet event "Scaled up|down replica set <rs> from <old> to <new>"),
// and `scale`, which runs on scaling events and for paused deployments: the one active (or newest)
// ReplicaSet takes the whole count, a saturated new ReplicaSet retires the old ones, and otherwise
// a rolling deployment spreads the added (or removed) replicas over its active ReplicaSets in
// proportion to their size (getProportion), largest first, the rounding leftover going to the first.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import {
  desiredReplicasAnnotation, maxReplicasAnnotation, replicasAnnotationValues, replicasAnnotationsNeedUpdate, setReplicasAnnotations,
} from './annotations.ts';
import { desiredReplicas, isRollingUpdate, maxSurge } from './fenceposts.ts';
import type { PlanSession } from './plan.ts';
import { bySizeNewer, bySizeOlder, filterActive, findActiveOrLatest, specReplicaSum, specReplicas } from './replica-sets.ts';
import { cloneJson } from '../../lib/clone.ts';

export interface ScaleResult {
  scaled: boolean;
  rs: ReplicaSet;
}

/** scaleReplicaSet: writes when the size or the replicas annotations are stale. */
export function scaleReplicaSet(s: PlanSession, rs: ReplicaSet, newScale: number, d: Deployment, operation: string): ScaleResult {
  const oldScale = specReplicas(rs);
  const sizeNeedsUpdate = oldScale !== newScale;
  const { desired, max } = replicasAnnotationValues(d);
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
  const copy = cloneJson(rs);
  copy.spec = { ...(copy.spec ?? { selector: {} }), replicas: newScale };
  setReplicasAnnotations(copy, desired, max);
  const events = sizeNeedsUpdate
    ? [{ type: 'Normal' as const, reason: 'ScalingReplicaSet', message: `Scaled ${operation} replica set ${copy.metadata?.name ?? ''} from ${oldScale} to ${newScale}` }]
    : [];
  const written = s.updateReplicaSet(copy, events);
  return { scaled: sizeNeedsUpdate, rs: written };
}

/** scaleReplicaSetAndRecordEvent: nothing when the size is already right. */
export function scaleReplicaSetAndRecordEvent(s: PlanSession, rs: ReplicaSet, newScale: number, d: Deployment): ScaleResult {
  const current = specReplicas(rs);
  if (current === newScale) return { scaled: false, rs };
  return scaleReplicaSet(s, rs, newScale, d, current < newScale ? 'up' : 'down');
}

/** IsSaturated: the new ReplicaSet has, wants and makes available every desired replica. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const want = desiredReplicas(d);
  return specReplicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

/** Go's math.Round: halves away from zero. */
function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** getReplicaSetFraction: rs's share of a scaling event, from the max-replicas it was sized for. */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const want = desiredReplicas(d);
  if (want === 0) return -specReplicas(rs);
  const deploymentReplicas = want + maxSurge(d);
  // without the annotation, the deployment's current size is the best guess
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  const size = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAwayFromZero(size) - specReplicas(rs);
}

/** GetProportion: rs's share, never past what is left to add (or remove). */
export function getProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (rs === undefined || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** The new size of each active ReplicaSet in a proportional scale, in the order they are written. */
export function proportionalSizes(d: Deployment, active: readonly ReplicaSet[]): { sizes: { rs: ReplicaSet; size: number }[]; operation: string } {
  const current = specReplicaSum(active);
  const want = desiredReplicas(d);
  const allowedSize = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowedSize - current;
  let ordered = [...active];
  let operation = '';
  if (toAdd > 0) {
    ordered = ordered.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    ordered = ordered.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = ordered.map((rs) => {
    if (toAdd === 0) return { rs, size: specReplicas(rs) };
    const proportion = getProportion(rs, d, toAdd, added);
    added += proportion;
    return { rs, size: specReplicas(rs) + proportion };
  });
  const first = sizes[0];
  if (first !== undefined && toAdd !== 0) first.size = Math.max(0, first.size + toAdd - added);
  return { sizes, operation };
}

/** DeploymentController.scale. */
export function scale(s: PlanSession, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): void {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest !== undefined) {
    if (specReplicas(activeOrLatest) === desiredReplicas(d)) return;
    scaleReplicaSetAndRecordEvent(s, activeOrLatest, desiredReplicas(d), d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) scaleReplicaSetAndRecordEvent(s, old, 0, d);
    return;
  }
  if (isRollingUpdate(d)) {
    const { sizes, operation } = proportionalSizes(d, filterActive([...oldRSs, newRS]));
    for (const { rs, size } of sizes) scaleReplicaSet(s, rs, size, d, operation);
  }
}
