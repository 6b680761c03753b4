// Table tests of the disruption controller's decisions: expected counts for every form of
// minAvailable/maxUnavailable, healthy counting, disruptedPods expiry, the DisruptionAllowed
// condition, the fail-safe status and the stale DisruptionTarget cleanup.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { rfc3339 } from './conditions.ts';
import { expectedPodCount, expectedScale, needsControllerScale, type ControllerScale, type ExpectedScale } from './expected-count.ts';
import { goLabelSelectorString } from './go-format.ts';
import { scaledValueFromIntOrPercent } from './int-or-percent.ts';
import { failSafeStatus, planPdb, resetDisruptionTarget, staleDisruption, type PdbPlan } from './planner.ts';
import { pdbsForPod, podsForPdb } from './pod-selection.ts';
import { ago, NOW, pdb, pod, ref } from './test-fixtures.ts';

const MIN = 60_000;
const rs = ref('ReplicaSet', 'web-rs', 'rs-uid');

function synced(plan: PdbPlan): Extract<PdbPlan, { outcome: 'synced' }> {
  if (plan.outcome !== 'synced') throw new Error(`expected a synced plan, got ${plan.error}`);
  return plan;
}

describe('scaledValueFromIntOrPercent', () => {
  it.each([
    [2, 10, true, 2],
    ['50%', 5, true, 3],
    ['50%', 5, false, 2],
    ['30%', 10, true, 3],
    ['1%', 1, true, 1],
    ['0%', 7, true, 0],
    ['100%', 7, true, 7],
  ] as const)('%s of %d (up=%s) is %d', (v, total, up, want) => {
    expect(scaledValueFromIntOrPercent(v, total, up)).toEqual({ value: want });
  });

  it('refuses a string that is not a percentage, as apimachinery words it', () => {
    expect(scaledValueFromIntOrPercent('5', 10, true)).toEqual({ error: 'invalid value for IntOrString: invalid type: string is not a percentage' });
    expect(scaledValueFromIntOrPercent('x%', 10, true)).toEqual({
      error: 'invalid value for IntOrString: invalid value "x%": strconv.Atoi: parsing "x": invalid syntax',
    });
  });
});

describe('expectedPodCount', () => {
  const three = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true })];
  const scale = (count: number, unmanagedPods: string[] = []): ExpectedScale => ({ count, unmanagedPods });

  it.each<[string, PodDisruptionBudget, ExpectedScale | undefined, { expectedCount: number; desiredHealthy: number }]>([
    ['integer minAvailable counts every matching pod', pdb({ minAvailable: 2 }), undefined, { expectedCount: 3, desiredHealthy: 2 }],
    ['percentage minAvailable rounds up over the controllers\' scale', pdb({ minAvailable: '50%' }), scale(5), { expectedCount: 5, desiredHealthy: 3 }],
    ['integer maxUnavailable', pdb({ maxUnavailable: 1 }), scale(3), { expectedCount: 3, desiredHealthy: 2 }],
    ['percentage maxUnavailable rounds up (fewer must stay)', pdb({ maxUnavailable: '30%' }), scale(5), { expectedCount: 5, desiredHealthy: 3 }],
    ['maxUnavailable above the scale floors at 0', pdb({ maxUnavailable: 9 }), scale(3), { expectedCount: 3, desiredHealthy: 0 }],
    ['neither field: nothing expected', pdb({}), undefined, { expectedCount: 0, desiredHealthy: 0 }],
  ])('%s', (_name, budget, sc, want) => {
    expect(expectedPodCount(budget, three, sc)).toMatchObject(want);
  });

  it('needs the controllers only for maxUnavailable or a string minAvailable', () => {
    expect(needsControllerScale(pdb({ minAvailable: 2 }))).toBe(false);
    expect(needsControllerScale(pdb({ minAvailable: '50%' }))).toBe(true);
    expect(needsControllerScale(pdb({ maxUnavailable: 0 }))).toBe(true);
    expect(needsControllerScale(pdb({}))).toBe(false);
  });

  it('passes on the scale lookup\'s error and a malformed percentage', () => {
    expect(expectedPodCount(pdb({ maxUnavailable: 1 }), three, { error: 'found no controllers for pod "a"', unmanagedPods: [] }))
      .toEqual({ error: 'found no controllers for pod "a"' });
    expect(expectedPodCount(pdb({ minAvailable: '5' }), three, scale(3)))
      .toEqual({ error: 'invalid value for IntOrString: invalid type: string is not a percentage' });
  });
});

