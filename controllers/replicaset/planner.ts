// The ReplicaSet controller's decisions as data (syncReplicaSet, claimPods, manageReplicas,
// calculateStatus): which active pods it owns, adopts and releases; how many pods to create (in
// slow-start batches) or which to delete (in upstream's order); the status to write and when to
// look again. The executor (controller.ts) carries a plan out; it replans the replica management
// and the status from what actually happened (an adoption that failed, a create that failed).
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { selectorMatches, selectorOf, type Selector } from '../../kube/labels/selector.ts';
import { claimDecision } from '../framework/owners.ts';
import { podsToDelete } from '../framework/pod-ranking.ts';
import { isPodActive } from '../framework/pod-state.ts';
import { slowStartBatches } from '../framework/slow-start.ts';
import { availabilityRecheckMs, calculateStatus, desiredReplicas, statusUpToDate } from './status.ts';

/** BurstReplicas: the most pods one sync creates or deletes. */
export const BURST_REPLICAS = 500;

export interface ClaimPlan {
  /** Pods the ReplicaSet keeps after claiming, in list order (owned and to-be-adopted). */
  claimed: Pod[];
  /** Matching orphans to adopt. */
  adopt: Pod[];
  /** Owned pods whose labels no longer match, to release. */
  release: Pod[];
}

/**
 * FilterActivePods then ClaimPods: only active pods are considered. A pod owned by the ReplicaSet
 * that stops matching while the ReplicaSet is being deleted is neither released nor counted.
 */
export function planClaims(rs: ReplicaSet, selector: Selector, pods: readonly Pod[]): ClaimPlan {
  const plan: ClaimPlan = { claimed: [], adopt: [], release: [] };
  const namespace = rs.metadata?.namespace ?? '';
  for (const pod of pods) {
    if (!isPodActive(pod)) continue;
    if (namespace !== '' && (pod.metadata?.namespace ?? '') !== namespace) continue;
    const matches = selectorMatches(selector, pod.metadata?.labels);
    const decision = claimDecision(pod, rs, matches);
    if (decision === 'owned') plan.claimed.push(pod);
    else if (decision === 'adopt') {
      plan.adopt.push(pod);
      plan.claimed.push(pod);
    } else if (decision === 'release') plan.release.push(pod);
  }
  return plan;
}

export type ManagePlan =
  | { action: 'none'; reason: 'expectations' | 'deleting' | 'in-sync' }
  /** count pods to create in slow-start batches (the sizes if every batch succeeds). */
  | { action: 'create'; count: number; batches: number[] }
  /** Pods to delete, the first to go first. */
  | { action: 'delete'; pods: Pod[] };

export interface ManageInput {
  rs: ReplicaSet;
  /** The claimed active pods. */
  claimed: readonly Pod[];
  /** Pods of every ReplicaSet with the same controller (getIndirectlyRelatedPods); read only to delete. */
  relatedPods: () => readonly Pod[];
  now: number;
  /** SatisfiedExpectations for the ReplicaSet's key. */
  expectationsSatisfied: boolean;
  burstReplicas?: number;
}

/** manageReplicas, gated as syncReplicaSet gates it (expectations met, not being deleted). */
export function planManage(input: ManageInput): ManagePlan {
  const { rs, claimed } = input;
  if (!input.expectationsSatisfied) return { action: 'none', reason: 'expectations' };
  if (rs.metadata?.deletionTimestamp !== undefined) return { action: 'none', reason: 'deleting' };
  const burst = input.burstReplicas ?? BURST_REPLICAS;
  const diff = claimed.length - desiredReplicas(rs);
  if (diff < 0) {
    const count = Math.min(-diff, burst);
    return { action: 'create', count, batches: slowStartBatches(count) };
  }
  if (diff > 0) {
    return { action: 'delete', pods: podsToDelete(claimed, input.relatedPods(), Math.min(diff, burst), input.now) };
  }
  return { action: 'none', reason: 'in-sync' };
}

export interface ReplicaSetInput {
  rs: ReplicaSet;
  /** Every pod in the ReplicaSet's namespace (the lister's list). */
  pods: readonly Pod[];
  relatedPods: () => readonly Pod[];
  now: number;
  expectationsSatisfied: boolean;
  burstReplicas?: number;
}

export type ReplicaSetPlan =
  | { invalidSelector: true }
  | {
    invalidSelector: false;
    claims: ClaimPlan;
    manage: ManagePlan;
    /** The status calculated from the claimed pods (before this plan's creations/deletions). */
    status: ReplicaSetStatus;
    /** False when the stored status is already this one (no write). */
    writeStatus: boolean;
    /** Look again after this long (minReadySeconds) for pods that become available. */
    requeueAfterMs?: number;
  };

/** syncReplicaSet as a plan, assuming every adoption, release, creation and deletion succeeds. */
export function planReplicaSet(input: ReplicaSetInput): ReplicaSetPlan {
  const { rs } = input;
  const selector = selectorOf(rs.spec?.selector);
  if (selector === undefined) return { invalidSelector: true };
  const claims = planClaims(rs, selector, input.pods);
  const manage = planManage({ ...input, claimed: claims.claimed });
  const status = calculateStatus(rs, claims.claimed, undefined, input.now);
  const requeueAfterMs = availabilityRecheckMs(rs, status);
  return {
    invalidSelector: false,
    claims,
    manage,
    status,
    writeStatus: !statusUpToDate(rs, status),
    ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
  };
}
