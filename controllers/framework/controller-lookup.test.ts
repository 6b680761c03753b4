import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { FakeInformer } from '../replicaset/test-fakes.ts';
import { makePod, makeRs, ownerRef } from '../replicaset/test-fixtures.ts';
import { controllersSelecting, resolveControllerRef } from './controller-lookup.ts';

function lister(...sets: ReplicaSet[]): FakeInformer<ReplicaSet> {
  const informer = new FakeInformer<ReplicaSet>();
  for (const rs of sets) informer.set(rs);
  return informer;
}

describe('resolveControllerRef', () => {
  const rs = makeRs({ name: 'web', uid: 'rs-uid' });
  const cache = lister(rs);

  it('finds the owner a controller reference names: kind, name and uid', () => {
    expect(resolveControllerRef(cache, 'ReplicaSet', 'default', ownerRef(rs))).toBe(rs);
  });

  it('nothing for another kind, another uid (made again under the name), another namespace or no reference', () => {
    expect(resolveControllerRef(cache, 'ReplicaSet', 'default', { ...ownerRef(rs), kind: 'Deployment' })).toBeUndefined();
    expect(resolveControllerRef(cache, 'Deployment', 'default', ownerRef(rs))).toBeUndefined();
    expect(resolveControllerRef(cache, 'ReplicaSet', 'default', { ...ownerRef(rs), uid: 'other' })).toBeUndefined();
    expect(resolveControllerRef(cache, 'ReplicaSet', 'other', ownerRef(rs))).toBeUndefined();
    expect(resolveControllerRef(cache, 'ReplicaSet', 'default', undefined)).toBeUndefined();
  });
});

describe('controllersSelecting (GetPodReplicaSets and the like)', () => {
  const web = makeRs({ name: 'web', uid: 'a', selector: { matchLabels: { app: 'web' } } });
  const all = makeRs({ name: 'all', uid: 'b', selector: {} });
  const invalid = makeRs({ name: 'invalid', uid: 'c', selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] } });
  const db = makeRs({ name: 'db', uid: 'd', selector: { matchLabels: { app: 'db' } } });
  const elsewhere = makeRs({ name: 'web2', uid: 'e', namespace: 'other' });
  const cache = lister(web, all, invalid, db, elsewhere);

  it('the controllers of the namespace whose valid, non-empty selector matches the labels', () => {
    const pod = makePod('p', { labels: { app: 'web' } });
    expect(controllersSelecting(cache, 'default', pod.metadata?.labels).map((r) => r.metadata?.name)).toEqual(['web']);
  });

  it('none for an object without labels', () => {
    expect(controllersSelecting(cache, 'default', {})).toEqual([]);
    expect(controllersSelecting(cache, 'default', undefined)).toEqual([]);
  });
});
