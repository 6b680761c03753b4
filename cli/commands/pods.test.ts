import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { formatPodTable } from './pods.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const created = '2026-01-01T11:55:00Z';
function pod(name: string, spec: Partial<NonNullable<Pod['spec']>>, status: NonNullable<Pod['status']>, deleting = false): Pod {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: created, ...(deleting ? { deletionTimestamp: '2026-01-01T11:59:00Z' } : {}) },
    spec: { containers: [{ name: 'c' }], ...spec },
    status,
  };
}

describe('nodelet pods table', () => {
  it('prints STATUS as kubectl computes it', () => {
    const pods: Pod[] = [
      pod('a-running', {}, { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: '', imageID: '', state: { running: {} } }] }),
      pod('b-init', { initContainers: [{ name: 'i1' }, { name: 'i2' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', ready: false, restartCount: 0, image: '', imageID: '', state: { running: {} } }, { name: 'i2', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'PodInitializing' } } }], containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'PodInitializing' } } }] }),
      pod('c-crash', {}, { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 4, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T11:59:30Z' } } }] }),
      pod('d-done', { restartPolicy: 'Never' }, { phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
      pod('e-error', { restartPolicy: 'Never' }, { phase: 'Failed', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }),
      pod('f-term', {}, { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: '', imageID: '', state: { running: {} } }] }, true),
    ];
    const out = formatPodTable(pods, NOW).split('\n');
    expect(out[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const rows = out.slice(1, -1).map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ['a-running', '1/1', 'Running', '0', '5m'],
      ['b-init', '0/1', 'Init:0/2', '0', '5m'],
      ['c-crash', '0/1', 'CrashLoopBackOff', '4 (30s ago)', '5m'],
      ['d-done', '0/1', 'Completed', '0', '5m'],
      ['e-error', '0/1', 'Error', '0', '5m'],
      ['f-term', '1/1', 'Terminating', '0', '5m'],
    ]);
  });
});
