import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { describe, expect, it } from 'vitest';
import {
  NOW, claimLookup, makeClaim, makePod, makeSet, podRef, revisionOf, rfc3339, setRef, withImage, type PodState,
} from './fixtures.ts';
import { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL } from './identity.ts';
import { planStatefulSet, STALE_CLAIM_RECHECK_MS, type StatefulSetAction, type StatefulSetPlan } from './planner.ts';

interface Case {
  set: StatefulSet;
  pods?: Pod[];
  claims?: PersistentVolumeClaim[];
  current?: ControllerRevision;
  update?: ControllerRevision;
  now?: number;
}

function plan(c: Case): StatefulSetPlan {
  const rev = revisionOf(c.set);
  return planStatefulSet({
    set: c.set, pods: c.pods ?? [], claims: claimLookup(c.claims ?? []),
    currentRevision: c.current ?? rev, updateRevision: c.update ?? rev, collisionCount: 0, now: c.now ?? NOW,
  });
}

/** "phase:ordered|parallel type pod" lines, for compact expectations. */
function summary(p: StatefulSetPlan): string[] {
  const describeAction = (a: StatefulSetAction): string => {
    switch (a.type) {
      case 'deletePod': return `delete ${a.name} (${a.why})`;
      case 'createPod': return `create ${a.pod.metadata?.name ?? ''}`;
      case 'ensureClaims': return `claims ${a.pod}`;
      case 'updatePod': return `update ${a.pod.metadata?.name ?? ''}`;
      case 'updateClaims': return `retention ${a.pod}`;
    }
  };
  return p.phases.flatMap((ph) => ph.units.flatMap((u) => u.actions.map((a) => `${ph.name}:${ph.ordered ? 'ordered' : 'parallel'} ${describeAction(a)}`)));
}

function pods(set: StatefulSet, rev: ControllerRevision, states: PodState[]): Pod[] {
  return states.map((s, i) => makePod(set, i, rev, s));
}

function firstAction(p: StatefulSetPlan): StatefulSetAction {
  const a = p.phases[0]?.units[0]?.actions[0];
  if (a === undefined) throw new Error('no action');
  return a;
}

