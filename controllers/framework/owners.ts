// Owner references between controllers and what they make (metav1.GetControllerOf,
// NewControllerRef), and the adopt/release rules of ControllerRefManager: an object with no
// controller whose labels match is adopted, an owned object whose labels stop matching is released;
// nothing is adopted by a controller that is being deleted.
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { KubeObject } from '../../kube/client/client.ts';

/** metav1.GetControllerOf. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** metav1.NewControllerRef: controller and blockOwnerDeletion set. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true,
  };
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

export type ClaimDecision = 'owned' | 'adopt' | 'release' | 'ignore';

/**
 * ControllerRefManager.ClaimObject as a decision: `matches` is whether obj's labels match the
 * owner's selector. An owned object that stops matching is released (unless the owner is being
 * deleted); an orphan that matches is adopted (unless either is being deleted).
 */
export function claimDecision(obj: KubeObject, owner: KubeObject, matches: boolean): ClaimDecision {
  const ref = controllerOf(obj);
  const ownerDeleting = owner.metadata?.deletionTimestamp !== undefined;
  if (ref !== undefined) {
    if (ref.uid !== owner.metadata?.uid) return 'ignore';
    if (matches) return 'owned';
    // An owner being deleted neither keeps nor releases what stopped matching.
    return ownerDeleting ? 'ignore' : 'release';
  }
  if (!matches || ownerDeleting || obj.metadata?.deletionTimestamp !== undefined) return 'ignore';
  return 'adopt';
}

/** The merge patch that adopts obj (ownerReferences with its uid as precondition). */
export function adoptPatch(obj: KubeObject, ref: OwnerReference): Record<string, unknown> {
  return { metadata: { ownerReferences: [...(obj.metadata?.ownerReferences ?? []), ref], uid: obj.metadata?.uid } };
}

/** The merge patch that releases obj from owner (its ownerReferences without owner's). */
export function releasePatch(obj: KubeObject, ownerUid: string): Record<string, unknown> {
  return { metadata: { ownerReferences: (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid), uid: obj.metadata?.uid } };
}
