import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Node, Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { ENDPOINT_SLICES, NODES, SERVICES } from '../kube/client/resources.ts';
import { FakeClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { decideMasquerade } from './node-setup.ts';
import { ServiceProxy, nodeAddresses, type ServiceProxyOptions } from './service-proxy.ts';
import { ProxyMetrics } from './metrics.ts';
import { FakeInformers, RecordingHost, endpoint, service, slice } from './testing.ts';
import { staleUdpFlows, udpFlows, conntrackDeleteArgs } from './conntrack.ts';
import { buildServicePorts } from './service-ports.ts';

describe('ServiceProxy', () => {
  let dir: string;
  let clock: FakeClock;
  let host: RecordingHost;
  let informers: FakeInformers;
  const web = (ip = '10.96.0.20'): Service => service('web', { clusterIP: ip, ports: [{ port: 80, targetPort: 8080 }] });
  const webSlice = (...ips: string[]): EndpointSlice => slice('web', [{ port: 8080 }], ips.map((ip) => endpoint(ip)));

  function proxy(o: Partial<ServiceProxyOptions> = {}): ServiceProxy {
    return new ServiceProxy({
      informers, nodeName: 'node-1', host, clock, log: silentLogger, serviceCidr: '10.96.0.0/12',
      stateFile: join(dir, 'route-localnet'), ...o,
    });
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nodelet-proxy-'));
    clock = new FakeClock();
    host = new RecordingHost();
    informers = new FakeInformers();
  });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('routes the service range before writing any rule, turns route_localnet on and remembers the old value', async () => {
    const p = proxy();
    await p.start();
    // the route's source is a real address: from 127.0.0.1 DNAT could not reach a pod
    expect(host.commands[1]?.argv).toEqual(['ip', 'route', 'replace', '10.96.0.0/12', 'dev', 'lo', 'src', '192.0.2.7']);
    expect(host.commands.slice(0, 2).every((c) => c.argv[0] === 'ip')).toBe(true);
    expect(host.sysctls.get('net.ipv4.conf.all.route_localnet')).toBe('1');
    expect(readFileSync(join(dir, 'route-localnet'), 'utf8')).toBe('0\n');
    expect(host.restores()).toHaveLength(0);
    expect(p.health().healthy).toBe(false);
    await clock.step(10);
    expect(host.restores()).toHaveLength(1);
    expect(p.health()).toMatchObject({ healthy: true, lastUpdated: clock.now() });
    p.stop();
  });

  it('gathers changes arriving within the debounce window into one sync', async () => {
    const p = proxy();
    await p.start();
    await clock.step(10);
    const svcs = informers.informer<Service>(SERVICES);
    const slices = informers.informer<EndpointSlice>(ENDPOINT_SLICES);
    await clock.step(100);
    svcs.set(web());
    await clock.step(2);
    slices.set(webSlice('172.17.0.2'));
    await clock.step(2);
    slices.set(webSlice('172.17.0.2', '172.17.0.3'));
    await clock.step(20);
    expect(host.restores()).toHaveLength(2);
    expect(host.restores()[1]).toContain('--to-destination 172.17.0.3:8080');
    p.stop();
  });

  it('keeps syncs at least minSyncIntervalMs apart', async () => {
    const p = proxy({ minSyncIntervalMs: 50, debounceMs: 5 });
    await p.start();
    await clock.step(5);
    expect(host.restores()).toHaveLength(1);
    informers.informer<Service>(SERVICES).set(web());
    await clock.step(44); // t = 49: the first sync started at t = 5
    expect(host.restores()).toHaveLength(1);
    await clock.step(6);
    expect(host.restores()).toHaveLength(2);
    p.stop();
  });

  it('a change arriving while a batch is being written gets one more sync', async () => {
    let release: (() => void) | undefined;
    const run = host.run.bind(host);
    host.run = (argv, stdin) => {
      if (argv[0] !== 'iptables-restore' || release !== undefined) return run(argv, stdin);
      return new Promise((resolve) => { release = () => { resolve(run(argv, stdin)); }; });
    };
    const p = proxy();
    await p.start();
    await clock.step(10);
    expect(release).toBeDefined(); // the first batch is still being written
    informers.informer<Service>(SERVICES).set(web());
    await clock.step(100);
    expect(p.syncCount).toBe(0);
    release?.();
    await clock.step(100);
    expect(p.syncCount).toBe(2);
    expect(host.restores()[1]).toContain('10.96.0.20');
    p.stop();
  });

  it('a pod turning unready is out of the rules at the next sync', async () => {
    const p = proxy();
    informers.informer<Service>(SERVICES).set(web());
    informers.informer<EndpointSlice>(ENDPOINT_SLICES).set(webSlice('172.17.0.2', '172.17.0.3'));
    await p.start();
    await clock.step(10);
    expect(host.restores()[0]).toContain('172.17.0.3:8080');
    const s = slice('web', [{ port: 8080 }], [endpoint('172.17.0.2'), endpoint('172.17.0.3', { ready: false })]);
    informers.informer<EndpointSlice>(ENDPOINT_SLICES).set(s);
    await clock.step(60);
    expect(host.restores()[1]).not.toContain('172.17.0.3:8080');
    p.stop();
  });

  it('writes only the changed chains after the first sync, and says so in its metrics', async () => {
    const metrics = new ProxyMetrics();
    const p = proxy({ metrics });
    informers.informer<Service>(SERVICES).set(web());
    informers.informer<EndpointSlice>(ENDPOINT_SLICES).set(webSlice('172.17.0.2', '172.17.0.3'));
    await p.start();
    await clock.step(10);
    informers.informer<EndpointSlice>(ENDPOINT_SLICES).set(webSlice('172.17.0.2', '172.17.0.4'));
    await clock.step(60);
    const partial = host.restores()[1] ?? '';
    expect(partial).toContain('172.17.0.4:8080');
    expect(partial).not.toContain(':NODELET-SERVICES ');
    expect(host.commands.filter((c) => c.argv[0] === 'iptables-save')).toHaveLength(2); // both tables, once: the full sync only
    const text = await metrics.registry.metrics();
    expect(text).toContain('nodelet_proxy_sync_proxy_rules_duration_seconds_count{mode="full"} 1');
    expect(text).toContain('nodelet_proxy_sync_proxy_rules_duration_seconds_count{mode="partial"} 1');
    expect(text).toContain('nodelet_proxy_service_ports{endpoints="some"} 1');
    p.stop();
  });

  it('retries a failed batch, and is not healthy before the first success', async () => {
    host.failRestores = 1;
    const p = proxy({ retryMs: 1000 });
    await p.start();
    await clock.step(10);
    expect(p.health().healthy).toBe(false);
    await clock.step(1000);
    await clock.step(60);
    expect(host.restores()).toHaveLength(2);
    expect(p.health().healthy).toBe(true);
    p.stop();
  });

  it('waits for the informers\' first lists', async () => {
    informers.informer<Service>(SERVICES).synced = false;
    const p = proxy();
    await p.start();
    await clock.step(500);
    expect(host.restores()).toHaveLength(0);
    informers.informer<Service>(SERVICES).synced = true;
    await clock.step(200);
    expect(host.restores()).toHaveLength(1);
    p.stop();
  });

  it('resyncs periodically without changes, and ignores Node heartbeats that keep its addresses', async () => {
    const p = proxy({ syncPeriodMs: 1000 });
    const nodes = informers.informer<Node>(NODES);
    const node: Node = { metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.5' }, { type: 'Hostname', address: 'n1' }] } };
    nodes.set(node);
    await p.start();
    await clock.step(10);
    nodes.set({ ...node, status: { ...node.status, conditions: [{ type: 'Ready', status: 'True' }] } });
    await clock.step(100);
    expect(host.restores()).toHaveLength(1);
    await clock.step(1000);
    expect(host.restores()).toHaveLength(2);
    expect(nodeAddresses(node)).toEqual(['192.168.1.5']);
    p.stop();
  });
});

describe('decideMasquerade', () => {
  it.each([
    [undefined, false, true],
    ['0', false, true],
    ['1', false, false],
    ['1', true, true],
  ])('bridge-nf-call-iptables %s, forced %s → masquerade all %s', (value, forced, expected) => {
    expect(decideMasquerade(value, forced).masqueradeAll).toBe(expected);
  });
});

describe('stale UDP flows', () => {
  it('lists the endpoints that left a UDP service, by cluster IP and node port', () => {
    const dns = service('dns', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }] });
    const before = udpFlows(buildServicePorts([dns], [slice('dns', [{ port: 10053, protocol: 'UDP' }], [endpoint('172.17.0.2'), endpoint('172.17.0.3')])], 'node-1'));
    const after = udpFlows(buildServicePorts([dns], [slice('dns', [{ port: 10053, protocol: 'UDP' }], [endpoint('172.17.0.2')])], 'node-1'));
    const stale = staleUdpFlows(before, after);
    expect(stale).toEqual([{ ip: '10.96.0.10', port: 53, endpoint: '172.17.0.3' }, { ip: '', port: 30053, endpoint: '172.17.0.3' }]);
    expect(conntrackDeleteArgs(stale[0]!)).toEqual(['conntrack', '-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--orig-port-dst', '53', '--dst-nat', '172.17.0.3']);
  });
});
