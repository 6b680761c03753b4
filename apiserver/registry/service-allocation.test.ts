import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject, Storage } from '../storage/types.ts';
import { bootstrapRegistry } from './bootstrap.ts';
import { Registry } from './registry.ts';
import { attachServiceAllocation, ServiceAllocator, type ServiceAllocationOptions } from './service-allocation.ts';

type Obj = Record<string, unknown>;

function svc(name: string, spec: Obj): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } };
}

const specOf = (o: KubeObject): Obj => o['spec'] as Obj;
const first = (): number => 0;

async function serve(options: ServiceAllocationOptions = {}, storage: Storage = createMemoryStorage()): Promise<{ reg: Registry; alloc: ServiceAllocator; storage: Storage }> {
  const reg = new Registry(storage, new FakeClock(Date.UTC(2026, 11, 8)));
  await bootstrapRegistry(reg);
  const alloc = await attachServiceAllocation(reg, options, silentLogger);
  return { reg, alloc, storage };
}

/** The Status a failed write answers. */
async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { code: err.status.code ?? 0, message: err.status.message ?? '' };
    throw err;
  }
  throw new Error('the write succeeded');
}

describe('Service creates', () => {
  it('take a ClusterIP from the dynamic band, or the one asked for, and leave headless and ExternalName alone', async () => {
    const { reg } = await serve({ random: first });
    const s = reg.store('', 'v1', 'services');
    expect(specOf(await s.create('default', svc('a', {})))).toMatchObject({ clusterIP: '10.96.1.1', clusterIPs: ['10.96.1.1'], ipFamilies: ['IPv4'] });
    expect(specOf(await s.create('default', svc('b', { clusterIP: '10.96.0.5' })))).toMatchObject({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] });
    expect(specOf(await s.create('default', svc('h', { clusterIP: 'None', selector: { app: 'h' } })))).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    const ext = specOf(await s.create('default', svc('e', { type: 'ExternalName', externalName: 'example.invalid', ports: [] })));
    expect(ext).not.toHaveProperty('clusterIP');
    expect(ext).not.toHaveProperty('clusterIPs');
  });

  it('refuse a taken or out-of-range ClusterIP with 422 in upstream words', async () => {
    const { reg } = await serve();
    const s = reg.store('', 'v1', 'services');
    await s.create('default', svc('a', { clusterIP: '10.96.0.5' }));
    expect(await refusal(s.create('default', svc('b', { clusterIP: '10.96.0.5' })))).toEqual({
      code: 422, message: 'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated',
    });
    expect(await refusal(s.create('default', svc('c', { clusterIP: '10.0.0.5' })))).toEqual({
      code: 422,
      message: 'Service "c" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    });
  });

  it('refuse families and dual-stack the cluster does not have', async () => {
    const { reg } = await serve();
    const s = reg.store('', 'v1', 'services');
    expect((await refusal(s.create('default', svc('v6', { clusterIP: 'fd00::10' })))).message)
      .toBe('Service "v6" is invalid: spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster');
    expect((await refusal(s.create('default', svc('fam', { ipFamilies: ['IPv6'] })))).message)
      .toBe('Service "fam" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster');
    expect((await refusal(s.create('default', svc('ds', { ipFamilyPolicy: 'RequireDualStack' })))).message)
      .toBe('Service "ds" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
  });

  it('give NodePort ports node ports (one for TCP and UDP of the same port), honour asked-for ones and refuse taken ones', async () => {
    const { reg } = await serve({ random: first });
    const s = reg.store('', 'v1', 'services');
    const dns = specOf(await s.create('default', svc('dns', { type: 'NodePort', ports: [{ name: 'udp', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53, protocol: 'TCP' }, { name: 'x', port: 80 }] })));
    expect((dns['ports'] as Obj[]).map((p) => p['nodePort'])).toEqual([30086, 30086, 30087]);
    expect(specOf(await s.create('default', svc('web', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })))).toMatchObject({ ports: [{ nodePort: 30080 }] });
    expect(await refusal(s.create('default', svc('web2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })))).toEqual({
      code: 422, message: 'Service "web2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    });
    expect((await refusal(s.create('default', svc('low', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })))).message)
      .toBe('Service "low" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767');
  });

  it('give a LoadBalancer with externalTrafficPolicy Local a health check node port, and none without node ports when asked', async () => {
    const { reg } = await serve({ random: first });
    const s = reg.store('', 'v1', 'services');
    const lb = specOf(await s.create('default', svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' })));
    expect(lb).toMatchObject({ ports: [{ nodePort: 30086 }], healthCheckNodePort: 30087 });
    const bare = specOf(await s.create('default', svc('bare', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false })));
    expect((bare['ports'] as Obj[])[0]).not.toHaveProperty('nodePort');
  });

  it('give nothing back twice and take nothing when the range is exhausted (500 as upstream)', async () => {
    const { reg, alloc } = await serve({ serviceCIDR: '10.0.0.0/30' });
    const s = reg.store('', 'v1', 'services');
    await s.create('default', svc('a', {}));
    await s.create('default', svc('b', {}));
    expect(await refusal(s.create('default', svc('c', {})))).toEqual({ code: 500, message: 'Internal error occurred: failed to allocate a serviceIP: range is full' });
    expect(alloc.ips.free).toBe(0);
  });

  it('never share a value between concurrent creates', async () => {
    const { reg, alloc } = await serve({ serviceCIDR: '10.0.0.0/26', nodePortRange: { first: 30000, last: 30063 } });
    const s = reg.store('', 'v1', 'services');
    const results = await Promise.allSettled(Array.from({ length: 70 }, (_, i) => s.create('default', svc(`s${i}`, { type: 'NodePort' }))));
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(created).toHaveLength(62);
    const ips = created.map((o) => specOf(o)['clusterIP']);
    const ports = created.map((o) => ((specOf(o)['ports'] as Obj[])[0] ?? {})['nodePort']);
    expect(new Set(ips).size).toBe(62);
    expect(new Set(ports).size).toBe(62);
    expect(alloc.ips.free).toBe(0);
    // the failed creates gave back the node ports they had taken
    expect(alloc.ports.free).toBe(64 - 62);
  });

  it('a create that loses to an existing name gives its values back', async () => {
    const { reg, alloc } = await serve();
    const s = reg.store('', 'v1', 'services');
    await s.create('default', svc('a', {}));
    const free = alloc.ips.free;
    expect((await refusal(s.create('default', svc('a', { clusterIP: '10.96.0.7' })))).code).toBe(409);
    expect(alloc.ips.free).toBe(free);
    expect(alloc.ips.has('10.96.0.7')).toBe(false);
  });
});

describe('dry runs', () => {
  it('take and give back nothing, but refuse what a real write would', async () => {
    const { reg, alloc } = await serve();
    const s = reg.store('', 'v1', 'services');
    const dry = await s.create('default', svc('a', { type: 'NodePort' }), { dryRun: true });
    expect(specOf(dry)).toMatchObject({ clusterIP: '10.96.0.0', ports: [{ nodePort: 32769 }] });
    expect([alloc.ips.free, alloc.ports.free]).toEqual([2 ** 20 - 2, 2768]);
    await s.create('default', svc('b', { clusterIP: '10.96.0.9', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect((await refusal(s.create('default', svc('c', { clusterIP: '10.96.0.9' }), { dryRun: true }))).message).toContain('provided IP is already allocated');
    expect((await refusal(s.create('default', svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), { dryRun: true }))).message)
      .toContain('provided port is already allocated');
    await s.delete('default', 'b', {}, { dryRun: true });
    expect([alloc.ips.has('10.96.0.9'), alloc.ports.has(30080)]).toEqual([true, true]);
    const current = await s.get('default', 'b');
    await s.update('default', 'b', { ...current, spec: { ...specOf(current), type: 'ClusterIP', ports: [{ port: 80 }] } }, undefined, { dryRun: true });
    expect(alloc.ports.has(30080)).toBe(true);
  });
});

describe('Service updates', () => {
  it('ClusterIP to NodePort takes node ports; NodePort to ClusterIP gives them back once stored', async () => {
    const { reg, alloc } = await serve();
    const s = reg.store('', 'v1', 'services');
    const a = await s.create('default', svc('a', {}));
    const np = await s.update('default', 'a', { ...a, spec: { ...specOf(a), type: 'NodePort' } }, undefined);
    const port = (specOf(np)['ports'] as Obj[])[0]?.['nodePort'] as number;
    expect(alloc.ports.has(port)).toBe(true);
    expect(specOf(np)['clusterIP']).toBe(specOf(a)['clusterIP']);
    const back = await s.patch('default', 'a', 'merge', { spec: { type: 'ClusterIP' } }, undefined);
    expect((specOf(back)['ports'] as Obj[])[0]).not.toHaveProperty('nodePort');
    expect(alloc.ports.has(port)).toBe(false);
  });

  it('to ExternalName gives the ClusterIP back; from ExternalName takes one (the one asked for, if free)', async () => {
    const { reg, alloc } = await serve();
    const s = reg.store('', 'v1', 'services');
    const a = await s.create('default', svc('a', { clusterIP: '10.96.0.20' }));
    const ext = await s.patch('default', 'a', 'merge', { spec: { type: 'ExternalName', externalName: 'example.invalid' } }, undefined);
    expect(specOf(ext)).not.toHaveProperty('clusterIP');
    expect(alloc.ips.has('10.96.0.20')).toBe(false);
    await s.create('default', svc('taker', { clusterIP: '10.96.0.20' }));
    expect((await refusal(s.patch('default', 'a', 'merge', { spec: { type: 'ClusterIP', externalName: null, clusterIP: '10.96.0.20' } }, undefined))).message)
      .toBe('Service "a" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.20"}: failed to allocate IP 10.96.0.20: provided IP is already allocated');
    const back = await s.patch('default', 'a', 'merge', { spec: { type: 'ClusterIP', externalName: null } }, undefined);
    expect(alloc.ips.has(specOf(back)['clusterIP'] as string)).toBe(true);
    expect(specOf(back)['clusterIP']).not.toBe(specOf(a)['clusterIP']);
  });

  it('a changed node port takes the new one and gives the old one back; a taken one is refused and nothing changes', async () => {
    const { reg, alloc } = await serve();
    const s = reg.store('', 'v1', 'services');
    await s.create('default', svc('other', { type: 'NodePort', ports: [{ port: 80, nodePort: 30090 }] }));
    await s.create('default', svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect((await refusal(s.patch('default', 'a', 'json', [{ op: 'replace', path: '/spec/ports/0/nodePort', value: 30090 }], undefined))).message)
      .toBe('Service "a" is invalid: spec.ports[0].nodePort: Invalid value: 30090: provided port is already allocated');
    expect(alloc.ports.has(30080)).toBe(true);
    await s.patch('default', 'a', 'json', [{ op: 'replace', path: '/spec/ports/0/nodePort', value: 30081 }], undefined);
    expect([alloc.ports.has(30080), alloc.ports.has(30081)]).toEqual([false, true]);
  });

  it('ExternalTrafficPolicy Local to Cluster gives the health check node port back', async () => {
    const { reg, alloc } = await serve();
    const s = reg.store('', 'v1', 'services');
    const lb = await s.create('default', svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    const hc = specOf(lb)['healthCheckNodePort'] as number;
    expect(alloc.ports.has(hc)).toBe(true);
    const after = await s.patch('default', 'lb', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } }, undefined);
    expect(specOf(after)).not.toHaveProperty('healthCheckNodePort');
    expect(alloc.ports.has(hc)).toBe(false);
  });
});

describe('deletes', () => {
  it('give everything back once the Service is gone, not while a finalizer holds it', async () => {
    const { reg, alloc } = await serve();
    const s = reg.store('', 'v1', 'services');
    const a = await s.create('default', { ...svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), metadata: { name: 'a', finalizers: ['example.com/hold'] } });
    const ip = specOf(a)['clusterIP'] as string;
    expect((await s.delete('default', 'a')).deleted).toBe(false);
    expect([alloc.ips.has(ip), alloc.ports.has(30080)]).toEqual([true, true]);
    await s.patch('default', 'a', 'merge', { metadata: { finalizers: null } }, undefined);
    expect([alloc.ips.has(ip), alloc.ports.has(30080)]).toEqual([false, false]);
    await s.create('default', svc('b', { clusterIP: ip, type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    await s.delete('default', 'b');
    expect([alloc.ips.has(ip), alloc.ports.has(30080)]).toEqual([false, false]);
  });
});

describe('restarts', () => {
  it('rebuild the allocation from the stored Services', async () => {
    const storage = createMemoryStorage();
    const first = await serve({}, storage);
    const s = first.reg.store('', 'v1', 'services');
    const a = await s.create('default', svc('a', { type: 'NodePort' }));
    await s.create('default', svc('b', { clusterIP: '10.96.0.5', type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30080 }] }));
    const { alloc, reg } = await serve({}, storage);
    const ip = specOf(a)['clusterIP'] as string;
    expect([alloc.ips.has(ip), alloc.ips.has('10.96.0.5'), alloc.ports.has(30080)]).toEqual([true, true, true]);
    expect(alloc.ports.free).toBe(2768 - 3);
    expect((await refusal(reg.store('', 'v1', 'services').create('default', svc('c', { clusterIP: ip })))).message).toContain('provided IP is already allocated');
  });

  it('give Services stored without values (before nodelet allocated) their values, keeping the ones they have', async () => {
    const storage = createMemoryStorage();
    await storage.create('/registry/services/default/old', svc('old', { type: 'NodePort', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 81, protocol: 'TCP' }] }));
    await storage.create('/registry/services/default/kubernetes', svc('kubernetes', { type: 'ClusterIP', ports: [{ port: 443, protocol: 'TCP' }] }));
    const { reg, alloc } = await serve({}, storage);
    const old = specOf(await reg.store('', 'v1', 'services').get('default', 'old'));
    expect(alloc.ips.has(old['clusterIP'] as string)).toBe(true);
    expect((old['ports'] as Obj[]).map((p) => p['nodePort'])).toEqual([30080, expect.any(Number)]);
    expect(specOf(await reg.store('', 'v1', 'services').get('default', 'kubernetes'))).toMatchObject({ clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'] });
  });
});
