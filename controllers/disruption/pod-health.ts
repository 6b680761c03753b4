// Which matching pods count as healthy, and the disruptedPods bookkeeping: a pod the eviction API
// let go is not counted for DeletionTimeout while its deletion is on its way; an entry whose pod
// is being deleted (or gone) is dropped, and one that outlived the timeout is dropped with a
// NotDeleted warning. The earliest expiry of what is kept is when the PDB must be looked at again.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.d.ts';
import { isNil } from '../../kube/values.ts';
import { DELETION_TIMEOUT_MS } from './constants.ts';

/** podutil.IsPodReady. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A metav1.Time read back; a value that does not parse is the zero time (long expired). */
export function timeMs(t: string | undefined): number {
  const ms = t === undefined ? Number.NaN : Date.parse(t);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

export interface DisruptedPodMap {
  /** Entries still waiting for their pod's deletion (pod name → the eviction's time, as stored). */
  disruptedPods: Record<string, string>;
  /** Pods whose entry expired without a deletion (each gets a NotDeleted event). */
  notDeleted: Pod[];
  /** When the earliest kept entry expires (ms since the epoch). */
  recheckAt?: number;
}

/** buildDisruptedPodMap. */
export function buildDisruptedPodMap(pods: readonly Pod[], pdb: PodDisruptionBudget, now: number): DisruptedPodMap {
  const known = pdb.status?.disruptedPods;
  const result: DisruptedPodMap = { disruptedPods: {}, notDeleted: [] };
  // A decoded null reads as absent.
  if (known === undefined || isNil(known)) return result;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const name = pod.metadata?.name ?? '';
    if (!Object.hasOwn(known, name)) continue;
    const at = known[name];
    const expectedDeletion = timeMs(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      result.notDeleted.push(pod);
      continue;
    }
    if (result.recheckAt === undefined || expectedDeletion < result.recheckAt) result.recheckAt = expectedDeletion;
    result.disruptedPods[name] = at ?? '';
  }
  return result;
}

/** countHealthyPods: ready, not being deleted, and not just evicted. */
export function countHealthyPods(pods: readonly Pod[], disruptedPods: Readonly<Record<string, string>>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const name = pod.metadata?.name ?? '';
    if (Object.hasOwn(disruptedPods, name) && timeMs(disruptedPods[name]) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}
