// The writes the collector makes to objects it does not delete: dropping owner references (by uid,
// so it never races with other reference changes), clearing blockOwnerDeletion, and removing its
// own finalizers. Strategic merge patches are the first choice; kinds without a strategy (custom
// resources answer 415) get the JSON merge form, which carries the resourceVersion it was computed
// from so a concurrent change makes it fail instead of being overwritten.
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';

/** Removes the references to ownerUids; metadata.uid makes it apply to this object only. */
export function deleteOwnerRefsStrategicPatch(dependentUid: string, ownerUids: readonly string[]): Record<string, unknown> {
  return { metadata: { ownerReferences: ownerUids.map((uid) => ({ $patch: 'delete', uid })), uid: dependentUid } };
}

/** The same as a merge patch: the whole list without ownerUids, at resourceVersion. */
export function deleteOwnerRefsMergePatch(
  live: { resourceVersion: string; ownerReferences: readonly OwnerReference[] }, ownerUids: readonly string[],
): Record<string, unknown> {
  const kept = live.ownerReferences.filter((r) => !ownerUids.includes(r.uid));
  return { metadata: { resourceVersion: live.resourceVersion, ownerReferences: kept.length === 0 ? null : kept } };
}

/** Sets blockOwnerDeletion: false on every reference of `owners` that blocks. */
export function unblockOwnerRefsStrategicPatch(uid: string, owners: readonly OwnerReference[]): Record<string, unknown> {
  const blocking = owners.filter((r) => r.blockOwnerDeletion === true).map((r) => ({ ...r, blockOwnerDeletion: false }));
  return { metadata: { ownerReferences: blocking, uid } };
}

export function unblockOwnerRefsMergePatch(resourceVersion: string, owners: readonly OwnerReference[]): Record<string, unknown> {
  return { metadata: { resourceVersion, ownerReferences: owners.map((r) => ({ ...r, blockOwnerDeletion: false })) } };
}

/**
 * The merge patch that removes finalizer f, or undefined when the object does not carry it. The
 * resourceVersion makes a concurrent finalizer change a conflict (retried on a fresh read).
 */
export function removeFinalizerPatch(live: { resourceVersion: string; finalizers: readonly string[] }, f: string): Record<string, unknown> | undefined {
  if (!live.finalizers.includes(f)) return undefined;
  const rest = live.finalizers.filter((x) => x !== f);
  return { metadata: { resourceVersion: live.resourceVersion, finalizers: rest.length === 0 ? null : rest } };
}
