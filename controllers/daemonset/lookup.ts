// Finding DaemonSets from what they own, in the informer caches: resolveControllerRef and the
// listers' GetPodDaemonSets / GetHistoryDaemonSets (DaemonSets in the namespace whose valid,
// non-empty selector matches the object's labels — candidates to adopt an orphan).
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { KubeObject } from '../../kube/client/client.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { selectorEmpty, selectorMatches, selectorOf } from '../../kube/labels/selector.ts';
import { CONTROLLER_KIND } from './constants.ts';

export function resolveControllerRef(lister: Lister<DaemonSet>, namespace: string, ref: OwnerReference): DaemonSet | undefined {
  if (ref.kind !== CONTROLLER_KIND) return undefined;
  const ds = lister.get(namespace, ref.name);
  return ds !== undefined && ds.metadata?.uid === ref.uid ? ds : undefined;
}

export function matchingDaemonSets(lister: Lister<DaemonSet>, obj: KubeObject): DaemonSet[] {
  const labels = obj.metadata?.labels ?? {};
  if (Object.keys(labels).length === 0) return [];
  return lister.list(obj.metadata?.namespace ?? '').filter((ds) => {
    const sel = selectorOf(ds.spec?.selector);
    return sel !== undefined && !selectorEmpty(sel) && selectorMatches(sel, labels);
  });
}
