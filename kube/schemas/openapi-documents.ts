// What the API server serves as OpenAPI, built from the generated schemas for the resources it
// serves: the /openapi/v3 index, one /openapi/v3/<group-version> document per group-version
// (components.schemas reachable from its kinds, and paths for every served verb) and the Swagger
// 2.0 /openapi/v2 document. The documents carry what kubectl 1.32 reads:
//   - explain finds a resource's GVK in the x-kubernetes-group-version-kind of an operation on
//     /api(s)/<gv>/[namespaces/{namespace}/]<resource>[/{name}], then the schema whose
//     x-kubernetes-group-version-kind list holds it, and walks properties/items/allOf;
//   - apply/create --validate=strict looks for a PATCH operation of the GVK that lists the
//     `fieldValidation` query parameter (then the server validates: fieldValidation=Strict);
//   - client-side apply computes the strategic merge patch from these schemas when that PATCH
//     operation accepts application/strategic-merge-patch+json.
// Builders are pure; createOpenApiDocuments() caches each document once with its content hash
// (hex SHA-512, as kube-apiserver's handler3 computes it), which the index puts in `?hash=`.
import { createHash } from 'node:crypto';
import { definition, kindSchemaName, reachableDefinitions, refName, schemaDocument, type Schema } from './schemas.ts';

export interface ServedSubresource {
  name: string;
  /** Kind of the subresource's body (Pod for status, Scale, Binding, PodExecOptions…). */
  kind: string;
  verbs: readonly string[];
  /** Group/version of that kind when it is not the parent's (Scale is autoscaling/v1). */
  group?: string;
  version?: string;
}

export interface ServedResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, as in URLs. */
  resource: string;
  namespaced: boolean;
  verbs: readonly string[];
  subresources?: readonly ServedSubresource[];
  /**
   * The kind's own definitions, for kinds the generated schemas do not know (custom resources):
   * the names of the kind's and its list's, and the definitions by name (their `$ref`s to other
   * names are to the generated schemas).
   */
  openapi?: { definition: string; listDefinition: string; schemas: Readonly<Record<string, Schema>> } | undefined;
  /** Whether its PATCH takes strategic merge patches (default true; custom resources' does not). */
  strategicMergePatch?: boolean;
}

export interface BuildOptions {
  /** info.version of the documents (the server's gitVersion). */
  serverVersion?: string;
}

type Obj = Record<string, unknown>;
type Gvk = { group: string; version: string; kind: string };

const V3_REF = '#/components/schemas/';
const ref = (name: string): Obj => ({ $ref: `${V3_REF}${name}` });
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** The path key of a group-version in the /openapi/v3 index: 'api/v1', 'apis/apps/v1'. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** Hex SHA-512 of a document's bytes, upper case: the `hash` query and the ETag. */
export function contentHash(text: string): string {
  return createHash('sha512').update(text).digest('hex').toUpperCase();
}

function upperFirst(s: string): string {
  return s.slice(0, 1).toUpperCase() + s.slice(1);
}

/** 'rbac.authorization.k8s.io' → 'rbacAuthorization'; '' → 'core'. */
function groupWord(group: string): string {
  if (group === '') return 'core';
  const parts = group.replace(/\.k8s\.io$/, '').split('.');
  return parts.map((p, i) => (i === 0 ? p : upperFirst(p))).join('');
}

function tagOf(group: string, version: string): string {
  return `${groupWord(group)}_${version}`;
}

function opPrefix(group: string, version: string): string {
  return `${upperFirst(groupWord(group))}${upperFirst(version)}`;
}

/** The definition name of a served kind; throws when 1.32 has no such kind and it brings none. */
function kindDefinition(r: ServedResource): string {
  if (r.openapi !== undefined) return r.openapi.definition;
  const name = kindSchemaName(r.group, r.version, r.kind);
  if (name === undefined) throw new Error(`no Kubernetes 1.32 schema for ${r.group}/${r.version} ${r.kind}`);
  return name;
}

function listDefinition(r: ServedResource): string | undefined {
  if (r.openapi !== undefined) return r.openapi.listDefinition;
  return kindSchemaName(r.group, r.version, `${r.kind}List`);
}

// --------------------------------------------------------------------------------------------
// Parameters

