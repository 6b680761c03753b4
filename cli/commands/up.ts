// `nodelet up` / `nodelet down`: the one command a new user runs. Brings up the engine and images
// if needed, starts the API server and one agent for this machine in the background (pid files and
// logs under .run/), waits until the node is Ready and prints how to use kubectl. Idempotent:
// starts only what is not running. `down` stops both and removes the containers nodelet created.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Node } from 'kubernetes-types/core/v1.d.ts';
import { ApiClient, NODES } from '../../apiserver/client/client.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { renderKubeconfig } from '../../apiserver/kubeconfig.ts';
import { daemon, runningPid, startDaemon, stopDaemon } from '../../lib/daemon.ts';
import { NodeletError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { PROJECT_ROOT, stateDir } from '../../lib/paths.ts';
import { dockerFor, discoverEngine } from '../../runtime/docker/discovery.ts';
import { removeManagedContainers } from '../../runtime/docker/cleanup.ts';
import { stopLocalEngine } from '../../runtime/docker/local-engine.ts';
import { setupEngineAndImages } from './setup.ts';

export interface UpOptions {
  port: number;
  nodeName: string;
  kubeletPort: number;
  /** The agent's local /healthz, /pods, /metrics port. */
  healthzPort: number;
  timeoutMs: number;
}

async function waitFor<T>(what: string, timeoutMs: number, logFile: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const why = last instanceof Error ? `: ${last.message}` : '';
  throw new NodeletError('up.timeout', `${what} did not happen within ${timeoutMs / 1000}s${why}; see ${logFile}`);
}

function nodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export async function up(o: UpOptions): Promise<{ kubeconfig: string }> {
  const log = createLogger('up');
  const state = stateDir();
  await setupEngineAndImages();

  const apiDir = join(state, 'apiserver');
  const api = daemon(state, 'apiserver');
  const a = startDaemon(api, ['apiserver', '--data-dir', apiDir, '--port', String(o.port)]);
  log.info({ pid: a.pid, started: a.started }, 'apiserver');
  const adminKubeconfig = join(apiDir, 'kubeconfig');
  const admin = await waitFor('API server ready', o.timeoutMs, api.logFile, async () => {
    if (!existsSync(adminKubeconfig)) return undefined;
    const client = ApiClient.fromConnection(loadKubeconfig(adminKubeconfig));
    await client.list(NODES, undefined);
    return client;
  });

  // The agent authenticates with the node token, not the admin's.
  const conn = loadKubeconfig(adminKubeconfig);
  const nodeKubeconfig = join(state, 'node.kubeconfig');
  writeFileSync(nodeKubeconfig, renderKubeconfig({
    server: conn.server,
    caCert: conn.ca ?? '',
    token: readFileSync(join(apiDir, 'node-token'), 'utf8').trim(),
    user: `system:node:${o.nodeName}`,
  }), { mode: 0o600 });

  const agent = daemon(state, 'agent');
  const g = startDaemon(agent, [
    'agent',
    '--kubeconfig', nodeKubeconfig,
    '--node-name', o.nodeName,
    '--root-dir', join(state, 'agent'),
    '--manifests', join(state, 'manifests'),
    '--port', String(o.kubeletPort),
    '--healthz-port', String(o.healthzPort),
  ]);
  log.info({ pid: g.pid, started: g.started }, 'agent');
  // the Node may still look Ready from an agent that died (its lease has not expired): wait for
  // this agent's own health endpoint too
  await waitFor('agent healthy', o.timeoutMs, agent.logFile, async () => {
    const res = await fetch(`http://127.0.0.1:${String(o.healthzPort)}/healthz`, { signal: AbortSignal.timeout(2000) });
    await res.text();
    return res.ok ? true : undefined;
  });
  await waitFor(`node ${o.nodeName} Ready`, o.timeoutMs, agent.logFile, async () => {
    const node = await admin.get<Node>(NODES, undefined, o.nodeName);
    return nodeReady(node) ? node : undefined;
  });

  const kubeconfig = join(state, 'kubeconfig');
  copyFileSync(adminKubeconfig, kubeconfig);
  writeFileSync(join(state, 'node-name'), o.nodeName);
  return { kubeconfig };
}

export async function down(opts: { engine?: boolean } = {}): Promise<void> {
  const log = createLogger('down');
  const state = stateDir();
  // Agent first, so it does not restart anything while the containers go.
  for (const name of ['agent', 'apiserver']) {
    const d = daemon(state, name);
    if (await stopDaemon(d)) log.info({ daemon: name }, 'stopped');
  }
  const nodeFile = join(state, 'node-name');
  const engine = await discoverEngine(log);
  if (engine !== undefined && existsSync(nodeFile)) {
    // Only this node's containers: tests or other agents on the same engine keep theirs.
    const removed = await removeManagedContainers(dockerFor(engine), readFileSync(nodeFile, 'utf8').trim());
    log.info({ removed }, 'removed containers nodelet created');
  }
  if (opts.engine === true) await stopLocalEngine(state, log);
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run nodelet: engine and images if needed, the API server and an agent for this machine')
    .option('--port <port>', 'API server HTTPS port', '6443')
    .option('--node-name <name>', 'name of this node', hostname().toLowerCase())
    .option('--kubelet-port <port>', 'the agent\'s streaming port (logs/exec/attach)', '10250')
    .option('--healthz-port <port>', 'the agent\'s local /healthz, /pods, /metrics port', '10248')
    .option('--timeout <seconds>', 'how long to wait for the node to become Ready', '60')
    .action(async (opts: { port: string; nodeName: string; kubeletPort: string; healthzPort: string; timeout: string }) => {
      const { kubeconfig } = await up({
        port: Number(opts.port),
        nodeName: opts.nodeName,
        kubeletPort: Number(opts.kubeletPort),
        healthzPort: Number(opts.healthzPort),
        timeoutMs: Number(opts.timeout) * 1000,
      });
      const running = ['apiserver', 'agent'].map((n) => `${n} (pid ${String(runningPid(daemon(stateDir(), n)))})`).join(', ');
      process.stdout.write([
        `nodelet is up: ${running}; node ${opts.nodeName} is Ready.`,
        '',
        `  export KUBECONFIG=${kubeconfig}`,
        '  kubectl get nodes',
        `  kubectl apply -f ${join(PROJECT_ROOT, 'examples/two-containers.yaml')}`,
        '  kubectl get pods -w',
        '',
        `Logs: ${join(stateDir(), 'apiserver.log')}, ${join(stateDir(), 'agent.log')}. Stop with: make down`,
        '',
      ].join('\n'));
    });

  program
    .command('down')
    .description('stop the API server and agent that `nodelet up` started and remove the containers nodelet created')
    .option('--engine', 'also stop the Docker engine if nodelet started it')
    .action(async (opts: { engine?: boolean }) => {
      await down(opts);
      process.stdout.write('nodelet is down (data kept under .run/ until `make clean`)\n');
    });
}
