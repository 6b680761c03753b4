// How the garbage collector names an object: the coordinates an ownerReference carries (apiVersion,
// kind, name, uid) plus the namespace the dependent that mentioned it lives in ('' for
// cluster-scoped). Virtual owners are only known by these coordinates, and two dependents may
// disagree about them, so identities are compared field by field, as upstream's objectReference.
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';

export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** '' for cluster-scoped objects (and for virtual owners known to be cluster-scoped). */
  namespace: string;
}

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** The owner an ownerReference names, seen from a dependent in `namespace`. */
export function identityOfRef(ref: OwnerReference, namespace: string): ObjectIdentity {
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace };
}

export function sameIdentity(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion && a.namespace === b.namespace;
}

/** uid, name, kind and apiVersion agree (the namespace is not part of a reference). */
export function refMatchesCoordinates(ref: OwnerReference, id: ObjectIdentity): boolean {
  return ref.uid === id.uid && ref.name === id.name && ref.kind === id.kind && ref.apiVersion === id.apiVersion;
}

/** Upstream's objectReference.String(), as it appears in event messages and errors. */
export function identityString(id: ObjectIdentity): string {
  return `[${id.apiVersion}/${id.kind}, namespace: ${id.namespace}, name: ${id.name}, uid: ${id.uid}]`;
}

/** A stable map key for an identity (the absent-owner cache). */
export function identityKey(id: ObjectIdentity): string {
  return JSON.stringify([id.apiVersion, id.kind, id.namespace, id.name, id.uid]);
}

/**
 * Upstream's referenceLessThan: kind, then apiVersion, namespace, name, uid — so alternates of a
 * virtual owner are tried in the same order whatever the order dependents were seen in.
 */
export function identityLess(a: ObjectIdentity, b: ObjectIdentity): boolean {
  for (const f of ['kind', 'apiVersion', 'namespace', 'name', 'uid'] as const) {
    if (a[f] !== b[f]) return a[f] < b[f];
  }
  return false;
}

export function hasFinalizer(finalizers: readonly string[] | undefined, f: string): boolean {
  return (finalizers ?? []).includes(f);
}

export function blocksOwnerDeletion(ref: OwnerReference): boolean {
  return ref.blockOwnerDeletion === true;
}
