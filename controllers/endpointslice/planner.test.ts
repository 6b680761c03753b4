import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { makeNode, makePod, makeService, plan, podsIn, sliceLabelsFor, stored, SVC_UID, T0 } from './test-fixtures.ts';

/** Applies a plan to the stored slices, as the API server would. */
function apply(existing: EndpointSlice[], p: ReturnType<typeof plan>): EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata?.name ?? '', s]));
  for (const s of p.delete) byName.delete(s.metadata?.name ?? '');
  for (const s of p.update) {
    const old = byName.get(s.metadata?.name ?? '');
    byName.set(s.metadata?.name ?? '', { ...s, metadata: { ...s.metadata, uid: old?.metadata?.uid ?? 'x', generation: (old?.metadata?.generation ?? 0) + 1 } });
  }
  for (const s of p.create) {
    const st = stored(s);
    byName.set(st.metadata?.name ?? '', st);
  }
  return [...byName.values()];
}

describe('planEndpointSlices: a new Service', () => {
  it('makes one slice with every field upstream sets', () => {
    const p = plan({ service: makeService({ labels: { team: 'a' } }), pods: [makePod('a', { ip: '10.244.0.5', node: 'n2' })], triggerTime: T0 });
    expect(p.update).toEqual([]);
    expect(p.delete).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.create).toEqual([{
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        generateName: 'web-', namespace: 'default',
        labels: { team: 'a', ...sliceLabelsFor() },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-02T03:04:05Z' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: SVC_UID, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{
        addresses: ['10.244.0.5'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
        nodeName: 'n2', zone: 'zone-a',
      }],
    }]);
  });

  it('without pods keeps one empty placeholder slice, and does not churn it', () => {
    const p = plan({});
    expect(p.create).toHaveLength(1);
    expect(p.create[0]?.endpoints).toEqual([]);
    expect(p.create[0]?.ports).toEqual([]);
    const again = plan({ existingSlices: apply([], p) });
    expect(again).toEqual({ create: [], update: [], delete: [], errors: [] });
  });

  it('headless: the headless label, and no ports when the Service has none', () => {
    const svc = makeService({ clusterIP: 'None', ports: [] });
    const p = plan({ service: svc, pods: [makePod('a')] });
    expect(p.create[0]?.metadata?.labels).toEqual({ 'service.kubernetes.io/headless': '', ...sliceLabelsFor() });
    expect(p.create[0]?.ports).toEqual([]);
  });

  it('no creations for a Service being deleted', () => {
    expect(plan({ service: makeService({ deleting: true }), pods: [makePod('a')] }).create).toEqual([]);
  });

  it('reserved labels on the Service are not copied', () => {
    const svc = makeService({ labels: { 'kubernetes.io/service-name': 'other', 'endpointslice.kubernetes.io/managed-by': 'me', x: 'y' } });
    expect(plan({ service: svc, pods: [makePod('a')] }).create[0]?.metadata?.labels).toEqual({ x: 'y', ...sliceLabelsFor() });
  });
});

describe('planEndpointSlices: endpoint conditions', () => {
  it.each([
    { name: 'ready', pod: { ready: true }, svc: {}, want: { ready: true, serving: true, terminating: false } },
    { name: 'not ready', pod: { ready: false }, svc: {}, want: { ready: false, serving: false, terminating: false } },
    { name: 'terminating, still ready', pod: { ready: true, deleting: true }, svc: {}, want: { ready: false, serving: true, terminating: true } },
    { name: 'terminating, not ready', pod: { ready: false, deleting: true }, svc: {}, want: { ready: false, serving: false, terminating: true } },
    { name: 'publishNotReadyAddresses, not ready', pod: { ready: false }, svc: { publishNotReady: true }, want: { ready: true, serving: false, terminating: false } },
    { name: 'publishNotReadyAddresses, terminating', pod: { ready: true, deleting: true }, svc: { publishNotReady: true }, want: { ready: true, serving: true, terminating: true } },
  ])('$name', ({ pod, svc, want }) => {
    const p = plan({ service: makeService(svc), pods: [makePod('a', pod)] });
    expect(p.create[0]?.endpoints[0]?.conditions).toEqual(want);
  });

  it('leaves out finished pods and pods without an IP', () => {
    const pods = [makePod('done', { phase: 'Succeeded' }), makePod('failed', { phase: 'Failed' }), makePod('noip', { ip: null }), makePod('pending', { phase: 'Pending' })];
    expect(podsIn(plan({ pods }).create[0])).toEqual(['pending']);
  });

  it('hostname only when the pod names the Service as its subdomain', () => {
    const p = plan({ pods: [makePod('a', { hostname: 'h-a', subdomain: 'web' }), makePod('b', { hostname: 'h-b', subdomain: 'other' }), makePod('c', { subdomain: 'web' })] });
    const hosts = Object.fromEntries((p.create[0]?.endpoints ?? []).map((e) => [e.targetRef?.name, e.hostname]));
    expect(hosts).toEqual({ a: 'h-a', b: undefined, c: undefined });
  });

  it('a pod on a node not in the cache is left out (and the sync fails), unless not-ready addresses are published', () => {
    const p = plan({ pods: [makePod('a', { node: 'gone' }), makePod('b')] });
    expect(podsIn(p.create[0])).toEqual(['b']);
    expect(p.errors).toEqual(['skipping Pod a for Service default/web: Node gone Not Found']);
    const q = plan({ service: makeService({ publishNotReady: true }), pods: [makePod('a', { node: 'gone' })] });
    expect(podsIn(q.create[0])).toEqual(['a']);
    expect(q.create[0]?.endpoints[0]?.zone).toBeUndefined();
    expect(q.errors).toEqual([]);
  });
});

