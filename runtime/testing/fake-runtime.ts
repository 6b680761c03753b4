// A stateful, in-memory Runtime for unit tests, shipped as a library (like undici's MockAgent):
// sandboxes, containers and images behave like a small engine on an injected Clock; tests script
// container processes (exit after N ms with a code), inject errors per method, read a call log,
// and drive or observe the lifecycle event stream; port-forwards are answered by a handler the test
// sets (by default every port refuses, as a pod listening on nothing would).
import { Duplex } from 'node:stream';
import type { Clock, Timer } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { RuntimeError } from '../errors.ts';
import type {
  ContainerConfig,
  ContainerFilter,
  ContainerStats,
  ContainerStatus,
  ExecStreams,
  ExecSyncResult,
  ImageStatus,
  LogChunk,
  LogOptions,
  PortForwardOptions,
  PullProgress,
  Runtime,
  RuntimeEvent,
  RuntimeVersion,
  SandboxConfig,
  SandboxStatus,
  StreamingSession,
} from '../types.ts';

export type FakeMethod =
  | 'runSandbox' | 'stopSandbox' | 'removeSandbox' | 'sandboxStatus' | 'listSandboxes'
  | 'createContainer' | 'startContainer' | 'stopContainer' | 'removeContainer' | 'containerStatus' | 'listContainers'
  | 'imageStatus' | 'pullImage' | 'removeImage' | 'listImages'
  | 'execSync' | 'exec' | 'attach' | 'portForward' | 'logs' | 'stats';

export interface FakeCall {
  method: FakeMethod;
  args: unknown[];
  time: number;
}

/** What a container's main process does once started. */
export interface ContainerProgram {
  /** Exit by itself this many ms after start (undefined: run until stopped). */
  exitAfterMs?: number;
  exitCode?: number;
  /** Exit code when stopped by the stop signal within the grace period; undefined = ignores SIGTERM (killed → 137). */
  exitOnTermCode?: number;
  /** Delay before honouring SIGTERM (ms). */
  termDelayMs?: number;
  /** Lines written to stdout at start. */
  stdout?: string;
  /** Termination message / docker State.Error. */
  message?: string;
}

export interface ExecHandler {
  (containerId: string, cmd: string[], timeoutMs: number): ExecSyncResult | Promise<ExecSyncResult>;
}

/**
 * Answers a port-forward: return the caller's end of the connection (see duplexPair), or throw
 * (e.g. refusedPortForward) to refuse it.
 */
export interface PortForwardHandler {
  (sandboxId: string, port: number): Duplex | Promise<Duplex>;
}

/** The error a runtime gives when nothing listens on the port inside the pod. */
export function refusedPortForward(sandboxId: string, port: number): RuntimeError {
  return new RuntimeError('ERR_PORT_FORWARD', `failed to connect to localhost:${port} inside namespace "${sandboxId}": connect: connection refused`);
}

/**
 * Two connected in-memory Duplexes with TCP-like half-close: what one writes the other reads;
 * end() on one ends the other's readable side only. Hand one to the caller of portForward and
 * play the pod's server on the other.
 */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: true,
      read() { /* pushed by the other end's writes */ },
      write(chunk: Buffer, _enc, cb) {
        other().push(chunk);
        cb();
      },
      final(cb) {
        other().push(null);
        cb();
      },
      destroy(err, cb) {
        const peer = other();
        if (!peer.destroyed) peer.destroy();
        cb(err);
      },
    });
  const a = make(() => ends[1] as Duplex);
  const b = make(() => ends[0] as Duplex);
  ends.push(a, b);
  return [a, b];
}

interface InjectedError {
  method: FakeMethod;
  error: Error;
  remaining: number;
  when: ((args: unknown[]) => boolean) | undefined;
}

interface FakeContainer {
  status: ContainerStatus;
  config: ContainerConfig;
  program: ContainerProgram;
  timers: Timer[];
  logs: LogChunk[];
  stopGraceSeconds: number[];
}

interface FakeSandbox {
  status: SandboxStatus;
  config: SandboxConfig;
}

interface EventWaiter {
  queue: RuntimeEvent[];
  wake: (() => void) | undefined;
}

