import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { defaultAdvertiseAddress } from '../advertise.ts';
import { bootstrapRegistry } from '../registry/bootstrap.ts';
import { Registry } from '../registry/registry.ts';
import { attachServiceAllocation } from '../registry/service-allocation.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import {
  desiredEndpoints, desiredService, desiredSlice, KubernetesServiceController, planKubernetesService, type Observed,
} from './kubernetes-service.ts';

const facts = { clusterIP: '10.96.0.1', port: 6443, address: '192.0.2.10' };

/** The objects as the server stores them (defaults filled in). */
const storedService: KubeObject = {
  ...desiredService(facts),
  spec: {
    type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], sessionAffinity: 'None', internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }],
  },
};
const storedSlice: KubeObject = { ...desiredSlice(facts), metadata: { ...desiredSlice(facts).metadata, generation: 1 } };
const upToDate: Observed = { service: storedService, endpoints: desiredEndpoints(facts), slice: storedSlice };

const ops = (o: Observed): string[] => planKubernetesService(o, facts).map((a) => `${a.op} ${a.resource}`);

describe('planKubernetesService', () => {
  it.each([
    ['nothing there: all three are created', {}, ['create services', 'create endpoints', 'create endpointslices']],
    ['all as kube-apiserver keeps them: nothing to do', upToDate, []],
    ['the Service lost its port', { ...upToDate, service: { ...storedService, spec: { ...(storedService['spec'] as object), ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 }] } } }, ['update services']],
    ['the Service became a NodePort', { ...upToDate, service: { ...storedService, spec: { ...(storedService['spec'] as object), type: 'NodePort' } } }, ['update services']],
    ['the Service\'s labels changed (kept, as upstream)', { ...upToDate, service: { ...storedService, metadata: { name: 'kubernetes', namespace: 'default', labels: { x: 'y' } } } }, []],
    ['the Endpoints point elsewhere', { ...upToDate, endpoints: { ...desiredEndpoints(facts), subsets: [{ addresses: [{ ip: '10.9.9.9' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] } }, ['update endpoints']],
    ['the Endpoints lost their label', { ...upToDate, endpoints: { ...desiredEndpoints(facts), metadata: { name: 'kubernetes', namespace: 'default' } } }, ['update endpoints']],
    ['the slice is gone', { ...upToDate, slice: undefined }, ['create endpointslices']],
    ['the slice is of another family', { ...upToDate, slice: { ...storedSlice, addressType: 'IPv6' } }, ['delete endpointslices', 'create endpointslices']],
    ['the slice\'s endpoint is not ready', { ...upToDate, slice: { ...storedSlice, endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: false } }] } }, ['update endpointslices']],
  ] as [string, Observed, string[]][])('%s', (_name, observed, want) => {
    expect(ops(observed)).toEqual(want);
  });

  it('writes the Service, Endpoints and EndpointSlice as 1.32 does', () => {
    expect(desiredService(facts)).toEqual({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', sessionAffinity: 'None', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }] },
    });
    expect(desiredEndpoints(facts)).toEqual({
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    });
    expect(desiredSlice(facts)).toEqual({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    });
  });

  it('advertises a concrete listen address, else a non-loopback one', () => {
    expect(defaultAdvertiseAddress('192.0.2.7')).toBe('192.0.2.7');
    expect(defaultAdvertiseAddress('127.0.0.1')).not.toMatch(/^$/);
    expect(defaultAdvertiseAddress('0.0.0.0')).not.toBe('0.0.0.0');
  });
});

describe('KubernetesServiceController', () => {
  it('creates the objects at start, leaves them alone when right and brings them back every 10 s', async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 8));
    const reg = new Registry(createMemoryStorage(), clock);
    await bootstrapRegistry(reg);
    const alloc = await attachServiceAllocation(reg, {}, silentLogger);
    const ctl = new KubernetesServiceController({ registry: reg, clock, log: silentLogger, ...facts });
    ctl.start();
    await ctl.idle();
    const svc = await reg.store('', 'v1', 'services').get('default', 'kubernetes');
    expect(svc['spec']).toMatchObject({ clusterIP: '10.96.0.1', ports: [{ port: 443, targetPort: 6443 }] });
    expect(alloc.ips.has('10.96.0.1')).toBe(true);
    const rv = (await reg.storage.revision());
    await clock.step(10_000);
    await ctl.idle();
    expect(await reg.storage.revision()).toBe(rv);
    await reg.store('', 'v1', 'services').delete('default', 'kubernetes');
    await reg.store('discovery.k8s.io', 'v1', 'endpointslices').delete('default', 'kubernetes');
    expect(alloc.ips.has('10.96.0.1')).toBe(false);
    await clock.step(10_000);
    await ctl.idle();
    expect((await reg.store('', 'v1', 'services').get('default', 'kubernetes'))['spec']).toMatchObject({ clusterIP: '10.96.0.1' });
    expect((await reg.store('discovery.k8s.io', 'v1', 'endpointslices').get('default', 'kubernetes'))['endpoints']).toEqual([{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
    ctl.stop();
  });
});