describe('planStatefulSet: the pods it makes', () => {
  it('creates <set>-0 first with its identity, revision label, owner and claim volume', () => {
    const set = makeSet();
    const p = plan({ set });
    expect(summary(p)).toEqual(['replicas:ordered create web-0']);
    const a = firstAction(p);
    if (a.type !== 'createPod') throw new Error(a.type);
    const pod = a.pod;
    expect(pod.metadata?.name).toBe('web-0');
    expect(pod.metadata?.generateName).toBe('web-');
    expect(pod.metadata?.labels).toEqual({
      app: 'nginx', [POD_NAME_LABEL]: 'web-0', [POD_INDEX_LABEL]: '0', [REVISION_LABEL]: revisionOf(set).metadata?.name,
    });
    expect(pod.metadata?.ownerReferences).toEqual([setRef()]);
    expect(pod.spec?.hostname).toBe('web-0');
    expect(pod.spec?.subdomain).toBe('nginx');
    expect(pod.spec?.volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
    expect(a.claims.create.map((c) => c.metadata?.name)).toEqual(['www-web-0']);
    expect(a.claims.create[0]?.metadata?.labels).toEqual({ app: 'nginx' });
    expect(p.waitingFor).toEqual({ pod: 'web-0', reason: 'to be created' });
  });

  it('reuses an existing claim (it survived the pod) instead of creating it', () => {
    const set = makeSet();
    const a = firstAction(plan({ set, claims: [makeClaim(set, 0)] }));
    expect(a.type === 'createPod' && a.claims.create).toEqual([]);
  });

  it.each<[string, PodState[], string[], string | undefined]>([
    ['waits for a Pending web-0', ['pending'], [], 'to be Running and Ready'],
    ['waits for a Running but not Ready web-0', ['running'], [], 'to be Running and Ready'],
    ['creates web-1 once web-0 is Running and Ready', ['ready'], ['replicas:ordered create web-1'], 'to be created'],
    ['creates web-2 after web-0 and web-1', ['ready', 'ready'], ['replicas:ordered create web-2'], 'to be created'],
    ['waits for a terminating web-0', ['terminating'], [], 'to terminate'],
    ['deletes a Failed web-0 (and nothing else)', ['failed', 'ready'], ['replicas:ordered delete web-0 (failed)'], 'to be replaced'],
    ['deletes a Succeeded web-1', ['ready', 'succeeded'], ['replicas:ordered delete web-1 (failed)'], 'to be replaced'],
    ['does nothing once all are ready', ['ready', 'ready', 'ready'], [], undefined],
  ])('OrderedReady %s', (_name, states, expected, waiting) => {
    const set = makeSet();
    const rev = revisionOf(set);
    const claims = states.map((_s, i) => makeClaim(set, i));
    const p = plan({ set, pods: pods(set, rev, states), claims });
    expect(summary(p)).toEqual(expected);
    expect(p.waitingFor?.reason).toBe(waiting);
  });

  it('OrderedReady makes a Pending pod\'s missing claims and still waits', () => {
    const set = makeSet();
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['pending']) });
    expect(summary(p)).toEqual(['replicas:ordered claims web-0']);
    expect(p.waitingFor).toEqual({ pod: 'web-0', reason: 'to be Running and Ready' });
  });

  it('OrderedReady with minReadySeconds waits until the lower pod is available, then creates', () => {
    const set = makeSet({ minReadySeconds: 10 });
    const rev = revisionOf(set);
    const web0 = makePod(set, 0, rev, 'ready', NOW - 5_000);
    const early = plan({ set, pods: [web0], claims: [makeClaim(set, 0)] });
    expect(summary(early)).toEqual([]);
    expect(early.waitingFor?.reason).toBe('to be Available');
    expect(early.requeueAfterMs).toBe(10_000);
    expect(early.status.readyReplicas).toBe(1);
    expect(early.status.availableReplicas).toBe(0);
    const later = plan({ set, pods: [web0], claims: [makeClaim(set, 0)], now: NOW + 6_000 });
    expect(summary(later)).toEqual(['replicas:ordered create web-1']);
    expect(later.status.availableReplicas).toBe(1);
  });

  it('Parallel creates every missing pod at once', () => {
    const set = makeSet({ policy: 'Parallel' });
    const p = plan({ set });
    expect(summary(p)).toEqual(['replicas:parallel create web-0', 'replicas:parallel create web-1', 'replicas:parallel create web-2']);
    // only the rolling-update pass, which comes last, waits (for the highest pod to be healthy)
    expect(p.waitingFor).toEqual({ pod: 'web-2', reason: 'to be updated' });
  });

  it('Parallel creates around an unready pod', () => {
    const set = makeSet({ policy: 'Parallel' });
    const rev = revisionOf(set);
    const p = plan({ set, pods: [makePod(set, 1, rev, 'running')], claims: [makeClaim(set, 1)] });
    expect(summary(p)).toEqual(['replicas:parallel create web-0', 'replicas:parallel create web-2']);
  });

  it('numbers pods from spec.ordinals.start', () => {
    const set = makeSet({ start: 5, replicas: 2 });
    const a = firstAction(plan({ set }));
    expect(a.type === 'createPod' && a.pod.metadata?.name).toBe('web-5');
    expect(a.type === 'createPod' && a.pod.metadata?.labels?.[POD_INDEX_LABEL]).toBe('5');
    expect(a.type === 'createPod' && a.claims.create[0]?.metadata?.name).toBe('www-web-5');
  });

  it('repairs a pod whose identity label was removed', () => {
    const set = makeSet({ replicas: 1 });
    const rev = revisionOf(set);
    const pod = makePod(set, 0, rev, 'ready');
    delete pod.metadata?.labels?.[POD_NAME_LABEL];
    const p = plan({ set, pods: [pod], claims: [makeClaim(set, 0)] });
    expect(summary(p)).toEqual(['replicas:ordered update web-0']);
    const a = firstAction(p);
    expect(a.type === 'updatePod' && a.pod.metadata?.labels?.[POD_NAME_LABEL]).toBe('web-0');
  });

  it('does nothing but status for a set being deleted', () => {
    const set = makeSet();
    set.metadata = { ...set.metadata, deletionTimestamp: rfc3339(NOW) };
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['ready']) });
    expect(p.phases).toEqual([]);
    expect(p.status.replicas).toBe(1);
  });
});

