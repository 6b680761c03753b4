// One pod (pause + 2 busybox, no probes) create → started: DockerRuntime vs raw dockerode, both
// in every repetition (alternating which goes first), containers removed between, untimed.
import { performance } from 'node:perf_hooks';
import type { Benchmark } from '../framework/types.ts';
import { EnginePods } from './engine-pods.ts';

export const runtimePodStart: Benchmark = {
  id: 'runtime.pod-start',
  group: 'runtime',
  title: 'pod (pause + 2 busybox) create → started: DockerRuntime vs raw dockerode',
  runs: 10,
  metrics: [
    { key: 'runtime', label: 'DockerRuntime pod start', unit: 'ms', better: 'lower', peer: 'raw', target: { kind: 'ratio', op: '<=', value: 1.15 } },
    { key: 'raw', label: 'raw dockerode', unit: 'ms', better: 'lower', peerOnly: true },
  ],
  async open(ctx) {
    const pods = new EnginePods(ctx.nodeName);
    await pods.check();
    ctx.note('raw = the runtime\'s create options (mapping.ts) sent with dockerode: createContainer+start for the sandbox, then for each container; order alternates per run; clean-up untimed');
    const time = async (fn: () => Promise<void>): Promise<number> => {
      const t0 = performance.now();
      await fn();
      const ms = performance.now() - t0;
      await pods.removeAll();
      return ms;
    };
    return {
      async iterate(i) {
        const name = `start-${i < 0 ? 'warm' : String(i)}`;
        let runtime: number;
        let raw: number;
        if (Math.abs(i) % 2 === 0) {
          runtime = await time(() => pods.viaRuntime(`${name}-rt`));
          raw = await time(() => pods.viaDockerode(`${name}-raw`));
        } else {
          raw = await time(() => pods.viaDockerode(`${name}-raw`));
          runtime = await time(() => pods.viaRuntime(`${name}-rt`));
        }
        return { runtime, raw };
      },
      async close() {
        await pods.removeAll();
      },
    };
  },
};
