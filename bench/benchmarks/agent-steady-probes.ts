// NEEDS THE AGENT. Steady state: N pods (default 100), each one busybox container with a
// readiness and a liveness probe every 1 s (HTTP readiness + TCP liveness on busybox httpd, or
// both exec), run as static pods by `nodelet agent` in a child process. Once every pod is Ready,
// the agent's CPU (% of one core) and RSS are read from /proc over the window (default 60 s),
// cut into one sample per run. The engine's own CPU (dockerd + containerd) over the same
// windows is shown for context.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TEST_IMAGE, removeNodeContainers } from '../../runtime/docker/test-support.ts';
import { cpuSeconds, sampleWindow } from '../framework/proc-sampler.ts';
import { SkipBenchmark, type Benchmark } from '../framework/types.ts';
import { agentFlags, enginePids, isReady, isRunning, startAgent, waitPods, type AgentProcess } from './agent-process.ts';
import { EnginePods } from './engine-pods.ts';

export type ProbeKind = 'http-tcp' | 'exec';

function manifest(kind: ProbeKind, i: number): string {
  const probe = { periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 };
  const container = kind === 'http-tcp'
    ? {
        name: 'web',
        image: TEST_IMAGE,
        command: ['sh', '-c', 'echo ok > /tmp/index.html && exec httpd -f -p 8080 -h /tmp'],
        ports: [{ containerPort: 8080 }],
        readinessProbe: { ...probe, httpGet: { path: '/', port: 8080 } },
        livenessProbe: { ...probe, tcpSocket: { port: 8080 } },
      }
    : {
        name: 'app',
        image: TEST_IMAGE,
        command: ['sleep', '360000'],
        readinessProbe: { ...probe, exec: { command: ['true'] } },
        livenessProbe: { ...probe, exec: { command: ['true'] } },
      };
  return stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `steady-${i}`, namespace: 'default' },
    spec: { terminationGracePeriodSeconds: 1, containers: [container] },
  });
}

export function agentSteadyProbes(kind: ProbeKind): Benchmark {
  const what = kind === 'http-tcp' ? 'HTTP readiness + TCP liveness' : 'exec readiness + exec liveness';
  return {
    id: `agent.steady-${kind}`,
    group: 'agent',
    title: `[needs the agent] steady state, pods with ${what} probes at 1 s: agent CPU and RSS`,
    runs: 6,
    metrics: [
      { key: 'cpu', label: 'agent CPU', unit: '% core', better: 'lower', target: { kind: 'value', op: '<', value: 5 } },
      { key: 'cpuUser', label: '  of which user', unit: '% core', better: 'lower' },
      { key: 'cpuSys', label: '  of which system', unit: '% core', better: 'lower' },
      { key: 'rss', label: 'agent RSS (median in window)', unit: 'MB', better: 'lower', target: { kind: 'value', op: '<', value: 150 } },
      { key: 'rssMax', label: 'agent RSS (peak in window)', unit: 'MB', better: 'lower' },
      { key: 'engine', label: 'engine CPU (dockerd+containerd)', unit: '% core', better: 'lower' },
      { key: 'ready', label: 'pods Ready at window end', unit: 'pods', better: 'higher' },
    ],
    async open(ctx) {
      const flags = agentFlags();
      if (!flags.includes('--manifests')) throw new SkipBenchmark('needs the agent: `nodelet agent --manifests` is not available');
      const pods = new EnginePods(ctx.nodeName);
      await pods.check();
      const n = ctx.options.steadyPods;
      const runs = ctx.options.runs ?? 6;
      const windowMs = Math.max(1000, Math.round((ctx.options.steadySeconds * 1000) / runs));
      let agent: AgentProcess | undefined;
      const cleanup = async (): Promise<void> => {
        await agent?.stop();
        agent = undefined;
        await removeNodeContainers(pods.docker, ctx.nodeName);
      };
      try {
        agent = await startAgent(ctx.nodeName, ctx.options.profileDir);
        if (ctx.options.profileDir !== undefined) ctx.note(`CPU profile of the agent (whole life, start-up included) in ${ctx.options.profileDir}`);
        const idle = await sampleWindow(agent.pid, 3000);
        ctx.note(`idle agent before any pod (3 s): CPU ${idle.cpuPercent.toFixed(1)} % of a core, RSS ${idle.rssMedian.toFixed(0)} MB`);
        for (let i = 0; i < n; i++) writeFileSync(join(agent.manifests, `steady-${i}.yaml`), manifest(kind, i));
        const running = await waitPods(agent, n, isRunning, 'running', 300_000) ?? 0;
        // Probes that cannot keep up (exec on a busy engine) may keep pods from Ready: measured anyway.
        const ready = await waitPods(agent, n, isReady, 'Ready', 60_000, 'undefined');
        const readyText = ready === undefined
          ? `NOT all Ready 60 s later (${(await agent.pods()).filter(isReady).length}/${n}; see the "pods Ready" row)`
          : `all Ready ${(running + ready).toFixed(1)} s`;
        ctx.note(`${n} static pods (1 container + pause each): all running ${running.toFixed(1)} s after the manifests were written, ${readyText}; then ${ctx.options.steadySeconds} s in ${runs} windows of ${(windowMs / 1000).toFixed(1)} s (+1 warm-up window)`);
      } catch (err) {
        await cleanup();
        if (err instanceof SkipBenchmark) throw err;
        throw new Error(`needs the agent: the static pods did not become Ready: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const engine = enginePids();
      if (engine.length === 0) ctx.note('engine CPU: dockerd/containerd not visible from here');
      const pid = agent.pid;
      const current = agent;
      return {
        async iterate(i) {
          const ms = i < 0 ? Math.min(windowMs, 5000) : windowMs;
          const e0 = engine.reduce((s, p) => s + cpuSeconds(p), 0);
          const t0 = performance.now();
          const w = await sampleWindow(pid, ms);
          const e1 = engine.reduce((s, p) => s + cpuSeconds(p), 0);
          const secs = (performance.now() - t0) / 1000;
          const ready = (await current.pods()).filter(isReady).length;
          return { cpu: w.cpuPercent, cpuUser: w.userPercent, cpuSys: w.systemPercent, rss: w.rssMedian, rssMax: w.rssMax, ready, ...(engine.length > 0 ? { engine: ((e1 - e0) / secs) * 100 } : {}) };
        },
        close: cleanup,
      };
    },
  };
}
