// Pod workers (pkg/kubelet/pod_workers.go): one worker per pod uid, one sync at a time. Updates
// from sources, runtime events (PLEG) and probe changes only *mark* a worker dirty; its loop runs
// the next step when the current one finishes: syncing → terminating → terminated → removed.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Clock, Timer } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { AdmitResult } from './admission.ts';
import type { AgentMetrics } from './metrics.ts';
import { DEFAULT_TERMINATION_GRACE_SECONDS, formatPod, isStaticPod, podRefOf, rfc3339 } from './pod-util.ts';
import type { PodState, PodSyncer } from './pod-sync.ts';
import { newPodState } from './pod-sync.ts';
import type { StatusManager } from './status/status-manager.ts';

export type WorkerPhase = 'syncing' | 'terminating' | 'terminated';

interface Worker {
  uid: string;
  state: PodState;
  phase: WorkerPhase;
  /** Removed from its source: terminate, then clean up and forget. */
  removed: boolean;
  rejected: boolean;
  running: boolean;
  pending: boolean;
  timer: Timer | undefined;
  startReported: boolean;
  stepStarted: number;
  /** Deleted through its source (deletionTimestamp), terminated, cleaned up and confirmed. */
  deletionConfirmed: boolean;
}

export interface PodWorkersOptions {
  syncer: PodSyncer;
  status: StatusManager;
  clock: Clock;
  log: Logger;
  admit?: (pod: Pod, active: readonly Pod[]) => AdmitResult;
  metrics?: AgentMetrics;
  /** Retry delay after an unexpected sync error. Default 10 s. */
  errorRetryMs?: number;
  /** Re-sync period of terminated pods (status refresh). Default 60 s. */
  terminatedResyncMs?: number;
  /** Called after a removed pod's containers and directories are gone. */
  onRemoved?: (pod: Pod) => void;
}

/** A non-static pod its source marked for deletion (the API's graceful deletion). */
function deletedBySource(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && !isStaticPod(pod);
}

