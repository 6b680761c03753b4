// The prober manager: owns one ProbeWorker per (pod, container, probe kind) for regular containers
// and sidecars (restartable init containers), caches their results and tells the agent when a
// result changes. It never touches containers and never calls the API: the pod worker reads
// results (isStarted / isReady / killReason) when it syncs, and kills containers itself.
//
// Usage by the agent:
//   const prober = new ProberManager({ clock, exec: runtime, transport: new DirectTransport(),
//                                      events, log, onChange: (c) => podWorkers.resync(c.podUid) });
//   prober.seedReadiness(uid, 'web', id, true);       // after an agent restart, before syncPod
//   prober.syncPod(pod, [{ name: 'web', containerId: id, running: true, startedAt }], podIP);
//   prober.isReady(uid, 'web'); prober.killReason(uid, 'web', id);   // during sync
//   prober.setTerminating(uid);                        // on graceful deletion
//   prober.removePod(uid);                             // when the pod is gone
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { ExecService } from '../../runtime/types.ts';
import type { ContainerEventSink } from './events.ts';
import { ProbeTicker } from './probe-ticker.ts';
import { ProbeWorker, type ProbeResult, type WorkerHost } from './probe-worker.ts';
import { probeEvent, probeSpecOf, type ProbeAttempt, type ProbeKind, type ProbeRunnerDeps } from './run-probe.ts';
import type { ProbeTransport } from './transport.ts';

export type { ProbeResult } from './probe-worker.ts';
export type { ProbeKind } from './run-probe.ts';

/** What the agent observed of one container of the pod (from the runtime). */
export interface ObservedContainer {
  /** Container name in the pod spec. */
  name: string;
  /** Runtime container ID (as ExecService takes it); '' when not created yet. */
  containerId: string;
  running: boolean;
  /** state.running.startedAt in ms since the epoch (0 when not running). */
  startedAt: number;
}

export interface ProbeResultChange {
  podUid: string;
  containerName: string;
  containerId: string;
  kind: ProbeKind;
  result: ProbeResult;
  previous: ProbeResult | undefined;
  /** True when the change was committed by probing (thresholds reached), not by a reset or seed. */
  byProbe: boolean;
}

/** Why a running container must be killed, for the Killing event and the grace period. */
export interface ProbeKill {
  kind: 'liveness' | 'startup';
  /** e.g. "Container web failed liveness probe, will be restarted" (the Killing event message). */
  message: string;
  /** The probe's terminationGracePeriodSeconds, which overrides the pod's for this kill. */
  gracePeriodSeconds?: number;
}

export interface ProberManagerOptions {
  clock: Clock;
  exec: Pick<ExecService, 'execSync'>;
  transport: ProbeTransport;
  events: ContainerEventSink;
  log?: Logger;
  /**
   * Called whenever a cached result changes — from probe timers, and synchronously from syncPod,
   * seed and setTerminating (e.g. the initial values for a new container). It should only schedule
   * a re-sync of the pod, never sync inline.
   */
  onChange?: (change: ProbeResultChange) => void;
  /** major.minor for kube-probe/<v> User-Agent headers. */
  kubeVersion?: string;
  /**
   * Probe due times are rounded up to this tick so probes due together share one timer (see
   * probe-ticker.ts). Default 100 ms; 1 keeps every probe on its own millisecond.
   */
  probeTickMs?: number;
}

interface PodEntry {
  pod: Pod;
  podIP: string | undefined;
  terminating: boolean;
  /** key: `${containerName}/${kind}` */
  workers: Map<string, ProbeWorker>;
  running: Map<string, ObservedContainer>;
}

const KINDS: ProbeKind[] = ['startup', 'liveness', 'readiness'];

function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** Containers that get probe workers: sidecars (restartable init containers) and regular ones. */
function probedContainers(pod: Pod): { container: Container; sidecar: boolean }[] {
  const spec = pod.spec;
  if (spec === undefined) return [];
  return [
    ...(spec.initContainers ?? []).filter(isSidecar).map((container) => ({ container, sidecar: true })),
    ...spec.containers.map((container) => ({ container, sidecar: false })),
  ];
}

export class ProberManager {
  private readonly pods = new Map<string, PodEntry>();
  /** Results to use instead of the initial value when a worker first sees the container ID. */
  private readonly seeds = new Map<string, { containerId: string; result: ProbeResult }>();
  private readonly host: WorkerHost;
  private readonly events: ContainerEventSink;
  private readonly onChange: ((change: ProbeResultChange) => void) | undefined;
  private readonly log: Logger;

