// The API server's request handling, independent of the socket: authentication, the non-resource
// endpoints (version, health, discovery, openapi) and every verb on every served resource.
import { ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { ApiError } from '../api/errors.ts';
import { applyPatch, type PatchType } from '../machinery.ts';
import { createOpenApiDocuments, type CachedDocument, type OpenApiDocuments } from '../../kube/schemas/openapi-documents.ts';
import { OPENAPI_V2_PROTOBUF_CONTENT_TYPE, openApiV2Format, openApiV2Protobuf, type OpenApiV2Protobuf } from '../../kube/schemas/openapi-v2-proto.ts';
import type { ParentStore, RequestUser, ReviewContext, ScaleSpec, TokenAuthority } from '../kinds/kind.ts';
import { scaleOf, withScale } from '../registry/scale.ts';
import { bindPod } from '../registry/pod-binding.ts';
import type { Registry } from '../registry/registry.ts';
import { appliedDuplicateWarnings, type ApplyOutcome, type ResourceStore, type WriteOptions } from '../registry/resource-store.ts';
import type { DeleteOptionsBody } from '../registry/strategies.ts';
import { groupVersion } from '../resources.ts';
import type { KubeObject } from '../storage/types.ts';
import { decodeApplyBody, decodeBody, decodeBodyWithFacts, decodeObjectBody, decodeObjectBodyWithFacts, readBody } from './body.ts';
import { aggregatedDiscovery, apiGroupDocument, apiGroupList, apiResourceList, apiVersions, VERSION_INFO, versionsOf } from './discovery.ts';
import { aggregatedDiscoveryVersion, contentType, outputFor } from './negotiate.ts';
import { renderList, renderObject } from './render.ts';
import { parseResourcePath, type ResourceRequest } from './request-info.ts';
import { healthAnswer, type HealthChecks } from './health.ts';
import { dryRunQuery, listQuery, managerOrUserAgent, MAX_TIMER_SECONDS, Query, writeQuery, type OptionsKind } from './query.ts';
import { anonymousForbidden, isPublicInfoPath, methodNotAllowed, parseRequestTarget, SERVED_METHODS } from './request-target.ts';
import { pathNotFound, sendError, sendJson, sendText, toApiError } from './respond.ts';
import { setWarningHeaders } from './warning-headers.ts';
import { WatchStream } from './watch-stream.ts';

export type UserInfo = RequestUser;

export interface Authenticator {
  /** The user a bearer token belongs to, or undefined. */
  authenticate(token: string): UserInfo | undefined;
}

/** Where the exec/attach/log subresources of a pod are served (the node agent proxy). */
export interface PodStreaming {
  logs(req: IncomingMessage, res: ServerResponse, pod: KubeObject, query: URLSearchParams): Promise<void>;
  /**
   * exec/attach (remote-command channels over WebSocket or SPDY), portforward (WebSocket, SPDY,
   * or SPDY tunnelled in WebSocket) and log over WebSocket.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject, subresource: 'exec' | 'attach' | 'log' | 'portforward', query: URLSearchParams): Promise<void>;
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
  /** Checks behind /healthz, /livez and /readyz (default: ping, log and etcd, all passing). */
  healthChecks?: HealthChecks;
  /** Who may do what, for SubjectAccessReviews (default: system:masters and system:nodes may do anything). */
  authorizer?: (user: UserInfo, attributes: Record<string, unknown>) => { allowed: boolean; reason: string };
  /** Signs and verifies service-account tokens (serviceaccounts/token, TokenReview). */
  tokens?: TokenAuthority;
}

/** A PATCH's type: one of the patch formats, or server-side apply. */
type PatchKind = PatchType | 'apply';

/**
 * The patch media types in the order kube-apiserver lists them in its 415 (the CBOR form of apply,
 * application/apply-patch+cbor, is behind a feature gate that is off in 1.32, so it is refused).
 */
const PATCH_TYPES: Readonly<Record<string, PatchKind>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The PATCH's type from its Content-Type; 415 when the kind does not take it. */
function patchKindOf(header: string | undefined, strategic: boolean): PatchKind {
  const accepted = Object.keys(PATCH_TYPES).filter((t) => strategic || PATCH_TYPES[t] !== 'strategic');
  const ct = contentType(header);
  const kind = accepted.includes(ct) ? PATCH_TYPES[ct] : undefined;
  if (kind === undefined) throw ApiError.unsupportedMediaType(accepted);
  return kind;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

export class ApiHandler {
  private readonly watches = new Set<WatchStream>();
  /**
   * /openapi/v2 and /openapi/v3 of the served kinds, each document built on first request and
   * cached; built again when the served set changes (CRDs), keeping the unchanged group-versions'.
   */
  private openapiDocs: { generation: number; docs: OpenApiDocuments } | undefined;

  private get openapi(): OpenApiDocuments {
    const generation = this.o.registry.servedGeneration;
    if (this.openapiDocs?.generation !== generation) {
      const docs = createOpenApiDocuments(this.o.registry.resources(), { serverVersion: VERSION_INFO.gitVersion }, this.openapiDocs?.docs);
      this.openapiDocs = { generation, docs };
    }
    return this.openapiDocs.docs;
  }

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
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    if (!isStreamingRequest(req)) {
      // An Upgrade header on any other request is ignored, as Go's server does: serve it plainly.
      if (head.length > 0) socket.unshift(head);
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket);
      res.on('finish', () => { socket.end(); });
      this.handle(req, res);
      return;
    }
    this.routeUpgrade(req, socket, head).catch((err: unknown) => {
      const apiErr = toApiError(err);
      if (apiErr.httpCode >= 500) this.o.log.error({ err, url: req.url }, 'upgrade failed');
      writeRawError(socket, apiErr);
    });
  }

  /**
   * Node hands CONNECT to its own event and drops the connection when nobody listens: answer it
   * like any other method no route takes.
   */
  handleConnect(req: IncomingMessage, socket: Duplex): void {
    socket.on('error', () => undefined);
    let err: ApiError;
    try {
      const user = this.authenticate(req);
      const target = parseRequestTarget(req.url);
      err = user === undefined ? anonymousForbidden('CONNECT', target.path, parseResourcePath('CONNECT', target.path, target.query)) : methodNotAllowed();
    } catch (e) {
      err = toApiError(e);
    }
    writeRawError(socket, err);
  }

  /** Ends every open watch (server shutdown). */
  closeWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  /**
   * The user behind the request: undefined for a request without credentials (the anonymous
   * user, who may read only the public info paths); a token nobody issued is a 401.
   */
  private authenticate(req: IncomingMessage): UserInfo | undefined {
    if (req.headers.authorization === undefined) return undefined;
    const token = bearer(req);
    const user = token === undefined ? undefined : this.o.authenticator.authenticate(token);
    if (user === undefined) throw ApiError.unauthorized();
    return impersonated(req, user, (u, attrs) => (this.o.authorizer ?? defaultAuthorizer)(u, attrs));
  }

  private async routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = parseRequestTarget(req.url);
    const user = this.authenticate(req);
    const info = parseResourcePath(req.method ?? 'GET', target.path, target.query);
    if (user === undefined) throw anonymousForbidden(req.method ?? 'GET', target.path, info);
    const sub = info?.subresource;
    if (info?.group !== '' || info.resource !== 'pods' || info.name === undefined || info.namespace === undefined || (sub !== 'exec' && sub !== 'attach' && sub !== 'log' && sub !== 'portforward')) {
      throw pathNotFound();
    }
    const streaming = this.o.streaming;
    if (streaming === undefined) throw ApiError.badRequest(`${info.subresource} is not available`);
    const pod = await this.o.registry.pods.get(info.namespace, info.name);
    await streaming.upgrade(req, socket, head, pod, sub, target.query);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseRequestTarget(req.url);
    const user = this.authenticate(req);
    const path = target.path.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const accept = req.headers.accept;
    if (user === undefined && !(isPublicInfoPath(path) && (method === 'GET' || method === 'HEAD'))) {
      throw anonymousForbidden(method, target.path, parseResourcePath(method, path, target.query));
    }
    if (!SERVED_METHODS.has(method)) throw methodNotAllowed();
    const health = healthAnswer(path, target.query, this.o.healthChecks ?? DEFAULT_HEALTH_CHECKS);
    if (health !== undefined) {
      sendText(res, health.code, health.body);
      return;
    }
    switch (path) {
      case '/version':
        sendJson(res, 200, VERSION_INFO);
        return;
      case '/api': {
        const v = aggregatedDiscoveryVersion(accept);
        if (v !== undefined) sendJson(res, 200, aggregatedDiscovery(true, v, this.o.registry.resources()), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
        else sendJson(res, 200, apiVersions(this.o.serverAddress(), this.o.registry.resources()));
        return;
      }
      case '/apis': {
        const v = aggregatedDiscoveryVersion(accept);
        if (v !== undefined) sendJson(res, 200, aggregatedDiscovery(false, v, this.o.registry.resources()), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
        else sendJson(res, 200, apiGroupList(this.o.registry.resources()));
        return;
      }
      case '/openapi/v2': {
        // kubectl asks for the protobuf form (gnostic's message) when validating a kind whose v3
        // document has no fieldValidation parameter (the reviews); others read the JSON
        const format = openApiV2Format(accept);
        if (format === undefined) throw ApiError.notAcceptable(['application/json', OPENAPI_V2_PROTOBUF_CONTENT_TYPE]);
        if (format === 'json') sendDocument(req, res, this.openapi.v2(), false);
        else sendProtobufDocument(req, res, openApiV2Protobuf(this.openapi.v2()));
        return;
      }
      case '/openapi/v3':
        sendDocument(req, res, this.openapi.v3Index(), false);
        return;
      default:
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.openapi.v3(path.slice('/openapi/v3/'.length));
      if (doc === undefined) throw pathNotFound();
      // a request naming the document's hash may be cached for good (kube's immutable caching)
      sendDocument(req, res, doc, target.query.get('hash') === doc.hash);
      return;
    }
    const gv = /^\/(?:api\/(v[^/]+)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
    if (gv !== null) {
      const served = this.o.registry.resources();
      if (gv[1] !== undefined) {
        if (!versionsOf('', served).includes(gv[1])) throw pathNotFound();
        sendJson(res, 200, apiResourceList('', gv[1], served));
        return;
      }
      const group = gv[2] ?? '';
      const versions = versionsOf(group, served);
      if (versions.length === 0) throw pathNotFound();
      if (gv[3] === undefined) sendJson(res, 200, apiGroupDocument(group, served));
      else if (versions.includes(gv[3])) sendJson(res, 200, apiResourceList(group, gv[3], served));
      else throw pathNotFound();
      return;
    }
    const info = parseResourcePath(method, path, target.query);
    if (info === undefined) throw pathNotFound();
    const store = this.o.registry.find(info.group, info.version, info.resource);
    if (store === undefined) throw pathNotFound();
    if (!store.info.namespaced && info.namespace !== undefined) throw pathNotFound();
    if (store.info.namespaced && info.namespace === undefined && info.name !== undefined) throw pathNotFound();
    // a namespaced kind's cluster-wide path serves only list and watch (go-restful's routes)
    if (store.info.namespaced && info.namespace === undefined && info.subresource === undefined && info.verb !== 'list' && info.verb !== 'watch') throw methodNotAllowed();
    await this.serveResource(req, res, new Query(target.query), info, store, user);
  }

  private writeOptions(q: Query, kind: 'DeleteOptions'): WriteOptions;
  private writeOptions(q: Query, kind: Exclude<OptionsKind, 'DeleteOptions'>, req: IncomingMessage, apply?: boolean): WriteOptions;
  /**
   * The write's options from the query (one 422 for all their problems, as upstream validates
   * them) and the manager it is recorded for: the fieldManager parameter, else the User-Agent's
   * prefix (managerOrUserAgent).
   */
  private writeOptions(q: Query, kind: OptionsKind, req?: IncomingMessage, apply = false): WriteOptions {
    if (kind === 'DeleteOptions') return { dryRun: dryRunQuery(q.strings('dryRun'), kind) };
    const w = writeQuery(q, kind, apply);
    // Node reads header bytes as Latin-1; Go reads the User-Agent as UTF-8
    const ua = req?.headers['user-agent'];
    const out: WriteOptions = { dryRun: w.dryRun, fieldValidation: w.fieldValidation, manager: managerOrUserAgent(w.fieldManager, ua === undefined ? undefined : Buffer.from(ua, 'latin1').toString('utf8')) };
    if (w.force !== undefined) out.force = w.force;
    return out;
  }

  /**
   * A create or update body with the facts fieldValidation checks (its duplicate keys), and a
   * write that sends the store's warnings as Warning headers, whether it succeeds or fails.
   */
  private async write<T>(req: IncomingMessage, res: ServerResponse, q: Query, kind: 'CreateOptions' | 'UpdateOptions', expected: { kind: string; apiVersion: string }, run: (body: KubeObject, write: WriteOptions) => Promise<T>): Promise<T> {
    const raw = await readBody(req);
    const options = this.writeOptions(q, kind, req);
    const { object, facts } = decodeObjectBodyWithFacts(raw, req.headers['content-type'], options.fieldValidation !== 'Ignore');
    const body = this.checkKind(object, expected.kind, expected.apiVersion);
    const warnings: string[] = [];
    try {
      return await run(body, { ...options, body: facts, warnings });
    } finally {
      setWarningHeaders(res, warnings);
    }
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, q: Query, info: ResourceRequest, store: ResourceStore, user: UserInfo | undefined): Promise<void> {
    const ns = store.info.namespaced ? info.namespace : undefined;
    const sub = info.subresource;
    const accept = req.headers.accept;
    const now = this.o.clock.now();
    if (sub !== undefined) {
      await this.serveSubresource(req, res, q, info, store, sub, user);
      return;
    }
    // a verb the kind does not declare has no route (the create-only reviews): go-restful's 405
    if (!store.info.verbs.includes(info.verb) && info.verb !== 'deletecollection') throw methodNotAllowed();
    switch (info.verb) {
      case 'get': {
        const obj = await store.get(ns, info.name ?? '');
        const output = outputFor(accept, q.string('includeObject') ?? null);
        const body = renderObject(store.info, obj, output, now);
        sendJson(res, 200, body, output.form === 'table' ? `application/json;as=Table;v=${output.version};g=meta.k8s.io` : 'application/json');
        return;
      }
      case 'list': {
        const lq = listQuery(q, info.watchPrefix);
        const l = await store.list(ns, {
          ...selectorsOf(lq),
          ...(lq.limit === undefined ? {} : { limit: lq.limit }),
          ...(lq.continue === undefined ? {} : { continue: lq.continue }),
          resourceVersion: lq.resourceVersion,
          ...(lq.resourceVersionMatch === undefined ? {} : { resourceVersionMatch: lq.resourceVersionMatch }),
        });
        const output = outputFor(accept, q.string('includeObject') ?? null);
        const shape = {
          kind: store.info,
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
        if (store.info.review !== undefined) {
          const answer = await this.write(req, res, q, 'CreateOptions', { kind: store.info.kind, apiVersion: groupVersion(store.info) }, (body, write) => Promise.resolve(store.review(body, this.reviewContext(user, ns), write)));
          sendJson(res, 201, answer);
          return;
        }
        const created = await this.write(req, res, q, 'CreateOptions', { kind: store.info.kind, apiVersion: groupVersion(store.info) }, (body, write) => store.create(ns, body, write));
        sendJson(res, 201, created);
        return;
      }
      case 'update': {
        const updated = await this.write(req, res, q, 'UpdateOptions', { kind: store.info.kind, apiVersion: groupVersion(store.info) }, (body, write) => store.update(ns, info.name ?? '', body, undefined, write));
        sendJson(res, 200, updated);
        return;
      }
      case 'patch': {
        const patched = await this.patch(req, res, q, store, ns, info.name ?? '', undefined);
        sendJson(res, patched.created ? 201 : 200, patched.object);
        return;
      }
      case 'delete': {
        const options = await this.deleteOptions(req, q);
        const out = await store.delete(ns, info.name ?? '', options, this.writeOptions(q, 'DeleteOptions'));
        sendJson(res, 200, out.object);
        return;
      }
      case 'deletecollection': {
        if (!store.info.verbs.includes('deletecollection')) throw ApiError.methodNotSupported(store.gr(), 'deletecollection');
        const options = await this.deleteOptions(req, q);
        const items = await store.deleteCollection(ns, selectorsOf(listQuery(q, false)), options, this.writeOptions(q, 'DeleteOptions'));
        sendJson(res, 200, { kind: store.info.listKind, apiVersion: groupVersion(store.info), metadata: {}, items });
        return;
      }
      default:
        throw ApiError.methodNotSupported(store.gr(), info.verb);
    }
  }

  private async serveSubresource(req: IncomingMessage, res: ServerResponse, q: Query, info: ResourceRequest, store: ResourceStore, sub: string, user: UserInfo | undefined): Promise<void> {
    const ns = store.info.namespaced ? info.namespace : undefined;
    const name = info.name ?? '';
    const method = req.method ?? 'GET';
    const supported = store.info.subresources.find((s) => s.name === sub);
    if (supported === undefined) throw pathNotFound();
    const own = store.info.subresourceHandlers[sub];
    if (own !== undefined) {
      if (!supported.verbs.includes(verbOfMethod(method))) {
        throw ApiError.methodNotSupported({ group: store.info.group, resource: `${store.info.resource}/${sub}` }, method.toLowerCase());
      }
      const raw = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      const answer = await own({
        method,
        namespace: ns,
        name,
        body: decodeBody(raw, req.headers['content-type']),
        query: q.params,
        dryRun: this.writeOptions(q, 'CreateOptions', req).dryRun === true,
        contentType: contentType(req.headers['content-type']),
        user: user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] },
        clock: this.o.clock,
        tokens: this.o.tokens,
        parent: parentStore(store),
        storeOf: (group, resource) => {
          const other = this.o.registry.all().find((r) => r.info.group === group && r.info.resource === resource);
          return other === undefined ? undefined : parentStore(other);
        },
        list: async (group, resource, namespace) => {
          const other = this.o.registry.all().find((r) => r.info.group === group && r.info.resource === resource);
          return other === undefined ? [] : (await other.list(namespace)).items;
        },
      });
      sendJson(res, answer.code, answer.body);
      return;
    }
    if (sub === 'status' || sub === 'finalize') {
      if (method === 'GET' && sub === 'status') {
        sendJson(res, 200, await store.get(ns, name));
        return;
      }
      if (method === 'PUT') {
        sendJson(res, 200, await this.write(req, res, q, 'UpdateOptions', { kind: store.info.kind, apiVersion: groupVersion(store.info) }, (body, write) => store.update(ns, name, body, sub, write)));
        return;
      }
      if (method === 'PATCH' && sub === 'status') {
        sendJson(res, 200, (await this.patch(req, res, q, store, ns, name, 'status')).object);
        return;
      }
      throw ApiError.methodNotSupported({ group: store.info.group, resource: `${store.info.resource}/${sub}` }, method.toLowerCase());
    }
    if (sub === 'scale' && store.info.scale !== undefined) {
      await this.serveScale(req, res, q, store, ns, name, store.info.scale);
      return;
    }
    if (sub === 'binding') {
      if (method !== 'POST') throw ApiError.methodNotSupported({ resource: 'pods/binding' }, method.toLowerCase());
      const body = this.checkKind(decodeObjectBody(await readBody(req), req.headers['content-type']), 'Binding', 'v1');
      const target = (body['target'] ?? {}) as { name?: unknown; kind?: unknown };
      const bodyMeta = (body['metadata'] ?? {}) as { name?: unknown; uid?: unknown };
      if (typeof bodyMeta.name === 'string' && bodyMeta.name !== '' && bodyMeta.name !== name) {
        throw ApiError.badRequest(`the name of the object (${bodyMeta.name}) does not match the name on the URL (${name})`);
      }
      if (this.writeOptions(q, 'CreateOptions', req).dryRun !== true) {
        await bindPod(store, this.o.clock, ns ?? '', name, typeof target.name === 'string' ? target.name : '', typeof bodyMeta.uid === 'string' ? bodyMeta.uid : undefined);
      }
      sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      return;
    }
    if (sub === 'log') {
      const pod = await store.get(ns, name);
      const streaming = this.o.streaming;
      if (streaming === undefined) throw ApiError.badRequest('logs are not available');
      await streaming.logs(req, res, pod, q.params);
      return;
    }
    if (sub === 'exec' || sub === 'attach' || sub === 'portforward') {
      throw ApiError.badRequest('Upgrade request required');
    }
    throw pathNotFound();
  }

  /** What a create-only kind (the reviews) answers with: the requester, authentication and authorization. */
  private reviewContext(user: UserInfo | undefined, namespace: string | undefined): ReviewContext {
    return {
      user: user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] },
      authenticate: (token) => this.o.authenticator.authenticate(token),
      authorize: (u, attributes) => (this.o.authorizer ?? defaultAuthorizer)(u, attributes),
      namespace,
      clock: this.o.clock,
      tokens: this.o.tokens,
    };
  }

  /**
   * GET, PUT and PATCH (apply included) of /scale: the kind's replicas as an autoscaling/v1 Scale.
   * Writes are recorded as upstream's ScaleHandler does: the Scale shows the owners of the
   * replicas field, the field manager runs on the Scale, and its owners of spec.replicas become
   * the parent's (with subresource "scale").
   */
  private async serveScale(req: IncomingMessage, res: ServerResponse, q: Query, store: ResourceStore, ns: string | undefined, name: string, spec: ScaleSpec): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      sendJson(res, 200, scaleOf(await store.get(ns, name), spec));
      return;
    }
    const fm = store.fields;
    let write: WriteOptions;
    let change: (oldScale: KubeObject, current: KubeObject) => KubeObject;
    const warnings: string[] = [];
    if (method === 'PUT') {
      const body = this.checkKind(decodeObjectBody(await readBody(req), req.headers['content-type']), 'Scale', 'autoscaling/v1');
      write = this.writeOptions(q, 'UpdateOptions', req);
      const manager = write.manager ?? '';
      const rv = isRecordValue(body['metadata']) ? body['metadata']['resourceVersion'] : undefined;
      change = (oldScale, current) => {
        if (typeof rv === 'string' && rv !== '' && rv !== current.metadata?.resourceVersion) throw ApiError.conflict(store.gr(), name);
        return fm.updateScale(oldScale, structuredClone(body), manager);
      };
    } else if (method === 'PATCH') {
      const type = patchKindOf(req.headers['content-type'], store.info.strategicMergePatch);
      const raw = await readBody(req);
      write = this.writeOptions(q, 'PatchOptions', req, type === 'apply');
      const manager = write.manager ?? '';
      if (type === 'apply') {
        const { object: applied, facts } = decodeApplyBody(raw, write.fieldValidation !== 'Ignore');
        const force = write.force === true;
        const strictOptions: WriteOptions = { ...write, body: facts };
        change = (oldScale) => {
          const out = fm.applyScale(oldScale, applied, manager, force);
          warnings.splice(0, warnings.length, ...appliedDuplicateWarnings(strictOptions));
          return out;
        };
      } else {
        const patch = decodeBody(raw, 'application/json');
        change = (oldScale) => fm.updateScale(oldScale, applyPatch(type, structuredClone(oldScale), patch), manager);
      }
    } else {
      throw ApiError.methodNotSupported({ group: store.info.group, resource: `${store.info.resource}/scale` }, method.toLowerCase());
    }
    try {
      const updated = await store.guaranteedUpdate(ns, name, write, (current) => {
        const newScale = change(fm.scaleView(current, scaleOf(current, spec), spec), current);
        const next = withScale(current, newScale, spec, name);
        const entries = fm.parentEntries(current, newScale, spec);
        const md = next['metadata'] as Record<string, unknown>;
        if (entries === undefined) delete md['managedFields'];
        else md['managedFields'] = entries;
        return store.prepareUpdate(current, next, undefined);
      });
      sendJson(res, 200, scaleOf(updated, spec));
    } finally {
      setWarningHeaders(res, warnings);
    }
  }

  private async serveWatch(req: IncomingMessage, res: ServerResponse, q: Query, info: ResourceRequest, store: ResourceStore): Promise<void> {
    const ns = store.info.namespaced ? info.namespace : undefined;
    const lq = listQuery(q, true);
    const sel = selectorsOf(lq);
    if (info.name !== undefined) {
      // Legacy /watch/.../name: the collection watch narrowed to one name.
      const byName = `metadata.name=${info.name}`;
      sel.fieldSelector = sel.fieldSelector === undefined || sel.fieldSelector === '' ? byName : `${sel.fieldSelector},${byName}`;
    }
    store.matcher(sel.labelSelector, sel.fieldSelector); // 400 on bad selectors, before the stream starts
    const rv = lq.resourceVersion;
    if (rv !== '' && rv !== '0' && !/^\d+$/.test(rv)) throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
    // 0 or absent: the server's choice, between min and 2×min request timeout; negative: at once
    const min = this.o.minRequestTimeoutSeconds ?? 1800;
    const requested = lq.timeoutSeconds ?? 0;
    const timeoutSeconds = requested === 0 ? Math.floor(min * (1 + Math.random())) : Math.min(requested, MAX_TIMER_SECONDS);
    const stream: WatchStream = new WatchStream(res, {
      store,
      namespace: ns,
      watch: { ...sel, resourceVersion: rv, ...(lq.sendInitialEvents === undefined ? {} : { sendInitialEvents: lq.sendInitialEvents }) },
      output: outputFor(req.headers.accept, q.string('includeObject') ?? null),
      clock: this.o.clock,
      timeoutSeconds,
      bookmarks: lq.allowWatchBookmarks,
      bookmarkIntervalMs: this.o.bookmarkIntervalMs ?? 60_000,
      initialEventsEnd: lq.sendInitialEvents === true && lq.allowWatchBookmarks,
      revision: () => this.o.registry.storage.revision(),
      onEnd: () => { this.watches.delete(stream); },
    });
    this.watches.add(stream);
    await stream.start();
  }

  /** PATCH of the resource or its status: a patch, or a server-side apply (which may create: 201). */
  private async patch(req: IncomingMessage, res: ServerResponse, q: Query, store: ResourceStore, ns: string | undefined, name: string, sub: 'status' | undefined): Promise<ApplyOutcome> {
    const type = patchKindOf(req.headers['content-type'], store.info.strategicMergePatch);
    const raw = await readBody(req);
    const write = this.writeOptions(q, 'PatchOptions', req, type === 'apply');
    const warnings: string[] = [];
    try {
      if (type === 'apply') {
        const { object: applied, facts } = decodeApplyBody(raw, write.fieldValidation !== 'Ignore');
        return await store.apply(ns, name, applied, sub, { ...write, body: facts, warnings });
      }
      const { value: patch, facts } = decodeBodyWithFacts(raw, 'application/json', write.fieldValidation !== 'Ignore');
      if (patch === undefined) throw ApiError.badRequest('the body of the request was empty');
      if (type !== 'json' && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) {
        throw ApiError.badRequest('the patch must be a JSON object');
      }
      if (type === 'json' && !Array.isArray(patch)) throw ApiError.badRequest('the JSON patch must be an array of operations');
      return { object: await store.patch(ns, name, type, patch, sub, { ...write, body: facts, warnings }), created: false };
    } finally {
      setWarningHeaders(res, warnings);
    }
  }

  /**
   * DeleteOptions from the body or, when the body is empty, from the query (upstream reads one or
   * the other, never both).
   */
  private async deleteOptions(req: IncomingMessage, q: Query): Promise<DeleteOptionsBody> {
    const raw = await readBody(req);
    const decoded = decodeBody(raw, req.headers['content-type']);
    const options: DeleteOptionsBody = {};
    if (decoded === undefined) {
      const grace = q.int('gracePeriodSeconds');
      if (grace !== undefined) options.gracePeriodSeconds = grace;
      const policy = q.string('propagationPolicy');
      if (policy !== undefined) options.propagationPolicy = policy;
      return options;
    }
    if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
      throw ApiError.badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonTypeOf(decoded)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
    }
    const body = decoded as Record<string, unknown>;
    const grace = body['gracePeriodSeconds'];
    if (grace !== undefined && grace !== null && (typeof grace !== 'number' || !Number.isInteger(grace) || Math.abs(grace) > Number.MAX_SAFE_INTEGER)) {
      const shown = typeof grace === 'number' ? `number ${String(grace)}` : jsonTypeOf(grace);
      throw ApiError.badRequest(`json: cannot unmarshal ${shown} into Go struct field DeleteOptions.gracePeriodSeconds of type int64`);
    }
    if (typeof grace === 'number') options.gracePeriodSeconds = grace;
    const pre = body['preconditions'];
    if (pre !== undefined && pre !== null && (typeof pre !== 'object' || Array.isArray(pre))) {
      throw ApiError.badRequest(cannotUnmarshal(pre, 'DeleteOptions.preconditions', 'v1.Preconditions'));
    }
    if (typeof pre === 'object' && pre !== null) {
      const p = pre as Record<string, unknown>;
      options.preconditions = {};
      for (const f of ['uid', 'resourceVersion'] as const) {
        const value = p[f];
        if (value !== undefined && value !== null && typeof value !== 'string') {
          throw ApiError.badRequest(cannotUnmarshal(value, `Preconditions.preconditions.${f}`, f === 'uid' ? 'types.UID' : 'string'));
        }
        if (typeof value === 'string') options.preconditions[f] = value;
      }
    }
    const policy = body['propagationPolicy'];
    if (policy !== undefined && policy !== null && typeof policy !== 'string') throw ApiError.badRequest(cannotUnmarshal(policy, 'DeleteOptions.propagationPolicy', 'v1.DeletionPropagation'));
    if (typeof policy === 'string') options.propagationPolicy = policy;
    return options;
  }

  /** The body must be of the kind the URL serves (or leave kind/apiVersion out). */
  private checkKind(body: Record<string, unknown>, kind: string, apiVersion: string): KubeObject {
    for (const field of ['kind', 'apiVersion'] as const) {
      const v = body[field];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${cannotUnmarshal(v, `.${field}`, 'string')}`);
      }
    }
    const k = typeof body['kind'] === 'string' ? body['kind'] : undefined;
    const v = typeof body['apiVersion'] === 'string' ? body['apiVersion'] : undefined;
    if (v !== undefined && v !== '' && v !== apiVersion) {
      throw ApiError.badRequest(`the API version in the data (${v}) does not match the expected API version (${apiVersion})`);
    }
    if (k !== undefined && k !== '' && k !== kind) {
      throw ApiError.badRequest(`${k} in version ${JSON.stringify(apiVersion)} cannot be handled as a ${kind}: the object provided is unrecognized (must be of type ${kind})`);
    }
    const m = body['metadata'];
    if (m !== undefined && m !== null && (typeof m !== 'object' || Array.isArray(m))) {
      throw ApiError.badRequest(`${kind} in version ${JSON.stringify(apiVersion)} cannot be handled as a ${kind}: ${cannotUnmarshal(m, `${kind}.metadata`, 'v1.ObjectMeta')}`);
    }
    return body;
  }
}

const DEFAULT_HEALTH_CHECKS: HealthChecks = { ping: () => true, log: () => true, etcd: () => true };

function selectorsOf(lq: { labelSelector?: string; fieldSelector?: string }): { labelSelector?: string; fieldSelector?: string } {
  const out: { labelSelector?: string; fieldSelector?: string } = {};
  if (lq.labelSelector !== undefined) out.labelSelector = lq.labelSelector;
  if (lq.fieldSelector !== undefined) out.fieldSelector = lq.fieldSelector;
  return out;
}

function jsonTypeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value;
}

/** encoding/json's type error, as the decoder words it (`field` is `Struct.path.to.field`). */
export function cannotUnmarshal(value: unknown, field: string, goType: string): string {
  const [struct = '', ...rest] = field.split('.');
  return `json: cannot unmarshal ${jsonTypeOf(value)} into Go struct field ${struct}.${rest.join('.')} of type ${goType}`;
}

/** A Status response written straight to a socket that left HTTP parsing (upgrade, CONNECT). */
export function writeRawError(socket: Duplex, err: ApiError): void {
  if (!socket.writable) return;
  const body = JSON.stringify(err.status);
  socket.end(`HTTP/1.1 ${err.httpCode} ${STATUS_CODES[err.httpCode] ?? 'Error'}\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'log', 'portforward']);

