import { describe, expect, it } from 'vitest';
import type { Deployment, DeploymentCondition, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { getCondition, newCondition } from './conditions.ts';
import { deployment, eventMessages, lastStatus, replicaSet, summary, T0, type DeploymentOptions } from './fixtures.ts';
import { newReplicaSetFor } from './new-replica-set.ts';
import type { DeploymentAction } from './plan.ts';
import { planDeployment } from './planner.ts';
import { calculateStatus } from './status.ts';

const REV = 'deployment.kubernetes.io/revision';

function plan(d: Deployment, rss: ReplicaSet[] = [], pods: Pod[] = [], now = T0) {
  return planDeployment({ deployment: d, replicaSets: rss, pods, now });
}

function nameOf(rs: { metadata?: { name?: string } }): string {
  return rs.metadata?.name ?? '';
}

function progressing(reason: string, at = T0 - 10_000, status: 'True' | 'False' | 'Unknown' = 'True'): DeploymentCondition {
  return newCondition('Progressing', status, reason, 'earlier', at);
}

/**
 * A deployment whose stored status and revision are what an earlier sync wrote for these
 * ReplicaSets (the last one is the new one), with a Progressing condition of that reason.
 */
function settled(o: DeploymentOptions, rss: ReplicaSet[], reason = 'ReplicaSetUpdated', revision = '1'): Deployment {
  const d = deployment({ ...o, annotations: { [REV]: revision, ...(o.annotations ?? {}) } });
  const status = calculateStatus(rss, rss[rss.length - 1], d, T0 - 10_000);
  status.conditions = [...(status.conditions ?? []), progressing(reason)];
  d.status = status;
  return d;
}

function creates(p: ReturnType<typeof plan>): ReplicaSet[] {
  return p.actions.flatMap((a: DeploymentAction) => (a.kind === 'createReplicaSet' ? [a.replicaSet] : []));
}

describe('a new deployment', () => {
  const d = deployment({ replicas: 3 });
  const p = plan(d);
  const created = creates(p)[0];
  const hash = created?.metadata?.labels?.['pod-template-hash'] ?? '';

  it('creates "<name>-<pod-template-hash>" with every replica (within replicas + maxSurge)', () => {
    expect(created?.metadata?.name).toBe(`web-${hash}`);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(summary(p)).toEqual([`create web-${hash} 3`, 'status', 'status']);
    expect(eventMessages(p)).toEqual([`Scaled up replica set web-${hash} from 0 to 3`]);
  });

  it('labels, selects and templates the ReplicaSet with the hash, owned by the deployment', () => {
    expect(created?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(created?.spec?.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(created?.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(created?.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    expect(created?.metadata?.annotations).toEqual({ [REV]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
  });

  it('records revision 1 and NewReplicaSetCreated, then the rollout status', () => {
    const first = p.actions[1];
    expect(first?.kind === 'updateDeploymentStatus' && first.deployment.metadata?.annotations?.[REV]).toBe('1');
    const last = lastStatus(p);
    expect(getCondition(last?.status, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${hash}"` });
    expect(getCondition(last?.status, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(last?.status?.observedGeneration).toBe(1);
  });

  it('copies the deployment annotations (not last-applied) onto the new ReplicaSet', () => {
    const a = deployment({ annotations: { team: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
    expect(creates(plan(a))[0]?.metadata?.annotations?.['team']).toBe('x');
    expect(creates(plan(a))[0]?.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
  });

  it('takes status.collisionCount into the hash', () => {
    const other = creates(plan(deployment({ status: { collisionCount: 1 } })))[0];
    expect(other?.metadata?.name).not.toBe(created?.metadata?.name);
  });
});

describe('a rolling update, step by step (3 replicas, 25%: surge 1, unavailable 0)', () => {
  const v1 = deployment({ replicas: 3 });
  const old = (replicas: number, available = replicas, actual = replicas): ReplicaSet =>
    replicaSet(v1, { replicas, actual, available, revision: 1, desired: 3, max: 4, created: 0 });
  const o = { replicas: 3, image: 'busybox:2', generation: 2 } as const;
  const cur = (replicas: number, available: number, actual = replicas): ReplicaSet =>
    replicaSet(deployment(o), { replicas, actual, ready: available, available, revision: 2, desired: 3, max: 4, created: 100 });

  it('reports the first rollout complete once the ReplicaSet is available', () => {
    const d = settled({ replicas: 3 }, [old(3, 0)], 'NewReplicaSetCreated');
    const p = plan(d, [old(3)]);
    expect(summary(p)).toEqual(['status']);
    expect(getCondition(lastStatus(p)?.status, 'Progressing')).toMatchObject({ reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${nameOf(old(3))}" has successfully progressed.` });
    expect(getCondition(lastStatus(p)?.status, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
  });

  it('1: a new template makes revision 2 with the surge (1)', () => {
    const d = settled(o, [old(3)], 'NewReplicaSetAvailable');
    const p = plan(d, [old(3)]);
    const name = nameOf(cur(1, 0));
    expect(summary(p)).toEqual([`create ${name} 1`, 'status', 'status']);
    expect(creates(p)[0]?.metadata?.annotations?.[REV]).toBe('2');
    expect(eventMessages(p)).toEqual([`Scaled up replica set ${name} from 0 to 1`]);
    expect(lastStatus(p)?.metadata?.annotations?.[REV]).toBe('2');
  });

  it('2: nothing moves while the new pod is unavailable', () => {
    const d = settled(o, [old(3), cur(1, 0)], 'ReplicaSetUpdated', '2');
    const p = plan(d, [old(3), cur(1, 0)]);
    expect(summary(p)).toEqual([]);
    expect(p.requeueAfterMs).toBe(600_000 - 10_000 + 1000);
  });

  it('3: a new pod available lets one old one go', () => {
    const d = settled(o, [old(3), cur(1, 0)], 'ReplicaSetUpdated', '2');
    const p = plan(d, [old(3), cur(1, 1)]);
    expect(summary(p)).toEqual([`update ${nameOf(old(3))} 2`, 'status']);
    expect(eventMessages(p)).toEqual([`Scaled down replica set ${nameOf(old(3))} from 3 to 2`]);
    expect(getCondition(lastStatus(p)?.status, 'Progressing')).toMatchObject({ reason: 'ReplicaSetUpdated', message: `ReplicaSet "${nameOf(cur(1, 1))}" is progressing.` });
  });

  it('4: then the new ReplicaSet grows by one', () => {
    const d = settled(o, [old(2), cur(1, 1)], 'ReplicaSetUpdated', '2');
    const p = plan(d, [old(2), cur(1, 1)]);
    expect(summary(p)).toEqual([`update ${nameOf(cur(1, 1))} 2`]);
    expect(eventMessages(p)).toEqual([`Scaled up replica set ${nameOf(cur(1, 1))} from 1 to 2`]);
  });

  it('5: finished: old at 0, new complete → NewReplicaSetAvailable', () => {
    const d = settled(o, [old(0), cur(3, 2)], 'ReplicaSetUpdated', '2');
    const p = plan(d, [old(0), cur(3, 3)]);
    expect(summary(p)).toEqual(['status']);
    expect(getCondition(lastStatus(p)?.status, 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
  });

  it('scales unhealthy old replicas down first (cleanupUnhealthyReplicas)', () => {
    const n = { replicas: 10, maxSurge: 3, maxUnavailable: 2, image: 'busybox:2', generation: 2 };
    const oldRS = replicaSet(deployment({ replicas: 10 }), { replicas: 10, ready: 8, available: 8, revision: 1, desired: 10, max: 13, created: 0 });
    const newRS = replicaSet(deployment(n), { replicas: 3, ready: 0, available: 0, revision: 2, desired: 10, max: 13, created: 100 });
    const d = settled(n, [oldRS, newRS], 'ReplicaSetUpdated', '2');
    const p = plan(d, [oldRS, newRS]);
    expect(summary(p)).toEqual([`update ${nameOf(oldRS)} 8`]);
    expect(eventMessages(p)).toEqual([`Scaled down replica set ${nameOf(oldRS)} from 10 to 8`]);
  });

  it('times out with ProgressDeadlineExceeded', () => {
    const d = settled(o, [old(3), cur(1, 0)], 'ReplicaSetUpdated', '2');
    const p = plan(d, [old(3), cur(1, 0)], [], T0 + 591_000);
    expect(getCondition(lastStatus(p)?.status, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${nameOf(cur(1, 0))}" has timed out progressing.` });
  });
});

describe('kubectl rollout undo (the template of an old ReplicaSet)', () => {
  it('reuses that ReplicaSet, moving its revision past the others and keeping the old number', () => {
    const v1 = deployment({ replicas: 3 });
    const v2 = deployment({ replicas: 3, image: 'busybox:2' });
    const oldRS = replicaSet(v1, { replicas: 0, actual: 0, revision: 1, desired: 3, max: 4, created: 0 });
    const curRS = replicaSet(v2, { replicas: 3, revision: 2, desired: 3, max: 4, created: 100 });
    const d = settled({ replicas: 3, generation: 3 }, [oldRS, curRS], 'NewReplicaSetAvailable', '2');
    const p = plan(d, [oldRS, curRS]);
    expect(summary(p)).toEqual([`update ${nameOf(oldRS)} 0`, 'status', `update ${nameOf(oldRS)} 1`, 'status']);
    const first = p.actions[0];
    expect(first?.kind === 'updateReplicaSet' && first.replicaSet.metadata?.annotations).toMatchObject({ [REV]: '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(lastStatus(p)?.metadata?.annotations?.[REV]).toBe('3');
    expect(eventMessages(p)).toEqual([`Scaled up replica set ${nameOf(oldRS)} from 0 to 1`]);
    expect(creates(p)).toEqual([]);
  });
});

describe('Recreate', () => {
  const v1 = deployment({ strategy: 'Recreate' });
  const o = { strategy: 'Recreate', image: 'busybox:2', generation: 2 } as const;
  const oldRS = (replicas: number, actual: number): ReplicaSet => replicaSet(v1, { replicas, actual, revision: 1, desired: 3, max: 3, created: 0 });
  const pod = (rs: ReplicaSet, phase: string): Pod => ({
    metadata: { name: `${nameOf(rs)}-a`, namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: nameOf(rs), uid: rs.metadata?.uid ?? '', controller: true }] },
    status: { phase },
  });

  it('scales the old ReplicaSets to 0 first, creating nothing', () => {
    const d = settled(o, [oldRS(3, 3)]);
    const p = plan(d, [oldRS(3, 3)]);
    expect(summary(p)).toEqual([`update ${nameOf(oldRS(3, 3))} 0`, 'status']);
    expect(eventMessages(p)).toEqual([`Scaled down replica set ${nameOf(oldRS(3, 3))} from 3 to 0`]);
  });

  it('waits while old pods run (reported by the ReplicaSet or seen)', () => {
    const d = settled(o, [oldRS(0, 3)]);
    expect(creates(plan(d, [oldRS(0, 3)]))).toEqual([]);
    expect(creates(plan(d, [oldRS(0, 0)], [pod(oldRS(0, 0), 'Running')]))).toEqual([]);
    expect(creates(plan(d, [oldRS(0, 0)], [pod(oldRS(0, 0), 'Unknown')]))).toEqual([]);
  });

  it('creates the new ReplicaSet at full size once old pods are gone or finished', () => {
    const d = settled(o, [oldRS(0, 0)]);
    const p = plan(d, [oldRS(0, 0)], [pod(oldRS(0, 0), 'Succeeded')]);
    const created = creates(p)[0];
    expect(created?.spec?.replicas).toBe(3);
    expect(created?.metadata?.annotations?.[REV]).toBe('2');
    expect(eventMessages(p)).toEqual([`Scaled up replica set ${nameOf(created ?? {})} from 0 to 3`]);
  });
});

describe('paused deployments and scaling events', () => {
  it('a paused deployment gets DeploymentPaused and no new ReplicaSet', () => {
    const v1 = deployment();
    const rs = replicaSet(v1, { replicas: 3, revision: 1, desired: 3, max: 4 });
    const d = settled({ paused: true, image: 'busybox:2', generation: 2 }, [rs], 'NewReplicaSetAvailable');
    const p = plan(d, [rs]);
    expect(creates(p)).toEqual([]);
    expect(getCondition(lastStatus(p)?.status, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
  });

  it('a paused deployment is still scaled', () => {
    const v1 = deployment();
    const rs = replicaSet(v1, { replicas: 3, revision: 1, desired: 3, max: 4 });
    const d = settled({ paused: true, replicas: 5, generation: 2 }, [rs], 'DeploymentPaused');
    const p = plan(d, [rs]);
    expect(summary(p)).toEqual([`update ${nameOf(rs)} 5`]);
  });

  it('a resumed deployment gets DeploymentResumed', () => {
    const v1 = deployment();
    const rs = replicaSet(v1, { replicas: 3, revision: 1, desired: 3, max: 4 });
    const d = settled({}, [rs], 'DeploymentPaused');
    const p = plan(d, [rs]);
    const first = p.actions[0];
    expect(first?.kind === 'updateDeploymentStatus' && getCondition(first.deployment.status, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' });
  });

  it('a timed-out deployment keeps ProgressDeadlineExceeded when paused', () => {
    const rs = replicaSet(deployment(), { replicas: 3, revision: 1, desired: 3, max: 4 });
    const d = settled({ paused: true }, [rs], 'ProgressDeadlineExceeded');
    expect(plan(d, [rs]).actions.every((a) => a.kind !== 'updateDeploymentStatus' || getCondition(a.deployment.status, 'Progressing')?.reason === 'ProgressDeadlineExceeded')).toBe(true);
  });

  it('a replica change mid-rollout scales every active ReplicaSet in proportion', () => {
    const o = { replicas: 6, image: 'busybox:2', generation: 3 } as const;
    const oldRS = replicaSet(deployment(), { replicas: 2, revision: 1, desired: 3, max: 4, created: 0 });
    const newRS = replicaSet(deployment(o), { replicas: 2, revision: 2, desired: 3, max: 4, created: 100 });
    const d = settled(o, [oldRS, newRS], 'ReplicaSetUpdated', '2');
    const p = plan(d, [oldRS, newRS]);
    expect(summary(p)).toEqual([`update ${nameOf(newRS)} 4`, `update ${nameOf(oldRS)} 4`]);
    expect(eventMessages(p)).toEqual([`Scaled up replica set ${nameOf(newRS)} from 2 to 4`, `Scaled up replica set ${nameOf(oldRS)} from 2 to 4`]);
  });
});

describe('revisionHistoryLimit', () => {
  it('deletes the oldest revisions beyond the limit that are scaled down and observed', () => {
    const o = { revisionHistoryLimit: 1, image: 'busybox:9' } as const;
    const r = (image: string, revision: number, extra: Partial<Parameters<typeof replicaSet>[1]> = {}): ReplicaSet =>
      replicaSet(deployment({ image }), { replicas: 0, actual: 0, revision, desired: 3, max: 4, created: revision, ...extra });
    const r1 = r('busybox:1', 1);
    const r2 = r('busybox:2', 2);
    const r3 = r('busybox:3', 3, { generation: 2, observedGeneration: 1 });
    const r4 = r('busybox:4', 4);
    const r5 = r('busybox:5', 5);
    const cur = replicaSet(deployment(o), { replicas: 3, revision: 6, desired: 3, max: 4, created: 10 });
    const d = settled(o, [r5, r3, r1, r2, r4, cur], 'NewReplicaSetAvailable', '6');
    const p = plan(d, [r5, r3, cur, r1, r2, r4]);
    expect(summary(p)).toEqual([`delete ${nameOf(r1)}`, `delete ${nameOf(r2)}`, `delete ${nameOf(r4)}`]);
  });
});

describe('ReplicaSet ownership', () => {
  const mineOf = (): ReplicaSet => replicaSet(deployment(), { replicas: 3, revision: 1, desired: 3, max: 4 });
  const d = settled({}, [mineOf()], 'NewReplicaSetAvailable');

  it('adopts a matching orphan and works with it', () => {
    const orphan = replicaSet(d, { replicas: 3, revision: 1, desired: 3, max: 4 });
    orphan.metadata = { ...orphan.metadata, ownerReferences: [] };
    const p = plan(d, [orphan]);
    expect(summary(p)).toEqual([`adopt ${nameOf(orphan)}`]);
    const a = p.actions[0];
    expect(a?.kind === 'adoptReplicaSet' && a.patch).toEqual({ metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }], uid: orphan.metadata.uid } });
  });

  it('releases an owned ReplicaSet whose labels stop matching, and leaves others alone', () => {
    const mine = replicaSet(d, { replicas: 3, revision: 1, desired: 3, max: 4 });
    const strayed = replicaSet(deployment({ image: 'x' }), { replicas: 0, revision: 1 });
    strayed.metadata = { ...strayed.metadata, labels: { app: 'other' } };
    const foreign = replicaSet(deployment({ image: 'y' }), { replicas: 1 });
    foreign.metadata = { ...foreign.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'other', controller: true }] };
    const p = plan(d, [mine, strayed, foreign]);
    expect(summary(p)).toEqual([`release ${nameOf(strayed)}`]);
  });
});

describe('special cases', () => {
  it('a deployment selecting everything only gets SelectingAll and its observedGeneration', () => {
    const d = deployment({ generation: 2 });
    d.spec = { ...d.spec, selector: {} } as NonNullable<Deployment['spec']>;
    const p = plan(d);
    expect(summary(p)).toEqual(['event SelectingAll', 'status']);
    expect(eventMessages(p)).toEqual(['This deployment is selecting all pods. A non-empty selector is required.']);
    expect(lastStatus(p)?.status?.observedGeneration).toBe(2);
  });

  it('a deployment being deleted only gets its status', () => {
    const d = deployment({ image: 'busybox:2' });
    d.metadata = { ...d.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' };
    const p = plan(d, [replicaSet(deployment(), { replicas: 3, revision: 1, desired: 3, max: 4 })]);
    expect(summary(p)).toEqual(['status']);
  });

  it('finding an existing new ReplicaSet without any Progressing condition says FoundNewReplicaSet', () => {
    const d = deployment({ annotations: { [REV]: '1' } });
    const rs = replicaSet(d, { replicas: 3, actual: 0, revision: 1, desired: 3, max: 4 });
    const p = plan(d, [rs]);
    const first = p.actions[0];
    expect(first?.kind === 'updateDeploymentStatus' && getCondition(first.deployment.status, 'Progressing')).toMatchObject({ reason: 'FoundNewReplicaSet', message: `Found new replica set "${nameOf(rs)}"` });
  });

  it('carries a new minReadySeconds to the new ReplicaSet', () => {
    const rs = replicaSet(deployment(), { replicas: 3, revision: 1, desired: 3, max: 4 });
    const d = settled({ minReadySeconds: 5, generation: 2 }, [rs], 'NewReplicaSetAvailable');
    const p = plan(d, [rs]);
    const first = p.actions[0];
    expect(first?.kind === 'updateReplicaSet' && first.replicaSet.spec?.minReadySeconds).toBe(5);
  });

  it('fails on an invalid selector', () => {
    const d = deployment();
    d.spec = { ...d.spec, selector: { matchLabels: { 'bad key!': 'x' } } } as NonNullable<Deployment['spec']>;
    expect(plan(d).error).toContain('invalid label selector');
  });

  it('names the new ReplicaSet after the template hash (newReplicaSetFor is stable)', () => {
    const d = deployment();
    expect(nameOf(newReplicaSetFor(d))).toBe(nameOf(newReplicaSetFor(deployment())));
    expect(nameOf(newReplicaSetFor(deployment({ image: 'busybox:2' })))).not.toBe(nameOf(newReplicaSetFor(d)));
  });
});
