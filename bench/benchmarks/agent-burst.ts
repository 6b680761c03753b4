// NEEDS THE AGENT. A burst of N pods (default 50; pause + 2 busybox, no probes) created at once
// through the API server (concurrent POSTs) until the watch sees every one Ready: pods/s; peer:
// the same N pods' engine work as raw dockerode calls, all N in parallel (as runtime.pod-burst).
import { performance } from 'node:perf_hooks';
import type { Benchmark } from '../framework/types.ts';
import { AgentCluster } from './agent-cluster.ts';

export const agentBurst: Benchmark = {
  id: 'agent.burst',
  group: 'agent',
  title: '[needs the agent] burst of pods created at once via the API → all Ready vs raw dockerode',
  runs: 3,
  warmups: 1,
  metrics: [
    { key: 'stack', label: 'API server + agent burst → all Ready', unit: 'pods/s', better: 'higher', peer: 'raw', target: { kind: 'ratio', op: '>=', value: 0.9 } },
    { key: 'raw', label: 'raw dockerode', unit: 'pods/s', better: 'higher', peerOnly: true },
    { key: 'created', label: '  all POSTs answered', unit: 's', better: 'lower' },
    { key: 'bound', label: '  all bound (watch)', unit: 's', better: 'lower' },
    { key: 'firstReady', label: '  first pod Ready (watch)', unit: 's', better: 'lower' },
    { key: 'allReady', label: '  all Ready (watch)', unit: 's', better: 'lower' },
  ],
  async open(ctx) {
    const a = await AgentCluster.open(ctx);
    const n = ctx.options.burst;
    ctx.note(`agent.burst: ${String(n)} pods per burst, POSTed concurrently, timed from the first POST to the watch seeing the last Ready; split rows are seconds from the first POST; clean-up (delete grace 0, containers gone) untimed; order alternates per run`);
    const viaStack = async (tag: string): Promise<Record<string, number>> => {
      const names = Array.from({ length: n }, (_, k) => `${tag}-${String(k)}`);
      try {
        const t0 = performance.now();
        const tCreated = await a.create(names);
        await a.waitReady(names);
        const ts = names.map((x) => a.times.get(x)!);
        const last = Math.max(...ts.map((t) => t.ready!));
        return {
          stack: n / ((last - t0) / 1000),
          created: (tCreated - t0) / 1000,
          bound: (Math.max(...ts.map((t) => t.bound ?? t0)) - t0) / 1000,
          firstReady: (Math.min(...ts.map((t) => t.ready!)) - t0) / 1000,
          allReady: (last - t0) / 1000,
        };
      } finally {
        await a.deleteAll(names);
      }
    };
    const viaRaw = async (tag: string): Promise<number> => {
      try {
        const t0 = performance.now();
        await Promise.all(Array.from({ length: n }, (_, k) => a.raw.viaDockerode(`${tag}-${String(k)}`)));
        return n / ((performance.now() - t0) / 1000);
      } finally {
        await a.raw.removeAll();
      }
    };
    return {
      async iterate(i) {
        const tag = `burst${i < 0 ? `w${String(-i)}` : String(i)}`;
        if (Math.abs(i) % 2 === 0) {
          const s = await viaStack(tag);
          return { ...s, raw: await viaRaw(`${tag}-raw`) };
        }
        const raw = await viaRaw(`${tag}-raw`);
        return { ...(await viaStack(tag)), raw };
      },
      close: () => a.close(),
    };
  },
};