describe('expectedScale', () => {
  const deployment: ControllerScale = { uid: 'deploy-uid', scale: 4 };
  const finder = (table: Record<string, ControllerScale | Error | undefined>) => {
    const calls: string[] = [];
    const find = (r: { uid: string }): Promise<ControllerScale | undefined> => {
      calls.push(r.uid);
      const v = table[r.uid];
      return v instanceof Error ? Promise.reject(v) : Promise.resolve(v);
    };
    return { calls, find };
  };

  it('counts a Deployment once across its ReplicaSets and lists unmanaged pods', async () => {
    const { find } = finder({ 'rs-old': deployment, 'rs-new': deployment, 'ss-uid': { uid: 'ss-uid', scale: 3 } });
    const pods = [
      pod('a', { owner: ref('ReplicaSet', 'old', 'rs-old') }),
      pod('b', { owner: ref('ReplicaSet', 'new', 'rs-new') }),
      pod('c', { owner: ref('StatefulSet', 'db', 'ss-uid') }),
      pod('d', { owner: ref('StatefulSet', 'db', 'ss-uid') }),
      pod('lonely'),
    ];
    expect(await expectedScale(pods, find)).toEqual({ count: 7, unmanagedPods: ['lonely'] });
  });

  it('stops at the first pod whose controller is not found, or whose lookup fails', async () => {
    const { find, calls } = finder({ 'rs-uid': { uid: 'rs-uid', scale: 2 }, boom: new Error('the server is on fire') });
    const pods = [pod('a', { owner: rs }), pod('b', { owner: ref('ReplicaSet', 'x', 'gone') }), pod('c', { owner: ref('Thing', 't', 'boom') })];
    expect(await expectedScale(pods, find)).toEqual({ error: 'found no controllers for pod "b"', unmanagedPods: [] });
    expect(calls).toEqual(['rs-uid', 'gone']);
    expect(await expectedScale([pods[2]!], find)).toEqual({ error: 'the server is on fire', unmanagedPods: [] });
  });
});

