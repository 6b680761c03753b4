// The controller manager: one set of shared informers, one runner (queue + workers) per controller,
// started as kube-controller-manager starts them: every controller subscribes first, the informers
// list and watch, and workers begin only once every cache has synced (so no controller acts on a
// half-filled cache). With leader election, all of it starts only while this instance leads.
import { setMaxListeners } from 'node:events';
import type { ApiClient } from '../kube/client/client.ts';
import { ApiEventSink } from '../kube/events/api-event-sink.ts';
import { InformerFactory } from '../kube/informers/informer.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { LeaderElector } from './framework/leader-election.ts';
import { ControllerMetrics } from './framework/metrics.ts';
import { ControllerEventRecorder } from './framework/recorder.ts';
import { ControllerRunner } from './framework/runner.ts';
import type { ControllerContext, Reconciler } from './framework/types.ts';

/** Makes one controller; the CLI keeps them by name (see controllers/all.ts). */
export type ControllerFactory = (ctx: ControllerContext) => Reconciler;

export interface ControllerManagerOptions {
  client: ApiClient;
  clock: Clock;
  log: Logger;
  /** Builds the controllers to run (each subscribes to the shared informers in its watch). */
  controllers: (ctx: ControllerContext) => readonly Reconciler[];
  metrics?: ControllerMetrics;
  /** Lease-based leader election; off runs at once. */
  leaderElection?: { identity: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Informer resync (0: none). */
  resyncMs?: number;
}

export class ControllerManager {
  readonly metrics: ControllerMetrics;
  private readonly abort = new AbortController();
  private runners: ControllerRunner[] = [];
  private informers: InformerFactory | undefined;
  /** Aborted when the controllers stop (shutdown or lost leadership): ends the informers' watches. */
  private session = new AbortController();
  private sink: ApiEventSink | undefined;
  private election: Promise<void> = Promise.resolve();
  private readyWaiters: (() => void)[] = [];
  private ready = false;

  constructor(private readonly o: ControllerManagerOptions) {
    this.metrics = o.metrics ?? new ControllerMetrics();
  }

  /** Starts (or, with leader election, starts once leading); returns at once. */
  start(): void {
    const le = this.o.leaderElection;
    if (le === undefined) {
      void this.startControllers();
      return;
    }
    const elector = new LeaderElector({ client: this.o.client, clock: this.o.clock, log: this.o.log.child({ part: 'leader-election' }), ...le });
    this.election = elector.run(this.abort.signal, () => {
      this.metrics.leader.set({ name: 'kube-controller-manager' }, 1);
      void this.startControllers();
    }, () => {
      this.metrics.leader.set({ name: 'kube-controller-manager' }, 0);
      // Like kube-controller-manager, an instance that lost its lease stops acting at once.
      void this.stopControllers();
    });
  }

  /** Resolves once every cache has synced and the workers run. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => { this.readyWaiters.push(resolve); });
  }

  /** Resolves when no controller has work queued or running (for tests; delayed re-adds excepted). */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all(this.runners.map((r) => r.queue.whenIdle()));
      await this.sink?.flush();
      if (this.runners.every((r) => r.queue.isIdle())) return;
    }
  }

  names(): string[] {
    return this.runners.map((r) => r.reconciler.name);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.election;
    await this.stopControllers();
  }

  private async startControllers(): Promise<void> {
    const { client, clock, log } = this.o;
    this.session = new AbortController();
    const session = this.session.signal;
    // every informer's watch request listens on this one signal
    setMaxListeners(0, session);
    const informers = new InformerFactory(client, { clock, log: log.child({ part: 'informers' }), resyncMs: this.o.resyncMs ?? 0 });
    this.informers = informers;
    const sink = new ApiEventSink({ client, clock, log: log.child({ part: 'events' }) });
    this.sink = sink;
    const ctx: ControllerContext = {
      client, informers, clock, log,
      recorder: (component) => new ControllerEventRecorder(component, sink, clock),
    };
    for (const reconciler of this.o.controllers(ctx)) {
      const runner = new ControllerRunner(reconciler, clock, log.child({ controller: reconciler.name }), {
        synced: (c, ms, failed) => { this.metrics.synced(c, ms, failed); },
      });
      runner.watch();
      this.runners.push(runner);
    }
    this.metrics.depthSource = () => Object.fromEntries(this.runners.map((r) => [r.reconciler.name, r.queue.len()]));
    informers.start(session);
    await informers.waitForSync();
    if (session.aborted) return;
    for (const r of this.runners) r.run();
    log.info({ controllers: this.names() }, 'controllers started');
    this.ready = true;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private async stopControllers(): Promise<void> {
    const runners = this.runners;
    this.runners = [];
    this.session.abort();
    await Promise.all(runners.map((r) => r.stop()));
    await this.informers?.stopped();
    await this.sink?.flush();
  }
}
