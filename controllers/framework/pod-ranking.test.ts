import { describe, expect, it } from 'vitest';
import { makePod, makeRs, names, NOW, type PodOptions } from '../replicaset/test-fixtures.ts';
import { logarithmicRankDiff, podDeletionCost, podsToDelete, preferForDeletion, sortActivePods, sortForDeletion } from './pod-ranking.ts';

const rs = makeRs();
const running: PodOptions = { owner: rs, node: 'n1', phase: 'Running', ready: true };

describe('ActivePods order', () => {
  it('unscheduled < pending < unknown < running; not ready < ready; later ready first; restarts; newest first', () => {
    const pods = [
      makePod('ready-long', { node: 'n', phase: 'Running', ready: NOW - 100_000, created: NOW }),
      makePod('ready-short', { node: 'n', phase: 'Running', ready: NOW - 10_000, created: NOW }),
      makePod('running-restarts', { node: 'n', phase: 'Running', ready: false, restarts: 3, created: NOW }),
      makePod('running-old', { node: 'n', phase: 'Running', ready: false, created: NOW - 50_000 }),
      makePod('running-new', { node: 'n', phase: 'Running', ready: false, created: NOW }),
      makePod('unknown', { node: 'n', phase: 'Unknown', created: NOW }),
      makePod('pending', { node: 'n', phase: 'Pending', created: NOW }),
      makePod('unscheduled', { phase: 'Running', created: NOW }),
    ];
    expect(sortActivePods(pods).map((p) => p.metadata?.name)).toEqual([
      'unscheduled', 'pending', 'unknown', 'running-restarts', 'running-new', 'running-old', 'ready-short', 'ready-long',
    ]);
  });

  it('counts the restarts of sidecars too (ActivePodsWithRanks counts regular containers only)', () => {
    const withSidecar = (name: string, sidecarRestarts: number) => {
      const pod = makePod(name, { node: 'n', phase: 'Running', ready: false, restarts: 1, created: NOW });
      return {
        ...pod,
        spec: { ...pod.spec!, initContainers: [{ name: 'proxy', image: 'busybox', restartPolicy: 'Always' }] },
        status: { ...pod.status, initContainerStatuses: [{ name: 'proxy', image: 'busybox', imageID: '', ready: true, restartCount: sidecarRestarts }] },
      };
    };
    const flaky = withSidecar('flaky-sidecar', 7);
    const calm = withSidecar('calm-sidecar', 0);
    expect(names(sortActivePods([calm, flaky]))).toEqual(['flaky-sidecar', 'calm-sidecar']);
    // Equal for ActivePodsWithRanks: neither goes first.
    expect(preferForDeletion({ pod: flaky, rank: 0 }, { pod: calm, rank: 0 }, NOW)).toBe(false);
    expect(preferForDeletion({ pod: calm, rank: 0 }, { pod: flaky, rank: 0 }, NOW)).toBe(false);
  });
});

