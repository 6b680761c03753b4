import type { Endpoints, EndpointSubset } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { makePod, makeService, T0 } from '../endpointslice/test-fixtures.ts';
import { planEndpoints, truncateSubsets, type EndpointsPlan } from './planner.ts';
import { repackSubsets } from './repack.ts';

const target = (name: string): { kind: string; namespace: string; name: string; uid: string } => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });

function written(p: EndpointsPlan): Endpoints {
  if (p.action === 'none') throw new Error('nothing planned');
  return p.endpoints;
}

describe('planEndpoints', () => {
  it('creates the Endpoints of the Service name: ready and not-ready addresses, ports, labels, trigger time', () => {
    const svc = makeService({ labels: { team: 'a' } });
    const p = planEndpoints({ service: svc, pods: [makePod('a', { ip: '10.0.0.2' }), makePod('b', { ip: '10.0.0.1', ready: false })], current: undefined, triggerTime: T0 });
    expect(p.action).toBe('create');
    expect(written(p)).toEqual({
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default', labels: { team: 'a' }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-02T03:04:05Z' } },
      subsets: [{
        addresses: [{ ip: '10.0.0.2', nodeName: 'n1', targetRef: target('a') }],
        notReadyAddresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: target('b') }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      }],
    });
  });

  it.each([
    { name: 'terminating pods are left out', svc: {}, pod: { deleting: true }, want: 'none' },
    { name: 'terminating pods stay with publishNotReadyAddresses, as ready', svc: { publishNotReady: true }, pod: { deleting: true, ready: false }, want: 'ready' },
    { name: 'not-ready pods are ready with publishNotReadyAddresses', svc: { publishNotReady: true }, pod: { ready: false }, want: 'ready' },
    { name: 'finished pods are left out', svc: {}, pod: { phase: 'Succeeded' }, want: 'none' },
    { name: 'pods without an IP are left out', svc: {}, pod: { ip: null }, want: 'none' },
    { name: 'unready pods are notReadyAddresses', svc: {}, pod: { ready: false }, want: 'notReady' },
  ])('$name', ({ svc, pod, want }) => {
    const subsets = written(planEndpoints({ service: makeService(svc), pods: [makePod('a', pod)], current: undefined, triggerTime: undefined })).subsets ?? [];
    const got = subsets.length === 0 ? 'none' : (subsets[0]?.addresses?.length ?? 0) > 0 ? 'ready' : 'notReady';
    expect(got).toBe(want);
  });

  it('headless: the headless label; without ports the addresses still publish', () => {
    const e = written(planEndpoints({ service: makeService({ clusterIP: 'None', ports: [] }), pods: [makePod('a', { ip: '10.0.0.1', hostname: 'h', subdomain: 'web' })], current: undefined, triggerTime: undefined }));
    expect(e.metadata?.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect(e.subsets).toEqual([{ addresses: [{ ip: '10.0.0.1', hostname: 'h', nodeName: 'n1', targetRef: target('a') }] }]);
  });

  it('named ports resolve per pod; each port goes with the addresses offering it', () => {
    const svc = makeService({ ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }, { name: 'm', port: 9090, protocol: 'TCP', targetPort: 9090 }] });
    const e = written(planEndpoints({ service: svc, current: undefined, triggerTime: undefined, pods: [
      makePod('a', { ip: '10.0.0.1', containerPorts: [{ name: 'web', containerPort: 8080 }] }),
      makePod('b', { ip: '10.0.0.2', containerPorts: [{ name: 'web', containerPort: 8080 }] }),
      makePod('c', { ip: '10.0.0.3' }),
    ] }));
    const view = (e.subsets ?? []).map((ss) => ({ ips: (ss.addresses ?? []).map((a) => a.ip), ports: (ss.ports ?? []).map((p) => p.port).sort() }));
    expect(view).toHaveLength(2);
    expect(view).toContainEqual({ ips: ['10.0.0.1', '10.0.0.2'], ports: [8080] });
    expect(view).toContainEqual({ ips: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], ports: [9090] });
  });

  it('nothing to write when subsets and labels match (resourceVersions of targets aside)', () => {
    const svc = makeService();
    const pods = [makePod('a', { ip: '10.0.0.1' })];
    const first = written(planEndpoints({ service: svc, pods, current: undefined, triggerTime: T0 }));
    const stored: Endpoints = structuredClone(first);
    stored.metadata = { ...stored.metadata, resourceVersion: '5' };
    const addr = stored.subsets?.[0]?.addresses?.[0];
    if (addr?.targetRef !== undefined) addr.targetRef.resourceVersion = '77';
    expect(planEndpoints({ service: svc, pods, current: stored, triggerTime: undefined })).toEqual({ action: 'none' });
    // A readiness change is an update of the same object, trigger time replaced.
    const p = planEndpoints({ service: svc, pods: [makePod('a', { ip: '10.0.0.1', ready: false })], current: stored, triggerTime: undefined });
    expect(p.action).toBe('update');
    expect(written(p).metadata?.resourceVersion).toBe('5');
    expect(written(p).metadata?.annotations).toEqual({});
    expect(written(p).subsets).toEqual([{ notReadyAddresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: target('a') }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]);
  });

  it('a Service label change updates the labels', () => {
    const pods = [makePod('a')];
    const stored = written(planEndpoints({ service: makeService(), pods, current: undefined, triggerTime: undefined }));
    const p = planEndpoints({ service: makeService({ labels: { x: 'y' } }), pods, current: stored, triggerTime: undefined });
    expect(written(p).metadata?.labels).toEqual({ x: 'y' });
  });

  it('over 1000 addresses: truncated and annotated', () => {
    const pods = Array.from({ length: 1005 }, (_, i) => makePod(`p${String(i)}`, { ip: `10.1.${String(Math.floor(i / 250))}.${String((i % 250) + 1)}` }));
    const e = written(planEndpoints({ service: makeService(), pods, current: undefined, triggerTime: undefined }));
    expect(e.subsets?.[0]?.addresses).toHaveLength(1000);
    expect(e.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity']).toBe('truncated');
  });
});

