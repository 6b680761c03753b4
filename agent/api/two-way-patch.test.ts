import { describe, expect, it } from 'vitest';
import { strategicMergePatch, patchSchemaFor } from '../../kube/patch/patch.ts';
import { diffObjects, NODE_STATUS_LISTS, POD_STATUS_LISTS } from './two-way-patch.ts';

type Obj = Record<string, unknown>;

/** What the API server makes of old + diff must be new (checked with the server's own engine). */
function roundTrip(kind: 'Pod' | 'Node', oldStatus: Obj, newStatus: Obj, lists: Record<string, string>): Obj | undefined {
  const diff = diffObjects(oldStatus, newStatus, lists);
  const original = { apiVersion: 'v1', kind, metadata: { name: 'x' }, status: oldStatus };
  const patched = strategicMergePatch(original, { status: diff ?? {} }, patchSchemaFor(original)) as { status: Obj };
  expect(patched.status).toEqual(newStatus);
  return diff;
}

describe('diffObjects (two-way strategic merge patch)', () => {
  it('is undefined for equal objects; null and absent are the same', () => {
    expect(diffObjects({ a: 1, b: { c: [1, 2] }, d: null }, { a: 1, b: { c: [1, 2] } })).toBeUndefined();
  });

  it('sends changed map keys, nulls removed ones, atomic lists whole', () => {
    const diff = roundTrip('Pod',
      { phase: 'Pending', reason: 'X', containerStatuses: [{ name: 'a', ready: false }, { name: 'b', ready: false }] },
      { phase: 'Running', containerStatuses: [{ name: 'a', ready: true }, { name: 'b', ready: false }] },
      POD_STATUS_LISTS);
    expect(diff).toEqual({ phase: 'Running', reason: null, containerStatuses: [{ name: 'a', ready: true }, { name: 'b', ready: false }] });
  });

  it('merges conditions by type: changed fields only, removed ones with $patch delete, and $setElementOrder', () => {
    const diff = roundTrip('Pod',
      { conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }, { type: 'Old', status: 'True' }, { type: 'PodScheduled', status: 'True' }] },
      { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }, { type: 'New', status: 'True' }] },
      POD_STATUS_LISTS);
    expect(diff).toEqual({
      '$setElementOrder/conditions': [{ type: 'PodScheduled' }, { type: 'Ready' }, { type: 'New' }],
      conditions: [{ type: 'Ready', status: 'True', reason: null }, { type: 'New', status: 'True' }, { type: 'Old', $patch: 'delete' }],
    });
  });

  it('replaces node addresses as a whole ($patch: replace), like the kubelet\'s fixup', () => {
    const diff = roundTrip('Node',
      { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n' }], capacity: { cpu: '2', pods: '110' } },
      { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }], capacity: { cpu: '4', pods: '110' } },
      NODE_STATUS_LISTS);
    expect(diff).toEqual({
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }, { $patch: 'replace' }],
      capacity: { cpu: '4' },
    });
  });

  it('merges pod IPs by ip', () => {
    roundTrip('Pod', { podIPs: [{ ip: '10.0.0.1' }] }, { podIPs: [{ ip: '10.0.0.2' }, { ip: 'fd00::2' }] }, POD_STATUS_LISTS);
  });
});
