// The agent's API side against an in-process API server, checked with the real kubectl: the node
// registers and is Ready, the Lease renews, bound pods reach the source, status patches show in
// `kubectl get pod`, events in `kubectl describe`, ConfigMaps are read, Services are cached for
// the service link variables, graceful deletion is confirmed (so `kubectl delete` returns),
// static pods get mirror pods, and a node that stops heartbeating goes NotReady after the
// server's (shortened) grace period.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1.d.ts';
import type { ConfigMap, Node, Pod, PodStatus, Service } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, CONFIGMAPS, LEASES, NAMESPACES, NODES, PODS } from '../../kube/client/client.ts';
import { SERVICES } from '../../kube/client/resources.ts';
import { parseKubeconfig } from '../../kube/client/kubeconfig.ts';
import { startApiServer } from '../../apiserver/main.ts';
import type { ApiServer } from '../../apiserver/server.ts';
import { createMemoryStorage } from '../../apiserver/storage/memory-storage.ts';
import { Kubectl } from '../../apiserver/testing/kubectl.ts';
import { SystemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { createDockerRuntime } from '../../runtime/docker/docker-runtime.ts';
import { podServiceEnv } from '../env/service-env.ts';
import { EventRecorder } from '../events.ts';
import { toStaticPod } from '../sources/manifest-dir.ts';
import { createApiSide, type ApiSide } from './api-side.ts';

const NODE = `api-side-${process.pid}`;
const clock = new SystemClock();
let server: ApiServer;
let kubectl: Kubectl;
let admin: ApiClient;
let api: ApiSide;
let dir: string;
const seen: string[] = [];
const deleting: Pod[] = [];

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function row(out: string, name: string): string[] | undefined {
  return out.split('\n').find((l) => l.startsWith(`${name} `))?.split(/\s+/);
}

beforeAll(async () => {
  server = await startApiServer({ storage: createMemoryStorage(), log: silentLogger, nodeGracePeriodMs: 3000, nodeMonitorPeriodMs: 500, scheduler: false });
  kubectl = new Kubectl(server.kubeconfig());
  admin = ApiClient.fromConnection(parseKubeconfig(server.kubeconfig()));
  dir = mkdtempSync(join(tmpdir(), 'nodelet-api-side-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, server.kubeconfig(server.credentials.nodeToken));
  api = createApiSide({
    kubeconfigPath, nodeName: NODE, kubeletPort: 10250, runtime: createDockerRuntime({ nodeName: NODE, log: silentLogger }),
    rootDir: dir, clock, log: silentLogger, nodeStatusUpdateMs: 1000, leaseRenewMs: 1000, reconnectInitialMs: 200, reconnectMaxMs: 1000,
  });
  api.start();
  await api.nodeReady;
  await api.podSource.start({
    add: (p) => { seen.push(`add ${p.metadata?.name ?? ''}`); },
    update: (p) => {
      seen.push(`update ${p.metadata?.name ?? ''}`);
      if (p.metadata?.deletionTimestamp !== undefined) deleting.push(p);
    },
    remove: () => { seen.push('remove'); },
  });
  api.mirrorPods.start();
});

afterAll(async () => {
  await api.stop();
  admin.close();
  await server.close();
  kubectl.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function runningStatus(): PodStatus {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const conds = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  return {
    phase: 'Running', hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }], podIP: '172.17.0.9', podIPs: [{ ip: '172.17.0.9' }], startTime: now,
    conditions: conds.map((type) => ({ type, status: 'True', lastTransitionTime: now })),
    containerStatuses: [{ name: 'c', image: 'localhost/busybox:local', imageID: 'docker-pullable://localhost/busybox@sha256:0', containerID: 'docker://0123', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } }],
  };
}

describe('the API side with kubectl', () => {
  it('registers the node, Ready, with the engine\'s facts', async () => {
    const out = await until('node Ready', async () => {
      const r = await kubectl.run(['get', 'nodes']);
      const cols = row(r.stdout, NODE);
      return cols?.[1] === 'Ready' ? cols : undefined;
    });
    expect(out[4]).toMatch(/^v1\.32\.\d+$/);
    const node = await admin.get<Node>(NODES, undefined, NODE);
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^docker:\/\/\d+/);
    expect(node.status?.addresses).toEqual([{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }]);
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    expect(Number(node.status?.capacity?.['cpu'])).toBeGreaterThan(0);
    const wide = await kubectl.run(['get', 'node', NODE, '-o', 'wide']);
    expect(wide.stdout).toMatch(/INTERNAL-IP/);
    expect(row(wide.stdout, NODE)).toContain('127.0.0.1');
    const describe = await kubectl.run(['describe', 'node', NODE]);
    expect(describe.stdout).toMatch(/KubeletReady\s+kubelet is posting ready status/);
    // recorded within the same millisecond: their names must still differ (they once collided, 409)
    await until('node events', async () => {
      const out = (await kubectl.run(['describe', 'node', NODE])).stdout;
      return (out.includes('Starting kubelet.') && out.includes('Updated Node Allocatable limit across pods')) || undefined;
    });
  });

  it('renews the node Lease', async () => {
    const first = await admin.get<Lease>(LEASES, 'kube-node-lease', NODE);
    expect(first.spec).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
    const later = await until('a renewal', async () => {
      const l = await admin.get<Lease>(LEASES, 'kube-node-lease', NODE);
      return l.spec?.renewTime !== first.spec?.renewTime ? l : undefined;
    });
    expect(Date.parse(later.spec?.renewTime ?? '')).toBeGreaterThan(Date.parse(first.spec?.renewTime ?? ''));
    expect(later.spec?.renewTime).toMatch(/\.\d{6}Z$/);
    // created concurrently with registration; owned by the Node from the first renewal on
    const node = await admin.get<Node>(NODES, undefined, NODE);
    expect(later.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: NODE, uid: node.metadata?.uid }]);
  });

  it('delivers bound pods, shows patched status and events in kubectl, and confirms graceful deletion', async () => {
    const pod = await admin.create<Pod>(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'localhost/busybox:local' }] } });
    await until('the pod in the source', () => seen.includes('add web') || undefined);
    const fromSource = api.podSource.pods().find((p) => p.metadata?.name === 'web');
    expect(fromSource?.metadata?.uid).toBe(pod.metadata?.uid);

    await api.statusSink.publish(pod, runningStatus());
    const get = await kubectl.run(['get', 'pod', 'web']);
    expect(row(get.stdout, 'web')?.slice(1, 4)).toEqual(['1/1', 'Running', '0']);

    const recorder = new EventRecorder({ clock, nodeName: NODE, sink: api.eventSink });
    recorder.containerEvent(pod, 'c', 'Normal', 'Started', 'Started container c');
    recorder.containerEvent(pod, 'c', 'Warning', 'Unhealthy', 'Readiness probe failed: nope');
    recorder.containerEvent(pod, 'c', 'Warning', 'Unhealthy', 'Readiness probe failed: nope');
    await api.eventSink.flush();
    const describe = await kubectl.run(['describe', 'pod', 'web']);
    expect(describe.stdout).toMatch(/Normal\s+Started\s+.*kubelet\s+Started container c/);
    expect(describe.stdout).toMatch(/Warning\s+Unhealthy\s+.*\(x2 over .*\)\s+kubelet\s+Readiness probe failed: nope/);

    // kubectl delete waits until the agent confirms (here: as soon as it sees deletionTimestamp)
    const del = kubectl.run(['delete', 'pod', 'web', '--timeout=30s']);
    const terminating = await until('deletionTimestamp', () => deleting.find((p) => p.metadata?.name === 'web'));
    await api.statusSink.remove(terminating);
    const r = await del;
    expect(r.stdout).toContain('pod "web" deleted');
    expect((await kubectl.run(['get', 'pod', 'web'])).stderr).toMatch(/NotFound/);
    await until('the source removes it', () => seen.includes('remove') || undefined);
  });

  it('reads ConfigMaps through the lookup', async () => {
    await admin.create<ConfigMap>(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } });
    expect(await api.lookup.configMap('default', 'settings')).toEqual({ mode: 'fast' });
    expect(await api.lookup.configMap('default', 'nope')).toBeUndefined();
  });

  it('caches every namespace\'s Services for the service link variables (list, then watch)', async () => {
    await api.services.waitForSync();
    const ns = `svc-env-${String(process.pid)}`;
    await admin.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await admin.create<Service>(SERVICES, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis-primary' }, spec: { clusterIP: '10.96.200.200', selector: { app: 'redis' }, ports: [{ name: 'redis', port: 6379 }] } });
    await until('the Service in the cache', () => api.services.list().find((s) => s.metadata?.namespace === ns && s.metadata.name === 'redis-primary'));
    const pod: Pod = { metadata: { name: 'p', namespace: ns }, spec: { containers: [], enableServiceLinks: true } };
    expect(podServiceEnv(pod, api.services, false)).toMatchObject({
      REDIS_PRIMARY_SERVICE_HOST: '10.96.200.200', REDIS_PRIMARY_SERVICE_PORT: '6379', REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
      REDIS_PRIMARY_PORT: 'tcp://10.96.200.200:6379', REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.96.200.200',
    });
    await admin.delete(SERVICES, ns, 'redis-primary');
    await until('the Service gone from the cache', () => !api.services.list().some((s) => s.metadata?.namespace === ns));
  });

  it('mirrors static pods into the API, with their status', async () => {
    const staticPod = toStaticPod(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'static-web' }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:local' }] } },
      { nodeName: NODE, file: '/manifests/web.yaml', uid: `hash-${process.pid}`, seen: Date.now() },
    );
    api.mirrorPods.add(staticPod);
    const name = `static-web-${NODE}`;
    await until('the mirror pod', async () => row((await kubectl.run(['get', 'pods'])).stdout, name));
    await api.statusSink.publish(staticPod, runningStatus());
    const cols = await until('mirror status', async () => {
      const c = row((await kubectl.run(['get', 'pod', name])).stdout, name);
      return c?.[2] === 'Running' ? c : undefined;
    });
    expect(cols[1]).toBe('1/1');
    // deleted by a user: it comes back
    const before = await admin.get<Pod>(PODS, 'default', name);
    expect(before.metadata?.annotations?.['kubernetes.io/config.mirror']).toBe(`hash-${process.pid}`);
    await kubectl.run(['delete', 'pod', name, '--wait=false']);
    await until('a new mirror pod', async () => {
      try {
        const p = await admin.get<Pod>(PODS, 'default', name);
        return p.metadata?.uid !== before.metadata?.uid && p.metadata?.deletionTimestamp === undefined ? p : undefined;
      } catch {
        return undefined;
      }
    });
    api.mirrorPods.remove(staticPod.metadata?.uid ?? '');
    await until('mirror removed', async () => ((await kubectl.run(['get', 'pod', name])).stderr.includes('NotFound') ? true : undefined));
  });

  it('goes NotReady once the heartbeat stops (server grace period 3 s)', async () => {
    await api.lease.stop();
    await api.registrar.stop();
    const cols = await until('NotReady', async () => {
      const c = row((await kubectl.run(['get', 'nodes'])).stdout, NODE);
      return c?.[1] === 'NotReady' ? c : undefined;
    });
    expect(cols[1]).toBe('NotReady');
    const node = await admin.get<Node>(NODES, undefined, NODE);
    expect(node.spec?.taints?.map((t) => t.key)).toContain('node.kubernetes.io/unreachable');
  });
});
