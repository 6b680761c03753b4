// Services under load:
//   services.clusterip-latency  HTTP request latency from the host through a ClusterIP (the proxy's
//                               DNAT) vs straight to the pod IP: same client, same pod, same run
//   services.proxy-sync         one full proxy sync (plan + one iptables-restore batch) for 1,000
//                               Services × 3 endpoints, in a network namespace of its own
//   services.dns                cluster DNS queries per second and p99 from inside a pod (the load
//                               generator runs in the pod's network namespace, through kube-dns's
//                               ClusterIP)
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { kubeDnsServiceIP, parseCidr } from '../../kube/cluster-network.ts';
import { silentLogger } from '../../lib/log.ts';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { systemHost } from '../../proxy/host.ts';
import { applyPlan, restore } from '../../proxy/iptables.ts';
import { planRules, renderPartial, writtenOf } from '../../proxy/planner.ts';
import { buildServicePorts } from '../../proxy/service-ports.ts';
import { discoverEngine, dockerFor } from '../../runtime/docker/discovery.ts';
import { DOCKER_TYPE_SANDBOX, LABEL_DOCKER_TYPE, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from '../../runtime/labels.ts';
import { TEST_IMAGE } from '../../runtime/docker/test-support.ts';
import { startNodelet, type StartedNodelet } from '../../testing/nodelet.ts';
import { percentile } from '../framework/stats.ts';
import { SkipBenchmark, type Benchmark, type BenchSession } from '../framework/types.ts';

const NS = 'default';

async function kubectlOk(n: StartedNodelet, args: string[], stdin?: string): Promise<string> {
  const r = await n.kubectl(args, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** One busybox httpd pod behind a Service `web` (port 80 → 8080), Ready. */
async function webBehindService(n: StartedNodelet): Promise<{ podIP: string; clusterIP: string }> {
  await kubectlOk(n, ['apply', '-f', '-'], `
apiVersion: v1
kind: Pod
metadata: { name: web, labels: { app: web } }
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: httpd
      image: ${TEST_IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
      ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: http }]
`);
  await kubectlOk(n, ['wait', '--for=condition=Ready', 'pod/web', '--timeout=60s']);
  const podIP = (await kubectlOk(n, ['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}'])).trim();
  const clusterIP = (await kubectlOk(n, ['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  return { podIP, clusterIP };
}

/** One GET on a new connection (no keep-alive: every request goes through DNAT afresh), ms. */
function getOnce(host: string, port: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => { resolve(performance.now() - t0); });
    });
    req.on('timeout', () => { req.destroy(new Error(`no answer from ${host}:${String(port)}`)); });
    req.on('error', reject);
    req.end();
  });
}

async function latencies(host: string, port: number, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await getOnce(host, port));
  return out;
}

const median = (xs: number[]): number => percentile(xs, 50);

export const servicesClusterIpLatency: Benchmark = {
  id: 'services.clusterip-latency',
  group: 'services',
  title: 'HTTP request latency from the host: through a ClusterIP vs straight to the pod IP',
  runs: 5,
  warmups: 1,
  metrics: [
    { key: 'clusterIP', label: 'GET through the ClusterIP (median of 200)', unit: 'ms', better: 'lower', peer: 'podIP', target: { kind: 'ratio', op: '<=', value: 1.1 } },
    { key: 'podIP', label: 'GET to the pod IP (median of 200)', unit: 'ms', better: 'lower', peerOnly: true },
  ],
  async open(ctx): Promise<BenchSession> {
    const n = await startNodelet({ nodeName: ctx.nodeName, services: true, timeoutMs: 180_000 });
    try {
      const { podIP, clusterIP } = await webBehindService(n);
      ctx.note(`services.clusterip-latency: one busybox httpd pod; 200 sequential GETs per path from the host, each on a new TCP connection; the two paths alternate within each run`);
      // the proxy programs the Service a few milliseconds after the pod is Ready
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await getOnce(clusterIP, 80);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await latencies(clusterIP, 80, 20);
      return {
        async iterate(i) {
          const order = Math.abs(i) % 2 === 0;
          const a = order ? await latencies(podIP, 8080, 200) : undefined;
          const b = await latencies(clusterIP, 80, 200);
          const c = a ?? await latencies(podIP, 8080, 200);
          return { clusterIP: median(b), podIP: median(c) };
        },
        close: () => n.stop(),
      };
    } catch (err) {
      await n.stop();
      throw err;
    }
  },
};