function phaseOf(w: Worker): WorkerPhase {
  return w.phase;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly o: PodWorkersOptions) {}

  /** A pod from a source was added or changed. */
  upsert(pod: Pod): void {
    const uid = podRefOf(pod).uid;
    if (this.stopped || uid === '') return;
    let w = this.workers.get(uid);
    if (w === undefined) {
      w = { uid, state: newPodState(pod, this.o.clock.now()), phase: 'syncing', removed: false, rejected: false, running: false, pending: false, timer: undefined, startReported: false, stepStarted: 0, deletionConfirmed: false };
      this.workers.set(uid, w);
      const result = this.o.admit?.(pod, this.activePods().filter((p) => p.metadata?.uid !== uid)) ?? { admit: true };
      if (!result.admit) {
        this.o.log.info({ pod: formatPod(pod), reason: result.reason }, 'pod rejected by admission');
        w.rejected = true;
        w.phase = 'terminated';
        this.o.syncer.reject(w.state, result.reason ?? 'UnexpectedAdmissionError', result.message ?? '');
        return;
      }
    } else {
      // keep our own deletion marks when a source re-sends a removed pod's spec
      if (!w.removed) w.state.pod = pod;
      if (pod.metadata?.deletionTimestamp !== undefined) w.state.abort.abort();
    }
    this.kick(w);
  }

  /** The pod is gone from its source (manifest removed / object deleted): graceful termination. */
  remove(uid: string): void {
    const w = this.workers.get(uid);
    if (w === undefined || w.removed) return;
    w.removed = true;
    const pod = w.state.pod;
    if (pod.metadata?.deletionTimestamp === undefined) {
      w.state.pod = {
        ...pod,
        metadata: {
          ...pod.metadata,
          deletionTimestamp: rfc3339(this.o.clock.now()),
          deletionGracePeriodSeconds: pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS,
        },
      };
    }
    w.state.abort.abort();
    this.kick(w);
  }

  /** Something about the pod changed on the runtime or in its probes: sync it soon. */
  sync(uid: string): void {
    const w = this.workers.get(uid);
    if (w === undefined) return;
    if (w.running && w.phase === 'terminating') {
      // containers are being stopped (grace period): keep the status current (readiness keeps
      // probing during termination so Ready can turn false) without touching containers
      this.o.syncer.refreshStatus(w.state).catch((err: unknown) => {
        this.o.log.debug({ pod: formatPod(w.state.pod), err: err instanceof Error ? err.message : String(err) }, 'status refresh failed');
      });
    }
    this.kick(w);
  }

  syncAll(): void {
    for (const w of this.workers.values()) this.kick(w);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  phaseOf(uid: string): WorkerPhase | undefined {
    return this.workers.get(uid)?.phase;
  }

  /** Pods known to the workers (including terminating ones), with their latest spec. */
  pods(): Pod[] {
    return [...this.workers.values()].map((w) => w.state.pod);
  }

  /** Pods that count against admission: not terminated and not rejected. */
  activePods(): Pod[] {
    return [...this.workers.values()].filter((w) => w.phase !== 'terminated' && !w.rejected && !w.removed).map((w) => w.state.pod);
  }

  /** Workers with a step in progress (diagnostics). */
  busy(): { pod: string; phase: WorkerPhase; since: number }[] {
    return [...this.workers.values()].filter((w) => w.running).map((w) => ({ pod: formatPod(w.state.pod), phase: w.phase, since: w.stepStarted }));
  }

  /** Resolves when no worker is running or has pending work (tests). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => { this.idleWaiters.push(resolve); });
  }

  /** Stops scheduling (agent shutdown); running syncs finish, containers keep running. */
  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) w.timer?.cancel();
  }

  private isIdle(): boolean {
    for (const w of this.workers.values()) if (w.running || w.pending) return false;
    return true;
  }

  private kick(w: Worker): void {
    if (this.stopped) return;
    w.pending = true;
    if (!w.running) void this.run(w);
  }

  private schedule(w: Worker, ms: number): void {
    w.timer?.cancel();
    if (this.stopped) return;
    w.timer = this.o.clock.setTimer(ms, () => { w.timer = undefined; this.kick(w); });
  }

  private async run(w: Worker): Promise<void> {
    w.running = true;
    try {
      while (w.pending && !this.stopped) {
        w.pending = false;
        w.timer?.cancel();
        w.timer = undefined;
        await this.step(w);
        if (!this.workers.has(w.uid)) break;
      }
    } finally {
      w.running = false;
      if (this.isIdle()) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const r of waiters) r();
      }
    }
  }

  private async step(w: Worker): Promise<void> {
    const { syncer, clock, metrics } = this.o;
    const log = this.o.log.child({ pod: formatPod(w.state.pod) });
    const t0 = clock.now();
    w.stepStarted = t0;
    let operation: string = w.phase;
    try {
      if (w.phase === 'syncing') {
        if (w.removed || w.state.pod.metadata?.deletionTimestamp !== undefined) {
          w.phase = 'terminating';
        } else {
          operation = 'sync';
          const out = await syncer.syncPod(w.state);
          if (out.allRunning && !w.startReported) {
            w.startReported = true;
            metrics?.podStartDuration.observe((clock.now() - w.state.firstSeen) / 1000);
          }
          if (out.terminal) {
            w.phase = 'terminating';
          } else {
            if (out.resyncAfterMs !== undefined) this.schedule(w, out.resyncAfterMs);
            return;
          }
        }
      }
      if (w.phase === 'terminating') {
        operation = 'terminate';
        log.info({ removed: w.removed }, 'terminating pod');
        const deleting = w.removed || w.state.pod.metadata?.deletionTimestamp !== undefined;
        await syncer.terminatePod(w.state, { deleting });
        w.phase = 'terminated';
      }
      if (phaseOf(w) === 'terminated') {
        if (w.removed) {
          operation = 'cleanup';
          if (!w.rejected && !w.deletionConfirmed) await syncer.cleanupPod(w.uid);
          if (!w.deletionConfirmed) this.o.status.delete(w.state.pod);
          this.workers.delete(w.uid);
          log.info('pod removed');
          this.o.onRemoved?.(w.state.pod);
          return;
        }
        if (deletedBySource(w.state.pod)) {
          // graceful deletion by the API (status_manager canBeDeleted): containers are gone, the
          // final status went out; status.delete confirms it (the sink's last step). The worker
          // stays until the source removes the pod, so late updates do not start it again.
          if (!w.deletionConfirmed) {
            operation = 'cleanup';
            if (!w.rejected) await syncer.cleanupPod(w.uid);
            w.deletionConfirmed = true;
            this.o.status.delete(w.state.pod);
            log.info('pod terminated; deletion confirmed');
          }
          return;
        }
        if (!w.rejected) {
          operation = 'terminated';
          await syncer.syncTerminatedPod(w.state);
          this.schedule(w, this.o.terminatedResyncMs ?? 60_000);
        }
      }
    } catch (err) {
      metrics?.syncErrors.inc();
      log.warn({ err: err instanceof Error ? err.message : String(err), phase: w.phase }, 'pod worker step failed; will retry');
      this.schedule(w, this.o.errorRetryMs ?? 10_000);
    } finally {
      metrics?.syncDuration.observe({ operation }, (clock.now() - t0) / 1000);
    }
  }
}
