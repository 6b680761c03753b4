import { describe, expect, it } from 'vitest';
import type { DeploymentCondition } from 'kubernetes-types/apps/v1.d.ts';
import { metaTime } from '../framework/meta-time.ts';
import { getCondition, newCondition } from './conditions.ts';
import { deployment, replicaSet, T0 } from './fixtures.ts';
import { deploymentTimedOut, progressCheckAfter, rolloutStatus } from './progress.ts';
import { calculateStatus, statusEqual } from './status.ts';

const progressing = (reason: string, at: number, status: 'True' | 'False' | 'Unknown' = 'True'): DeploymentCondition =>
  newCondition('Progressing', status, reason, 'x', at);

describe('calculateStatus', () => {
  it('counts from the ReplicaSets, updated from the new one, leaving zeros out', () => {
    const d = deployment({ replicas: 3, generation: 4 });
    const old = replicaSet(d, { image: 'busybox:0', replicas: 2, actual: 2, ready: 2, available: 1, created: 0 });
    const newRS = replicaSet(d, { replicas: 2, actual: 1, ready: 0, available: 0, created: 10 });
    const s = calculateStatus([old, newRS], newRS, d, T0);
    expect(s).toMatchObject({ observedGeneration: 4, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 1, unavailableReplicas: 3 });
    expect(getCondition(s, 'Available')).toEqual({
      type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.',
      lastUpdateTime: metaTime(T0), lastTransitionTime: metaTime(T0),
    });
  });

  it('is Available at replicas - maxUnavailable, and never reports negative unavailability', () => {
    const d = deployment({ replicas: 4, maxUnavailable: 1 });
    const rs = replicaSet(d, { replicas: 2, actual: 5, ready: 5, available: 3 });
    const s = calculateStatus([rs], rs, d, T0);
    expect(s.unavailableReplicas).toBeUndefined();
    expect(getCondition(s, 'Available')?.reason).toBe('MinimumReplicasAvailable');
    expect(getCondition(s, 'Available')?.message).toBe('Deployment has minimum availability.');
  });

  it('keeps the transition time when Available does not change and compares like Go', () => {
    const earlier = newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', T0 - 60_000);
    const d = deployment({ replicas: 1, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [earlier] } });
    const rs = replicaSet(d, { replicas: 1 });
    const s = calculateStatus([rs], rs, d, T0);
    expect(getCondition(s, 'Available')).toEqual(earlier);
    expect(statusEqual(d.status, s)).toBe(true);
    expect(statusEqual({ replicas: 0 }, {})).toBe(true);
  });
});

describe('rolloutStatus (syncRolloutStatus)', () => {
  it('reports a finished rollout as NewReplicaSetAvailable', () => {
    const d = deployment({ replicas: 2, status: { conditions: [progressing('ReplicaSetUpdated', T0 - 5000)] } });
    const rs = replicaSet(d, { replicas: 2 });
    const c = getCondition(rolloutStatus([rs], rs, d, T0), 'Progressing');
    expect(c).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata?.name ?? ''}" has successfully progressed.` });
  });

  it('refreshes lastUpdateTime on progress but keeps the transition time', () => {
    const before = progressing('NewReplicaSetCreated', T0 - 50_000);
    const d = deployment({ replicas: 2, status: { replicas: 1, updatedReplicas: 0, conditions: [before] } });
    const rs = replicaSet(d, { replicas: 2, actual: 1, ready: 0, available: 0 });
    const c = getCondition(rolloutStatus([rs], rs, d, T0), 'Progressing');
    expect(c).toMatchObject({
      status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rs.metadata?.name ?? ''}" is progressing.`,
      lastUpdateTime: metaTime(T0), lastTransitionTime: before.lastTransitionTime,
    });
  });

  it('times out past progressDeadlineSeconds with no progress', () => {
    const d = deployment({ replicas: 2, progressDeadlineSeconds: 30, status: { replicas: 1, updatedReplicas: 1, conditions: [progressing('ReplicaSetUpdated', T0 - 31_000)] } });
    const rs = replicaSet(d, { replicas: 2, actual: 1, ready: 0, available: 0 });
    const s = rolloutStatus([rs], rs, d, T0);
    expect(getCondition(s, 'Progressing')).toMatchObject({
      status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rs.metadata?.name ?? ''}" has timed out progressing.`,
    });
  });

  it('does not time out at exactly the deadline, nor after a finished rollout', () => {
    const d = deployment({ progressDeadlineSeconds: 30 });
    expect(deploymentTimedOut(d, { conditions: [progressing('ReplicaSetUpdated', T0 - 30_000)] }, T0)).toBe(false);
    expect(deploymentTimedOut(d, { conditions: [progressing('ReplicaSetUpdated', T0 - 30_000)] }, T0 + 1)).toBe(true);
    expect(deploymentTimedOut(d, { conditions: [progressing('NewReplicaSetAvailable', T0 - 99_000)] }, T0)).toBe(false);
  });

  it('drops Progressing without a deadline (MaxInt32)', () => {
    const d = deployment({ progressDeadlineSeconds: 2147483647, status: { conditions: [progressing('ReplicaSetUpdated', T0)] } });
    const rs = replicaSet(d, { replicas: 3 });
    expect(getCondition(rolloutStatus([rs], rs, d, T0), 'Progressing')).toBeUndefined();
  });

  it('promotes a ReplicaFailure of the new ReplicaSet, and removes it when gone', () => {
    const d = deployment({ replicas: 2 });
    const rs = replicaSet(d, { replicas: 2, actual: 0 });
    const failing = { ...rs, status: { ...rs.status, replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: metaTime(T0) }] } };
    expect(getCondition(rolloutStatus([failing], failing, d, T0), 'ReplicaFailure')).toMatchObject({ reason: 'FailedCreate', message: 'quota', lastUpdateTime: metaTime(T0) });
    const d2 = deployment({ replicas: 2, status: { conditions: [{ type: 'ReplicaFailure', status: 'True' }] } });
    expect(getCondition(rolloutStatus([rs], rs, d2, T0), 'ReplicaFailure')).toBeUndefined();
  });
});

describe('progressCheckAfter (requeueStuckDeployment)', () => {
  it.each([
    ['at the deadline plus a second', T0 - 100_000, T0, 501_000],
    ['just past the deadline when under a second is left', T0 - 599_000, T0 + 500, 501],
    ['at once when the deadline has passed', T0 - 700_000, T0, 1],
  ])('%s', (_t, updated, now, want) => {
    const d = deployment({ replicas: 2, progressDeadlineSeconds: 600, status: { conditions: [progressing('ReplicaSetUpdated', updated)] } });
    expect(progressCheckAfter(d, { replicas: 1 }, now)).toBe(want);
  });

  it('does not requeue complete, timed out or deadline-less deployments', () => {
    const stuck = deployment({ replicas: 2, status: { conditions: [progressing('ProgressDeadlineExceeded', T0, 'False')] } });
    expect(progressCheckAfter(stuck, {}, T0)).toBeUndefined();
    const done = deployment({ replicas: 1, status: { conditions: [progressing('ReplicaSetUpdated', T0)] } });
    expect(progressCheckAfter(done, { replicas: 1, updatedReplicas: 1, availableReplicas: 1, observedGeneration: 1 }, T0)).toBeUndefined();
    expect(progressCheckAfter(deployment({ progressDeadlineSeconds: 2147483647 }), {}, T0)).toBeUndefined();
  });
});
