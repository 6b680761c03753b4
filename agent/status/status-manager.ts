// The status manager: caches the last generated status per pod and publishes changes to a
// pluggable sink (manifest mode: memory, read by /pods; API mode: a patch to the API server).
// Status flows one way: pod workers set it, the sink receives it; nothing here touches containers.
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';

export interface StatusSink {
  publish(pod: Pod, status: PodStatus): Promise<void>;
  /** The pod is gone from the node (deleted and cleaned up). */
  remove(pod: Pod): Promise<void>;
}

export interface PodWithStatus {
  pod: Pod;
  status: PodStatus;
}

/** Keeps what was published; useful for tests and manifest mode. */
export class MemoryStatusSink implements StatusSink {
  readonly published: PodWithStatus[] = [];
  readonly removed: string[] = [];
  publish(pod: Pod, status: PodStatus): Promise<void> {
    this.published.push({ pod, status: structuredClone(status) });
    return Promise.resolve();
  }
  remove(pod: Pod): Promise<void> {
    this.removed.push(pod.metadata?.uid ?? '');
    return Promise.resolve();
  }
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val !== null && typeof val === 'object' && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return val;
  });
}

export class StatusManager {
  private readonly entries = new Map<string, { pod: Pod; status: PodStatus; published: string | undefined }>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(pod: Pod, status: PodStatus) => void>();
  private readonly log: Logger;

  constructor(private readonly sink: StatusSink | undefined, opts: { log?: Logger } = {}) {
    this.log = opts.log ?? silentLogger;
  }

  private readonly primed = new Map<string, PodStatus>();

  get(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.status ?? this.primed.get(uid);
  }

  /** Restores a status saved before an agent restart: used as the previous status, not published. */
  prime(uid: string, status: PodStatus): void {
    if (!this.entries.has(uid)) this.primed.set(uid, status);
  }

  all(): PodWithStatus[] {
    return [...this.entries.values()].map((e) => ({ pod: e.pod, status: e.status }));
  }

  /** Called on every status change (after caching), e.g. by metrics or tests. */
  onChange(fn: (pod: Pod, status: PodStatus) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** Caches the status; publishes it when it differs from what was last published. */
  set(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata?.uid ?? '';
    const prev = this.entries.get(uid);
    const key = stable(status);
    const entry = { pod, status, published: prev?.published };
    this.entries.set(uid, entry);
    this.primed.delete(uid);
    if (prev?.published === key) return;
    // counted as published when queued; a failed publish clears it so the next set retries
    entry.published = key;
    for (const l of this.listeners) l(pod, status);
    this.enqueue(uid, async () => {
      try {
        await this.sink?.publish(pod, status);
      } catch (err) {
        if (entry.published === key) entry.published = undefined;
        throw err;
      }
    });
  }

  /** Forgets the pod and tells the sink it is gone. */
  delete(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.entries.delete(uid);
    this.primed.delete(uid);
    this.enqueue(uid, async () => { await this.sink?.remove(pod); });
  }

  /** Resolves when every queued publish has been attempted. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private enqueue(uid: string, fn: () => Promise<void>): void {
    const prev = this.chains.get(uid) ?? Promise.resolve();
    const next = prev.then(fn).catch((err: unknown) => {
      this.log.warn({ err, pod: uid }, 'publishing pod status failed; will retry on the next change');
    });
    this.chains.set(uid, next);
    void next.then(() => { if (this.chains.get(uid) === next) this.chains.delete(uid); });
  }
}
