// A small typed client for the API server, used by the node agent and by e2e: HTTPS with the
// cluster CA and a bearer token; get/list/create/update/patch/delete on any served resource, and
// watches as async iterators — raw (`watch`) or reflector-style (`listWatch`: list, watch,
// resume from the last resourceVersion, relist with DELETED diffs after 410 Gone).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import type { ObjectMeta, Status } from 'kubernetes-types/meta/v1.d.ts';
import { NodeletError } from '../../lib/errors.ts';
import type { ClusterConnection } from './kubeconfig.ts';

/** Which resource a call is about. */
export interface ResourceType {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods', namespaced: true };
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes', namespaced: false };
export const NAMESPACES: ResourceType = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
export const EVENTS: ResourceType = { group: '', version: 'v1', resource: 'events', namespaced: true };
export const CONFIGMAPS: ResourceType = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
export const SECRETS: ResourceType = { group: '', version: 'v1', resource: 'secrets', namespaced: true };
export const SERVICEACCOUNTS: ResourceType = { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true };
export const LEASES: ResourceType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true };

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type PatchType = 'strategic' | 'merge' | 'json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
}

export interface WatchOptions extends ListOptions {
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  signal?: AbortSignal;
}

export interface ListWatchOptions extends WatchOptions {
  /** Called after the events of each (re)list have been taken: the consumer's cache is in sync. */
  onListed?: () => void;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
}

/** An error answer of the API server, with its Status. */
export class ApiClientError extends NodeletError {
  constructor(readonly httpStatus: number, readonly status: Status) {
    super(`api.${status.reason ?? 'Unknown'}`, status.message ?? `HTTP ${httpStatus}`, { reason: status.reason ?? 'Unknown' });
  }
}

export function isClientNotFound(err: unknown): boolean {
  return err instanceof ApiClientError && err.httpStatus === 404;
}

export function isClientConflict(err: unknown): boolean {
  return err instanceof ApiClientError && err.httpStatus === 409;
}

/** 422 Invalid (also a failed uid precondition of a patch). */
export function isClientInvalid(err: unknown): boolean {
  return err instanceof ApiClientError && err.httpStatus === 422;
}

export function isClientAlreadyExists(err: unknown): boolean {
  return err instanceof ApiClientError && err.status.reason === 'AlreadyExists';
}

export function isClientGone(err: unknown): boolean {
  return err instanceof ApiClientError && err.httpStatus === 410;
}

export interface ApiClientOptions extends Omit<ClusterConnection, 'namespace'> {
  namespace?: string;
  userAgent?: string;
  /** Back-off between reconnects in listWatch (default 1 s). */
  retryDelayMs?: number;
}

interface RawResponse {
  status: number;
  body: Buffer;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

export class ApiClient {
  readonly namespace: string;
  private readonly base: URL;
  private readonly agent: HttpsAgent | HttpAgent;

