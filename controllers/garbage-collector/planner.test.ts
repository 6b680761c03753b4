import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { describe, expect, it } from 'vitest';
import {
  classifyReference, classifyReferences, liveOf, ownerLookupNamespace, planAttemptToDelete, planOrphan,
  type ClassifiedReferences, type DeleteInput, type DeletePlan, type LiveObject, type OwnerLookup, type PlannerDependent, type PlannerNode,
} from './planner.ts';

function ref(uid: string, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: `owner-${uid}`, uid, ...extra };
}

function dep(uid: string, owners: OwnerReference[], deletingDependents = false): PlannerDependent {
  return { identity: { apiVersion: 'v1', kind: 'ConfigMap', name: `dep-${uid}`, uid, namespace: 'ns' }, owners, deletingDependents };
}

function node(o: Partial<Omit<PlannerNode, 'identity'>> = {}): PlannerNode {
  return {
    identity: { apiVersion: 'v1', kind: 'ConfigMap', name: 'item', uid: 'item-uid', namespace: 'ns' },
    virtual: false, beingDeleted: false, deletingDependents: false, owners: [], dependents: [], ...o,
  };
}

function live(o: Partial<LiveObject> = {}): LiveObject {
  return { uid: 'item-uid', resourceVersion: '7', ownerReferences: [], finalizers: [], deleting: false, ...o };
}

const none: ClassifiedReferences = { solid: [], dangling: [], waiting: [] };

describe('classifyReference', () => {
  const cases: [string, OwnerLookup, string][] = [
    ['owner not found', 'absent', 'dangling'],
    ['name taken by another uid', live({ uid: 'other' }), 'dangling'],
    ['owner present', live({ uid: 'o1' }), 'solid'],
    ['owner deleting without finalizers', live({ uid: 'o1', deleting: true }), 'solid'],
    ['owner deleting with orphan', live({ uid: 'o1', deleting: true, finalizers: ['orphan'] }), 'solid'],
    ['owner with foregroundDeletion, not yet deleting', live({ uid: 'o1', finalizers: ['foregroundDeletion'] }), 'solid'],
    ['owner deleting in foreground', live({ uid: 'o1', deleting: true, finalizers: ['foregroundDeletion'] }), 'waitingForDependentsDeletion'],
  ];
  it.each(cases)('%s', (_name, lookup, want) => {
    expect(classifyReference(ref('o1'), lookup)).toBe(want);
  });

  it('sorts references into the three lists in their order', () => {
    const refs = [ref('a'), ref('b'), ref('c'), ref('d')];
    const lookups: Record<string, OwnerLookup> = {
      a: 'absent', b: live({ uid: 'b' }), c: live({ uid: 'c', deleting: true, finalizers: ['foregroundDeletion'] }), d: 'absent',
    };
    const out = classifyReferences(refs, (r) => lookups[r.uid] ?? 'absent');
    expect(out.dangling.map((r) => r.uid)).toEqual(['a', 'd']);
    expect(out.solid.map((r) => r.uid)).toEqual(['b']);
    expect(out.waiting.map((r) => r.uid)).toEqual(['c']);
  });
});

