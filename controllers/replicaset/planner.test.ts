import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { selectorOf } from '../../kube/labels/selector.ts';
import { planClaims, planManage, planReplicaSet, type ReplicaSetPlan } from './planner.ts';
import { availabilityRecheckMs, calculateStatus, statusToWrite, statusUpToDate } from './status.ts';
import { iso, makePod, makeRs, names, NOW, ownerRef } from './test-fixtures.ts';

function plan(rs: ReplicaSet, pods: Pod[], extra: { satisfied?: boolean; related?: Pod[]; burst?: number } = {}): Extract<ReplicaSetPlan, { invalidSelector: false }> {
  const p = planReplicaSet({
    rs, pods, now: NOW, expectationsSatisfied: extra.satisfied ?? true,
    relatedPods: () => extra.related ?? [],
    ...(extra.burst === undefined ? {} : { burstReplicas: extra.burst }),
  });
  if (p.invalidSelector) throw new Error('invalid selector');
  return p;
}

function owned(rs: ReplicaSet, n: number, opts: Parameters<typeof makePod>[1] = {}): Pod[] {
  return Array.from({ length: n }, (_, i) => makePod(`p${String(i)}`, { owner: rs, ...opts }));
}

describe('planManage: how many to create', () => {
  const rs3 = makeRs({ replicas: 3 });
  it.each([
    { name: 'none yet', rs: rs3, pods: [] as Pod[], want: { action: 'create', count: 3, batches: [1, 2] } },
    { name: 'one short', rs: rs3, pods: owned(rs3, 2), want: { action: 'create', count: 1, batches: [1] } },
    { name: 'in sync', rs: rs3, pods: owned(rs3, 3), want: { action: 'none', reason: 'in-sync' } },
    {
      name: 'terminal and terminating pods do not count',
      rs: rs3,
      pods: [makePod('done', { owner: rs3, phase: 'Succeeded' }), makePod('failed', { owner: rs3, phase: 'Failed' }), makePod('going', { owner: rs3, deleting: true }), makePod('ok', { owner: rs3 })],
      want: { action: 'create', count: 2, batches: [1, 1] },
    },
    { name: 'capped at burstReplicas (500)', rs: makeRs({ replicas: 600 }), pods: [], want: { action: 'create', count: 500, batches: [1, 2, 4, 8, 16, 32, 64, 128, 245] } },
    { name: 'spec.replicas absent means 1', rs: (() => { const r = makeRs(); delete r.spec!.replicas; return r; })(), pods: [], want: { action: 'create', count: 1, batches: [1] } },
    { name: 'scaled to zero deletes all', rs: makeRs({ replicas: 0 }), pods: owned(rs3, 2), want: { action: 'delete', names: ['p0', 'p1'] } },
  ])('$name', ({ rs, pods, want }) => {
    const p = plan(rs, pods);
    if (want.action === 'delete') {
      expect(p.manage.action).toBe('delete');
      if (p.manage.action === 'delete') expect(names(p.manage.pods)).toEqual(want.names);
    } else {
      expect(p.manage).toEqual(want);
    }
  });

  it('a smaller burst caps creations and deletions', () => {
    expect(plan(makeRs({ replicas: 10 }), [], { burst: 4 }).manage).toEqual({ action: 'create', count: 4, batches: [1, 2, 1] });
    const rs = makeRs({ replicas: 0 });
    const p = plan(rs, owned(rs, 6), { burst: 4 });
    expect(p.manage.action === 'delete' ? p.manage.pods.length : -1).toBe(4);
  });

  it('waits while expectations are unmet, but still computes the status', () => {
    const rs = makeRs({ replicas: 3 });
    const p = plan(rs, owned(rs, 1), { satisfied: false });
    expect(p.manage).toEqual({ action: 'none', reason: 'expectations' });
    expect(p.status.replicas).toBe(1);
  });

  it('does nothing to replicas of a ReplicaSet being deleted', () => {
    const rs = makeRs({ replicas: 3, deleting: true });
    expect(plan(rs, owned(rs, 1)).manage).toEqual({ action: 'none', reason: 'deleting' });
  });

  it('reads related pods only to delete', () => {
    const rs = makeRs({ replicas: 1 });
    let reads = 0;
    const input = { rs, now: NOW, expectationsSatisfied: true, relatedPods: () => { reads++; return []; } };
    planManage({ ...input, claimed: [] });
    planManage({ ...input, claimed: owned(rs, 1) });
    expect(reads).toBe(0);
    planManage({ ...input, claimed: owned(rs, 2) });
    expect(reads).toBe(1);
  });
});

