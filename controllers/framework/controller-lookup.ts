// Finding the controller of an object in the informer caches, as the controllers' event handlers
// do: resolveControllerRef (the owner a controller reference names, if it is of the controller's
// kind and still the same object) and the listers' Get<Object><Controller>s (the controllers in
// the object's namespace whose valid, non-empty selector matches its labels: candidates to adopt
// an orphan).
import type { LabelSelector, OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { KubeObject } from '../../kube/client/client.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { selectorEmpty, selectorMatches, selectorOf } from '../../kube/labels/selector.ts';

/** resolveControllerRef: the object of `kind` that ref names in namespace, if its uid is ref's. */
export function resolveControllerRef<T extends KubeObject>(lister: Lister<T>, kind: string, namespace: string, ref: OwnerReference | undefined): T | undefined {
  if (ref?.kind !== kind) return undefined;
  const owner = lister.get(namespace, ref.name);
  return owner !== undefined && owner.metadata?.uid === ref.uid ? owner : undefined;
}

/** A controller with a label selector (ReplicaSet, Deployment, DaemonSet, StatefulSet, Job). */
export type SelectingController = KubeObject & { spec?: { selector?: LabelSelector } };

/**
 * The controllers in namespace whose (valid, non-empty) selector matches labels; none for an
 * object without labels.
 */
export function controllersSelecting<T extends SelectingController>(lister: Lister<T>, namespace: string, labels: Record<string, string> | undefined): T[] {
  const have = labels ?? {};
  if (Object.keys(have).length === 0) return [];
  return lister.list(namespace).filter((c) => {
    const sel = selectorOf(c.spec?.selector);
    return sel !== undefined && !selectorEmpty(sel) && selectorMatches(sel, have);
  });
}
