// Watch fan-out latency: W watchers (default 100, each its own client and connection) watch the
// bench namespace's pods; pods are created one at a time through HTTPS and, for each, the time
// from the create's response to each watcher receiving the ADDED event is recorded. A watcher
// can see the event before the creator sees its response (server and clients share this
// process): those count as 0. Per run: p50/p99 over creates × watchers.
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { PODS } from '../../kube/client/client.ts';
import { percentile } from '../framework/stats.ts';
import type { Benchmark, Sample } from '../framework/types.ts';
import { BENCH_NAMESPACE, benchPod, openServers, type BenchServer, type StorageKind } from './api-servers.ts';

const CREATES_PER_RUN = 20;
const EVENT_TIMEOUT_MS = 10_000;

interface Fanout {
  /** Creates one pod; resolves with each watcher's latency after the create's response (ms). */
  createAndWait(name: string): Promise<{ latencies: number[]; early: number }>;
  stop(): void;
}

async function startFanout(s: BenchServer, watchers: number): Promise<Fanout> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per watcher
  const arrivals = new Map<string, number[]>();
  let wake: (() => void) | undefined;
  const creator = s.client();
  const list = await creator.list(PODS, BENCH_NAMESPACE);
  const rv = list.metadata.resourceVersion ?? '0';
  let ready = 0;
  for (let w = 0; w < watchers; w++) {
    const c = s.client();
    void (async () => {
      const stream = c.watch<Pod>(PODS, BENCH_NAMESPACE, { resourceVersion: rv, timeoutSeconds: 3600, signal: abort.signal });
      ready++;
      try {
        for await (const ev of stream) {
          if (ev.type !== 'ADDED') continue;
          const t = performance.now();
          const name = ev.object.metadata?.name ?? '';
          let a = arrivals.get(name);
          if (a === undefined) arrivals.set(name, (a = []));
          a.push(t);
          if (a.length >= watchers) wake?.();
        }
      } catch {
        // aborted at the end
      }
    })();
  }
  // Let every watch request reach the server before the first create.
  await new Promise((r) => setTimeout(r, 300 + watchers * 5));
  if (ready < watchers) throw new Error(`only ${ready}/${watchers} watchers started`);
  return {
    async createAndWait(name) {
      const all = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { reject(new Error(`${name}: only ${arrivals.get(name)?.length ?? 0}/${watchers} watchers saw it within ${EVENT_TIMEOUT_MS} ms`)); }, EVENT_TIMEOUT_MS);
        wake = () => {
          if ((arrivals.get(name)?.length ?? 0) >= watchers) {
            clearTimeout(t);
            resolve();
          }
        };
      });
      await creator.create(PODS, BENCH_NAMESPACE, benchPod(name));
      const responseAt = performance.now();
      wake?.();
      await all;
      const times = arrivals.get(name) ?? [];
      arrivals.delete(name);
      return { latencies: times.map((t) => Math.max(0, t - responseAt)), early: times.filter((t) => t < responseAt).length };
    },
    stop() {
      abort.abort();
    },
  };
}

export const apiWatchLatency: Benchmark = {
  id: 'api.watch-latency',
  group: 'api',
  title: 'watch event latency, create response → each of N watchers (in-process server)',
  runs: 5,
  metrics: [
    { key: 'memory.p50', label: 'memory p50', unit: 'ms', better: 'lower' },
    { key: 'memory.p99', label: 'memory p99', unit: 'ms', better: 'lower', target: { kind: 'value', op: '<', value: 10 } },
    { key: 'sqlite.p50', label: 'sqlite p50', unit: 'ms', better: 'lower', peer: 'memory.p50' },
    { key: 'sqlite.p99', label: 'sqlite p99', unit: 'ms', better: 'lower', peer: 'memory.p99', target: { kind: 'value', op: '<', value: 10 } },
  ],
  async open(ctx) {
    const { servers, close } = await openServers();
    const watchers = ctx.options.watchers;
    const fanouts: Partial<Record<StorageKind, Fanout>> = {};
    let early = 0;
    let total = 0;
    try {
      for (const kind of ['memory', 'sqlite'] as const) fanouts[kind] = await startFanout(servers[kind], watchers);
    } catch (err) {
      for (const f of Object.values(fanouts)) f.stop();
      await close();
      throw err;
    }
    ctx.note(`${watchers} watchers (own client + TLS connection each), ${CREATES_PER_RUN} sequential creates per run per storage; p50/p99 over the ${CREATES_PER_RUN}×${watchers} deliveries of a run; sqlite's peer is memory`);
    return {
      async iterate(i) {
        const sample: Sample = {};
        for (const kind of ['memory', 'sqlite'] as const) {
          const f = fanouts[kind];
          if (f === undefined) continue;
          const lat: number[] = [];
          for (let k = 0; k < CREATES_PER_RUN; k++) {
            const r = await f.createAndWait(`watch-${i < 0 ? 'warm' : String(i)}-${k}`);
            lat.push(...r.latencies);
            if (i >= 0) { early += r.early; total += r.latencies.length; }
          }
          sample[`${kind}.p50`] = percentile(lat, 50);
          sample[`${kind}.p99`] = percentile(lat, 99);
        }
        return sample;
      },
      async close() {
        if (total > 0) ctx.note(`${early} of ${total} deliveries arrived before the creator had read its response (counted as 0 ms)`);
        for (const f of Object.values(fanouts)) f.stop();
        await close();
      },
    };
  },
};
