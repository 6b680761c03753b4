// A burst of N pods (default 50) started at once, all started: pods/s through DockerRuntime vs
// the same work as raw dockerode calls. Every pod runs its own steps in order; pods run in parallel.
import { performance } from 'node:perf_hooks';
import type { Benchmark } from '../framework/types.ts';
import { EnginePods } from './engine-pods.ts';

export const runtimePodBurst: Benchmark = {
  id: 'runtime.pod-burst',
  group: 'runtime',
  title: 'burst of pods all started at once: DockerRuntime vs raw dockerode',
  runs: 3,
  warmups: 0,
  metrics: [
    { key: 'runtime', label: 'DockerRuntime burst', unit: 'pods/s', better: 'higher', peer: 'raw', target: { kind: 'ratio', op: '>=', value: 0.9 } },
    { key: 'raw', label: 'raw dockerode', unit: 'pods/s', better: 'higher', peerOnly: true },
  ],
  async open(ctx) {
    const pods = new EnginePods(ctx.nodeName);
    await pods.check();
    const n = ctx.options.burst;
    // Warm the runtime's first-use paths (infra image decision) outside the timed bursts.
    await pods.viaRuntime('burst-warm-rt');
    await pods.viaDockerode('burst-warm-raw');
    await pods.removeAll();
    ctx.note(`${n} pods (${n * 3} containers) per burst, all started concurrently; order alternates per run; clean-up untimed`);
    const burst = async (tag: string, start: (name: string) => Promise<void>): Promise<number> => {
      const t0 = performance.now();
      try {
        await Promise.all(Array.from({ length: n }, (_, k) => start(`${tag}-${k}`)));
        return n / ((performance.now() - t0) / 1000);
      } finally {
        await pods.removeAll();
      }
    };
    return {
      async iterate(i) {
        const rt = (): Promise<number> => burst(`burst${i}-rt`, (name) => pods.viaRuntime(name));
        const raw = (): Promise<number> => burst(`burst${i}-raw`, (name) => pods.viaDockerode(name));
        if (Math.abs(i) % 2 === 0) {
          const runtime = await rt();
          return { runtime, raw: await raw() };
        }
        const rawV = await raw();
        return { runtime: await rt(), raw: rawV };
      },
      async close() {
        await pods.removeAll();
      },
    };
  },
};
