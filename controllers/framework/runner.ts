// Runs one Reconciler: its queue, its workers, and the retry policy of kube-controller-manager's
// processNextWorkItem: a sync that throws is retried with per-key back-off (and logged), a sync that
// succeeds forgets the key's failures and may ask to be looked at again after a delay.
import { isClientConflict } from '../../kube/client/client.ts';
import { WorkQueue } from '../../kube/workqueue/work-queue.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { Reconciler } from './types.ts';

export interface RunnerHooks {
  /** Called after each sync with its duration and outcome (metrics). */
  synced?(controller: string, ms: number, failed: boolean): void;
}

export class ControllerRunner {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];

  constructor(readonly reconciler: Reconciler, clock: Clock, private readonly log: Logger, private readonly hooks: RunnerHooks = {}) {
    this.queue = new WorkQueue({ clock });
  }

  /** Subscribes the reconciler to its informers (before they start, so it sees the first list). */
  watch(): void {
    this.reconciler.watch(this.queue);
  }

  /** Starts the workers (after the informers have synced). */
  run(): void {
    const n = this.reconciler.workers ?? 5;
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      const started = performance.now();
      let failed = false;
      try {
        const result = await this.reconciler.sync(key);
        this.queue.forget(key);
        if (result !== undefined && result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        failed = true;
        // A write that lost a race with another writer (409) is routine: the retry reads the
        // newer object. Anything else is worth a warning.
        if (isClientConflict(err)) this.log.debug({ key, retries: this.queue.numRequeues(key) }, 'conflict; will retry');
        else this.log.warn({ err, key, retries: this.queue.numRequeues(key) }, 'sync failed; will retry');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
        this.hooks.synced?.(this.reconciler.name, performance.now() - started, failed);
      }
    }
  }
}