describe('preferForDeletion (ActivePodsWithRanks.Less)', () => {
  const cases: { name: string; first: PodOptions; second: PodOptions; firstRank?: number; secondRank?: number }[] = [
    { name: 'unassigned before assigned', first: { owner: rs, phase: 'Running' }, second: { ...running } },
    { name: 'Pending before Unknown', first: { ...running, phase: 'Pending', ready: false }, second: { ...running, phase: 'Unknown', ready: false } },
    { name: 'Unknown before Running', first: { ...running, phase: 'Unknown', ready: false }, second: { ...running, ready: false } },
    { name: 'a phase outside the map counts as Pending', first: { ...running, phase: 'Succeeded', ready: false }, second: { ...running, phase: 'Unknown', ready: false } },
    { name: 'not ready before ready', first: { ...running, ready: false }, second: { ...running } },
    { name: 'lower deletion cost first', first: { ...running, cost: '-5' }, second: { ...running, cost: '10' } },
    { name: 'deletion cost beats readiness time', first: { ...running, cost: '1', ready: NOW - 3_600_000 }, second: { ...running, cost: '2', ready: NOW - 1000 } },
    { name: 'more pods on the same node first', first: { ...running }, second: { ...running }, firstRank: 3, secondRank: 1 },
    { name: 'ready for less time first (log scale)', first: { ...running, ready: NOW - 10_000 }, second: { ...running, ready: NOW - 3_600_000 } },
    { name: 'more restarts first', first: { ...running, restarts: 5 }, second: { ...running, restarts: 1 } },
    { name: 'newer first (log scale)', first: { ...running, created: NOW - 60_000 }, second: { ...running, created: NOW - 86_400_000 } },
    { name: 'restarts beat creation time', first: { ...running, restarts: 2, created: NOW - 86_400_000 }, second: { ...running, created: NOW - 1000 } },
  ];
  it.each(cases)('$name', ({ first, second, firstRank, secondRank }) => {
    const a = { pod: makePod('a', first), rank: firstRank ?? 0 };
    const b = { pod: makePod('b', second), rank: secondRank ?? 0 };
    expect(preferForDeletion(a, b, NOW)).toBe(true);
    expect(preferForDeletion(b, a, NOW)).toBe(false);
  });

  it('ages in the same power-of-two bucket of nanoseconds are ordered by uid', () => {
    // 10 s and 12 s are both in [2^33, 2^34) ns.
    const older = { pod: makePod('older', { ...running, created: NOW - 12_000, uid: 'aaa' }), rank: 0 };
    const newer = { pod: makePod('newer', { ...running, created: NOW - 10_000, uid: 'bbb' }), rank: 0 };
    expect(logarithmicRankDiff(NOW - 10_000, NOW - 12_000, NOW)).toBe(0);
    expect(preferForDeletion(older, newer, NOW)).toBe(true);
    expect(preferForDeletion(newer, older, NOW)).toBe(false);
    // Without a reference time the exact timestamps decide: newer first.
    expect(preferForDeletion(newer, older, undefined)).toBe(true);
  });

  it('a zero creation time goes before any other', () => {
    const zero = makePod('zero', { ...running, created: null });
    const dated = makePod('dated', { ...running, created: NOW - 1000 });
    expect(preferForDeletion({ pod: zero, rank: 0 }, { pod: dated, rank: 0 }, NOW)).toBe(true);
    expect(preferForDeletion({ pod: dated, rank: 0 }, { pod: zero, rank: 0 }, NOW)).toBe(false);
  });

  it('equal pods: neither goes first', () => {
    const a = { pod: makePod('a', { ...running, uid: 'x' }), rank: 0 };
    expect(preferForDeletion(a, a, NOW)).toBe(false);
  });
});

describe('podsToDelete (getPodsToDelete)', () => {
  it('orders unscheduled, pending, not ready, then newest ready', () => {
    const pods = [
      makePod('ready-old', { ...running, ready: NOW - 86_400_000, created: NOW - 86_400_000 }),
      makePod('ready-new', { ...running, ready: NOW - 5000, created: NOW - 6000 }),
      makePod('running-not-ready', { ...running, ready: false }),
      makePod('pending-on-node', { owner: rs, node: 'n1', phase: 'Pending' }),
      makePod('unscheduled', { owner: rs }),
    ];
    expect(names(podsToDelete(pods, [], 5, NOW))).toEqual(names(pods));
    expect(names(podsToDelete(pods, [], 4, NOW))).toEqual(['unscheduled', 'pending-on-node', 'running-not-ready', 'ready-new']);
    expect(names(podsToDelete(pods, [], 1, NOW))).toEqual(['unscheduled']);
  });

  it('ranks by active related pods on the same node (a Deployment\'s other ReplicaSets)', () => {
    const pods = [makePod('on-n1', { ...running, node: 'n1' }), makePod('on-n2', { ...running, node: 'n2' })];
    const related = [
      ...pods,
      makePod('sibling-n2', { ...running, node: 'n2' }),
      makePod('gone-n1a', { ...running, node: 'n1', phase: 'Succeeded' }),
      makePod('gone-n1b', { ...running, node: 'n1', deleting: true }),
    ];
    expect(names(podsToDelete(pods, related, 1, NOW))).toEqual(['on-n2']);
    expect(names(sortForDeletion(pods, [], NOW))).toEqual(['on-n1', 'on-n2']);
  });

  it('prefers lower pod-deletion-cost among otherwise equal pods', () => {
    const pods = [makePod('keep', { ...running, cost: '100' }), makePod('plain', running), makePod('cheap', { ...running, cost: '-1' })];
    expect(names(podsToDelete(pods, [], 2, NOW))).toEqual(['cheap', 'plain']);
  });
});

describe('podDeletionCost (GetDeletionCostFromPodAnnotations)', () => {
  it.each([
    [undefined, 0], ['10', 10], ['0', 0], ['-5', -5], ['-007', -7], ['+10', 0], ['008', 0], ['', 0], ['1e3', 0], ['abc', 0],
    ['2147483647', 2147483647], ['2147483648', 0], ['-2147483648', -2147483648], ['-2147483649', 0], ['-', 0],
  ])('%s → %d', (value, want) => {
    const pod = makePod('p', value === undefined ? {} : { cost: value });
    expect(podDeletionCost(pod)).toBe(want);
  });
});
