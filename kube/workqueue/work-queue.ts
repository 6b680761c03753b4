// client-go's rate-limited work queue: a key waits at most once (dirty set), is never handed to two
// workers at once (processing set: a key added while processed is queued again when done), can be
// added after a delay, and retries back off per key exponentially (5 ms doubling to 1000 s, as
// ItemExponentialFailureRateLimiter) until forget(key) after a success.
import type { Clock, Timer } from '../../lib/clock.ts';

export interface WorkQueueOptions {
  clock: Clock;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; timer: Timer }>();
  private readonly failures = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly o: WorkQueueOptions) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const getter = this.getters.shift();
    if (getter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds key after ms; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.o.clock.now() + ms;
    const current = this.waiting.get(key);
    if (current !== undefined) {
      if (current.at <= at) return;
      current.timer.cancel();
    }
    const timer = this.o.clock.setTimer(ms, () => {
      this.waiting.delete(key);
      this.add(key);
      this.checkIdle();
    });
    this.waiting.set(key, { at, timer });
  }

  /** Adds key after its next back-off delay. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const base = this.o.baseDelayMs ?? 5;
    const max = this.o.maxDelayMs ?? 1_000_000;
    this.addAfter(key, Math.min(max, base * 2 ** Math.min(n, 40)));
  }

  /** The key succeeded: its back-off starts over. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to work on, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    this.checkIdle();
    return new Promise((resolve) => { this.getters.push(resolve); });
  }

  /** The worker finished key; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
    this.checkIdle();
  }

  len(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
    this.checkIdle();
  }

  /** Nothing queued or being worked on (delayed adds may still be waiting). */
  isIdle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0;
  }

  /** Resolves the next time the queue is idle. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => { this.idleWaiters.push(resolve); });
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
