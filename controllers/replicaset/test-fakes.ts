// In-memory stand-ins for the executor's unit tests: informers whose caches the test fills (and
// whose handlers it fires), an API client whose answers the test scripts, a recorder and a queue
// that remember what they were given.
import type { KubeObject, ResourceType } from '../../kube/client/client.ts';
import type { ApiClient } from '../../kube/client/client.ts';
import type { EventHandlers, Informer, InformerSource, Lister } from '../../kube/informers/types.ts';
import type { Clock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import type { ControllerContext, Enqueue, EventRecorder, EventType } from '../framework/types.ts';

export class FakeInformer<T extends KubeObject> implements Informer<T>, Lister<T> {
  readonly items = new Map<string, T>();
  readonly handlers: EventHandlers<T>[] = [];
  readonly lister: Lister<T> = this;

  addHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
  }

  hasSynced(): boolean {
    return true;
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    return [...this.items.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  byOwner(uid: string): T[] {
    return [...this.items.values()].filter((o) => (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid));
  }

  /** Puts obj in the cache and tells the handlers (add, or update from the previous version). */
  set(obj: T): void {
    const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const h of this.handlers) {
      if (old === undefined) h.add?.(obj);
      else h.update?.(old, obj);
    }
  }

  remove(obj: T): void {
    this.items.delete(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
    for (const h of this.handlers) h.delete?.(obj);
  }
}

export class FakeInformers implements InformerSource {
  private readonly byResource = new Map<string, FakeInformer<KubeObject>>();

  informer<T extends KubeObject>(r: ResourceType): FakeInformer<T> {
    let inf = this.byResource.get(r.resource);
    if (inf === undefined) {
      inf = new FakeInformer<KubeObject>();
      this.byResource.set(r.resource, inf);
    }
    return inf as unknown as FakeInformer<T>;
  }
}

export interface RecordedEvent {
  name: string;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ name: obj.metadata?.name ?? '', type, reason, message });
  }
}

export interface ClientCall {
  verb: 'get' | 'create' | 'patch' | 'delete' | 'updateStatus';
  resource: string;
  name: string;
  body?: unknown;
}

/** A scripted client: each verb answers through a handler the test may replace. */
export class FakeClient {
  readonly calls: ClientCall[] = [];
  onGet: (r: ResourceType, name: string) => Promise<KubeObject> = () => Promise.reject(new Error('unexpected get'));
  onCreate: (obj: KubeObject, n: number) => Promise<KubeObject> = (obj, n) => Promise.resolve({ ...obj, metadata: { ...obj.metadata, name: `${obj.metadata?.generateName ?? ''}${String(n)}` } });
  onPatch: (name: string, patch: unknown) => Promise<KubeObject> = (name) => Promise.resolve({ metadata: { name } });
  onDelete: (name: string) => Promise<KubeObject> = () => Promise.resolve({});
  onUpdateStatus: (obj: KubeObject, n: number) => Promise<KubeObject> = (obj) => Promise.resolve(obj);
  private creates = 0;
  private statusWrites = 0;

  get(r: ResourceType, _ns: string | undefined, name: string): Promise<KubeObject> {
    this.calls.push({ verb: 'get', resource: r.resource, name });
    return this.onGet(r, name);
  }

  create(r: ResourceType, _ns: string | undefined, obj: KubeObject): Promise<KubeObject> {
    this.calls.push({ verb: 'create', resource: r.resource, name: obj.metadata?.generateName ?? '', body: obj });
    return this.onCreate(obj, this.creates++);
  }

  patch(r: ResourceType, _ns: string | undefined, name: string, patch: unknown): Promise<KubeObject> {
    this.calls.push({ verb: 'patch', resource: r.resource, name, body: patch });
    return this.onPatch(name, patch);
  }

  delete(r: ResourceType, _ns: string | undefined, name: string): Promise<KubeObject> {
    this.calls.push({ verb: 'delete', resource: r.resource, name });
    return this.onDelete(name);
  }

  updateStatus(r: ResourceType, _ns: string | undefined, obj: KubeObject): Promise<KubeObject> {
    this.calls.push({ verb: 'updateStatus', resource: r.resource, name: obj.metadata?.name ?? '', body: obj });
    return this.onUpdateStatus(obj, this.statusWrites++);
  }

  count(verb: ClientCall['verb']): number {
    return this.calls.filter((c) => c.verb === verb).length;
  }
}

export class FakeQueue implements Enqueue {
  readonly added: string[] = [];
  readonly later: { key: string; ms: number }[] = [];

  add(key: string): void {
    this.added.push(key);
  }

  addAfter(key: string, ms: number): void {
    this.later.push({ key, ms });
  }
}

export function fakeContext(clock: Clock): { ctx: ControllerContext; client: FakeClient; informers: FakeInformers; recorder: FakeRecorder } {
  const client = new FakeClient();
  const informers = new FakeInformers();
  const recorder = new FakeRecorder();
  const ctx: ControllerContext = {
    client: client as unknown as ApiClient,
    informers,
    clock,
    log: silentLogger,
    recorder: () => recorder,
  };
  return { ctx, client, informers, recorder };
}
