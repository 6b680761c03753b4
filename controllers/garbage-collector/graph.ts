// The dependency graph (upstream's GraphBuilder): one node per uid seen in an informer or named
// by an ownerReference, with its owners (as the object lists them) and its dependents. Owners not
// (yet) observed are "virtual" nodes, known only by the coordinates a dependent gave; they are
// handed to attemptToDelete so a GET can confirm them or drop them. Informer events and the
// collector's own "virtual delete" events go through `process` one at a time; what needs work is
// told to the sink (the two queues and the event recorder), never done here.
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { KubeObject } from '../../kube/client/client.ts';
import type { AbsentOwnerCache } from './absent-owner-cache.ts';
import {
  FINALIZER_FOREGROUND, FINALIZER_ORPHAN, hasFinalizer, identityLess, identityOfRef, refMatchesCoordinates, sameIdentity,
  type ObjectIdentity,
} from './identity.ts';

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[] = [];
  beingDeleted = false;
  /** Being deleted with the foregroundDeletion finalizer: waits for blocking dependents. */
  deletingDependents = false;

  constructor(public identity: ObjectIdentity, public virtual: boolean) {}

  /** Dependents whose reference to this node has blockOwnerDeletion: true. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      if (dep.owners.some((r) => r.uid === this.identity.uid && r.blockOwnerDeletion === true)) out.push(dep);
    }
    return out;
  }
}

export interface GraphSink {
  /** Queue n for attemptToDelete (no back-off). */
  attemptToDelete(n: GraphNode): void;
  /** Queue n for attemptToDelete after its back-off. */
  attemptToDeleteLater(n: GraphNode): void;
  attemptToOrphan(n: GraphNode): void;
  /** A dependent names a namespaced owner that lives in another namespace (OwnerRefInvalidNamespace). */
  invalidOwnerNamespace(dependent: ObjectIdentity, owner: ObjectIdentity): void;
}

export interface GraphEvent {
  type: 'add' | 'update' | 'delete';
  obj: KubeObject;
  /** The previous state on updates. */
  old?: KubeObject;
  /** apiVersion and kind of the informer's resource (objects from a list may lack them). */
  apiVersion: string;
  kind: string;
}

function beingDeleted(obj: KubeObject | undefined): boolean {
  return obj?.metadata?.deletionTimestamp !== undefined;
}

function sameRef(a: OwnerReference, b: OwnerReference): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.uid === b.uid
    && a.controller === b.controller && a.blockOwnerDeletion === b.blockOwnerDeletion;
}

interface RefDiff {
  added: OwnerReference[];
  removed: OwnerReference[];
  changed: { oldRef: OwnerReference; newRef: OwnerReference }[];
}

/** Owner references added, removed and changed (by uid) between two versions of an object. */
export function referencesDiff(oldRefs: readonly OwnerReference[], newRefs: readonly OwnerReference[]): RefDiff {
  const old = new Map(oldRefs.map((r) => [r.uid, r]));
  const out: RefDiff = { added: [], removed: [], changed: [] };
  for (const r of newRefs) {
    const prev = old.get(r.uid);
    if (prev === undefined) {
      out.added.push(r);
      continue;
    }
    if (!sameRef(prev, r)) out.changed.push({ oldRef: prev, newRef: r });
    old.delete(r.uid);
  }
  out.removed = [...old.values()];
  return out;
}

/** The object's deletion just began with (or just gained) finalizer f. */
export function deletionStartsWithFinalizer(old: KubeObject | undefined, obj: KubeObject, f: string): boolean {
  if (!beingDeleted(obj) || !hasFinalizer(obj.metadata?.finalizers, f)) return false;
  if (old === undefined) return true;
  return !beingDeleted(old) || !hasFinalizer(old.metadata?.finalizers, f);
}

/**
 * Dependents whose reference to `owner`'s uid matches all of its coordinates, and those with a
 * reference that does not (or that live in another namespace than a namespaced owner). A
 * dependent can be in both lists.
 */
export function partitionDependents(deps: readonly GraphNode[], owner: ObjectIdentity): { matching: GraphNode[]; nonmatching: GraphNode[] } {
  const matching: GraphNode[] = [];
  const nonmatching: GraphNode[] = [];
  const namespaced = owner.namespace !== '';
  for (const dep of deps) {
    let match = false;
    let mismatch = false;
    if (namespaced && owner.namespace !== dep.identity.namespace) {
      mismatch = true;
    } else {
      for (const ref of dep.owners) {
        if (ref.uid !== owner.uid) continue;
        if (refMatchesCoordinates(ref, owner)) match = true;
        else mismatch = true;
      }
    }
    if (match) matching.push(dep);
    if (mismatch) nonmatching.push(dep);
  }
  return { matching, nonmatching };
}

