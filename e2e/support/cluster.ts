// A small multi-process test cluster for e2e: `nodelet apiserver` and any number of
// `nodelet agent`s started directly as processes (own temp dir, free loopback ports), so tests can
// kill and restart each one by pid. Waits use list+watch on the API. `cleanup()` stops what it
// started (by pid) and removes the containers of every node it started (by nodelet's node label),
// whatever happened in the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { ApiClient, NODES, PODS, type KubeObject, type ResourceType } from '../../apiserver/client/client.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { renderKubeconfig } from '../../apiserver/kubeconfig.ts';
import { Kubectl } from '../../apiserver/testing/kubectl.ts';
import { freePort, sleep, until } from '../../lib/testing/wait.ts';

export { freePort, sleep, until };
import { silentLogger } from '../../lib/log.ts';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { removeManagedContainers } from '../../runtime/docker/cleanup.ts';
import { discoverEngine, dockerFor } from '../../runtime/docker/discovery.ts';
import { LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_NAME } from '../../runtime/labels.ts';




export interface Proc {
  name: string;
  args: string[];
  logFile: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

export interface AgentProc extends Proc {
  node: string;
  port: number;
  healthzPort: number;
  rootDir: string;
}

export function nodeCondition(node: Node, type: string): string | undefined {
  return node.status?.conditions?.find((c) => c.type === type)?.status;
}

export function podReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export interface EngineContainer {
  id: string;
  state: string;
  pod: string;
  container: string;
  node: string;
}

/** The containers nodelet made for these nodes, from the engine. */
export async function engineContainers(nodes: string[]): Promise<EngineContainer[]> {
  const engine = await discoverEngine(silentLogger);
  if (engine === undefined) throw new Error('no engine');
  const docker = dockerFor(engine);
  const out: EngineContainer[] = [];
  for (const node of nodes) {
    const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${node}`] } });
    for (const c of list) {
      out.push({ id: c.Id, state: c.State, pod: c.Labels[LABEL_POD_NAME] ?? '', container: c.Labels[LABEL_CONTAINER_NAME] ?? '', node: c.Labels[LABEL_NODE_NAME] ?? '' });
    }
  }
  return out;
}

export class TestCluster {
  apiPort = 0;
  private tmp: string | undefined;
  private api: Proc | undefined;
  private readonly agents = new Map<string, AgentProc>();
  private readonly nodes = new Set<string>();
  private readonly procs = new Set<Proc>();
  private kubectlHarness: Kubectl | undefined;
  private adminClient: ApiClient | undefined;

  /** Nothing is made until first use (listing or filtering the tests leaves no temp dir behind). */
  constructor(private readonly prefix: string) {}

  get dir(): string {
    this.tmp ??= mkdtempSync(join(tmpdir(), `nodelet-${this.prefix}-`));
    return this.tmp;
  }

  get apiDir(): string {
    return join(this.dir, 'apiserver');
  }

  get kubectl(): Kubectl {
    if (this.kubectlHarness === undefined) throw new Error('API server not started');
    return this.kubectlHarness;
  }

  get admin(): ApiClient {
    if (this.adminClient === undefined) throw new Error('API server not started');
    return this.adminClient;
  }

  get apiserver(): Proc {
    if (this.api === undefined) throw new Error('API server not started');
    return this.api;
  }

  agent(node: string): AgentProc {
    const a = this.agents.get(node);
    if (a === undefined) throw new Error(`no agent ${node}`);
    return a;
  }

  private spawn(name: string, args: string[]): Proc {
    const logFile = join(this.dir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(join(PROJECT_ROOT, 'bin/nodelet'), args, {
      cwd: PROJECT_ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, NODELET_STATE_DIR: this.dir },
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => { resolve(); });
    });
    const proc: Proc = { name, args, logFile, child, pid: child.pid, exited };
    this.procs.add(proc);
    void exited.then(() => { this.procs.delete(proc); });
    return proc;
  }

  /** The last lines of a process log, for failure messages. */
  tail(proc: Proc, lines = 30): string {
    try {
      return readFileSync(proc.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Starts (or restarts, same data dir and port) the API server and waits for /readyz. */
  async startApiserver(extra: string[] = []): Promise<Proc> {
    if (this.apiPort === 0) this.apiPort = await freePort();
    const proc = this.spawn('apiserver', ['apiserver', '--data-dir', this.apiDir, '--port', String(this.apiPort), ...extra]);
    this.api = proc;
    const kubeconfig = join(this.apiDir, 'kubeconfig');
    await until(`API server /readyz (log: ${proc.logFile})`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`API server exited: ${this.tail(proc)}`);
      let text: string;
      try {
        text = readFileSync(kubeconfig, 'utf8');
      } catch {
        return undefined;
      }
      this.kubectlHarness ??= new Kubectl(text);
      const r = await this.kubectl.run(['get', '--raw', '/readyz'], { timeoutMs: 5000 });
      return r.code === 0 && r.stdout.trim() === 'ok';
    }, 60_000);
    this.adminClient ??= ApiClient.fromConnection(loadKubeconfig(kubeconfig), { retryDelayMs: 200 });
    return proc;
  }

  /** Starts an agent for `node` (restarting reuses its root dir and ports) and waits until it is healthy. */
  async startAgent(node: string): Promise<AgentProc> {
    const prev = this.agents.get(node);
    const port = prev?.port ?? await freePort();
    const healthzPort = prev?.healthzPort ?? await freePort();
    const rootDir = join(this.dir, 'nodes', node);
    mkdirSync(rootDir, { recursive: true });
    const nodeKubeconfig = join(this.dir, `${node}.kubeconfig`);
    const conn = loadKubeconfig(join(this.apiDir, 'kubeconfig'));
    writeFileSync(nodeKubeconfig, renderKubeconfig({
      server: conn.server, caCert: conn.ca ?? '', token: readFileSync(join(this.apiDir, 'node-token'), 'utf8').trim(), user: `system:node:${node}`,
    }), { mode: 0o600 });
    this.nodes.add(node);
    const proc = this.spawn(`agent-${node}`, [
      'agent', '--kubeconfig', nodeKubeconfig, '--node-name', node, '--root-dir', rootDir,
      '--port', String(port), '--healthz-port', String(healthzPort),
    ]);
    const agent: AgentProc = { ...proc, node, port, healthzPort, rootDir };
    this.agents.set(node, agent);
    await until(`agent ${node} /healthz`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`agent ${node} exited: ${this.tail(proc)}`);
      const res = await fetch(`http://127.0.0.1:${String(healthzPort)}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.text();
      return res.ok;
    }, 60_000);
    return agent;
  }

  /** Sends a signal by pid and waits for the process to exit. */
  async kill(proc: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    try {
      process.kill(proc.pid, signal);
    } catch {
      return;
    }
    await Promise.race([proc.exited, sleep(20_000)]);
  }

  /**
   * List+watch `r` until `done` holds for the objects seen so far; returns them. Survives API
   * server restarts (the client relists).
   */
  async watchUntil<T extends KubeObject>(what: string, r: ResourceType, namespace: string | undefined, done: (objs: T[]) => boolean, timeoutMs = 60_000): Promise<T[]> {
    const ac = new AbortController();
    const timer = setTimeout(() => { ac.abort(); }, timeoutMs);
    const objs = new Map<string, T>();
    try {
      for await (const ev of this.admin.listWatch<T>(r, namespace, { signal: ac.signal })) {
        const key = `${ev.object.metadata?.namespace ?? ''}/${ev.object.metadata?.name ?? ''}`;
        if (ev.type === 'DELETED') objs.delete(key);
        else objs.set(key, ev.object);
        const list = [...objs.values()];
        if (done(list)) return list;
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
    throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
  }

  /** Waits (by watching) until these nodes have the Ready condition with this status. */
  waitNodes(names: string[], status: 'True' | 'Unknown' | 'False' = 'True', timeoutMs = 60_000): Promise<Node[]> {
    return this.watchUntil<Node>(`nodes ${names.join(',')} Ready=${status}`, NODES, undefined, (nodes) =>
      names.every((n) => { const node = nodes.find((x) => x.metadata?.name === n); return node !== undefined && nodeCondition(node, 'Ready') === status; }), timeoutMs);
  }

  /** Waits (by watching) until every named pod in `default` satisfies `ok` (default: Running and Ready); returns them in order. */
  async waitPods(names: string[], ok: (p: Pod) => boolean = podReady, timeoutMs = 60_000): Promise<Pod[]> {
    const all = await this.watchUntil<Pod>(`pods ${names.length > 3 ? `${String(names.length)} pods` : names.join(',')} ready`, PODS, 'default', (pods) =>
      names.every((n) => { const p = pods.find((x) => x.metadata?.name === n); return p !== undefined && ok(p); }), timeoutMs);
    return names.map((n) => all.find((p) => p.metadata?.name === n)).filter((p) => p !== undefined);
  }

  /** kubectl, failing on a non-zero exit. */
  async ok(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.kubectl.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → ${String(r.code)}: ${r.stderr}`);
    return r.stdout;
  }

  /** Stops every process it started (SIGKILL by pid), removes every node's containers and the temp dir. */
  async cleanup(): Promise<void> {
    try {
      await Promise.all([...this.procs].map((p) => this.kill(p, 'SIGKILL')));
    } finally {
      try {
        const engine = await discoverEngine(silentLogger);
        if (engine !== undefined) {
          const docker = dockerFor(engine);
          for (const node of this.nodes) await removeManagedContainers(docker, node);
        }
      } finally {
        this.adminClient?.close();
        this.kubectlHarness?.cleanup();
        if (this.tmp !== undefined) rmSync(this.tmp, { recursive: true, force: true });
      }
    }
  }
}

/** A busybox pod that runs until TERM, optionally with a nodeSelector, a cpu request, a readiness probe. */
export function busyboxPod(name: string, o: { nodeSelector?: Record<string, string>; cpu?: string; readiness?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 2,
      ...(o.nodeSelector === undefined ? {} : { nodeSelector: o.nodeSelector }),
      containers: [{
        name: 'main',
        image: 'localhost/busybox:local',
        command: ['sh', '-c', "trap 'exit 0' TERM; touch /tmp/ready; while true; do sleep 1; done"],
        ...(o.cpu === undefined ? {} : { resources: { requests: { cpu: o.cpu } } }),
        ...(o.readiness === true ? { readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 2 } } : {}),
      }],
    },
  };
}