  constructor(opts: ProberManagerOptions) {
    this.events = opts.events;
    this.onChange = opts.onChange;
    this.log = opts.log ?? silentLogger;
    const deps: ProbeRunnerDeps = {
      exec: opts.exec,
      transport: opts.transport,
      ...(opts.kubeVersion === undefined ? {} : { kubeVersion: opts.kubeVersion }),
    };
    this.host = {
      clock: opts.clock,
      ticker: new ProbeTicker(opts.clock, opts.probeTickMs),
      deps,
      log: this.log,
      started: () => true, // replaced per worker below
      changed: (w, previous, byProbe) => { this.workerChanged(w, previous, byProbe); },
      attempted: (w, attempt) => { this.workerAttempted(w, attempt); },
    };
  }

  /**
   * Brings the pod's workers in line with its spec and observed containers. Call on every pod sync
   * (cheap, idempotent). A new container ID restarts that container's workers with fresh state; a
   * pod with metadata.deletionTimestamp is treated as terminating (see setTerminating).
   */
  syncPod(pod: Pod, containers: ObservedContainer[], podIP: string | undefined): void {
    const uid = pod.metadata?.uid;
    if (uid === undefined || uid === '') return;
    let entry = this.pods.get(uid);
    if (entry === undefined) {
      entry = { pod, podIP, terminating: false, workers: new Map(), running: new Map() };
      this.pods.set(uid, entry);
    }
    entry.pod = pod;
    entry.podIP = podIP;
    entry.running = new Map(containers.map((c) => [c.name, c]));

    const wanted = new Set<string>();
    for (const { container } of probedContainers(pod)) {
      for (const kind of KINDS) {
        const probe = probeSpecOf(container, kind);
        if (probe === undefined) continue;
        const key = `${container.name}/${kind}`;
        wanted.add(key);
        let worker = entry.workers.get(key);
        if (worker === undefined) {
          worker = new ProbeWorker(this.hostFor(uid, container.name), kind, pod, container, probe, podIP);
          entry.workers.set(key, worker);
        }
        worker.pod = pod;
        worker.container = container;
        worker.podIP = podIP;
      }
    }
    for (const [key, worker] of entry.workers) {
      if (!wanted.has(key)) {
        worker.stop();
        entry.workers.delete(key);
      }
    }
    // Startup workers first, so liveness/readiness see the started state of the new container.
    const ordered = [...entry.workers.values()].sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
    for (const worker of ordered) {
      const observed = entry.running.get(worker.containerName);
      const state = observed ?? { name: worker.containerName, containerId: '', running: false, startedAt: 0 };
      const seedKey = `${uid}/${worker.containerName}/${worker.kind}`;
      const seed = this.seeds.get(seedKey);
      const useSeed = seed !== undefined && seed.containerId === state.containerId && worker.containerId !== state.containerId;
      if (useSeed) this.seeds.delete(seedKey);
      worker.observe(state, useSeed ? seed.result : undefined);
    }
    if (pod.metadata?.deletionTimestamp !== undefined) this.setTerminating(uid);
  }

  /**
   * Graceful deletion has begun: liveness and startup report success and stop for good (no kills
   * while terminating); readiness keeps probing so Ready can turn false.
   */
  setTerminating(uid: string): void {
    const entry = this.pods.get(uid);
    if (entry === undefined || entry.terminating) return;
    entry.terminating = true;
    for (const worker of entry.workers.values()) worker.terminate();
  }

  /** Stops every worker of the pod and forgets its results. No change is reported. */
  removePod(uid: string): void {
    const entry = this.pods.get(uid);
    if (entry !== undefined) {
      for (const worker of entry.workers.values()) worker.stop();
      this.pods.delete(uid);
    }
    for (const key of [...this.seeds.keys()]) if (key.startsWith(`${uid}/`)) this.seeds.delete(key);
  }

  /** Stops all workers (agent shutdown). */
  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  /**
   * The cached result for a probe of the container, with the container ID it is for; undefined
   * when the container has no such probe or no container was observed yet.
   */
  result(uid: string, containerName: string, kind: ProbeKind): { containerId: string; result: ProbeResult } | undefined {
    const worker = this.pods.get(uid)?.workers.get(`${containerName}/${kind}`);
    if (worker?.result === undefined) return undefined;
    return { containerId: worker.containerId, result: worker.result };
  }

  /**
   * containerStatuses[].started: running and (no startup probe, or it succeeded) — the kubelet sets
   * it for every container status.
   */
  isStarted(uid: string, containerName: string): boolean {
    const entry = this.pods.get(uid);
    const observed = entry?.running.get(containerName);
    if (entry === undefined || observed === undefined || !observed.running) return false;
    return this.startedById(uid, containerName, observed.containerId);
  }

