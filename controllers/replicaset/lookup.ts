// Finding ReplicaSets from pods and pods from ReplicaSets in the informer caches:
// resolveControllerRef, the lister's GetPodReplicaSets, and getIndirectlyRelatedPods (the pods of
// every ReplicaSet sharing this one's controller — a Deployment's old and new ReplicaSets — whose
// node placement ranks deletions).
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { selectorEmpty, selectorMatches, selectorOf } from '../../kube/labels/selector.ts';
import { controllerOf } from '../framework/owners.ts';

/** The ReplicaSet a controller reference names, if it is one and still the same object (uid). */
export function resolveControllerRef(rsLister: Lister<ReplicaSet>, namespace: string, ref: OwnerReference): ReplicaSet | undefined {
  if (ref.kind !== 'ReplicaSet') return undefined;
  const rs = rsLister.get(namespace, ref.name);
  return rs !== undefined && rs.metadata?.uid === ref.uid ? rs : undefined;
}

/** GetPodReplicaSets: ReplicaSets in the pod's namespace whose (valid, non-empty) selector matches it. */
export function podReplicaSets(rsLister: Lister<ReplicaSet>, pod: Pod): ReplicaSet[] {
  const labels = pod.metadata?.labels ?? {};
  if (Object.keys(labels).length === 0) return [];
  return rsLister.list(pod.metadata?.namespace ?? '').filter((rs) => {
    const sel = selectorOf(rs.spec?.selector);
    return sel !== undefined && !selectorEmpty(sel) && selectorMatches(sel, labels);
  });
}

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
