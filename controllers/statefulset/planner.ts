// The StatefulSet controller's decisions for one sync (defaultStatefulSetControl.updateStatefulSet,
// processReplica, processCondemned), as data. Given the set, the pods it owns, the claims that
// exist, the current and update revisions and the time, the plan lists what to do in upstream's
// order, in four phases:
//   1. replicas, ordinals start..start+replicas-1 ascending: delete a Failed/Succeeded pod (it is
//      recreated next sync), create a missing pod (claims first), make a Pending pod's missing
//      claims, repair identity/storage/claim ownership;
//   2. condemned pods (outside the range, highest ordinal first): claim ownership for whenScaled;
//   3. condemned pods: delete;
//   4. RollingUpdate: delete the highest-ordinal pod at or above the partition that is not at the
//      update revision, one at a time, each only when the ones above are healthy.
// OrderedReady ("monotonic") runs each phase pod by pod and stops the whole sync at the first pod
// that had to be acted on or waited for: nothing is created until every lower ordinal is Running,
// Ready and available, nothing is removed while a pod is terminating or another one is unhealthy.
// Parallel runs each phase's pods at once (slow-start batches in the executor) and waits for none.
// The executor stops at the first failing phase, so a plan is safe to cut short.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.d.ts';
import {
  claimsForPod, identityMatches, newStatefulSetPod, ordinalOf, podInOrdinalRange, podRevision, replicasOf,
  startOrdinal, storageMatches, withIdentity, withRevision, withStorage,
} from './identity.ts';
import { isPodAvailable } from '../framework/pod-state.ts';
import { isCreated, isFailed, isHealthy, isPending, isRunningAndReady, isSucceeded, isTerminating } from './pod-state.ts';
import { claimsMatchRetention, podClaimIsStale, retentionWork, type ClaimLookup, type ClaimRetentionWork } from './retention.ts';
import { applyRevision } from './revisions.ts';
import { countPods, newStatus } from './status.ts';

/** The claims a pod's action makes sure of before (or instead of) touching the pod. */
export interface ClaimWork extends ClaimRetentionWork {
  /** Claims that do not exist yet, to create (a "create Claim … success" event each). */
  create: PersistentVolumeClaim[];
  /** Claims being deleted: the action fails with "pvc <name> is being deleted". */
  terminating: string[];
}

export type StatefulSetAction =
  /** DeleteStatefulPod: SuccessfulDelete/FailedDelete; `ignoreNotFound` for rolling-update deletions. */
  | { type: 'deletePod'; name: string; why: 'failed' | 'condemned' | 'update'; ignoreNotFound: boolean }
  /** CreateStatefulPod: claims, the pod, then claim ownership (claims.updates) and SuccessfulCreate. */
  | { type: 'createPod'; pod: Pod; claims: ClaimWork }
  /** createMissingPersistentVolumeClaims for a Pending pod. */
  | { type: 'ensureClaims'; pod: string; claims: ClaimWork }
  /** UpdateStatefulPod: claims, then the pod rewritten with its identity and storage. */
  | { type: 'updatePod'; pod: Pod; claims: ClaimWork }
  /** UpdatePodClaimForRetentionPolicy for a condemned pod. */
  | { type: 'updateClaims'; pod: string; claims: ClaimRetentionWork };

/** One pod's actions, run in order; a failure ends the pod's unit and the phase. */
export interface PlanUnit {
  pod: string;
  actions: StatefulSetAction[];
}

export type PhaseName = 'replicas' | 'condemned-claims' | 'condemned' | 'update';

export interface PlanPhase {
  name: PhaseName;
  /** OrderedReady: one unit after another; Parallel: all at once (slow-start batches). */
  ordered: boolean;
  units: PlanUnit[];
}

export interface StatefulSetPlan {
  phases: PlanPhase[];
  /** The status to write after the phases ran (completeRollingUpdate not yet applied). */
  status: StatefulSetStatus;
  /** Why the sync stopped short, for the log: the pod waited for and what it waits for. */
  waitingFor?: { pod: string; reason: string };
  /** A re-sync to schedule (minReadySeconds, or a claim that blocks a pod). */
  requeueAfterMs?: number;
}

