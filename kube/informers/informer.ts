// Shared informers as client-go builds them: one reflector (the client's listWatch: list, watch,
// resume, relist after 410) per resource feeding a cache that every controller reads, with an index
// by owner uid and handlers told of each change. A factory hands out one informer per resource, so
// five controllers watching pods cost one watch. Objects in the cache are shared: never mutate one.
import type { ApiClient, KubeObject, ResourceType } from '../client/client.ts';
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { EventHandlers, Informer, InformerSource, Lister } from './types.ts';

function cacheKey(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}

function keyOfObject(obj: KubeObject): string {
  return cacheKey(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
}

function ownerUids(obj: KubeObject): string[] {
  return (obj.metadata?.ownerReferences ?? []).map((r) => r.uid);
}

export interface InformerOptions {
  clock: Clock;
  log: Logger;
  /** Every resyncMs, handlers get update(obj, obj) for every cached object (0: never). */
  resyncMs?: number;
}

export class SharedInformer<T extends KubeObject> implements Informer<T>, Lister<T> {
  private readonly items = new Map<string, T>();
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private synced = false;
  private started = false;
  private resyncTimer: Timer | undefined;
  private readonly syncWaiters: (() => void)[] = [];
  private running: Promise<void> = Promise.resolve();

  readonly lister: Lister<T> = this;

  constructor(private readonly client: ApiClient, readonly resource: ResourceType, private readonly o: InformerOptions) {}

  addHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    // A late handler learns of what is cached already, as client-go replays the store to it.
    if (h.add !== undefined) for (const obj of this.items.values()) h.add(obj);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => { this.syncWaiters.push(resolve); });
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(cacheKey(namespace, name));
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    return this.objects(this.byNamespace.get(namespace));
  }

  byOwner(ownerUid: string): T[] {
    return this.objects(this.owners.get(ownerUid));
  }

  /** The cached objects of an index entry. */
  private objects(keys: Set<string> | undefined): T[] {
    const out: T[] = [];
    for (const k of keys ?? []) {
      const obj = this.items.get(k);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  /** Starts the reflector (once); it runs until signal aborts. */
  start(signal: AbortSignal): void {
    if (this.started) return;
    this.started = true;
    this.running = this.run(signal);
    this.armResync(signal);
  }

  /** Resolves when the reflector has stopped. */
  stopped(): Promise<void> {
    return this.running;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const stream = this.client.listWatch<T>(this.resource, undefined, {
      signal,
      onListed: () => { this.markSynced(); },
    });
    try {
      for await (const ev of stream) {
        // No controller reads managedFields; like kube-controller-manager's informers (which
        // trim them with a transform) the cache does not keep them: a third of an object's size.
        if (ev.object.metadata?.managedFields !== undefined) delete ev.object.metadata.managedFields;
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.upsert(ev.object);
        else if (ev.type === 'DELETED') this.remove(ev.object);
      }
    } catch (err) {
      if (!signal.aborted) this.o.log.error({ err, resource: this.resource.resource }, 'informer stopped');
    }
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private upsert(obj: T): void {
    const k = keyOfObject(obj);
    const old = this.items.get(k);
    if (old !== undefined) this.unindex(k, old);
    this.items.set(k, obj);
    this.index(k, obj);
    for (const h of this.handlers) {
      try {
        if (old === undefined) h.add?.(obj);
        else h.update?.(old, obj);
      } catch (err) {
        this.o.log.error({ err, resource: this.resource.resource }, 'informer handler failed');
      }
    }
  }

  private remove(obj: T): void {
    const k = keyOfObject(obj);
    const old = this.items.get(k);
    if (old !== undefined) this.unindex(k, old);
    this.items.delete(k);
    for (const h of this.handlers) {
      try {
        h.delete?.(old ?? obj);
      } catch (err) {
        this.o.log.error({ err, resource: this.resource.resource }, 'informer handler failed');
      }
    }
  }

  private index(k: string, obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    let set = this.byNamespace.get(ns);
    if (set === undefined) this.byNamespace.set(ns, (set = new Set()));
    set.add(k);
    for (const uid of ownerUids(obj)) {
      let keys = this.owners.get(uid);
      if (keys === undefined) this.owners.set(uid, (keys = new Set()));
      keys.add(k);
    }
  }

  private unindex(k: string, obj: T): void {
    const ns = obj.metadata?.namespace ?? '';
    const set = this.byNamespace.get(ns);
    set?.delete(k);
    if (set?.size === 0) this.byNamespace.delete(ns);
    for (const uid of ownerUids(obj)) {
      const keys = this.owners.get(uid);
      keys?.delete(k);
      if (keys?.size === 0) this.owners.delete(uid);
    }
  }

  private armResync(signal: AbortSignal): void {
    const every = this.o.resyncMs ?? 0;
    if (every <= 0 || signal.aborted) return;
    this.resyncTimer = this.o.clock.setTimer(every, () => {
      for (const obj of this.items.values()) for (const h of this.handlers) h.update?.(obj, obj);
      this.armResync(signal);
    });
    signal.addEventListener('abort', () => { this.resyncTimer?.cancel(); }, { once: true });
  }
}

/** SharedInformerFactory: one informer per resource, started together (and late ones at once). */
export class InformerFactory implements InformerSource {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private signal: AbortSignal | undefined;

  constructor(private readonly client: ApiClient, private readonly o: InformerOptions) {}

  informer<T extends KubeObject>(r: ResourceType): SharedInformer<T> {
    const id = `${r.group}/${r.version}/${r.resource}`;
    let inf = this.informers.get(id);
    if (inf === undefined) {
      inf = new SharedInformer<KubeObject>(this.client, r, this.o);
      this.informers.set(id, inf);
      if (this.signal !== undefined) inf.start(this.signal);
    }
    return inf as unknown as SharedInformer<T>;
  }

  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const inf of this.informers.values()) inf.start(signal);
  }

  /** WaitForCacheSync over every informer made so far. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  /** Resolves when every reflector has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stopped()));
  }
}