/**
 * Another identity dependents give the uid of an owner confirmed absent under `absent`: the first
 * that sorts after it, else the first of all; undefined when there is none.
 */
export function alternateOwnerIdentity(deps: readonly GraphNode[], absent: ObjectIdentity): ObjectIdentity | undefined {
  const clusterScoped = absent.namespace === '';
  const seen: ObjectIdentity[] = [absent];
  let first: ObjectIdentity | undefined;
  let firstFollowing: ObjectIdentity | undefined;
  for (const dep of deps) {
    for (const ref of dep.owners) {
      if (ref.uid !== absent.uid) continue;
      if (refMatchesCoordinates(ref, absent) && (clusterScoped || absent.namespace === dep.identity.namespace)) continue;
      const alt = identityOfRef(ref, dep.identity.namespace);
      // this apiVersion/kind is known to be cluster-scoped: the dependent's namespace is no part of it
      if (clusterScoped && alt.apiVersion === absent.apiVersion && alt.kind === absent.kind) alt.namespace = '';
      if (seen.some((s) => sameIdentity(s, alt))) continue;
      seen.push(alt);
      if (first === undefined || identityLess(alt, first)) first = alt;
      if (identityLess(absent, alt) && (firstFollowing === undefined || identityLess(alt, firstFollowing))) firstFollowing = alt;
    }
  }
  return firstFollowing ?? first;
}

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();

  constructor(private readonly sink: GraphSink, private readonly absent: AbsentOwnerCache) {}

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** An informer event. */
  process(ev: GraphEvent): void {
    const m = ev.obj.metadata ?? {};
    const uid = m.uid ?? '';
    if (uid === '') return;
    const observed: ObjectIdentity = { apiVersion: ev.apiVersion, kind: ev.kind, name: m.name ?? '', uid, namespace: m.namespace ?? '' };
    const existing = this.nodes.get(uid);
    // any informer event (a delete too) proves a virtual node real
    if (existing?.virtual === true) this.observe(existing, observed);
    if (ev.type === 'delete') {
      if (existing === undefined) return;
      this.removeAndNotify(existing, observed);
      return;
    }
    const owners = m.ownerReferences ?? [];
    if (existing === undefined) {
      const n = new GraphNode(observed, false);
      n.owners = [...owners];
      n.beingDeleted = beingDeleted(ev.obj);
      n.deletingDependents = n.beingDeleted && hasFinalizer(m.finalizers, FINALIZER_FOREGROUND);
      this.nodes.set(uid, n);
      this.addDependentToOwners(n, n.owners);
      // one event may stand for a creation and a deletion at once
      this.processTransitions(ev.old, ev.obj, n);
      return;
    }
    if (existing.identity.apiVersion !== ev.apiVersion || existing.identity.kind !== ev.kind) {
      existing.identity = { ...existing.identity, apiVersion: ev.apiVersion, kind: ev.kind };
    }
    const diff = referencesDiff(existing.owners, owners);
    if (diff.added.length > 0 || diff.removed.length > 0 || diff.changed.length > 0) {
      // an owner waiting in foreground for this dependent may be free now
      this.addUnblockedOwners(diff);
      existing.owners = [...owners];
      this.addDependentToOwners(existing, diff.added);
      this.removeDependentFromOwners(existing, diff.removed);
    }
    if (beingDeleted(ev.obj)) existing.beingDeleted = true;
    this.processTransitions(ev.old, ev.obj, existing);
  }

  /**
   * The API server said the object `id` names does not exist (NotFound or another uid): drop the
   * node, unless dependents know it by other coordinates that are still unverified.
   */
  virtualDelete(id: ObjectIdentity): void {
    const existing = this.nodes.get(id.uid);
    if (existing === undefined) return;
    if (existing.virtual) {
      const { matching, nonmatching } = partitionDependents([...existing.dependents], id);
      if (nonmatching.length > 0) {
        // dependents disagree on who this owner is: keep the node for the other identities
        if (matching.length > 0) {
          this.absent.add(id);
          for (const dep of matching) this.sink.attemptToDelete(dep);
        }
        if (sameIdentity(existing.identity, id)) {
          const alt = alternateOwnerIdentity(nonmatching, id);
          if (alt !== undefined) {
            existing.identity = alt;
            this.sink.attemptToDeleteLater(existing);
          }
        }
        return;
      }
    } else if (!sameIdentity(existing.identity, id)) {
      // the observed object is fine; only references under the wrong coordinates are dangling
      const { matching } = partitionDependents([...existing.dependents], id);
      if (matching.length > 0) {
        this.absent.add(id);
        for (const dep of matching) this.sink.attemptToDelete(dep);
      }
      return;
    }
    this.removeAndNotify(existing, id);
  }

  /** A virtual node seen by an informer: it takes the observed identity. */
  private observe(existing: GraphNode, observed: ObjectIdentity): void {
    if (!sameIdentity(observed, existing.identity)) {
      const { nonmatching } = partitionDependents([...existing.dependents], observed);
      for (const dep of nonmatching) {
        if (observed.namespace !== '' && dep.identity.namespace !== observed.namespace) this.reportInvalidNamespace(dep, observed.uid);
        this.sink.attemptToDelete(dep);
      }
      existing.identity = observed;
    }
    existing.virtual = false;
  }

  private removeAndNotify(n: GraphNode, deleted: ObjectIdentity): void {
    this.nodes.delete(n.identity.uid);
    this.removeDependentFromOwners(n, n.owners);
    if (n.dependents.size > 0) this.absent.add(deleted);
    for (const dep of n.dependents) this.sink.attemptToDelete(dep);
    for (const ref of n.owners) {
      const owner = this.nodes.get(ref.uid);
      // an owner deleting in foreground may have been waiting for this one
      if (owner?.deletingDependents === true) this.sink.attemptToDelete(owner);
    }
  }

  private addDependentToOwners(n: GraphNode, owners: readonly OwnerReference[]): void {
    let potentiallyInvalid = false;
    for (const ref of owners) {
      let owner = this.nodes.get(ref.uid);
      const found = owner !== undefined;
      if (owner === undefined) {
        owner = new GraphNode(identityOfRef(ref, n.identity.namespace), true);
        this.nodes.set(ref.uid, owner);
      }
      owner.dependents.add(n);
      if (!found) {
        // a GET will confirm this owner or drop it
        this.sink.attemptToDelete(owner);
        continue;
      }
      if (potentiallyInvalid) continue;
      const ownerNamespaced = owner.identity.namespace !== '';
      if (ownerNamespaced && owner.identity.namespace !== n.identity.namespace) {
        if (!owner.virtual) this.reportInvalidNamespace(n, ref.uid);
        potentiallyInvalid = true;
      } else if (!refMatchesCoordinates(ref, owner.identity)) {
        potentiallyInvalid = true;
      } else if (!ownerNamespaced && owner.identity.namespace !== n.identity.namespace && owner.virtual) {
        // a virtual owner first named by a cluster-scoped object may be a namespaced kind it cannot own
        potentiallyInvalid = true;
      }
    }
    if (potentiallyInvalid) this.sink.attemptToDelete(n);
  }

  private removeDependentFromOwners(n: GraphNode, owners: readonly OwnerReference[]): void {
    for (const ref of owners) this.nodes.get(ref.uid)?.dependents.delete(n);
  }

  private addUnblockedOwners(diff: RefDiff): void {
    for (const ref of diff.removed) {
      if (ref.blockOwnerDeletion !== true) continue;
      const owner = this.nodes.get(ref.uid);
      if (owner !== undefined) this.sink.attemptToDelete(owner);
    }
    for (const { oldRef, newRef } of diff.changed) {
      if (oldRef.blockOwnerDeletion !== true || newRef.blockOwnerDeletion === true) continue;
      const owner = this.nodes.get(newRef.uid);
      if (owner !== undefined) this.sink.attemptToDelete(owner);
    }
  }

  private processTransitions(old: KubeObject | undefined, obj: KubeObject, n: GraphNode): void {
    if (deletionStartsWithFinalizer(old, obj, FINALIZER_ORPHAN)) {
      this.sink.attemptToOrphan(n);
      return;
    }
    if (deletionStartsWithFinalizer(old, obj, FINALIZER_FOREGROUND)) {
      n.deletingDependents = true;
      for (const dep of n.dependents) this.sink.attemptToDelete(dep);
      this.sink.attemptToDelete(n);
    }
  }

  private reportInvalidNamespace(n: GraphNode, ownerUid: string): void {
    const ref = n.owners.find((r) => r.uid === ownerUid);
    if (ref === undefined) return;
    this.sink.invalidOwnerNamespace(n.identity, identityOfRef(ref, n.identity.namespace));
  }
}
