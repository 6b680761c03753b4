// Finding pods from ReplicaSets in the informer caches: getIndirectlyRelatedPods (the pods of
// every ReplicaSet sharing this one's controller — a Deployment's old and new ReplicaSets — whose
// node placement ranks deletions). ReplicaSets from pods: framework/controller-lookup.ts.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { selectorMatches, selectorOf } from '../../kube/labels/selector.ts';
import { controllerOf } from '../framework/owners.ts';

/** getIndirectlyRelatedPods: the pods selected by each ReplicaSet with rs's controller, once each. */
export function indirectlyRelatedPods(rsLister: Lister<ReplicaSet>, podLister: Lister<Pod>, rs: ReplicaSet): Pod[] {
  const owner = controllerOf(rs);
  if (owner === undefined) return [];
  const seen = new Set<string>();
  const out: Pod[] = [];
  const siblings = rsLister.byOwner(owner.uid).filter((r) => controllerOf(r)?.uid === owner.uid);
  for (const related of siblings) {
    const sel = selectorOf(related.spec?.selector);
    if (sel === undefined) continue;
    for (const pod of podLister.list(related.metadata?.namespace ?? '')) {
      if (!selectorMatches(sel, pod.metadata?.labels)) continue;
      const uid = pod.metadata?.uid ?? '';
      if (seen.has(uid)) continue;
      seen.add(uid);
      out.push(pod);
    }
  }
  return out;
}
