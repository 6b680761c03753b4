// The controller manager under load, on the whole stack `nodelet up` runs (API server, controller
// manager, agent on the real engine; testing/nodelet.ts's startNodelet):
//   controllers.deployment-100  a 100-replica Deployment from create to every pod Ready, pods/s;
//                               peer: the same 100 pods' engine work as raw dockerode calls
//   controllers.rolling-update  20 ready replicas, a template change → rollout complete, s
//   controllers.job             a Job of 500 completions, parallelism 20 → Complete, s
//   controllers.idle            the controller manager's CPU and RSS with 100 Deployments settled
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.d.ts';
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.d.ts';
import type { ApiClient, KubeObject, ResourceType } from '../../kube/client/client.ts';
import { DEPLOYMENTS, JOBS, PODS } from '../../kube/client/resources.ts';
import { TEST_IMAGE } from '../../runtime/docker/test-support.ts';
import { startNodelet, type StartedNodelet } from '../../testing/nodelet.ts';
import { cpuSeconds, rssMB } from '../framework/proc-sampler.ts';
import type { BenchContext, Benchmark, BenchSession } from '../framework/types.ts';
import { EnginePods } from './engine-pods.ts';

const NS = 'default';
/** How many pods the raw peer makes at a time. */
const RAW_CONCURRENCY = 20;

function template(app: string, containers: string[], command: string[]): PodTemplateSpec {
  return {
    metadata: { labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: containers.map((name) => ({ name, image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent', command })),
    },
  };
}

function deployment(name: string, replicas: number, containers = ['a', 'b']): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, containers, ['sleep', '3600']) },
  };
}