describe('planStatefulSet: scaling down', () => {
  it('OrderedReady deletes the highest ordinal only, and keeps its claim', () => {
    const set = makeSet({ replicas: 1 });
    const rev = revisionOf(set);
    const claims = [0, 1, 2].map((i) => makeClaim(set, i));
    const p = plan({ set, pods: pods(set, rev, ['ready', 'ready', 'ready']), claims });
    expect(summary(p)).toEqual(['condemned:ordered delete web-2 (condemned)']);
  });

  it('OrderedReady waits for the condemned pod to terminate before the next', () => {
    const set = makeSet({ replicas: 1 });
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['ready', 'ready', 'terminating']) });
    expect(summary(p)).toEqual([]);
    expect(p.waitingFor).toEqual({ pod: 'web-2', reason: 'to terminate before scaling down' });
  });

  it('OrderedReady removes the first unhealthy pod but waits on any other unhealthy one', () => {
    const set = makeSet({ replicas: 1 });
    const rev = revisionOf(set);
    // web-2 is the first unhealthy pod: it may go
    expect(summary(plan({ set, pods: pods(set, rev, ['ready', 'ready', 'running']) }))).toEqual(['condemned:ordered delete web-2 (condemned)']);
    // web-1 is the first unhealthy one, so web-2 (healthy) goes; then web-1 may go
    expect(summary(plan({ set, pods: pods(set, rev, ['ready', 'running', 'ready']) }))).toEqual(['condemned:ordered delete web-2 (condemned)']);
    // web-1 and web-2 unhealthy: web-1 is the first; web-2 must wait
    const p = plan({ set, pods: pods(set, rev, ['ready', 'running', 'running']) });
    expect(summary(p)).toEqual([]);
    expect(p.waitingFor?.reason).toBe('to be Running and Ready before scaling down');
  });

  it('Parallel deletes every condemned pod at once', () => {
    const set = makeSet({ replicas: 1, policy: 'Parallel' });
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['ready', 'running', 'terminating', 'ready']) });
    expect(summary(p)).toEqual(['condemned:parallel delete web-3 (condemned)', 'condemned:parallel delete web-1 (condemned)']);
  });

  it('creation comes before scale-down (a missing lower pod blocks it)', () => {
    const set = makeSet({ replicas: 2 });
    const rev = revisionOf(set);
    const p = plan({ set, pods: [makePod(set, 1, rev), makePod(set, 2, rev)] });
    expect(summary(p)).toEqual(['replicas:ordered create web-0']);
  });
});

