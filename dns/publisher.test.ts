import { describe, expect, it } from 'vitest';
import type { Endpoints, Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { desiredKubeDns, DNS_SLICE_MANAGER, endpointsAction, serviceAction, sliceAction, type PublishAction } from './publisher.ts';

const want = desiredKubeDns({ serviceIP: '10.96.0.10', address: '192.0.2.10', port: 10053, nodeName: 'node-a' });

describe('desiredKubeDns', () => {
  it('is the kube-dns Service of upstream clusters, without a selector', () => {
    expect(want.service).toEqual({
      apiVersion: 'v1', kind: 'Service',
      metadata: { namespace: 'kube-system', name: 'kube-dns', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        type: 'ClusterIP', clusterIP: '10.96.0.10',
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 10053 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 10053 }],
      },
    });
  });

  it('points its EndpointSlice and Endpoints at the node address and port', () => {
    expect(want.slice.metadata?.labels).toMatchObject({ 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': DNS_SLICE_MANAGER });
    expect(want.slice.endpoints).toEqual([{ addresses: ['192.0.2.10'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-a' }]);
    expect(want.slice.ports).toEqual([{ name: 'dns', port: 10053, protocol: 'UDP' }, { name: 'dns-tcp', port: 10053, protocol: 'TCP' }]);
    expect(want.endpoints.metadata?.labels).toMatchObject({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    expect(want.endpoints.subsets).toEqual([{ addresses: [{ ip: '192.0.2.10', nodeName: 'node-a' }], ports: want.slice.ports }]);
  });
});

describe('what to do with what exists', () => {
  const stored: Service = { ...want.service, metadata: { ...want.service.metadata, resourceVersion: '7', labels: { ...want.service.metadata?.labels, extra: 'kept' } }, spec: { ...want.service.spec, clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'] } };
  it.each<[string, Service | undefined, PublishAction]>([
    ['nothing: create', undefined, 'create'],
    ['as wanted (server defaults and extra labels allowed)', stored, 'none'],
    ['another ClusterIP cannot be changed in place', { ...stored, spec: { ...stored.spec, clusterIP: '10.96.0.11' } }, 'recreate'],
    ['a selector is removed', { ...stored, spec: { ...stored.spec, selector: { 'k8s-app': 'kube-dns' } } }, 'update'],
    ['another port is corrected', { ...stored, spec: { ...stored.spec, ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }] } }, 'update'],
    ['a missing label is restored', { ...stored, metadata: { ...stored.metadata, labels: {} } }, 'update'],
  ])('Service: %s', (_what, have, action) => {
    expect(serviceAction(have, want.service)).toBe(action);
  });

  it.each<[string, EndpointSlice | undefined, PublishAction]>([
    ['nothing', undefined, 'create'],
    ['as wanted', { ...want.slice, metadata: { ...want.slice.metadata, resourceVersion: '3' } }, 'none'],
    ['another address', { ...want.slice, endpoints: [{ addresses: ['192.0.2.99'], conditions: { ready: true }, nodeName: 'node-a' }] }, 'update'],
    ['null endpoints', { ...want.slice, endpoints: null as unknown as [] }, 'update'],
    ['another address type', { ...want.slice, addressType: 'IPv6' }, 'recreate'],
  ])('EndpointSlice: %s', (_what, have, action) => {
    expect(sliceAction(have, want.slice)).toBe(action);
  });

  it.each<[string, Endpoints | undefined, PublishAction]>([
    ['nothing', undefined, 'create'],
    ['as wanted', want.endpoints, 'none'],
    ['another port', { ...want.endpoints, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'dns', port: 53 }] }] }, 'update'],
  ])('Endpoints: %s', (_what, have, action) => {
    expect(endpointsAction(have, want.endpoints)).toBe(action);
  });
});
