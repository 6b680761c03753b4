// Pods on a Linux bridge, as Docker's docker0 holds them, built from network namespaces this
// test creates and deletes: a "node" namespace with the bridge and the proxy's rules, and two
// "pod" namespaces on it. Proves what the masquerade decision is for (a pod reaching a pod on the
// same bridge through a Service, without br_netfilter), hairpin traffic, and that pods are
// refused at once (TCP and UDP) where a Service has no endpoints. Needs root and `ip netns`.
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
import { systemHost } from './host.ts';
import { ServiceProxy, type ServiceProxyOptions } from './service-proxy.ts';
import { FakeInformers, endpoint, service, slice } from './testing.ts';

const NODE = `nodelet-proxy-test-${process.pid}-node`;
const POD_A = `nodelet-proxy-test-${process.pid}-a`;
const POD_B = `nodelet-proxy-test-${process.pid}-b`;
const A = '172.30.0.2';
const B = '172.30.0.3';
const GATEWAY = '172.30.0.1';

function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function inNs(ns: string, ...argv: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
}

const BACKEND = `
const net = require('net');
const dgram = require('dgram');
net.createServer((c) => { c.end(JSON.stringify({ server: c.localAddress, client: c.remoteAddress })); }).listen(8080, '0.0.0.0');
const u = dgram.createSocket('udp4');
u.on('message', (m, r) => { u.send(JSON.stringify({ server: 'udp', client: r.address }), r.port, r.address); });
u.bind(5353, '0.0.0.0', () => console.log('ready'));
`;

const CLIENT = `
const [proto, host, port] = process.argv.slice(1);
const t0 = Date.now();
const done = (o) => { console.log(JSON.stringify({ ...o, ms: Date.now() - t0 })); process.exit(0); };
if (proto === 'tcp') {
  const c = require('net').connect({ host, port: Number(port), timeout: 2500 });
  let d = '';
  c.on('data', (x) => { d += x; });
  c.on('end', () => done({ reply: JSON.parse(d) }));
  c.on('timeout', () => done({ error: 'TIMEOUT' }));
  c.on('error', (e) => done({ error: e.code }));
} else {
  const u = require('dgram').createSocket('udp4');
  u.on('message', (m) => done({ reply: JSON.parse(String(m)) }));
  u.on('error', (e) => done({ error: e.code }));
  u.connect(Number(port), host, () => u.send('q'));
  setTimeout(() => done({ error: 'TIMEOUT' }), 2500);
}
`;

interface ClientResult {
  error?: string;
  reply?: { server: string; client: string };
  ms: number;
}

function fromPod(pod: string, proto: 'tcp' | 'udp', ip: string, port: number): ClientResult {
  return JSON.parse(inNs(pod, 'node', '-e', CLIENT, proto, ip, String(port))) as ClientResult;
}

