// The DNS server end to end on loopback: a real in-memory API server, the server's real UDP and
// TCP sockets on 127.0.0.1 (a free port), and a fake upstream on 127.0.0.1. No outside name is
// ever resolved: the only upstream is the fake, and only *.test names are asked of it.
import dnsPacket, { type Answer, type DecodedPacket, type RecordType } from 'dns-packet';
import type { Endpoints, Namespace, Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver/server.ts';
import { createMemoryStorage } from '../apiserver/storage/memory-storage.ts';
import { ApiClient } from '../kube/client/client.ts';
import { parseKubeconfig } from '../kube/client/kubeconfig.ts';
import { ENDPOINT_SLICES as ENDPOINTSLICES, ENDPOINTS, NAMESPACES, SERVICES } from '../kube/client/resources.ts';
import { until } from '../lib/testing/wait.ts';
import { SystemClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { ClusterDns } from './cluster-dns.ts';
import { DNS_SLICE_MANAGER } from './publisher.ts';
import { FakeUpstream } from './testing/fake-upstream.ts';
import { exchangeTcp, exchangeUdp } from './transport.ts';

const clock = new SystemClock();
const ADVERTISED = '192.0.2.53';
let server: ApiServer;
let client: ApiClient;
let upstream: FakeUpstream;
let dns: ClusterDns;
let nextId = 1;

async function ask(name: string, type: RecordType, o: { tcp?: boolean } = {}): Promise<DecodedPacket & { rcode: number }> {
  const id = nextId++ % 65536;
  const msg = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
  const target = { host: '127.0.0.1', port: dns.port };
  const raw = o.tcp === true ? await exchangeTcp(target, msg, 5000, clock) : await exchangeUdp(target, msg, 5000, clock);
  return { ...dnsPacket.decode(raw), rcode: raw.readUInt16BE(2) & 0xf };
}

function data(records: Answer[] | undefined, type?: string): string[] {
  return (records ?? []).filter((r) => type === undefined || r.type === type).map((r) => {
    if (r.type === 'OPT') return 'OPT';
    if (r.type === 'SRV') return `${String(r.data.port)} ${r.data.target}`;
    if (r.type === 'TXT') return String(r.data);
    return typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
  }).sort();
}

function slice(namespace: string, service: string, name: string, endpoints: EndpointSlice['endpoints'], ports: NonNullable<EndpointSlice['ports']>): EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace, name, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', endpoints, ports };
}

beforeAll(async () => {
  server = await ApiServer.start({ storage: createMemoryStorage(), log: silentLogger });
  client = new ApiClient(parseKubeconfig(server.kubeconfig()));
  upstream = await FakeUpstream.start({
    records: [
      { name: 'www.example.test', type: 'A', data: '192.0.2.80', ttl: 300 },
      { name: 'big.example.test', type: 'A', data: '192.0.2.81' },
      { name: 'db.example.test', type: 'A', data: '192.0.2.82' },
      { name: 'tcp.example.test', type: 'A', data: '192.0.2.83' },
    ],
    truncateOverUdp: ['big.example.test'],
    silent: ['silent.example.test'],
  });
  await client.create<Namespace>(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
  await client.create<Service>(SERVICES, 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'prod' }, spec: { clusterIP: '10.96.1.10', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  await client.create<Service>(SERVICES, 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'prod' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } });
  await client.create<EndpointSlice>(ENDPOINTSLICES, 'prod', slice('prod', 'db', 'db-abcde', [
    { addresses: ['10.244.0.7'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.244.0.8'], hostname: 'db-1', conditions: { ready: true } },
    { addresses: ['10.244.0.9'], hostname: 'db-2', conditions: { ready: false } },
  ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  await client.create<Service>(SERVICES, 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'prod' }, spec: { type: 'ExternalName', externalName: 'db.example.test' } });
  dns = new ClusterDns({
    client: new ApiClient(parseKubeconfig(server.kubeconfig())), clock, log: silentLogger,
    address: '127.0.0.1', advertiseAddress: ADVERTISED, port: 0,
    upstreams: [{ host: upstream.host, port: upstream.port }], upstreamTimeoutMs: 300,
  });
  await dns.start();
  await dns.whenReady();
}, 60_000);

afterAll(async () => {
  await dns.stop();
  await upstream.close();
  client.close();
  await server.close();
});

describe('the cluster DNS server on real sockets', () => {
  it('publishes itself as kube-system/kube-dns, and again idempotently after a restart', async () => {
    const first = await dns.whenPublished();
    expect(first).toEqual({ service: 'create', slice: 'create', endpoints: 'create' });
    const svc = await client.get<Service>(SERVICES, 'kube-system', 'kube-dns');
    expect(svc.metadata?.labels).toMatchObject({ 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' });
    expect(svc.spec?.clusterIP).toBe('10.96.0.10');
    expect(svc.spec?.selector).toBeUndefined();
    expect(svc.spec?.ports?.map((p) => [p.name, p.port, p.protocol])).toEqual([['dns', 53, 'UDP'], ['dns-tcp', 53, 'TCP']]);
    const es = await client.get<EndpointSlice>(ENDPOINTSLICES, 'kube-system', 'kube-dns');
    expect(es.metadata?.labels).toMatchObject({ 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': DNS_SLICE_MANAGER });
    expect(es.endpoints.map((e) => e.addresses)).toEqual([[ADVERTISED]]);
    expect(es.ports?.map((p) => [p.name, p.port, p.protocol])).toEqual([['dns', dns.port, 'UDP'], ['dns-tcp', dns.port, 'TCP']]);
    const ep = await client.get<Endpoints>(ENDPOINTS, 'kube-system', 'kube-dns');
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual([ADVERTISED]);
    // the server answers for its own Service
    expect(data((await ask('kube-dns.kube-system.svc.cluster.local', 'A')).answers)).toEqual(['10.96.0.10']);

    // a second instance (a restart; on another loopback address, as the first holds the port)
    // finds everything in place
    const again = new ClusterDns({ client, clock, log: silentLogger, address: '127.0.0.2', advertiseAddress: ADVERTISED, port: dns.port, upstreams: [] });
    await again.start();
    try {
      expect(await again.whenPublished()).toEqual({ service: 'none', slice: 'none', endpoints: 'none' });
    } finally {
      await again.stop();
    }
  });

  it('answers a Service A record over UDP and TCP', async () => {
    for (const tcp of [false, true]) {
      const r = await ask('web.prod.svc.cluster.local', 'A', { tcp });
      expect(r.rcode).toBe(0);
      expect(r.flag_aa).toBe(true);
      expect(data(r.answers)).toEqual(['10.96.1.10']);
      expect(r.answers?.[0]?.type === 'A' ? r.answers[0].ttl : undefined).toBe(5);
    }
  });

  it('answers a headless Service with its ready endpoints, and StatefulSet pod names', async () => {
    expect(data((await ask('db.prod.svc.cluster.local', 'A')).answers)).toEqual(['10.244.0.7', '10.244.0.8']);
    expect(data((await ask('DB-1.db.Prod.svc.cluster.local.', 'A')).answers)).toEqual(['10.244.0.8']);
  });

  it('answers SRV for named ports, one per endpoint of a headless Service', async () => {
    const headless = await ask('_pg._tcp.db.prod.svc.cluster.local', 'SRV');
    expect(data(headless.answers)).toEqual(['5432 db-0.db.prod.svc.cluster.local', '5432 db-1.db.prod.svc.cluster.local']);
    expect(data(headless.additionals, 'A')).toEqual(['10.244.0.7', '10.244.0.8']);
    expect(data((await ask('_http._tcp.web.prod.svc.cluster.local', 'SRV', { tcp: true })).answers)).toEqual(['80 web.prod.svc.cluster.local']);
  });

  it('answers PTR for ClusterIPs and endpoint IPs', async () => {
    expect(data((await ask('10.1.96.10.in-addr.arpa', 'PTR')).answers)).toEqual(['web.prod.svc.cluster.local']);
    expect(data((await ask('7.0.244.10.in-addr.arpa', 'PTR')).answers)).toEqual(['db-0.db.prod.svc.cluster.local']);
  });

  it('answers pod records in existing namespaces (pods insecure)', async () => {
    expect(data((await ask('10-244-3-4.prod.pod.cluster.local', 'A')).answers)).toEqual(['10.244.3.4']);
    expect((await ask('10-244-3-4.absent.pod.cluster.local', 'A')).rcode).toBe(3);
  });

  it('answers an ExternalName with a CNAME and the target resolved upstream', async () => {
    const r = await ask('ext.prod.svc.cluster.local', 'A');
    expect(r.answers?.map((a) => [a.type, a.type === 'A' || a.type === 'CNAME' ? a.data : ''])).toEqual([['CNAME', 'db.example.test'], ['A', '192.0.2.82']]);
  });

  it('follows an ExternalName that points into the cluster', async () => {
    await client.create<Service>(SERVICES, 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'alias', namespace: 'prod' }, spec: { type: 'ExternalName', externalName: 'web.prod.svc.cluster.local' } });
    let r = await ask('alias.prod.svc.cluster.local', 'A');
    for (let i = 0; i < 100 && r.rcode !== 0; i++) r = await ask('alias.prod.svc.cluster.local', 'A');
    expect(r.answers?.map((a) => [a.type, a.type === 'A' || a.type === 'CNAME' ? a.data : ''])).toEqual([['CNAME', 'web.prod.svc.cluster.local'], ['A', '10.96.1.10']]);
  });

  it('answers unknown names with NXDOMAIN and the zone SOA, and AAAA of a Service with NODATA', async () => {
    const nx = await ask('nope.prod.svc.cluster.local', 'A');
    expect(nx.rcode).toBe(3);
    expect(nx.answers).toEqual([]);
    expect(nx.authorities?.map((a) => [a.type, a.name, a.type === 'OPT' ? undefined : a.ttl])).toEqual([['SOA', 'cluster.local', 5]]);
    const nodata = await ask('web.prod.svc.cluster.local', 'AAAA');
    expect(nodata.rcode).toBe(0);
    expect(nodata.answers).toEqual([]);
    expect(nodata.authorities?.[0]?.type).toBe('SOA');
  });

  it('forwards other names to the upstream over UDP, and caches the answer', async () => {
    const before = upstream.seen.length;
    const r = await ask('www.example.test', 'A');
    expect(r.rcode).toBe(0);
    expect(data(r.answers)).toEqual(['192.0.2.80']);
    expect(upstream.seen.slice(before)).toEqual([{ name: 'www.example.test', type: 'A', tcp: false }]);
    const cached = await ask('WWW.example.test', 'A');
    expect(data(cached.answers)).toEqual(['192.0.2.80']);
    expect(upstream.seen.length).toBe(before + 1);
    expect(dns.stats.cacheHits).toBeGreaterThanOrEqual(1);
  });

  it('forwards NXDOMAIN from the upstream', async () => {
    const r = await ask('missing.example.test', 'A');
    expect(r.rcode).toBe(3);
    expect(r.authorities?.[0]?.type).toBe('SOA');
  });

  it('retries over TCP when the upstream truncates, and forwards TCP clients over TCP', async () => {
    const before = upstream.seen.length;
    expect(data((await ask('big.example.test', 'A')).answers)).toEqual(['192.0.2.81']);
    expect(upstream.seen.slice(before).map((s) => s.tcp)).toEqual([false, true]);
    const mid = upstream.seen.length;
    expect(data((await ask('tcp.example.test', 'A', { tcp: true })).answers)).toEqual(['192.0.2.83']);
    expect(upstream.seen.slice(mid)).toEqual([{ name: 'tcp.example.test', type: 'A', tcp: true }]);
  });

  it('answers SERVFAIL when no upstream answers in time', async () => {
    const r = await ask('silent.example.test', 'A');
    expect(r.rcode).toBe(2);
  });

  it('serves a new Service within about 100 ms of its creation', async () => {
    const t0 = Date.now();
    await client.create<Service>(SERVICES, 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'prod' }, spec: { clusterIP: '10.96.1.20', ports: [{ port: 80 }] } });
    const created = Date.now();
    let r = await ask('late.prod.svc.cluster.local', 'A');
    while (r.rcode !== 0 && Date.now() - created < 2000) {
      await new Promise((res) => setTimeout(res, 5));
      r = await ask('late.prod.svc.cluster.local', 'A');
    }
    const visible = Date.now() - created;
    expect(data(r.answers)).toEqual(['10.96.1.20']);
    expect(visible, `visible ${String(visible)} ms after the create returned (create took ${String(created - t0)} ms)`).toBeLessThan(100);

    // and a headless Service's endpoint as soon as its slice is written
    await client.create<Service>(SERVICES, 'prod', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late-db', namespace: 'prod' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
    await client.create<EndpointSlice>(ENDPOINTSLICES, 'prod', slice('prod', 'late-db', 'late-db-1', [{ addresses: ['10.244.0.30'], hostname: 'late-db-0', conditions: { ready: true } }], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
    const sliceAt = Date.now();
    let h = await ask('late-db-0.late-db.prod.svc.cluster.local', 'A');
    while (h.rcode !== 0 && Date.now() - sliceAt < 2000) {
      await new Promise((res) => setTimeout(res, 5));
      h = await ask('late-db-0.late-db.prod.svc.cluster.local', 'A');
    }
    expect(data(h.answers)).toEqual(['10.244.0.30']);
    expect(Date.now() - sliceAt).toBeLessThan(100);
  });

  it('answers many concurrent queries', async () => {
    const names = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 'web.prod.svc.cluster.local' : 'db.prod.svc.cluster.local'));
    const replies = await Promise.all(names.map((n, i) => ask(n, 'A', { tcp: i % 10 === 0 })));
    expect(replies.every((r) => r.rcode === 0 && (r.answers?.length ?? 0) > 0)).toBe(true);
  });

  it('answers malformed packets with FORMERR and keeps serving', async () => {
    const bad = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]), Buffer.from([0x3f, 0x61])]);
    const reply = await exchangeUdp({ host: '127.0.0.1', port: dns.port }, bad, 2000, clock);
    expect(reply.readUInt16BE(0)).toBe(0x1234);
    expect(reply.readUInt16BE(2) & 0xf).toBe(1);
    const tcpReply = await exchangeTcp({ host: '127.0.0.1', port: dns.port }, bad, 2000, clock);
    expect(tcpReply.readUInt16BE(2) & 0xf).toBe(1);
    expect(data((await ask('web.prod.svc.cluster.local', 'A')).answers)).toEqual(['10.96.1.10']);
    expect(dns.isReady()).toBe(true);
  });

  it('publishes kube-dns again when it is deleted', async () => {
    await client.delete(ENDPOINTSLICES, 'kube-system', 'kube-dns');
    const found = await until('kube-dns slice back', () => client.get<EndpointSlice>(ENDPOINTSLICES, 'kube-system', 'kube-dns').catch(() => undefined), 10_000, 100);
    expect(found.endpoints.map((e) => e.addresses)).toEqual([[ADVERTISED]]);
  });
});
