import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { podContainerResolver } from './pod-resolver.ts';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns1', uid: 'u1' },
  spec: { containers: [{ name: 'app', image: 'busybox' }] },
  status: {
    containerStatuses: [{
      name: 'app', image: 'busybox', imageID: '', ready: true, restartCount: 1, containerID: 'docker://cur',
      state: { running: { startedAt: '2024-01-01T00:00:00Z' } },
      lastState: { terminated: { exitCode: 3, containerID: 'docker://old' } },
    }],
  },
};

describe('podContainerResolver', () => {
  const resolve = podContainerResolver(() => [pod]);

  it('finds the current or previous instance of a container of a pod the agent runs', async () => {
    expect(await resolve('ns1', 'web', 'app', { previous: false })).toEqual({ containerId: 'cur' });
    expect(await resolve('ns1', 'web', 'app', { previous: true })).toEqual({ containerId: 'old' });
  });

  it('answers NotFound for an unknown pod (other namespace too) or container', async () => {
    expect(await resolve('default', 'web', 'app', { previous: false })).toEqual({ error: { code: 404, reason: 'NotFound', message: 'pod "web" not found' } });
    expect(await resolve('ns1', 'web', 'nope', { previous: false })).toMatchObject({ error: { code: 404 } });
  });
});