describe('planPdb', () => {
  const ready3 = [pod('a'), pod('b'), pod('c')];

  it('minAvailable 2 over 3 ready pods allows one disruption', () => {
    const plan = synced(planPdb({ pdb: pdb({ minAvailable: 2 }), pods: ready3, now: NOW }));
    expect(plan.events).toEqual([]);
    expect(plan.recheckAfterMs).toBeUndefined();
    expect(plan.status).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: rfc3339(NOW), reason: 'SufficientPods', message: '' }],
    });
  });

  it('does not count pods that are not ready or are being deleted', () => {
    const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true })];
    const plan = synced(planPdb({ pdb: pdb({ minAvailable: 1 }), pods, now: NOW }));
    expect(plan.status).toMatchObject({ currentHealthy: 1, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 0 });
    expect(plan.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('allows nothing while it expects no pods, and says so', () => {
    const plan = synced(planPdb({ pdb: pdb({ minAvailable: 0 }), pods: [], now: NOW }));
    expect(plan.status).toMatchObject({ expectedPods: 0, disruptionsAllowed: 0 });
    expect(plan.events).toEqual([{ on: 'pdb', type: 'Normal', reason: 'NoPods', message: 'No matching pods found' }]);
  });

  it('maxUnavailable with the controllers\' scale', () => {
    const plan = synced(planPdb({ pdb: pdb({ maxUnavailable: '34%' }), pods: ready3, scale: { count: 3, unmanagedPods: [] }, now: NOW }));
    // 34% of 3 rounds up to 2 unavailable: one must stay, two may go.
    expect(plan.status).toMatchObject({ expectedPods: 3, desiredHealthy: 1, currentHealthy: 3, disruptionsAllowed: 2 });
  });

  it('writes nothing when the stored status is right, and again when the generation moved', () => {
    const first = synced(planPdb({ pdb: pdb({ minAvailable: 2 }), pods: ready3, now: NOW }));
    const stored = pdb({ minAvailable: 2 }, first.status);
    expect(synced(planPdb({ pdb: stored, pods: ready3, now: NOW + MIN })).status).toBeUndefined();
    const bumped = { ...stored, metadata: { ...stored.metadata, generation: 2 } };
    const again = synced(planPdb({ pdb: bumped, pods: ready3, now: NOW + MIN }));
    expect(again.status).toMatchObject({ observedGeneration: 2 });
    // Same status, so the transition time stays; the condition names the new generation.
    expect(again.status?.conditions).toEqual([{ ...first.status?.conditions?.[0], observedGeneration: 2 }]);
  });

  it('rewrites a SyncFailed condition once the sync works, moving its transition time only on a status change', () => {
    const failed = pdb({ minAvailable: 2 }, {
      observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: ago(10 * MIN), reason: 'SyncFailed', message: 'boom' }],
    });
    const plan = synced(planPdb({ pdb: failed, pods: ready3, now: NOW }));
    expect(plan.status?.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: rfc3339(NOW), reason: 'SufficientPods', message: '' },
    ]);
    const stillShort = synced(planPdb({ pdb: failed, pods: [pod('a'), pod('b')], now: NOW }));
    expect(stillShort.status?.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: ago(10 * MIN), reason: 'InsufficientPods', message: '' },
    ]);
  });

  describe('disruptedPods', () => {
    const evicted = (entries: Record<string, string>): PodDisruptionBudget =>
      pdb({ minAvailable: 2 }, { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: entries, observedGeneration: 1 });

    it('a recently evicted pod is not healthy, and the PDB is looked at again when its entry expires', () => {
      const plan = synced(planPdb({ pdb: evicted({ a: ago(30_000), b: ago(MIN) }), pods: ready3, now: NOW }));
      expect(plan.status).toMatchObject({ disruptedPods: { a: ago(30_000), b: ago(MIN) }, currentHealthy: 1, disruptionsAllowed: 0 });
      expect(plan.recheckAfterMs).toBe(MIN);
      expect(plan.events).toEqual([]);
    });

    it('an entry older than the deletion timeout is dropped with a NotDeleted warning on the pod', () => {
      const plan = synced(planPdb({ pdb: evicted({ a: ago(3 * MIN) }), pods: ready3, now: NOW }));
      expect(plan.status?.disruptedPods).toBeUndefined();
      expect(plan.status).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });
      expect(plan.recheckAfterMs).toBeUndefined();
      expect(plan.events).toEqual([{
        on: ready3[0], type: 'Warning', reason: 'NotDeleted', message: 'Pod was expected by PDB default/default to be deleted but it wasn\'t',
      }]);
    });

    it('entries of pods gone or being deleted are dropped quietly', () => {
      const pods = [pod('a', { deleting: true }), pod('b'), pod('c')];
      const plan = synced(planPdb({ pdb: evicted({ a: ago(10_000), gone: ago(10_000) }), pods, now: NOW }));
      expect(plan.status?.disruptedPods).toBeUndefined();
      expect(plan.status).toMatchObject({ currentHealthy: 2, expectedPods: 3, disruptionsAllowed: 0 });
      expect(plan.events).toEqual([]);
    });

    it('at exactly the timeout an entry is kept but its pod counts again', () => {
      const plan = synced(planPdb({ pdb: evicted({ a: ago(2 * MIN) }), pods: ready3, now: NOW }));
      expect(plan.status).toMatchObject({ disruptedPods: { a: ago(2 * MIN) }, currentHealthy: 3 });
      expect(plan.recheckAfterMs).toBe(0);
    });

    it('compares entries by instant: an unchanged map needs no write', () => {
      const stored = evicted({ a: '2026-01-01T11:59:30.000Z' });
      const plan = synced(planPdb({ pdb: { ...stored, status: { ...stored.status!, currentHealthy: 2, disruptionsAllowed: 0, conditions: [{ type: 'DisruptionAllowed', status: 'False', lastTransitionTime: ago(0), reason: 'InsufficientPods', message: '' }] } }, pods: ready3, now: NOW }));
      expect(plan.status).toBeUndefined();
      expect(plan.recheckAfterMs).toBe(90_000);
    });
  });

  it('a selector that cannot be used fails the sync with a NoPods warning', () => {
    const plan = planPdb({ pdb: pdb({ minAvailable: 1 }), pods: { error: '"Near" is not a valid label selector operator' }, now: NOW });
    expect(plan).toEqual({
      outcome: 'failed', error: '"Near" is not a valid label selector operator',
      events: [{ on: 'pdb', type: 'Warning', reason: 'NoPods', message: 'Failed to get pods: "Near" is not a valid label selector operator' }],
    });
  });

  it('a controller that cannot be found fails the sync with CalculateExpectedPodCountFailed', () => {
    const plan = planPdb({ pdb: pdb({ maxUnavailable: 1 }), pods: ready3, scale: { error: 'found no controllers for pod "a"', unmanagedPods: [] }, now: NOW });
    expect(plan).toEqual({
      outcome: 'failed', error: 'found no controllers for pod "a"',
      events: [{ on: 'pdb', type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: 'Failed to calculate the number of expected pods: found no controllers for pod "a"' }],
    });
  });

  it('unmanaged pods are warned about, not fatal', () => {
    const budget = pdb({ maxUnavailable: 1, selector: { matchLabels: { tier: 'fe', app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] } });
    const plan = synced(planPdb({ pdb: budget, pods: ready3, scale: { count: 2, unmanagedPods: ['c'] }, now: NOW }));
    expect(plan.events).toEqual([{
      on: 'pdb', type: 'Warning', reason: 'UnmanagedPods',
      message: 'Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: web,tier: fe,},'
        + 'MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[a b],},},}) were found to be unmanaged. '
        + 'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. '
        + 'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    }]);
    expect(plan.status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, currentHealthy: 3, disruptionsAllowed: 2 });
  });
});

