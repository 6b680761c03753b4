// One sync of a Deployment (syncDeployment) as a pure function: the deployment, the ReplicaSets
// of its namespace and their pods in; the writes, events and next look out. The order is
// upstream's: claim ReplicaSets (adopt matching orphans, release owned ones that stop matching);
// a deployment being deleted only gets its status; paused/resumed conditions; a paused deployment
// or a scaling event (an active ReplicaSet's desired-replicas differs from spec.replicas) is only
// scaled; anything else rolls out by its strategy.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { adoptPatch, claimDecision, controllerOf, newControllerRef, releasePatch } from '../framework/owners.ts';
import { selectorMatches, selectorOf, type Selector } from '../../kube/labels/selector.ts';
import { cloneJson } from '../../lib/clone.ts';
import { desiredReplicasAnnotation } from './annotations.ts';
import { PAUSED, PROGRESSING, RESUMED, TIMED_OUT, getCondition, newCondition, setCondition } from './conditions.ts';
import { desiredReplicas } from './fenceposts.ts';
import { getAllReplicaSets } from './new-replica-set.ts';
import { PlanAbort, PlanSession, type DeploymentPlan } from './plan.ts';
import { hasProgressDeadline } from './progress.ts';
import { rolloutRecreate, type PodMap } from './recreate.ts';
import { filterActive } from './replica-sets.ts';
import { rolloutRolling } from './rolling.ts';
import { scale } from './scaling.ts';
import { cleanupDeployment, syncDeploymentStatus } from './sync-status.ts';

export interface DeploymentPlanInput {
  /** From the lister; not mutated. */
  deployment: Deployment;
  /** Every ReplicaSet in the deployment's namespace. */
  replicaSets: readonly ReplicaSet[];
  /** Pods that may belong to those ReplicaSets (others are ignored). */
  pods: readonly Pod[];
  now: number;
}

/** The selector `{}`: upstream compares it with an empty LabelSelector and refuses to act. */
export function selectsEverything(d: Deployment): boolean {
  const sel: unknown = d.spec?.selector;
  if (typeof sel !== 'object' || sel === null) return false;
  const { matchLabels, matchExpressions } = sel as { matchLabels?: unknown; matchExpressions?: unknown };
  return (matchLabels ?? null) === null && (matchExpressions ?? null) === null;
}

/** ClaimReplicaSets: the deployment's ReplicaSets after adoption and release. */
function claimReplicaSets(s: PlanSession, selector: Selector, all: readonly ReplicaSet[]): ReplicaSet[] {
  const d = s.d;
  const ns = d.metadata?.namespace ?? '';
  const claimed: ReplicaSet[] = [];
  for (const rs of all) {
    if ((rs.metadata?.namespace ?? '') !== ns) continue;
    const matches = selectorMatches(selector, rs.metadata?.labels);
    const decision = claimDecision(rs, d, matches);
    const name = rs.metadata?.name ?? '';
    const uid = rs.metadata?.uid ?? '';
    if (decision === 'owned') {
      claimed.push(cloneJson(rs));
    } else if (decision === 'adopt') {
      const ref = newControllerRef(d, 'apps/v1', 'Deployment');
      s.actions.push({ kind: 'adoptReplicaSet', name, uid, patch: adoptPatch(rs, ref) });
      const copy = cloneJson(rs);
      copy.metadata = { ...(copy.metadata ?? {}), ownerReferences: [...(copy.metadata?.ownerReferences ?? []), ref] };
      claimed.push(copy);
    } else if (decision === 'release') {
      s.actions.push({ kind: 'releaseReplicaSet', name, uid, patch: releasePatch(rs, d.metadata?.uid ?? '') });
    }
  }
  return claimed;
}