/** exec, attach, portforward and log of a pod: the requests an upgrade is meant for. */
function isStreamingRequest(req: IncomingMessage): boolean {
  try {
    const target = parseRequestTarget(req.url);
    const info = parseResourcePath(req.method ?? 'GET', target.path, target.query);
    return info?.resource === 'pods' && STREAM_SUBRESOURCES.has(info.subresource ?? '');
  } catch {
    return false;
  }
}

function isRecordValue(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What the server allows today: every authenticated request is served, and the two identities it
 * issues are an administrator (system:masters) and nodes; RBAC is a later piece.
 */
function defaultAuthorizer(user: UserInfo): { allowed: boolean; reason: string } {
  if (user.groups.includes('system:masters') || user.groups.includes('system:nodes')) return { allowed: true, reason: '' };
  return { allowed: false, reason: '' };
}

function verbOfMethod(method: string): string {
  switch (method) {
    case 'GET': case 'HEAD': return 'get';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    default: return method.toLowerCase();
  }
}

/** A store as a subresource handler may use it. */
function parentStore(store: ResourceStore): ParentStore {
  return {
    get: (namespace, name) => store.get(namespace, name),
    update: (namespace, name, fn, options) => store.guaranteedUpdate(namespace, name, options, (current) => (options.prepared === true ? fn(current) : store.prepareUpdate(current, fn(current), undefined))),
    delete: (namespace, name, options, write) => store.delete(namespace, name, options, write),
  };
}

/** The protobuf /openapi/v2 with the JSON document's ETag (kube-openapi's: responses vary by Accept). */
function sendProtobufDocument(req: IncomingMessage, res: ServerResponse, doc: OpenApiV2Protobuf): void {
  const headers = { ETag: doc.etag, 'Cache-Control': 'no-cache, private', Vary: 'Accept' };
  if (req.headers['if-none-match'] === doc.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': doc.contentType, 'Content-Length': doc.body.length });
  res.end(req.method === 'HEAD' ? undefined : doc.body);
}

/** An OpenAPI document with its ETag; 304 when the client has it already. */
function sendDocument(req: IncomingMessage, res: ServerResponse, doc: CachedDocument, immutable: boolean): void {
  const cache = immutable ? 'public, immutable' : 'no-cache, private';
  if (req.headers['if-none-match'] === doc.etag) {
    res.writeHead(304, { ETag: doc.etag, 'Cache-Control': cache });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(doc.json), ETag: doc.etag, 'Cache-Control': cache });
  res.end(req.method === 'HEAD' ? undefined : doc.json);
}

/**
 * The user a request acts as (kube-apiserver's impersonation filter): Impersonate-User, -Group,
 * -Uid and -Extra-* replace the authenticated user when it may impersonate (kubectl --as,
 * --as-group); the impersonated user is authenticated, and a service account gets its groups.
 */
function impersonated(
  req: IncomingMessage,
  user: UserInfo,
  authorize: (u: UserInfo, attributes: Record<string, unknown>) => { allowed: boolean; reason: string },
): UserInfo {
  const header = (name: string): string[] => {
    const v = req.headers[name];
    return v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
  };
  const name = header('impersonate-user')[0];
  const groups = header('impersonate-group');
  const uid = header('impersonate-uid')[0];
  const extra: Record<string, string[]> = {};
  for (const h of Object.keys(req.headers)) {
    if (h.startsWith('impersonate-extra-')) extra[decodeURIComponent(h.slice('impersonate-extra-'.length))] = header(h);
  }
  if (name === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0) {
      throw ApiError.badRequest('requested impersonation of groups, uid or extra without impersonating a user');
    }
    return user;
  }
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
  const resource = sa !== null ? 'serviceaccounts' : 'users';
  if (!authorize(user, { verb: 'impersonate', resource, name }).allowed) {
    const where = sa !== null ? `in API group "" in the namespace "${sa[1] ?? ''}"` : 'in API group "" at the cluster scope';
    throw ApiError.forbidden({ group: '', resource }, sa !== null ? sa[2] ?? '' : name, `User "${user.name}" cannot impersonate resource "${resource}" ${where}`);
  }
  const out: UserInfo = { name, groups: [...groups] };
  if (sa !== null && groups.length === 0) out.groups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1] ?? ''}`);
  if (name !== 'system:anonymous' && !out.groups.includes('system:authenticated')) out.groups.push('system:authenticated');
  if (uid !== undefined) out.uid = uid;
  if (Object.keys(extra).length > 0) out.extra = extra;
  return out;
}
