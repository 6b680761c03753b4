// Per-key exponential back-off with the kubelet's semantics (client-go flowcontrol.Backoff as the
// kubelet configures it): CrashLoopBackOff for containers and ImagePullBackOff for pulls.
//
//   next(key, eventTime): no entry, or the entry expired → delay = initial; else delay = min(2×, max).
//   isInBackOffSince(key, eventTime): now - eventTime < delay (unless the entry expired).
//   expired: eventTime - lastUpdate > resetAfter (600 s: the container ran 10 min since the last restart).
//
// With doBackOff(eventTime = the last exit) that gives restarts after 0, 10, 20, 40, 80, 160, 300, 300 … s.
// Initial and max are configurable (KEP-4603: e.g. 1 s / 60 s). Entries can be snapshotted and
// restored so an agent restart keeps the crash-loop state.
import type { Clock } from '../lib/clock.ts';

export interface BackoffEntry {
  /** Current delay in ms. */
  delayMs: number;
  /** When next() was last called (ms since epoch). */
  lastUpdate: number;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** An entry whose last update is older than this (relative to the event) starts over. */
  resetAfterMs?: number;
}

/** Read-only view the pure planner uses. */
export interface BackoffView {
  /** Whether a start for `key` must still wait, given the event (last exit) time. */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean;
  /** The current delay for `key` in ms (0 when none). */
  delayOf(key: string): number;
}

export const DEFAULT_CONTAINER_BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 } as const;
export const DEFAULT_IMAGE_BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 } as const;

export class Backoff implements BackoffView {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(private readonly clock: Clock, opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? DEFAULT_CONTAINER_BACKOFF.initialMs;
    this.maxMs = Math.max(opts.maxMs ?? DEFAULT_CONTAINER_BACKOFF.maxMs, this.initialMs);
    this.resetAfterMs = opts.resetAfterMs ?? Math.max(DEFAULT_CONTAINER_BACKOFF.resetAfterMs, 2 * this.maxMs);
  }

  private expired(entry: BackoffEntry, eventTime: number): boolean {
    return eventTime - entry.lastUpdate > this.resetAfterMs;
  }

  /** Records a (re)start: the next wait after it is longer. */
  next(key: string, eventTime: number): number {
    const entry = this.entries.get(key);
    const delayMs = entry === undefined || this.expired(entry, eventTime) ? this.initialMs : Math.min(entry.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: this.clock.now() });
    return delayMs;
  }

  isInBackOffSince(key: string, eventTime: number, now: number = this.clock.now()): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined || this.expired(entry, eventTime)) return false;
    return now - eventTime < entry.delayMs;
  }

  /** For image pulls: still waiting since the last failure was recorded. */
  isInBackOffSinceUpdate(key: string, now: number = this.clock.now()): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined || this.expired(entry, now)) return false;
    return now - entry.lastUpdate < entry.delayMs;
  }

  /** ms until a start for `key` is allowed (0 when allowed now). */
  remainingMs(key: string, eventTime: number, now: number = this.clock.now()): number {
    if (!this.isInBackOffSince(key, eventTime, now)) return 0;
    const entry = this.entries.get(key);
    return entry === undefined ? 0 : eventTime + entry.delayMs - now;
  }

  delayOf(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops keys with a prefix (e.g. a pod uid) once their owner is gone. */
  resetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Removes entries that have expired (garbage collection). */
  gc(now: number = this.clock.now()): void {
    for (const [k, e] of this.entries) if (this.expired(e, now)) this.entries.delete(k);
  }

  snapshot(): Record<string, BackoffEntry> {
    return Object.fromEntries([...this.entries].map(([k, e]) => [k, { ...e }]));
  }

  restore(entries: Record<string, BackoffEntry>): void {
    for (const [k, e] of Object.entries(entries)) {
      if (typeof e.delayMs === 'number' && typeof e.lastUpdate === 'number') this.entries.set(k, { ...e });
    }
  }
}

/** The kubelet's GetStableKey: name_namespace_uid_container_hash — a spec change starts a fresh back-off. */
export function containerBackoffKey(pod: { name: string; namespace: string; uid: string }, container: string, hash: string): string {
  return `${pod.uid}_${pod.name}_${pod.namespace}_${container}_${hash}`;
}

export function imageBackoffKey(podUid: string, image: string): string {
  return `${podUid}_${image}`;
}

/** Go's time.Duration String() for whole and fractional seconds, as kubelet messages print it (10s, 5m0s, 1.5s). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalSec = ms / 1000;
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const s = totalSec - h * 3600 - m * 60;
  const sStr = `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${sStr}`;
  if (m > 0) return `${m}m${sStr}`;
  return sStr;
}
