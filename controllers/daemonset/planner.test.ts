import { describe, expect, it } from 'vitest';
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { FailedPodsBackoff, failedPodsBackoffKey } from './failed-pods-backoff.ts';
import { planDaemonSet, syncGate, type DaemonSetPlan } from './planner.ts';
import { daemonSet, node, pod, T0, type DsOptions } from './test-fixtures.ts';

const H = 'newhash';
const OLD = 'oldhash';
const NOW = T0 + 3_600_000;

function plan(ds: DaemonSet, nodes: Node[], pods: Pod[], o: { satisfied?: boolean; backoff?: FailedPodsBackoff; now?: number } = {}): DaemonSetPlan {
  return planDaemonSet({
    ds, nodes, pods, hash: H, oldRevisions: [], now: o.now ?? NOW, expectationsSatisfied: o.satisfied ?? true,
    backoff: o.backoff ?? new FailedPodsBackoff(),
  });
}

const names = (pods: Pod[]): string[] => pods.map((p) => p.metadata?.name ?? '');
const nodes3 = [node('n3'), node('n1'), node('n2')];
const ready = (name: string, nodeName: string, hash = H, extra: Parameters<typeof pod>[2] = {}): Pod => pod(name, nodeName, { hash, readySince: T0, ...extra });

describe('manage: one pod on every node that fits', () => {
  const cases: { name: string; ds?: DsOptions; nodes: Node[]; pods: Pod[]; create: string[]; del: string[] }[] = [
    { name: 'every node gets a pod, in node-name order', nodes: nodes3, pods: [], create: ['n1', 'n2', 'n3'], del: [] },
    { name: 'only the node that lacks one', nodes: nodes3, pods: [ready('a', 'n1'), ready('b', 'n3')], create: ['n2'], del: [] },
    { name: 'a pending pod (affinity only) counts for its node', nodes: [node('n1')], pods: [pod('a', 'n1', { hash: H, pending: true })], create: [], del: [] },
    {
      name: 'nodes not matching the nodeSelector get none; a pod there is deleted',
      ds: { nodeSelector: { role: 'edge' } }, nodes: [node('n1', { labels: { role: 'edge' } }), node('n2')], pods: [ready('x', 'n2')],
      create: ['n1'], del: ['x'],
    },
    {
      name: 'NoSchedule taint: no new pod, the existing one stays',
      nodes: [node('n1', { taints: [{ key: 'k', effect: 'NoSchedule' }] }), node('n2', { taints: [{ key: 'k', effect: 'NoSchedule' }] })],
      pods: [ready('a', 'n1')], create: [], del: [],
    },
    {
      name: 'NoExecute taint: the pod is evicted',
      nodes: [node('n1', { taints: [{ key: 'k', effect: 'NoExecute' }] })], pods: [ready('a', 'n1')], create: [], del: ['a'],
    },
    {
      name: 'duplicates: the oldest stays',
      nodes: [node('n1')], pods: [ready('young', 'n1', H, { created: T0 + 2000 }), ready('old', 'n1', H, { created: T0 }), ready('mid', 'n1', H, { created: T0 + 1000 })],
      create: [], del: ['mid', 'young'],
    },
    {
      name: 'duplicates: a bound pod is kept before an older pending one',
      nodes: [node('n1')], pods: [pod('pending', 'n1', { hash: H, pending: true, created: T0 }), ready('bound', 'n1', H, { created: T0 + 5000 })],
      create: [], del: ['pending'],
    },
    {
      name: 'duplicates with equal creation time: by name',
      nodes: [node('n1')], pods: [ready('b', 'n1'), ready('a', 'n1')], create: [], del: ['b'],
    },
    {
      name: 'pods being deleted are neither counted nor deleted again',
      nodes: [node('n1')], pods: [ready('gone', 'n1', H, { deleting: true }), ready('a', 'n1')], create: [], del: [],
    },
    {
      name: 'a node whose only pod is being deleted waits for it (no create)',
      nodes: [node('n1')], pods: [ready('gone', 'n1', H, { deleting: true })], create: [], del: [],
    },
    {
      name: 'a deleted terminal pod is ignored: the node gets a new pod',
      nodes: [node('n1')], pods: [pod('done', 'n1', { hash: H, phase: 'Succeeded', deleting: true })], create: ['n1'], del: [],
    },
    {
      name: 'pending pods for nodes that no longer exist are deleted; bound ones are left to pod GC',
      nodes: [node('n1')], pods: [ready('a', 'n1'), pod('ghost', 'gone', { pending: true }), ready('bound', 'gone2')], create: [], del: ['ghost'],
    },
  ];
  it.each(cases)('$name', (c) => {
    const p = plan(daemonSet('d', c.ds), c.nodes, c.pods);
    expect(p.createOn).toEqual(c.create);
    expect(names(p.delete)).toEqual(c.del);
    expect(p.step).toBe(c.create.length + c.del.length > 0 ? 'manage' : 'none');
  });

  it('caps creations at BurstReplicas (250) per sync', () => {
    const many = Array.from({ length: 300 }, (_, i) => node(`n${String(i).padStart(3, '0')}`));
    const p = plan(daemonSet('d'), many, []);
    expect(p.createOn).toHaveLength(250);
    expect(p.createOn[249]).toBe('n249');
  });
});