describe('repackSubsets', () => {
  const a = (ip: string, uid = `u${ip}`): { ip: string; targetRef: { kind: string; uid: string } } => ({ ip, targetRef: { kind: 'Pod', uid } });
  const http = { name: 'http', port: 80, protocol: 'TCP' };
  const dns = { name: 'dns', port: 53, protocol: 'UDP' };

  it('merges addresses offering the same ports and sorts them by IP', () => {
    const out = repackSubsets([
      { addresses: [a('10.0.0.9')], ports: [http] },
      { addresses: [a('10.0.0.1')], ports: [http] },
    ]);
    expect(out).toEqual([{ addresses: [a('10.0.0.1'), a('10.0.0.9')], ports: [http] }]);
  });

  it('not ready on any port wins; addresses with different port sets stay apart', () => {
    const out = repackSubsets([
      { addresses: [a('10.0.0.1')], ports: [http, dns] },
      { notReadyAddresses: [a('10.0.0.1')], ports: [http] },
      { addresses: [a('10.0.0.2')], ports: [dns] },
    ]);
    const view = (ss: EndpointSubset): string => JSON.stringify([(ss.addresses ?? []).map((x) => x.ip), (ss.notReadyAddresses ?? []).map((x) => x.ip), (ss.ports ?? []).map((p) => p.port)]);
    expect(out.map(view).sort()).toEqual([
      JSON.stringify([['10.0.0.1', '10.0.0.2'], [], [53]]),
      JSON.stringify([[], ['10.0.0.1'], [80]]),
    ].sort());
  });

  it('is stable: repacking its own output gives it back', () => {
    const once = repackSubsets([{ addresses: [a('10.0.0.3'), a('10.0.0.1')], ports: [dns, http] }, { notReadyAddresses: [a('10.0.0.2')], ports: [http] }]);
    expect(repackSubsets(once)).toEqual(once);
  });

  it('truncation keeps ready addresses first', () => {
    const subsets: EndpointSubset[] = [{ addresses: Array.from({ length: 990 }, (_, i) => a(`10.0.${String(Math.floor(i / 200))}.${String(i % 200)}`)), notReadyAddresses: Array.from({ length: 20 }, (_, i) => a(`10.9.0.${String(i)}`)) }];
    expect(truncateSubsets(subsets)).toBe(true);
    expect(subsets[0]?.addresses).toHaveLength(990);
    expect(subsets[0]?.notReadyAddresses).toHaveLength(10);
  });
});