describe('planStatefulSet: rolling update', () => {
  const old = makeSet();
  const oldRev = revisionOf(old, 1);

  function updated(partition = 0): { set: StatefulSet; rev: ControllerRevision } {
    const set = withImage(makeSet({ partition }), 'nginx:2');
    return { set, rev: revisionOf(set, 2) };
  }

  it('deletes the highest ordinal not at the update revision', () => {
    const { set, rev } = updated();
    const p = plan({ set, pods: pods(old, oldRev, ['ready', 'ready', 'ready']), current: oldRev, update: rev });
    expect(summary(p)).toEqual(['update:ordered delete web-2 (update)']);
    expect(p.status.currentReplicas).toBe(2);
    expect(p.status.updatedReplicas).toBe(0);
  });

  it('recreates the deleted pod at the update revision', () => {
    const { set, rev } = updated();
    const p = plan({ set, pods: pods(old, oldRev, ['ready', 'ready']), current: oldRev, update: rev });
    const a = firstAction(p);
    expect(a.type === 'createPod' && a.pod.metadata?.labels?.[REVISION_LABEL]).toBe(rev.metadata?.name);
    expect(a.type === 'createPod' && a.pod.spec?.containers[0]?.image).toBe('nginx:2');
  });

  it('waits for the updated pod to be healthy before the next one', () => {
    const { set, rev } = updated();
    const current = [makePod(old, 0, oldRev), makePod(old, 1, oldRev), makePod(set, 2, rev, 'running')];
    const p = plan({ set, pods: current, current: oldRev, update: rev });
    // OrderedReady stops already at the unready replica
    expect(summary(p)).toEqual([]);
    const parallel = { ...set, spec: { ...set.spec, podManagementPolicy: 'Parallel' } } as StatefulSet;
    const pp = plan({ set: parallel, pods: current, current: oldRev, update: rev });
    expect(summary(pp)).toEqual([]);
    expect(pp.waitingFor).toEqual({ pod: 'web-2', reason: 'to be updated' });
    const next = plan({ set, pods: [makePod(old, 0, oldRev), makePod(old, 1, oldRev), makePod(set, 2, rev)], current: oldRev, update: rev });
    expect(summary(next)).toEqual(['update:ordered delete web-1 (update)']);
  });

  it('with partition 2 updates only web-2', () => {
    const { set, rev } = updated(2);
    expect(summary(plan({ set, pods: pods(old, oldRev, ['ready', 'ready', 'ready']), current: oldRev, update: rev })))
      .toEqual(['update:ordered delete web-2 (update)']);
    const done = plan({ set, pods: [makePod(old, 0, oldRev), makePod(old, 1, oldRev), makePod(set, 2, rev)], current: oldRev, update: rev });
    expect(summary(done)).toEqual([]);
    expect(done.status).toMatchObject({ currentReplicas: 2, updatedReplicas: 1, currentRevision: oldRev.metadata?.name, updateRevision: rev.metadata?.name });
  });

  it('with a partition, a missing pod below it is made at the current revision', () => {
    const { set, rev } = updated(2);
    const a = firstAction(plan({ set, pods: [makePod(old, 1, oldRev), makePod(set, 2, rev)], current: oldRev, update: rev }));
    expect(a.type === 'createPod' && a.pod.metadata?.labels?.[REVISION_LABEL]).toBe(oldRev.metadata?.name);
    expect(a.type === 'createPod' && a.pod.spec?.containers[0]?.image).toBe('nginx:1');
  });

  it('OnDelete never deletes for an update, and replaces a deleted pod at the update revision', () => {
    const set = withImage(makeSet({ onDelete: true }), 'nginx:2');
    const rev = revisionOf(set, 2);
    expect(summary(plan({ set, pods: pods(old, oldRev, ['ready', 'ready', 'ready']), current: oldRev, update: rev }))).toEqual([]);
    const a = firstAction(plan({ set, pods: [makePod(old, 0, oldRev), makePod(old, 2, oldRev)], current: oldRev, update: rev }));
    expect(a.type === 'createPod' && a.pod.metadata?.labels?.[REVISION_LABEL]).toBe(rev.metadata?.name);
  });

  it('scaling down takes precedence over updating', () => {
    const { set, rev } = updated();
    const s = { ...set, spec: { ...set.spec, replicas: 2 } } as StatefulSet;
    expect(summary(plan({ set: s, pods: pods(old, oldRev, ['ready', 'ready', 'ready']), current: oldRev, update: rev })))
      .toEqual(['condemned:ordered delete web-2 (condemned)']);
  });
});

