import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { makePod, NOW, type PodOptions } from '../replicaset/test-fixtures.ts';
import {
  becameReadyRecheckMs, isPodActive, isPodAvailable, isPodReady, isPodTerminal, isPodTerminating, maxContainerRestarts, podReadyTime,
} from './pod-state.ts';

describe('pod phases', () => {
  it.each<[string, PodOptions, { terminal: boolean; active: boolean; terminating: boolean }]>([
    ['running', { node: 'n', phase: 'Running' }, { terminal: false, active: true, terminating: false }],
    ['pending', { phase: 'Pending' }, { terminal: false, active: true, terminating: false }],
    ['succeeded', { node: 'n', phase: 'Succeeded' }, { terminal: true, active: false, terminating: false }],
    ['failed', { node: 'n', phase: 'Failed' }, { terminal: true, active: false, terminating: false }],
    ['running, being deleted', { node: 'n', phase: 'Running', deleting: true }, { terminal: false, active: false, terminating: true }],
    ['failed, being deleted', { node: 'n', phase: 'Failed', deleting: true }, { terminal: true, active: false, terminating: false }],
  ])('%s', (_name, o, want) => {
    const pod = makePod('p', o);
    expect({ terminal: isPodTerminal(pod), active: isPodActive(pod), terminating: isPodTerminating(pod) }).toEqual(want);
  });
});

describe('readiness and availability (podutil.IsPodReady, IsPodAvailable)', () => {
  const readySince = (ms: number): Pod => makePod('p', { node: 'n', ready: ms });

  it('ready is the Ready condition True; its transition is the ready time', () => {
    expect(isPodReady(readySince(NOW - 5000))).toBe(true);
    expect(podReadyTime(readySince(NOW - 5000))).toBe(NOW - 5000);
    expect(isPodReady(makePod('p', { node: 'n', ready: false }))).toBe(false);
    expect(podReadyTime(makePod('p', { node: 'n', ready: false }))).toBeUndefined();
    expect(isPodReady(makePod('p'))).toBe(false);
  });

  it('available once ready for strictly longer than minReadySeconds', () => {
    expect(isPodAvailable(readySince(NOW - 10_000), 0, NOW)).toBe(true);
    expect(isPodAvailable(readySince(NOW - 10_000), 10, NOW)).toBe(false);
    expect(isPodAvailable(readySince(NOW - 10_001), 10, NOW)).toBe(true);
    expect(isPodAvailable(makePod('p', { node: 'n', ready: false }), 0, NOW)).toBe(false);
  });

  it('a ready pod without a transition time is available only when minReadySeconds is 0', () => {
    const pod: Pod = { ...makePod('p', { node: 'n' }), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(isPodAvailable(pod, 0, NOW)).toBe(true);
    expect(isPodAvailable(pod, 1, NOW)).toBe(false);
  });

  it('re-checks a pod that has just become ready minReadySeconds + 1 s later', () => {
    const notReady = makePod('p', { node: 'n', ready: false });
    const ready = readySince(NOW);
    expect(becameReadyRecheckMs(notReady, ready, 10)).toBe(11_000);
    expect(becameReadyRecheckMs(notReady, ready, 0)).toBeUndefined();
    expect(becameReadyRecheckMs(ready, ready, 10)).toBeUndefined();
    expect(becameReadyRecheckMs(ready, notReady, 10)).toBeUndefined();
  });
});

describe('maxContainerRestarts', () => {
  it('counts regular containers, and sidecars (restartable init containers) only when asked', () => {
    const base = makePod('p', { node: 'n', restarts: 2 });
    const pod: Pod = {
      ...base,
      spec: { ...base.spec!, initContainers: [{ name: 'side', image: 'busybox', restartPolicy: 'Always' }, { name: 'init', image: 'busybox' }] },
      status: {
        ...base.status,
        initContainerStatuses: [
          { name: 'side', image: 'busybox', imageID: '', ready: true, restartCount: 5 },
          { name: 'init', image: 'busybox', imageID: '', ready: true, restartCount: 9 },
        ],
      },
    };
    expect(maxContainerRestarts(pod)).toBe(2);
    expect(maxContainerRestarts(pod, { sidecars: true })).toBe(5);
    expect(maxContainerRestarts(makePod('q'))).toBe(0);
  });
});