describe('planManage: which to delete', () => {
  it('deletes the surplus in upstream order', () => {
    const rs = makeRs({ replicas: 2 });
    const pods = [
      makePod('old-ready', { owner: rs, node: 'n1', ready: NOW - 86_400_000, created: NOW - 86_400_000 }),
      makePod('new-ready', { owner: rs, node: 'n1', ready: NOW - 2000, created: NOW - 3000 }),
      makePod('not-ready', { owner: rs, node: 'n1', ready: false }),
      makePod('unscheduled', { owner: rs }),
    ];
    const p = plan(rs, pods);
    expect(p.manage.action === 'delete' ? names(p.manage.pods) : []).toEqual(['unscheduled', 'not-ready']);
  });

  it('uses the related pods for the same-node rank', () => {
    const rs = makeRs({ replicas: 1 });
    const a = makePod('a', { owner: rs, node: 'n1', ready: true });
    const b = makePod('b', { owner: rs, node: 'n2', ready: true });
    const sibling = makePod('s', { node: 'n1', ready: true, labels: { app: 'web', v: '2' } });
    const p = plan(rs, [a, b], { related: [a, b, sibling] });
    expect(p.manage.action === 'delete' ? names(p.manage.pods) : []).toEqual(['a']);
  });
});

describe('planClaims (ClaimPods)', () => {
  const rs = makeRs();
  const other = makeRs({ name: 'other', uid: 'other-uid' });
  const sel = selectorOf(rs.spec?.selector)!;
  const cases: { name: string; pod: Pod; owner?: ReplicaSet; claimed: boolean; adopt: boolean; release: boolean }[] = [
    { name: 'owned and matching', pod: makePod('a', { owner: rs }), claimed: true, adopt: false, release: false },
    { name: 'orphan matching: adopt', pod: makePod('a'), claimed: true, adopt: true, release: false },
    { name: 'orphan not matching: ignore', pod: makePod('a', { labels: { app: 'db' } }), claimed: false, adopt: false, release: false },
    { name: 'owned, labels changed: release', pod: makePod('a', { owner: rs, labels: { app: 'db' } }), claimed: false, adopt: false, release: true },
    { name: 'owned by another: ignore', pod: makePod('a', { owner: other }), claimed: false, adopt: false, release: false },
    { name: 'orphan while the ReplicaSet is deleted: no adoption', pod: makePod('a'), owner: makeRs({ deleting: true }), claimed: false, adopt: false, release: false },
    { name: 'owned, not matching, ReplicaSet deleted: neither kept nor released', pod: makePod('a', { owner: rs, labels: { app: 'db' } }), owner: makeRs({ deleting: true }), claimed: false, adopt: false, release: false },
    { name: 'owned and matching while deleted: still counted', pod: makePod('a', { owner: rs }), owner: makeRs({ deleting: true }), claimed: true, adopt: false, release: false },
    { name: 'terminating orphan: not considered', pod: makePod('a', { deleting: true }), claimed: false, adopt: false, release: false },
    { name: 'succeeded owned pod: not considered', pod: makePod('a', { owner: rs, phase: 'Succeeded' }), claimed: false, adopt: false, release: false },
    { name: 'another namespace: ignore', pod: makePod('a', { namespace: 'other' }), claimed: false, adopt: false, release: false },
  ];
  it.each(cases)('$name', ({ pod, owner, claimed, adopt, release }) => {
    const p = planClaims(owner ?? rs, sel, [pod]);
    expect({ claimed: p.claimed.length === 1, adopt: p.adopt.length === 1, release: p.release.length === 1 }).toEqual({ claimed, adopt, release });
  });

  it('a non-controller owner reference does not make a pod owned', () => {
    const pod = makePod('a');
    pod.metadata!.ownerReferences = [ownerRef(other, false)];
    expect(planClaims(rs, sel, [pod]).adopt).toHaveLength(1);
  });

  it('adopted orphans count towards replicas', () => {
    const r = makeRs({ replicas: 2 });
    const p = plan(r, [makePod('mine', { owner: r }), makePod('orphan')]);
    expect(names(p.claims.adopt)).toEqual(['orphan']);
    expect(p.manage).toEqual({ action: 'none', reason: 'in-sync' });
    expect(p.status.replicas).toBe(2);
  });

  it('a released pod is replaced', () => {
    const r = makeRs({ replicas: 2 });
    const p = plan(r, [makePod('mine', { owner: r }), makePod('relabelled', { owner: r, labels: { app: 'debug' } })]);
    expect(names(p.claims.release)).toEqual(['relabelled']);
    expect(p.manage).toEqual({ action: 'create', count: 1, batches: [1] });
  });

  it('an invalid selector plans nothing', () => {
    const r = makeRs({ selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] } });
    expect(planReplicaSet({ rs: r, pods: [], now: NOW, expectationsSatisfied: true, relatedPods: () => [] })).toEqual({ invalidSelector: true });
  });
});

