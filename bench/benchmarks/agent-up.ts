// NEEDS THE AGENT. `nodelet up` (what `make up` runs once dependencies are installed) to node
// Ready with a warm engine and images present: the wall time of the command, which starts the
// API server and the agent in the background and returns once the node is Ready. Each run uses
// a fresh state folder (NODELET_STATE_DIR) and free ports, so it never touches a `make up` of
// the working tree: first a fresh `up` (PKI generated), `down`, then `up` again on the existing
// state (a restart), then `down`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { freePort, removeNodeContainers } from '../../runtime/docker/test-support.ts';
import { SkipBenchmark, type Benchmark } from '../framework/types.ts';
import { NODELET_BIN, agentFlags } from './agent-process.ts';
import { EnginePods } from './engine-pods.ts';

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ ms: number; code: number | null; out: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(NODELET_BIN, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve({ ms: performance.now() - t0, code, out: out.slice(-2000) });
    });
  });
}

export const agentUp: Benchmark = {
  id: 'agent.up-ready',
  group: 'agent',
  title: '[needs the agent] `nodelet up` to node Ready, warm engine',
  runs: 3,
  warmups: 0,
  metrics: [
    { key: 'fresh', label: 'up, fresh state dir', unit: 's', better: 'lower', target: { kind: 'value', op: '<', value: 2 } },
    { key: 'restart', label: 'up, existing state', unit: 's', better: 'lower', target: { kind: 'value', op: '<', value: 2 } },
  ],
  async open(ctx) {
    const agentSrc = readFileSync(join(PROJECT_ROOT, 'cli/commands/agent.ts'), 'utf8');
    if (!agentSrc.includes('--kubeconfig') || !agentFlags().includes('--kubeconfig')) {
      throw new SkipBenchmark('needs the agent: `nodelet agent --kubeconfig` (the API side wiring) is not in cli/commands/agent.ts yet, so `nodelet up` cannot start the agent');
    }
    const pods = new EnginePods(ctx.nodeName);
    await pods.check();
    ctx.note('wall time of `./bin/nodelet up` (node startup + tsx included, npm/make not); `down` between runs untimed');
    const states: string[] = [];
    const down = async (env: NodeJS.ProcessEnv): Promise<void> => {
      await run(['down'], env, 60_000);
    };
    return {
      async iterate() {
        const state = mkdtempSync(join(tmpdir(), 'nodelet-bench-up-'));
        states.push(state);
        const env = { ...process.env, NODELET_STATE_DIR: state, NODELET_LOG_LEVEL: 'warn' };
        // every port free, the healthz one too: the default (10248) may be a `make up` of the tree
        // and the service proxy and DNS server on a range and ports of their own (a user's `make up`
        // holds 10.96.0.0/12); names outside the cluster go nowhere
        const args = [
          'up', '--port', String(await freePort()), '--kubelet-port', String(await freePort()), '--healthz-port', String(await freePort()),
          '--controller-manager-port', String(await freePort()), '--node-name', ctx.nodeName, '--timeout', '60',
          '--service-cidr', '10.127.0.0/16', '--dns-port', String(await freePort()), '--proxy-healthz-port', String(await freePort()),
          '--dns-healthz-port', String(await freePort()), '--dns-upstream', 'none',
        ];
        const sample: Record<string, number> = {};
        for (const key of ['fresh', 'restart']) {
          const r = await run(args, env, 90_000);
          await down(env);
          if (r.code !== 0) throw new Error(`nodelet up exited ${String(r.code)}: ${r.out}`);
          sample[key] = r.ms / 1000;
        }
        return sample;
      },
      async close() {
        for (const s of states) {
          await down({ ...process.env, NODELET_STATE_DIR: s });
          rmSync(s, { recursive: true, force: true });
        }
        await removeNodeContainers(pods.docker, ctx.nodeName);
      },
    };
  },
};
