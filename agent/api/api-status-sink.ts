// Pod status to the API server, as the kubelet's status manager syncs it (status_manager.go
// syncPod + pkg/util/pod PatchPodStatus): read the pod, merge (conditions the kubelet does not own
// stay as the API has them, startTime and nominatedNodeName are kept, a terminal phase never
// regresses), then PATCH pods/<name>/status with a two-way strategic merge patch carrying
// metadata.uid as precondition. Unchanged status sends nothing; a pod that is gone or was
// replaced (another uid) is skipped; a conflict re-reads and retries; while the API is
// unavailable the latest status per pod is kept and retried every retryMs. Static pods write to
// their mirror pod.
import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import { isClientConflict, isClientNotFound, PODS } from '../../kube/client/client.ts';
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { isStaticPod } from '../pod-util.ts';
import { KUBELET_CONDITIONS } from '../status/conditions.ts';
import { isTerminalPhase } from '../status/phase.ts';
import type { StatusSink } from '../status/status-manager.ts';
import { errorText, isUnavailable, type ApiClientLike } from '../../kube/client/client-like.ts';
import { diffObjects, POD_STATUS_LISTS } from './two-way-patch.ts';

export interface ApiStatusSinkOptions {
  client: ApiClientLike;
  clock: Clock;
  log?: Logger;
  /** The mirror pod of a static pod as the API has it (undefined while there is none). */
  mirrorPodOf?: (staticPod: Pod) => Pod | undefined;
  /** Called by remove() for an API pod being deleted: the last step of graceful deletion. */
  confirmDeleted?: (pod: Pod) => Promise<void>;
  /** Retry period for statuses that could not be written (kubelet syncPeriod, 10 s). */
  retryMs?: number;
  /** Conflict retries per write. */
  maxConflictRetries?: number;
}

export type PublishOutcome = 'patched' | 'unchanged' | 'gone' | 'deferred' | 'rejected';

/** mergePodStatus: the kubelet's conditions from `next`, everyone else's from `old`. */
export function mergePodStatus(old: PodStatus, next: PodStatus): PodStatus {
  const conditions: PodCondition[] = [
    ...(old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)),
    ...(next.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type)),
  ];
  const merged: PodStatus = { ...next, conditions };
  if (old.nominatedNodeName !== undefined) merged.nominatedNodeName = old.nominatedNodeName;
  if (old.startTime !== undefined) merged.startTime = old.startTime;
  if (isTerminalPhase(old.phase) && merged.phase !== old.phase) merged.phase = old.phase;
  return merged;
}

interface Pending {
  pod: Pod;
  status: PodStatus;
}

export class ApiStatusSink implements StatusSink {
  private readonly pending = new Map<string, Pending>();
  /** The latest status of each static pod, written again when its mirror pod is recreated. */
  private readonly lastStatic = new Map<string, Pending>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private timer: Timer | undefined;
  private stopped = true;
  private readonly log: Logger;

  constructor(private readonly o: ApiStatusSinkOptions) {
    this.log = o.log ?? silentLogger;
  }

  /** Starts the periodic retry of statuses that could not be written. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await Promise.all([...this.chains.values()]);
  }

  /** Pods (uid) whose latest status is not written yet. */
  pendingUids(): string[] {
    return [...this.pending.keys()];
  }

  async publish(pod: Pod, status: PodStatus): Promise<void> {
    await this.write(pod, status);
  }

  async remove(pod: Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    this.lastStatic.delete(uid);
    await this.enqueue(uid, () => {
      this.pending.delete(uid);
      return Promise.resolve('gone' as const);
    });
    if (pod.metadata?.deletionTimestamp !== undefined && !isStaticPod(pod)) await this.o.confirmDeleted?.(pod);
  }

