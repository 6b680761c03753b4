// Mirror pods (the kubelet's mirror_client.go + the mirror part of syncPod/HandlePodCleanups):
// every static pod gets a copy in the API, same name and namespace, annotated
// kubernetes.io/config.mirror=<static pod hash>, owned by the Node, so kubectl sees it. The mirror
// goes when the static pod goes; one with a stale hash, or being deleted by someone (kubectl
// delete), is deleted and created again; one deleted outright is created again. Mirrors of this
// node without a static pod are removed on resync (start() and every resyncMs).
//
// Feed it the static pods (it is a PodSourceHandler: tee the manifest source into it) and the
// mirror pods the API pod source sees (observe()).
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { isClientConflict, isClientNotFound, NODES, PODS } from '../../kube/client/client.ts';
import type { Clock, Timer } from '../../lib/clock.ts';
import { NodeletError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION } from '../sources/manifest-dir.ts';
import type { PodSourceHandler } from '../sources/pod-source.ts';
import type { MirrorEvent } from './api-pod-source.ts';
import { isMirrorPod } from './api-pod-source.ts';
import { errorText, type ApiClientLike } from '../../kube/client/client-like.ts';
import { RetryDelay } from './retry-delay.ts';

export interface MirrorPodsOptions {
  client: ApiClientLike;
  nodeName: string;
  clock: Clock;
  log?: Logger;
  /** Full pass (orphans, missed events) this often (default 60 s, the kubelet's sync period). */
  resyncMs?: number;
  /** Called after a mirror pod was (re)created, e.g. to write the static pod's status to it. */
  onMirrorCreated?: (staticPod: Pod, mirror: Pod) => void;
}

function keyOf(pod: Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

export function staticPodHash(pod: Pod): string {
  return pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION] ?? pod.metadata?.uid ?? '';
}

/** The API object for a static pod: its identity, labels, annotations and spec; owned by the Node. */
export function buildMirrorPod(staticPod: Pod, node: { name: string; uid: string }): Pod {
  const md = staticPod.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: md.name ?? '',
      namespace: md.namespace ?? 'default',
      ...(md.labels === undefined ? {} : { labels: { ...md.labels } }),
      annotations: { ...(md.annotations ?? {}), [CONFIG_MIRROR_ANNOTATION]: staticPodHash(staticPod) },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }],
    },
    spec: structuredClone(staticPod.spec ?? { containers: [] }),
  };
}

