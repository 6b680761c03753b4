// persistentVolumeClaimRetentionPolicy as 1.32 enforces it (StatefulSetAutoDeletePVC is GA): the
// controller expresses the policy only through controller ownerReferences on the claims, and the
// garbage collector does the deleting.
//   Retain / Retain (whenScaled / whenDeleted): no reference to the set or the pod
//   Retain / Delete: a reference to the set
//   Delete / Retain: a reference to the pod, once the pod is condemned by a scale-down
//   Delete / Delete: a reference to the set while the pod is in range, to the pod once condemned
// A claim that another controller owns, or whose reference names an older set or pod of the same
// name (a stale uid), is left alone; a stale pod reference under whenScaled=Delete blocks creating
// the replacement pod until the garbage collector has removed the claim.
import type { StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { newControllerRef } from '../framework/owners.ts';
import { claimsForPod, podInOrdinalRange } from './identity.ts';

export type RetentionPolicyType = 'Retain' | 'Delete';

export interface RetentionPolicy {
  whenDeleted: RetentionPolicyType;
  whenScaled: RetentionPolicyType;
}

/** The kind an owner reference must name to count as the set's or the pod's. */
interface OwnerIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

function setIdentity(set: StatefulSet): OwnerIdentity {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: set.metadata?.uid ?? '' };
}

function podIdentity(pod: Pod): OwnerIdentity {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}

/** getPersistentVolumeClaimRetentionPolicy: Retain/Retain when unset. */
export function retentionPolicy(set: StatefulSet): RetentionPolicy {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return {
    whenDeleted: p?.whenDeleted === 'Delete' ? 'Delete' : 'Retain',
    whenScaled: p?.whenScaled === 'Delete' ? 'Delete' : 'Retain',
  };
}

/** matchesRef: same group/version, kind and name (the uid aside). */
function matchesRef(ref: OwnerReference, owner: OwnerIdentity): boolean {
  return ref.apiVersion === owner.apiVersion && ref.kind === owner.kind && ref.name === owner.name;
}

function refsOf(claim: PersistentVolumeClaim): OwnerReference[] {
  return claim.metadata?.ownerReferences ?? [];
}

/** hasOwnerRef: any reference (controller or not) with owner's uid. */
function hasOwnerRef(claim: PersistentVolumeClaim, owner: OwnerIdentity): boolean {
  return refsOf(claim).some((r) => r.uid === owner.uid);
}

/** hasStaleOwnerRef: the first reference naming owner carries another uid. */
function hasStaleRef(claim: PersistentVolumeClaim, owner: OwnerIdentity): boolean {
  const ref = refsOf(claim).find((r) => matchesRef(r, owner));
  return ref !== undefined && ref.uid !== owner.uid;
}

/**
 * hasUnexpectedController: under a policy that deletes anything, a controller other than the set
 * or the pod (or a reference to an older set or pod of the same name) owns the claim.
 */
