// An in-memory stand-in for ApiClient (test code): objects per resource, resourceVersions, uid and
// resourceVersion preconditions, the server's own patch engine (strategic/merge/json), pods'
// graceful deletion, watches fed from writes, and switches to make the "server" unreachable or
// fail chosen calls. Every call is recorded, so unit tests can assert what an agent part sent
// while a FakeClock drives its timing.
import { randomUUID } from 'node:crypto';
import { applyPatch, PATCH_CONTENT_TYPES } from '../../../kube/patch/patch.ts';
import {
  ApiClientError, type DeleteOptions, type KubeObject, type ListOptions, type ObjectList, type PatchType,
  type ResourceType, type WatchEvent, type WatchOptions, type WriteOptions,
} from '../../../kube/client/client.ts';
import type { Status } from 'kubernetes-types/meta/v1.d.ts';
import type { ApiClientLike } from '../../../kube/client/client-like.ts';

export interface RecordedCall {
  method: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'watch';
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
  body?: unknown;
  subresource?: string;
  patchType?: PatchType;
  options?: unknown;
}

type Obj = KubeObject & Record<string, unknown>;

interface Watcher {
  resource: string;
  namespace: string | undefined;
  fieldSelector: string | undefined;
  push: (ev: WatchEvent<KubeObject>) => void;
  end: () => void;
}

export function apiError(code: number, reason: string, message = reason): ApiClientError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
  return new ApiClientError(code, status);
}

export function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function rkey(r: ResourceType): string {
  return `${r.group}/${r.resource}`;
}

