// One probe worker: one (pod, container, probe kind), probing on the injected Clock with the
// kubelet's worker rules (pkg/kubelet/prober/worker.go):
//  - a fresh state for every new container ID: result = initial value (readiness failure,
//    liveness success, startup unknown) unless seeded, thresholds and "on hold" cleared;
//  - no probing before initialDelaySeconds (whole seconds since state.running.startedAt);
//  - until the container has started (startup probe succeeded, or none) only the startup probe
//    runs; after that the startup probe idles;
//  - a result is committed after failureThreshold consecutive failures / successThreshold
//    consecutive successes; probe *errors* are thrown away;
//  - after a committed liveness failure, or any committed startup result, the worker holds until a
//    new container ID (no exec into a dying container, no extra startup probes);
//  - while the container is not running the result is failure and nothing is probed;
//  - when the pod is terminating, liveness and startup report success and stop for good.
// Every attempt that fails / errors / warns produces an event through the host.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.d.ts';
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { ProbeTicker } from './probe-ticker.ts';
import { runProbe, type ProbeAttempt, type ProbeKind, type ProbeRunnerDeps } from './run-probe.ts';

/** A committed result, as the kubelet's results manager holds it. */
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** Probe numbers with the API defaults applied (pkg/apis/core/v1/defaults.go SetDefaults_Probe). */
export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeTiming(probe: Probe): ProbeTiming {
  const pos = (v: number | undefined, d: number): number => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelaySeconds: Math.max(0, probe.initialDelaySeconds ?? 0),
    periodSeconds: pos(probe.periodSeconds, 10),
    timeoutSeconds: pos(probe.timeoutSeconds, 1),
    successThreshold: pos(probe.successThreshold, 1),
    failureThreshold: pos(probe.failureThreshold, 3),
  };
}

export function initialResult(kind: ProbeKind): ProbeResult {
  return kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
}

/** What a worker needs from its manager. */
export interface WorkerHost {
  clock: Clock;
  /** The shared timers every worker's schedule runs on (due times rounded up to a tick). */
  ticker: ProbeTicker;
  deps: ProbeRunnerDeps;
  log: Logger;
  /** Whether the container (by current ID) has started: no startup probe, or it succeeded. */
  started(containerId: string): boolean;
  /** The committed result changed (including the reset for a new container). */
  changed(worker: ProbeWorker, previous: ProbeResult | undefined, byProbe: boolean): void;
  /** An attempt finished (before thresholds): the host emits its event, if any. */
  attempted(worker: ProbeWorker, attempt: ProbeAttempt): void;
}

export interface WorkerContainerState {
  containerId: string;
  running: boolean;
  startedAt: number;
}

export class ProbeWorker {
  readonly kind: ProbeKind;
  readonly containerName: string;
  pod: Pod;
  container: Container;
  probe: Probe;
  timing: ProbeTiming;
  podIP: string | undefined;

  containerId = '';
  result: ProbeResult | undefined;
  private running = false;
  private startedAt = 0;
  private lastResult: 'success' | 'failure' | undefined;
  private resultRun = 0;
  private onHold = false;
  private stopped = false;
  private epoch = 0;
  private inFlight: number | undefined;
  private pendingTick = false;
  private timer: Timer | undefined;
  private readonly host: WorkerHost;

  constructor(host: WorkerHost, kind: ProbeKind, pod: Pod, container: Container, probe: Probe, podIP: string | undefined) {
    this.host = host;
    this.kind = kind;
    this.pod = pod;
    this.container = container;
    this.containerName = container.name;
    this.probe = probe;
    this.timing = probeTiming(probe);
    this.podIP = podIP;
  }

  /** Permanently stopped (pod removed, or liveness/startup of a terminating pod). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Applies the latest observed container state. A new container ID resets the worker (initial
   * value or `seed`) and starts probing; a stopped container sets failure and parks the worker.
   */
  observe(state: WorkerContainerState, seed?: ProbeResult): void {
    if (this.stopped) return;
    if (state.containerId !== this.containerId) {
      this.invalidate();
      const previous = this.result;
      this.containerId = state.containerId;
      this.lastResult = undefined;
      this.resultRun = 0;
      this.onHold = false;
      this.running = state.running;
      this.startedAt = state.startedAt;
      if (state.containerId === '') this.result = undefined;
      else this.result = state.running ? (seed ?? initialResult(this.kind)) : 'failure';
      if (this.result !== undefined && this.result !== previous) this.host.changed(this, previous, false);
      if (this.active()) {
        // Startup and readiness probe a new container at once (the kubelet triggers readiness on
        // the status update that reports the container running); liveness waits one period.
        if (this.kind === 'liveness') this.arm(this.timing.periodSeconds * 1000);
        else this.trigger();
      }
      return;
    }
    const wasRunning = this.running;
    this.running = state.running;
    this.startedAt = state.startedAt;
    if (wasRunning && !state.running) {
      this.invalidate();
      this.setResult('failure', false);
    } else if (this.active() && this.timer === undefined && this.inFlight === undefined) {
      this.arm(this.timing.periodSeconds * 1000);
    }
  }

