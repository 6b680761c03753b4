// Pods bound to this node, from the API server (the kubelet's config/apiserver.go: a reflector on
// pods with fieldSelector spec.nodeName=<node>). Events are keyed by uid: a pod seen for the first
// time is added, a known one updated (a deletionTimestamp arrives as an update: the agent then
// terminates the pod gracefully and confirms with confirmDeleted), DELETED removes it.
//
// The connection may break at any time: the last known pods are kept (a broken connection never
// removes a pod), the source reconnects with back-off, and once the API answers again it re-lists
// and reconciles (pods deleted meanwhile are removed, changed ones updated, new ones added).
// Mirror pods (the API's copies of static pods) are not pods to run: they go to onMirrorPod.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { ApiClientError, isClientConflict, isClientGone, isClientNotFound, PODS, type WatchEvent } from '../../kube/client/client.ts';
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import type { PodSource, PodSourceHandler, SourceProblem } from '../sources/pod-source.ts';
import { errorText, type ApiClientLike } from '../../kube/client/client-like.ts';
import { RetryDelay } from './retry-delay.ts';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export type MirrorEvent = 'upsert' | 'delete';

export interface ApiPodSourceOptions {
  client: ApiClientLike;
  nodeName: string;
  clock: Clock;
  log?: Logger;
  /** Reconnect back-off (client-go's reflector: 800 ms doubling to 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Server-side timeout of each watch (default random 300–600 s, like a reflector). */
  watchTimeoutSeconds?: number;
  /** Mirror pods of this node as the API has them. */
  onMirrorPod?: (event: MirrorEvent, pod: Pod) => void;
}

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined;
}

function uidOf(pod: Pod): string {
  return pod.metadata?.uid ?? '';
}

