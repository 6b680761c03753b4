import { describe, expect, it } from 'vitest';
import type { DeploymentStatus } from 'kubernetes-types/apps/v1.d.ts';
import { metaTime } from '../framework/meta-time.ts';
import { newCondition, removeCondition, setCondition } from './conditions.ts';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('deployment conditions', () => {
  it('keeps a condition with the same status and reason as it was', () => {
    const s: DeploymentStatus = { conditions: [newCondition('Available', 'True', 'A', 'm', T)] };
    setCondition(s, newCondition('Available', 'True', 'A', 'other message', T + 5000));
    expect(s.conditions).toEqual([newCondition('Available', 'True', 'A', 'm', T)]);
  });

  it('moves lastTransitionTime only when the status changes, and puts the condition last', () => {
    const s: DeploymentStatus = { conditions: [newCondition('Progressing', 'True', 'A', 'm', T), newCondition('Available', 'True', 'X', 'x', T)] };
    setCondition(s, newCondition('Progressing', 'True', 'B', 'n', T + 5000));
    expect(s.conditions?.[1]).toMatchObject({ type: 'Progressing', reason: 'B', lastUpdateTime: metaTime(T + 5000), lastTransitionTime: metaTime(T) });
    setCondition(s, newCondition('Progressing', 'False', 'C', 'o', T + 9000));
    expect(s.conditions?.[1]).toMatchObject({ reason: 'C', lastTransitionTime: metaTime(T + 9000) });
  });

  it('removes a condition, and the list when it empties', () => {
    const s: DeploymentStatus = { conditions: [newCondition('Progressing', 'True', 'A', 'm', T)] };
    removeCondition(s, 'Progressing');
    expect(s.conditions).toBeUndefined();
  });
});