function query(name: string, description: string, type: 'string' | 'boolean' | 'integer' = 'string'): Obj {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const P = {
  pretty: query('pretty', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: query('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: query('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters.'),
  fieldValidation: query('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict'),
  force: query('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.', 'boolean'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', 'boolean'),
  continue: query('continue', 'The continue option should be set when retrieving more results from the server.'),
  fieldSelector: query('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: query('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: query('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  resourceVersion: query('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: query('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  sendInitialEvents: query('sendInitialEvents', 'sendInitialEvents=true may be set together with watch=true to begin the watch stream with synthetic events of the current state.', 'boolean'),
  timeoutSeconds: query('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  watch: query('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  ignoreStoreReadError: query('ignoreStoreReadErrorWithClusterBreakingPotential', 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.', 'boolean'),
  orphanDependents: query('orphanDependents', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.', 'boolean'),
  propagationPolicy: query('propagationPolicy', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy];

function pathParam(name: 'name' | 'namespace' | 'path', description: string): Obj {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

const NAMESPACE_PARAM = pathParam('namespace', 'object name and auth scope, such as for teams and projects');

// --------------------------------------------------------------------------------------------
// Operations

const RESPONSE_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const WATCH_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** The patch types a resource's PATCH operations accept. */
function patchTypes(r: ServedResource): string[] {
  return r.strategicMergePatch === false ? PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json') : PATCH_TYPES;
}

function content(schema: Obj, types: readonly string[]): Obj {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function responses(codes: readonly string[], schema: Obj | undefined, types = RESPONSE_TYPES): Obj {
  const out: Obj = {};
  const text: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
  for (const c of codes) out[c] = { description: text[c] ?? c, ...(schema ? { content: content(schema, types) } : {}) };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

interface OpSpec {
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist' | 'connect';
  operationId: string;
  description: string;
  gvk: Gvk;
  tag: string;
  parameters: readonly Obj[];
  requestBody?: Obj;
  responses: Obj;
  deprecated?: boolean;
}

function operation(o: OpSpec): Obj {
  return {
    tags: [o.tag],
    description: o.description,
    operationId: o.operationId,
    ...(o.parameters.length > 0 ? { parameters: o.parameters } : {}),
    ...(o.requestBody ? { requestBody: o.requestBody } : {}),
    responses: o.responses,
    ...(o.deprecated === true ? { deprecated: true } : {}),
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': { group: o.gvk.group, version: o.gvk.version, kind: o.gvk.kind },
  };
}

const body = (schema: Obj, types: readonly string[] = ['*/*']): Obj => ({ content: content(schema, types), required: true });

/** Adds the paths of one served resource (and its subresources) to `paths`. */
function addResourcePaths(paths: Record<string, Obj>, r: ServedResource): void {
  const gv = `/${groupVersionPath(r.group, r.version)}`;
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const def = kindDefinition(r);
  const list = listDefinition(r);
  const tag = tagOf(r.group, r.version);
  const pre = opPrefix(r.group, r.version);
  const ns = r.namespaced ? 'Namespaced' : '';
  const verbs = new Set(r.verbs);
  const collection = r.namespaced ? `${gv}/namespaces/{namespace}/${r.resource}` : `${gv}/${r.resource}`;
  const item = `${collection}/{name}`;
  const scopeParams = r.namespaced ? [NAMESPACE_PARAM] : [];
  const nameParam = pathParam('name', `name of the ${r.kind}`);
  const status = ref(`${META}.Status`);

  const coll: Obj = { parameters: [...scopeParams, P.pretty] };
  if (verbs.has('list') && list !== undefined) {
    coll['get'] = operation({ action: 'list', operationId: `list${pre}${ns}${r.kind}`, description: `list or watch objects of kind ${r.kind}`, gvk, tag, parameters: LIST_PARAMS, responses: responses(['200'], ref(list), WATCH_TYPES) });
  }
  if (verbs.has('create')) {
    coll['post'] = operation({ action: 'post', operationId: `create${pre}${ns}${r.kind}`, description: `create ${article(r.kind)} ${r.kind}`, gvk, tag, parameters: WRITE_PARAMS, requestBody: body(ref(def)), responses: responses(['200', '201', '202'], ref(def)) });
  }
  if (verbs.has('deletecollection')) {
    coll['delete'] = operation({ action: 'deletecollection', operationId: `deleteCollection${pre}${ns}${r.kind}`, description: `delete collection of ${r.kind}`, gvk, tag, parameters: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p['name'] !== 'watch' && p['name'] !== 'allowWatchBookmarks')], requestBody: body(ref(`${META}.DeleteOptions`)), responses: responses(['200'], status) });
  }
  if (Object.keys(coll).length > 1) paths[collection] = coll;

  const one: Obj = { parameters: [nameParam, ...scopeParams, P.pretty] };
  if (verbs.has('get')) one['get'] = operation({ action: 'get', operationId: `read${pre}${ns}${r.kind}`, description: `read the specified ${r.kind}`, gvk, tag, parameters: [], responses: responses(['200'], ref(def)) });
  if (verbs.has('update')) one['put'] = operation({ action: 'put', operationId: `replace${pre}${ns}${r.kind}`, description: `replace the specified ${r.kind}`, gvk, tag, parameters: WRITE_PARAMS, requestBody: body(ref(def)), responses: responses(['200', '201'], ref(def)) });
  if (verbs.has('patch')) one['patch'] = operation({ action: 'patch', operationId: `patch${pre}${ns}${r.kind}`, description: `partially update the specified ${r.kind}`, gvk, tag, parameters: [...WRITE_PARAMS, P.force], requestBody: body(ref(`${META}.Patch`), patchTypes(r)), responses: responses(['200', '201'], ref(def)) });
  if (verbs.has('delete')) one['delete'] = operation({ action: 'delete', operationId: `delete${pre}${ns}${r.kind}`, description: `delete ${article(r.kind)} ${r.kind}`, gvk, tag, parameters: DELETE_PARAMS, requestBody: body(ref(`${META}.DeleteOptions`)), responses: responses(['200', '202'], status) });
  if (Object.keys(one).length > 1) paths[item] = one;

  if (r.namespaced && verbs.has('list') && list !== undefined) {
    paths[`${gv}/${r.resource}`] = {
      parameters: [P.pretty],
      get: operation({ action: 'list', operationId: `list${pre}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, gvk, tag, parameters: LIST_PARAMS, responses: responses(['200'], ref(list), WATCH_TYPES) }),
    };
  }
  if (verbs.has('watch')) {
    const watchEvent = ref(`${META}.WatchEvent`);
    const w = (path: string, action: 'watch' | 'watchlist', operationId: string, params: Obj[]): void => {
      paths[path] = {
        parameters: [...params, P.pretty],
        get: operation({ action, operationId, description: `watch changes to ${action === 'watch' ? `an object of kind ${r.kind}` : `a list of ${r.kind}`}. deprecated: use the 'watch' parameter with a list operation instead${action === 'watch' ? ', filtered to a single item with the \'fieldSelector\' parameter' : ''}.`, gvk, tag, parameters: LIST_PARAMS, responses: responses(['200'], watchEvent, WATCH_TYPES), deprecated: true }),
      };
    };
    const wgv = `${gv}/watch`;
    if (r.namespaced) {
      w(`${wgv}/namespaces/{namespace}/${r.resource}`, 'watchlist', `watch${pre}Namespaced${r.kind}List`, [NAMESPACE_PARAM]);
      w(`${wgv}/namespaces/{namespace}/${r.resource}/{name}`, 'watch', `watch${pre}Namespaced${r.kind}`, [nameParam, NAMESPACE_PARAM]);
      w(`${wgv}/${r.resource}`, 'watchlist', `watch${pre}${r.kind}ListForAllNamespaces`, []);
    } else {
      w(`${wgv}/${r.resource}`, 'watchlist', `watch${pre}${r.kind}List`, []);
      w(`${wgv}/${r.resource}/{name}`, 'watch', `watch${pre}${r.kind}`, [nameParam]);
    }
  }

  for (const s of r.subresources ?? []) addSubresourcePaths(paths, r, s, item, [nameParam, ...scopeParams]);
}

const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

function addSubresourcePaths(paths: Record<string, Obj>, r: ServedResource, s: ServedSubresource, item: string, params: Obj[]): void {
  const gvk: Gvk = { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind };
  const tag = tagOf(r.group, r.version);
  const pre = opPrefix(r.group, r.version);
  const ns = r.namespaced ? 'Namespaced' : '';
  const suffix = upperFirst(s.name);
  const path: Obj = { parameters: [...params, P.pretty] };
  const verbs = new Set(s.verbs);
  if (CONNECT_SUBRESOURCES.has(s.name)) {
    // connect operations carry their options kind (PodExecOptions…); the body is a stream
    const desc = `connect ${s.verbs.includes('create') ? 'GET/POST' : 'GET'} requests to ${s.name} of ${r.kind}`;
    const resp = { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } }, '401': { description: 'Unauthorized' } };
    if (verbs.has('get')) path['get'] = operation({ action: 'connect', operationId: `connect${pre}Get${ns}${r.kind}${suffix}`, description: desc, gvk, tag, parameters: [], responses: resp });
    if (verbs.has('create')) path['post'] = operation({ action: 'connect', operationId: `connect${pre}Post${ns}${r.kind}${suffix}`, description: desc, gvk, tag, parameters: [], responses: resp });
    paths[`${item}/${s.name}`] = path;
    return;
  }
  // a custom resource's status subresource has the resource's own kind
  const own = r.openapi !== undefined && gvk.group === r.group && gvk.version === r.version && gvk.kind === r.kind;
  const schemaName = own ? r.openapi?.definition : kindSchemaName(gvk.group, gvk.version, gvk.kind);
  const schema = schemaName !== undefined ? ref(schemaName) : { type: 'string' };
  if (verbs.has('get')) {
    path['get'] = operation({ action: 'get', operationId: `read${pre}${ns}${r.kind}${suffix}`, description: `read ${s.name} of the specified ${r.kind}`, gvk, tag, parameters: [], responses: s.name === 'log' ? { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': { description: 'Unauthorized' } } : responses(['200'], schema) });
  }
  if (verbs.has('update')) path['put'] = operation({ action: 'put', operationId: `replace${pre}${ns}${r.kind}${suffix}`, description: `replace ${s.name} of the specified ${r.kind}`, gvk, tag, parameters: WRITE_PARAMS, requestBody: body(schema), responses: responses(['200', '201'], schema) });
  if (verbs.has('patch')) path['patch'] = operation({ action: 'patch', operationId: `patch${pre}${ns}${r.kind}${suffix}`, description: `partially update ${s.name} of the specified ${r.kind}`, gvk, tag, parameters: [...WRITE_PARAMS, P.force], requestBody: body(ref(`${META}.Patch`), patchTypes(r)), responses: responses(['200', '201'], schema) });
  if (verbs.has('create')) path['post'] = operation({ action: 'post', operationId: `create${pre}${ns}${r.kind}${suffix}`, description: `create ${s.name} of ${article(r.kind)} ${r.kind}`, gvk, tag, parameters: WRITE_PARAMS, requestBody: body(schema), responses: responses(['200', '201', '202'], schema) });
  if (Object.keys(path).length > 1) paths[`${item}/${s.name}`] = path;
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

// --------------------------------------------------------------------------------------------
// Documents

/** The `$ref` names a schema names. */
function refsIn(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) for (const x of v) refsIn(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.add(refName(x));
      else refsIn(x, out);
    }
  }
}

/** The definitions a set of served resources needs: their kinds, lists and subresource kinds, transitively. */
function schemasFor(resources: readonly ServedResource[]): Record<string, Schema> {
  const roots = new Set<string>([`${META}.Status`, `${META}.DeleteOptions`, `${META}.WatchEvent`, `${META}.Patch`]);
  const own: Record<string, Schema> = {};
  for (const r of resources) {
    if (r.openapi !== undefined) {
      Object.assign(own, r.openapi.schemas);
    } else {
      roots.add(kindDefinition(r));
      const list = listDefinition(r);
      if (list !== undefined) roots.add(list);
    }
    for (const s of r.subresources ?? []) {
      const name = kindSchemaName(s.group ?? r.group, s.version ?? r.version, s.kind);
      if (name !== undefined) roots.add(name);
    }
  }
  const referenced = new Set<string>();
  refsIn(Object.values(own), referenced);
  for (const n of referenced) if (!Object.hasOwn(own, n) && definition(n) !== undefined) roots.add(n);
  const all: Record<string, Schema> = { ...own };
  for (const n of reachableDefinitions(roots)) all[n] = definition(n) ?? {};
  return Object.fromEntries(Object.keys(all).sort().map((n) => [n, all[n] ?? {}]));
}

/** The group-version path keys of the served resources, in the order first served. */
export function servedGroupVersions(resources: readonly ServedResource[]): string[] {
  return [...new Set(resources.map((r) => groupVersionPath(r.group, r.version)))];
}

/** The OpenAPI v3 document of one group-version ('api/v1', 'apis/apps/v1'), or undefined when none is served there. */
export function buildV3Document(resources: readonly ServedResource[], gvPath: string, options: BuildOptions = {}): Obj | undefined {
  const served = resources.filter((r) => groupVersionPath(r.group, r.version) === gvPath);
  if (served.length === 0) return undefined;
  const paths: Record<string, Obj> = {};
  for (const r of served) addResourcePaths(paths, r);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: options.serverVersion ?? 'v1.32.0' },
    paths: Object.fromEntries(Object.keys(paths).sort().map((k) => [k, paths[k]])),
    components: {
      schemas: schemasFor(served),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
}

/** Rewrites a v3 schema for Swagger 2.0: `#/definitions/` refs, `$ref` beside a description, no oneOf. */
export function toV2Schema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV2Schema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as Obj;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out[k] = `#/definitions/${refName(v)}`;
    else if (k === 'allOf' && Array.isArray(v) && v.length === 1 && typeof (v[0] as Obj)['$ref'] === 'string') {
      out['$ref'] = `#/definitions/${refName((v[0] as Obj)['$ref'] as string)}`;
    } else if (k === 'oneOf') {
      continue;
    } else out[k] = toV2Schema(v);
  }
  return out;
}

/** v2 forms of the definitions v3 declares with oneOf (upstream's v2 spec has them as strings). */
function v2Special(name: string, schema: Schema): Schema {
  if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') return { ...(toV2Schema(schema) as Schema), type: 'string' };
  if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') return { ...(toV2Schema(schema) as Schema), type: 'string', format: 'int-or-string' };
  return toV2Schema(schema) as Schema;
}

/** v3 operation → v2: body parameter instead of requestBody, consumes/produces, responses' schema. */
function toV2Operation(op: Obj): Obj {
  const out: Obj = {};
  const params: unknown[] = [];
  for (const [k, v] of Object.entries(op)) {
    if (k === 'parameters') params.push(...(v as Obj[]).map(toV2Parameter));
    else if (k === 'requestBody') {
      const c = (v as { content: Record<string, { schema: unknown }> }).content;
      const types = Object.keys(c);
      const first = types[0];
      params.unshift({ name: 'body', in: 'body', required: true, schema: toV2Schema(first !== undefined ? c[first]?.schema : {}) });
      out['consumes'] = types;
    } else if (k === 'responses') {
      const r: Obj = {};
      let produces: string[] = [];
      for (const [code, resp] of Object.entries(v as Record<string, Obj>)) {
        const c = resp['content'] as Record<string, { schema: unknown }> | undefined;
        const types = c ? Object.keys(c) : [];
        if (types.length > 0) produces = types;
        const first = types[0];
        r[code] = { description: resp['description'], ...(c && first !== undefined ? { schema: toV2Schema(c[first]?.schema) } : {}) };
      }
      out['responses'] = r;
      if (produces.length > 0) out['produces'] = produces;
    } else out[k] = v;
  }
  if (params.length > 0) out['parameters'] = params;
  out['schemes'] = ['https'];
  return out;
}

function toV2Parameter(p: Obj): Obj {
  const { schema, ...rest } = p;
  const s = (schema ?? {}) as Obj;
  return { ...rest, ...(typeof s['type'] === 'string' ? { type: s['type'] } : {}), ...(s['uniqueItems'] === true ? { uniqueItems: true } : {}) };
}

/** The Swagger 2.0 document (/openapi/v2) of every served resource. */
export function buildV2Document(resources: readonly ServedResource[], options: BuildOptions = {}): Obj {
  const paths: Record<string, Obj> = {};
  for (const r of resources) addResourcePaths(paths, r);
  const v2paths: Record<string, Obj> = {};
  for (const k of Object.keys(paths).sort()) {
    const item = paths[k] ?? {};
    const out: Obj = {};
    for (const [m, v] of Object.entries(item)) out[m] = m === 'parameters' ? (v as Obj[]).map(toV2Parameter) : toV2Operation(v as Obj);
    v2paths[k] = out;
  }
  const defs = schemasFor(resources);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: options.serverVersion ?? 'v1.32.0' },
    paths: v2paths,
    definitions: Object.fromEntries(Object.entries(defs).map(([n, s]) => [n, v2Special(n, s)])),
    securityDefinitions: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

/** The /openapi/v3 index for documents with these hashes. */
export function buildV3Index(hashes: ReadonlyMap<string, string>): Obj {
  const paths: Obj = {};
  for (const [gv, hash] of hashes) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  return { paths };
}

/** A serialized document and its content hash. */
export interface CachedDocument {
  /** The JSON text served. */
  json: string;
  /** Hex SHA-512 of `json` (the `hash` query of its URL). */
  hash: string;
  /** The ETag header value ("<hash>", quoted). */
  etag: string;
}

export interface OpenApiDocuments {
  /** The /openapi/v3 index (small; hashes of all group-version documents). */
  v3Index(): CachedDocument;
  /** The document of a group-version built already for resources that served exactly as these do (see createOpenApiDocuments). */
  builtFor(gvPath: string, key: string): CachedDocument | undefined;
  /** The document at /openapi/v3/<gvPath>, or undefined when that group-version is not served. */
  v3(gvPath: string): CachedDocument | undefined;
  /** The Swagger 2.0 document at /openapi/v2. */
  v2(): CachedDocument;
  /** The group-version paths served. */
  groupVersions(): readonly string[];
}

function cached(doc: unknown): CachedDocument {
  const json = JSON.stringify(doc);
  const hash = contentHash(json);
  return { json, hash, etag: `"${hash}"` };
}

/** What a group-version's document is made of: the resources served in it, with their schemas. */
function documentKey(resources: readonly ServedResource[], gv: string): string {
  return JSON.stringify(resources.filter((r) => groupVersionPath(r.group, r.version) === gv).map((r) => [
    r.group, r.version, r.kind, r.resource, r.namespaced, r.verbs, r.subresources ?? [], r.strategicMergePatch ?? true, r.openapi ?? null,
  ]));
}

/**
 * Builds (lazily, once each) and caches the documents of a fixed set of served resources. The
 * index needs every group-version document's hash, so the first index request builds them all.
 * Given the documents of the previous served set, a group-version whose resources are unchanged
 * keeps its document (and hash).
 */
export function createOpenApiDocuments(resources: readonly ServedResource[], options: BuildOptions = {}, previous?: OpenApiDocuments): OpenApiDocuments {
  const gvs = servedGroupVersions(resources);
  const v3docs = new Map<string, CachedDocument>();
  const keys = new Map<string, string>();
  const keyOf = (gv: string): string => {
    let k = keys.get(gv);
    if (k === undefined) {
      k = documentKey(resources, gv);
      keys.set(gv, k);
    }
    return k;
  };
  let index: CachedDocument | undefined;
  let v2: CachedDocument | undefined;
  const v3 = (gv: string): CachedDocument | undefined => {
    const hit = v3docs.get(gv);
    if (hit) return hit;
    if (!gvs.includes(gv)) return undefined;
    const doc = buildV3Document(resources, gv, options);
    if (!doc) return undefined;
    const c = cached(doc);
    v3docs.set(gv, c);
    return c;
  };
  // make sure the schemas are there before anything is served (a clear error otherwise)
  schemaDocument();
  // what the previous documents built for unchanged group-versions is kept (not the previous set)
  if (previous !== undefined) {
    for (const gv of gvs) {
      const reused = previous.builtFor(gv, keyOf(gv));
      if (reused !== undefined) v3docs.set(gv, reused);
    }
  }
  return {
    v3,
    builtFor(gv, key) {
      const hit = v3docs.get(gv);
      return hit !== undefined && keyOf(gv) === key ? hit : undefined;
    },
    v3Index() {
      if (!index) {
        const hashes = new Map<string, string>();
        for (const gv of gvs) {
          const d = v3(gv);
          if (d) hashes.set(gv, d.hash);
        }
        index = cached(buildV3Index(hashes));
      }
      return index;
    },
    v2() {
      v2 ??= cached(buildV2Document(resources, options));
      return v2;
    },
    groupVersions: () => gvs,
  };
}