describe('manage: failed and succeeded pods', () => {
  it('deletes a failed pod with a FailedDaemonPod warning and starts its back-off', () => {
    const ds = daemonSet('d', { observedGeneration: 1 });
    const p = plan(ds, [node('n1')], [pod('bad', 'n1', { hash: H, phase: 'Failed' })]);
    expect(names(p.delete)).toEqual(['bad']);
    expect(p.events).toEqual([{ type: 'Warning', reason: 'FailedDaemonPod', message: 'Found failed daemon pod default/bad on node n1, will try to kill it' }]);
    expect(p.backoffNext).toEqual([failedPodsBackoffKey('uid-d', 1, 'n1')]);
  });

  it('within the back-off the failed pod stays and the sync is requeued after the delay', () => {
    const ds = daemonSet('d', { observedGeneration: 1 });
    const backoff = new FailedPodsBackoff();
    const key = failedPodsBackoffKey('uid-d', 1, 'n1');
    backoff.next(key, NOW - 500);
    backoff.next(key, NOW - 500);
    const p = plan(ds, [node('n1')], [pod('bad', 'n1', { hash: H, phase: 'Failed' })], { backoff });
    expect(p.delete).toEqual([]);
    expect(p.events).toEqual([]);
    expect(p.requeueAfterMs).toBe(2000);
    const later = plan(ds, [node('n1')], [pod('bad', 'n1', { hash: H, phase: 'Failed' })], { backoff, now: NOW + 1600 });
    expect(names(later.delete)).toEqual(['bad']);
  });

  it('deletes a succeeded pod with a SucceededDaemonPod (Normal) event', () => {
    const p = plan(daemonSet('d'), [node('n1')], [pod('done', 'n1', { hash: H, phase: 'Succeeded' })]);
    expect(names(p.delete)).toEqual(['done']);
    expect(p.events).toEqual([{ type: 'Normal', reason: 'SucceededDaemonPod', message: 'Found succeeded daemon pod default/done on node n1, will try to delete it' }]);
  });
});

