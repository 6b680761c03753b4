// The EndpointSlice controller against a real (in-memory) API server: a Service's slice follows
// its pods' readiness (well within a second), deletion (terminating, then gone) and labels, is
// updated in place rather than recreated, and Services without a selector are left alone.
import type { Node, Service } from 'kubernetes-types/core/v1.d.ts';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT_SLICES, NODES, PODS, SERVICES } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { createGarbageCollectorController } from '../garbage-collector/index.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { EndpointSliceController } from './controller.ts';
import { runningPod, setReady } from './test-fixtures.ts';

let cp: ControlPlane;

beforeAll(async () => {
  // The garbage collector too: a deleted Service's slices go through their owner references.
  cp = await startControlPlane({ reconcilers: (ctx) => [new EndpointSliceController(ctx), createGarbageCollectorController(ctx)] });
  await cp.client.create<Node>(NODES, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } });
});

afterAll(async () => {
  await cp.stop();
});

async function slicesOf(svc: string): Promise<EndpointSlice[]> {
  return (await cp.client.list<EndpointSlice>(ENDPOINT_SLICES, 'default', { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
}

/** The endpoints of the Service's one slice, by pod name. */
async function endpointsBy(svc: string): Promise<Map<string, Endpoint>> {
  const slices = await slicesOf(svc);
  return new Map(slices.flatMap((s) => s.endpoints).map((e) => [e.targetRef?.name ?? '', e]));
}

describe('EndpointSlice controller', () => {
  it('keeps a Service slice in step with its pods', async () => {
    const svc = await cp.client.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    });

    // At first an empty placeholder slice, owned by the Service.
    const [placeholder] = await until('placeholder slice', async () => {
      const s = await slicesOf('web');
      return s.length === 1 ? s : undefined;
    }, 10_000, 20);
    expect(placeholder?.metadata?.generateName).toBe('web-');
    expect(placeholder?.metadata?.labels).toEqual({ tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(placeholder?.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    expect(placeholder?.endpoints ?? []).toEqual([]);

    await runningPod(cp.client, 'a', '10.244.0.10', { app: 'web' });
    await runningPod(cp.client, 'b', '10.244.0.11', { app: 'web' });
    const eps = await until('two endpoints', async () => {
      const m = await endpointsBy('web');
      return m.size === 2 ? m : undefined;
    }, 10_000, 20);
    expect(eps.get('a')).toMatchObject({
      addresses: ['10.244.0.10'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'z1',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a' },
    });
    const [slice] = await slicesOf('web');
    // The placeholder was filled in place.
    expect(slice?.metadata?.name).toBe(placeholder?.metadata?.name);
    expect(slice?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice?.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Readiness lost: reflected well within a second.
    const started = Date.now();
    await setReady(cp.client, 'b', '10.244.0.11', false);
    await until('b not ready', async () => (await endpointsBy('web')).get('b')?.conditions?.ready === false, 5_000, 5);
    expect(Date.now() - started).toBeLessThan(500);
    expect((await endpointsBy('web')).get('b')?.conditions).toEqual({ ready: false, serving: false, terminating: false });

    // A graceful deletion: terminating (no longer ready, still serving), then gone.
    await cp.client.delete(PODS, 'default', 'a', { gracePeriodSeconds: 30 });
    await until('a terminating', async () => (await endpointsBy('web')).get('a')?.conditions?.terminating === true, 5_000, 10);
    expect((await endpointsBy('web')).get('a')?.conditions).toEqual({ ready: false, serving: true, terminating: true });
    await cp.client.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0 });
    await until('a gone', async () => !(await endpointsBy('web')).has('a'), 5_000, 10);

    // Relabelled out of the selector: dropped; back in: added again.
    await cp.client.patch(PODS, 'default', 'b', { metadata: { labels: { app: 'debug' } } }, 'merge');
    await until('b dropped', async () => (await endpointsBy('web')).size === 0, 5_000, 10);
    await cp.client.patch(PODS, 'default', 'b', { metadata: { labels: { app: 'web' } } }, 'merge');
    await until('b back', async () => (await endpointsBy('web')).has('b'), 5_000, 10);

    // Through all of it, one slice, the same one.
    await cp.idle();
    const after = await slicesOf('web');
    expect(after.map((s) => s.metadata?.name)).toEqual([placeholder?.metadata?.name]);
  });

  it('puts back a slice deleted behind its back', async () => {
    await cp.client.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'again' },
      spec: { selector: { app: 'again' }, clusterIP: '10.96.0.51', ports: [{ port: 80 }] },
    });
    await runningPod(cp.client, 'c', '10.244.0.20', { app: 'again' });
    const [first] = await until('slice', async () => {
      const s = await slicesOf('again');
      return s.length === 1 && (s[0]?.endpoints ?? []).length === 1 ? s : undefined;
    }, 10_000, 20);
    await cp.client.delete(ENDPOINT_SLICES, 'default', first?.metadata?.name ?? '');
    const [second] = await until('recreated', async () => {
      const s = await slicesOf('again');
      return s.length === 1 && s[0]?.metadata?.name !== first?.metadata?.name ? s : undefined;
    }, 10_000, 20);
    expect(second?.endpoints.map((e) => e.addresses)).toEqual([['10.244.0.20']]);
    expect(second?.ports).toEqual([{ name: '', port: 80, protocol: 'TCP' }]);
  });

  it('hostnames, pods lacking a named port, and the slices leaving with their Service', async () => {
    await cp.client.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' },
      spec: { selector: { app: 'db' }, clusterIP: 'None', ports: [{ name: 'sql', port: 5432, targetPort: 'web' }] },
    });
    await runningPod(cp.client, 'db-0', '10.244.0.30', { app: 'db' });
    await cp.client.create(PODS, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-1', labels: { app: 'db' } },
      spec: { nodeName: 'n1', hostname: 'db-1', subdomain: 'db', containers: [{ name: 'main', image: 'busybox' }] },
    });
    await setReady(cp.client, 'db-1', '10.244.0.31', true);
    const slices = await until('two slices', async () => {
      const s = await slicesOf('db');
      return s.length === 2 && s.every((x) => x.endpoints.length === 1) ? s : undefined;
    }, 10_000, 20);
    const byPod = new Map(slices.map((s) => [s.endpoints[0]?.targetRef?.name, s]));
    expect(byPod.get('db-0')?.ports).toEqual([{ name: 'sql', port: 8080, protocol: 'TCP' }]);
    expect(byPod.get('db-1')?.ports ?? []).toEqual([]);
    expect(byPod.get('db-1')?.endpoints[0]?.hostname).toBe('db-1');
    expect(byPod.get('db-0')?.endpoints[0]?.hostname).toBeUndefined();
    expect(byPod.get('db-0')?.metadata?.labels?.['service.kubernetes.io/headless']).toBe('');

    await cp.client.delete(SERVICES, 'default', 'db');
    await until('slices collected', async () => (await slicesOf('db')).length === 0, 10_000, 20);
  });

  it('leaves Services without a selector alone', async () => {
    await cp.client.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { clusterIP: '10.96.0.52', ports: [{ port: 53, protocol: 'UDP' }] },
    });
    await cp.client.create<EndpointSlice>(ENDPOINT_SLICES, 'default', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'manual-1', labels: { 'kubernetes.io/service-name': 'manual', 'endpointslice.kubernetes.io/managed-by': 'someone-else' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.1'] }], ports: [{ port: 10053, protocol: 'UDP' }],
    });
    await cp.idle();
    const slices = await slicesOf('manual');
    expect(slices.map((s) => s.metadata?.name)).toEqual(['manual-1']);
  });
});
