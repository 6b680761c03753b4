// Which StatefulSets a pod or revision concerns (resolveControllerRef, GetPodStatefulSets, and
// the history package's ListControllerRevisions), read from the informers' caches.
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { selectorEmpty, selectorMatches, selectorOf, type Selector } from '../../kube/labels/selector.ts';
import { controllerOf } from '../framework/owners.ts';

/** The set a controller reference names, if it is a StatefulSet with that uid. */
export function resolveControllerRef(sets: Lister<StatefulSet>, namespace: string, ref: OwnerReference): StatefulSet | undefined {
  if (ref.kind !== 'StatefulSet') return undefined;
  const set = sets.get(namespace, ref.name);
  return set !== undefined && set.metadata?.uid === ref.uid ? set : undefined;
}

/** GetPodStatefulSets: sets in the pod's namespace whose (non-empty, valid) selector matches it. */
export function statefulSetsForPod(sets: Lister<StatefulSet>, pod: Pod): StatefulSet[] {
  const labels = pod.metadata?.labels ?? {};
  // a pod without labels matches no set
  if (Object.keys(labels).length === 0) return [];
  return sets.list(pod.metadata?.namespace ?? 'default').filter((set) => {
    const sel = selectorOf(set.spec?.selector);
    return sel !== undefined && !selectorEmpty(sel) && selectorMatches(sel, labels);
  });
}

/** ListControllerRevisions: revisions matching the selector that set owns or nobody does. */
export function revisionsOf(revisions: Lister<ControllerRevision>, set: StatefulSet, selector: Selector): ControllerRevision[] {
  const uid = set.metadata?.uid ?? '';
  return revisions.list(set.metadata?.namespace ?? 'default').filter((r) => {
    if (!selectorMatches(selector, r.metadata?.labels ?? {})) return false;
    const ref = controllerOf(r);
    return ref === undefined || ref.uid === uid;
  });
}

/** The pods a set may claim: those it controls and the orphans of its namespace (FilterPodsByOwner). */
export function claimCandidates(pods: Lister<Pod>, set: StatefulSet): Pod[] {
  const uid = set.metadata?.uid ?? '';
  return pods.list(set.metadata?.namespace ?? 'default').filter((p) => {
    const ref = controllerOf(p);
    return ref === undefined || ref.uid === uid;
  });
}
