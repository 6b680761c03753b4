// The Endpoints controller against a real (in-memory) API server: a Service's Endpoints follow its
// pods' readiness (well within a second), deletion and labels; a deleted Service takes its
// Endpoints along; Services without a selector are left alone.
import type { Endpoints, Service } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClientNotFound } from '../../kube/client/client.ts';
import { ENDPOINTS, PODS, SERVICES } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { runningPod, setReady } from '../endpointslice/test-fixtures.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { EndpointsController } from './controller.ts';

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [new EndpointsController(ctx)] });
});

afterAll(async () => {
  await cp.stop();
});

async function endpointsOf(name: string): Promise<Endpoints | undefined> {
  try {
    return await cp.client.get<Endpoints>(ENDPOINTS, 'default', name);
  } catch (err) {
    if (isClientNotFound(err)) return undefined;
    throw err;
  }
}

/** "ready" / "notReady" by pod name. */
async function addressesOf(name: string): Promise<Map<string, string>> {
  const ep = await endpointsOf(name);
  const out = new Map<string, string>();
  for (const ss of ep?.subsets ?? []) {
    for (const a of ss.addresses ?? []) out.set(a.targetRef?.name ?? '', 'ready');
    for (const a of ss.notReadyAddresses ?? []) out.set(a.targetRef?.name ?? '', 'notReady');
  }
  return out;
}

const same = (m: Map<string, string>, want: Record<string, string>): boolean => JSON.stringify(Object.fromEntries([...m].sort())) === JSON.stringify(Object.fromEntries(Object.entries(want).sort()));

describe('Endpoints controller', () => {
  it('keeps a Service Endpoints in step with its pods', async () => {
    await cp.client.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, clusterIP: '10.96.0.60', ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    });
    const empty = await until('endpoints', () => endpointsOf('web'), 10_000, 20);
    expect(empty.subsets ?? []).toEqual([]);
    expect(empty.metadata?.labels).toEqual({ tier: 'front' });

    await runningPod(cp.client, 'a', '10.244.1.10', { app: 'web' });
    await runningPod(cp.client, 'b', '10.244.1.11', { app: 'web' });
    await until('two ready', async () => same(await addressesOf('web'), { a: 'ready', b: 'ready' }), 10_000, 20);
    const ep = await endpointsOf('web');
    expect(ep?.subsets).toEqual([{
      addresses: [
        { ip: '10.244.1.10', nodeName: 'n1', targetRef: expect.objectContaining({ kind: 'Pod', namespace: 'default', name: 'a' }) as unknown },
        { ip: '10.244.1.11', nodeName: 'n1', targetRef: expect.objectContaining({ kind: 'Pod', namespace: 'default', name: 'b' }) as unknown },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
    expect(ep?.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT/);

    const started = Date.now();
    await setReady(cp.client, 'b', '10.244.1.11', false);
    await until('b not ready', async () => (await addressesOf('web')).get('b') === 'notReady', 5_000, 5);
    expect(Date.now() - started).toBeLessThan(500);

    // A terminating pod leaves at once (publishNotReadyAddresses is not set).
    await cp.client.delete(PODS, 'default', 'a', { gracePeriodSeconds: 30 });
    await until('a gone', async () => same(await addressesOf('web'), { b: 'notReady' }), 5_000, 10);

    await cp.client.patch(PODS, 'default', 'b', { metadata: { labels: { app: 'debug' } } }, 'merge');
    await until('b dropped', async () => (await addressesOf('web')).size === 0, 5_000, 10);

    // The Service goes: so do its Endpoints.
    await cp.client.delete(SERVICES, 'default', 'web');
    await until('endpoints deleted', async () => (await endpointsOf('web')) === undefined, 5_000, 10);
  });

  it('publishNotReadyAddresses: every pod, terminating or not ready, is an address', async () => {
    await cp.client.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'peers' },
      spec: { selector: { app: 'peers' }, clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'p', port: 7000 }] },
    });
    await runningPod(cp.client, 'p1', '10.244.1.21', { app: 'peers' }, false);
    await until('p1 ready', async () => same(await addressesOf('peers'), { p1: 'ready' }), 10_000, 20);
    expect((await endpointsOf('peers'))?.metadata?.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    await cp.client.delete(PODS, 'default', 'p1', { gracePeriodSeconds: 30 });
    await cp.idle();
    expect(same(await addressesOf('peers'), { p1: 'ready' })).toBe(true);
  });

  it('leaves Services without a selector alone', async () => {
    await cp.client.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { clusterIP: '10.96.0.61', ports: [{ port: 53, protocol: 'UDP' }] },
    });
    await cp.client.create<Endpoints>(ENDPOINTS, 'default', {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' },
      subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 10053, protocol: 'UDP' }] }],
    });
    await cp.idle();
    expect((await endpointsOf('manual'))?.subsets).toEqual([{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 10053, protocol: 'UDP' }] }]);
  });
});
