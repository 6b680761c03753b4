import { describe, expect, it } from 'vitest';
import type { Node } from 'kubernetes-types/core/v1.d.ts';
import { shouldIgnoreNodeUpdate } from './node-updates.ts';

const base: Node = {
  metadata: { name: 'n', resourceVersion: '1', labels: { a: 'b' } },
  status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }, { type: 'DiskPressure', status: 'False' }] },
};

describe('shouldIgnoreNodeUpdate', () => {
  it('ignores a heartbeat (new resourceVersion, same True conditions)', () => {
    const cur: Node = { ...base, metadata: { ...base.metadata, resourceVersion: '2' }, status: { conditions: [{ type: 'DiskPressure', status: 'False', reason: 'x' }, { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:01:00Z' }] } };
    expect(shouldIgnoreNodeUpdate(base, cur)).toBe(true);
  });
  it('does not ignore a condition turning True or False', () => {
    const cur: Node = { ...base, status: { conditions: [{ type: 'Ready', status: 'False' }] } };
    expect(shouldIgnoreNodeUpdate(base, cur)).toBe(false);
  });
  it('does not ignore a label or taint change', () => {
    expect(shouldIgnoreNodeUpdate(base, { ...base, metadata: { ...base.metadata, labels: { a: 'c' } } })).toBe(false);
    expect(shouldIgnoreNodeUpdate(base, { ...base, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } })).toBe(false);
  });
});
