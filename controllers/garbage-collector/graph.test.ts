import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/client/client.ts';
import { AbsentOwnerCache } from './absent-owner-cache.ts';
import {
  alternateOwnerIdentity, DependencyGraph, deletionStartsWithFinalizer, GraphNode, partitionDependents, referencesDiff, type GraphSink,
} from './graph.ts';
import type { ObjectIdentity } from './identity.ts';

function ref(uid: string, o: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: `cm-${uid}`, uid, ...o };
}

function cm(uid: string, meta: Partial<ObjectMeta> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${uid}`, namespace: 'ns', uid, ...meta } };
}

function id(uid: string, o: Partial<ObjectIdentity> = {}): ObjectIdentity {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: `cm-${uid}`, uid, namespace: 'ns', ...o };
}

interface Recorded {
  toDelete: string[];
  later: string[];
  toOrphan: string[];
  invalid: { dependent: ObjectIdentity; owner: ObjectIdentity }[];
}

let rec: Recorded;
let absent: AbsentOwnerCache;
let graph: DependencyGraph;

function drain(): Recorded {
  const out = rec;
  rec = { toDelete: [], later: [], toOrphan: [], invalid: [] };
  return out;
}

beforeEach(() => {
  rec = { toDelete: [], later: [], toOrphan: [], invalid: [] };
  const sink: GraphSink = {
    attemptToDelete: (n) => rec.toDelete.push(n.identity.uid),
    attemptToDeleteLater: (n) => rec.later.push(n.identity.uid),
    attemptToOrphan: (n) => rec.toOrphan.push(n.identity.uid),
    invalidOwnerNamespace: (dependent, owner) => rec.invalid.push({ dependent, owner }),
  };
  absent = new AbsentOwnerCache();
  graph = new DependencyGraph(sink, absent);
});

const add = (obj: KubeObject, kind = 'ConfigMap', apiVersion = 'v1'): void => { graph.process({ type: 'add', obj, apiVersion, kind }); };
const update = (old: KubeObject, obj: KubeObject): void => { graph.process({ type: 'update', obj, old, apiVersion: 'v1', kind: 'ConfigMap' }); };
const remove = (obj: KubeObject): void => { graph.process({ type: 'delete', obj, apiVersion: 'v1', kind: 'ConfigMap' }); };

describe('DependencyGraph: building', () => {
  it('an unseen owner becomes a virtual node and is queued for verification', () => {
    add(cm('d', { ownerReferences: [ref('o')] }));
    const o = graph.get('o');
    expect(o?.virtual).toBe(true);
    expect(o?.identity).toEqual(id('o'));
    expect([...(o?.dependents ?? [])].map((n) => n.identity.uid)).toEqual(['d']);
    expect(drain().toDelete).toEqual(['o']);
  });

  it('observing the owner makes the virtual node real without queueing anything', () => {
    add(cm('d', { ownerReferences: [ref('o')] }));
    drain();
    add(cm('o'));
    expect(graph.get('o')?.virtual).toBe(false);
    expect(drain()).toEqual({ toDelete: [], later: [], toOrphan: [], invalid: [] });
  });

  it('an owner seen first is linked to later dependents', () => {
    add(cm('o'));
    add(cm('d', { ownerReferences: [ref('o')] }));
    expect([...(graph.get('o')?.dependents ?? [])].map((n) => n.identity.uid)).toEqual(['d']);
    expect(drain().toDelete).toEqual([]);
  });

  it('a dependent whose reference disagrees with the observed owner is checked', () => {
    add(cm('o'));
    add(cm('d', { ownerReferences: [ref('o', { name: 'not-the-name' })] }));
    expect(drain().toDelete).toEqual(['d']);
  });

  it('a namespaced owner referenced from another namespace: OwnerRefInvalidNamespace, and the dependent is checked', () => {
    add(cm('o', { namespace: 'a' }));
    add(cm('d', { namespace: 'b', ownerReferences: [ref('o')] }));
    const r = drain();
    expect(r.toDelete).toEqual(['d']);
    expect(r.invalid).toEqual([{ dependent: id('d', { namespace: 'b' }), owner: id('o', { namespace: 'b' }) }]);
  });

  it('the owner observed after a dependent in another namespace: the event, and the dependent is checked', () => {
    add(cm('d', { namespace: 'b', ownerReferences: [ref('o')] }));
    drain();
    add(cm('o', { namespace: 'a' }));
    const r = drain();
    expect(r.toDelete).toEqual(['d']);
    expect(r.invalid).toEqual([{ dependent: id('d', { namespace: 'b' }), owner: id('o', { namespace: 'b' }) }]);
    expect(graph.get('o')?.identity).toEqual(id('o', { namespace: 'a' }));
  });

  it('a cluster-scoped dependent of a namespaced owner also gets the event', () => {
    add({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv', uid: 'pv', ownerReferences: [ref('o')] } }, 'PersistentVolume');
    drain();
    add(cm('o', { namespace: 'a' }));
    const r = drain();
    expect(r.invalid).toEqual([{ dependent: { apiVersion: 'v1', kind: 'PersistentVolume', name: 'pv', uid: 'pv', namespace: '' }, owner: id('o', { namespace: '' }) }]);
    expect(r.toDelete).toEqual(['pv']);
  });

  it('cluster-scoped owners may own objects in any namespace', () => {
    add({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n1' } }, 'Node');
    add(cm('d', { namespace: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'n1' }] }));
    expect(drain()).toEqual({ toDelete: [], later: [], toOrphan: [], invalid: [] });
  });

  it('changed references move the dependent between owners', () => {
    add(cm('a'));
    add(cm('b'));
    const v1 = cm('d', { ownerReferences: [ref('a')] });
    add(v1);
    update(v1, cm('d', { ownerReferences: [ref('b')] }));
    expect(graph.get('a')?.dependents.size).toBe(0);
    expect([...(graph.get('b')?.dependents ?? [])].map((n) => n.identity.uid)).toEqual(['d']);
  });

  it('removing a blocking reference (or unblocking it) queues the owner', () => {
    add(cm('a'));
    add(cm('b'));
    const v1 = cm('d', { ownerReferences: [ref('a', { blockOwnerDeletion: true }), ref('b', { blockOwnerDeletion: true })] });
    add(v1);
    drain();
    const v2 = cm('d', { ownerReferences: [ref('b', { blockOwnerDeletion: false })] });
    update(v1, v2);
    expect(drain().toDelete.sort()).toEqual(['a', 'b']);
    // a non-blocking reference removed frees nobody
    update(v2, cm('d'));
    expect(drain().toDelete).toEqual([]);
  });

  it('a deletion with the orphan finalizer queues the owner for orphaning, once', () => {
    const v1 = cm('o');
    add(v1);
    const v2 = cm('o', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] });
    update(v1, v2);
    expect(drain().toOrphan).toEqual(['o']);
    update(v2, cm('o', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'], labels: { x: 'y' } }));
    expect(drain().toOrphan).toEqual([]);
    expect(graph.get('o')?.beingDeleted).toBe(true);
  });

  it('a deletion in foreground marks the owner and queues it with its dependents', () => {
    const v1 = cm('o');
    add(v1);
    add(cm('d1', { ownerReferences: [ref('o')] }));
    add(cm('d2', { ownerReferences: [ref('o', { blockOwnerDeletion: true })] }));
    drain();
    update(v1, cm('o', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }));
    expect(graph.get('o')?.deletingDependents).toBe(true);
    expect(drain().toDelete.sort()).toEqual(['d1', 'd2', 'o']);
  });

  it('an object first seen already deleting in foreground is marked and queued', () => {
    add(cm('o', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }));
    expect(graph.get('o')?.deletingDependents).toBe(true);
    expect(drain().toDelete).toEqual(['o']);
  });
});

describe('DependencyGraph: deletion', () => {
  it('a deleted owner queues its dependents and is remembered as absent', () => {
    const o = cm('o');
    add(o);
    add(cm('d1', { ownerReferences: [ref('o')] }));
    add(cm('d2', { ownerReferences: [ref('o')] }));
    drain();
    remove(o);
    expect(graph.get('o')).toBeUndefined();
    expect(drain().toDelete.sort()).toEqual(['d1', 'd2']);
    expect(absent.has(id('o'))).toBe(true);
  });

  it('a deleted dependent queues an owner deleting in foreground', () => {
    add(cm('o', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }));
    const d = cm('d', { ownerReferences: [ref('o', { blockOwnerDeletion: true })] });
    add(d);
    drain();
    remove(d);
    expect(drain().toDelete).toEqual(['o']);
    expect(graph.get('o')?.dependents.size).toBe(0);
  });

  it('a virtual delete drops a virtual owner and queues its dependents', () => {
    add(cm('d', { ownerReferences: [ref('o')] }));
    drain();
    graph.virtualDelete(id('o'));
    expect(graph.get('o')).toBeUndefined();
    expect(drain().toDelete).toEqual(['d']);
    expect(absent.has(id('o'))).toBe(true);
  });

  it('a virtual delete keeps a virtual owner that other dependents know by other coordinates', () => {
    add(cm('d1', { ownerReferences: [ref('o')] }));
    add(cm('d2', { ownerReferences: [ref('o', { kind: 'Secret', name: 's' })] }));
    drain();
    graph.virtualDelete(id('o'));
    const n = graph.get('o');
    expect(n?.identity).toEqual(id('o', { kind: 'Secret', name: 's' }));
    const r = drain();
    expect(r.toDelete).toEqual(['d1']);
    expect(r.later).toEqual(['o']);
    expect(absent.has(id('o'))).toBe(true);
  });

  it('a virtual delete under other coordinates leaves an observed node alone but frees matching dependents', () => {
    add(cm('o'));
    add(cm('d', { ownerReferences: [ref('o', { kind: 'Secret', name: 's' })] }));
    drain();
    graph.virtualDelete(id('o', { kind: 'Secret', name: 's' }));
    expect(graph.get('o')?.virtual).toBe(false);
    expect(drain().toDelete).toEqual(['d']);
  });

  it('an informer delete of a node never seen is ignored', () => {
    remove(cm('x'));
    expect(graph.size).toBe(0);
  });
});

describe('graph helpers', () => {
  it('referencesDiff by uid', () => {
    const d = referencesDiff([ref('a'), ref('b', { blockOwnerDeletion: true }), ref('c')], [ref('b'), ref('c'), ref('d')]);
    expect(d.added.map((r) => r.uid)).toEqual(['d']);
    expect(d.removed.map((r) => r.uid)).toEqual(['a']);
    expect(d.changed.map((c) => c.newRef.uid)).toEqual(['b']);
  });

  it('deletionStartsWithFinalizer', () => {
    const deleting = cm('o', { deletionTimestamp: 't', finalizers: ['orphan'] });
    expect(deletionStartsWithFinalizer(undefined, deleting, 'orphan')).toBe(true);
    expect(deletionStartsWithFinalizer(cm('o'), deleting, 'orphan')).toBe(true);
    expect(deletionStartsWithFinalizer(cm('o', { deletionTimestamp: 't' }), deleting, 'orphan')).toBe(true);
    expect(deletionStartsWithFinalizer(deleting, deleting, 'orphan')).toBe(false);
    expect(deletionStartsWithFinalizer(undefined, cm('o', { finalizers: ['orphan'] }), 'orphan')).toBe(false);
    expect(deletionStartsWithFinalizer(undefined, deleting, 'foregroundDeletion')).toBe(false);
  });

  it('partitionDependents and alternateOwnerIdentity', () => {
    const mk = (uid: string, ns: string, owners: OwnerReference[]): GraphNode => {
      const n = new GraphNode(id(uid, { namespace: ns }), false);
      n.owners = owners;
      return n;
    };
    const same = mk('d1', 'ns', [ref('o')]);
    const otherName = mk('d2', 'ns', [ref('o', { name: 'zzz' })]);
    const otherNs = mk('d3', 'elsewhere', [ref('o')]);
    const { matching, nonmatching } = partitionDependents([same, otherName, otherNs], id('o'));
    expect(matching.map((n) => n.identity.uid)).toEqual(['d1']);
    expect(nonmatching.map((n) => n.identity.uid)).toEqual(['d2', 'd3']);
    // alternates sort by kind, apiVersion, namespace, name: "ns"/"zzz" is the first after "ns"/"cm-o"
    expect(alternateOwnerIdentity([same, otherName, otherNs], id('o'))).toEqual(id('o', { name: 'zzz' }));
    expect(alternateOwnerIdentity([same], id('o'))).toBeUndefined();
  });

  it('the absent-owner cache forgets the least recently used', () => {
    const c = new AbsentOwnerCache(2);
    c.add(id('a'));
    c.add(id('b'));
    expect(c.has(id('a'))).toBe(true);
    c.add(id('c'));
    expect(c.has(id('b'))).toBe(false);
    expect(c.has(id('a'))).toBe(true);
    expect(c.has(id('c'))).toBe(true);
    expect(c.size).toBe(2);
  });
});