export interface StatefulSetPlanInput {
  set: StatefulSet;
  /** The pods the set owns (after adoption and release). */
  pods: readonly Pod[];
  /** The claims that exist in the set's namespace. */
  claims: ClaimLookup;
  currentRevision: ControllerRevision;
  updateRevision: ControllerRevision;
  collisionCount: number;
  now: number;
}

function nameOf(pod: Pod): string {
  return pod.metadata?.name ?? '';
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition are made at the current revision, the
 * rest at the update revision. (Without a rollingUpdate block, the first status.currentReplicas
 * ordinals stay current: the pre-partition rule, which upstream's operator precedence keeps.)
 */
export function newVersionedPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const start = startOrdinal(currentSet);
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const ru = strategy?.rollingUpdate;
  const current = (rolling && ru === undefined && ordinal < start + (currentSet.status?.currentReplicas ?? 0))
    || (ru !== undefined && ordinal < start + (ru.partition ?? 0));
  return current
    ? withRevision(newStatefulSetPod(currentSet, ordinal), currentRevision)
    : withRevision(newStatefulSetPod(updateSet, ordinal), updateRevision);
}

/** A lookup that sees the claim rewrites earlier actions of the same plan will have made. */
class ClaimView {
  private readonly written = new Map<string, PersistentVolumeClaim>();

  constructor(private readonly observed: ClaimLookup) {}

  readonly lookup: ClaimLookup = (name) => this.written.get(name) ?? this.observed(name);

  record(updates: readonly PersistentVolumeClaim[]): void {
    for (const c of updates) this.written.set(c.metadata?.name ?? '', c);
  }
}

/** createPersistentVolumeClaims (+ the ownership rewrites when `withRetention`), as data. */
function claimWork(set: StatefulSet, pod: Pod, view: ClaimView, withRetention: boolean): ClaimWork {
  const work: ClaimWork = { create: [], terminating: [], updates: [], conflicting: [] };
  for (const { claim } of claimsForPod(set, pod)) {
    const name = claim.metadata?.name ?? '';
    const existing = view.lookup(name);
    if (existing === undefined) work.create.push(claim);
    else if (existing.metadata?.deletionTimestamp !== undefined) work.terminating.push(name);
  }
  if (withRetention) {
    const r = retentionWork(set, pod, view.lookup);
    work.updates = r.updates;
    work.conflicting = r.conflicting;
    view.record(r.updates);
  }
  return work;
}

function hasClaimWork(w: ClaimWork): boolean {
  return w.create.length + w.terminating.length + w.updates.length + w.conflicting.length > 0;
}

interface UnitResult {
  unit: PlanUnit;
  /** processReplica / processCondemned's "shouldExit" (honoured only when ordered). */
  exit: boolean;
  waiting?: string;
  /** A stale claim blocks this pod: look again soon. */
  blocked?: boolean;
}

/** processReplica. */
function processReplica(set: StatefulSet, updateSet: StatefulSet, monotonic: boolean, pod: Pod, view: ClaimView, now: number): UnitResult {
  const unit: PlanUnit = { pod: nameOf(pod), actions: [] };
  // Succeeded counts too: a pod evicted or stopped with its node ends by its exit code
  if (isFailed(pod) || isSucceeded(pod)) {
    if (!isTerminating(pod)) unit.actions.push({ type: 'deletePod', name: nameOf(pod), why: 'failed', ignoreNotFound: false });
    return { unit, exit: true, waiting: 'to be replaced' };
  }
  if (!isCreated(pod)) {
    if (podClaimIsStale(set, pod, view.lookup)) return { unit, exit: true, waiting: 'a stale claim to be removed', blocked: true };
    unit.actions.push({ type: 'createPod', pod, claims: claimWork(set, pod, view, true) });
    if (monotonic) return { unit, exit: true, waiting: 'to be created' };
  }
  if (isPending(pod)) {
    const work = claimWork(set, pod, view, true);
    if (hasClaimWork(work)) unit.actions.push({ type: 'ensureClaims', pod: nameOf(pod), claims: work });
  }
  if (monotonic) {
    if (isTerminating(pod)) return { unit, exit: true, waiting: 'to terminate' };
    if (!isRunningAndReady(pod)) return { unit, exit: true, waiting: 'to be Running and Ready' };
    if (!isPodAvailable(pod, set.spec?.minReadySeconds ?? 0, now)) return { unit, exit: true, waiting: 'to be Available' };
  }
  // a pod that was only just created is not updated in the same sync
  if (!isCreated(pod)) return { unit, exit: false };
  const retentionOk = claimsMatchRetention(updateSet, pod, view.lookup);
  if (identityMatches(set, pod) && storageMatches(set, pod) && retentionOk) return { unit, exit: false };
  unit.actions.push(updatePodAction(updateSet, pod, view));
  return { unit, exit: false };
}

/** UpdateStatefulPod as data: the pod made to conform, and the claims that needs. */
function updatePodAction(set: StatefulSet, observed: Pod, view: ClaimView): StatefulSetAction {
  const storageOk = storageMatches(set, observed);
  const pod = conformPod(set, observed);
  const work: ClaimWork = storageOk
    ? { create: [], terminating: [], updates: [], conflicting: [] }
    : claimWork(set, pod, view, false);
  if (!claimsMatchRetention(set, pod, view.lookup)) {
    const r = retentionWork(set, pod, view.lookup);
    work.updates = r.updates;
    work.conflicting = r.conflicting;
    view.record(r.updates);
  }
  return { type: 'updatePod', pod, claims: work };
}

/** updateIdentity + updateStorage where they do not match (also used again after a conflict). */
export function conformPod(set: StatefulSet, observed: Pod): Pod {
  let pod = observed;
  if (!identityMatches(set, pod)) pod = withIdentity(set, pod);
  if (!storageMatches(set, pod)) pod = withStorage(set, pod);
  return pod === observed ? { ...observed } : pod;
}

/** processCondemned. */
function processCondemned(set: StatefulSet, firstUnhealthy: string | undefined, monotonic: boolean, pod: Pod, now: number): UnitResult {
  const unit: PlanUnit = { pod: nameOf(pod), actions: [] };
  if (isTerminating(pod)) return monotonic ? { unit, exit: true, waiting: 'to terminate before scaling down' } : { unit, exit: false };
  if (monotonic && nameOf(pod) !== firstUnhealthy) {
    if (!isRunningAndReady(pod)) return { unit, exit: true, waiting: 'to be Running and Ready before scaling down' };
    if (!isPodAvailable(pod, set.spec?.minReadySeconds ?? 0, now)) return { unit, exit: true, waiting: 'to be Available before scaling down' };
  }
  unit.actions.push({ type: 'deletePod', name: nameOf(pod), why: 'condemned', ignoreNotFound: false });
  return { unit, exit: true };
}

/**
 * runForAll over one phase: ordered, up to and including the first unit that exits; otherwise
 * every unit (Parallel ignores "exit"). Returns the phase and whether the sync stops after it.
 */
function runPhase(
  name: PhaseName, monotonic: boolean, pods: readonly Pod[], fn: (pod: Pod) => UnitResult, plan: StatefulSetPlan, blocked: { value: boolean },
): boolean {
  const phase: PlanPhase = { name, ordered: monotonic, units: [] };
  let stop = false;
  for (const pod of pods) {
    const r = fn(pod);
    if (r.blocked === true) blocked.value = true;
    if (r.unit.actions.length > 0) phase.units.push(r.unit);
    if (monotonic && r.exit) {
      if (r.waiting !== undefined) plan.waitingFor = { pod: r.unit.pod, reason: r.waiting };
      stop = true;
      break;
    }
  }
  if (phase.units.length > 0) plan.phases.push(phase);
  return stop;
}

/** The sync's plan. */
export function planStatefulSet(input: StatefulSetPlanInput): StatefulSetPlan {
  const { set, pods, currentRevision, updateRevision, collisionCount, now } = input;
  const currentName = currentRevision.metadata?.name ?? '';
  const updateName = updateRevision.metadata?.name ?? '';
  const minReadySeconds = set.spec?.minReadySeconds ?? 0;
  const currentSet = applyRevision(set, currentRevision);
  const updateSet = applyRevision(set, updateRevision);
  const view = new ClaimView(input.claims);

  // replicas by ordinal (missing ones planned at the right revision) and condemned, highest first
  const start = startOrdinal(set);
  const count = replicasOf(set);
  const slots: (Pod | undefined)[] = new Array<Pod | undefined>(count).fill(undefined);
  const condemned: Pod[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(pod);
    if (podInOrdinalRange(pod, set)) slots[ord - start] = pod;
    else if (ord >= 0) condemned.push(pod);
  }
  const replicas = slots.map((p, i) => p ?? newVersionedPod(currentSet, updateSet, currentName, updateName, start + i));
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

  const statusOf = (list: readonly Pod[]): StatefulSetStatus =>
    newStatus(set, countPods(list, minReadySeconds, currentName, updateName, now), currentName, updateName, collisionCount);
  const plan: StatefulSetPlan = { phases: [], status: statusOf([...replicas, ...condemned]) };
  const blocked = { value: false };
  const finish = (): StatefulSetPlan => {
    // syncStatefulSet looks again after minReadySeconds while replicas are still becoming available
    if (minReadySeconds > 0 && (plan.status.availableReplicas ?? 0) !== count) plan.requeueAfterMs = minReadySeconds * 1000;
    else if (blocked.value) plan.requeueAfterMs = STALE_CLAIM_RECHECK_MS;
    return plan;
  };

  // a set being deleted only has its status written
  if (set.metadata?.deletionTimestamp !== undefined) {
    plan.status = statusOf(pods);
    return finish();
  }

  // the first unhealthy pod: the lowest replica, else the lowest condemned one
  const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));
  const firstUnhealthyName = firstUnhealthy === undefined ? undefined : nameOf(firstUnhealthy);
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

  if (runPhase('replicas', monotonic, replicas, (p) => processReplica(set, updateSet, monotonic, p, view, now), plan, blocked)) return finish();
  const fixClaims = (p: Pod): UnitResult => {
    const unit: PlanUnit = { pod: nameOf(p), actions: [] };
    if (!claimsMatchRetention(updateSet, p, view.lookup)) {
      const claims = retentionWork(updateSet, p, view.lookup);
      view.record(claims.updates);
      unit.actions.push({ type: 'updateClaims', pod: nameOf(p), claims });
    }
    return { unit, exit: false };
  };
  if (runPhase('condemned-claims', monotonic, condemned, fixClaims, plan, blocked)) return finish();
  if (runPhase('condemned', monotonic, condemned, (p) => processCondemned(set, firstUnhealthyName, monotonic, p, now), plan, blocked)) return finish();

  // OnDelete: pods change revision only when someone deletes them
  if (set.spec?.updateStrategy?.type === 'OnDelete') return finish();

  // RollingUpdate (maxUnavailable is the alpha MaxUnavailableStatefulSet gate, off in 1.32: one pod at a time)
  const ru = set.spec?.updateStrategy?.rollingUpdate;
  const updateMin = ru === undefined ? 0 : (ru.partition ?? 0);
  for (let target = replicas.length - 1; target >= updateMin; target--) {
    const pod = replicas[target];
    if (pod === undefined) continue;
    if (podRevision(pod) !== updateName && !isTerminating(pod)) {
      plan.phases.push({ name: 'update', ordered: true, units: [{ pod: nameOf(pod), actions: [{ type: 'deletePod', name: nameOf(pod), why: 'update', ignoreNotFound: true }] }] });
      plan.status = { ...plan.status, currentReplicas: (plan.status.currentReplicas ?? 0) - 1 };
      return finish();
    }
    if (!isHealthy(pod)) {
      plan.waitingFor = { pod: nameOf(pod), reason: 'to be updated' };
      return finish();
    }
  }
  return finish();
}

/** How soon a pod blocked by a stale claim (awaiting the garbage collector) is looked at again. */
export const STALE_CLAIM_RECHECK_MS = 1000;