describe('planEndpointSlices: ports', () => {
  const named = makeService({ ports: [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' },
    { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 },
  ] });

  it('resolves a named targetPort per pod; a pod lacking it gets a slice without that port', () => {
    const p = plan({ service: named, pods: [
      makePod('a', { containerPorts: [{ name: 'web', containerPort: 8080 }] }),
      makePod('b', { containerPorts: [{ name: 'web', containerPort: 8081 }] }),
      makePod('c'),
      makePod('d', { containerPorts: [{ name: 'web', containerPort: 8080, protocol: 'UDP' }] }),
    ] });
    const byPorts = Object.fromEntries(p.create.map((s) => [JSON.stringify((s.ports ?? []).map((x) => `${x.name ?? ''}:${String(x.port)}`).sort()), podsIn(s)]));
    expect(byPorts).toEqual({
      '["http:8080","metrics:9090"]': ['a'],
      '["http:8081","metrics:9090"]': ['b'],
      '["metrics:9090"]': ['c', 'd'],
    });
  });

  it('a port becoming available moves the pod to its new port set, reusing the emptied slice', () => {
    const first = plan({ service: named, pods: [makePod('c')] });
    const existing = apply([], first);
    const p = plan({ service: named, pods: [makePod('c', { containerPorts: [{ name: 'web', containerPort: 8080 }] })], existingSlices: existing });
    expect(p.create).toEqual([]);
    expect(p.delete).toEqual([]);
    expect(p.update).toHaveLength(1);
    expect(p.update[0]?.metadata?.name).toBe(existing[0]?.metadata?.name);
    expect(p.update[0]?.ports?.map((x) => x.port).sort()).toEqual([8080, 9090]);
  });
});

