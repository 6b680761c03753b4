import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import {
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, maxRevision,
  setDeploymentRevision, setNewReplicaSetAnnotations,
} from './annotations.ts';
import { deployment } from './fixtures.ts';

function rs(annotations?: Record<string, string>): ReplicaSet {
  return { metadata: { name: 'web-1', ...(annotations === undefined ? {} : { annotations: { ...annotations } }) } };
}

describe('setNewReplicaSetAnnotations', () => {
  it('copies the deployment annotations but the apply and controller ones', () => {
    const d = deployment({
      annotations: {
        team: 'a', 'kubectl.kubernetes.io/last-applied-configuration': '{}', [REVISION_ANNOTATION]: '7',
        [DESIRED_REPLICAS_ANNOTATION]: '9', 'deprecated.deployment.rollback.to': '1', 'kubernetes.io/change-cause': 'x',
      },
    });
    const r = rs();
    expect(setNewReplicaSetAnnotations(d, r, '1', true)).toBe(true);
    expect(r.metadata?.annotations).toEqual({ team: 'a', 'kubernetes.io/change-cause': 'x', [REVISION_ANNOTATION]: '1' });
  });

  it('gives a ReplicaSet about to be created the replicas annotations (replicas, replicas + maxSurge)', () => {
    const r = rs();
    setNewReplicaSetAnnotations(deployment({ replicas: 10 }), r, '3', false);
    expect(r.metadata?.annotations).toEqual({ [REVISION_ANNOTATION]: '3', [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13' });
  });

  it.each([
    // old revision, old history, new revision → revision, history
    ['1', undefined, '3', '3', '1'],
    ['2', '1', '5', '5', '1,2'],
    ['4', undefined, '3', '4', undefined],
    ['3', undefined, '3', '3', undefined],
  ] as const)('revision %s (history %s) with new revision %s → %s (history %s)', (old, history, next, want, wantHistory) => {
    const r = rs({ [REVISION_ANNOTATION]: old, ...(history === undefined ? {} : { [REVISION_HISTORY_ANNOTATION]: history }) });
    setNewReplicaSetAnnotations(deployment(), r, next, true);
    expect(r.metadata?.annotations?.[REVISION_ANNOTATION]).toBe(want);
    expect(r.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe(wantHistory);
  });

  it('trims the revision history from the front to the length limit', () => {
    const r = rs({ [REVISION_ANNOTATION]: '4', [REVISION_HISTORY_ANNOTATION]: '1,2,3' });
    setNewReplicaSetAnnotations(deployment(), r, '5', true, 4);
    expect(r.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('3,4');
  });

  it('leaves a ReplicaSet with an unparsable revision alone', () => {
    const r = rs({ [REVISION_ANNOTATION]: 'abc' });
    expect(setNewReplicaSetAnnotations(deployment(), r, '2', true)).toBe(false);
    expect(r.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('abc');
  });

  it('reports no change when all is current', () => {
    const r = rs({ [REVISION_ANNOTATION]: '2' });
    expect(setNewReplicaSetAnnotations(deployment(), r, '2', true)).toBe(false);
  });
});

describe('revisions', () => {
  it('maxRevision skips unparsable revisions; no annotation counts as 0', () => {
    expect(maxRevision([rs({ [REVISION_ANNOTATION]: '3' }), rs({ [REVISION_ANNOTATION]: 'x' }), rs(), rs({ [REVISION_ANNOTATION]: '2' })])).toBe(3);
    expect(maxRevision([])).toBe(0);
  });

  it('setDeploymentRevision reports a change only once', () => {
    const d = deployment();
    expect(setDeploymentRevision(d, '2')).toBe(true);
    expect(d.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('2');
    expect(setDeploymentRevision(d, '2')).toBe(false);
  });
});