describe('planStatefulSet: claims and the retention policy', () => {
  it('marks a terminating claim so the pod is not created on it', () => {
    const set = makeSet();
    const a = firstAction(plan({ set, claims: [makeClaim(set, 0, undefined, true)] }));
    expect(a.type === 'createPod' && a.claims.terminating).toEqual(['www-web-0']);
  });

  it('whenDeleted=Delete puts the set\'s controller reference on a running pod\'s claim', () => {
    const set = makeSet({ replicas: 1, retention: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['ready']), claims: [makeClaim(set, 0)] });
    expect(summary(p)).toEqual(['replicas:ordered update web-0']);
    const a = firstAction(p);
    if (a.type !== 'updatePod') throw new Error(a.type);
    expect(a.claims.updates.map((c) => c.metadata?.ownerReferences)).toEqual([[setRef()]]);
  });

  it('whenScaled=Delete gives a condemned pod\'s claim to the pod before deleting the pod', () => {
    const set = makeSet({ replicas: 1, retention: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['ready', 'ready']), claims: [makeClaim(set, 0), makeClaim(set, 1)] });
    expect(summary(p)).toEqual(['condemned-claims:ordered retention web-1', 'condemned:ordered delete web-1 (condemned)']);
    const a = p.phases[0]?.units[0]?.actions[0];
    expect(a?.type === 'updateClaims' && a.claims.updates[0]?.metadata?.ownerReferences).toEqual([podRef(1)]);
  });

  it('Delete/Delete moves the claim from the set to the pod on scale-down', () => {
    const set = makeSet({ replicas: 1, retention: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['ready', 'ready']), claims: [makeClaim(set, 0, [setRef()]), makeClaim(set, 1, [setRef()])] });
    const a = p.phases[0]?.units[0]?.actions[0];
    expect(a?.type === 'updateClaims' && a.claims.updates[0]?.metadata?.ownerReferences).toEqual([podRef(1)]);
  });

  it('a claim still owned by the previous pod (whenScaled=Delete) blocks the new pod', () => {
    const set = makeSet({ replicas: 1, retention: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    const p = plan({ set, claims: [makeClaim(set, 0, [podRef(0, 'old-pod')])] });
    expect(summary(p)).toEqual([]);
    expect(p.waitingFor?.reason).toBe('a stale claim to be removed');
    expect(p.requeueAfterMs).toBe(STALE_CLAIM_RECHECK_MS);
  });

  it('leaves a claim another controller owns alone (with a warning when it also has our reference)', () => {
    const set = makeSet({ replicas: 1, retention: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    const rev = revisionOf(set);
    const other: OwnerReference[] = [{ apiVersion: 'example.com/v1', kind: 'Thing', name: 'x', uid: 'x', controller: true }];
    expect(summary(plan({ set, pods: pods(set, rev, ['ready']), claims: [makeClaim(set, 0, other)] }))).toEqual([]);
    const both = plan({ set, pods: pods(set, rev, ['ready']), claims: [makeClaim(set, 0, [...other, setRef()])] });
    const a = firstAction(both);
    if (a.type !== 'updatePod') throw new Error(a.type);
    expect(a.claims.conflicting).toEqual(['www-web-0']);
    expect(a.claims.updates[0]?.metadata?.ownerReferences).toEqual(other);
  });
});

describe('planStatefulSet: status', () => {
  it('counts created, ready, available, current and updated pods', () => {
    const set = withImage(makeSet({ replicas: 3, minReadySeconds: 30 }), 'nginx:2');
    const old = makeSet();
    const oldRev = revisionOf(old, 1);
    const rev = revisionOf(set, 2);
    const list = [makePod(old, 0, oldRev), makePod(old, 1, oldRev, 'ready', NOW - 10_000), makePod(set, 2, rev, 'pending')];
    const p = plan({ set, pods: list, current: oldRev, update: rev });
    expect(p.status).toEqual({
      observedGeneration: 1, replicas: 3, readyReplicas: 2, availableReplicas: 1, currentReplicas: 2, updatedReplicas: 1,
      currentRevision: oldRev.metadata?.name, updateRevision: rev.metadata?.name, collisionCount: 0,
    });
  });

  it('does not count a terminating pod as current or updated', () => {
    const set = makeSet({ replicas: 2 });
    const rev = revisionOf(set);
    const p = plan({ set, pods: pods(set, rev, ['ready', 'terminating']) });
    expect(p.status).toMatchObject({ replicas: 2, readyReplicas: 2, currentReplicas: 1, updatedReplicas: 1 });
  });
});