export class MirrorPods implements PodSourceHandler {
  private readonly statics = new Map<string, Pod>();
  private readonly mirrors = new Map<string, Pod>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly retryTimers = new Map<string, Timer>();
  private readonly delay: RetryDelay;
  private nodeUid: string | undefined;
  private resyncTimer: Timer | undefined;
  private started = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly o: MirrorPodsOptions) {
    this.log = o.log ?? silentLogger;
    this.delay = new RetryDelay({ initialMs: 1000, maxMs: 30_000 });
  }

  // ---- PodSourceHandler (static pods) -----------------------------------------------------------

  add(pod: Pod): void {
    this.statics.set(pod.metadata?.uid ?? '', pod);
    void this.schedule(keyOf(pod));
  }

  update(pod: Pod): void {
    this.add(pod);
  }

  remove(uid: string): void {
    const pod = this.statics.get(uid);
    if (pod === undefined) return;
    this.statics.delete(uid);
    void this.schedule(keyOf(pod));
  }

  // ---- mirror pods as the API has them ----------------------------------------------------------

  observe(event: MirrorEvent, mirror: Pod): void {
    const key = keyOf(mirror);
    if (event === 'delete') {
      if (this.mirrors.get(key)?.metadata?.uid === mirror.metadata?.uid) this.mirrors.delete(key);
    } else {
      this.mirrors.set(key, mirror);
    }
    if (!this.started) return;
    const s = this.staticFor(key);
    const healthy = event === 'upsert' && s !== undefined && this.matches(mirror, s);
    if (!healthy) void this.schedule(key);
  }

  /** The current mirror pod of a static pod (undefined while there is none). */
  mirrorOf(staticPod: Pod): Pod | undefined {
    const m = this.mirrors.get(keyOf(staticPod));
    return m !== undefined && this.matches(m, staticPod) ? m : undefined;
  }

  /** Starts syncing: a full pass now (call after both sources delivered their pods), then periodically. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    void this.resync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resyncTimer?.cancel();
    for (const t of this.retryTimers.values()) t.cancel();
    this.retryTimers.clear();
    await Promise.all([...this.chains.values()]);
  }

  /** One full pass: every static pod and every known mirror (orphans are deleted). */
  async resync(): Promise<void> {
    this.resyncTimer?.cancel();
    const keys = new Set<string>([...[...this.statics.values()].map(keyOf), ...this.mirrors.keys()]);
    await Promise.all([...keys].map((k) => this.schedule(k)));
    if (!this.stopped) {
      this.resyncTimer = this.o.clock.setTimer(this.o.resyncMs ?? 60_000, () => { void this.resync(); });
    }
  }

  /** Resolves when queued work is done (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private matches(mirror: Pod, staticPod: Pod): boolean {
    return isMirrorPod(mirror)
      && mirror.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] === staticPodHash(staticPod)
      && mirror.metadata.deletionTimestamp === undefined;
  }

  private staticFor(key: string): Pod | undefined {
    for (const p of this.statics.values()) if (keyOf(p) === key) return p;
    return undefined;
  }

  private schedule(key: string): Promise<void> {
    if (!this.started || this.stopped) return Promise.resolve();
    this.retryTimers.get(key)?.cancel();
    this.retryTimers.delete(key);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.syncOne(key)).catch((err: unknown) => {
      const wait = this.delay.next();
      this.log.warn({ pod: key, err: errorText(err), retryInMs: wait }, 'syncing mirror pod failed; will retry');
      if (!this.stopped) this.retryTimers.set(key, this.o.clock.setTimer(wait, () => { void this.schedule(key); }));
    });
    this.chains.set(key, next);
    void next.then(() => { if (this.chains.get(key) === next) this.chains.delete(key); });
    return next;
  }

  private async syncOne(key: string): Promise<void> {
    if (this.stopped) return;
    const [namespace = 'default', name = ''] = key.split('/');
    const staticPod = this.staticFor(key);
    let current: Pod | undefined;
    try {
      current = await this.o.client.get<Pod>(PODS, namespace, name);
    } catch (err) {
      if (!isClientNotFound(err)) throw err;
    }
    if (current !== undefined && !isMirrorPod(current)) {
      this.mirrors.delete(key);
      if (staticPod !== undefined) this.log.warn({ pod: key }, 'a pod that is not a mirror pod has the static pod\'s name; not creating a mirror pod');
      return;
    }
    if (current !== undefined) {
      if (staticPod !== undefined && this.matches(current, staticPod)) {
        this.mirrors.set(key, current);
        this.delay.reset();
        return;
      }
      await this.deleteMirror(namespace, name, current.metadata?.uid ?? '');
      this.mirrors.delete(key);
    }
    if (staticPod === undefined) return;
    const uid = await this.ownerUid();
    const mirror = buildMirrorPod(staticPod, { name: this.o.nodeName, uid });
    // AlreadyExists (the old one is still being removed) fails this pass; the retry creates it.
    const created = await this.o.client.create<Pod>(PODS, namespace, mirror);
    this.mirrors.set(key, created);
    this.delay.reset();
    this.log.info({ pod: key }, 'created mirror pod');
    this.o.onMirrorCreated?.(staticPod, created);
  }

  private async deleteMirror(namespace: string, name: string, uid: string): Promise<void> {
    try {
      await this.o.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
      this.log.info({ pod: `${namespace}/${name}` }, 'deleted mirror pod');
    } catch (err) {
      if (!isClientNotFound(err) && !isClientConflict(err)) throw err;
    }
  }

  private async ownerUid(): Promise<string> {
    if (this.nodeUid !== undefined) return this.nodeUid;
    const node = await this.o.client.get<Node>(NODES, undefined, this.o.nodeName);
    const uid = node.metadata?.uid;
    if (uid === undefined) throw new NodeletError('mirror.no-node-uid', `node ${this.o.nodeName} has no uid`);
    this.nodeUid = uid;
    return uid;
  }
}
