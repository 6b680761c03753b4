// The disruption controller's decisions as pure functions: for one PDB (trySync/updatePdbStatus),
// the events to record, the status to write (none when it is already right) and when to look
// again; the fail-safe status after a failed sync; and, for one pod, whether its DisruptionTarget
// condition is stale and what its status becomes once it is reset.
import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.d.ts';
import type { EventType } from '../framework/types.ts';
import { conditionsAreUpToDate, rfc3339, setStatusCondition, withDisruptionAllowedCondition } from './conditions.ts';
import {
  DISRUPTION_ALLOWED_CONDITION, DISRUPTION_TARGET_CONDITION, STALE_POD_DISRUPTION_TIMEOUT_MS, SYNC_FAILED_REASON,
  TERMINATION_BY_KUBELET_REASON,
} from './constants.ts';
import { expectedPodCount, type ExpectedScale } from './expected-count.ts';
import { goLabelSelectorString } from './go-format.ts';
import { buildDisruptedPodMap, countHealthyPods, timeMs } from './pod-health.ts';

export interface PlannedEvent {
  /** The PDB itself, or one of its pods. */
  on: 'pdb' | Pod;
  type: EventType;
  reason: string;
  message: string;
}

export interface PdbPlanInput {
  pdb: PodDisruptionBudget;
  /** The pods its selector matches in its namespace, or why they could not be listed. */
  pods: readonly Pod[] | { error: string };
  /** expectedScale's answer; only needed when needsControllerScale(pdb). */
  scale?: ExpectedScale;
  now: number;
}

export type PdbPlan =
  /** trySync failed with error: the executor writes failSafeStatus (SyncFailed). */
  | { outcome: 'failed'; error: string; events: PlannedEvent[] }
  | {
    outcome: 'synced';
    events: PlannedEvent[];
    /** The status to write; undefined when the stored one is already right. */
    status?: PodDisruptionBudgetStatus;
    /** When an entry of disruptedPods expires, after a successful write (or none needed). */
    recheckAfterMs?: number;
  };

const UNMANAGED_PODS_MESSAGE = (selector: string): string =>
  `Pods selected by this PodDisruptionBudget (selector: ${selector}) were found to be unmanaged. As a result, the status of the PDB ` +
  'cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" ' +
  'field of the PDB to an integer value.';

/** apiequality.Semantic on disruptedPods: nil and empty are equal, times compare by instant. */
function sameDisruptedPods(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && timeMs(a?.[k]) === timeMs(b[k]));
}

/** trySync + updatePdbStatus for one PDB. */
export function planPdb(input: PdbPlanInput): PdbPlan {
  const { pdb, now } = input;
  const events: PlannedEvent[] = [];
  if ('error' in input.pods) {
    const { error } = input.pods;
    events.push({ on: 'pdb', type: 'Warning', reason: 'NoPods', message: `Failed to get pods: ${error}` });
    return { outcome: 'failed', error, events };
  }
  const pods = input.pods;
  if (pods.length === 0) events.push({ on: 'pdb', type: 'Normal', reason: 'NoPods', message: 'No matching pods found' });

  const expected = expectedPodCount(pdb, pods, input.scale);
  if ('error' in expected) {
    events.push({ on: 'pdb', type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: `Failed to calculate the number of expected pods: ${expected.error}` });
    return { outcome: 'failed', error: expected.error, events };
  }
  // Unmanaged pods make the arithmetic unreliable but are not worth failing (and hot-looping) over.
  if (expected.unmanagedPods.length > 0) {
    events.push({ on: 'pdb', type: 'Warning', reason: 'UnmanagedPods', message: UNMANAGED_PODS_MESSAGE(goLabelSelectorString(pdb.spec?.selector)) });
  }

  const disrupted = buildDisruptedPodMap(pods, pdb, now);
  const ns = pdb.metadata?.namespace ?? '';
  // Upstream names the PDB as "<namespace>/<namespace>" here; kept as it is.
  for (const pod of disrupted.notDeleted) {
    events.push({ on: pod, type: 'Warning', reason: 'NotDeleted', message: `Pod was expected by PDB ${ns}/${ns} to be deleted but it wasn't` });
  }
  const currentHealthy = countHealthyPods(pods, disrupted.disruptedPods, now);
  const { expectedCount, desiredHealthy } = expected;
  // A PDB that matches no pods yet allows nothing, so that its first pods are safe before it is synced.
  const disruptionsAllowed = expectedCount <= 0 || currentHealthy - desiredHealthy <= 0 ? 0 : currentHealthy - desiredHealthy;
  const recheckAfterMs = disrupted.recheckAt === undefined ? undefined : disrupted.recheckAt - now;
  const synced = (status?: PodDisruptionBudgetStatus): PdbPlan => ({
    outcome: 'synced', events,
    ...(status === undefined ? {} : { status }),
    ...(recheckAfterMs === undefined ? {} : { recheckAfterMs }),
  });

  const old = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  if (old !== undefined && old.currentHealthy === currentHealthy && old.desiredHealthy === desiredHealthy && old.expectedPods === expectedCount
    && old.disruptionsAllowed === disruptionsAllowed && sameDisruptedPods(old.disruptedPods, disrupted.disruptedPods)
    && (old.observedGeneration ?? 0) === generation && conditionsAreUpToDate(pdb)) {
    return synced();
  }
  // policy/v1's field order; observedGeneration and disruptedPods are omitted when empty.
  const status: PodDisruptionBudgetStatus = {
    ...(generation === 0 ? {} : { observedGeneration: generation }),
    ...(Object.keys(disrupted.disruptedPods).length === 0 ? {} : { disruptedPods: disrupted.disruptedPods }),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    conditions: old?.conditions ?? [],
  };
  return synced(withDisruptionAllowedCondition(status, now));
}