describe.skipIf(!canUseNetns())('service proxy with pods on a bridge', () => {
  const backends: ChildProcess[] = [];
  let dir: string;
  let proxy: ServiceProxy | undefined;
  const informers = new FakeInformers();
  const services = informers.informer<Service>(SERVICES);
  const slices = informers.informer<EndpointSlice>(ENDPOINT_SLICES);

  async function startProxy(o: Partial<ServiceProxyOptions> = {}): Promise<ServiceProxy> {
    proxy?.stop();
    const p = new ServiceProxy({
      informers, nodeName: 'node-1', host: systemHost(['ip', 'netns', 'exec', NODE]), clock: new SystemClock(), log: silentLogger,
      serviceCidr: '10.96.0.0/12', stateFile: join(dir, 'route-localnet'), ...o,
    });
    proxy = p;
    await p.start();
    await p.whenSynced();
    return p;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nodelet-proxy-bridge-'));
    for (const ns of [NODE, POD_A, POD_B]) {
      execFileSync('ip', ['netns', 'add', ns]);
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    inNs(NODE, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    // UDP is refused with an ICMP error, which the kernel rate-limits per destination (about one
    // a second, as for kube-proxy's REJECT rules); this test sends several in a row
    inNs(NODE, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0');
    // what a machine without br_netfilter looks like
    inNs(NODE, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0');
    inNs(NODE, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    inNs(NODE, 'ip', 'addr', 'add', `${GATEWAY}/24`, 'dev', 'br0');
    inNs(NODE, 'ip', 'link', 'set', 'br0', 'up');
    for (const [pod, ip, side] of [[POD_A, A, 'vetha'], [POD_B, B, 'vethb']] as const) {
      inNs(NODE, 'ip', 'link', 'add', side, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod);
      inNs(NODE, 'ip', 'link', 'set', side, 'master', 'br0', 'up');
      inNs(pod, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      inNs(pod, 'ip', 'link', 'set', 'eth0', 'up');
      inNs(pod, 'ip', 'route', 'add', 'default', 'via', GATEWAY);
      const child = spawn('ip', ['netns', 'exec', pod, 'node', '-e', BACKEND], { stdio: ['ignore', 'pipe', 'inherit'] });
      backends.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => { resolve(); });
        child.once('exit', (code) => { reject(new Error(`backend exited ${String(code)}`)); });
      });
    }
    services.set(service('to-b', { clusterIP: '10.96.0.30', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }] }));
    slices.set(slice('to-b', [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }], [endpoint(B)]));
    services.set(service('to-a', { clusterIP: '10.96.0.31', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    slices.set(slice('to-a', [{ name: 'http', port: 8080 }], [endpoint(A)]));
    services.set(service('empty', { clusterIP: '10.96.0.32', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
  });

  afterAll(() => {
    proxy?.stop();
    for (const b of backends) if (b.pid !== undefined && b.exitCode === null) process.kill(b.pid, 'SIGTERM');
    try {
      for (const ns of [POD_A, POD_B, NODE]) {
        try {
          execFileSync('ip', ['netns', 'del', ns]);
        } catch { /* not created */ }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without masquerading, a pod cannot reach a pod on its bridge through a Service (the reply skips the host)', async () => {
    // a proxy that believes br_netfilter passes bridged traffic to iptables
    inNs(NODE, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1');
    const wrong = await startProxy({ masqueradeAll: false });
    inNs(NODE, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0');
    expect(wrong.lastBatch).not.toContain('"default/to-b:http cluster IP" -d 10.96.0.30/32 -p tcp -m tcp --dport 80 -j NODELET-MARK-MASQ');
    const r = fromPod(POD_A, 'tcp', '10.96.0.30', 80);
    expect(r.reply).toBeUndefined();
    expect(r.error).toBeDefined();
  });

  it('with bridge-nf-call-iptables=0 the proxy masquerades all Service traffic, and pod → Service → pod on the bridge works', async () => {
    const p = await startProxy();
    expect(p.lastBatch).toContain('"default/to-b:http cluster IP" -d 10.96.0.30/32 -p tcp -m tcp --dport 80 -j NODELET-MARK-MASQ');
    const r = fromPod(POD_A, 'tcp', '10.96.0.30', 80);
    expect(r.reply).toEqual({ server: B, client: GATEWAY });
    const u = fromPod(POD_A, 'udp', '10.96.0.30', 53);
    expect(u.reply).toEqual({ server: 'udp', client: GATEWAY });
  });

  it('with br_netfilter on, the same works without masquerading and the endpoint sees the pod\'s own address', async () => {
    inNs(NODE, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1');
    try {
      const p = await startProxy();
      expect(p.lastBatch).not.toContain('-d 10.96.0.30/32 -p tcp -m tcp --dport 80 -j NODELET-MARK-MASQ');
      expect(fromPod(POD_A, 'tcp', '10.96.0.30', 80).reply).toEqual({ server: B, client: A });
    } finally {
      inNs(NODE, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0');
    }
    await startProxy();
  });

  it('hairpin: a pod reaches itself through its Service', () => {
    const r = fromPod(POD_A, 'tcp', '10.96.0.31', 80);
    expect(r.reply?.server).toBe(A);
  });

  it('no endpoints: pods are refused at once, over TCP and UDP; so is an unused service IP', () => {
    for (const [proto, ip, port] of [['tcp', '10.96.0.32', 80], ['udp', '10.96.0.32', 53], ['tcp', '10.96.0.99', 80], ['udp', '10.96.0.99', 53]] as const) {
      const r = fromPod(POD_B, proto, ip, port);
      expect({ proto, ip, error: r.error }).toEqual({ proto, ip, error: 'ECONNREFUSED' });
      expect(r.ms).toBeLessThan(1000);

    }
  });
});
