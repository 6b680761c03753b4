// getExpectedPodCount and getExpectedScale: how many pods a PDB expects and how many must stay
// healthy. An integer minAvailable counts the matching pods; maxUnavailable and a percentage
// minAvailable need the scale of the pods' controllers (each counted once), percentages rounded up.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.d.ts';
import { isNil } from '../../kube/values.ts';
import { controllerOf } from '../framework/owners.ts';
import { scaledValueFromIntOrPercent } from './int-or-percent.ts';

/** A controller found for a pod: its uid (a Deployment's for a pod of its ReplicaSet) and desired replicas. */
export interface ControllerScale {
  uid: string;
  scale: number;
}

/** One finder chain: the controller behind ref, undefined when none is found; throws on lookup errors. */
export type FindController = (ref: OwnerReference, namespace: string) => Promise<ControllerScale | undefined>;

export type ExpectedScale =
  | { count: number; unmanagedPods: string[] }
  | { error: string; unmanagedPods: string[] };

export type ExpectedPodCount =
  | { expectedCount: number; desiredHealthy: number; unmanagedPods: string[] }
  | { error: string };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether the PDB's arithmetic needs the controllers' scale (maxUnavailable, or a string minAvailable). */
export function needsControllerScale(pdb: PodDisruptionBudget): boolean {
  const spec = pdb.spec ?? {};
  if (!isNil(spec.maxUnavailable)) return true;
  return typeof spec.minAvailable === 'string';
}

/**
 * getExpectedScale: the sum of the scales of the controllers of the pods, in pod order; pods with
 * no controller are listed as unmanaged (not an error); a controller that cannot be found, or a
 * lookup that fails, is.
 */
export async function expectedScale(pods: readonly Pod[], find: FindController): Promise<ExpectedScale> {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (ref === undefined) {
      unmanagedPods.push(pod.metadata?.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    let found: ControllerScale | undefined;
    try {
      found = await find(ref, pod.metadata?.namespace ?? '');
    } catch (err) {
      return { error: messageOf(err), unmanagedPods };
    }
    if (found === undefined) return { error: `found no controllers for pod ${JSON.stringify(pod.metadata?.name ?? '')}`, unmanagedPods };
    scales.set(found.uid, found.scale);
  }
  let count = 0;
  for (const n of scales.values()) count += n;
  return { count, unmanagedPods };
}

/**
 * getExpectedPodCount. `scale` is expectedScale's answer, needed only when needsControllerScale;
 * with neither field set both numbers are 0.
 */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[], scale: ExpectedScale | undefined): ExpectedPodCount {
  const spec = pdb.spec ?? {};
  const fromScale = (v: number | string, toDesired: (count: number, scaled: number) => number): ExpectedPodCount => {
    if (scale === undefined) return { error: 'the scale of the pods\' controllers was not looked up' };
    if ('error' in scale) return { error: scale.error };
    const scaled = scaledValueFromIntOrPercent(v, scale.count, true);
    if ('error' in scaled) return { error: scaled.error };
    return { expectedCount: scale.count, desiredHealthy: toDesired(scale.count, scaled.value), unmanagedPods: scale.unmanagedPods };
  };
  const max = spec.maxUnavailable;
  if (max !== undefined && !isNil(max)) {
    return fromScale(max, (count, maxUnavailable) => Math.max(0, count - maxUnavailable));
  }
  const min = spec.minAvailable;
  if (typeof min === 'number') return { expectedCount: pods.length, desiredHealthy: min, unmanagedPods: [] };
  if (typeof min === 'string') return fromScale(min, (_count, minAvailable) => minAvailable);
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}