/** getPodMapForDeployment: pods matching the selector, by their controlling ReplicaSet (claimed only). */
function podMapFor(selector: Selector, rsList: readonly ReplicaSet[], pods: readonly Pod[]): PodMap {
  const map = new Map<string, Pod[]>();
  for (const rs of rsList) map.set(rs.metadata?.uid ?? '', []);
  const seen = new Set<string>();
  for (const pod of pods) {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    if (seen.has(key) || !selectorMatches(selector, pod.metadata?.labels)) continue;
    seen.add(key);
    const ref = controllerOf(pod);
    if (ref === undefined) continue;
    map.get(ref.uid)?.push(pod);
  }
  return map;
}

/** checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed. */
function checkPausedConditions(s: PlanSession): void {
  const d = s.d;
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, PROGRESSING);
  // a reported timeout is not overwritten by a pause
  if (cond !== undefined && cond.reason === TIMED_OUT) return;
  const pausedCondExists = cond !== undefined && cond.reason === PAUSED;
  const paused = d.spec?.paused === true;
  d.status ??= {};
  if (paused && !pausedCondExists) {
    setCondition(d.status, newCondition(PROGRESSING, 'Unknown', PAUSED, 'Deployment is paused', s.now));
  } else if (!paused && pausedCondExists) {
    setCondition(d.status, newCondition(PROGRESSING, 'Unknown', RESUMED, 'Deployment is resumed', s.now));
  } else {
    return;
  }
  s.updateStatus();
}

/** sync: scaling events and paused deployments. */
function syncScale(s: PlanSession): void {
  const { newRS, oldRSs } = getAllReplicaSets(s, false);
  scale(s, s.d, newRS, oldRSs);
  // no rollback can be in flight here (the deprecated rollback annotation is not acted on)
  if (s.d.spec?.paused === true) cleanupDeployment(s, oldRSs);
  syncDeploymentStatus(s, [...oldRSs, newRS], newRS);
}

/** isScalingEvent. */
function isScalingEvent(s: PlanSession): boolean {
  const { newRS, oldRSs } = getAllReplicaSets(s, false);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired !== undefined && desired !== desiredReplicas(s.d)) return true;
  }
  return false;
}

function run(s: PlanSession, input: DeploymentPlanInput): void {
  const d = s.d;
  if (selectsEverything(d)) {
    s.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    const generation = d.metadata?.generation ?? 0;
    if ((d.status?.observedGeneration ?? 0) < generation) {
      d.status = { ...(d.status ?? {}), observedGeneration: generation };
      s.updateStatus();
    }
    return;
  }
  const selector = selectorOf(d.spec?.selector);
  if (selector === undefined) s.fail(`deployment ${d.metadata?.namespace ?? ''}/${d.metadata?.name ?? ''} has invalid label selector`);
  s.rsList = claimReplicaSets(s, selector, input.replicaSets);
  const podMap = podMapFor(selector, s.rsList, input.pods);

  if (d.metadata?.deletionTimestamp !== undefined) {
    const { newRS, oldRSs } = getAllReplicaSets(s, false);
    syncDeploymentStatus(s, [...oldRSs, newRS], newRS);
    return;
  }
  checkPausedConditions(s);
  if (d.spec?.paused === true) {
    syncScale(s);
    return;
  }
  if (isScalingEvent(s)) {
    syncScale(s);
    return;
  }
  switch (d.spec?.strategy?.type) {
    case 'Recreate':
      rolloutRecreate(s, podMap);
      return;
    case 'RollingUpdate':
      rolloutRolling(s);
      return;
    default:
      s.fail(`unexpected deployment strategy type: ${d.spec?.strategy?.type ?? ''}`);
  }
}

/** syncDeployment as a plan. */
export function planDeployment(input: DeploymentPlanInput): DeploymentPlan {
  const s = new PlanSession(cloneJson(input.deployment), input.now);
  try {
    run(s, input);
  } catch (err) {
    if (!(err instanceof PlanAbort)) throw err;
    s.error = err.message;
  }
  return s.plan();
}