export interface FakeRuntimeOptions {
  clock?: Clock;
  /** Images present locally at start. */
  images?: string[];
  /** Images a pull succeeds for (anything else fails with ErrImagePull). */
  registry?: string[];
  /** ms a pull takes (on the clock). */
  pullDelayMs?: number;
  nodeName?: string;
}

function normalizeRef(ref: string): string {
  const lastSlash = ref.lastIndexOf('/');
  const tail = ref.slice(lastSlash + 1);
  if (tail.includes(':') || tail.includes('@')) return ref;
  return `${ref}:latest`;
}

function isRunning(c: FakeContainer): boolean {
  return c.status.state === 'running';
}

export class FakeRuntime implements Runtime {
  readonly clock: Clock;
  readonly calls: FakeCall[] = [];
  private readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly images = new Map<string, ImageStatus>();
  private readonly registry = new Set<string>();
  private readonly programs = new Map<string, ContainerProgram>();
  private readonly injected: InjectedError[] = [];
  private readonly subscribers = new Set<EventWaiter>();
  private execHandler: ExecHandler = () => ({ exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false });
  private portForwardHandler: PortForwardHandler = (sandboxId, port) => { throw refusedPortForward(sandboxId, port); };
  private seq = 0;
  private ipSeq = 2;
  private readonly pullDelayMs: number;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.clock = opts.clock ?? new SystemClock();
    this.pullDelayMs = opts.pullDelayMs ?? 0;
    for (const ref of opts.images ?? []) this.addImage(ref);
    for (const ref of opts.registry ?? []) this.registry.add(normalizeRef(ref));
  }

  // ---- test controls -------------------------------------------------------------------------

  /** Makes an image present locally; opts.user sets (or changes) its configured USER. */
  addImage(ref: string, opts: { user?: string } = {}): ImageStatus {
    const n = normalizeRef(ref);
    const existing = this.images.get(n);
    if (existing !== undefined) {
      if (opts.user !== undefined) existing.user = opts.user;
      return existing;
    }
    const img: ImageStatus = { id: `sha256:${(++this.seq).toString(16).padStart(64, '0')}`, repoTags: [n], repoDigests: [], sizeBytes: 1_000_000 };
    if (opts.user !== undefined) img.user = opts.user;
    this.images.set(n, img);
    return img;
  }

  /** Makes pulls of ref succeed. */
  addRegistryImage(ref: string): void {
    this.registry.add(normalizeRef(ref));
  }

  /** Scripts the process of every container with this Kubernetes container name (future starts). */
  program(containerName: string, program: ContainerProgram): void {
    this.programs.set(containerName, program);
  }

  /** Makes `method` throw `error` (the next `times` calls, default 1; Infinity for always). */
  failOn(method: FakeMethod, error: Error, opts: { times?: number; when?: (args: unknown[]) => boolean } = {}): void {
    this.injected.push({ method, error, remaining: opts.times ?? 1, when: opts.when });
  }

  clearFailures(): void {
    this.injected.length = 0;
  }

  onExec(handler: ExecHandler): void {
    this.execHandler = handler;
  }

  /** Answers every later portForward (the default refuses every port). */
  onPortForward(handler: PortForwardHandler): void {
    this.portForwardHandler = handler;
  }

  /** The process of a running container exits now with exitCode (emits a `die` event). */
  exitContainer(id: string, exitCode: number, opts: { reason?: string; message?: string } = {}): void {
    const c = this.mustContainer(id);
    if (c.status.state !== 'running') return;
    this.finish(c, exitCode, opts.reason, opts.message ?? c.program.message ?? '');
  }

  /** The sandbox's infra process dies (network gone): state becomes notready. */
  killSandbox(id: string): void {
    const s = this.sandboxes.get(id);
    if (s === undefined) return;
    s.status.state = 'notready';
    this.emit({ type: 'die', containerId: id, pod: s.status.pod, isSandbox: true, time: this.clock.now(), exitCode: 137 });
  }

  /** Removes a container behind the agent's back (as `docker rm -f` would). */
  vanish(id: string): void {
    const c = this.containers.get(id);
    if (c === undefined) return;
    for (const t of c.timers) t.cancel();
    this.containers.delete(id);
    this.emit({ type: 'destroy', containerId: id, pod: c.status.pod, containerName: c.status.name, isSandbox: false, time: this.clock.now() });
  }

  writeLog(id: string, stream: 'stdout' | 'stderr', data: string): void {
    this.mustContainer(id).logs.push({ stream, data: Buffer.from(data) });
  }

  /** Emits an arbitrary event to every subscriber. */
  emit(event: RuntimeEvent): void {
    for (const sub of this.subscribers) {
      sub.queue.push(event);
      sub.wake?.();
    }
  }

  /** Every container record (all instances), for assertions. */
  allContainers(): ContainerStatus[] {
    return [...this.containers.values()].map((c) => ({ ...c.status }));
  }

  allSandboxes(): SandboxStatus[] {
    return [...this.sandboxes.values()].map((s) => ({ ...s.status }));
  }

  /** The config a container was created with. */
  configOf(id: string): ContainerConfig {
    return this.mustContainer(id).config;
  }

  sandboxConfigOf(id: string): SandboxConfig {
    const s = this.sandboxes.get(id);
    if (s === undefined) throw new RuntimeError('ERR_NOT_FOUND', `no such sandbox ${id}`);
    return s.config;
  }

  /** Grace periods passed to stopContainer for this container, in call order. */
  stopGraces(id: string): number[] {
    return [...this.mustContainer(id).stopGraceSeconds];
  }

  /** Names of calls, optionally of one method, in order. */
  callsOf(method: FakeMethod): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // ---- SandboxService --------------------------------------------------------------------------

  runSandbox(config: SandboxConfig): Promise<string> {
    return this.call('runSandbox', [config], () => {
      const id = this.newId('sb');
      const hostNetwork = config.namespaces.network === 'node';
      const status: SandboxStatus = {
        id,
        pod: { ...config.pod },
        attempt: config.attempt,
        state: 'ready',
        createdAt: this.clock.now(),
        ips: hostNetwork ? [] : [`10.88.0.${this.ipSeq++}`],
        hostNetwork,
        labels: { ...config.labels },
        annotations: { ...config.annotations },
      };
      this.sandboxes.set(id, { status, config });
      this.emit({ type: 'start', containerId: id, pod: status.pod, isSandbox: true, time: this.clock.now() });
      return id;
    });
  }

  stopSandbox(id: string, _graceSeconds?: number): Promise<void> {
    return this.call('stopSandbox', [id, _graceSeconds], () => {
      const s = this.sandboxes.get(id);
      if (s === undefined) throw new RuntimeError('ERR_NOT_FOUND', `no such sandbox ${id}`);
      if (s.status.state === 'ready') {
        s.status.state = 'notready';
        this.emit({ type: 'die', containerId: id, pod: s.status.pod, isSandbox: true, time: this.clock.now(), exitCode: 0 });
      }
    });
  }

  removeSandbox(id: string): Promise<void> {
    return this.call('removeSandbox', [id], () => {
      const s = this.sandboxes.get(id);
      if (s === undefined) return;
      for (const c of [...this.containers.values()]) {
        if (c.status.sandboxId === id) {
          for (const t of c.timers) t.cancel();
          this.containers.delete(c.status.id);
          this.emit({ type: 'destroy', containerId: c.status.id, pod: c.status.pod, containerName: c.status.name, isSandbox: false, time: this.clock.now() });
        }
      }
      this.sandboxes.delete(id);
      this.emit({ type: 'destroy', containerId: id, pod: s.status.pod, isSandbox: true, time: this.clock.now() });
    });
  }

  sandboxStatus(id: string): Promise<SandboxStatus> {
    return this.call('sandboxStatus', [id], () => {
      const s = this.sandboxes.get(id);
      if (s === undefined) throw new RuntimeError('ERR_NOT_FOUND', `no such sandbox ${id}`);
      return { ...s.status };
    });
  }

  listSandboxes(filter?: { podUid?: string }): Promise<SandboxStatus[]> {
    return this.call('listSandboxes', [filter], () =>
      [...this.sandboxes.values()]
        .filter((s) => filter?.podUid === undefined || s.status.pod.uid === filter.podUid)
        .map((s) => ({ ...s.status })));
  }

  // ---- ContainerService ------------------------------------------------------------------------

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    return this.call('createContainer', [sandboxId, config, sandbox], () => {
      const s = this.sandboxes.get(sandboxId);
      if (s === undefined) throw new RuntimeError('ERR_CREATE_CONTAINER', `sandbox ${sandboxId} not found`);
      if (s.status.state !== 'ready') throw new RuntimeError('ERR_CREATE_CONTAINER', `sandbox ${sandboxId} is not running`);
      const image = this.images.get(normalizeRef(config.image));
      if (image === undefined) throw new RuntimeError('ERR_CREATE_CONTAINER', `No such image: ${config.image}`);
      const id = this.newId('c');
      const status: ContainerStatus = {
        id,
        name: config.name,
        attempt: config.attempt,
        sandboxId,
        pod: { ...s.status.pod },
        state: 'created',
        createdAt: this.clock.now(),
        startedAt: 0,
        finishedAt: 0,
        exitCode: 0,
        reason: '',
        message: '',
        image: config.image,
        imageId: image.id,
        containerId: `docker://${id}`,
        labels: { ...config.labels },
        annotations: { ...config.annotations },
      };
      const program = { ...(this.programs.get(config.name) ?? {}) };
      this.containers.set(id, { status, config, program, timers: [], logs: [], stopGraceSeconds: [] });
      this.emit({ type: 'create', containerId: id, pod: status.pod, containerName: config.name, isSandbox: false, time: this.clock.now() });
      return id;
    });
  }

  startContainer(id: string): Promise<void> {
    return this.call('startContainer', [id], () => {
      const c = this.containers.get(id);
      if (c === undefined) throw new RuntimeError('ERR_RUN_CONTAINER', `No such container: ${id}`);
      if (c.status.state === 'running') return;
      c.status.state = 'running';
      c.status.startedAt = this.clock.now();
      c.status.finishedAt = 0;
      if (c.program.stdout !== undefined) c.logs.push({ stream: 'stdout', data: Buffer.from(c.program.stdout) });
      if (c.program.exitAfterMs !== undefined) {
        const code = c.program.exitCode ?? 0;
        c.timers.push(this.clock.setTimer(c.program.exitAfterMs, () => {
          if (c.status.state === 'running') this.finish(c, code, undefined, c.program.message ?? '');
        }));
      }
      this.emit({ type: 'start', containerId: id, pod: c.status.pod, containerName: c.status.name, isSandbox: false, time: this.clock.now() });
    });
  }

  stopContainer(id: string, graceSeconds: number): Promise<void> {
    return this.callAsync('stopContainer', [id, graceSeconds], async () => {
      const c = this.containers.get(id);
      if (c === undefined) throw new RuntimeError('ERR_NOT_FOUND', `No such container: ${id}`);
      c.stopGraceSeconds.push(graceSeconds);
      if (c.status.state !== 'running') return;
      const p = c.program;
      if (p.exitOnTermCode !== undefined && (p.termDelayMs ?? 0) < graceSeconds * 1000) {
        if ((p.termDelayMs ?? 0) > 0) await this.clock.sleep(p.termDelayMs ?? 0);
        if (isRunning(c)) this.finish(c, p.exitOnTermCode, undefined, '');
        return;
      }
      await this.clock.sleep(graceSeconds * 1000);
      if (isRunning(c)) this.finish(c, 137, undefined, '');
    });
  }

  removeContainer(id: string): Promise<void> {
    return this.call('removeContainer', [id], () => {
      const c = this.containers.get(id);
      if (c === undefined) return;
      for (const t of c.timers) t.cancel();
      this.containers.delete(id);
      this.emit({ type: 'destroy', containerId: id, pod: c.status.pod, containerName: c.status.name, isSandbox: false, time: this.clock.now() });
    });
  }

  containerStatus(id: string): Promise<ContainerStatus> {
    return this.call('containerStatus', [id], () => ({ ...this.mustContainer(id).status }));
  }

  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]> {
    return this.call('listContainers', [filter], () =>
      [...this.containers.values()]
        .map((c) => c.status)
        .filter((s) =>
          (filter?.podUid === undefined || s.pod.uid === filter.podUid) &&
          (filter?.sandboxId === undefined || s.sandboxId === filter.sandboxId) &&
          (filter?.name === undefined || s.name === filter.name) &&
          (filter?.state === undefined || s.state === filter.state))
        .map((s) => ({ ...s })));
  }

  // ---- ImageService ----------------------------------------------------------------------------

  imageStatus(ref: string): Promise<ImageStatus | undefined> {
    return this.call('imageStatus', [ref], () => {
      const img = this.images.get(normalizeRef(ref));
      return img === undefined ? undefined : { ...img };
    });
  }

  pullImage(ref: string, onProgress?: (p: PullProgress) => void, signal?: AbortSignal): Promise<ImageStatus> {
    return this.callAsync('pullImage', [ref], async () => {
      const n = normalizeRef(ref);
      if (!this.registry.has(n)) {
        throw new RuntimeError('ERR_IMAGE_PULL', `Error response from daemon: pull access denied for ${ref}, repository does not exist or may require 'docker login'`);
      }
      onProgress?.({ status: `Pulling from ${n}` });
      if (this.pullDelayMs > 0) await this.clock.sleep(this.pullDelayMs, signal);
      onProgress?.({ status: 'Downloading 1MB/1MB', current: 1_000_000, total: 1_000_000 });
      onProgress?.({ status: `Status: Downloaded newer image for ${n}` });
      const existing = this.images.get(n);
      return { ...(existing ?? this.addImage(n)) };
    });
  }

  removeImage(ref: string): Promise<void> {
    return this.call('removeImage', [ref], () => {
      this.images.delete(normalizeRef(ref));
    });
  }

  listImages(): Promise<ImageStatus[]> {
    return this.call('listImages', [], () => [...this.images.values()].map((i) => ({ ...i })));
  }

  // ---- ExecService -----------------------------------------------------------------------------

  execSync(containerId: string, cmd: string[], timeoutMs: number): Promise<ExecSyncResult> {
    return this.callAsync('execSync', [containerId, cmd, timeoutMs], async () => {
      const c = this.mustContainer(containerId);
      if (c.status.state !== 'running') throw new RuntimeError('ERR_RUNTIME', `container ${containerId} is not running`);
      return await this.execHandler(containerId, cmd, timeoutMs);
    });
  }

  exec(containerId: string, cmd: string[], opts: { tty: boolean; streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> {
    return this.callAsync('exec', [containerId, cmd, opts.tty], async () => {
      const r = await this.execHandler(containerId, cmd, 0);
      opts.streams.stdout?.write(r.stdout);
      opts.streams.stderr?.write(r.stderr);
      return { done: Promise.resolve(r.exitCode), resize: () => Promise.resolve() };
    });
  }

  attach(containerId: string, _opts: { streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> {
    return this.call('attach', [containerId], () => {
      this.mustContainer(containerId);
      return { done: Promise.resolve(0), resize: () => Promise.resolve() };
    });
  }

  // ---- PortForwardService ----------------------------------------------------------------------

  portForward(sandboxId: string, port: number, opts: PortForwardOptions = {}): Promise<Duplex> {
    return this.callAsync('portForward', [sandboxId, port], async () => {
      const s = this.sandboxes.get(sandboxId);
      if (s === undefined) throw new RuntimeError('ERR_NOT_FOUND', `no such sandbox ${sandboxId}`);
      if (s.status.state !== 'ready') throw new RuntimeError('ERR_PORT_FORWARD', `port-forward to sandbox ${sandboxId}: the sandbox is not running`);
      const { signal } = opts;
      const cancelled = (): RuntimeError => new RuntimeError('ERR_PORT_FORWARD', `port-forward to sandbox ${sandboxId} port ${port} was cancelled`);
      // A call, so TypeScript does not narrow `aborted` across the await.
      const aborted = (): boolean => signal?.aborted === true;
      if (aborted()) throw cancelled();
      const conn = await this.portForwardHandler(sandboxId, port);
      if (signal !== undefined) {
        if (aborted()) {
          conn.destroy();
          throw cancelled();
        }
        const drop = (): void => { conn.destroy(); };
        signal.addEventListener('abort', drop, { once: true });
        conn.once('close', () => { signal.removeEventListener('abort', drop); });
      }
      return conn;
    });
  }

  // ---- LogService / EventService / StatsService ------------------------------------------------

  logs(containerId: string, opts: LogOptions): AsyncIterable<LogChunk> {
    this.record('logs', [containerId, opts]);
    const c = this.containers.get(containerId);
    const chunks = c === undefined ? [] : [...c.logs];
    const tail = opts.tailLines;
    const selected = tail === undefined ? chunks : chunks.slice(Math.max(0, chunks.length - tail));
    return (async function* gen() {
      if (c === undefined) throw new RuntimeError('ERR_NOT_FOUND', `No such container: ${containerId}`);
      await Promise.resolve();
      yield* selected;
    })();
  }

  events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const waiter: EventWaiter = { queue: [], wake: undefined };
    this.subscribers.add(waiter);
    const subscribers = this.subscribers;
    return (async function* gen() {
      const onAbort = (): void => { waiter.wake?.(); };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (!signal.aborted) {
          const next = waiter.queue.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => { waiter.wake = resolve; });
          waiter.wake = undefined;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        subscribers.delete(waiter);
      }
    })();
  }

  stats(containerId: string): Promise<ContainerStats> {
    return this.call('stats', [containerId], () => {
      this.mustContainer(containerId);
      return { cpuUsageNanos: 0, memoryUsageBytes: 1024 * 1024, timestamp: this.clock.now() };
    });
  }

  version(): Promise<RuntimeVersion> {
    return Promise.resolve({ runtimeName: 'fake', runtimeVersion: '0.0.0', apiVersion: '1' });
  }

  info(): Promise<{ cpus: number; memoryBytes: number; operatingSystem: string; kernelVersion: string; os: string; architecture: string }> {
    return Promise.resolve({ cpus: 2, memoryBytes: 4 * 1024 ** 3, operatingSystem: 'FakeOS', kernelVersion: '6.0.0', os: 'linux', architecture: 'amd64' });
  }

  // ---- internals -------------------------------------------------------------------------------

  private finish(c: FakeContainer, exitCode: number, reason: string | undefined, message: string): void {
    for (const t of c.timers) t.cancel();
    c.timers = [];
    c.status.state = 'exited';
    c.status.exitCode = exitCode;
    c.status.finishedAt = this.clock.now();
    c.status.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    c.status.message = message;
    this.emit({ type: 'die', containerId: c.status.id, pod: c.status.pod, containerName: c.status.name, isSandbox: false, time: this.clock.now(), exitCode });
  }

  private mustContainer(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (c === undefined) throw new RuntimeError('ERR_NOT_FOUND', `No such container: ${id}`);
    return c;
  }

  private newId(prefix: string): string {
    return `${prefix}${(++this.seq).toString(16).padStart(12, '0')}`;
  }

  private record(method: FakeMethod, args: unknown[]): void {
    this.calls.push({ method, args, time: this.clock.now() });
  }

  private takeInjected(method: FakeMethod, args: unknown[]): Error | undefined {
    const idx = this.injected.findIndex((i) => i.method === method && i.remaining > 0 && (i.when === undefined || i.when(args)));
    if (idx < 0) return undefined;
    const inj = this.injected[idx];
    if (inj === undefined) return undefined;
    inj.remaining--;
    if (inj.remaining <= 0) this.injected.splice(idx, 1);
    return inj.error;
  }

  private call<T>(method: FakeMethod, args: unknown[], fn: () => T): Promise<T> {
    this.record(method, args);
    const err = this.takeInjected(method, args);
    if (err !== undefined) return Promise.reject(err);
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private async callAsync<T>(method: FakeMethod, args: unknown[], fn: () => Promise<T>): Promise<T> {
    this.record(method, args);
    const err = this.takeInjected(method, args);
    if (err !== undefined) throw err;
    return fn();
  }
}