export function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const policy = retentionPolicy(set);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain') return false;
  const s = setIdentity(set);
  const p = podIdentity(pod);
  for (const ref of refsOf(claim)) {
    if (matchesRef(ref, s)) {
      if (ref.uid !== s.uid) return true;
      continue;
    }
    if (matchesRef(ref, p)) {
      if (ref.uid !== p.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

/** hasNonControllerOwner: the set or pod owns the claim without being its controller (a beta-era ref). */
function hasNonControllerOwner(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const setUid = set.metadata?.uid ?? '';
  const podUid = pod.metadata?.uid ?? '';
  return refsOf(claim).some((r) => (r.uid === setUid || r.uid === podUid) && r.controller !== true);
}

/** isClaimOwnerUpToDate: the claim's references already say what the policy wants. */
export function isClaimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const s = setIdentity(set);
  const p = podIdentity(pod);
  // owned by an earlier set or pod of the same name: not ours to touch
  if (hasStaleRef(claim, s) || hasStaleRef(claim, p)) return true;
  if (hasUnexpectedController(claim, set, pod)) {
    // our own references must go; otherwise leave the other controller be
    return !(hasOwnerRef(claim, s) || hasOwnerRef(claim, p));
  }
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const policy = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  const onSet = hasOwnerRef(claim, s);
  const onPod = hasOwnerRef(claim, p);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain') return !onSet && !onPod;
  if (policy.whenScaled === 'Retain') return onSet && !onPod;
  if (policy.whenDeleted === 'Retain') return !onSet && scaledDown === onPod;
  return scaledDown !== onSet && scaledDown === onPod;
}

/**
 * updateClaimOwnerRefForSetAndPod: the claim's references with the set's and pod's replaced by
 * what the policy wants (controller references), or only removed when another controller owns it.
 */
export function claimOwnerRefsFor(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): OwnerReference[] {
  const s = setIdentity(set);
  const p = podIdentity(pod);
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = refsOf(claim).filter((r) => !matchesRef(r, s) && !matchesRef(r, p)).map((r) => ({ ...r }));
  if (unexpected) return refs;
  const add = (owner: StatefulSet | Pod, apiVersion: string, kind: string): void => {
    if (refs.some((r) => r.uid === (owner.metadata?.uid ?? ''))) return;
    refs.push(newControllerRef(owner, apiVersion, kind));
  };
  const policy = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Delete') add(set, 'apps/v1', 'StatefulSet');
  else if (policy.whenScaled === 'Delete' && scaledDown) add(pod, 'v1', 'Pod');
  else if (policy.whenScaled === 'Delete' && policy.whenDeleted === 'Delete') add(set, 'apps/v1', 'StatefulSet');
  return refs;
}

/** Looks a claim up by name in the set's namespace (the claim lister, or what a sync has written). */
export type ClaimLookup = (name: string) => PersistentVolumeClaim | undefined;

/**
 * PodClaimIsStale: under whenScaled=Delete, an existing claim of pod that names an earlier pod of
 * the same name (including any pod, when pod has no uid yet) is waiting for the garbage collector.
 */
export function podClaimIsStale(set: StatefulSet, pod: Pod, lookup: ClaimLookup): boolean {
  if (retentionPolicy(set).whenScaled === 'Retain') return false;
  const p = podIdentity(pod);
  return claimsForPod(set, pod).some(({ claim }) => {
    const existing = lookup(claim.metadata?.name ?? '');
    return existing !== undefined && hasStaleRef(existing, p);
  });
}

/** ClaimsMatchRetentionPolicy: every existing claim of pod is up to date (missing ones are skipped). */
export function claimsMatchRetention(set: StatefulSet, pod: Pod, lookup: ClaimLookup): boolean {
  return claimsForPod(set, pod).every(({ claim }) => {
    const existing = lookup(claim.metadata?.name ?? '');
    return existing === undefined || isClaimOwnerUpToDate(existing, set, pod);
  });
}

export interface ClaimRetentionWork {
  /** Claims rewritten with their new ownerReferences (copies of the observed claims). */
  updates: PersistentVolumeClaim[];
  /** Claims another controller owns (a ConflictingController warning each). */
  conflicting: string[];
}

/** UpdatePodClaimForRetentionPolicy as data: which claims to rewrite, which to warn about. */
export function retentionWork(set: StatefulSet, pod: Pod, lookup: ClaimLookup): ClaimRetentionWork {
  const work: ClaimRetentionWork = { updates: [], conflicting: [] };
  for (const { claim } of claimsForPod(set, pod)) {
    const name = claim.metadata?.name ?? '';
    const existing = lookup(name);
    if (existing === undefined) continue;
    if (hasUnexpectedController(existing, set, pod)) work.conflicting.push(name);
    if (!isClaimOwnerUpToDate(existing, set, pod)) {
      const refs = claimOwnerRefsFor(existing, set, pod);
      const updated: PersistentVolumeClaim = { ...existing, metadata: { ...(existing.metadata ?? {}), ownerReferences: refs } };
      work.updates.push(updated);
    }
  }
  return work;
}