describe('status (calculateStatus)', () => {
  it('counts replicas, fully labelled, ready and available pods', () => {
    const rs = makeRs({ replicas: 4, templateLabels: { app: 'web', tier: 'front' } });
    const pods = [
      makePod('full-ready', { owner: rs, labels: { app: 'web', tier: 'front', extra: 'x' }, ready: true }),
      makePod('partial-ready', { owner: rs, ready: true }),
      makePod('full-not-ready', { owner: rs, labels: { app: 'web', tier: 'front' }, ready: false }),
      makePod('pending', { owner: rs }),
    ];
    const p = plan(rs, pods);
    expect(p.status).toEqual({ replicas: 4, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(p.writeStatus).toBe(true);
    expect(statusToWrite(rs, p.status)).toEqual({ ...p.status, observedGeneration: 1 });
  });

  it.each([
    { name: 'minReadySeconds 0: ready is available', min: 0, readyAgo: 0, available: 1 },
    { name: 'ready for longer than minReadySeconds', min: 10, readyAgo: 11_000, available: 1 },
    { name: 'ready for exactly minReadySeconds is not yet available (strictly before now)', min: 10, readyAgo: 10_000, available: 0 },
    { name: 'ready for less than minReadySeconds', min: 10, readyAgo: 5000, available: 0 },
  ])('$name', ({ min, readyAgo, available }) => {
    const rs = makeRs({ replicas: 1, minReadySeconds: min });
    const p = plan(rs, [makePod('a', { owner: rs, ready: NOW - readyAgo })]);
    expect(p.status.readyReplicas).toBe(1);
    expect(p.status.availableReplicas ?? 0).toBe(available);
  });

  it('requeues after minReadySeconds when every replica is ready but not all available', () => {
    const rs = makeRs({ replicas: 2, minReadySeconds: 30 });
    const notYet = plan(rs, [makePod('a', { owner: rs, ready: NOW - 1000 }), makePod('b', { owner: rs, ready: true })]);
    expect(notYet.requeueAfterMs).toBe(30_000);
    const allAvailable = plan(rs, [makePod('a', { owner: rs, ready: true }), makePod('b', { owner: rs, ready: true })]);
    expect(allAvailable.requeueAfterMs).toBeUndefined();
    // Not every desired replica is ready: upstream leaves it to the pod-ready event's delayed enqueue.
    const short = plan(rs, [makePod('a', { owner: rs, ready: NOW - 1000 })]);
    expect(short.requeueAfterMs).toBeUndefined();
    expect(availabilityRecheckMs(makeRs({ replicas: 1 }), { replicas: 1, readyReplicas: 1 })).toBeUndefined();
  });

  it('writes nothing when counts, conditions and observedGeneration are current', () => {
    const rs = makeRs({ replicas: 1, generation: 3, status: { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 3 } });
    const p = plan(rs, [makePod('a', { owner: rs, ready: true })]);
    expect(p.writeStatus).toBe(false);
    // A new generation alone is written (observedGeneration catches up).
    const next = { ...rs, metadata: { ...rs.metadata, generation: 4 } };
    expect(statusUpToDate(next, p.status)).toBe(false);
    expect(statusToWrite(next, p.status).observedGeneration).toBe(4);
  });

  it('adds ReplicaFailure FailedCreate or FailedDelete on an error, keeps an existing one, removes it when fine', () => {
    const rs = makeRs({ replicas: 2 });
    const short = calculateStatus(rs, [], 'pods "web-x" is forbidden: exceeded quota', NOW);
    expect(short.conditions).toEqual([{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: iso(NOW), reason: 'FailedCreate', message: 'pods "web-x" is forbidden: exceeded quota' }]);
    const surplus = calculateStatus(rs, owned(rs, 3), 'unable to delete pods: boom', NOW);
    expect(surplus.conditions?.[0]?.reason).toBe('FailedDelete');

    const failing = makeRs({ replicas: 2, status: { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'old', lastTransitionTime: iso(NOW - 60_000) }] } });
    expect(calculateStatus(failing, [], 'new message', NOW).conditions).toEqual(failing.status?.conditions);
    const healed = calculateStatus(failing, owned(failing, 2), undefined, NOW);
    expect(healed.conditions).toBeUndefined();
    expect(statusUpToDate(failing, healed)).toBe(false);
  });
});