  /** Sets the committed result for the current container (used for seeding). */
  seed(result: ProbeResult): void {
    if (this.stopped || this.containerId === '') return;
    this.lastResult = undefined;
    this.resultRun = 0;
    this.setResult(result, false);
  }

  /** Probe now (if probing is possible) and restart the period from now. */
  trigger(): void {
    if (!this.active()) return;
    this.arm(this.timing.periodSeconds * 1000);
    void this.tick();
  }

  /** Liveness/startup of a terminating pod: report success and stop (the kubelet's quiet shutdown). */
  terminate(): void {
    if (this.stopped || this.kind === 'readiness') return;
    this.invalidate();
    if (this.containerId !== '') this.setResult('success', false);
    this.stopped = true;
  }

  /** Stops for good, without reporting. */
  stop(): void {
    this.invalidate();
    this.stopped = true;
  }

  private active(): boolean {
    return !this.stopped && !this.onHold && this.running && this.containerId !== '';
  }

  /** Cancels the timer and orphans any in-flight probe. */
  private invalidate(): void {
    this.epoch++;
    this.timer?.cancel();
    this.timer = undefined;
    this.pendingTick = false;
  }

  /**
   * Probes `ms` after `from` (default now), then every period. The next due time counts from the
   * tick the timer was due in, not from when it fired, so the schedule does not drift; after a
   * stall longer than the period it restarts from now instead of catching up.
   */
  private arm(ms: number, from = this.host.clock.now()): void {
    this.timer?.cancel();
    this.timer = this.host.ticker.at(from + ms, (tick) => {
      this.timer = undefined;
      if (!this.active()) return;
      const period = this.timing.periodSeconds * 1000;
      const now = this.host.clock.now();
      this.arm(period, now - tick < period ? tick : now);
      void this.tick();
    });
  }

  private setResult(result: ProbeResult, byProbe: boolean): void {
    const previous = this.result;
    this.result = result;
    if (previous !== result) this.host.changed(this, previous, byProbe);
  }

  private async tick(): Promise<void> {
    if (!this.active()) return;
    if (this.inFlight === this.epoch) {
      // A probe is still running (slower than the period): run again as soon as it ends.
      this.pendingTick = true;
      return;
    }
    const { clock } = this.host;
    const sinceStart = Math.floor((clock.now() - this.startedAt) / 1000);
    if (sinceStart < this.timing.initialDelaySeconds) return;
    const started = this.host.started(this.containerId);
    if (this.kind === 'startup' ? started : !started) return;

    const epoch = this.epoch;
    this.inFlight = epoch;
    let attempt: ProbeAttempt;
    try {
      attempt = await runProbe(this.probe, {
        pod: this.pod, container: this.container, containerId: this.containerId, podIP: this.podIP,
      }, this.host.deps);
    } finally {
      if (this.inFlight === epoch) this.inFlight = undefined;
    }
    // The container changed, stopped, or the worker was stopped while probing: drop the result.
    if (epoch !== this.epoch || !this.active()) return;
    this.host.attempted(this, attempt);
    if (attempt.error === undefined) this.record(attempt.result === 'success' || attempt.result === 'warning' ? 'success' : 'failure');
    if (this.pendingTick) {
      this.pendingTick = false;
      void this.tick();
    }
  }

  private record(result: 'success' | 'failure'): void {
    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    const threshold = result === 'failure' ? this.timing.failureThreshold : this.timing.successThreshold;
    if (this.resultRun < threshold) return;
    if ((this.kind === 'liveness' && result === 'failure') || this.kind === 'startup') {
      // Hold until a new container: it is about to be killed, or it has started for good.
      this.onHold = true;
      this.resultRun = 0;
      this.invalidate();
    }
    this.setResult(result, true);
  }
}
