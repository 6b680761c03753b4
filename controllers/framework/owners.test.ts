import type { KubeObject } from '../../kube/client/client.ts';
import { describe, expect, it } from 'vitest';
import { adoptPatch, claimDecision, controllerOf, newControllerRef, releasePatch } from './owners.ts';

const owner: KubeObject = { metadata: { name: 'rs', uid: 'u-rs' } };
const deleting: KubeObject = { metadata: { name: 'rs', uid: 'u-rs', deletionTimestamp: '2026-01-01T00:00:00Z' } };
const ref = newControllerRef(owner, 'apps/v1', 'ReplicaSet');
const owned: KubeObject = { metadata: { name: 'p', uid: 'u-p', ownerReferences: [ref] } };
const other: KubeObject = { metadata: { name: 'p', uid: 'u-p', ownerReferences: [{ ...ref, uid: 'u-other' }] } };
const orphan: KubeObject = { metadata: { name: 'p', uid: 'u-p' } };
const orphanDeleting: KubeObject = { metadata: { name: 'p', uid: 'u-p', deletionTimestamp: '2026-01-01T00:00:00Z' } };

describe('claimDecision (ControllerRefManager.ClaimObject)', () => {
  it.each([
    ['owned and matching', owned, owner, true, 'owned'],
    ['owned, no longer matching', owned, owner, false, 'release'],
    ['owned, no longer matching, owner being deleted', owned, deleting, false, 'ignore'],
    ['owned and matching, owner being deleted', owned, deleting, true, 'owned'],
    ['another controller\'s', other, owner, true, 'ignore'],
    ['orphan, matching', orphan, owner, true, 'adopt'],
    ['orphan, not matching', orphan, owner, false, 'ignore'],
    ['orphan, matching, owner being deleted', orphan, deleting, true, 'ignore'],
    ['orphan being deleted', orphanDeleting, owner, true, 'ignore'],
  ] as const)('%s → %s', (_, obj, o, matches, want) => {
    expect(claimDecision(obj, o, matches)).toBe(want);
  });

  it('builds the controller reference and the adopt and release patches with the uid as precondition', () => {
    expect(ref).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-rs', controller: true, blockOwnerDeletion: true });
    expect(controllerOf(owned)).toBe(ref);
    expect(adoptPatch(orphan, ref)).toEqual({ metadata: { ownerReferences: [ref], uid: 'u-p' } });
    expect(releasePatch(owned, 'u-rs')).toEqual({ metadata: { ownerReferences: [], uid: 'u-p' } });
  });
});
