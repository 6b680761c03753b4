// NEEDS THE AGENT. One pod (pause + 2 busybox `sleep 3600`, local image, no probes) through the
// full stack: POST via ApiClient, then create-response → the watch sees Ready=True; peer: the
// same engine work as raw dockerode calls (engine-pods.ts, as runtime.pod-start). The split rows
// come from when the session watch first saw the pod bound, first saw status from the node, Ready.
import { performance } from 'node:perf_hooks';
import type { Benchmark } from '../framework/types.ts';
import { AgentCluster } from './agent-cluster.ts';

export const agentPodReady: Benchmark = {
  id: 'agent.pod-ready',
  group: 'agent',
  title: '[needs the agent] pod (pause + 2 busybox) create → Ready via API server + agent vs raw dockerode',
  runs: 10,
  metrics: [
    { key: 'ready', label: 'create response → watch sees Ready', unit: 'ms', better: 'lower', peer: 'raw', target: { kind: 'ratio', op: '<=', value: 1.15 } },
    { key: 'raw', label: 'raw dockerode', unit: 'ms', better: 'lower', peerOnly: true },
    { key: 'post', label: '  POST /pods (request → response)', unit: 'ms', better: 'lower' },
    { key: 'bound', label: '  response → watch sees bound (scheduling)', unit: 'ms', better: 'lower' },
    { key: 'sync', label: '  bound → first node status seen', unit: 'ms', better: 'lower' },
    { key: 'toReady', label: '  first node status → Ready seen', unit: 'ms', better: 'lower' },
  ],
  async open(ctx) {
    const a = await AgentCluster.open(ctx);
    ctx.note('agent.pod-ready: apiserver + agent (each in an e2e harness container, host network) started once per session; pods deleted (grace 0) between runs and their containers gone before the next, untimed; raw = runtime.pod-start\'s raw peer under another node label; order alternates per run');
    const viaStack = async (name: string): Promise<Record<string, number>> => {
      const t0 = performance.now();
      const tResp = await a.create([name]);
      await a.waitReady([name]);
      const t = a.times.get(name)!;
      const bound = t.bound ?? tResp;
      const nodeStatus = t.nodeStatus ?? t.ready!;
      const r = { ready: t.ready! - tResp, post: tResp - t0, bound: Math.max(0, bound - tResp), sync: nodeStatus - bound, toReady: t.ready! - nodeStatus };
      await a.deleteAll([name]);
      return r;
    };
    const viaRaw = async (name: string): Promise<number> => {
      const t0 = performance.now();
      await a.raw.viaDockerode(name);
      const ms = performance.now() - t0;
      await a.raw.removeAll();
      return ms;
    };
    return {
      async iterate(i) {
        const name = `ready-${i < 0 ? `warm${String(-i)}` : String(i)}`;
        if (Math.abs(i) % 2 === 0) {
          const s = await viaStack(name);
          return { ...s, raw: await viaRaw(name) };
        }
        const raw = await viaRaw(name);
        return { ...(await viaStack(name)), raw };
      },
      close: () => a.close(),
    };
  },
};
