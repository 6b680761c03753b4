import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { ApiError } from '../api/errors.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import { callSubresource } from '../testing/subresource.ts';
import { checkAndDecrement, evictionDecision, evictPod, selectorMatches } from './pod-eviction.ts';
import { Registry } from './registry.ts';
import { bootstrapRegistry } from './bootstrap.ts';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

function pod(o: { phase?: string; ready?: boolean; deleting?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  const conditions = o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False' }];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', resourceVersion: '7', labels: o.labels ?? { app: 'web' }, ...(o.deleting === true ? { deletionTimestamp: '2026-11-23T12:00:00Z' } : {}) },
    spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: o.phase ?? 'Running', conditions },
  };
}

function pdb(name: string, o: { selector?: unknown; status?: Record<string, unknown>; generation?: number; policy?: string; namespace?: string } = {}): KubeObject {
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
    metadata: { name, namespace: o.namespace ?? 'default', generation: o.generation ?? 1 },
    spec: { selector: 'selector' in o ? o.selector : { matchLabels: { app: 'web' } }, ...(o.policy === undefined ? {} : { unhealthyPodEvictionPolicy: o.policy }) },
    status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, ...o.status },
  };
}

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('eviction decisions', () => {
  it.each([
    ['a Pending pod goes without a look at budgets', pod({ phase: 'Pending' }), [pdb('a')], { action: 'delete', requireResourceVersion: '7' }],
    ['a Succeeded pod goes unconditionally', pod({ phase: 'Succeeded' }), [pdb('a')], { action: 'delete' }],
    ['a Failed pod goes unconditionally', pod({ phase: 'Failed' }), [pdb('a')], { action: 'delete' }],
    ['a pod being deleted goes unconditionally', pod({ deleting: true }), [pdb('a')], { action: 'delete' }],
    ['a running pod without a budget goes', pod({ ready: true }), [], { action: 'delete' }],
    ['a budget of another namespace does not count', pod({ ready: true }), [pdb('a', { namespace: 'other' })], { action: 'delete' }],
    ['an empty selector matches nothing', pod({ ready: true }), [pdb('a', { selector: {} })], { action: 'delete' }],
    ['a missing selector matches nothing', pod({ ready: true }), [pdb('a', { selector: null })], { action: 'delete' }],
    ['a selector that does not parse matches nothing', pod({ ready: true }), [pdb('a', { selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } })], { action: 'delete' }],
    ['two budgets are not supported', pod({ ready: true }), [pdb('a'), pdb('b')], { action: 'unsupported' }],
    ['a ready pod takes from its budget', pod({ ready: true }), [pdb('a')], { action: 'decrement', budget: 'a' }],
    ['an unready pod of a healthy budget goes if unchanged', pod({ ready: false }), [pdb('a', { status: { currentHealthy: 1, desiredHealthy: 1 } })], { action: 'delete', requireResourceVersion: '7', budget: 'a' }],
    ['an unready pod of an unhealthy budget takes from it', pod({ ready: false }), [pdb('a', { status: { currentHealthy: 0, desiredHealthy: 1 } })], { action: 'decrement', budget: 'a' }],
    ['an unready pod with AlwaysAllow goes if unchanged', pod({ ready: false }), [pdb('a', { policy: 'AlwaysAllow', status: { currentHealthy: 0 } })], { action: 'delete', requireResourceVersion: '7', budget: 'a' }],
    ['desiredHealthy 0 does not make a budget healthy', pod({}), [pdb('a', { status: { currentHealthy: 0, desiredHealthy: 0 } })], { action: 'decrement', budget: 'a' }],
  ])('%s', (_name, p, budgets, expected) => {
    expect(evictionDecision(p, budgets)).toEqual(expected);
  });

  it('matches selectors as metav1.LabelSelectorAsSelector', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'gone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] }, labels)).toBe(false);
  });

  it('checks and decrements a budget as checkAndDecrement', () => {
    const next = checkAndDecrement(pdb('a', { status: { disruptionsAllowed: 2 } }), 'web', T0, false);
    expect(next['status']).toMatchObject({ disruptionsAllowed: 1, disruptedPods: { web: '2026-11-23T12:00:00Z' } });
    const last = checkAndDecrement(pdb('a'), 'web', T0, false);
    expect((last['status'] as Record<string, unknown>)['conditions']).toEqual([
      { type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, reason: 'InsufficientPods', message: '', lastTransitionTime: '2026-11-23T12:00:00Z' },
    ]);
    expect((checkAndDecrement(pdb('a'), 'web', T0, true)['status'] as Record<string, unknown>)['disruptedPods']).toBeUndefined();

    const blocked = thrown(() => checkAndDecrement(pdb('a', { status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 } }), 'web', T0, false));
    expect(blocked.status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'TooManyRequests', code: 429,
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget a needs 1 healthy pods and has 1 currently' }] },
    });
    const stale = thrown(() => checkAndDecrement(pdb('a', { generation: 2 }), 'web', T0, false));
    expect(stale.status.details).toEqual({ causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget a is still being processed by the server.' }], retryAfterSeconds: 10 });
    expect(thrown(() => checkAndDecrement(pdb('a', { status: { disruptionsAllowed: -1 } }), 'web', T0, false)).message)
      .toBe('poddisruptionbudget.policy "a" is forbidden: pdb disruptions allowed is negative');
    const many = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`p${i}`, '2026-11-23T12:00:00Z']));
    expect(thrown(() => checkAndDecrement(pdb('a', { status: { disruptedPods: many } }), 'web', T0, false)).message)
      .toBe('poddisruptionbudget.policy "a" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  });
});

