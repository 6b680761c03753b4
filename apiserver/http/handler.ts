// The API server's request handling, independent of the socket: authentication, the non-resource
// endpoints (version, health, discovery, openapi) and every verb on every served resource.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import { openapiDocument, type PatchType } from '../machinery.ts';
import { bindPod } from '../registry/pod-binding.ts';
import type { Registry } from '../registry/registry.ts';
import type { ResourceStore, WriteOptions } from '../registry/resource-store.ts';
import type { DeleteOptionsBody } from '../registry/strategies.ts';
import { groupVersion } from '../resources.ts';
import type { KubeObject } from '../storage/types.ts';
import { decodeBody, decodeObjectBody, readBody } from './body.ts';
import { aggregatedDiscovery, apiGroupDocument, apiGroupList, apiResourceList, apiVersions, VERSION_INFO, versionsOf } from './discovery.ts';
import { aggregatedDiscoveryVersion, contentType, outputFor } from './negotiate.ts';
import { renderList, renderObject } from './render.ts';
import { parseResourcePath, type ResourceRequest } from './request-info.ts';
import { pathNotFound, sendError, sendJson, sendText, toApiError } from './respond.ts';
import { WatchStream } from './watch-stream.ts';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Authenticator {
  /** The user a bearer token belongs to, or undefined. */
  authenticate(token: string): UserInfo | undefined;
}

/** Where the exec/attach/log subresources of a pod are served (the node agent proxy). */
export interface PodStreaming {
  logs(req: IncomingMessage, res: ServerResponse, pod: KubeObject, query: URLSearchParams): Promise<void>;
  /** exec/attach (remote-command channels) or log (binary.k8s.io / base64.binary.k8s.io) over WebSocket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, subresource: 'exec' | 'attach' | 'log', query: URLSearchParams): Promise<void>;
}

export interface HandlerOptions {
  registry: Registry;
  clock: Clock;
  log: Logger;
  authenticator: Authenticator;
  streaming?: PodStreaming;
  /** host:port clients use to reach the server (discovery's serverAddressByClientCIDRs). */
  serverAddress: () => string;
  /** Bookmark period for watches that allow them (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Server-chosen watch timeout is between this and twice this (default 1800 s). */
  minRequestTimeoutSeconds?: number;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw ApiError.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

export class ApiHandler {
  private readonly watches = new Set<WatchStream>();

  constructor(private readonly o: HandlerOptions) {}

  /** Node http(s) 'request' listener. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      const apiErr = toApiError(err);
      if (apiErr.httpCode >= 500) this.o.log.error({ err, method: req.method, url: req.url }, 'request failed');
      sendError(res, apiErr);
    });
  }

  /** Node http(s) 'upgrade' listener (exec, attach and log over WebSocket). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.routeUpgrade(req, socket, head).catch((err: unknown) => {
      const apiErr = toApiError(err);
      if (apiErr.httpCode >= 500) this.o.log.error({ err, url: req.url }, 'upgrade failed');
      if (!socket.writable) return;
      const body = JSON.stringify(apiErr.status);
      socket.end(`HTTP/1.1 ${apiErr.httpCode} ${apiErr.status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
  }

  /** Ends every open watch (server shutdown). */
  closeWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  private authenticate(req: IncomingMessage): UserInfo {
    const token = bearer(req);
    const user = token === undefined ? undefined : this.o.authenticator.authenticate(token);
    if (user === undefined) throw ApiError.unauthorized();
    return user;
  }

