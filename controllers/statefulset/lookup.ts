// What a StatefulSet may claim, read from the informers' caches: the history package's
// ListControllerRevisions and the candidate pods (the sets a pod concerns:
// framework/controller-lookup.ts).
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { selectorMatches, type Selector } from '../../kube/labels/selector.ts';
import { controllerOf } from '../framework/owners.ts';

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
