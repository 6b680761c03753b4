// What the collector does with one item of its attemptToDelete queue (upstream's
// attemptToDeleteItem) and of its attemptToOrphan queue, as pure decisions. The attemptToDelete
// plan is staged like the upstream function: it asks for the live object first (`fetch`), then,
// only when it matters, for the live state of each owner (`classify`); the executor supplies what
// was asked and plans again, so no GET happens that upstream would not make.
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { KubeObject } from '../../kube/client/client.ts';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, hasFinalizer, type ObjectIdentity } from './identity.ts';

/** What the API server says of an object now (a GET). */
export interface LiveObject {
  uid: string;
  resourceVersion: string;
  ownerReferences: OwnerReference[];
  finalizers: string[];
  deleting: boolean;
}

export function liveOf(obj: KubeObject): LiveObject {
  const m = obj.metadata ?? {};
  return {
    uid: m.uid ?? '',
    resourceVersion: m.resourceVersion ?? '',
    ownerReferences: m.ownerReferences ?? [],
    finalizers: m.finalizers ?? [],
    deleting: m.deletionTimestamp !== undefined,
  };
}

/** The graph's view of a node that the planners read. */
export interface PlannerNode {
  identity: ObjectIdentity;
  virtual: boolean;
  beingDeleted: boolean;
  deletingDependents: boolean;
  owners: readonly OwnerReference[];
  dependents: Iterable<PlannerDependent>;
}

export interface PlannerDependent {
  identity: ObjectIdentity;
  deletingDependents: boolean;
  owners: readonly OwnerReference[];
}

/** An owner as a GET found it: absent (NotFound, or another object under its name) or present. */
export type OwnerLookup = 'absent' | LiveObject;

export type ReferenceClass = 'solid' | 'dangling' | 'waitingForDependentsDeletion';

/**
 * solid: the owner exists and is not deleting in foreground; dangling: it does not exist (or the
 * name now belongs to another uid); waitingForDependentsDeletion: it is being deleted with the
 * foregroundDeletion finalizer.
 */
export function classifyReference(ref: OwnerReference, lookup: OwnerLookup): ReferenceClass {
  if (lookup === 'absent' || lookup.uid !== ref.uid) return 'dangling';
  if (lookup.deleting && hasFinalizer(lookup.finalizers, FINALIZER_FOREGROUND)) return 'waitingForDependentsDeletion';
  return 'solid';
}

export interface ClassifiedReferences {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waiting: OwnerReference[];
}

