// Listing a namespace of N pods (default 10 000): through ApiClient (request, JSON parse) vs a
// raw HTTPS GET that only reads the body. The pods are created in-process through the registry
// (the API server's own create path: defaults, validation, storage write, without HTTP), because
// creating 10 000 through HTTPS would take most of the run; that create rate is reported too.
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { PODS } from '../../kube/client/client.ts';
import type { ApiClient } from '../../kube/client/client.ts';
import type { KubeObject } from '../../apiserver/storage/types.ts';
import type { Benchmark, Sample } from '../framework/types.ts';
import { BENCH_NAMESPACE, benchPod, openServers } from './api-servers.ts';

export const apiList: Benchmark = {
  id: 'api.list-pods',
  group: 'api',
  title: 'list of N pods: ApiClient vs raw HTTPS GET (in-process server)',
  runs: 5,
  metrics: [
    { key: 'memory.client', label: 'memory: client list', unit: 'ms', better: 'lower', peer: 'memory.raw' },
    { key: 'memory.raw', label: 'raw GET', unit: 'ms', better: 'lower', peerOnly: true },
    { key: 'sqlite.client', label: 'sqlite: client list', unit: 'ms', better: 'lower', peer: 'sqlite.raw' },
    { key: 'sqlite.raw', label: 'raw GET', unit: 'ms', better: 'lower', peerOnly: true },
  ],
  async open(ctx) {
    const { servers, close } = await openServers();
    const n = ctx.options.listPods;
    const clients: Partial<Record<'memory' | 'sqlite', ApiClient>> = {};
    try {
      for (const kind of ['memory', 'sqlite'] as const) {
        const s = servers[kind];
        const pods = s.server.registry.store('', 'v1', 'pods');
        const t0 = performance.now();
        for (let k = 0; k < n; k++) await pods.create(BENCH_NAMESPACE, benchPod(`list-${k}`) as KubeObject);
        const secs = (performance.now() - t0) / 1000;
        ctx.note(`${kind}: ${n} pods created through the registry in-process in ${secs.toFixed(1)} s (${(n / secs).toFixed(0)}/s)`);
        clients[kind] = s.client();
      }
    } catch (err) {
      await close();
      throw err;
    }
    const path = `/api/v1/namespaces/${BENCH_NAMESPACE}/pods`;
    let bytes = 0;
    return {
      async iterate(i) {
        const sample: Sample = {};
        for (const kind of ['memory', 'sqlite'] as const) {
          const c = clients[kind];
          if (c === undefined) continue;
          const timeClient = async (): Promise<number> => {
            const t0 = performance.now();
            const list = await c.list<Pod>(PODS, BENCH_NAMESPACE);
            const ms = performance.now() - t0;
            if (list.items.length !== n) throw new Error(`${kind}: listed ${list.items.length} pods, expected ${n}`);
            return ms;
          };
          const timeRaw = async (): Promise<number> => {
            const t0 = performance.now();
            bytes = await servers[kind].rawGet(path);
            return performance.now() - t0;
          };
          if (Math.abs(i) % 2 === 0) {
            sample[`${kind}.client`] = await timeClient();
            sample[`${kind}.raw`] = await timeRaw();
          } else {
            sample[`${kind}.raw`] = await timeRaw();
            sample[`${kind}.client`] = await timeClient();
          }
        }
        return sample;
      },
      async close() {
        ctx.note(`list body: ${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON for ${n} pods`);
        await close();
      },
    };
  },
};
