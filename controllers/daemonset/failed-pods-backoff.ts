// The back-off between deleting failed daemon pods on a node (flowcontrol.Backoff as
// kube-controller-manager builds it for this controller: 1 s doubling to 15 min, no jitter). A
// kubelet that keeps rejecting a pod would otherwise make the controller kill and recreate it in a
// hot loop. Entries untouched for twice the maximum are forgotten.

export const FAILED_PODS_BACKOFF_INITIAL_MS = 1000;
export const FAILED_PODS_BACKOFF_MAX_MS = 15 * 60_000;

/** What the planner reads of the back-off; it never changes it (it returns keys to advance). */
export interface BackoffView {
  /** IsInBackOffSinceUpdate: less than the current delay has passed since the last Next. */
  inBackoffSinceUpdate(key: string, now: number): boolean;
  /** Get: the current delay for key (0 when none). */
  delay(key: string): number;
}

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class FailedPodsBackoff implements BackoffView {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly initialMs = FAILED_PODS_BACKOFF_INITIAL_MS, private readonly maxMs = FAILED_PODS_BACKOFF_MAX_MS) {}

  private expired(now: number, lastUpdate: number): boolean {
    return now - lastUpdate > 2 * this.maxMs;
  }

  inBackoffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    if (e === undefined || this.expired(now, e.lastUpdate)) return false;
    return now - e.lastUpdate < e.backoffMs;
  }

  delay(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Next: starts at the initial delay (or again after expiry), else doubles up to the maximum. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (e === undefined || this.expired(now, e.lastUpdate)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
    e.lastUpdate = now;
  }

  /** GC: drops entries not updated for twice the maximum delay. */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (this.expired(now, e.lastUpdate)) this.entries.delete(k);
  }
}

/** failedPodsBackoffKey: per DaemonSet uid, observed generation and node. */
export function failedPodsBackoffKey(dsUid: string, observedGeneration: number, nodeName: string): string {
  return `${dsUid}/${observedGeneration}/${nodeName}`;
}