describe('failSafeStatus', () => {
  it('zeroes disruptionsAllowed and records SyncFailed with the error, keeping the rest', () => {
    const budget = pdb({ minAvailable: 2 }, {
      observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: ago(MIN), reason: 'SufficientPods', message: '' }],
    }, 2);
    expect(failSafeStatus(budget, 'found no controllers for pod "a"', NOW)).toEqual({
      observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: rfc3339(NOW), reason: 'SyncFailed', message: 'found no controllers for pod "a"' }],
    });
  });
});

describe('stale DisruptionTarget', () => {
  const target = (o: { age: number; reason?: string; status?: string; phase?: string; deleting?: boolean }): Pod => {
    const p = pod('a', { deleting: o.deleting ?? false });
    return {
      ...p,
      status: {
        phase: o.phase ?? 'Running',
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'DisruptionTarget', status: o.status ?? 'True', reason: o.reason ?? 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: ago(o.age) },
        ],
      },
    };
  };

  it.each<[string, Parameters<typeof target>[0], ReturnType<typeof staleDisruption>]>([
    ['fresh: wait for the rest of the timeout', { age: 30_000 }, { stale: true, waitMs: 90_000 }],
    ['old: reset now', { age: 3 * MIN }, { stale: true, waitMs: 0 }],
    ['set by the kubelet: never stale', { age: 3 * MIN, reason: 'TerminationByKubelet' }, { stale: false }],
    ['already False', { age: 3 * MIN, status: 'False' }, { stale: false }],
    ['pod finished', { age: 3 * MIN, phase: 'Failed' }, { stale: false }],
    ['pod being deleted', { age: 3 * MIN, deleting: true }, { stale: false }],
  ])('%s', (_name, o, want) => {
    expect(staleDisruption(target(o), NOW)).toEqual(want);
  });

  it('a reset replaces the condition with a bare False one', () => {
    const status = resetDisruptionTarget(target({ age: 3 * MIN }), NOW);
    expect(status?.conditions).toEqual([
      { type: 'Ready', status: 'True' },
      { type: 'DisruptionTarget', status: 'False', lastTransitionTime: rfc3339(NOW) },
    ]);
    expect(resetDisruptionTarget({ ...target({ age: 0 }), status: { conditions: [{ type: 'DisruptionTarget', status: 'False', lastTransitionTime: ago(5) }] } }, NOW)).toBeUndefined();
  });
});

describe('pod selection', () => {
  const everything = pdb({ minAvailable: 1, selector: {} });
  const web = pdb({ minAvailable: 1 });
  const pods = [pod('a'), pod('b', { labels: { app: 'db' } }), pod('c', { labels: {} })];

  it('a PDB lists the pods its selector matches; an empty selector matches all of them', () => {
    expect(podsForPdb(web, pods)).toEqual([pods[0]]);
    expect(podsForPdb(everything, pods)).toEqual(pods);
    expect(podsForPdb(pdb({ minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near' }] } }), pods))
      .toEqual({ error: '"Near" is not a valid label selector operator' });
  });

  it('a pod is covered only by non-empty selectors, and a pod without labels by none', () => {
    expect(pdbsForPod(pods[0]!, [everything, web])).toEqual([web]);
    expect(pdbsForPod(pods[1]!, [everything, web])).toEqual([]);
    expect(pdbsForPod(pods[2]!, [everything, web])).toEqual([]);
  });
});

describe('goLabelSelectorString', () => {
  it('prints as the generated String() does', () => {
    expect(goLabelSelectorString({ matchLabels: { app: 'web' } })).toBe('&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}');
    expect(goLabelSelectorString(undefined)).toBe('nil');
  });
});
