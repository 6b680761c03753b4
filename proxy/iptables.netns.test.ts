// The proxy against real iptables (nf_tables backend) and real sockets, inside a network
// namespace this test creates and deletes: the host's own tables are never touched. Needs root
// and `ip netns`; skipped otherwise.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { ENDPOINT_SLICES, SERVICES } from '../kube/client/resources.ts';
import { SystemClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { cleanupProxy } from './cleanup.ts';
import { systemHost, type CommandResult, type Host } from './host.ts';
import { restore, saveTables } from './iptables.ts';
import { ROUTE_LOCALNET } from './node-setup.ts';
import { ServiceProxy } from './service-proxy.ts';
import { FakeInformers, endpoint, service, slice } from './testing.ts';

const NS = `nodelet-proxy-test-${process.pid}`;
const CIDR = '10.96.0.0/12';

function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('iptables-restore', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function inNs(...argv: string[]): string {
  return execFileSync('ip', ['netns', 'exec', NS, ...argv], { encoding: 'utf8' });
}

/** Counts the iptables-restore calls made through it. */
class CountingHost implements Host {
  restores = 0;
  constructor(private readonly inner: Host) {}
  run(argv: string[], stdin?: string): Promise<CommandResult> {
    if (argv[0] === 'iptables-restore') this.restores++;
    return this.inner.run(argv, stdin);
  }
  readSysctl(key: string): Promise<string | undefined> { return this.inner.readSysctl(key); }
  writeSysctl(key: string, value: string): Promise<void> { return this.inner.writeSysctl(key, value); }
}

const BACKEND = `
const net = require('net');
for (const host of process.argv.slice(1)) {
  net.createServer((c) => { c.end(JSON.stringify({ server: c.localAddress, client: c.remoteAddress })); }).listen(8080, host);
}
console.log('ready');
`;

const CLIENT = `
const net = require('net');
const [host, port, n] = process.argv.slice(1);
const replies = [];
const t0 = Date.now();
const done = (o) => { console.log(JSON.stringify({ ...o, replies, ms: Date.now() - t0 })); process.exit(0); };
function one() {
  const c = net.connect({ host, port: Number(port), timeout: 3000 });
  let d = '';
  c.on('data', (x) => { d += x; });
  c.on('end', () => { replies.push(JSON.parse(d)); if (replies.length >= Number(n)) done({}); else one(); });
  c.on('timeout', () => { c.destroy(); done({ error: 'TIMEOUT' }); });
  c.on('error', (e) => done({ error: e.code }));
}
one();
`;

interface ClientResult {
  error?: string;
  replies: { server: string; client: string }[];
  ms: number;
}

function connect(ip: string, port: number, n = 1): ClientResult {
  return JSON.parse(inNs('node', '-e', CLIENT, ip, String(port), String(n))) as ClientResult;
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!canUseNetns())('service proxy in a network namespace', () => {
  let backend: ChildProcess | undefined;
  let dir: string;
  let proxy: ServiceProxy | undefined;
  const informers = new FakeInformers();
  const host = new CountingHost(systemHost(['ip', 'netns', 'exec', NS]));
  const services = informers.informer<Service>(SERVICES);
  const slices = informers.informer<EndpointSlice>(ENDPOINT_SLICES);
  const web = service('web', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] });
  const webSlice = (...ips: string[]): EndpointSlice => slice('web', [{ name: 'http', port: 8080 }], ips.map((ip) => endpoint(ip)));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nodelet-proxy-netns-'));
    execFileSync('ip', ['netns', 'add', NS]);
    inNs('ip', 'link', 'set', 'lo', 'up');
    // a new namespace copies the host's IPv4 conf: start from the kernel default whatever a
    // running proxy on the host set, so the test sees the proxy change it and cleanup restore it
    inNs('sysctl', '-qw', `${ROUTE_LOCALNET}=0`);
    // two "pods": addresses on the namespace's loopback, one listener each
    inNs('ip', 'addr', 'add', '10.244.0.2/32', 'dev', 'lo');
    inNs('ip', 'addr', 'add', '10.244.0.3/32', 'dev', 'lo');
    const child = spawn('ip', ['netns', 'exec', NS, 'node', '-e', BACKEND, '10.244.0.2', '10.244.0.3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    backend = child;
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => { resolve(); });
      child.once('exit', (code) => { reject(new Error(`backend exited ${String(code)}`)); });
    });
  });

  afterAll(() => {
    proxy?.stop();
    if (backend?.pid !== undefined && backend.exitCode === null) process.kill(backend.pid, 'SIGTERM');
    try {
      execFileSync('ip', ['netns', 'del', NS]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('before the first sync the route swallows the service range; then a cluster IP reaches both endpoints', async () => {
    services.set(web);
    slices.set(webSlice('10.244.0.2', '10.244.0.3'));
    proxy = new ServiceProxy({
      informers, nodeName: 'node-1', host, clock: new SystemClock(), log: silentLogger, serviceCidr: CIDR,
      stateFile: join(dir, 'route-localnet'), debounceMs: 5, minSyncIntervalMs: 50,
    });
    await proxy.start();
    expect(inNs('ip', '-o', 'route', 'show', 'exact', CIDR)).toContain(`${CIDR} dev lo`);
    await proxy.whenSynced();
    const r = connect('10.96.0.20', 80, 30);
    expect(r.error).toBeUndefined();
    expect(new Set(r.replies.map((x) => x.server))).toEqual(new Set(['10.244.0.2', '10.244.0.3']));
  });

  it('serves the node port on 127.0.0.1 (route_localnet on, masqueraded)', () => {
    expect(inNs('sysctl', '-n', ROUTE_LOCALNET).trim()).toBe('1');
    const r = connect('127.0.0.1', 30080, 3);
    expect(r.error).toBeUndefined();
    expect(r.replies).toHaveLength(3);
  });

  it('one iptables-restore per change; a pod leaving takes its chain with it', async () => {
    const before = host.restores;
    const syncs = proxy!.syncCount;
    slices.set(webSlice('10.244.0.2'));
    await until('a sync', () => proxy!.syncCount > syncs);
    expect(host.restores - before).toBe(1);
    const saved = await saveTables(host);
    expect(saved).toContain('--to-destination 10.244.0.2:8080');
    expect(saved).not.toContain('10.244.0.3');
    const r = connect('10.96.0.20', 80, 10);
    expect(new Set(r.replies.map((x) => x.server))).toEqual(new Set(['10.244.0.2']));
  });

  it('a batch with a broken line changes nothing (all or nothing)', async () => {
    const before = await saveTables(host);
    await expect(restore(host, '*nat\n-F NODELET-SERVICES\n-A NODELET-SERVICES -j NODELET-NO-SUCH-CHAIN\nCOMMIT\n')).rejects.toThrow(/iptables-restore/);
    const strip = (s: string): string => s.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '');
    expect(strip(await saveTables(host))).toBe(strip(before));
  });

  it('no endpoints, an unknown port or an unused service IP: refused at once, not timed out', async () => {
    const syncs = proxy!.syncCount;
    slices.set(webSlice());
    await until('a sync', () => proxy!.syncCount > syncs);
    for (const [ip, port] of [['10.96.0.20', 80], ['10.96.0.20', 81], ['10.96.0.99', 80], ['127.0.0.1', 30080]] as const) {
      const r = connect(ip, port);
      expect({ ip, port, error: r.error }).toEqual({ ip, port, error: 'ECONNREFUSED' });
      expect(r.ms).toBeLessThan(1000);
    }
    const syncs2 = proxy!.syncCount;
    slices.set(webSlice('10.244.0.3'));
    await until('a sync', () => proxy!.syncCount > syncs2);
    expect(connect('10.96.0.20', 80).replies[0]?.server).toBe('10.244.0.3');
  });

  it('a restart rewrites the same rules without duplicating the jumps', async () => {
    proxy!.stop();
    const before = await saveTables(host);
    const again = new ServiceProxy({
      informers, nodeName: 'node-1', host, clock: new SystemClock(), log: silentLogger, serviceCidr: CIDR,
      stateFile: join(dir, 'route-localnet'),
    });
    proxy = again;
    await again.start();
    await again.whenSynced();
    const strip = (s: string): string => s.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '');
    expect(strip(await saveTables(host))).toBe(strip(before));
    expect(before.match(/-A OUTPUT .*-j NODELET-SERVICES/g)).toHaveLength(2); // nat and filter
  });

  it('cleanup leaves nothing: chains, jumps, route, route_localnet; a second run finds nothing', async () => {
    proxy!.stop();
    const first = await cleanupProxy({ serviceCidr: CIDR, host, stateFile: join(dir, 'route-localnet') });
    expect(first).toMatchObject({ route: true, routeLocalnet: '0' });
    expect(first.chains).toBeGreaterThan(5);
    expect(first.jumps).toBe(10);
    expect(await saveTables(host)).not.toContain('NODELET');
    expect(inNs('ip', '-o', 'route', 'show', 'exact', CIDR)).toBe('');
    expect(inNs('sysctl', '-n', ROUTE_LOCALNET).trim()).toBe('0');
    expect(await cleanupProxy({ serviceCidr: CIDR, host, stateFile: join(dir, 'route-localnet') })).toEqual({ chains: 0, jumps: 0, route: false, routeLocalnet: undefined });
  });
});
