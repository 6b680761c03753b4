// A deployment's status as calculateStatus derives it from its ReplicaSets: counts from the
// ReplicaSets' status (updatedReplicas from the new one only), observedGeneration, the collision
// count carried over, the existing conditions copied, and Available set from
// availableReplicas >= replicas - maxUnavailable. Zero counts are left out, as Go's omitempty does.
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { canonicalJson } from '../framework/hash.ts';
import {
  AVAILABLE, MINIMUM_REPLICAS_AVAILABLE, MINIMUM_REPLICAS_UNAVAILABLE, newCondition, setCondition,
} from './conditions.ts';
import { desiredReplicas, maxUnavailable } from './fenceposts.ts';
import { actualReplicaSum, availableReplicaSum, readyReplicaSum, specReplicaSum } from './replica-sets.ts';

const COUNTS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;

/** calculateStatus. */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = availableReplicaSum(allRSs);
  const total = specReplicaSum(allRSs);
  // more available than asked for (while scaling down) is not negative unavailability
  const unavailable = Math.max(0, total - available);
  const counts: Record<(typeof COUNTS)[number], number> = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaSum(allRSs),
    updatedReplicas: actualReplicaSum([newRS]),
    readyReplicas: readyReplicaSum(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  };
  const status: DeploymentStatus = {};
  for (const k of COUNTS) if (counts[k] !== 0) status[k] = counts[k];
  const conditions = d.status?.conditions;
  if (conditions !== undefined && conditions.length > 0) status.conditions = conditions.map((c) => ({ ...c }));
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** The status as Go holds it (absent counts are 0, absent strings ''), for comparing. */
function normalized(s: DeploymentStatus | undefined): unknown {
  const out: Record<string, unknown> = {};
  for (const k of COUNTS) out[k] = s?.[k] ?? 0;
  out['collisionCount'] = s?.collisionCount ?? null;
  out['conditions'] = (s?.conditions ?? []).map((c) => ({
    type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? '',
    lastUpdateTime: c.lastUpdateTime ?? '', lastTransitionTime: c.lastTransitionTime ?? '',
  }));
  return out;
}

/** reflect.DeepEqual of two statuses. */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return canonicalJson(normalized(a)) === canonicalJson(normalized(b));
}
