// The e2e harness itself: the stack really runs in testcontainers-started containers of the node
// image (host network, checkout read-only), and clean-up leaves nothing behind on the engine even
// when the test body failed half-way.
import { existsSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { getContainerRuntimeClient } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { PODS } from '../kube/client/client.ts';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { LABEL_E2E_ROLE, LABEL_E2E_SESSION, e2eSession } from './support/launcher.ts';
import { NODE_IMAGE } from './support/node-image.ts';
import { busyboxPod, engineContainers, nodeName, TestCluster } from './support/cluster.ts';

async function harnessContainers(prefix: string): Promise<{ id: string; role: string; state: string }[]> {
  const client = await getContainerRuntimeClient();
  const list = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${LABEL_E2E_SESSION}=${e2eSession()}`] } });
  return list
    .map((c) => ({ id: c.Id, role: c.Labels[LABEL_E2E_ROLE] ?? '', state: c.State }))
    .filter((c) => c.role.startsWith(`${prefix}-`));
}

describe('e2e harness', () => {
  it('runs the API server and the agent in containers of the node image, and removes them and the pods\' containers after a failed test', async () => {
    const cluster = new TestCluster('e2e-harness');
    const node = nodeName('e2e-harness');
    const failure = new Error('the test body failed here');
    let dir = '';
    try {
      await expect((async () => {
        await cluster.startApiserver();
        await cluster.startAgent(node);
        await cluster.waitNodes([node]);
        dir = cluster.dir;
        const client = await getContainerRuntimeClient();
        const agent = await client.container.getById(cluster.agent(node).id).inspect();
        expect(agent.Config.Image).toBe(NODE_IMAGE);
        expect(agent.HostConfig.NetworkMode).toBe('host');
        expect(agent.Mounts.find((m) => m.Destination === PROJECT_ROOT)?.RW).toBe(false);
        expect(agent.State.Running).toBe(true);
        expect((await harnessContainers('e2e-harness')).map((c) => c.role).sort()).toEqual(['e2e-harness-agent-' + node, 'e2e-harness-apiserver']);
        await cluster.admin.create(PODS, 'default', busyboxPod('left-running'));
        await cluster.waitPods(['left-running']);
        expect((await engineContainers([node])).filter((c) => c.state === 'running')).toHaveLength(2);
        throw failure;
      })()).rejects.toBe(failure);
    } finally {
      await cluster.cleanup();
    }
    expect(await harnessContainers('e2e-harness')).toEqual([]);
    expect(await engineContainers([node])).toEqual([]);
    expect(dir).not.toBe('');
    expect(existsSync(dir)).toBe(false);
  });

  it('a pod the harness-run agent starts answers on its pod IP from the test process (host networking)', async () => {
    await using cluster = new TestCluster('e2e-harness-net');
    const node = nodeName('e2e-harness-net');
    await cluster.startApiserver();
    await cluster.startAgent(node);
    await cluster.waitNodes([node]);
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { containers: [{ name: 'web', image: 'localhost/busybox:local', command: ['sh', '-c', 'echo hello > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'], readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 } }] },
    };
    await cluster.admin.create(PODS, 'default', pod);
    const [ready] = await cluster.waitPods(['web']);
    const ip = ready?.status?.podIP ?? '';
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const res = await fetch(`http://${ip}:8080/index.html`, { signal: AbortSignal.timeout(5000) });
    expect(await res.text()).toBe('hello\n');
  });
});

