// A test library for your own suites, testcontainers style: `startNodelet()` brings up an isolated
// nodelet (API server + one agent on the real Docker engine) and hands back a small handle to
// apply manifests, wait for pods by watching them, read logs, exec, delete and stop:
//
//   await using node = await startNodelet();
//   await node.apply(podYaml);
//   await node.waitForPod('web', 'Ready');
//   const { stdout } = await node.exec('web', ['cat', '/etc/hostname']);
//
// Each instance has its own temp state dir, free ports and a unique node name, so several can run
// side by side and never meet a user's `make up`. `stop()` (or `await using`) stops its processes
// by pid and removes its containers by nodelet's node label, whatever state the test left.
//
// Why host processes and not testcontainers' GenericContainer: the stack needs the host's engine
// socket and host paths (the agent bind-mounts volumes, /etc/hosts and termination-message files
// it writes under its root dir, which must be the same path for the engine), and there is no
// registry to pull a Node base image from, so there is no image to run nodelet in. testcontainers'
// wait strategies (`Wait.forHttp`, …) take a started container (inspect result, bound ports) and
// cannot wait on a host process; `nodelet up` already waits for the API server, the agent's
// /healthz and the Node's Ready condition, and `startNodelet` then checks /readyz itself.
import { freePort } from '../lib/testing/wait.ts';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event as CoreEvent, Pod } from 'kubernetes-types/core/v1.d.ts';
import { stringify } from 'yaml';
import { ApiClient, EVENTS, isClientGone, isClientNotFound, PODS } from '../kube/client/client.ts';
import type { KubeObject } from '../kube/client/client.ts';
import { loadKubeconfig } from '../kube/client/kubeconfig.ts';
import { Kubectl } from '../apiserver/testing/kubectl.ts';
import type { KubectlResult } from '../apiserver/testing/kubectl.ts';
import { stopDaemons } from '../cli/commands/up.ts';
import { daemon, runningPid } from '../lib/daemon.ts';
import { silentLogger } from '../lib/log.ts';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { removeManagedContainers } from '../runtime/docker/cleanup.ts';
import { discoverEngine, dockerFor } from '../runtime/docker/discovery.ts';

// Node 20 before 20.4 has no Symbol.asyncDispose: use the well-known symbol the runtime will adopt.
const asyncDispose: typeof Symbol.asyncDispose = (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose
  ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);
if ((Symbol as { asyncDispose?: symbol }).asyncDispose === undefined) {
  Object.defineProperty(Symbol, 'asyncDispose', { value: asyncDispose });
}

export interface StartNodeletOptions {
  /** Node name (default `nodelet-test-<pid>-<n>`); also the label its containers carry. */
  nodeName?: string;
  /** How long `nodelet up` may take (engine, images, API server, agent, node Ready). Default 120 s. */
  timeoutMs?: number;
  /** Namespace for calls that do not name one. Default `default`. */
  namespace?: string;
  /** Keep the temp state dir (logs, data) after stop() for debugging. Default false. */
  keepStateDir?: boolean;
  /**
   * Run the service proxy and the cluster DNS server too (Services answer on their ClusterIPs,
   * pods resolve `svc.ns.svc.cluster.local`). Default false: most suites need only Pods, and two
   * fewer processes start faster. Each instance gets its own /16 of 10.112.0.0/12 for its
   * Services, so it never meets a user's `make up` (10.96.0.0/12).
   */
  services?: boolean;
}

export type PodWaitCondition = 'Ready' | 'Running' | 'Succeeded' | 'Failed' | ((pod: Pod) => boolean);

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

let counter = 0;

const KUBECTL_EXEC_FAILURE = /^(Error from server|error: (unable to upgrade connection|Internal error occurred|cannot exec|container \S+ not found|pod \S+ not found|unable to create|error sending request))/m;


