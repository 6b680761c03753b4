// The full stack for the agent benchmarks: `nodelet apiserver` + one `nodelet agent --kubeconfig`,
// each in its own container (the e2e harness, e2e/support/cluster.ts), started once per benchmark
// session. One list+watch on the bench pods runs for the whole session and stamps, per pod, when
// the watch first saw it bound (spec.nodeName), first saw status from the node (hostIP or
// container statuses), and saw Ready=True, so a figure can be split into scheduling, agent sync +
// status patch, and watch delivery.
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { PODS } from '../../kube/client/client.ts';
import { LABEL_NODE_NAME } from '../../runtime/labels.ts';
import { TEST_IMAGE } from '../../runtime/docker/test-support.ts';
import { TestCluster, podReady } from '../../e2e/support/cluster.ts';
import type { BenchContext } from '../framework/types.ts';
import { EnginePods } from './engine-pods.ts';

export const NS = 'default';

/** pause + two busybox `sleep 3600`, local image, no probes (the runtime benchmarks' pod). */
export function benchPod(name: string): Pod {
  const c = (n: string): NonNullable<Pod['spec']>['containers'][number] => ({ name: n, image: TEST_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'bench' } },
    spec: { terminationGracePeriodSeconds: 0, containers: [c('a'), c('b')] },
  };
}

export interface PodTimes {
  bound?: number;
  nodeStatus?: number;
  ready?: number;
}

export class AgentCluster {
  readonly cluster = new TestCluster('bench-agent');
  /** Raw peers use their own node label so the agent never sees (and removes) their containers. */
  readonly raw: EnginePods;
  readonly engine: EnginePods;
  private readonly ac = new AbortController();
  readonly times = new Map<string, PodTimes>();
  private readonly present = new Set<string>();
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ctx: BenchContext) {
    this.raw = new EnginePods(`${ctx.nodeName}-raw`);
    this.engine = new EnginePods(ctx.nodeName);
  }

  static async open(ctx: BenchContext): Promise<AgentCluster> {
    const a = new AgentCluster(ctx);
    try {
      await a.engine.check();
      await a.cluster.startApiserver();
      await a.cluster.startAgent(ctx.nodeName);
      await a.cluster.waitNodes([ctx.nodeName]);
      a.startWatch();
      return a;
    } catch (err) {
      await a.close();
      throw err;
    }
  }

  private startWatch(): void {
    void (async () => {
      try {
        for await (const ev of this.cluster.admin.listWatch<Pod>(PODS, NS, { signal: this.ac.signal })) {
          const now = performance.now();
          const name = ev.object.metadata?.name ?? '';
          if (ev.type === 'DELETED') {
            this.present.delete(name);
          } else {
            this.present.add(name);
            const t = this.times.get(name) ?? {};
            const p = ev.object;
            if (t.bound === undefined && (p.spec?.nodeName ?? '') !== '') t.bound = now;
            if (t.nodeStatus === undefined && (p.status?.hostIP !== undefined || (p.status?.containerStatuses?.length ?? 0) > 0)) t.nodeStatus = now;
            if (t.ready === undefined && podReady(p)) t.ready = now;
            this.times.set(name, t);
          }
          for (const w of this.waiters) w();
        }
      } catch {
        // aborted at close
      }
    })();
  }

  /** Resolves once `ok()` holds (checked on every watch event), or throws after timeoutMs. */
  async until(what: string, ok: () => boolean, timeoutMs = 120_000): Promise<void> {
    if (ok()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!ok()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; agent log tail:\n${this.cluster.tail(this.cluster.agent(this.ctx.nodeName), 15)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Creates the pods at once; returns when every create responded (performance.now()). */
  async create(names: string[]): Promise<number> {
    for (const n of names) this.times.set(n, {});
    await Promise.all(names.map((n) => this.cluster.admin.create(PODS, NS, benchPod(n))));
    return performance.now();
  }

  waitReady(names: string[]): Promise<void> {
    return this.until(`${String(names.length)} pods Ready`, () => names.every((n) => this.times.get(n)?.ready !== undefined));
  }

  /** Untimed clean-up: delete (grace 0), wait until the watch sees them gone and the engine has none of their containers. */
  async deleteAll(names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.cluster.admin.delete(PODS, NS, n, { gracePeriodSeconds: 0 }).catch(() => undefined)));
    await this.until('pods deleted', () => names.every((n) => !this.present.has(n)));
    const t0 = performance.now();
    for (;;) {
      const left = await this.engine.docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${this.ctx.nodeName}`] } });
      if (left.length === 0) break;
      if (performance.now() - t0 > 60_000) throw new Error(`${String(left.length)} containers of deleted pods still there after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const n of names) this.times.delete(n);
  }

  async close(): Promise<void> {
    this.ac.abort();
    try {
      await this.cluster.cleanup();
    } finally {
      await this.raw.removeAll();
      await this.engine.removeAll();
    }
  }
}