/**
 * failSafe: after a failed sync, at least stop evictions: disruptionsAllowed 0 and
 * DisruptionAllowed=False/SyncFailed with the error, everything else as stored.
 */
export function failSafeStatus(pdb: PodDisruptionBudget, error: string, now: number): PodDisruptionBudgetStatus {
  const old: PodDisruptionBudgetStatus = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  return {
    ...old,
    disruptionsAllowed: 0,
    conditions: setStatusCondition(old.conditions ?? [], {
      type: DISRUPTION_ALLOWED_CONDITION,
      status: 'False',
      reason: SYNC_FAILED_REASON,
      message: error,
      observedGeneration: old.observedGeneration ?? 0,
    }, now),
  };
}

export type StaleDisruption = { stale: false } | { stale: true; waitMs: number };

/**
 * nonTerminatingPodHasStaleDisruptionCondition: a pod not being deleted, not finished, whose
 * DisruptionTarget=True was not set by the kubelet; waitMs is what is left of the timeout.
 */
export function staleDisruption(pod: Pod, now: number, timeoutMs = STALE_POD_DISRUPTION_TIMEOUT_MS): StaleDisruption {
  if (pod.metadata?.deletionTimestamp !== undefined) return { stale: false };
  const cond = pod.status?.conditions?.find((c) => c.type === DISRUPTION_TARGET_CONDITION);
  const phase = pod.status?.phase;
  if (cond === undefined || cond.status !== 'True' || cond.reason === TERMINATION_BY_KUBELET_REASON || phase === 'Succeeded' || phase === 'Failed') {
    return { stale: false };
  }
  const since = now - timeMs(cond.lastTransitionTime);
  return { stale: true, waitMs: Math.max(0, timeoutMs - since) };
}

/**
 * syncStalePodDisruption's new status: apipod.UpdatePodCondition with DisruptionTarget=False,
 * which replaces the whole condition (reason and message go); undefined when nothing changes.
 */
export function resetDisruptionTarget(pod: Pod, now: number): PodStatus | undefined {
  const conditions = pod.status?.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === DISRUPTION_TARGET_CONDITION);
  const old = conditions[i];
  const status = 'False';
  const lastTransitionTime = old !== undefined && old.status === status ? old.lastTransitionTime : rfc3339(now);
  const next: PodCondition = { type: DISRUPTION_TARGET_CONDITION, status, ...(lastTransitionTime === undefined ? {} : { lastTransitionTime }) };
  if (old === undefined) return { ...pod.status, conditions: [...conditions, next] };
  const unchanged = old.status === status && (old.reason ?? '') === '' && (old.message ?? '') === '' && (old.lastProbeTime ?? undefined) === undefined
    && old.lastTransitionTime === next.lastTransitionTime;
  if (unchanged) return undefined;
  return { ...pod.status, conditions: conditions.map((c, j) => (j === i ? next : c)) };
}
