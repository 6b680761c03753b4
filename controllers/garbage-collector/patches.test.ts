import { describe, expect, it } from 'vitest';
import {
  deleteOwnerRefsMergePatch, deleteOwnerRefsStrategicPatch, removeFinalizerPatch, unblockOwnerRefsMergePatch, unblockOwnerRefsStrategicPatch,
} from './patches.ts';

const a = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'ua', blockOwnerDeletion: true };
const b = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: 'ub', controller: true };

describe('patches', () => {
  it('deletes references by uid with $patch: delete, guarded by the dependent uid', () => {
    expect(deleteOwnerRefsStrategicPatch('dep', ['ua', 'ub'])).toEqual({
      metadata: { ownerReferences: [{ $patch: 'delete', uid: 'ua' }, { $patch: 'delete', uid: 'ub' }], uid: 'dep' },
    });
  });

  it('the merge form lists the remaining references at the read version (null when none is left)', () => {
    expect(deleteOwnerRefsMergePatch({ resourceVersion: '5', ownerReferences: [a, b] }, ['ua'])).toEqual({ metadata: { resourceVersion: '5', ownerReferences: [b] } });
    expect(deleteOwnerRefsMergePatch({ resourceVersion: '5', ownerReferences: [a] }, ['ua'])).toEqual({ metadata: { resourceVersion: '5', ownerReferences: null } });
  });

  it('unblocking sets blockOwnerDeletion false on the blocking references', () => {
    expect(unblockOwnerRefsStrategicPatch('dep', [a, b])).toEqual({ metadata: { ownerReferences: [{ ...a, blockOwnerDeletion: false }], uid: 'dep' } });
    expect(unblockOwnerRefsMergePatch('9', [a, b])).toEqual({
      metadata: { resourceVersion: '9', ownerReferences: [{ ...a, blockOwnerDeletion: false }, { ...b, blockOwnerDeletion: false }] },
    });
  });

  it('removes one finalizer at the read version, or nothing when it is not there', () => {
    expect(removeFinalizerPatch({ resourceVersion: '3', finalizers: ['x', 'orphan'] }, 'orphan')).toEqual({ metadata: { resourceVersion: '3', finalizers: ['x'] } });
    expect(removeFinalizerPatch({ resourceVersion: '3', finalizers: ['foregroundDeletion'] }, 'foregroundDeletion')).toEqual({ metadata: { resourceVersion: '3', finalizers: null } });
    expect(removeFinalizerPatch({ resourceVersion: '3', finalizers: ['x'] }, 'orphan')).toBeUndefined();
  });
});