function runNodelet(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(join(PROJECT_ROOT, 'bin/nodelet'), args, { cwd: PROJECT_ROOT, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function podReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function terminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** A one-line summary of a pod's status for error messages. */
export function describePodStatus(pod: Pod | undefined): string {
  if (pod === undefined) return 'not seen';
  const s = pod.status;
  const containers = [...(s?.initContainerStatuses ?? []), ...(s?.containerStatuses ?? [])].map((c) => {
    const st = c.state?.waiting !== undefined ? `waiting ${c.state.waiting.reason ?? ''}`
      : c.state?.terminated !== undefined ? `terminated ${c.state.terminated.reason ?? ''} (${String(c.state.terminated.exitCode)})`
        : c.state?.running !== undefined ? 'running' : 'unknown';
    return `${c.name}: ${st}, ready=${String(c.ready)}, restarts=${String(c.restartCount)}`;
  });
  return `phase=${s?.phase ?? '?'}${s?.reason === undefined ? '' : ` reason=${s.reason}`}${s?.message === undefined ? '' : ` message=${JSON.stringify(s.message)}`} [${containers.join('; ')}]`;
}

/** A running, isolated nodelet. Create it with `startNodelet()`. */
/** One version of a pod as a watch delivered it, with when it arrived (ms since the epoch). */
export interface PodSighting {
  at: number;
  pod: Pod;
}

/**
 * Records every version of every pod in a namespace, from a watch started when it is made, so a
 * test can assert what never happened (never Ready, never restarted) over a pod's whole life, not
 * only its final state. Start it before applying the pods; `stop()` ends the watch.
 */
export class PodRecorder {
  private readonly seen = new Map<string, PodSighting[]>();
  private readonly ac = new AbortController();
  private readonly done: Promise<void>;

  constructor(client: ApiClient, namespace: string) {
    this.done = (async () => {
      for await (const ev of client.listWatch<Pod>(PODS, namespace, { signal: this.ac.signal })) {
        const name = ev.object.metadata?.name ?? '';
        let list = this.seen.get(name);
        if (list === undefined) this.seen.set(name, list = []);
        list.push({ at: Date.now(), pod: ev.object });
      }
    })().catch(() => undefined);
  }

  /** Every version of the pod seen so far, oldest first, with arrival times. */
  sightings(name: string): PodSighting[] {
    return this.seen.get(name) ?? [];
  }

  /** Every version of the pod seen so far, oldest first. */
  historyOf(name: string): Pod[] {
    return this.sightings(name).map((s) => s.pod);
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export class StartedNodelet {
  private stopped = false;

  constructor(
    /** The node's name; its containers carry the label io.nodelet.node=<nodeName>. */
    readonly nodeName: string,
    /** The temp state dir: apiserver/, agent/, apiserver.log, controller-manager.log, agent.log. */
    readonly stateDir: string,
    /** An admin kubeconfig for the real kubectl or any client. */
    readonly kubeconfigPath: string,
    readonly ports: { api: number; kubelet: number; healthz: number; controllerManager: number; dns?: number },
    /** A typed API client with admin rights. */
    readonly client: ApiClient,
    readonly namespace: string,
    private readonly kubectlHarness: Kubectl,
    private readonly keepStateDir: boolean,
    /** How startNodelet ran `nodelet up` (flags, env, timeout), for ensureUp(). */
    private readonly upCommand?: { args: string[]; env: NodeJS.ProcessEnv; timeoutMs: number },
  ) {}

  /** The controller manager's pid while it runs (from `<stateDir>/controller-manager.pid`). */
  controllerManagerPid(): number | undefined {
    return runningPid(daemon(this.stateDir, 'controller-manager'));
  }

  /**
   * `kill -9` of the controller manager by its pid: no clean shutdown, its Lease is not released.
   * Waits until the process is gone and returns its pid. Start it again with ensureUp().
   */
  async killControllerManager(timeoutMs = 10_000): Promise<number> {
    const d = daemon(this.stateDir, 'controller-manager');
    const pid = runningPid(d);
    if (pid === undefined) throw new Error('the controller manager is not running');
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + timeoutMs;
    // runningPid is undefined for a reaped pid and for a zombie (no cmdline)
    while (runningPid(d) === pid) {
      if (Date.now() > deadline) throw new Error(`controller manager pid ${String(pid)} still alive ${String(timeoutMs)} ms after SIGKILL`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return pid;
  }

  /**
   * Re-runs `nodelet up` with this node's state dir, ports and node name: it starts only what is
   * not running (e.g. the controller manager after killControllerManager()) and waits, as on the
   * first start, until everything is ready.
   */
  async ensureUp(): Promise<void> {
    if (this.upCommand === undefined) throw new Error('ensureUp: this nodelet was not started by startNodelet()');
    const { args, env, timeoutMs } = this.upCommand;
    const r = await runNodelet(args, env, timeoutMs + 30_000);
    if (r.code !== 0) throw new Error(`nodelet up failed (${String(r.code)}): ${r.stdout}${r.stderr}\n${this.logTail()}`);
  }

  /** Runs the real kubectl against this node (private kubeconfig and cache dir). Never throws on a non-zero exit. */
  kubectl(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return this.kubectlHarness.run(args, opts);
  }

  private async kubectlOk(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${String(r.code)}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** `kubectl apply` of a manifest: YAML/JSON text (several documents allowed) or objects. Returns kubectl's output. */
  async apply(manifest: string | KubeObject | KubeObject[], opts: { namespace?: string } = {}): Promise<string> {
    const text = typeof manifest === 'string' ? manifest
      : (Array.isArray(manifest) ? manifest : [manifest]).map((o) => stringify(o)).join('---\n');
    return this.kubectlOk(['apply', '-n', opts.namespace ?? this.namespace, '-f', '-'], { stdin: text });
  }

  /** The pod as the API server has it. */
  async getPod(name: string, opts: { namespace?: string } = {}): Promise<Pod> {
    return this.client.get<Pod>(PODS, opts.namespace ?? this.namespace, name);
  }

  /**
   * Watches the pod until the condition holds and returns it. Fails at once when the pod reaches
   * a terminal phase the condition can no longer become true from (e.g. Failed while waiting for
   * Ready), or when the pod is deleted; fails after timeoutMs (default 60 s) with the last status.
   */
  async waitForPod(name: string, condition: PodWaitCondition, opts: { timeoutMs?: number; namespace?: string } = {}): Promise<Pod> {
    const ns = opts.namespace ?? this.namespace;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const test = typeof condition === 'function' ? condition
      : condition === 'Ready' ? podReady
        : (p: Pod): boolean => p.status?.phase === condition;
    const hopeless = (p: Pod): boolean => typeof condition === 'function' ? false : terminal(p) && p.status?.phase !== condition;
    const what = typeof condition === 'function' ? 'the condition' : condition;
    const ac = new AbortController();
    const timer = setTimeout(() => { ac.abort(); }, timeoutMs);
    let last: Pod | undefined;
    try {
      for await (const ev of this.client.listWatch<Pod>(PODS, ns, { fieldSelector: `metadata.name=${name}`, signal: ac.signal })) {
        if (ev.type === 'DELETED') throw new Error(`pod ${ns}/${name} was deleted while waiting for ${what}: ${describePodStatus(ev.object)}`);
        last = ev.object;
        if (test(last)) return last;
        if (hopeless(last)) throw new Error(`pod ${ns}/${name} is ${last.status?.phase ?? '?'} and will never be ${what}: ${describePodStatus(last)}`);
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
    throw new Error(`pod ${ns}/${name} did not become ${what} within ${String(timeoutMs / 1000)}s: ${describePodStatus(last)}`);
  }

  /** Starts recording every version of every pod in the namespace (see PodRecorder). */
  recordPods(opts: { namespace?: string } = {}): PodRecorder {
    return new PodRecorder(this.client, opts.namespace ?? this.namespace);
  }

  /** The events recorded for a pod (what `kubectl describe pod` lists), oldest first. */
  async events(pod: string, opts: { namespace?: string } = {}): Promise<CoreEvent[]> {
    const list = await this.client.list<CoreEvent>(EVENTS, opts.namespace ?? this.namespace, { fieldSelector: `involvedObject.name=${pod}` });
    return list.items;
  }

  /**
   * Watches the pod's events until one has this reason (and a message matching `message`, if
   * given) and returns it; fails after timeoutMs (default 30 s) listing the events it saw.
   */
  async waitForEvent(pod: string, reason: string, opts: { message?: RegExp; timeoutMs?: number; namespace?: string } = {}): Promise<CoreEvent> {
    const ns = opts.namespace ?? this.namespace;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const ac = new AbortController();
    const timer = setTimeout(() => { ac.abort(); }, timeoutMs);
    const seen: string[] = [];
    try {
      for await (const ev of this.client.listWatch<CoreEvent>(EVENTS, ns, { fieldSelector: `involvedObject.name=${pod}`, signal: ac.signal })) {
        const e = ev.object;
        if (ev.type === 'DELETED') continue;
        if (e.reason === reason && (opts.message === undefined || opts.message.test(e.message ?? ''))) return e;
        seen.push(`${e.reason ?? ''}: ${e.message ?? ''}`);
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
    throw new Error(`no ${reason} event${opts.message === undefined ? '' : ` matching ${String(opts.message)}`} for ${ns}/${pod} within ${String(timeoutMs / 1000)}s; saw ${JSON.stringify(seen)}`);
  }

  /** `kubectl logs`: the container's log (the previous instance's with `previous`). */
  async logs(pod: string, opts: { container?: string; previous?: boolean; namespace?: string } = {}): Promise<string> {
    const args = ['logs', '-n', opts.namespace ?? this.namespace, pod];
    if (opts.container !== undefined) args.push('-c', opts.container);
    if (opts.previous === true) args.push('--previous');
    return this.kubectlOk(args);
  }

  /**
   * `kubectl exec` through the API server to the agent: the command's output and exit code. A
   * non-zero exit code of the command is a result, not an error; failing to run it at all is thrown.
   */
  async exec(pod: string, cmd: string[], opts: { container?: string; stdin?: string; namespace?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const args = ['exec', '-n', opts.namespace ?? this.namespace];
    if (opts.stdin !== undefined) args.push('-i');
    args.push(pod);
    if (opts.container !== undefined) args.push('-c', opts.container);
    args.push('--', ...cmd);
    const r = await this.kubectl(args, { ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }), ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }) });
    // kubectl exits with the remote command's code; its own failures (pod or container not found,
    // no upgrade, …) are exit 1 with an error line of its own on stderr
    if (r.code === 1 && KUBECTL_EXEC_FAILURE.test(r.stderr)) {
      throw new Error(`kubectl exec ${pod} failed (${String(r.code)}): ${r.stderr.trim()}`);
    }
    // kubectl's own note about the exit code is not the command's stderr
    const stderr = r.stderr.endsWith(`command terminated with exit code ${String(r.code)}\n`)
      ? r.stderr.slice(0, r.stderr.lastIndexOf('command terminated with exit code'))
      : r.stderr;
    return { stdout: r.stdout, stderr, exitCode: r.code };
  }

  /**
   * Deletes the pod through the API (gracefully unless gracePeriodSeconds says otherwise) and, by
   * default, waits until the node has finished with it and it is gone from the API.
   */
  async delete(name: string, opts: { gracePeriodSeconds?: number; namespace?: string; wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const ns = opts.namespace ?? this.namespace;
    try {
      await this.client.delete(PODS, ns, name, opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds });
    } catch (err) {
      if (isClientNotFound(err)) return;
      throw err;
    }
    if (opts.wait === false) return;
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    let last: Pod | undefined;
    // get, then watch from its resourceVersion until DELETED; a watch that ends early starts over
    while (Date.now() < deadline) {
      try {
        last = await this.getPod(name, { namespace: ns });
      } catch (err) {
        if (isClientNotFound(err)) return;
        throw err;
      }
      const ac = new AbortController();
      const timer = setTimeout(() => { ac.abort(); }, deadline - Date.now());
      try {
        for await (const ev of this.client.watch<Pod>(PODS, ns, {
          fieldSelector: `metadata.name=${name}`, resourceVersion: last.metadata?.resourceVersion ?? '', signal: ac.signal,
        })) {
          if (ev.type === 'DELETED') return;
          if (ev.type !== 'BOOKMARK') last = ev.object;
        }
      } catch (err) {
        if (!isClientGone(err)) throw err;
      } finally {
        clearTimeout(timer);
        ac.abort();
      }
    }
    throw new Error(`pod ${ns}/${name} was not gone within ${String(timeoutMs / 1000)}s: ${describePodStatus(last)}`);
  }

  /** The last lines of the agent's and API server's logs, for failure messages. */
  logTail(lines = 40): string {
    return `--- agent.log\n${tail(join(this.stateDir, 'agent.log'), lines)}\n--- apiserver.log\n${tail(join(this.stateDir, 'apiserver.log'), lines)}`;
  }

  /** The last lines of the controller manager's log, for failure messages. */
  controllerManagerLogTail(lines = 40): string {
    return `--- controller-manager.log\n${tail(join(this.stateDir, 'controller-manager.log'), lines)}`;
  }

  /** Stops the agent and the API server (by pid) and removes this node's containers (by label). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.client.close();
    try {
      // the controllers first (they would make new pods), then the agent, so it restarts nothing
      // while its containers go
      await stopDaemons(this.stateDir);
    } finally {
      await removeContainers(this.nodeName);
      this.kubectlHarness.cleanup();
      if (!this.keepStateDir) rmSync(this.stateDir, { recursive: true, force: true });
    }
  }

  async [asyncDispose](): Promise<void> {
    await this.stop();
  }
}

async function removeContainers(nodeName: string): Promise<void> {
  const engine = await discoverEngine(silentLogger);
  if (engine !== undefined) await removeManagedContainers(dockerFor(engine), nodeName);
}

/**
 * A /16 of 10.112.0.0/12 that no running proxy holds yet (each proxy routes its range to the
 * loopback device, so no Service IP leaves the machine): two instances with services never share
 * Service IPs or proxy chains.
 */
async function unusedServiceCidr(): Promise<string> {
  const taken = await new Promise<string>((resolve) => {
    execFile('ip', ['-4', 'route', 'show'], (err, stdout) => { resolve(err === null ? stdout : ''); });
  });
  const free = Array.from({ length: 16 }, (_, i) => `10.${String(112 + i)}.0.0/16`).filter((c) => !taken.includes(c));
  const pick = free[Math.floor(Math.random() * free.length)];
  if (pick === undefined) throw new Error('startNodelet: every /16 of 10.112.0.0/12 is taken by a running service proxy');
  return pick;
}

/**
 * Starts an isolated nodelet: ensures the engine and the local images (`nodelet up` does, as for a
 * user), then the API server and an agent in a temp state dir with free loopback ports and a unique
 * node name, and waits until the node is Ready and the API server answers /readyz.
 */
export async function startNodelet(opts: StartNodeletOptions = {}): Promise<StartedNodelet> {
  counter += 1;
  const nodeName = opts.nodeName ?? `nodelet-test-${String(process.pid)}-${String(counter)}`;
  const state = mkdtempSync(join(tmpdir(), 'nodelet-test-'));
  const env = { ...process.env, NODELET_STATE_DIR: state };
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const ports = {
    api: await freePort(), kubelet: await freePort(), healthz: await freePort(), controllerManager: await freePort(),
    ...(opts.services === true ? { dns: await freePort() } : {}),
  };
  const fail = async (why: string): Promise<never> => {
    const logs = `--- agent.log\n${tail(join(state, 'agent.log'))}\n--- apiserver.log\n${tail(join(state, 'apiserver.log'))}`;
    await stopDaemons(state).catch(() => undefined);
    await removeContainers(nodeName).catch(() => undefined);
    if (opts.keepStateDir !== true) rmSync(state, { recursive: true, force: true });
    throw new Error(`startNodelet: ${why}\n${logs}`);
  };
  const upArgs = [
    'up', '--port', String(ports.api), '--node-name', nodeName,
    '--kubelet-port', String(ports.kubelet), '--healthz-port', String(ports.healthz),
    '--controller-manager-port', String(ports.controllerManager),
    ...(ports.dns === undefined ? ['--no-services'] : [
      '--service-cidr', await unusedServiceCidr(), '--dns-port', String(ports.dns),
      '--proxy-healthz-port', String(await freePort()), '--dns-healthz-port', String(await freePort()),
      // a test's pods must never make the host look up an outside name
      '--dns-upstream', 'none',
    ]),
    '--timeout', String(Math.ceil(timeoutMs / 1000)),
  ];
  const r = await runNodelet(upArgs, env, timeoutMs + 30_000);
  if (r.code !== 0) return fail(`nodelet up failed (${String(r.code)}): ${r.stdout}${r.stderr}`);
  const kubeconfigPath = join(state, 'kubeconfig');
  const conn = loadKubeconfig(kubeconfigPath);
  const client = ApiClient.fromConnection(conn, { namespace: opts.namespace ?? 'default' });
  const kubectl = new Kubectl(readFileSync(kubeconfigPath, 'utf8'));
  const readyz = await kubectl.run(['get', '--raw', '/readyz']);
  if (readyz.code !== 0 || readyz.stdout.trim() !== 'ok') {
    client.close();
    kubectl.cleanup();
    return fail(`API server /readyz answered ${String(readyz.code)}: ${readyz.stdout}${readyz.stderr}`);
  }
  return new StartedNodelet(
    nodeName, state, kubeconfigPath, ports, client, opts.namespace ?? 'default', kubectl, opts.keepStateDir === true,
    { args: upArgs, env, timeoutMs },
  );
}