export function classifyReferences(refs: readonly OwnerReference[], lookup: (ref: OwnerReference) => OwnerLookup): ClassifiedReferences {
  const out: ClassifiedReferences = { solid: [], dangling: [], waiting: [] };
  for (const ref of refs) {
    const c = classifyReference(ref, lookup(ref));
    if (c === 'dangling') out.dangling.push(ref);
    else if (c === 'waitingForDependentsDeletion') out.waiting.push(ref);
    else out.solid.push(ref);
  }
  return out;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export type DeletePlan =
  /** Nothing to do for this item now. */
  | { action: 'none'; reason: 'beingDeleted' | 'noOwners' | 'hasOwners' | 'waitingForDependents' }
  /** GET the item. */
  | { action: 'fetch' }
  /** GET each of these owners and plan again with the classification. */
  | { action: 'classify'; references: OwnerReference[] }
  /** The item does not exist (or its name has another uid): drop it from the graph. */
  | { action: 'virtualDelete' }
  /** Foreground deletion done: no blocking dependent is left. */
  | { action: 'removeFinalizer'; finalizer: typeof FINALIZER_FOREGROUND }
  /** Foreground deletion waits: these blocking dependents must go first. */
  | { action: 'attemptDependents'; uids: string[] }
  /** The item keeps a live owner: drop its references to owners that are gone or deleting in foreground. */
  | { action: 'removeOwnerReferences'; ownerUids: string[] }
  /** Collect the item. */
  | {
    action: 'delete';
    propagationPolicy: PropagationPolicy;
    preconditions: { uid: string; resourceVersion: string };
    /** The item's references at that resourceVersion (a conflict is retried when only the version moved). */
    ownerReferences: OwnerReference[];
    /** First clear blockOwnerDeletion on the item's references: a dependent deletes in foreground too, which could deadlock. */
    unblockFirst: boolean;
  };

export interface DeleteInput {
  node: PlannerNode;
  /** The GET of the item; undefined until fetched. 'absent' also covers a uid mismatch. */
  latest?: LiveObject | 'absent';
  /** The item's references classified; undefined until classified. */
  references?: ClassifiedReferences;
}

/** Upstream's processDeletingDependentsItem. */
export function planDeletingDependents(node: PlannerNode): DeletePlan {
  const blocking = blockingDependents(node);
  if (blocking.length === 0) return { action: 'removeFinalizer', finalizer: FINALIZER_FOREGROUND };
  // dependents that delete their own dependents first are on their way already
  const uids = blocking.filter((d) => !d.deletingDependents).map((d) => d.identity.uid);
  if (uids.length === 0) return { action: 'none', reason: 'waitingForDependents' };
  return { action: 'attemptDependents', uids };
}

export function blockingDependents(node: PlannerNode): PlannerDependent[] {
  const out: PlannerDependent[] = [];
  for (const dep of node.dependents) {
    if (dep.owners.some((r) => r.uid === node.identity.uid && r.blockOwnerDeletion === true)) out.push(dep);
  }
  return out;
}

/** Upstream's attemptToDeleteItem, one stage at a time. */
export function planAttemptToDelete(input: DeleteInput): DeletePlan {
  const { node } = input;
  // a deletion is a one-way trip: wait for it to finish, then the dependents are handled
  if (node.beingDeleted && !node.deletingDependents) return { action: 'none', reason: 'beingDeleted' };
  if (input.latest === undefined) return { action: 'fetch' };
  const latest = input.latest;
  if (latest === 'absent' || latest.uid !== node.identity.uid) return { action: 'virtualDelete' };
  if (node.deletingDependents) return planDeletingDependents(node);
  if (latest.ownerReferences.length === 0) return { action: 'none', reason: 'noOwners' };
  const refs = input.references;
  if (refs === undefined) return { action: 'classify', references: latest.ownerReferences };

  if (refs.solid.length > 0) {
    if (refs.dangling.length === 0 && refs.waiting.length === 0) return { action: 'none', reason: 'hasOwners' };
    // references to owners deleting in foreground go too, or those owners would wait for ever
    return { action: 'removeOwnerReferences', ownerUids: [...refs.dangling, ...refs.waiting].map((r) => r.uid) };
  }
  const preconditions = { uid: node.identity.uid, resourceVersion: latest.resourceVersion };
  const dependents = [...node.dependents];
  if (refs.waiting.length > 0 && dependents.length > 0) {
    // an owner waits for this item, which has dependents of its own: delete it in foreground too.
    // A dependent that is itself deleting in foreground may be a cycle: unblock our references first.
    return {
      action: 'delete', propagationPolicy: 'Foreground', preconditions, ownerReferences: latest.ownerReferences,
      unblockFirst: dependents.some((d) => d.deletingDependents),
    };
  }
  // no live owner: collect it, honouring a deletion policy it already carries as a finalizer
  let policy: PropagationPolicy = 'Background';
  if (hasFinalizer(latest.finalizers, FINALIZER_ORPHAN)) policy = 'Orphan';
  else if (hasFinalizer(latest.finalizers, FINALIZER_FOREGROUND)) policy = 'Foreground';
  return { action: 'delete', propagationPolicy: policy, preconditions, ownerReferences: latest.ownerReferences, unblockFirst: false };
}

export interface OrphanPlan {
  /** Dependents whose reference to the owner is removed (all of them, in parallel). */
  dependentUids: string[];
  /** Then this finalizer comes off the owner. */
  finalizer: typeof FINALIZER_ORPHAN;
}

/** Upstream's attemptToOrphanWorker: release every dependent, then let the owner go. */
export function planOrphan(owner: PlannerNode): OrphanPlan {
  return { dependentUids: [...owner.dependents].map((d) => d.identity.uid), finalizer: FINALIZER_ORPHAN };
}

/**
 * Where to look an owner up, seen from a dependent in `dependentNamespace`: a namespaced owner is
 * looked for in the dependent's namespace (an owner elsewhere is, by design, absent); a
 * cluster-scoped dependent cannot have a namespaced owner at all ('invalid': never collected).
 */
export function ownerLookupNamespace(ownerNamespaced: boolean, dependentNamespace: string): { namespace: string } | 'invalid' {
  if (!ownerNamespaced) return { namespace: '' };
  if (dependentNamespace === '') return 'invalid';
  return { namespace: dependentNamespace };
}