function ready(p: Pod): boolean {
  return p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** Resolves when pred holds for the objects of r matching the selector (one list+watch). */
async function watchUntil<T extends KubeObject>(client: ApiClient, r: ResourceType, selector: { labelSelector?: string; fieldSelector?: string }, pred: (objs: Map<string, T>) => boolean, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  const seen = new Map<string, T>();
  const state = { listed: false };
  for await (const ev of client.listWatch<T>(r, NS, { ...selector, signal, onListed: () => { state.listed = true; } })) {
    const k = ev.object.metadata?.name ?? '';
    if (ev.type === 'DELETED') seen.delete(k);
    else seen.set(k, ev.object);
    if (state.listed && pred(seen)) return;
  }
  throw new Error(`timed out after ${String(timeoutMs)} ms`);
}

async function deleteAndWaitGone(n: StartedNodelet, r: ResourceType, name: string, app: string): Promise<void> {
  await n.client.delete(r, NS, name, { propagationPolicy: 'Foreground' }).catch(() => undefined);
  await watchUntil<Pod>(n.client, PODS, { labelSelector: `app=${app}` }, (m) => m.size === 0, 300_000);
}

async function openStack(ctx: BenchContext): Promise<{ n: StartedNodelet; cmPid: number }> {
  const n = await startNodelet({ nodeName: ctx.nodeName, timeoutMs: 120_000 });
  const cmPid = Number(readFileSync(join(n.stateDir, 'controller-manager.pid'), 'utf8').trim());
  return { n, cmPid };
}

export const controllersDeployment: Benchmark = {
  id: 'controllers.deployment-100',
  group: 'controllers',
  title: 'a 100-replica Deployment, create → every pod Ready, vs the same pods as raw dockerode calls',
  runs: 3,
  warmups: 1,
  metrics: [
    { key: 'stack', label: 'Deployment → 100 pods Ready', unit: 'pods/s', better: 'higher', peer: 'raw', target: { kind: 'ratio', op: '>=', value: 0.9 } },
    { key: 'raw', label: 'raw dockerode, the same 100 pods', unit: 'pods/s', better: 'higher', peerOnly: true },
    { key: 'allReady', label: '  all Ready', unit: 's', better: 'lower' },
  ],
  async open(ctx): Promise<BenchSession> {
    const { n } = await openStack(ctx);
    const raw = new EnginePods(`${ctx.nodeName}-raw`);
    const replicas = 100;
    ctx.note(`controllers.deployment-100: pods of pause + two busybox \`sleep 3600\` (the raw peer makes the same three containers per pod, ${String(RAW_CONCURRENCY)} pods at a time); timed from the POST of the Deployment to a watch seeing the 100th pod Ready; deletion untimed; the two orders alternate`);
    const viaStack = async (name: string): Promise<number> => {
      const t0 = performance.now();
      await n.client.create(DEPLOYMENTS, NS, deployment(name, replicas));
      await watchUntil<Pod>(n.client, PODS, { labelSelector: `app=${name}` }, (m) => [...m.values()].filter(ready).length >= replicas, 600_000);
      const s = (performance.now() - t0) / 1000;
      await deleteAndWaitGone(n, DEPLOYMENTS, name, name);
      return s;
    };
    const viaRaw = async (tag: string): Promise<number> => {
      const t0 = performance.now();
      try {
        // RAW_CONCURRENCY pods at a time: 100 at once wedged Debian's dockerd 20.10 here (every
        // API call hung until the engine was restarted)
        let next = 0;
        const worker = async (): Promise<void> => {
          for (let k = next++; k < replicas; k = next++) await raw.viaDockerode(`${tag}-${String(k)}`);
        };
        await Promise.all(Array.from({ length: RAW_CONCURRENCY }, worker));
        return (performance.now() - t0) / 1000;
      } finally {
        await raw.removeAll();
      }
    };
    return {
      async iterate(i) {
        const tag = `d${i < 0 ? `w${String(-i)}` : String(i)}`;
        let stackS: number;
        let rawS: number;
        if (Math.abs(i) % 2 === 0) {
          stackS = await viaStack(tag);
          rawS = await viaRaw(`${tag}-raw`);
        } else {
          rawS = await viaRaw(`${tag}-raw`);
          stackS = await viaStack(tag);
        }
        return { stack: replicas / stackS, raw: replicas / rawS, allReady: stackS };
      },
      async close() {
        await raw.removeAll().catch(() => 0);
        await n.stop();
      },
    };
  },
};

export const controllersRollingUpdate: Benchmark = {
  id: 'controllers.rolling-update',
  group: 'controllers',
  title: 'rolling update of a 20-replica Deployment (25% surge / 25% unavailable), template change → rollout complete',
  runs: 3,
  warmups: 1,
  metrics: [{ key: 'rollout', label: 'rolling update of 20 replicas', unit: 's', better: 'lower' }],
  async open(ctx): Promise<BenchSession> {
    const { n } = await openStack(ctx);
    const name = 'roll';
    const replicas = 20;
    ctx.note('controllers.rolling-update: one busybox container per pod, defaults maxSurge 25% and maxUnavailable 25%; timed from the PATCH of the template to the Deployment reporting 20 updated, available replicas and no old ones (what `kubectl rollout status` waits for)');
    await n.client.create(DEPLOYMENTS, NS, deployment(name, replicas, ['a']));
    const complete = (gen: number) => (m: Map<string, Deployment>): boolean => {
      const d = m.get(name);
      const st = d?.status;
      return d !== undefined && (st?.observedGeneration ?? 0) >= gen && st?.updatedReplicas === replicas && st.replicas === replicas && st.availableReplicas === replicas;
    };
    await watchUntil<Deployment>(n.client, DEPLOYMENTS, { fieldSelector: `metadata.name=${name}` }, complete(1), 300_000);
    return {
      async iterate(i) {
        const t0 = performance.now();
        const d = await n.client.patch<Deployment>(DEPLOYMENTS, NS, name, { spec: { template: { metadata: { annotations: { 'bench/run': String(i) } } } } }, 'merge');
        await watchUntil<Deployment>(n.client, DEPLOYMENTS, { fieldSelector: `metadata.name=${name}` }, complete(d.metadata?.generation ?? 0), 300_000);
        return { rollout: (performance.now() - t0) / 1000 };
      },
      async close() {
        await deleteAndWaitGone(n, DEPLOYMENTS, name, name).catch(() => undefined);
        await n.stop();
      },
    };
  },
};

export const controllersJob: Benchmark = {
  id: 'controllers.job',
  group: 'controllers',
  title: 'a Job of 500 completions with parallelism 20 → Complete',
  runs: 1,
  warmups: 0,
  metrics: [
    { key: 'complete', label: 'Job of 500 pods, parallelism 20', unit: 's', better: 'lower' },
    { key: 'podsPerSecond', label: '  pods completed', unit: 'pods/s', better: 'higher' },
  ],
  async open(ctx): Promise<BenchSession> {
    const { n } = await openStack(ctx);
    const completions = ctx.options.burst >= 50 ? 500 : 50;
    ctx.note(`controllers.job: ${String(completions)} completions, parallelism 20, each pod one busybox \`true\` (restartPolicy Never); timed from the POST to the Complete condition`);
    return {
      async iterate(i) {
        const name = `job${String(Math.abs(i))}`;
        const pod = template(name, ['a'], ['true']);
        const job: Job = {
          apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS },
          spec: { completions, parallelism: 20, backoffLimit: 50, template: { ...pod, spec: { ...pod.spec!, restartPolicy: 'Never' } } },
        };
        const t0 = performance.now();
        await n.client.create(JOBS, NS, job);
        await watchUntil<Job>(n.client, JOBS, { fieldSelector: `metadata.name=${name}` }, (m) => m.get(name)?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') === true, 1_800_000);
        const s = (performance.now() - t0) / 1000;
        await deleteAndWaitGone(n, JOBS, name, name).catch(() => undefined);
        return { complete: s, podsPerSecond: completions / s };
      },
      close: () => n.stop(),
    };
  },
};

export const controllersIdle: Benchmark = {
  id: 'controllers.idle',
  group: 'controllers',
  title: 'the controller manager at rest with 100 Deployments (1 replica each) settled: CPU and RSS',
  runs: 1,
  warmups: 0,
  metrics: [
    { key: 'cpu', label: 'controller manager CPU, 100 Deployments idle', unit: '% of a core', better: 'lower', target: { kind: 'value', op: '<', value: 1 } },
    { key: 'rss', label: 'controller manager RSS', unit: 'MB', better: 'lower', target: { kind: 'value', op: '<', value: 120 } },
  ],
  async open(ctx): Promise<BenchSession> {
    const { n, cmPid } = await openStack(ctx);
    const count = 100;
    const windowS = Math.min(ctx.options.steadySeconds, 30);
    ctx.note(`controllers.idle: ${String(count)} Deployments of one busybox pod each, all Ready; then the controller manager's CPU over ${String(windowS)} s (utime+stime from /proc) and its RSS at the end`);
    const names = Array.from({ length: count }, (_, k) => `idle${String(k)}`);
    for (const name of names) {
      const d = deployment(name, 1, ['a']);
      d.metadata = { ...d.metadata, labels: { group: 'idle' } };
      d.spec!.template.metadata = { labels: { app: name, group: 'idle' } };
      await n.client.create(DEPLOYMENTS, NS, d);
    }
    await watchUntil<Pod>(n.client, PODS, { labelSelector: 'group=idle' }, (m) => [...m.values()].filter(ready).length >= count, 600_000);
    return {
      async iterate() {
        const c0 = cpuSeconds(cmPid);
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, windowS * 1000));
        const cpu = (cpuSeconds(cmPid) - c0) / ((performance.now() - t0) / 1000) * 100;
        return { cpu, rss: rssMB(cmPid) };
      },
      async close() {
        await n.client.json('DELETE', `/apis/apps/v1/namespaces/${NS}/deployments`, { query: new URLSearchParams({ labelSelector: 'group=idle' }) }).catch(() => undefined);
        await watchUntil<Pod>(n.client, PODS, { labelSelector: 'group=idle' }, (m) => m.size === 0, 300_000).catch(() => undefined);
        await n.stop();
      },
    };
  },
};
