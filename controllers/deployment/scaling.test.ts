import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { deployment, eventMessages, replicaSet, summary, T0 } from './fixtures.ts';
import { PlanSession } from './plan.ts';
import { getProportion, isSaturated, proportionalSizes, scale, scaleReplicaSet } from './scaling.ts';

/** ReplicaSets of sizes (oldest first, the last is the new one) sized when the deployment had `was` replicas. */
function sets(was: number, sizes: number[], surge = 0): { rss: ReplicaSet[]; newRS: ReplicaSet; oldRSs: ReplicaSet[] } {
  const d = deployment({ replicas: was, maxSurge: surge, maxUnavailable: 1 });
  const rss = sizes.map((n, i) => replicaSet(d, {
    replicas: n, created: i * 10, image: i === sizes.length - 1 ? 'busybox:1' : `busybox:old${i}`, desired: was, max: was + surge,
  }));
  const newRS = rss[rss.length - 1] as ReplicaSet;
  return { rss, newRS, oldRSs: rss.slice(0, -1) };
}

describe('proportional scaling (scale, RollingUpdate)', () => {
  it.each([
    // was, now, sizes (oldest … new) → sizes after
    [5, 10, [3, 2], [6, 4]],
    [5, 3, [3, 2], [2, 1]],
    [9, 4, [1, 8], [0, 4]],
    [7, 10, [3, 2, 2], [4, 3, 3]],
    [13, 8, [8, 3, 2], [5, 2, 1]],
    // rounding leaves one over: it goes to the first (largest, newest on ties) ReplicaSet
    [3, 4, [1, 1, 1], [1, 1, 2]],
    [3, 5, [1, 1, 1], [1, 2, 2]],
    [6, 0, [2, 4], [0, 0]],
  ])('%i → %i replicas: %j → %j', (was, now, sizes, want) => {
    const { rss, newRS, oldRSs } = sets(was, sizes);
    const d = deployment({ replicas: now, maxSurge: 0, maxUnavailable: 1 });
    const s = new PlanSession(d, T0, rss);
    scale(s, d, newRS, oldRSs);
    expect(rss.map((rs) => s.current(rs).spec?.replicas)).toEqual(want);
  });

  it('orders writes largest first and names the direction in the events', () => {
    const { rss, newRS, oldRSs } = sets(7, [3, 2, 2]);
    const d = deployment({ replicas: 10, maxSurge: 0, maxUnavailable: 1 });
    const s = new PlanSession(d, T0, rss);
    scale(s, d, newRS, oldRSs);
    const [old0, old1] = oldRSs.map((r) => r.metadata?.name ?? '');
    const newName = newRS.metadata?.name ?? '';
    expect(eventMessages(s.plan())).toEqual([
      `Scaled up replica set ${old0 ?? ''} from 3 to 4`,
      `Scaled up replica set ${newName} from 2 to 3`,
      `Scaled up replica set ${old1 ?? ''} from 2 to 3`,
    ]);
    expect(s.plan().actions.every((a) => a.kind !== 'updateReplicaSet' || a.replicaSet.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'] === '10')).toBe(true);
  });

  it('counts maxSurge into the allowed size and the fractions', () => {
    // was 10 with surge 2 (max 12); the ReplicaSets hold 12; scaled to 20 with surge 2 (max 22)
    const { rss, newRS, oldRSs } = sets(10, [6, 6], 2);
    const d = deployment({ replicas: 20, maxSurge: 2, maxUnavailable: 1 });
    const s = new PlanSession(d, T0, rss);
    scale(s, d, newRS, oldRSs);
    expect(rss.map((rs) => s.current(rs).spec?.replicas)).toEqual([11, 11]);
  });

  it('getProportion never goes past what is left', () => {
    const { newRS } = sets(5, [3, 2]);
    const d = deployment({ replicas: 10, maxSurge: 0, maxUnavailable: 1 });
    expect(getProportion(newRS, d, 3, 0)).toBe(2);
    expect(getProportion(newRS, d, 3, 2)).toBe(1);
    expect(getProportion(newRS, d, 3, 3)).toBe(0);
    expect(getProportion(undefined, d, 3, 0)).toBe(0);
  });

  it('falls back to status.replicas without a max-replicas annotation', () => {
    const d = deployment({ replicas: 10, maxSurge: 0, maxUnavailable: 1, status: { replicas: 5 } });
    const rs = replicaSet(d, { replicas: 2 });
    expect(proportionalSizes(d, [rs]).sizes[0]?.size).toBe(10);
  });
});

describe('scale: one active ReplicaSet, saturation', () => {
  it('gives the single active ReplicaSet the whole count', () => {
    const { rss, newRS, oldRSs } = sets(3, [0, 3]);
    const d = deployment({ replicas: 5 });
    const s = new PlanSession(d, T0, rss);
    scale(s, d, newRS, oldRSs);
    expect(summary(s.plan())).toEqual([`update ${newRS.metadata?.name ?? ''} 5`]);
    expect(eventMessages(s.plan())).toEqual([`Scaled up replica set ${newRS.metadata?.name ?? ''} from 3 to 5`]);
  });

  it('does nothing (not even annotations) when the single active one has the count', () => {
    const { rss, newRS, oldRSs } = sets(2, [0, 3]);
    const d = deployment({ replicas: 3 });
    const s = new PlanSession(d, T0, rss);
    scale(s, d, newRS, oldRSs);
    expect(s.plan().actions).toEqual([]);
  });

  it('scales old ReplicaSets to 0 when the new one is saturated', () => {
    const d = deployment({ replicas: 3 });
    const old = replicaSet(d, { image: 'busybox:0', replicas: 1, created: 0, available: 1 });
    const newRS = replicaSet(d, { replicas: 3, created: 10, desired: 3 });
    expect(isSaturated(d, newRS)).toBe(true);
    const s = new PlanSession(d, T0, [old, newRS]);
    scale(s, d, newRS, [old]);
    expect(summary(s.plan())).toEqual([`update ${old.metadata?.name ?? ''} 0`]);
    expect(eventMessages(s.plan())).toEqual([`Scaled down replica set ${old.metadata?.name ?? ''} from 1 to 0`]);
  });

  it('scaleReplicaSet rewrites stale replicas annotations without an event', () => {
    const d = deployment({ replicas: 3, maxSurge: 1 });
    const rs = replicaSet(d, { replicas: 3, desired: 3, max: 3 });
    const s = new PlanSession(d, T0, [rs]);
    const r = scaleReplicaSet(s, rs, 3, d, '');
    expect(r.scaled).toBe(false);
    expect(r.rs.metadata?.annotations?.['deployment.kubernetes.io/max-replicas']).toBe('4');
    expect(eventMessages(s.plan())).toEqual([]);
    expect(summary(s.plan())).toEqual([`update ${rs.metadata?.name ?? ''} 3`]);
  });
});