  /** Writes one status (serialised per pod); the outcome is for tests and logs. */
  write(pod: Pod, status: PodStatus): Promise<PublishOutcome> {
    const uid = pod.metadata?.uid ?? '';
    this.pending.set(uid, { pod, status });
    if (isStaticPod(pod)) this.lastStatic.set(uid, { pod, status });
    return this.enqueue(uid, async () => {
      const latest = this.pending.get(uid);
      // a newer status superseded this one (it is written by its own turn) or the pod was removed
      if (latest?.status !== status) return 'unchanged';
      const outcome = await this.sync(pod, status);
      if (outcome !== 'deferred' && this.pending.get(uid)?.status === status) this.pending.delete(uid);
      return outcome;
    });
  }

  /** Writes a static pod's latest status again (its mirror pod was recreated). */
  async rewrite(staticPod: Pod): Promise<void> {
    const last = this.lastStatic.get(staticPod.metadata?.uid ?? '');
    if (last !== undefined) await this.write(last.pod, last.status);
  }

  /** Retries every pending status once (the periodic pass; tests call it directly). */
  async retryPending(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => this.write(p.pod, p.status)));
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(this.o.retryMs ?? 10_000, () => {
      void this.retryPending().finally(() => { this.arm(); });
    });
  }

  private enqueue<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.chains.set(uid, settled);
    void settled.then(() => { if (this.chains.get(uid) === settled) this.chains.delete(uid); });
    return next;
  }

  private async sync(pod: Pod, status: PodStatus): Promise<PublishOutcome> {
    let target: { namespace: string; name: string; uid: string };
    const md = pod.metadata ?? {};
    if (isStaticPod(pod)) {
      const mirror = this.o.mirrorPodOf?.(pod);
      if (mirror?.metadata?.uid === undefined) {
        this.log.debug({ pod: md.name }, 'static pod has no mirror pod yet; status deferred');
        return 'deferred';
      }
      target = { namespace: mirror.metadata.namespace ?? 'default', name: mirror.metadata.name ?? '', uid: mirror.metadata.uid };
    } else {
      target = { namespace: md.namespace ?? 'default', name: md.name ?? '', uid: md.uid ?? '' };
    }
    const tries = (this.o.maxConflictRetries ?? 5) + 1;
    for (let i = 0; i < tries; i++) {
      let current: Pod;
      try {
        current = await this.o.client.get<Pod>(PODS, target.namespace, target.name);
      } catch (err) {
        if (isClientNotFound(err)) {
          this.log.debug({ pod: target.name }, 'pod no longer exists; status not written');
          return 'gone';
        }
        return this.failed(target.name, err);
      }
      if (current.metadata?.uid !== target.uid) {
        this.log.debug({ pod: target.name }, 'pod was replaced (uid changed); status not written');
        return isStaticPod(pod) ? 'deferred' : 'gone';
      }
      const old = current.status ?? {};
      if (isTerminalPhase(old.phase) && status.phase !== old.phase) {
        this.log.warn({ pod: target.name, phase: old.phase, wanted: status.phase }, 'not regressing a terminal pod phase');
      }
      const merged = mergePodStatus(old, status);
      const diff = diffObjects(old as Record<string, unknown>, merged as Record<string, unknown>, POD_STATUS_LISTS);
      if (diff === undefined) return 'unchanged';
      try {
        await this.o.client.patch<Pod>(PODS, target.namespace, target.name, { metadata: { uid: target.uid }, status: diff }, 'strategic', { subresource: 'status' });
        this.log.debug({ pod: target.name, phase: merged.phase }, 'pod status patched');
        return 'patched';
      } catch (err) {
        if (isClientConflict(err)) {
          this.log.debug({ pod: target.name, attempt: i + 1 }, 'conflict patching pod status; re-reading');
          continue;
        }
        if (isClientNotFound(err)) return 'gone';
        return this.failed(target.name, err);
      }
    }
    this.log.warn({ pod: target.name }, 'pod status still conflicting; will retry');
    return 'deferred';
  }

  private failed(name: string, err: unknown): PublishOutcome {
    if (isUnavailable(err)) {
      this.log.warn({ pod: name, err: errorText(err) }, 'API server unavailable; pod status kept for retry');
      return 'deferred';
    }
    this.log.error({ pod: name, err: errorText(err) }, 'pod status rejected by the API server');
    return 'rejected';
  }
}