function matchesField(obj: Obj, selector: string | undefined): boolean {
  if (selector === undefined || selector === '') return true;
  return selector.split(',').every((term) => {
    const [path = '', want = ''] = term.split('=');
    let cur: unknown = obj;
    for (const p of path.split('.')) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[p] : undefined;
    return (typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean' ? String(cur) : '') === want;
  });
}

export class FakeApiClient implements ApiClientLike {
  readonly calls: RecordedCall[] = [];
  /** When true every call fails like a refused connection and open watches end. */
  private isDown = false;
  private rv = 100;
  private readonly objects = new Map<string, Obj>();
  private readonly watchers = new Set<Watcher>();
  private readonly failures: { method: RecordedCall['method']; resource?: string; error: unknown }[] = [];

  setDown(down: boolean): void {
    this.isDown = down;
    if (down) for (const w of [...this.watchers]) w.end();
  }

  /** The next call of `method` (on `resource`, if given) fails with `error`. */
  failNext(method: RecordedCall['method'], error: unknown, resource?: string): void {
    this.failures.push({ method, error, ...(resource === undefined ? {} : { resource }) });
  }

  callsOf(method: RecordedCall['method'], resource?: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && (resource === undefined || c.resource === resource));
  }

  /** Direct access to stored objects (no call recorded). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- typed reads in tests
  peek<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string): T | undefined {
    const o = this.objects.get(this.key(r, namespace, name));
    return o === undefined ? undefined : structuredClone(o) as T;
  }

  /** Puts an object in place as another client would (emits a watch event, no call recorded). */
  seed<T extends KubeObject>(r: ResourceType, namespace: string | undefined, obj: T): T {
    return this.store(r, namespace, structuredClone(obj) as Obj, true) as T;
  }

  /** Removes an object as another client would. */
  remove(r: ResourceType, namespace: string | undefined, name: string): void {
    const key = this.key(r, namespace, name);
    const o = this.objects.get(key);
    if (o === undefined) return;
    this.objects.delete(key);
    this.emit(r, namespace, { type: 'DELETED', object: { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } } });
  }

  private key(r: ResourceType, namespace: string | undefined, name: string): string {
    return `${rkey(r)}|${r.namespaced ? namespace ?? '' : ''}|${name}`;
  }

  private check(call: RecordedCall): void {
    this.calls.push(call);
    const i = this.failures.findIndex((f) => f.method === call.method && (f.resource === undefined || f.resource === call.resource));
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      throw f?.error;
    }
    if (this.isDown) throw connectionRefused();
  }

  private notFound(r: ResourceType, name: string): ApiClientError {
    return apiError(404, 'NotFound', `${r.resource} "${name}" not found`);
  }

  private store(r: ResourceType, namespace: string | undefined, obj: Obj, creating: boolean): Obj {
    const md = obj.metadata ?? {};
    const name = md.name ?? '';
    const key = this.key(r, namespace, name);
    const prev = this.objects.get(key);
    const next: Obj = {
      ...obj,
      metadata: {
        ...md,
        ...(r.namespaced ? { namespace: namespace ?? md.namespace ?? 'default' } : {}),
        uid: creating ? md.uid ?? randomUUID() : prev?.metadata?.uid ?? md.uid ?? randomUUID(),
        resourceVersion: String(++this.rv),
        creationTimestamp: creating ? md.creationTimestamp ?? new Date().toISOString() : prev?.metadata?.creationTimestamp ?? '',
      },
    };
    this.objects.set(key, next);
    this.emit(r, namespace, { type: prev === undefined ? 'ADDED' : 'MODIFIED', object: next });
    return structuredClone(next);
  }

  private emit(r: ResourceType, namespace: string | undefined, ev: WatchEvent<KubeObject>): void {
    for (const w of this.watchers) {
      if (w.resource !== rkey(r)) continue;
      if (w.namespace !== undefined && r.namespaced && w.namespace !== namespace) continue;
      if (!matchesField(ev.object as Obj, w.fieldSelector)) continue;
      w.push(structuredClone(ev));
    }
  }

  get<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    try {
      this.check({ method: 'get', resource: r.resource, namespace, name });
      const o = this.objects.get(this.key(r, namespace, name));
      if (o === undefined) throw this.notFound(r, name);
      return Promise.resolve(structuredClone(o) as T);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  list<T extends KubeObject>(r: ResourceType, namespace?: string, options: ListOptions = {}): Promise<ObjectList<T>> {
    try {
      this.check({ method: 'list', resource: r.resource, namespace, name: undefined, options });
      const items = [...this.objects.entries()]
        .filter(([k, o]) => k.startsWith(`${rkey(r)}|`) && (namespace === undefined || o.metadata?.namespace === namespace) && matchesField(o, options.fieldSelector))
        .map(([, o]) => structuredClone(o) as T);
      return Promise.resolve({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.rv) }, items });
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  create<T extends KubeObject>(r: ResourceType, namespace: string | undefined, obj: T, _options: WriteOptions = {}): Promise<T> {
    try {
      this.check({ method: 'create', resource: r.resource, namespace, name: obj.metadata?.name, body: structuredClone(obj) });
      const name = obj.metadata?.name ?? '';
      if (this.objects.has(this.key(r, namespace, name))) throw apiError(409, 'AlreadyExists', `${r.resource} "${name}" already exists`);
      return Promise.resolve(this.store(r, namespace, structuredClone(obj) as Obj, true) as T);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  update<T extends KubeObject>(r: ResourceType, namespace: string | undefined, obj: T, options: WriteOptions & { subresource?: 'status' } = {}): Promise<T> {
    try {
      const name = obj.metadata?.name ?? '';
      this.check({ method: 'update', resource: r.resource, namespace, name, body: structuredClone(obj), ...(options.subresource === undefined ? {} : { subresource: options.subresource }) });
      const cur = this.objects.get(this.key(r, namespace, name));
      if (cur === undefined) throw this.notFound(r, name);
      const want = obj.metadata?.resourceVersion;
      if (want !== undefined && want !== '' && want !== cur.metadata?.resourceVersion) throw apiError(409, 'Conflict', 'the object has been modified');
      return Promise.resolve(this.store(r, namespace, structuredClone(obj) as Obj, false) as T);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  patch<T extends KubeObject>(
    r: ResourceType, namespace: string | undefined, name: string, patch: unknown,
    type: PatchType = 'strategic', options: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<T> {
    try {
      this.check({ method: 'patch', resource: r.resource, namespace, name, body: structuredClone(patch), patchType: type, ...(options.subresource === undefined ? {} : { subresource: options.subresource }) });
      const cur = this.objects.get(this.key(r, namespace, name));
      if (cur === undefined) throw this.notFound(r, name);
      const pm = (patch as { metadata?: { uid?: string } }).metadata;
      if (pm?.uid !== undefined && pm.uid !== cur.metadata?.uid) throw apiError(409, 'Conflict', `Precondition failed: UID in precondition: ${pm.uid}`);
      const patched = applyPatch(PATCH_CONTENT_TYPES[type], structuredClone(cur), patch) as Obj;
      const next: Obj = options.subresource === 'status'
        ? { ...cur, status: patched['status'] }
        : { ...patched, ...(cur['status'] === undefined ? {} : { status: cur['status'] }) };
      return Promise.resolve(this.store(r, namespace, next, false) as T);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  delete<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<T | Status> {
    try {
      this.check({ method: 'delete', resource: r.resource, namespace, name, options: structuredClone(options) });
      const key = this.key(r, namespace, name);
      const cur = this.objects.get(key);
      if (cur === undefined) throw this.notFound(r, name);
      const uid = options.preconditions?.uid;
      if (uid !== undefined && uid !== cur.metadata?.uid) throw apiError(409, 'Conflict', `Precondition failed: UID in precondition: ${uid}`);
      const spec = cur['spec'] as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
      const grace = options.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30;
      if (r.resource === 'pods' && grace > 0 && spec?.nodeName !== undefined) {
        if (cur.metadata?.deletionTimestamp !== undefined) return Promise.resolve(structuredClone(cur) as T);
        const next: Obj = { ...cur, metadata: { ...cur.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: grace } };
        return Promise.resolve(this.store(r, namespace, next, false) as T);
      }
      this.objects.delete(key);
      this.emit(r, namespace, { type: 'DELETED', object: { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++this.rv) } } });
      return Promise.resolve(structuredClone(cur) as T);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  async *watch<T extends KubeObject>(r: ResourceType, namespace: string | undefined, options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    this.check({ method: 'watch', resource: r.resource, namespace, name: undefined, options: { ...options, signal: undefined } });
    const queue: WatchEvent<KubeObject>[] = [];
    const state = { ended: false };
    let wake: (() => void) | undefined;
    const watcher: Watcher = {
      resource: rkey(r), namespace, fieldSelector: options.fieldSelector,
      push: (ev) => { queue.push(ev); wake?.(); },
      end: () => { state.ended = true; wake?.(); },
    };
    this.watchers.add(watcher);
    const onAbort = (): void => { watcher.end(); };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const ev = queue.shift();
        if (ev !== undefined) {
          yield ev as WatchEvent<T>;
          continue;
        }
        if (state.ended) return;
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
      }
    } finally {
      this.watchers.delete(watcher);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