  constructor(private readonly o: ApiClientOptions) {
    this.base = new URL(o.server);
    this.namespace = o.namespace ?? 'default';
    this.agent = this.base.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, ...(o.ca === undefined ? {} : { ca: o.ca }), rejectUnauthorized: o.insecureSkipTLSVerify !== true })
      : new HttpAgent({ keepAlive: true });
  }

  static fromConnection(conn: ClusterConnection, extra: Partial<ApiClientOptions> = {}): ApiClient {
    return new ApiClient({ ...conn, ...extra });
  }

  /** The URL path of a collection or object. */
  path(r: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    let p = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    if (r.namespaced && namespace !== undefined && namespace !== '') p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${r.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource !== undefined) p += `/${subresource}`;
    return p;
  }

  async get<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.json<T>('GET', this.path(r, namespace, name));
  }

  async list<T extends KubeObject>(r: ResourceType, namespace?: string, options: ListOptions = {}): Promise<ObjectList<T>> {
    return this.json<ObjectList<T>>('GET', this.path(r, namespace), { query: listQuery(options) });
  }

  async create<T extends KubeObject>(r: ResourceType, namespace: string | undefined, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.json<T>('POST', this.path(r, namespace), { body: obj, query: writeQuery(options) });
  }

  async update<T extends KubeObject>(r: ResourceType, namespace: string | undefined, obj: T, options: WriteOptions & { subresource?: 'status' } = {}): Promise<T> {
    const name = obj.metadata?.name ?? '';
    return this.json<T>('PUT', this.path(r, namespace, name, options.subresource), { body: obj, query: writeQuery(options) });
  }

  async updateStatus<T extends KubeObject>(r: ResourceType, namespace: string | undefined, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.update(r, namespace, obj, { ...options, subresource: 'status' });
  }

  async patch<T extends KubeObject>(
    r: ResourceType, namespace: string | undefined, name: string, patch: unknown,
    type: PatchType = 'strategic', options: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<T> {
    return this.json<T>('PATCH', this.path(r, namespace, name, options.subresource), {
      body: patch, contentType: PATCH_CONTENT_TYPES[type], query: writeQuery(options),
    });
  }

  async delete<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<T | Status> {
    return this.json<T | Status>('DELETE', this.path(r, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options } });
  }

  /** POST pods/<name>/binding. */
  async bind(namespace: string, pod: string, node: string): Promise<void> {
    await this.json('POST', this.path(PODS, namespace, pod, 'binding'), {
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
    });
  }

  /**
   * One watch stream: events until the server ends it (or signal aborts). An ERROR event is thrown
   * as ApiClientError (410 when the resourceVersion is too old).
   */
  async *watch<T extends KubeObject>(r: ResourceType, namespace: string | undefined, options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const query = listQuery(options);
    query.set('watch', 'true');
    if (options.timeoutSeconds !== undefined) query.set('timeoutSeconds', String(options.timeoutSeconds));
    if (options.allowWatchBookmarks === true) query.set('allowWatchBookmarks', 'true');
    const res = await this.open('GET', this.path(r, namespace), { query, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    if (res.statusCode !== 200) {
      const body = await readAll(res);
      throw toError(res.statusCode ?? 500, body);
    }
    let buffer = '';
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        buffer += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line === '') continue;
          const ev = JSON.parse(line) as { type: string; object: unknown };
          if (ev.type === 'ERROR') {
            const st = ev.object as Status;
            throw new ApiClientError(st.code ?? 500, st);
          }
          yield ev as WatchEvent<T>;
        }
      }
    } catch (err) {
      if (options.signal?.aborted === true) return;
      if (err instanceof ApiClientError) throw err;
      // A dropped connection ends the stream like a server-side timeout.
      return;
    } finally {
      res.destroy();
    }
  }

  /**
   * Reflector-style list+watch until signal aborts: ADDED for every listed object, then changes;
   * reconnects from the last seen resourceVersion; after 410 relists and emits what changed
   * meanwhile (DELETED for objects that are gone).
   */
  async *listWatch<T extends KubeObject>(r: ResourceType, namespace: string | undefined, options: ListWatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const known = new Map<string, T>();
    const keyOf = (o: T): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    const signal = options.signal;
    let rv: string | undefined;
    const delay = this.o.retryDelayMs ?? 1000;
    while (!isAborted(signal)) {
      if (rv === undefined) {
        let list: ObjectList<T>;
        try {
          list = await this.list<T>(r, namespace, pick(options));
        } catch (err) {
          if (isAborted(signal)) return;
          if (err instanceof ApiClientError && err.httpStatus < 500 && err.httpStatus !== 429) throw err;
          await sleep(delay, signal);
          continue;
        }
        const seen = new Set<string>();
        for (const item of list.items) {
          const k = keyOf(item);
          seen.add(k);
          const prev = known.get(k);
          known.set(k, item);
          if (prev === undefined) yield { type: 'ADDED', object: item };
          else if (prev.metadata?.resourceVersion !== item.metadata?.resourceVersion) yield { type: 'MODIFIED', object: item };
        }
        for (const [k, prev] of [...known]) {
          if (!seen.has(k)) {
            known.delete(k);
            yield { type: 'DELETED', object: prev };
          }
        }
        options.onListed?.();
        rv = list.metadata.resourceVersion ?? '';
      }
      try {
        const stream = this.watch<T>(r, namespace, {
          ...pick(options), resourceVersion: rv, allowWatchBookmarks: true,
          timeoutSeconds: options.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
          ...(signal === undefined ? {} : { signal }),
        });
        for await (const ev of stream) {
          rv = ev.object.metadata?.resourceVersion ?? rv;
          if (ev.type === 'BOOKMARK') continue;
          const k = keyOf(ev.object);
          if (ev.type === 'DELETED') known.delete(k);
          else known.set(k, ev.object);
          yield ev;
        }
      } catch (err) {
        if (isAborted(signal)) return;
        if (isClientGone(err)) {
          rv = undefined;
          continue;
        }
        if (!(err instanceof ApiClientError) || err.httpStatus >= 500) await sleep(delay, signal);
        else throw err;
      }
    }
  }

  close(): void {
    this.agent.destroy();
  }

  // ---- transport -------------------------------------------------------------------------------

  async json<T>(method: string, path: string, o: { query?: URLSearchParams; body?: unknown; contentType?: string } = {}): Promise<T> {
    const res = await this.raw(method, path, o);
    if (res.status >= 400) throw toError(res.status, res.body);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  private async raw(method: string, path: string, o: { query?: URLSearchParams; body?: unknown; contentType?: string }): Promise<RawResponse> {
    const res = await this.open(method, path, o);
    return { status: res.statusCode ?? 500, body: await readAll(res) };
  }

  private open(method: string, path: string, o: { query?: URLSearchParams; body?: unknown; contentType?: string; signal?: AbortSignal }): Promise<IncomingMessage> {
    const qs = o.query !== undefined && o.query.size > 0 ? `?${o.query.toString()}` : '';
    const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.o.userAgent ?? 'nodelet-client' };
    if (this.o.token !== undefined) headers['Authorization'] = `Bearer ${this.o.token}`;
    if (payload !== undefined) {
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const options = {
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: this.base.port,
      path: `${this.base.pathname.replace(/\/$/, '')}${path}${qs}`,
      method,
      headers,
      agent: this.agent,
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    };
    return new Promise((resolve, reject) => {
      const req = this.base.protocol === 'https:' ? httpsRequest(options, resolve) : httpRequest(options, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function pick(o: ListOptions): ListOptions {
  const out: ListOptions = {};
  if (o.labelSelector !== undefined) out.labelSelector = o.labelSelector;
  if (o.fieldSelector !== undefined) out.fieldSelector = o.fieldSelector;
  return out;
}

function listQuery(o: ListOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.labelSelector !== undefined) q.set('labelSelector', o.labelSelector);
  if (o.fieldSelector !== undefined) q.set('fieldSelector', o.fieldSelector);
  if (o.resourceVersion !== undefined) q.set('resourceVersion', o.resourceVersion);
  if (o.limit !== undefined) q.set('limit', String(o.limit));
  return q;
}

function writeQuery(o: WriteOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.fieldManager !== undefined) q.set('fieldManager', o.fieldManager);
  if (o.dryRun === true) q.set('dryRun', 'All');
  return q;
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function toError(status: number, body: Buffer): ApiClientError {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Status;
    if (parsed.kind === 'Status') return new ApiClientError(status, parsed);
  } catch {
    // not JSON
  }
  return new ApiClientError(status, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, message: body.toString('utf8').slice(0, 500) || `HTTP ${status}` });
}