  /**
   * containerStatuses[].ready for regular containers and sidecars: started, running and (no
   * readiness probe, or its result is success). Init containers that run to completion are the
   * caller's (ready iff terminated with exit code 0).
   */
  isReady(uid: string, containerName: string): boolean {
    if (!this.isStarted(uid, containerName)) return false;
    const entry = this.pods.get(uid);
    const observed = entry?.running.get(containerName);
    const worker = entry?.workers.get(`${containerName}/readiness`);
    if (worker === undefined) return true;
    return worker.containerId === observed?.containerId && worker.result === 'success';
  }

  /**
   * Whether the running container `containerId` must be killed because its liveness (first) or
   * startup probe failed, with the kubelet's Killing message. Undefined otherwise.
   */
  killReason(uid: string, containerName: string, containerId: string): ProbeKill | undefined {
    const entry = this.pods.get(uid);
    if (entry === undefined) return undefined;
    for (const kind of ['liveness', 'startup'] as const) {
      const worker = entry.workers.get(`${containerName}/${kind}`);
      if (worker?.containerId !== containerId || worker.result !== 'failure') continue;
      const observed = entry.running.get(containerName);
      if (observed?.containerId !== containerId || !observed.running) continue;
      const sidecar = (entry.pod.spec?.initContainers ?? []).some((c) => c.name === containerName && isSidecar(c));
      const restart = sidecar || entry.pod.spec?.restartPolicy !== 'Never';
      const base = sidecar ? `Init container ${containerName} failed ${kind} probe` : `Container ${containerName} failed ${kind} probe`;
      const grace = worker.probe.terminationGracePeriodSeconds;
      return {
        kind,
        message: restart && !sidecar ? `${base}, will be restarted` : base,
        ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
      };
    }
    return undefined;
  }

  /**
   * Restores a result for a container, e.g. readiness after an agent restart so a ready pod does
   * not flap to not-ready. Applied at once if the worker is on that container, otherwise when the
   * worker first sees it (call before the first syncPod of the pod).
   */
  seed(uid: string, containerName: string, containerId: string, kind: ProbeKind, result: ProbeResult): void {
    const worker = this.pods.get(uid)?.workers.get(`${containerName}/${kind}`);
    if (worker !== undefined && worker.containerId === containerId) {
      worker.seed(result);
      return;
    }
    this.seeds.set(`${uid}/${containerName}/${kind}`, { containerId, result });
  }

  seedReadiness(uid: string, containerName: string, containerId: string, ready: boolean): void {
    this.seed(uid, containerName, containerId, 'readiness', ready ? 'success' : 'failure');
  }

  private hostFor(uid: string, containerName: string): WorkerHost {
    return { ...this.host, started: (containerId) => this.startedById(uid, containerName, containerId) };
  }

  private startedById(uid: string, containerName: string, containerId: string): boolean {
    const startup = this.pods.get(uid)?.workers.get(`${containerName}/startup`);
    if (startup === undefined) return true;
    return startup.containerId === containerId && startup.result === 'success';
  }

  private uidOf(worker: ProbeWorker): string {
    return worker.pod.metadata?.uid ?? '';
  }

  private workerChanged(worker: ProbeWorker, previous: ProbeResult | undefined, byProbe: boolean): void {
    const uid = this.uidOf(worker);
    const result = worker.result;
    if (result === undefined) return;
    this.log.debug({ pod: uid, container: worker.containerName, kind: worker.kind, result, previous }, 'probe result changed');
    // The kubelet runs readiness as soon as the container is reported started.
    if (worker.kind === 'startup' && result === 'success') {
      this.pods.get(uid)?.workers.get(`${worker.containerName}/readiness`)?.trigger();
    }
    if (this.onChange === undefined) return;
    try {
      this.onChange({ podUid: uid, containerName: worker.containerName, containerId: worker.containerId, kind: worker.kind, result, previous, byProbe });
    } catch (err) {
      this.log.error({ err, pod: uid }, 'probe onChange callback failed');
    }
  }

  private workerAttempted(worker: ProbeWorker, attempt: ProbeAttempt): void {
    const ev = probeEvent(worker.kind, attempt);
    if (ev === undefined) return;
    this.log.debug({ pod: this.uidOf(worker), container: worker.containerName, kind: worker.kind, message: ev.message }, 'probe event');
    try {
      this.events.emit({ pod: worker.pod, containerName: worker.containerName, type: 'Warning', reason: ev.reason, message: ev.message });
    } catch (err) {
      this.log.error({ err }, 'probe event sink failed');
    }
  }
}
