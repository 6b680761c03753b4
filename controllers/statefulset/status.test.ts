import type { StatefulSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { makeSet } from './fixtures.ts';
import { completeRollingUpdate, statusChanged } from './status.ts';

const base: StatefulSetStatus = {
  observedGeneration: 1, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 1, updatedReplicas: 3,
  currentRevision: 'web-a', updateRevision: 'web-b', collisionCount: 0,
};

describe('status', () => {
  it.each<[string, Partial<StatefulSetStatus>, boolean, boolean]>([
    ['all updated and ready: the update revision becomes current', {}, false, true],
    ['one not ready: not yet', { readyReplicas: 2 }, false, false],
    ['one not updated: not yet', { updatedReplicas: 2 }, false, false],
    ['OnDelete never completes this way', {}, true, false],
  ])('completeRollingUpdate: %s', (_n, change, onDelete, completes) => {
    const set = makeSet({ onDelete });
    const out = completeRollingUpdate(set, { ...base, ...change });
    expect(out.currentRevision).toBe(completes ? 'web-b' : 'web-a');
    expect(out.currentReplicas).toBe(completes ? 3 : 1);
  });

  it('a status is written only when a counted field, a revision or the generation moved', () => {
    const set = { ...makeSet(), status: base };
    expect(statusChanged(set, base)).toBe(false);
    expect(statusChanged(set, { ...base, collisionCount: 2 })).toBe(false);
    expect(statusChanged(set, { ...base, availableReplicas: 2 })).toBe(true);
    expect(statusChanged(set, { ...base, observedGeneration: 2 })).toBe(true);
    expect(statusChanged(set, { ...base, updateRevision: 'web-c' })).toBe(true);
    expect(statusChanged({ ...makeSet(), status: { replicas: 0 } }, { ...base, replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0, observedGeneration: 0, currentRevision: '', updateRevision: '' }))
      .toBe(false);
  });
});