async function setup(): Promise<{ reg: Registry; clock: FakeClock }> {
  const clock = new FakeClock(T0);
  const reg = new Registry(createMemoryStorage(), clock);
  await bootstrapRegistry(reg);
  await reg.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  // bound and running (as the agent would report it)
  await reg.pods.patch('default', 'web', 'merge', { spec: {} }, undefined);
  await reg.pods.guaranteedUpdate('default', 'web', {}, (p) => ({ ...p, spec: { ...(p['spec'] as object), nodeName: 'node1' } }));
  await reg.pods.patch('default', 'web', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, 'status');
  return { reg, clock };
}

const EVICTION = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web', namespace: 'default' } };

function evict(s: { reg: Registry; clock: FakeClock }, body: unknown = EVICTION, dryRun = false): Promise<{ code: number; body: unknown }> {
  return callSubresource(s.reg, s.clock, { group: '', resource: 'pods' }, 'web', evictPod, { namespace: 'default', body, dryRun });
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return `${err.httpCode} ${err.status.reason ?? ''}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a failure');
}

const pdbServed = new Registry(createMemoryStorage(), new FakeClock()).find('policy', 'v1', 'poddisruptionbudgets') !== undefined;

async function addBudget(reg: Registry, name: string, status: Record<string, unknown>): Promise<void> {
  const store = reg.store('policy', 'v1', 'poddisruptionbudgets');
  await store.create('default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
  await store.patch('default', name, 'merge', { status: { observedGeneration: 1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, ...status } }, 'status');
}

describe('pods/eviction', () => {
  it('deletes a pod without a budget (gracefully: it is bound) after marking it DisruptionTarget', async () => {
    const s = await setup();
    const out = await evict(s, { ...EVICTION, deleteOptions: { gracePeriodSeconds: 5 } });
    expect(out).toEqual({ code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } });
    const p = await s.reg.pods.get('default', 'web');
    expect(p.metadata?.['deletionGracePeriodSeconds']).toBe(5);
    expect((p['status'] as { conditions: unknown[] }).conditions).toContainEqual({
      type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: '2026-11-23T12:00:00Z',
    });
  });

  it('deletes a Pending pod at once, on the condition that it has not changed (the condition written first moves it on)', async () => {
    const s = await setup();
    await s.reg.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    expect((await s.reg.pods.get('default', 'pending'))['status']).toMatchObject({ phase: 'Pending' });
    const out = await callSubresource(s.reg, s.clock, { group: '', resource: 'pods' }, 'pending', evictPod, { namespace: 'default', body: { ...EVICTION, metadata: { name: 'pending' } } });
    expect(out.code).toBe(201);
    expect(await failure(s.reg.pods.get('default', 'pending'))).toBe('404 NotFound: pods "pending" not found');
  });

  it('refuses bodies kube refuses', async () => {
    const s = await setup();
    expect(await failure(evict(s, { ...EVICTION, metadata: { name: 'other' } }))).toBe('400 BadRequest: name in URL does not match name in Eviction object');
    expect(await failure(evict(s, { ...EVICTION, metadata: {} }))).toBe('400 BadRequest: name in URL does not match name in Eviction object');
    expect(await failure(evict(s, { ...EVICTION, apiVersion: 'policy/v2' }))).toBe('400 BadRequest: the API version in the data (policy/v2) does not match the expected API version (policy/v1)');
    expect(await failure(evict(s, { ...EVICTION, deleteOptions: { dryRun: ['Foo'] } }, true)))
      .toBe('400 BadRequest: Non-matching dry-run options in request and content: [All] and [Foo]');
    expect(await failure(evict(s, { ...EVICTION, deleteOptions: { preconditions: { uid: 'nope' } } })))
      .toBe('409 Conflict: Operation cannot be fulfilled on Pod "web": the UID in the precondition (nope) does not match the UID in record (' + String((await s.reg.pods.get('default', 'web')).metadata?.['uid']) + '). The object might have been deleted and then recreated');
    expect((await evict(s, { ...EVICTION, apiVersion: 'policy/v1beta1' }, true)).code).toBe(201);
    expect((await s.reg.pods.get('default', 'web')).metadata?.['deletionTimestamp']).toBeUndefined();
  });

  it.skipIf(!pdbServed)('takes a disruption from the budget, refuses with a 429 when it has none, and a 500 Status for two budgets', async () => {
    const s = await setup();
    await addBudget(s.reg, 'one', { disruptionsAllowed: 0 });
    expect(await failure(evict(s))).toBe("429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget.");
    const pdbs = s.reg.store('policy', 'v1', 'poddisruptionbudgets');
    await pdbs.patch('default', 'one', 'merge', { status: { disruptionsAllowed: 1 } }, 'status');
    expect((await evict(s, EVICTION, true)).code).toBe(201);
    expect((await pdbs.get('default', 'one'))['status']).toMatchObject({ disruptionsAllowed: 1 });
    await addBudget(s.reg, 'two', { disruptionsAllowed: 1 });
    expect(await evict(s)).toEqual({ code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 } });
    await pdbs.delete('default', 'two');
    expect((await evict(s)).code).toBe(201);
    expect((await pdbs.get('default', 'one'))['status']).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { web: '2026-11-23T12:00:00Z' } });
    expect((await s.reg.pods.get('default', 'web')).metadata?.['deletionTimestamp']).toBeDefined();
  });
});
