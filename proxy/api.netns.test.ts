// End to end without an engine: a real API server (in memory, on loopback) and the proxy's real
// informers, writing real rules into a network namespace this test creates and deletes. A
// Service and an EndpointSlice written through the API become a working cluster IP; an endpoint
// turning unready stops getting new connections at once. Needs root and `ip netns`.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { ApiServer } from '../apiserver/server.ts';
import { createMemoryStorage } from '../apiserver/storage/memory-storage.ts';
import { ApiClient } from '../kube/client/client.ts';
import { parseKubeconfig } from '../kube/client/kubeconfig.ts';
import { ENDPOINT_SLICES, SERVICES } from '../kube/client/resources.ts';
import { InformerFactory } from '../kube/informers/informer.ts';
import { SystemClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { systemHost } from './host.ts';
import { ServiceProxy } from './service-proxy.ts';
import { endpoint, slice } from './testing.ts';

const NS = `nodelet-proxy-test-${process.pid}-api`;

function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function inNs(...argv: string[]): string {
  return execFileSync('ip', ['netns', 'exec', NS, ...argv], { encoding: 'utf8' });
}

const BACKEND = `
require('net').createServer((c) => { c.end(c.localAddress); }).listen(8080, '10.244.0.2', () => console.log('ready'));
`;


const CLIENT = `
const [host, port] = process.argv.slice(1);
const t0 = Date.now();
const c = require('net').connect({ host, port: Number(port), timeout: 2000 });
let d = '';
const done = (o) => { console.log(JSON.stringify({ ...o, ms: Date.now() - t0 })); process.exit(0); };
c.on('data', (x) => { d += x; });
c.on('end', () => done({ reply: d }));
c.on('timeout', () => done({ error: 'TIMEOUT' }));
c.on('error', (e) => done({ error: e.code }));
`;

/** Asynchronous: the API server, the informers and the proxy run in this process. */
async function connect(ip: string, port: number): Promise<{ reply?: string; error?: string; ms: number }> {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', NS, 'node', '-e', CLIENT, ip, String(port)], { encoding: 'utf8' });
  return JSON.parse(stdout) as { reply?: string; error?: string; ms: number };
}

describe.skipIf(!canUseNetns())('service proxy fed by a real API server', () => {
  let backend: ChildProcess | undefined;
  let server: ApiServer | undefined;
  let client: ApiClient | undefined;
  let proxy: ServiceProxy | undefined;
  let informers: InformerFactory | undefined;
  let dir: string;
  const abort = new AbortController();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nodelet-proxy-api-'));
    execFileSync('ip', ['netns', 'add', NS]);
    inNs('ip', 'link', 'set', 'lo', 'up');
    inNs('ip', 'addr', 'add', '10.244.0.2/32', 'dev', 'lo');
    const child = spawn('ip', ['netns', 'exec', NS, 'node', '-e', BACKEND], { stdio: ['ignore', 'pipe', 'inherit'] });
    backend = child;
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => { resolve(); });
      child.once('exit', (code) => { reject(new Error(`backend exited ${String(code)}`)); });
    });
    server = await ApiServer.start({ storage: createMemoryStorage(), log: silentLogger });
    const connection = parseKubeconfig(server.kubeconfig());
    client = new ApiClient(connection);
    const clock = new SystemClock();
    informers = new InformerFactory(new ApiClient(connection), { clock, log: silentLogger });
    proxy = new ServiceProxy({
      informers, nodeName: 'node-1', host: systemHost(['ip', 'netns', 'exec', NS]), clock, log: silentLogger,
      serviceCidr: '10.96.0.0/12', stateFile: join(dir, 'route-localnet'),
    });
    await proxy.start();
    informers.start(abort.signal);
    await proxy.whenSynced();
  });

  afterAll(async () => {
    proxy?.stop();
    abort.abort();
    await informers?.stopped();
    client?.close();
    await server?.close();
    if (backend?.pid !== undefined && backend.exitCode === null) process.kill(backend.pid, 'SIGTERM');
    try {
      execFileSync('ip', ['netns', 'del', NS]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a Service and its EndpointSlice from the API become a working cluster IP; unready is refused within ms', async () => {
    const api = client!;
    const svc = await api.create<Service>(SERVICES, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const ip = svc.spec?.clusterIP ?? '';
    expect(ip).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
    const created = await api.create<EndpointSlice>(ENDPOINT_SLICES, 'default', slice('web', [{ name: 'http', port: 8080 }], [endpoint('10.244.0.2')]));
    let r = await connect(ip, 80);
    for (let i = 0; i < 50 && r.reply === undefined; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await connect(ip, 80);
    }
    expect(r.reply).toBe('10.244.0.2');

    const t0 = Date.now();
    await api.update<EndpointSlice>(ENDPOINT_SLICES, 'default', { ...created, endpoints: [endpoint('10.244.0.2', { ready: false, serving: false })] });
    let after = await connect(ip, 80);
    while (after.error === undefined && Date.now() - t0 < 3000) after = await connect(ip, 80);
    const elapsed = Date.now() - t0;
    expect(after.error).toBe('ECONNREFUSED');
    // the update's round trip, the watch, the debounce and one iptables-restore
    expect(elapsed).toBeLessThan(1000);
  });
});
