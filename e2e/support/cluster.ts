// A test cluster for e2e: `nodelet apiserver` and any number of `nodelet agent`s, each in its own
// container started with testcontainers (see launcher.ts), in one temp dir with free loopback
// ports, so tests can kill and restart each one. Waits use list+watch on the API. `cleanup()` removes
// the containers it started and every container its nodes' agents made (through the runtime under
// test, runtime.ts), whatever happened in the test. Node names should come from `nodeName()`: they
// end with the session id, so the e2e global teardown can still find a crashed file's leftovers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { ApiClient, NODES, PODS, type KubeObject, type ResourceType } from '../../kube/client/client.ts';
import { loadKubeconfig } from '../../kube/client/kubeconfig.ts';
import { renderKubeconfig } from '../../apiserver/kubeconfig.ts';
import { Kubectl } from '../../apiserver/testing/kubectl.ts';
import { freePort, sleep, until } from '../../lib/testing/wait.ts';
import { e2eSession, launch, remove, signal, type Launched } from './launcher.ts';
import { e2eRuntime, type BindMount, type E2eRuntime, type EngineContainer } from './runtime.ts';

export { freePort, sleep, until };
export type { EngineContainer };

export type Proc = Launched;

export interface AgentProc extends Proc {
  node: string;
  port: number;
  healthzPort: number;
  rootDir: string;
}

/** A node name unique to this e2e session: `<base>-<session>`. */
export function nodeName(base: string): string {
  return `${base}-${e2eSession()}`;
}

export function nodeCondition(node: Node, type: string): string | undefined {
  return node.status?.conditions?.find((c) => c.type === type)?.status;
}

export function podReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** The containers the agents made for these nodes, from the runtime under test. */
export async function engineContainers(nodes: string[]): Promise<EngineContainer[]> {
  return (await e2eRuntime()).containers(nodes);
}

export class TestCluster {
  apiPort = 0;
  private tmp: string | undefined;
  private api: Proc | undefined;
  private runtimeUnderTest: E2eRuntime | undefined;
  private readonly agents = new Map<string, AgentProc>();
  private readonly nodes = new Set<string>();
  private readonly started = new Set<string>();
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

  private async runtime(): Promise<E2eRuntime> {
    this.runtimeUnderTest ??= await e2eRuntime();
    return this.runtimeUnderTest;
  }

  /** The last lines of a process log, for failure messages. */
  tail(proc: Pick<Proc, 'logFile'>, lines = 30): string {
    try {
      return readFileSync(proc.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** `prev`: the process this one replaces; a restart reuses the container name, so the old container (killed, or exited) goes first. */
  private async launch(name: string, prev: Proc | undefined, args: string[], ready: () => Promise<boolean>, extra: { mounts?: BindMount[]; env?: Record<string, string> } = {}): Promise<Proc> {
    if (prev !== undefined) await remove(prev.id);
    const full = `${this.prefix}-${name}`;
    const proc = await launch({
      name: full, args, dir: this.dir, mounts: extra.mounts ?? [], env: extra.env ?? {}, ready,
      logTail: () => this.tail({ logFile: join(this.dir, `${full}.log`) }),
    });
    this.started.add(proc.id);
    return proc;
  }

  /** Starts (or restarts, same data dir and port) the API server and waits for /readyz. */
  async startApiserver(extra: string[] = []): Promise<Proc> {
    if (this.apiPort === 0) this.apiPort = await freePort();
    mkdirSync(this.apiDir, { recursive: true });
    const kubeconfig = join(this.apiDir, 'kubeconfig');
    const proc = await this.launch('apiserver', this.api, ['apiserver', '--data-dir', this.apiDir, '--port', String(this.apiPort), ...extra], async () => {
      let text: string;
      try {
        text = readFileSync(kubeconfig, 'utf8');
      } catch {
        return false;
      }
      this.kubectlHarness ??= new Kubectl(text);
      const r = await this.kubectl.run(['get', '--raw', '/readyz'], { timeoutMs: 5000 });
      return r.code === 0 && r.stdout.trim() === 'ok';
    });
    this.api = proc;
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
    const access = (await this.runtime()).agentAccess();
    const proc = await this.launch(`agent-${node}`, prev, [
      'agent', '--kubeconfig', nodeKubeconfig, '--node-name', node, '--root-dir', rootDir,
      '--port', String(port), '--healthz-port', String(healthzPort),
    ], async () => {
      const res = await fetch(`http://127.0.0.1:${String(healthzPort)}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.text();
      return res.ok;
    }, access);
    const agent: AgentProc = { ...proc, node, port, healthzPort, rootDir };
    this.agents.set(node, agent);
    return agent;
  }

  /** Sends a signal to the process (in its container) and waits for it to exit. */
  async kill(proc: Proc, sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await signal(proc, sig);
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

  /** Removes every container it started, every container its nodes' agents made, and the temp dir. */
  async cleanup(): Promise<void> {
    try {
      await Promise.all([...this.started].map((id) => remove(id)));
    } finally {
      try {
        if (this.nodes.size > 0) await (await this.runtime()).removeNodeContainers([...this.nodes]);
      } finally {
        this.adminClient?.close();
        this.kubectlHarness?.cleanup();
        if (this.tmp !== undefined) rmSync(this.tmp, { recursive: true, force: true });
      }
    }
  }

  /** `await using cluster = new TestCluster(…)` cleans up at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
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
