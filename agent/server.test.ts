import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentMetrics } from './metrics.ts';
import type { AgentServer } from './server.ts';
import { startAgentServer } from './server.ts';

let server: AgentServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } };

async function start(): Promise<string> {
  const metrics = new AgentMetrics();
  metrics.countSource = () => ({ pods: 1, containers: 3 });
  metrics.syncDuration.observe({ operation: 'sync' }, 0.01);
  server = await startAgentServer({
    podList: () => [pod], events: () => [], problems: () => [{ source: '/m/bad.yaml', message: 'spec.containers: Required value' }],
    metrics, healthy: () => true,
  }, { port: 0 });
  return server.url();
}

describe('agent server', () => {
  it('/healthz answers ok', async () => {
    const url = await start();
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('/pods is a v1 PodList with status', async () => {
    const url = await start();
    const body = await (await fetch(`${url}/pods`)).json() as { kind: string; items: Pod[] };
    expect(body.kind).toBe('PodList');
    expect(body.items[0]?.status?.phase).toBe('Running');
  });

  it('/metrics exposes prometheus text with the sync histogram', async () => {
    const url = await start();
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('kubelet_pod_worker_duration_seconds_bucket{le="0.01",operation="sync"} 1');
    expect(text).toContain('kubelet_pod_start_duration_seconds');
    expect(text).toContain('kubelet_running_pods 1');
    expect(text).toContain('kubelet_running_containers{container_state="running"} 3');
  });

  it('/manifests lists bad manifests; unknown paths 404', async () => {
    const url = await start();
    expect(await (await fetch(`${url}/manifests`)).json()).toEqual({ problems: [{ source: '/m/bad.yaml', message: 'spec.containers: Required value' }] });
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