describe('planAttemptToDelete', () => {
  const blocking = (uid: string, deleting = false): PlannerDependent => dep(uid, [ref('item-uid', { blockOwnerDeletion: true })], deleting);
  const nonBlocking = (uid: string): PlannerDependent => dep(uid, [ref('item-uid')]);
  const preconditions = { uid: 'item-uid', resourceVersion: '7' };

  const cases: [string, DeleteInput, DeletePlan][] = [
    ['an item being deleted (not in foreground) waits for its deletion', { node: node({ beingDeleted: true }) }, { action: 'none', reason: 'beingDeleted' }],
    ['first the live object is read', { node: node() }, { action: 'fetch' }],
    ['a foreground item is read too', { node: node({ beingDeleted: true, deletingDependents: true }) }, { action: 'fetch' }],
    ['an item not found leaves the graph', { node: node(), latest: 'absent' }, { action: 'virtualDelete' }],
    ['an item whose name has another uid leaves the graph', { node: node(), latest: live({ uid: 'other' }) }, { action: 'virtualDelete' }],
    ['an item without owners stays', { node: node(), latest: live() }, { action: 'none', reason: 'noOwners' }],
    ['owners are looked up when the item has references', { node: node(), latest: live({ ownerReferences: [ref('a'), ref('b')] }) },
      { action: 'classify', references: [ref('a'), ref('b')] }],
    ['an item with a live owner stays', { node: node(), latest: live({ ownerReferences: [ref('a')] }), references: { ...none, solid: [ref('a')] } },
      { action: 'none', reason: 'hasOwners' }],
    ['a live owner and a dangling one: the dangling reference is removed',
      { node: node(), latest: live({ ownerReferences: [ref('a'), ref('b')] }), references: { ...none, solid: [ref('a')], dangling: [ref('b')] } },
      { action: 'removeOwnerReferences', ownerUids: ['b'] }],
    ['a live owner and one deleting in foreground: that reference goes too',
      { node: node(), latest: live({ ownerReferences: [ref('a'), ref('b'), ref('c')] }), references: { solid: [ref('a')], dangling: [ref('c')], waiting: [ref('b')] } },
      { action: 'removeOwnerReferences', ownerUids: ['c', 'b'] }],
    ['all owners gone: deleted in background', { node: node(), latest: live({ ownerReferences: [ref('a')] }), references: { ...none, dangling: [ref('a')] } },
      { action: 'delete', propagationPolicy: 'Background', preconditions, ownerReferences: [ref('a')], unblockFirst: false }],
    ['all owners gone, item carries orphan: deleted with Orphan',
      { node: node(), latest: live({ ownerReferences: [ref('a')], finalizers: ['orphan'] }), references: { ...none, dangling: [ref('a')] } },
      { action: 'delete', propagationPolicy: 'Orphan', preconditions, ownerReferences: [ref('a')], unblockFirst: false }],
    ['all owners gone, item carries foregroundDeletion: deleted with Foreground',
      { node: node(), latest: live({ ownerReferences: [ref('a')], finalizers: ['foregroundDeletion'] }), references: { ...none, dangling: [ref('a')] } },
      { action: 'delete', propagationPolicy: 'Foreground', preconditions, ownerReferences: [ref('a')], unblockFirst: false }],
    ['owner deleting in foreground, item without dependents: background',
      { node: node(), latest: live({ ownerReferences: [ref('a')] }), references: { ...none, waiting: [ref('a')] } },
      { action: 'delete', propagationPolicy: 'Background', preconditions, ownerReferences: [ref('a')], unblockFirst: false }],
    ['owner deleting in foreground, item with dependents: foreground',
      { node: node({ dependents: [nonBlocking('d1')] }), latest: live({ ownerReferences: [ref('a')] }), references: { ...none, waiting: [ref('a')] } },
      { action: 'delete', propagationPolicy: 'Foreground', preconditions, ownerReferences: [ref('a')], unblockFirst: false }],
    ['owner deleting in foreground, a dependent too (possible cycle): unblock first',
      { node: node({ dependents: [nonBlocking('d1'), blocking('d2', true)] }), latest: live({ ownerReferences: [ref('a')] }), references: { ...none, waiting: [ref('a')] } },
      { action: 'delete', propagationPolicy: 'Foreground', preconditions, ownerReferences: [ref('a')], unblockFirst: true }],
    ['foreground: no blocking dependent left removes the finalizer',
      { node: node({ beingDeleted: true, deletingDependents: true, dependents: [nonBlocking('d1')] }), latest: live({ deleting: true, finalizers: ['foregroundDeletion'] }) },
      { action: 'removeFinalizer', finalizer: 'foregroundDeletion' }],
    ['foreground: no dependents at all removes the finalizer',
      { node: node({ beingDeleted: true, deletingDependents: true }), latest: live({ deleting: true, finalizers: ['foregroundDeletion'] }) },
      { action: 'removeFinalizer', finalizer: 'foregroundDeletion' }],
    ['foreground: blocking dependents are attempted (not those deleting in foreground themselves)',
      { node: node({ deletingDependents: true, beingDeleted: true, dependents: [blocking('d1'), blocking('d2', true), nonBlocking('d3'), blocking('d4')] }), latest: live() },
      { action: 'attemptDependents', uids: ['d1', 'd4'] }],
    ['foreground: a blocking dependent deleting in foreground still blocks',
      { node: node({ deletingDependents: true, beingDeleted: true, dependents: [blocking('d2', true)] }), latest: live() },
      { action: 'none', reason: 'waitingForDependents' }],
    ['foreground: a gone item leaves the graph before anything else',
      { node: node({ deletingDependents: true, beingDeleted: true, dependents: [blocking('d1')] }), latest: 'absent' },
      { action: 'virtualDelete' }],
  ];
  it.each(cases)('%s', (_name, input, want) => {
    expect(planAttemptToDelete(input)).toEqual(want);
  });
});

describe('planOrphan', () => {
  it('releases every dependent, then removes the orphan finalizer', () => {
    const plan = planOrphan(node({ dependents: [dep('d1', [ref('item-uid')]), dep('d2', [ref('item-uid'), ref('x')])] }));
    expect(plan).toEqual({ dependentUids: ['d1', 'd2'], finalizer: 'orphan' });
  });
  it('an owner without dependents only loses its finalizer', () => {
    expect(planOrphan(node())).toEqual({ dependentUids: [], finalizer: 'orphan' });
  });
});

describe('ownerLookupNamespace', () => {
  const cases: [string, boolean, string, ReturnType<typeof ownerLookupNamespace>][] = [
    ['namespaced owner of a namespaced dependent: the dependent\'s namespace', true, 'a', { namespace: 'a' }],
    ['cluster-scoped owner of a namespaced dependent', false, 'a', { namespace: '' }],
    ['cluster-scoped owner of a cluster-scoped dependent', false, '', { namespace: '' }],
    ['namespaced owner of a cluster-scoped dependent is invalid', true, '', 'invalid'],
  ];
  it.each(cases)('%s', (_name, namespaced, ns, want) => {
    expect(ownerLookupNamespace(namespaced, ns)).toEqual(want);
  });
});

describe('liveOf', () => {
  it('reads uid, version, references, finalizers and deletion', () => {
    expect(liveOf({ metadata: { uid: 'u', resourceVersion: '3', finalizers: ['orphan'], deletionTimestamp: '2026-01-01T00:00:00Z', ownerReferences: [ref('a')] } }))
      .toEqual({ uid: 'u', resourceVersion: '3', finalizers: ['orphan'], deleting: true, ownerReferences: [ref('a')] });
    expect(liveOf({})).toEqual({ uid: '', resourceVersion: '', finalizers: [], deleting: false, ownerReferences: [] });
  });
});