function syntheticCluster(services: number, endpointsEach: number): { svcs: Service[]; slices: EndpointSlice[] } {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${String(i)}`;
    const ip = `10.96.${String(Math.floor(i / 250) + 1)}.${String((i % 250) + 1)}`;
    svcs.push({ metadata: { name, namespace: NS }, spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } });
    slices.push({
      metadata: { name: `${name}-x`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: endpointsEach }, (_, k) => ({
        addresses: [`172.${String(16 + k)}.${String(Math.floor(i / 250))}.${String((i % 250) + 2)}`],
        conditions: { ready: true, serving: true, terminating: false },
      })),
    });
  }
  return { svcs, slices };
}

export const servicesProxySync: Benchmark = {
  id: 'services.proxy-sync',
  group: 'services',
  title: 'one full proxy sync for 1,000 Services × 3 endpoints (plan + one iptables-restore), in its own network namespace',
  runs: 5,
  warmups: 1,
  metrics: [
    { key: 'sync', label: 'full proxy sync, 1,000 Services × 3 endpoints', unit: 's', better: 'lower', target: { kind: 'value', op: '<', value: 1 } },
    { key: 'plan', label: '  of which planning', unit: 's', better: 'lower' },
    { key: 'rules', label: '  rules written', unit: 'rules', better: 'lower' },
    { key: 'partial', label: 'then one endpoint changes: partial sync', unit: 's', better: 'lower', target: { kind: 'value', op: '<', value: 1 } },
  ],
  open(ctx): Promise<BenchSession> {
    if (process.getuid?.() !== 0) return Promise.reject(new SkipBenchmark('needs root for a network namespace and iptables'));
    const ns = `nodelet-bench-${String(process.pid)}`;
    execFileSync('ip', ['netns', 'add', ns]);
    const host = systemHost(['ip', 'netns', 'exec', ns]);
    ctx.note('services.proxy-sync: kube-proxy\'s sync_proxy_rules measure: from the Services and EndpointSlices in memory to the whole ruleset written by one iptables-restore --noflush (nat and filter), in a throwaway network namespace; every run changes one endpoint of every Service so the full sync (the first one, and every 30 s) rewrites all chains and deletes 1,000 stale ones; then one endpoint of one Service changes and the partial sync (every other sync) writes only the chains that changed');
    return Promise.resolve({
      async iterate(i) {
        const { svcs, slices } = syntheticCluster(1000, 3);
        for (const s of slices) {
          const ep = s.endpoints[0];
          if (ep !== undefined) ep.addresses = [`172.31.${String(Math.abs(i) % 250)}.${String((Number(s.metadata?.name?.split('-')[1]) % 250) + 2)}`];
        }
        const t0 = performance.now();
        const plan = planRules({
          servicePorts: buildServicePorts(svcs, slices, 'bench'),
          options: { serviceCidr: '10.96.0.0/12', masqueradeAll: false, localhostNodePorts: false, masqueradeMark: '0x2000' },
        });
        const t1 = performance.now();
        await applyPlan(host, plan);
        const t2 = performance.now();
        const ep = slices[500]?.endpoints[1];
        if (ep !== undefined) ep.addresses = ['172.30.9.9'];
        const t3 = performance.now();
        const next = planRules({
          servicePorts: buildServicePorts(svcs, slices, 'bench'),
          options: { serviceCidr: '10.96.0.0/12', masqueradeAll: false, localhostNodePorts: false, masqueradeMark: '0x2000' },
        });
        await restore(host, renderPartial(next, writtenOf(plan)));
        const t4 = performance.now();
        return { sync: (t2 - t0) / 1000, plan: (t1 - t0) / 1000, rules: plan.nat.rules.length + plan.filter.rules.length, partial: (t4 - t3) / 1000 };
      },
      close() {
        execFileSync('ip', ['netns', 'delete', ns]);
        return Promise.resolve();
      },
    });
  },
};

/** The load generator, run by `node -e` inside the pod's network namespace (dns-packet from the project). */
const DNS_LOAD = `
const dgram = require('node:dgram');
const packet = require('dns-packet');
const [server, name, seconds, inflight] = process.argv.slice(1);
const sock = dgram.createSocket('udp4');
const pending = new Map();
const lat = [];
let id = 0, errors = 0;
const deadline = Date.now() + Number(seconds) * 1000;
function send() {
  if (Date.now() >= deadline) return;
  id = (id + 1) & 0xffff;
  const q = packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
  pending.set(id, process.hrtime.bigint());
  sock.send(q, 53, server);
}
sock.on('message', (m) => {
  const r = packet.decode(m);
  const t = pending.get(r.id);
  if (t === undefined) return;
  pending.delete(r.id);
  if (r.rcode !== 'NOERROR' || r.answers.length === 0) errors++;
  lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  send();
});
sock.bind(0, () => {
  for (let i = 0; i < Number(inflight); i++) send();
  setTimeout(() => {
    sock.close();
    lat.sort((a, b) => a - b);
    const p = (q) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))] ?? 0;
    process.stdout.write(JSON.stringify({ answered: lat.length, lost: pending.size, errors, qps: lat.length / Number(seconds), p50: p(0.5), p99: p(0.99) }));
  }, Number(seconds) * 1000 + 500);
});
`;

async function podNetnsPid(podName: string): Promise<number> {
  const engine = await discoverEngine(silentLogger);
  if (engine === undefined) throw new SkipBenchmark('no engine');
  const docker = dockerFor(engine);
  const list = await docker.listContainers({
    filters: { label: [`${LABEL_POD_NAME}=${podName}`, `${LABEL_POD_NAMESPACE}=${NS}`, `${LABEL_DOCKER_TYPE}=${DOCKER_TYPE_SANDBOX}`] },
  });
  const id = list[0]?.Id;
  if (id === undefined) throw new Error(`no sandbox for pod ${podName}`);
  return (await docker.getContainer(id).inspect()).State.Pid;
}

function runInNetns(pid: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('nsenter', [`--net=/proc/${String(pid)}/ns/net`, process.execPath, '-e', DNS_LOAD, ...args], { cwd: PROJECT_ROOT });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    p.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    p.on('close', (code) => { if (code === 0) resolve(out); else reject(new Error(`dns load: ${String(code)} ${err}`)); });
  });
}

export const servicesDns: Benchmark = {
  id: 'services.dns',
  group: 'services',
  title: 'cluster DNS from inside a pod: A queries for a Service through kube-dns\'s ClusterIP',
  runs: 3,
  warmups: 1,
  metrics: [
    { key: 'qps', label: 'DNS queries answered', unit: 'q/s', better: 'higher' },
    { key: 'p50', label: '  p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: '  p99', unit: 'ms', better: 'lower' },
  ],
  async open(ctx): Promise<BenchSession> {
    if (process.getuid?.() !== 0) throw new SkipBenchmark('needs root for nsenter');
    const n = await startNodelet({ nodeName: ctx.nodeName, services: true, timeoutMs: 180_000 });
    try {
      await webBehindService(n);
      const cidr = readCidr(n);
      const dnsIP = kubeDnsServiceIP(parseCidr(cidr)!);
      const pid = await podNetnsPid('web');
      const seconds = 5;
      const inflight = 32;
      ctx.note(`services.dns: node's dgram client in pod web's network namespace (nsenter), ${String(inflight)} queries in flight for ${String(seconds)} s, A web.default.svc.cluster.local to ${dnsIP}:53 (DNAT to the DNS server on the node)`);
      return {
        async iterate() {
          const r = JSON.parse(await runInNetns(pid, [dnsIP, 'web.default.svc.cluster.local', String(seconds), String(inflight)])) as { qps: number; p50: number; p99: number; errors: number; answered: number };
          if (r.answered === 0 || r.errors > 0) throw new Error(`DNS load: ${JSON.stringify(r)}`);
          return { qps: r.qps, p50: r.p50, p99: r.p99 };
        },
        close: () => n.stop(),
      };
    } catch (err) {
      await n.stop();
      throw err;
    }
  },
};

function readCidr(n: StartedNodelet): string {
  return execFileSync('cat', [`${n.stateDir}/service-cidr`], { encoding: 'utf8' }).trim();
}