  private async routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.authenticate(req);
    const url = new URL(req.url ?? '/', 'https://localhost');
    const info = parseResourcePath(req.method ?? 'GET', url.pathname, url.searchParams);
    if (info?.group !== '' || info.resource !== 'pods' || info.name === undefined || (info.subresource !== 'exec' && info.subresource !== 'attach' && info.subresource !== 'log')) {
      if (info?.resource === 'pods' && info.subresource === 'portforward') throw ApiError.badRequest('port-forward is not supported by this server');
      throw pathNotFound();
    }
    const streaming = this.o.streaming;
    if (streaming === undefined) throw ApiError.badRequest(`${info.subresource} is not available`);
    const pod = await this.o.registry.pods.get(info.namespace, info.name);
    await streaming.upgrade(req, socket, head, pod, info.subresource, url.searchParams);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.authenticate(req);
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const accept = req.headers.accept;
    switch (path) {
      case '/version':
        sendJson(res, 200, VERSION_INFO);
        return;
      case '/healthz':
      case '/livez':
      case '/readyz':
        sendText(res, 200, 'ok');
        return;
      case '/api': {
        const v = aggregatedDiscoveryVersion(accept);
        if (v !== undefined) sendJson(res, 200, aggregatedDiscovery(true, v), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
        else sendJson(res, 200, apiVersions(this.o.serverAddress()));
        return;
      }
      case '/apis': {
        const v = aggregatedDiscoveryVersion(accept);
        if (v !== undefined) sendJson(res, 200, aggregatedDiscovery(false, v), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
        else sendJson(res, 200, apiGroupList());
        return;
      }
      case '/openapi/v2':
        throw pathNotFound();
      default:
    }
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      const doc = openapiDocument(path.slice('/openapi/v3'.length).replace(/^\//, ''));
      if (doc === undefined) throw pathNotFound();
      sendJson(res, 200, doc);
      return;
    }
    if (path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) {
      sendText(res, 200, 'ok');
      return;
    }
    const gv = /^\/(?:api\/(v[^/]+)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
    if (gv !== null) {
      if (gv[1] !== undefined) {
        if (!versionsOf('').includes(gv[1])) throw pathNotFound();
        sendJson(res, 200, apiResourceList('', gv[1]));
        return;
      }
      const group = gv[2] ?? '';
      const versions = versionsOf(group);
      if (versions.length === 0) throw pathNotFound();
      if (gv[3] === undefined) sendJson(res, 200, apiGroupDocument(group));
      else if (versions.includes(gv[3])) sendJson(res, 200, apiResourceList(group, gv[3]));
      else throw pathNotFound();
      return;
    }
    const info = parseResourcePath(method, path, url.searchParams);
    if (info === undefined) throw pathNotFound();
    const store = this.o.registry.find(info.group, info.version, info.resource);
    if (store === undefined) throw pathNotFound();
    if (!store.info.namespaced && info.namespace !== undefined) throw pathNotFound();
    if (store.info.namespaced && info.namespace === undefined && info.name !== undefined) throw pathNotFound();
    await this.serveResource(req, res, url.searchParams, info, store);
  }

  private writeOptions(q: URLSearchParams): WriteOptions {
    const dryRun = q.getAll('dryRun');
    for (const d of dryRun) if (d !== 'All') throw ApiError.badRequest(`Invalid dry run value: ${d}`);
    return { dryRun: dryRun.length > 0 };
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, info: ResourceRequest, store: ResourceStore): Promise<void> {
    const ns = store.info.namespaced ? info.namespace : undefined;
    const sub = info.subresource;
    const accept = req.headers.accept;
    const now = this.o.clock.now();
    if (sub !== undefined) {
      await this.serveSubresource(req, res, q, info, store, sub);
      return;
    }
    switch (info.verb) {
      case 'get': {
        const obj = await store.get(ns, info.name ?? '');
        const output = outputFor(accept, q.get('includeObject'));
        const body = renderObject(store.info.resource, obj, output, now);
        sendJson(res, 200, body, output.form === 'table' ? `application/json;as=Table;v=${output.version};g=meta.k8s.io` : 'application/json');
        return;
      }
      case 'list': {
        const limit = intParam(q, 'limit');
        const l = await store.list(ns, {
          ...this.selectors(q),
          ...(limit === undefined ? {} : { limit }),
          ...(q.get('continue') === null ? {} : { continue: q.get('continue') ?? '' }),
        });
        const output = outputFor(accept, q.get('includeObject'));
        const shape = {
          resource: store.info.resource,
          listKind: store.info.listKind,
          apiVersion: groupVersion(store.info),
          items: l.items,
          resourceVersion: l.resourceVersion,
          ...(l.continue === undefined ? {} : { continue: l.continue }),
        };
        const { body, contentType: ct } = renderList(shape, output, now);
        sendJson(res, 200, body, ct);
        return;
      }
      case 'watch': {
        await this.serveWatch(req, res, q, info, store);
        return;
      }
      case 'create': {
        const body = this.checkKind(decodeObjectBody(await readBody(req), req.headers['content-type']), store.info.kind, groupVersion(store.info));
        const created = await store.create(ns, body, this.writeOptions(q));
        sendJson(res, 201, created);
        return;
      }
      case 'update': {
        const body = this.checkKind(decodeObjectBody(await readBody(req), req.headers['content-type']), store.info.kind, groupVersion(store.info));
        const updated = await store.update(ns, info.name ?? '', body, undefined, this.writeOptions(q));
        sendJson(res, 200, updated);
        return;
      }
      case 'patch': {
        const patched = await this.patch(req, q, store, ns, info.name ?? '', undefined);
        sendJson(res, 200, patched);
        return;
      }
      case 'delete': {
        const options = await this.deleteOptions(req, q);
        const out = await store.delete(ns, info.name ?? '', options, this.writeOptions(q));
        sendJson(res, 200, out.object);
        return;
      }
      case 'deletecollection': {
        if (!store.info.verbs.includes('deletecollection')) throw ApiError.methodNotSupported(store.gr(), 'deletecollection');
        const options = await this.deleteOptions(req, q);
        const items = await store.deleteCollection(ns, this.selectors(q), options, this.writeOptions(q));
        sendJson(res, 200, { kind: store.info.listKind, apiVersion: groupVersion(store.info), metadata: {}, items });
        return;
      }
      default:
        throw ApiError.methodNotSupported(store.gr(), info.verb);
    }
  }

  private async serveSubresource(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, info: ResourceRequest, store: ResourceStore, sub: string): Promise<void> {
    const ns = store.info.namespaced ? info.namespace : undefined;
    const name = info.name ?? '';
    const method = req.method ?? 'GET';
    const supported = store.info.subresources.find((s) => s.name === sub);
    if (supported === undefined) throw pathNotFound();
    if (sub === 'status' || sub === 'finalize') {
      if (method === 'GET' && sub === 'status') {
        sendJson(res, 200, await store.get(ns, name));
        return;
      }
      if (method === 'PUT') {
        const body = this.checkKind(decodeObjectBody(await readBody(req), req.headers['content-type']), store.info.kind, groupVersion(store.info));
        sendJson(res, 200, await store.update(ns, name, body, sub, this.writeOptions(q)));
        return;
      }
      if (method === 'PATCH' && sub === 'status') {
        sendJson(res, 200, await this.patch(req, q, store, ns, name, 'status'));
        return;
      }
      throw ApiError.methodNotSupported({ group: store.info.group, resource: `${store.info.resource}/${sub}` }, method.toLowerCase());
    }
    if (sub === 'binding') {
      if (method !== 'POST') throw ApiError.methodNotSupported({ resource: 'pods/binding' }, method.toLowerCase());
      const body = this.checkKind(decodeObjectBody(await readBody(req), req.headers['content-type']), 'Binding', 'v1');
      const target = (body['target'] ?? {}) as { name?: unknown; kind?: unknown };
      const bodyMeta = (body['metadata'] ?? {}) as { name?: unknown; uid?: unknown };
      if (typeof bodyMeta.name === 'string' && bodyMeta.name !== '' && bodyMeta.name !== name) {
        throw ApiError.badRequest(`the name of the object (${bodyMeta.name}) does not match the name on the URL (${name})`);
      }
      if (this.writeOptions(q).dryRun !== true) {
        await bindPod(store, this.o.clock, ns ?? '', name, typeof target.name === 'string' ? target.name : '', typeof bodyMeta.uid === 'string' ? bodyMeta.uid : undefined);
      }
      sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      return;
    }
    if (sub === 'log') {
      const pod = await store.get(ns, name);
      const streaming = this.o.streaming;
      if (streaming === undefined) throw ApiError.badRequest('logs are not available');
      await streaming.logs(req, res, pod, q);
      return;
    }
    if (sub === 'exec' || sub === 'attach' || sub === 'portforward') {
      throw ApiError.badRequest('Upgrade request required');
    }
    throw pathNotFound();
  }

  private selectors(q: URLSearchParams): { labelSelector?: string; fieldSelector?: string } {
    const out: { labelSelector?: string; fieldSelector?: string } = {};
    const ls = q.get('labelSelector');
    const fs = q.get('fieldSelector');
    if (ls !== null) out.labelSelector = ls;
    if (fs !== null) out.fieldSelector = fs;
    return out;
  }

  private async serveWatch(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, info: ResourceRequest, store: ResourceStore): Promise<void> {
    const ns = store.info.namespaced ? info.namespace : undefined;
    const sel = this.selectors(q);
    if (info.name !== undefined) {
      // Legacy /watch/.../name: the collection watch narrowed to one name.
      const byName = `metadata.name=${info.name}`;
      sel.fieldSelector = sel.fieldSelector === undefined || sel.fieldSelector === '' ? byName : `${sel.fieldSelector},${byName}`;
    }
    store.matcher(sel.labelSelector, sel.fieldSelector); // 400 on bad selectors, before the stream starts
    const rv = q.get('resourceVersion') ?? '';
    if (rv !== '' && rv !== '0' && !/^\d+$/.test(rv)) throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
    const timeout = intParam(q, 'timeoutSeconds');
    const min = this.o.minRequestTimeoutSeconds ?? 1800;
    const stream: WatchStream = new WatchStream(res, {
      store,
      namespace: ns,
      watch: { ...sel, resourceVersion: rv },
      output: outputFor(req.headers.accept, q.get('includeObject')),
      clock: this.o.clock,
      timeoutSeconds: timeout !== undefined && timeout > 0 ? timeout : Math.floor(min * (1 + Math.random())),
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      bookmarkIntervalMs: this.o.bookmarkIntervalMs ?? 60_000,
      revision: () => this.o.registry.storage.revision(),
      onEnd: () => { this.watches.delete(stream); },
    });
    this.watches.add(stream);
    await stream.start();
  }

  private async patch(req: IncomingMessage, q: URLSearchParams, store: ResourceStore, ns: string | undefined, name: string, sub: 'status' | undefined): Promise<KubeObject> {
    const ct = contentType(req.headers['content-type']);
    const type = PATCH_TYPES[ct];
    if (type === undefined) {
      throw ApiError.unsupportedMediaType(Object.keys(PATCH_TYPES));
    }
    const raw = await readBody(req);
    const patch = decodeBody(raw, 'application/json');
    if (patch === undefined) throw ApiError.badRequest('the body of the request was empty');
    if (type !== 'json' && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) {
      throw ApiError.badRequest('the patch must be a JSON object');
    }
    if (type === 'json' && !Array.isArray(patch)) throw ApiError.badRequest('the JSON patch must be an array of operations');
    return store.patch(ns, name, type, patch, sub, this.writeOptions(q));
  }

  private async deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptionsBody> {
    const raw = await readBody(req);
    const body = (decodeBody(raw, req.headers['content-type']) ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('DeleteOptions must be a JSON object');
    const options: DeleteOptionsBody = {};
    const grace = intParam(q, 'gracePeriodSeconds') ?? (typeof body['gracePeriodSeconds'] === 'number' ? body['gracePeriodSeconds'] : undefined);
    if (grace !== undefined) options.gracePeriodSeconds = grace;
    const pre = body['preconditions'];
    if (typeof pre === 'object' && pre !== null) {
      const p = pre as Record<string, unknown>;
      options.preconditions = {};
      if (typeof p['uid'] === 'string') options.preconditions.uid = p['uid'];
      if (typeof p['resourceVersion'] === 'string') options.preconditions.resourceVersion = p['resourceVersion'];
    }
    const policy = q.get('propagationPolicy') ?? body['propagationPolicy'];
    if (typeof policy === 'string') options.propagationPolicy = policy;
    return options;
  }

  /** The body must be of the kind the URL serves (or leave kind/apiVersion out). */
  private checkKind(body: Record<string, unknown>, kind: string, apiVersion: string): KubeObject {
    const k = typeof body['kind'] === 'string' ? body['kind'] : body['kind'] === undefined ? undefined : JSON.stringify(body['kind']);
    const v = typeof body['apiVersion'] === 'string' ? body['apiVersion'] : body['apiVersion'] === undefined ? undefined : JSON.stringify(body['apiVersion']);
    if (v !== undefined && v !== '' && v !== apiVersion) {
      throw ApiError.badRequest(`the API version in the data (${v}) does not match the expected API version (${apiVersion})`);
    }
    if (k !== undefined && k !== '' && k !== kind) {
      throw ApiError.badRequest(`${k} in version ${JSON.stringify(apiVersion)} cannot be handled as a ${kind}: the object provided is unrecognized (must be of type ${kind})`);
    }
    if (body['metadata'] !== undefined && (typeof body['metadata'] !== 'object' || body['metadata'] === null || Array.isArray(body['metadata']))) {
      throw ApiError.badRequest(`${kind} in version ${JSON.stringify(apiVersion)} cannot be handled as a ${kind}: metadata must be an object`);
    }
    return body;
  }
}
