// Wiring only: sources → pod workers (one loop routes, per-pod workers act), the runtime's events
// (PLEG) and probe changes → re-syncs, status → status manager → sink, and recovery on start
// (adopt running containers, restore back-off/readiness/statuses, remove orphans).
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import type { Clock, Timer } from '../lib/clock.ts';
import { SystemClock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { createLogger } from '../lib/log.ts';
import type { Runtime } from '../runtime/types.ts';
import { admitPod } from './admission.ts';
import type { ApiSide } from './api/api-side.ts';
import { teeHandler } from './api/api-side.ts';
import { KUBELET_VERSION } from './api/node-registrar.ts';
import type { BackoffOptions } from './backoff.ts';
import { Backoff, DEFAULT_IMAGE_BACKOFF } from './backoff.ts';
import type { EventSink } from './events.ts';
import { EventRecorder } from './events.ts';
import type { ObjectLookup } from './env/object-lookup.ts';
import { LifecycleHooks } from './hooks/lifecycle-hooks.ts';
import { ImageManager } from './images.ts';
import { AgentMetrics } from './metrics.ts';
import { PodLifecycleEvents } from './pleg.ts';
import type { PodEnvironment } from './pod-environment.ts';
import { DefaultPodEnvironment } from './pod-environment.ts';
import { PodSyncer } from './pod-sync.ts';
import { containersOf, initContainersOf, isRestartableInit, podRefOf } from './pod-util.ts';
import { PodWorkers } from './pod-worker.ts';
import { DirectTransport } from './prober/direct-transport.ts';
import { ProberManager } from './prober/prober-manager.ts';
import type { ProbeTransport } from './prober/transport.ts';
import type { PodSource, PodSourceHandler, SourceProblem } from './sources/pod-source.ts';
import { ManifestDirSource } from './sources/manifest-dir.ts';
import type { AgentState } from './state-store.ts';
import { StateStore } from './state-store.ts';
import type { StatusSink } from './status/status-manager.ts';
import { StatusManager } from './status/status-manager.ts';

export interface AgentOptions {
  nodeName: string;
  rootDir: string;
  runtime: Runtime;
  /** Static pod folder (--pod-manifest-path). */
  manifestDir?: string;
  /** Extra sources (e.g. the API server later). */
  sources?: PodSource[];
  clock?: Clock;
  log?: Logger;
  /** Node addresses (hostIP); default: the first non-internal IPv4 address. */
  nodeIPs?: string[];
  /** Crash-loop back-off (KEP-4603: initial/max configurable). */
  backoff?: BackoffOptions;
  imageBackoff?: BackoffOptions;
  maxPods?: number;
  allowedUnsafeSysctls?: string[];
  /** Safety-net relist period (default 45 s). */
  relistMs?: number;
  /** Periodic re-sync of each pod (default 60 s). */
  resyncIntervalMs?: number;
  /** Retry after a failed sync step (default 10 s). */
  syncErrorRetryMs?: number;
  manifestRescanMs?: number;
  /** How often the state file is written (default 5 s; also on stop). */
  stateSaveMs?: number;
  transport?: ProbeTransport;
  statusSink?: StatusSink;
  eventSink?: EventSink;
  /** How long stop() waits for busy pod workers (default 10 s). */
  stopTimeoutMs?: number;
  /** Replaces the default volumes/env/config wiring (tests). */
  env?: PodEnvironment;
  lookup?: ObjectLookup;
  clusterDomain?: string;
  clusterDNS?: string[];
  infraImage?: string;
  /**
   * API mode: pods bound to this node come from the API server and go through the same loop as
   * static pods; status, events and ConfigMap/Secret lookups go to it, service link variables
   * come from its Services cache; static pods get mirror pods. The agent starts and stops this
   * side. Explicit statusSink/eventSink/lookup win.
   */
  api?: ApiSide;
  /** major.minor in probe and hook User-Agents (kube-probe/1.32); default the kubelet version we claim. */
  kubeVersion?: string;
}

/** 'v1.32.4' → '1.32'. */
export function kubeMinorVersion(v: string = KUBELET_VERSION): string {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  return m === null ? v : `${m[1] ?? ''}.${m[2] ?? ''}`;
}

export function detectNodeIPs(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) out.push(a.address);
    }
  }
  return out.length > 0 ? [out[0] ?? '127.0.0.1'] : ['127.0.0.1'];
}