describe('FailedPodsBackoff', () => {
  it('doubles from 1 s up to 15 min and starts over after 30 min without failures', () => {
    const b = new FailedPodsBackoff();
    const seen: number[] = [];
    let t = 0;
    for (let i = 0; i < 12; i++) {
      b.next('k', t);
      seen.push(b.delay('k'));
      t += 1000;
    }
    expect(seen.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(seen.at(-1)).toBe(900_000);
    expect(b.inBackoffSinceUpdate('k', t)).toBe(true);
    b.next('k', t + 1_800_001);
    expect(b.delay('k')).toBe(1000);
    b.gc(t + 1_800_001 + 1_800_001);
    expect(b.delay('k')).toBe(0);
  });
});

describe('rolling update', () => {
  const ru = (maxUnavailable: number | string, maxSurge: number | string = 0): DsOptions => ({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } } });
  const oldPods = (n: number): Pod[] => Array.from({ length: n }, (_, i) => ready(`old${i + 1}`, `n${i + 1}`, OLD));
  const nodesN = (n: number): Node[] => Array.from({ length: n }, (_, i) => node(`n${i + 1}`));

  const cases: { name: string; ds: DsOptions; nodes: Node[]; pods: Pod[]; create?: string[]; del: string[]; step?: string }[] = [
    { name: 'maxUnavailable 1: one old pod at a time', ds: ru(1), nodes: nodesN(3), pods: oldPods(3), del: ['old1'] },
    {
      name: 'a new pod not yet available uses the budget', ds: ru(1), nodes: nodesN(3),
      pods: [pod('new1', 'n1', { hash: H }), ready('old2', 'n2', OLD), ready('old3', 'n3', OLD)], del: [],
    },
    {
      name: 'the next old pod goes once the new one is available', ds: ru(1), nodes: nodesN(3),
      pods: [ready('new1', 'n1'), ready('old2', 'n2', OLD), ready('old3', 'n3', OLD)], del: ['old2'],
    },
    {
      name: 'unavailable old pods are always replaced, beyond the budget', ds: ru(1), nodes: nodesN(3),
      pods: [pod('old1', 'n1', { hash: OLD }), pod('old2', 'n2', { hash: OLD }), ready('old3', 'n3', OLD)], del: ['old1', 'old2'],
    },
    { name: 'maxUnavailable 2', ds: ru(2), nodes: nodesN(3), pods: oldPods(3), del: ['old1', 'old2'] },
    { name: 'maxUnavailable 50% of 3 rounds up to 2', ds: ru('50%'), nodes: nodesN(3), pods: oldPods(3), del: ['old1', 'old2'] },
    { name: 'maxUnavailable 10% of 3 rounds up to 1', ds: ru('10%'), nodes: nodesN(3), pods: oldPods(3), del: ['old1'] },
    { name: 'maxUnavailable 0 and maxSurge 0 fall back to 1', ds: ru(0, 0), nodes: nodesN(3), pods: oldPods(3), del: ['old1'] },
    { name: 'OnDelete never replaces pods', ds: { strategy: { type: 'OnDelete' } }, nodes: nodesN(3), pods: oldPods(3), del: [] },
    {
      name: 'a pod of the current template generation counts as updated',
      ds: { ...ru(1), annotations: { 'deprecated.daemonset.template.generation': '2' } }, nodes: nodesN(2),
      pods: [
        ((p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, labels: { ...p.metadata?.labels, 'pod-template-generation': '2' } } }))(ready('gen2', 'n1', OLD)),
        ready('old2', 'n2', OLD),
      ],
      del: ['old2'],
    },
    { name: 'maxSurge 1: a new pod beside one old pod', ds: ru(0, 1), nodes: nodesN(3), pods: oldPods(3), create: ['n1'], del: [] },
    {
      // The core loop's surge pruning retires it, before the update step runs.
      name: 'maxSurge: the old pod goes once the new one beside it is available', ds: ru(0, 1), nodes: nodesN(2),
      pods: [ready('old1', 'n1', OLD), ready('new1', 'n1', H, { created: T0 + 10 }), ready('old2', 'n2', OLD)], del: ['old1'], create: [], step: 'manage',
    },
    {
      name: 'maxSurge: an unavailable old pod gets its replacement beyond the surge budget', ds: ru(0, 1), nodes: nodesN(2),
      pods: [pod('old1', 'n1', { hash: OLD }), ready('old2', 'n2', OLD)], create: ['n1', 'n2'], del: [],
    },
  ];
  it.each(cases)('$name', (c) => {
    const p = plan(daemonSet('d', c.ds), c.nodes, c.pods);
    expect(names(p.delete)).toEqual(c.del);
    expect(p.createOn).toEqual(c.create ?? []);
    if (c.del.length + (c.create?.length ?? 0) > 0) expect(p.step).toBe(c.step ?? 'rolling-update');
  });

  it('waits for the core loop: no update while it has work', () => {
    const p = plan(daemonSet('d', ru(1)), nodesN(3), oldPods(2));
    expect(p.step).toBe('manage');
    expect(p.createOn).toEqual(['n3']);
    expect(p.delete).toEqual([]);
  });

  it('a bad maxUnavailable is an error, and history is not cleaned up', () => {
    const p = plan(daemonSet('d', ru('abc')), nodesN(1), oldPods(1));
    expect(p.error).toMatch(/MaxUnavailable/);
    expect(p.delete).toEqual([]);
  });

  it('minReadySeconds: a pod ready for less than that is not available yet', () => {
    const ds = daemonSet('d', { ...ru(1), minReadySeconds: 30 });
    const pods = [ready('new1', 'n1', H, { readySince: NOW - 10_000 }), ready('old2', 'n2', OLD)];
    expect(names(plan(ds, nodesN(2), pods).delete)).toEqual([]);
    expect(names(plan(ds, nodesN(2), pods, { now: NOW + 21_000 }).delete)).toEqual(['old2']);
  });
});