function keyOf(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export class ApiPodSource implements PodSource {
  readonly name = 'api';
  private readonly known = new Map<string, Pod>();
  private readonly mirrors = new Map<string, Pod>();
  private handler: PodSourceHandler | undefined;
  private stopped = false;
  private abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private connectedNow = false;
  private reportedDown = false;
  private readonly delay: RetryDelay;
  private readonly log: Logger;
  private readonly pendingDeletes = new Map<string, { pod: Pod; done: () => void; timer?: Timer }>();
  private readonly deleteDelay: RetryDelay;

  constructor(private readonly o: ApiPodSourceOptions) {
    this.log = o.log ?? silentLogger;
    this.delay = new RetryDelay({ initialMs: o.backoffInitialMs ?? 800, maxMs: o.backoffMaxMs ?? 30_000 });
    this.deleteDelay = new RetryDelay({ initialMs: o.backoffInitialMs ?? 800, maxMs: o.backoffMaxMs ?? 30_000 });
  }

  /** Starts the reflector; resolves once the first list has been delivered (or on stop()). */
  start(handler: PodSourceHandler): Promise<void> {
    this.handler = handler;
    this.stopped = false;
    this.abort = new AbortController();
    let synced!: () => void;
    const first = new Promise<void>((resolve) => { synced = resolve; });
    this.loop = this.run(synced).catch((err: unknown) => {
      this.log.error({ err }, 'API pod source loop ended');
    }).finally(() => { synced(); });
    return first;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const p of this.pendingDeletes.values()) {
      p.timer?.cancel();
      p.done();
    }
    this.pendingDeletes.clear();
    await this.loop;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  pods(): Pod[] {
    return [...this.known.values()];
  }

  /** Mirror pods of this node as last seen. */
  mirrorPods(): Pod[] {
    return [...this.mirrors.values()];
  }

  problems(): SourceProblem[] {
    return [];
  }

  /** Whether the last request to the API server succeeded. */
  connected(): boolean {
    return this.connectedNow;
  }

  /**
   * The last step of graceful deletion: the pod's containers are gone, so the object may go
   * (DELETE with grace 0 and the uid as precondition). Retried with back-off while the API is
   * unavailable; resolves once the pod is gone (or was replaced by another with the same name).
   */
  confirmDeleted(pod: Pod): Promise<void> {
    const uid = uidOf(pod);
    const existing = this.pendingDeletes.get(uid);
    if (existing !== undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const entry: { pod: Pod; done: () => void; timer?: Timer } = { pod, done: resolve };
      this.pendingDeletes.set(uid, entry);
      void this.tryDelete(uid);
    });
  }

  private async tryDelete(uid: string): Promise<void> {
    const entry = this.pendingDeletes.get(uid);
    if (entry === undefined || this.stopped) return;
    const md = entry.pod.metadata ?? {};
    try {
      await this.o.client.delete(PODS, md.namespace ?? 'default', md.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
      this.log.info({ pod: `${md.namespace ?? ''}/${md.name ?? ''}` }, 'pod deletion confirmed');
    } catch (err) {
      if (!isClientNotFound(err) && !isClientConflict(err)) {
        const wait = this.deleteDelay.next();
        this.log.warn({ pod: md.name, err: errorText(err), retryInMs: wait }, 'confirming pod deletion failed; will retry');
        entry.timer = this.o.clock.setTimer(wait, () => { void this.tryDelete(uid); });
        return;
      }
    }
    this.deleteDelay.reset();
    this.pendingDeletes.delete(uid);
    entry.done();
  }

  private async run(synced: () => void): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.o.nodeName}`;
    let rv: string | undefined;
    while (!this.stopped) {
      if (rv === undefined) {
        try {
          const list = await this.o.client.list<Pod>(PODS, undefined, { fieldSelector });
          if (this.isStopped()) return;
          this.reconcile(list.items);
          rv = list.metadata.resourceVersion ?? '';
          this.markConnected(true);
          this.delay.reset();
          synced();
        } catch (err) {
          if (this.isStopped()) return;
          this.markConnected(false, err);
          await this.backoff();
          continue;
        }
      }
      const startedAt = this.o.clock.now();
      let events = 0;
      try {
        const stream = this.o.client.watch<Pod>(PODS, undefined, {
          fieldSelector, resourceVersion: rv, allowWatchBookmarks: true,
          timeoutSeconds: this.o.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
          signal: this.abort.signal,
        });
        for await (const ev of stream) {
          if (this.isStopped()) return;
          events++;
          rv = ev.object.metadata?.resourceVersion ?? rv;
          this.markConnected(true);
          this.apply(ev);
        }
        if (this.isStopped()) return;
        // A watch that ends at once without a single event is a failure in disguise (dropped).
        if (events === 0 && this.o.clock.now() - startedAt < 1000) await this.backoff();
      } catch (err) {
        if (this.isStopped()) return;
        if (isClientGone(err)) {
          this.log.info('watch of pods expired (410); re-listing');
          rv = undefined;
          continue;
        }
        this.markConnected(false, err);
        // Whatever happened while we were away, the next list reconciles it.
        rv = undefined;
        await this.backoff();
      }
    }
  }

  /** Hands an event to the agent; a throwing handler is logged, never breaks the watch. */
  private deliver(kind: 'add' | 'update', arg: Pod): void;
  private deliver(kind: 'remove', arg: string): void;
  private deliver(kind: 'add' | 'update' | 'remove', arg: Pod | string): void {
    const h = this.handler;
    if (h === undefined) return;
    try {
      if (kind === 'remove') h.remove(arg as string);
      else h[kind](arg as Pod);
    } catch (err) {
      this.log.error({ err, kind }, 'pod source handler failed');
    }
  }

  private markConnected(ok: boolean, err?: unknown): void {
    if (ok && !this.connectedNow) this.log.info({ node: this.o.nodeName }, 'watching pods bound to this node');
    if (!ok) {
      const fields = { err: errorText(err), rejected: err instanceof ApiClientError && err.httpStatus < 500 };
      if (this.reportedDown) this.log.debug(fields, 'API server still unavailable');
      else this.log.warn(fields, 'lost the API server; keeping the last known pods and reconnecting');
    }
    this.reportedDown = !ok;
    this.connectedNow = ok;
  }

  private async backoff(): Promise<void> {
    try {
      await this.o.clock.sleep(this.delay.next(), this.abort.signal);
    } catch {
      // stopped
    }
  }

  /** A full list: diff against what was delivered (by uid). */
  private reconcile(items: Pod[]): void {
    const seen = new Set<string>();
    const mirrorsSeen = new Set<string>();
    for (const pod of items) {
      if (isMirrorPod(pod)) {
        mirrorsSeen.add(keyOf(pod));
        const prev = this.mirrors.get(keyOf(pod));
        this.mirrors.set(keyOf(pod), pod);
        if (prev?.metadata?.resourceVersion !== pod.metadata?.resourceVersion) this.o.onMirrorPod?.('upsert', pod);
        continue;
      }
      const uid = uidOf(pod);
      seen.add(uid);
      const prev = this.known.get(uid);
      this.known.set(uid, pod);
      if (prev === undefined) this.deliver('add', pod);
      else if (prev.metadata?.resourceVersion !== pod.metadata?.resourceVersion) this.deliver('update', pod);
    }
    for (const [uid, pod] of [...this.known]) {
      if (seen.has(uid)) continue;
      this.known.delete(uid);
      this.log.info({ pod: keyOf(pod) }, 'pod is gone from the API server; removing');
      this.deliver('remove', uid);
    }
    for (const [key, pod] of [...this.mirrors]) {
      if (mirrorsSeen.has(key)) continue;
      this.mirrors.delete(key);
      this.o.onMirrorPod?.('delete', pod);
    }
  }

  private apply(ev: WatchEvent<Pod>): void {
    const pod = ev.object;
    if (ev.type === 'BOOKMARK') return;
    if (isMirrorPod(pod)) {
      if (ev.type === 'DELETED') {
        if (this.mirrors.get(keyOf(pod))?.metadata?.uid === pod.metadata?.uid) this.mirrors.delete(keyOf(pod));
        this.o.onMirrorPod?.('delete', pod);
      } else {
        this.mirrors.set(keyOf(pod), pod);
        this.o.onMirrorPod?.('upsert', pod);
      }
      return;
    }
    const uid = uidOf(pod);
    if (ev.type === 'DELETED') {
      if (!this.known.delete(uid)) return;
      // the final object carries the grace period the deletion asked for (0 when forced)
      if (pod.metadata?.deletionTimestamp !== undefined) this.deliver('update', pod);
      this.deliver('remove', uid);
      return;
    }
    const known = this.known.has(uid);
    this.known.set(uid, pod);
    if (known) this.deliver('update', pod);
    else this.deliver('add', pod);
  }
}