describe('planEndpointSlices: churn', () => {
  const pods = [makePod('a'), makePod('b'), makePod('c')];
  const existing = apply([], plan({ pods }));

  it('nothing changed: nothing written', () => {
    expect(plan({ pods, existingSlices: existing })).toEqual({ create: [], update: [], delete: [], errors: [] });
  });

  it('a pod turning unready updates its endpoint in place', () => {
    const p = plan({ pods: [makePod('a'), makePod('b', { ready: false }), makePod('c')], existingSlices: existing });
    expect(p.create).toEqual([]);
    expect(p.delete).toEqual([]);
    expect(p.update).toHaveLength(1);
    const slice = p.update[0];
    expect(slice?.metadata?.name).toBe(existing[0]?.metadata?.name);
    expect(slice?.metadata?.resourceVersion).toBe(existing[0]?.metadata?.resourceVersion);
    expect(slice?.endpoints.map((e) => [e.targetRef?.name, e.conditions?.ready])).toEqual([['a', true], ['b', false], ['c', true]]);
  });

  it('an added pod goes into the existing slice; a removed one leaves it', () => {
    const added = plan({ pods: [...pods, makePod('d')], existingSlices: existing });
    expect(added.create).toEqual([]);
    expect(podsIn(added.update[0])).toEqual(['a', 'b', 'c', 'd']);
    const removed = plan({ pods: [makePod('a'), makePod('c')], existingSlices: existing });
    expect(removed.create).toEqual([]);
    expect(podsIn(removed.update[0])).toEqual(['a', 'c']);
  });

  it('the last pod gone: the slice is updated into the placeholder rather than deleted and recreated', () => {
    const p = plan({ pods: [], existingSlices: existing });
    expect(p.create).toEqual([]);
    expect(p.delete).toEqual([]);
    expect(p.update).toHaveLength(1);
    expect(p.update[0]?.metadata?.name).toBe(existing[0]?.metadata?.name);
    expect(p.update[0]?.endpoints).toEqual([]);
  });

  it('new Service labels update the slice', () => {
    const p = plan({ service: makeService({ labels: { tier: 'front' } }), pods, existingSlices: existing });
    expect(p.update).toHaveLength(1);
    expect(p.update[0]?.metadata?.labels).toEqual({ tier: 'front', ...sliceLabelsFor() });
  });

  it('a node gaining a zone updates the endpoint', () => {
    const p = plan({ pods, existingSlices: existing }, new Map([['n1', makeNode('n1', 'z9')]]));
    expect(p.update[0]?.endpoints.map((e) => e.zone)).toEqual(['z9', 'z9', 'z9']);
  });

  it('a slice of an older Service of the same name is replaced', () => {
    const foreign = existing.map((s) => ({ ...s, metadata: { ...s.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'old' }] } }));
    const p = plan({ pods, existingSlices: foreign });
    expect(p.delete.map((s) => s.metadata?.name)).toEqual([existing[0]?.metadata?.name]);
    expect(p.create).toHaveLength(1);
    expect(p.update).toEqual([]);
  });

  it('the trigger time annotation is set on writes, or removed', () => {
    const withTime = plan({ pods: [makePod('a', { ready: false })], existingSlices: existing, triggerTime: T0 + 1500 });
    expect(withTime.update[0]?.metadata?.annotations).toEqual({ 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-02T03:04:06.5Z' });
    const annotated = existing.map((s) => ({ ...s, metadata: { ...s.metadata, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': 'x', keep: 'me' } } }));
    const without = plan({ pods: [makePod('a', { ready: false })], existingSlices: annotated });
    expect(without.update[0]?.metadata?.annotations).toEqual({ keep: 'me' });
  });
});

describe('planEndpointSlices: capacity', () => {
  const many = (n: number, from = 0): ReturnType<typeof makePod>[] => Array.from({ length: n }, (_, i) => makePod(`p${String(i + from)}`, { ip: `10.244.${String(Math.floor((i + from) / 250))}.${String(((i + from) % 250) + 1)}` }));

  it('at most 100 endpoints a slice', () => {
    const p = plan({ pods: many(250) });
    expect(p.create.map((s) => s.endpoints.length).sort()).toEqual([100, 100, 50]);
  });

  it('new endpoints fill the unchanged slice they fit best before a new slice is made', () => {
    const existing = apply([], plan({ pods: many(150) }));
    expect(existing.map((s) => s.endpoints.length).sort()).toEqual([100, 50]);
    const p = plan({ pods: many(180), existingSlices: existing });
    expect(p.create).toEqual([]);
    expect(p.update).toHaveLength(1);
    expect(p.update[0]?.endpoints).toHaveLength(80);
  });

  it('a smaller maximum', () => {
    expect(plan({ pods: many(5), maxEndpointsPerSlice: 2 }).create.map((s) => s.endpoints.length)).toEqual([2, 2, 1]);
  });
});

describe('planEndpointSlices: trafficDistribution', () => {
  const preferClose = (): ReturnType<typeof makeService> => {
    const svc = makeService();
    svc.spec = { ...svc.spec, trafficDistribution: 'PreferClose' };
    return svc;
  };

  it('PreferClose: ready endpoints with a zone are hinted for it', () => {
    const p = plan({ service: preferClose(), pods: [makePod('a', { node: 'n2' }), makePod('b', { node: 'n2', ready: false }), makePod('c', { node: 'n1' })] });
    const hints = Object.fromEntries(p.create[0]?.endpoints.map((e) => [e.targetRef?.name, e.hints]) ?? []);
    expect(hints).toEqual({ a: { forZones: [{ name: 'zone-a' }] }, b: undefined, c: undefined });
  });

  it('PreferClose turned on: unchanged slices are updated with hints; turned off: hints go with the next write', () => {
    const pods = [makePod('a', { node: 'n2' })];
    const existing = apply([], plan({ pods }));
    const on = plan({ service: preferClose(), pods, existingSlices: existing });
    expect(on.update[0]?.endpoints[0]?.hints).toEqual({ forZones: [{ name: 'zone-a' }] });
    const hinted = apply(existing, on);
    expect(plan({ service: preferClose(), pods, existingSlices: hinted })).toEqual({ create: [], update: [], delete: [], errors: [] });
    const off = plan({ pods: [...pods, makePod('b', { node: 'n2' })], existingSlices: hinted });
    expect(off.update[0]?.endpoints.map((e) => e.hints)).toEqual([undefined, undefined]);
  });
});