export class Agent {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics = new AgentMetrics();
  readonly events: EventRecorder;
  readonly status: StatusManager;
  readonly backoff: Backoff;
  readonly prober: ProberManager;
  readonly nodeIPs: string[];
  readonly sources: PodSource[] = [];
  readonly kubeVersion: string;
  /** Resolves once every source (the API's first list included) has delivered its initial pods. */
  readonly sourcesReady: Promise<void>;
  private markSourcesReady!: () => void;
  private readonly stopSignal = new AbortController();
  private readonly store: StateStore;
  private workersRef: PodWorkers | undefined;
  private syncerRef: PodSyncer | undefined;
  private pleg: PodLifecycleEvents | undefined;
  private saveTimer: Timer | undefined;
  private started = false;
  private initialDone = false;

  constructor(private readonly o: AgentOptions) {
    this.clock = o.clock ?? new SystemClock();
    this.log = o.log ?? createLogger('agent');
    this.nodeIPs = o.nodeIPs ?? detectNodeIPs();
    const eventSink = o.eventSink ?? o.api?.eventSink;
    this.events = new EventRecorder({ clock: this.clock, nodeName: o.nodeName, log: this.log, ...(eventSink === undefined ? {} : { sink: eventSink }) });
    this.status = new StatusManager(o.statusSink ?? o.api?.statusSink, { log: this.log });
    this.kubeVersion = o.kubeVersion ?? kubeMinorVersion();
    this.backoff = new Backoff(this.clock, o.backoff ?? {});
    this.store = new StateStore(o.rootDir);
    this.prober = new ProberManager({
      clock: this.clock, exec: o.runtime, transport: o.transport ?? new DirectTransport(), events: this.events, log: this.log.child({ component: 'prober' }),
      kubeVersion: this.kubeVersion,
      onChange: (c) => {
        // Readiness must survive a kill -9 of the agent (a ready pod never flaps after a restart),
        // so a committed readiness change is written at once, not at the next periodic save.
        if (c.kind === 'readiness' && c.byProbe) this.saveSoon();
        this.workersRef?.sync(c.podUid);
      },
    });
    if (o.manifestDir !== undefined) {
      this.sources.push(new ManifestDirSource({ dir: o.manifestDir, nodeName: o.nodeName, clock: this.clock, log: this.log.child({ component: 'manifests' }), ...(o.manifestRescanMs === undefined ? {} : { rescanMs: o.manifestRescanMs }) }));
    }
    this.sources.push(...(o.sources ?? []));
    this.sourcesReady = new Promise<void>((resolve) => { this.markSourcesReady = resolve; });
    this.metrics.countSource = () => {
      let pods = 0;
      let containers = 0;
      for (const { status } of this.status.all()) {
        const running = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])].filter((c) => c.state?.running !== undefined).length;
        if (running > 0) pods++;
        containers += running;
      }
      return { pods, containers };
    };
  }

  get workers(): PodWorkers {
    if (this.workersRef === undefined) throw new Error('agent not started');
    return this.workersRef;
  }

  get syncer(): PodSyncer {
    if (this.syncerRef === undefined) throw new Error('agent not started');
    return this.syncerRef;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { runtime } = this.o;
    const clock = this.clock;
    await mkdir(this.o.rootDir, { recursive: true });
    const info = await runtime.info();
    // Registration, lease and status loops first: the Node and its Ready status need none of the
    // steps below, which wait on the engine (state, running containers, the first relist).
    const api = this.o.api;
    api?.start();
    const maxPods = this.o.maxPods ?? 110;
    const lookup = this.o.lookup ?? this.o.api?.lookup;
    const env = this.o.env ?? new DefaultPodEnvironment({
      rootDir: this.o.rootDir, logs: runtime, nodeIPs: this.nodeIPs,
      allocatable: { cpu: String(info.cpus), memory: String(info.memoryBytes), pods: String(maxPods) },
      memoryCapacityBytes: info.memoryBytes,
      ...(lookup === undefined ? {} : { lookup }),
      ...(api === undefined ? {} : { services: api.services }),
      ...(this.o.clusterDomain === undefined ? {} : { clusterDomain: this.o.clusterDomain }),
      ...(this.o.clusterDNS === undefined ? {} : { clusterDNS: this.o.clusterDNS }),
      ...(this.o.infraImage === undefined ? {} : { infraImage: this.o.infraImage }),
    });
    const hooks = new LifecycleHooks({ clock, kubeVersion: this.kubeVersion, exec: runtime, transport: this.o.transport ?? new DirectTransport(), events: this.events, log: this.log.child({ component: 'hooks' }) });
    const images = new ImageManager({ images: runtime, clock, backoff: new Backoff(clock, this.o.imageBackoff ?? DEFAULT_IMAGE_BACKOFF), events: this.events, log: this.log });
    const syncer = new PodSyncer({
      runtime, clock, env, images, events: this.events, backoff: this.backoff, prober: this.prober, hooks, status: this.status,
      nodeIPs: this.nodeIPs, log: this.log,
      ...(this.o.syncErrorRetryMs === undefined ? {} : { syncErrorRetryMs: this.o.syncErrorRetryMs }),
      ...(this.o.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: this.o.resyncIntervalMs }),
    });
    this.syncerRef = syncer;
    const workers = new PodWorkers({
      syncer, status: this.status, clock, log: this.log, metrics: this.metrics,
      admit: (pod, active) => admitPod(pod, active, { nodeOS: info.os, maxPods, ...(this.o.allowedUnsafeSysctls === undefined ? {} : { allowedUnsafeSysctls: this.o.allowedUnsafeSysctls }) }),
      ...(this.o.syncErrorRetryMs === undefined ? {} : { errorRetryMs: this.o.syncErrorRetryMs }),
      onRemoved: (pod) => { this.events.forgetPod(podRefOf(pod).uid); },
    });
    this.workersRef = workers;

    // 1. restore what the runtime's labels cannot hold
    const state = await this.store.load();
    this.backoff.restore(state.backoff);
    for (const [uid, st] of Object.entries(state.statuses)) this.status.prime(uid, st);
    await this.seedReadiness(state);

    // 2. runtime events drive re-syncs (and orphan clean-up once the sources have spoken)
    this.pleg = new PodLifecycleEvents({
      runtime, clock, log: this.log, metrics: this.metrics,
      ...(this.o.relistMs === undefined ? {} : { relistMs: this.o.relistMs }),
      onPodEvent: (uid) => {
        if (workers.has(uid)) workers.sync(uid);
        else if (this.initialDone) this.removeOrphan(uid);
      },
    });
    this.pleg.start();

    // 3. sources: the initial set adopts running containers (same IDs, no restart)
    const handler: PodSourceHandler = {
      add: (pod) => { workers.upsert(pod); },
      update: (pod) => { workers.upsert(pod); },
      remove: (uid) => { workers.remove(uid); },
    };
    for (const src of this.sources) {
      // static pods also feed the mirror pods
      await src.start(api !== undefined && src instanceof ManifestDirSource ? teeHandler(handler, api.mirrorPods) : handler);
    }
    this.scheduleSave();
    if (api === undefined) {
      await this.sourcesDelivered(env);
      return;
    }
    // API pods after the node is registered (like the kubelet). Static pods run meanwhile; no
    // container is treated as an orphan until the API's first list arrived (sources ready).
    this.log.info({ node: this.o.nodeName }, 'static pods started; waiting for the API server');
    void this.startApiSource(api, handler, env);
  }

  private async startApiSource(api: ApiSide, handler: PodSourceHandler, env: PodEnvironment): Promise<void> {
    const stopped = new Promise<'stopped'>((resolve) => {
      if (this.stopSignal.signal.aborted) resolve('stopped');
      this.stopSignal.signal.addEventListener('abort', () => { resolve('stopped'); }, { once: true });
    });
    try {
      if (await Promise.race([api.nodeReady.then(() => 'ready' as const), stopped]) === 'stopped') return;
      await api.podSource.start(handler);
      if (this.stopSignal.signal.aborted) return;
      api.mirrorPods.start();
      await this.sourcesDelivered(env);
    } catch (err) {
      this.log.error({ err: String(err) }, 'starting the API pod source failed');
    }
  }

  /** Every source has delivered its initial pods: containers of other pods are orphans. */
  private async sourcesDelivered(env: PodEnvironment): Promise<void> {
    const runtime = this.o.runtime;
    const workers = this.workers;
    this.initialDone = true;
    const keep = new Set(workers.pods().map((p) => podRefOf(p).uid));
    const [containers, sandboxes] = await Promise.all([runtime.listContainers(), runtime.listSandboxes()]);
    const orphans = new Set([...containers.map((c) => c.pod.uid), ...sandboxes.map((s) => s.pod.uid)].filter((u) => u !== '' && !keep.has(u)));
    for (const uid of orphans) this.removeOrphan(uid);
    await env.cleanupOrphans(keep).catch((err: unknown) => { this.log.warn({ err: String(err) }, 'removing orphaned pod directories failed'); });
    await this.pleg?.relist().catch(() => []);
    this.log.info({ node: this.o.nodeName, pods: keep.size, orphans: orphans.size }, 'agent started');
    this.markSourcesReady();
  }

  /** Stops the loops and saves state; containers keep running (a restart adopts them). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    this.stopSignal.abort();
    this.saveTimer?.cancel();
    this.promptSave?.cancel();
    this.promptSave = undefined;
    await this.periodicSave;
    this.stopStage = 'sources';
    for (const s of this.sources) await s.stop();
    await this.o.api?.podSource.stop();
    this.stopStage = 'pleg';
    await this.pleg?.stop();
    this.stopStage = 'workers';
    this.workersRef?.stop();
    // a step may be waiting on the engine (a pull, a stop with a long grace): do not wait forever
    const idle = this.workersRef?.whenIdle() ?? Promise.resolve();
    const ac = new AbortController();
    await Promise.race([idle, this.clock.sleep(this.o.stopTimeoutMs ?? 10_000, ac.signal).catch(() => undefined)]);
    ac.abort();
    const busy = this.workersRef?.busy() ?? [];
    if (busy.length > 0) this.log.warn({ busy }, 'stopping with pod workers still busy');
    this.stopStage = 'state';
    await this.saveState();
    this.prober.stop();
    await this.status.flush();
    if (this.o.api !== undefined) {
      this.stopStage = 'api';
      await this.o.api.stop();
    }
    this.stopStage = 'stopped';
    this.started = false;
    this.stopping = false;
  }

  private stopping = false;
  private periodicSave: Promise<void> | undefined;

  /** Where stop() is (diagnostics). */
  stopStage = '';

  /** Pods with their current status (the kubelet's /pods). */
  podList(): Pod[] {
    const workers = this.workersRef;
    if (workers === undefined) return [];
    return workers.pods().map((pod) => {
      const status: PodStatus | undefined = this.status.get(podRefOf(pod).uid);
      return status === undefined ? pod : { ...pod, status };
    });
  }

  problems(): SourceProblem[] {
    return this.sources.flatMap((s) => s.problems());
  }

  /** Writes the state file now. */
  async saveState(): Promise<void> {
    const readiness: AgentState['readiness'] = {};
    const statuses: AgentState['statuses'] = {};
    for (const pod of this.workersRef?.pods() ?? []) {
      const uid = podRefOf(pod).uid;
      const st = this.status.get(uid);
      if (st !== undefined) statuses[uid] = st;
      for (const c of [...initContainersOf(pod).filter(isRestartableInit), ...containersOf(pod)]) {
        if (c.readinessProbe === undefined) continue;
        const r = this.prober.result(uid, c.name, 'readiness');
        if (r === undefined || r.containerId === '' || r.result === 'unknown') continue;
        (readiness[uid] ??= {})[c.name] = { containerId: r.containerId, ready: r.result === 'success' };
      }
    }
    this.backoff.gc();
    await this.store.save({ version: 1, backoff: this.backoff.snapshot(), readiness, statuses });
  }

  private promptSave: Timer | undefined;

  /** Coalesces bursts of readiness changes into one write on the next tick. */
  private saveSoon(): void {
    if (this.stopping || this.promptSave !== undefined) return;
    this.promptSave = this.clock.setTimer(0, () => {
      this.promptSave = undefined;
      this.saveState().catch((err: unknown) => { this.log.warn({ err: String(err) }, 'saving agent state failed'); });
    });
  }

  private scheduleSave(): void {
    if (this.stopping) return;
    this.saveTimer = this.clock.setTimer(this.o.stateSaveMs ?? 5000, () => {
      this.periodicSave = this.saveState().catch((err: unknown) => { this.log.warn({ err: String(err) }, 'saving agent state failed'); })
        .finally(() => { this.periodicSave = undefined; this.scheduleSave(); });
    });
  }

  private async seedReadiness(state: AgentState): Promise<void> {
    const running = new Set((await this.o.runtime.listContainers({ state: 'running' })).map((c) => c.id));
    for (const [uid, byName] of Object.entries(state.readiness)) {
      for (const [name, r] of Object.entries(byName)) {
        if (running.has(r.containerId)) this.prober.seedReadiness(uid, name, r.containerId, r.ready);
      }
    }
  }

  private readonly orphanCleanups = new Set<string>();

  private removeOrphan(uid: string): void {
    if (this.orphanCleanups.has(uid) || this.workersRef?.has(uid) === true) return;
    this.orphanCleanups.add(uid);
    this.syncer.cleanupOrphan(uid)
      .catch((err: unknown) => { this.log.warn({ pod: uid, err: String(err) }, 'removing an orphaned pod failed'); })
      .finally(() => { this.orphanCleanups.delete(uid); });
  }
}
