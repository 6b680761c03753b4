// Which pods a controller gives up first (controller_utils.go). Two orders:
//  - ActivePods (the Job controller's): unassigned before assigned; Pending before Unknown before
//    Running; not ready before ready; ready for less time first; more restarts (sidecars
//    included) first; created more recently first.
//  - ActivePodsWithRanks (the ReplicaSet controller's getPodsToDelete, with LogarithmicScaleDown
//    and PodDeletionCost on, as in 1.32): the same, but lower pod-deletion-cost and more related
//    pods on the same node go before the readiness time, restarts count regular containers only,
//    and the two time comparisons bucket ages by log2 of their nanoseconds so that pods of about
//    the same age are picked in a pseudo-random (uid) order rather than always the very newest.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { timeMs } from './meta-time.ts';
import { isPodActive, isPodReady, maxContainerRestarts, podReadyTime } from './pod-state.ts';

/** v1.PodDeletionCost. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * GetDeletionCostFromPodAnnotations: the annotation as an int32; 0 when absent or invalid
 * (a leading "+" or leading zeros are invalid, as is anything strconv.ParseInt rejects).
 */
export function podDeletionCost(pod: Pod): number {
  const value = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (value === undefined) return 0;
  if (!/^(?:0|-\d+|[1-9]\d*)$/.test(value)) return 0;
  const n = Number(value);
  return n < INT32_MIN || n > INT32_MAX ? 0 : n + 0;
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** Phases outside the map count as 0, as a missing Go map key does. */
function phaseOrdinal(pod: Pod): number {
  return PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;
}

/** afterOrZero: t1 is after t2, a zero time counting as after any other. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/**
 * The first steps both orders share: unassigned first, then the lower phase, then not ready.
 * undefined when they do not decide.
 */
function lessByPlacementPhaseReadiness(a: Pod, b: Pod): boolean | undefined {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  return undefined;
}

/** controller.ActivePods' Less: true when a should be deleted before b. */
export function activePodLess(a: Pod, b: Pod): boolean {
  const first = lessByPlacementPhaseReadiness(a, b);
  if (first !== undefined) return first;
  if (isPodReady(a) && isPodReady(b)) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return afterOrZero(ta, tb);
  }
  const ca = maxContainerRestarts(a, { sidecars: true });
  const cb = maxContainerRestarts(b, { sidecars: true });
  if (ca !== cb) return ca > cb;
  const ka = timeMs(a.metadata?.creationTimestamp);
  const kb = timeMs(b.metadata?.creationTimestamp);
  if (ka !== kb) return afterOrZero(ka, kb);
  return false;
}

/** A sorted copy in ActivePods order. */
export function sortActivePods(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => (activePodLess(a, b) ? -1 : activePodLess(b, a) ? 1 : 0));
}

/** floor(log2(age in ns)), -1 for an age that is not positive. */
function logRank(t: number, now: number): number {
  const ageNs = (now - t) * 1e6;
  return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
}

/** logarithmicRankDiff. */
export function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  return logRank(t1, now) - logRank(t2, now);
}

/** Compares two timestamps for deletion preference: true when t1's pod goes first. */
function newerFirst(t1: number | undefined, t2: number | undefined, uid1: string, uid2: string, now: number | undefined): boolean {
  if (now === undefined || t1 === undefined || t2 === undefined) return afterOrZero(t1, t2);
  const diff = logarithmicRankDiff(t1, t2, now);
  if (diff === 0) return uid1 < uid2;
  return diff < 0;
}

export interface RankedPod {
  pod: Pod;
  /** Active related pods on the same node (getPodsRankedByRelatedPodsOnSameNode). */
  rank: number;
}

/** ActivePodsWithRanks.Less: whether a should be deleted before b. `now` undefined: no log scale. */
export function preferForDeletion(a: RankedPod, b: RankedPod, now: number | undefined): boolean {
  const first = lessByPlacementPhaseReadiness(a.pod, b.pod);
  if (first !== undefined) return first;
  const ca = podDeletionCost(a.pod);
  const cb = podDeletionCost(b.pod);
  if (ca !== cb) return ca < cb;
  if (a.rank !== b.rank) return a.rank > b.rank;
  const uidA = a.pod.metadata?.uid ?? '';
  const uidB = b.pod.metadata?.uid ?? '';
  if (isPodReady(a.pod) && isPodReady(b.pod)) {
    const ta = podReadyTime(a.pod);
    const tb = podReadyTime(b.pod);
    if (ta !== tb) return newerFirst(ta, tb, uidA, uidB, now);
  }
  const xa = maxContainerRestarts(a.pod);
  const xb = maxContainerRestarts(b.pod);
  if (xa !== xb) return xa > xb;
  const ca2 = timeMs(a.pod.metadata?.creationTimestamp);
  const cb2 = timeMs(b.pod.metadata?.creationTimestamp);
  if (ca2 !== cb2) return newerFirst(ca2, cb2, uidA, uidB, now);
  return false;
}

/** getPodsRankedByRelatedPodsOnSameNode: each pod's rank is the active related pods on its node. */
export function rankByRelatedPodsOnSameNode(pods: readonly Pod[], related: readonly Pod[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
}

/** Sorts pods so those to delete first come first (sort.Sort(ActivePodsWithRanks)). */
export function sortForDeletion(pods: readonly Pod[], related: readonly Pod[], now: number | undefined): Pod[] {
  const ranked = rankByRelatedPodsOnSameNode(pods, related);
  ranked.sort((a, b) => (preferForDeletion(a, b, now) ? -1 : preferForDeletion(b, a, now) ? 1 : 0));
  return ranked.map((r) => r.pod);
}

/** getPodsToDelete: the first diff pods in deletion order (no sorting when all of them go). */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], diff: number, now: number): Pod[] {
  if (diff >= pods.length) return pods.slice(0, diff);
  return sortForDeletion(pods, related, now).slice(0, diff);
}