describe('status', () => {
  it('counts per node from its oldest pod', () => {
    const ds = daemonSet('d', { nodeSelector: { run: 'yes' }, minReadySeconds: 10, generation: 3, observedGeneration: 2 });
    const yes = { labels: { run: 'yes' } };
    const nodes = [node('a', yes), node('b', yes), node('c', yes), node('d', yes), node('e')];
    const pods = [
      ready('pa', 'a', H, { readySince: NOW - 60_000 }), // ready, available, updated
      ready('pb', 'b', OLD, { readySince: NOW - 1000 }), // ready, not yet available, old
      pod('pc', 'c', { hash: H }), // scheduled, not ready
      ready('pe', 'e'), // misscheduled
    ];
    const p = plan(ds, nodes, pods);
    expect(p.counts).toEqual({
      desiredNumberScheduled: 4, currentNumberScheduled: 3, numberMisscheduled: 1, numberReady: 2,
      updatedNumberScheduled: 2, numberAvailable: 1, numberUnavailable: 3,
    });
    expect(p.status).toMatchObject({ observedGeneration: 3, desiredNumberScheduled: 4, numberAvailable: 1 });
    expect(p.requeueAfterMs).toBe(10_000);
  });

  it('does not raise observedGeneration (or act) while expectations are pending', () => {
    const ds = daemonSet('d', { generation: 2, observedGeneration: 1 });
    const p = plan(ds, [node('n1')], [], { satisfied: false });
    expect(p.createOn).toEqual([]);
    expect(p.status?.observedGeneration).toBe(1);
    expect(p.status?.desiredNumberScheduled).toBe(1);
  });

  it('writes nothing when unchanged and the generation was observed', () => {
    const base = daemonSet('d', { generation: 1, observedGeneration: 1 });
    const ds: DaemonSet = { ...base, status: { ...base.status, desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, numberMisscheduled: 0, updatedNumberScheduled: 1, numberAvailable: 1, observedGeneration: 1 } };
    expect(plan(ds, [node('n1')], [ready('a', 'n1')]).status).toBeUndefined();
  });

  it('keeps collisionCount and leaves zero optional counters out', () => {
    const base = daemonSet('d');
    const ds: DaemonSet = { ...base, status: { ...base.status, collisionCount: 2, currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 4 } };
    const p = plan(ds, [node('n1')], []);
    expect(p.status).toEqual({ collisionCount: 2, currentNumberScheduled: 0, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 0, numberUnavailable: 1, observedGeneration: 1 });
  });
});

describe('syncGate', () => {
  it('warns about a selector selecting everything and skips deleting DaemonSets', () => {
    const all = daemonSet('d');
    if (all.spec !== undefined) all.spec.selector = {};
    expect(syncGate(all)).toBe('selecting-all');
    const gone = daemonSet('d');
    gone.metadata = { ...gone.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' };
    expect(syncGate(gone)).toBe('deleting');
    expect(syncGate(daemonSet('d'))).toBe('sync');
  });
});

describe('OnDelete', () => {
  it('replaces only pods the user deleted, with the current template', () => {
    const ds = daemonSet('d', { strategy: { type: 'OnDelete' } });
    const p = plan(ds, [node('n1'), node('n2')], [ready('old1', 'n1', OLD)]);
    expect(p.createOn).toEqual(['n2']);
    expect(p.delete).toEqual([]);
    expect(p.counts.updatedNumberScheduled).toBe(0);
  });
});

describe('surge on a node', () => {
  const surge: DsOptions = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } };
  it('keeps the old ready pod while the new one is not available, and surges no further', () => {
    const pods = [ready('old1', 'n1', OLD), pod('new1', 'n1', { hash: H, created: T0 + 10 }), ready('old2', 'n2', OLD)];
    const p = plan(daemonSet('d', surge), [node('n1'), node('n2')], pods);
    expect(p.delete).toEqual([]);
    expect(p.createOn).toEqual([]);
  });
  it('drops an old pod that is no longer ready in favour of the new one', () => {
    const pods = [pod('old1', 'n1', { hash: OLD }), pod('new1', 'n1', { hash: H, created: T0 + 10 })];
    expect(names(plan(daemonSet('d', surge), [node('n1')], pods).delete)).toEqual(['old1']);
  });
});
