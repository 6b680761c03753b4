// The three PATCH body types kube-apiserver accepts for the served kinds: RFC 7386 JSON merge
// patch, RFC 6902 JSON patch, and strategic merge patch (apimachinery pkg/util/strategicpatch, as
// the apiserver runs it: MergeParallelList + IgnoreUnmatchedNulls), with the patch strategies and
// merge keys of the k8s.io/api struct tags. Pure: inputs are not mutated.
import { PatchError } from './patch-error.ts';
import { patchSchemaForKind, type PatchSchema } from './patch-schema.ts';

export type { PatchSchema } from './patch-schema.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObj = { [k: string]: Json };

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

function isObj(v: unknown): v is JsonObj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** 422 as apiserver's NewGenericServerResponse(422, …) — kube does not echo the cause text. */
function unprocessable(): PatchError {
  return new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request');
}

/**
 * A patch the merge cannot apply (a list item without its merge key, an unknown directive):
 * kube-apiserver passes strategicpatch's plain error on as a reason-less 500; nodelet answers
 * 400 BadRequest with the same message, since the request is at fault, not the server.
 */
function unknownError(message: string): PatchError {
  return PatchError.badRequest(message);
}

// ---------------------------------------------------------------------------------------------
// RFC 7386

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: JsonObj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = jsonMergePatch(out[k], v) as Json;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw unprocessable();
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Resolves the parent container of `tokens` in `doc`; throws 422 when a step is missing. */
function parentOf(doc: Json, tokens: string[]): [Json[] | JsonObj, string] {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) throw unprocessable();
      cur = cur[i] ?? null;
    } else if (isObj(cur)) {
      if (!(t in cur)) throw unprocessable();
      cur = cur[t] ?? null;
    } else throw unprocessable();
  }
  if (!Array.isArray(cur) && !isObj(cur)) throw unprocessable();
  return [cur, tokens[tokens.length - 1] ?? ''];
}

function getAt(doc: Json, tokens: string[]): Json {
  if (tokens.length === 0) return doc;
  const [parent, key] = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw unprocessable();
    return parent[i] ?? null;
  }
  if (!(key in parent)) throw unprocessable();
  return parent[key] ?? null;
}

function removeAt(doc: Json, tokens: string[]): Json {
  const [parent, key] = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw unprocessable();
    return parent.splice(i, 1)[0] ?? null;
  }
  if (!(key in parent)) throw unprocessable();
  const v = parent[key] ?? null;
  Reflect.deleteProperty(parent, key);
  return v;
}

function addAt(doc: Json, tokens: string[], value: Json): Json {
  if (tokens.length === 0) return value;
  const [parent, key] = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    if (key === '-') parent.push(value);
    else {
      const i = Number(key);
      if (!/^\d+$/.test(key) || i > parent.length) throw unprocessable();
      parent.splice(i, 0, value);
    }
  } else parent[key] = value;
  return doc;
}

/**
 * RFC 6902 JSON patch (add, remove, replace, move, copy, test). A malformed patch document is
 * 400 BadRequest; an operation that cannot be applied is 422 as kube-apiserver answers.
 */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw PatchError.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  let doc = clone(target) as Json;
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') throw unprocessable();
    const op = raw as unknown as JsonPatchOp;
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        if (!('value' in raw)) throw unprocessable();
        doc = addAt(doc, path, clone(raw['value'] ?? null));
        break;
      case 'remove':
        if (path.length === 0) throw unprocessable();
        removeAt(doc, path);
        break;
      case 'replace':
        if (!('value' in raw)) throw unprocessable();
        if (path.length === 0) doc = clone(raw['value'] ?? null);
        else {
          removeAt(doc, path);
          doc = addAt(doc, path, clone(raw['value'] ?? null));
        }
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw unprocessable();
        const v = removeAt(doc, parsePointer(op.from));
        doc = addAt(doc, path, v);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw unprocessable();
        doc = addAt(doc, path, clone(getAt(doc, parsePointer(op.from))));
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, path), raw['value'] ?? null)) throw unprocessable();
        break;
      default:
        throw unprocessable();
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch


const mergeBy = (mergeKey: string, fields?: Record<string, PatchSchema>, retainKeys = false): PatchSchema =>
  ({ strategy: 'merge', mergeKey, ...(fields ? { fields } : {}), ...(retainKeys ? { retainKeys } : {}) });
const struct = (fields: Record<string, PatchSchema>): PatchSchema => ({ fields });
const conditions = mergeBy('type');

const OBJECT_META = struct({
  finalizers: { strategy: 'merge' },
  ownerReferences: mergeBy('uid'),
});

const CONTAINER_FIELDS = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};

const CONTAINER_STATUS = struct({
  volumeMounts: mergeBy('mountPath'),
  allocatedResourcesStatus: mergeBy('name'),
});

const POD = struct({
  metadata: OBJECT_META,
  spec: struct({
    volumes: mergeBy('name', undefined, true),
    initContainers: mergeBy('name', CONTAINER_FIELDS),
    containers: mergeBy('name', CONTAINER_FIELDS),
    ephemeralContainers: mergeBy('name', CONTAINER_FIELDS),
    imagePullSecrets: mergeBy('name'),
    hostAliases: mergeBy('ip'),
    topologySpreadConstraints: mergeBy('topologyKey'),
    schedulingGates: mergeBy('name'),
    resourceClaims: mergeBy('name', undefined, true),
  }),
  status: struct({
    conditions,
    hostIPs: mergeBy('ip'),
    podIPs: mergeBy('ip'),
    resourceClaimStatuses: mergeBy('name', undefined, true),
    // containerStatuses and friends are atomic lists; only their item schemas matter inside.
    containerStatuses: { fields: CONTAINER_STATUS.fields ?? {} },
  }),
});

const NODE = struct({
  metadata: OBJECT_META,
  spec: struct({ podCIDRs: { strategy: 'merge' } }),
  status: struct({ conditions, addresses: mergeBy('type') }),
});

const NAMESPACE = struct({ metadata: OBJECT_META, status: struct({ conditions }) });
const SERVICE_ACCOUNT = struct({ metadata: OBJECT_META, secrets: mergeBy('name') });
const PLAIN = struct({ metadata: OBJECT_META });

// apps/v1 (k8s.io/api apps/v1 struct tags): a pod template, the Deployment strategy's
// retainKeys, and the status conditions.
const POD_TEMPLATE = struct({ metadata: OBJECT_META, spec: POD.fields?.['spec'] ?? {} });
const workload = (spec: Record<string, PatchSchema> = {}): PatchSchema =>
  struct({ metadata: OBJECT_META, spec: struct({ template: POD_TEMPLATE, ...spec }), status: struct({ conditions }) });

/** Patch schemas of the served kinds, by `apiVersion/kind`. */
export const PATCH_SCHEMAS: Readonly<Record<string, PatchSchema>> = {
  'v1/Pod': POD,
  'v1/Node': NODE,
  'v1/Namespace': NAMESPACE,
  'v1/ServiceAccount': SERVICE_ACCOUNT,
  'v1/ConfigMap': PLAIN,
  'v1/Secret': PLAIN,
  'v1/Event': PLAIN,
  'coordination.k8s.io/v1/Lease': PLAIN,
  'apps/v1/Deployment': workload({ strategy: { retainKeys: true } }),
  'apps/v1/ReplicaSet': workload(),
  'apps/v1/StatefulSet': workload(),
  'apps/v1/DaemonSet': workload(),
  'apps/v1/ControllerRevision': PLAIN,
};

/**
 * The patch schema for an object (by its apiVersion and kind): the generated schemas' facts for
 * every kind they describe, this file's table otherwise, metadata-only for unknown kinds.
 */
export function patchSchemaFor(obj: unknown): PatchSchema {
  const o = isObj(obj) ? obj : {};
  const apiVersion = typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '';
  const kind = typeof o['kind'] === 'string' ? o['kind'] : '';
  return patchSchemaForKind(apiVersion, kind) ?? PATCH_SCHEMAS[`${apiVersion}/${kind}`] ?? PLAIN;
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

/** Go's %v rendering of a decoded JSON value (map[...] with sorted keys), for error texts. */
export function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function noMergeKey(m: JsonObj, key: string): PatchError {
  return unknownError(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
}

function badPatchType(t: unknown, m: JsonObj): PatchError {
  return unknownError(`Unknown patch type: ${goValue(t)} in map: ${goValue(m)}`);
}

function sameScalar(a: Json, b: Json): boolean {
  return a === b;
}

function indexIn(order: Json[], item: Json, mergeKey: string | undefined): number {
  if (mergeKey === undefined) return order.findIndex((o) => sameScalar(o, item));
  const key = isObj(item) ? item[mergeKey] : undefined;
  return order.findIndex((o) => isObj(o) && deepEqual(o[mergeKey], key));
}

/** normalizeSliceOrder: stable sort of items by their position in `order`. */
function sortByOrder(items: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  const toDelete: Json[] = [];
  let rest = items;
  if (mergeKey !== undefined) {
    toDelete.push(...items.filter((i) => isObj(i) && i[DIRECTIVE] === 'delete'));
    rest = items.filter((i) => !(isObj(i) && i[DIRECTIVE] === 'delete'));
  }
  const sorted = rest
    .map((item, pos) => ({ item, pos, idx: indexIn(order, item, mergeKey) }))
    .sort((a, b) => (a.idx >= 0 && b.idx >= 0 ? a.idx - b.idx || a.pos - b.pos : a.pos - b.pos))
    .map((x) => x.item);
  return [...sorted, ...toDelete];
}

/** normalizeElementOrder + mergeSortedSlice: patch items in patch order, server-only items interleaved. */
function normalizeElementOrder(patchItems: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string | undefined): Json[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++] ?? null);
    else if (j >= right.length) out.push(left[i++] ?? null);
    else {
      const li = indexIn(serverOrder, left[i] ?? null, mergeKey);
      const ri = indexIn(serverOrder, right[j] ?? null, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] ?? null);
      else out.push(right[j++] ?? null);
    }
  }
  return out;
}

function partition(merged: Json[], patch: Json[], mergeKey: string | undefined): [Json[], Json[]] {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const m of merged) (indexIn(patch, m, mergeKey) >= 0 ? inPatch : serverOnly).push(m);
  return [inPatch, serverOnly];
}

function dedupe(items: Json[]): Json[] {
  const out: Json[] = [];
  for (const i of items) if (!out.some((o) => deepEqual(o, i))) out.push(i);
  return out;
}

/** mergeSliceWithSpecialElements: `$patch: delete|replace` list elements. */
function specialElements(original: Json[], patch: Json[], mergeKey: string): [Json[], Json[]] {
  const plain: Json[] = [];
  let replace = false;
  let orig = original;
  for (const v of patch) {
    if (!isObj(v) || !(DIRECTIVE in v)) {
      plain.push(v);
      continue;
    }
    const t = v[DIRECTIVE];
    if (t === 'delete') {
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      orig = orig.filter((o) => !(isObj(o) && deepEqual(o[mergeKey], v[mergeKey])));
    } else if (t === 'replace') {
      replace = true;
    } else if (t === 'merge') {
      throw unknownError('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(t, v);
    }
  }
  return replace ? [plain, []] : [orig, plain];
}

function mergeListItems(original: Json[], patch: Json[], mergeKey: string, schema: PatchSchema): Json[] {
  const out = [...original];
  for (const v of patch) {
    if (!isObj(v)) throw unknownError(`unable to merge a list item that is not a map: ${goValue(v)}`);
    if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
    const at = out.findIndex((o) => isObj(o) && deepEqual(o[mergeKey], v[mergeKey]));
    const itemSchema = { ...(schema.fields ? { fields: schema.fields } : {}), ...(schema.retainKeys === true ? { retainKeys: true } : {}) };
    if (at >= 0) out[at] = mergeMap(out[at] as JsonObj, v, itemSchema);
    else out.push(mergeMap({}, v, itemSchema));
  }
  return out;
}

function isMapList(original: Json[], patch: Json[]): boolean {
  const first = [...original, ...patch].find((x) => x !== null);
  return isObj(first);
}

/** mergeSlice for a list field with the merge strategy (no $setElementOrder). */
function mergeSlice(original: Json[], patch: Json[], schema: PatchSchema): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  if (!isMapList(original, patch)) {
    const merged = dedupe([...original, ...patch]);
    const [inPatch, serverOnly] = partition(merged, patch, undefined);
    return normalizeElementOrder(inPatch, serverOnly, patch, original, undefined);
  }
  const mergeKey = schema.mergeKey;
  if (mergeKey === undefined) throw unknownError('cannot merge lists without merge key');
  const [orig, plain] = specialElements(original, patch, mergeKey);
  const merged = mergeListItems(orig, plain, mergeKey, schema);
  const [inPatch, serverOnly] = partition(merged, plain, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, plain, orig, mergeKey);
}

/** A list merged together with its `$setElementOrder/<key>` list (mergePatchIntoOriginal). */
function mergeWithOrder(original: Json[], patch: Json[], order: Json[], schema: PatchSchema): Json[] {
  const mergeKey = schema.mergeKey;
  const mapList = isMapList(original, [...patch, ...order]);
  let merged: Json[];
  let orig = original;
  if (!mapList) {
    merged = dedupe([...original, ...patch]);
  } else {
    if (mergeKey === undefined) throw unknownError('cannot merge lists without merge key');
    for (const item of order) if (!isObj(item) || !(mergeKey in item)) throw noMergeKey(isObj(item) ? item : {}, mergeKey);
    const [o, plain] = specialElements(original, patch, mergeKey);
    orig = o;
    merged = mergeListItems(o, plain, mergeKey, schema);
  }
  // Items named in the order list (or the patch) are "patch items"; the rest are server-only.
  const [inOrder, serverOnly] = partition(merged, [...order, ...patch], mapList ? mergeKey : undefined);
  return normalizeElementOrder(inOrder, serverOnly, order, orig, mapList ? mergeKey : undefined);
}

function mergeValue(original: Json | undefined, patchV: Json, schema: PatchSchema | undefined): Json {
  if (isObj(patchV)) {
    return mergeMap(isObj(original) ? original : {}, patchV, schema ?? {});
  }
  if (Array.isArray(patchV)) {
    if (schema?.strategy === 'merge') {
      return mergeSlice(Array.isArray(original) ? original : [], patchV, schema);
    }
    // Atomic list: replaced, but its map items may still carry directives to strip.
    return patchV.map((item) => (isObj(item) && !(DIRECTIVE in item) ? mergeMap({}, item, schema ?? {}) : item))
      .filter((item) => !(isObj(item) && DIRECTIVE in item));
  }
  return patchV;
}

/** mergeMap with MergeParallelList and IgnoreUnmatchedNulls. */
function mergeMap(originalIn: JsonObj, patchIn: JsonObj, schema: PatchSchema): JsonObj {
  const patch: JsonObj = { ...patchIn };
  let original: JsonObj = { ...originalIn };
  if (DIRECTIVE in patch) {
    const t = patch[DIRECTIVE];
    if (t === 'replace') {
      Reflect.deleteProperty(patch, DIRECTIVE);
      return mergeMap({}, patch, schema);
    }
    if (t === 'delete') return {};
    throw badPatchType(t, patch);
  }
  if (RETAIN_KEYS in patch) {
    const keep = patch[RETAIN_KEYS];
    Reflect.deleteProperty(patch, RETAIN_KEYS);
    if (!Array.isArray(keep)) throw PatchError.badRequest('invalid patch: the value of $retainKeys must be a list');
    const keepSet = new Set(keep.map(String));
    original = Object.fromEntries(Object.entries(original).filter(([k]) => keepSet.has(k)));
  }
  // $setElementOrder lists, merged together with their list.
  for (const k of Object.keys(patch)) {
    if (!k.startsWith(SET_ELEMENT_ORDER)) continue;
    const key = k.slice(SET_ELEMENT_ORDER.length);
    const order = patch[k];
    Reflect.deleteProperty(patch, k);
    if (!Array.isArray(order)) throw PatchError.badRequest('invalid patch: the value of $setElementOrder must be a list');
    const sub = schema.fields?.[key];
    const patchList = patch[key];
    if (patchList === null) continue; // the list is being deleted
    const orig = original[key];
    original[key] = mergeWithOrder(Array.isArray(orig) ? orig : [], Array.isArray(patchList) ? patchList : [], order, sub ?? {});
    Reflect.deleteProperty(patch, key);
  }
  for (const [k, patchV] of Object.entries(patch)) {
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const key = k.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (!Array.isArray(patchV)) throw PatchError.badRequest('invalid patch: the value of $deleteFromPrimitiveList must be a list');
      const orig = original[key];
      if (Array.isArray(orig)) original[key] = orig.filter((x) => !patchV.some((p) => deepEqual(p, x)));
      continue;
    }
    if (patchV === null) {
      Reflect.deleteProperty(original, k);
      continue;
    }
    original[k] = mergeValue(original[k], patchV, schema.fields?.[k]);
  }
  return original;
}

/**
 * Strategic merge patch of `original` (a served-kind object) with `patch`, as kube-apiserver
 * applies `application/strategic-merge-patch+json`. Errors: 400 for malformed directives and for
 * merge-key problems (kube answers those with a reason-less 500; the message is the same).
 */
export function strategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema = patchSchemaFor(original)): unknown {
  if (!isObj(patch)) throw PatchError.badRequest('invalid JSON document');
  return mergeMap(isObj(original) ? clone(original) : {}, clone(patch), schema);
}

/**
 * Applies a PATCH body of the given content type to `original`. `body` is the decoded JSON.
 * Unsupported types → 415 with the media types the apiserver lists for PATCH.
 */
export function applyPatch(contentType: string, original: unknown, body: unknown): unknown {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  switch (type) {
    case PATCH_CONTENT_TYPES.json: return jsonPatch(original, body);
    case PATCH_CONTENT_TYPES.merge: return jsonMergePatch(original, body);
    case PATCH_CONTENT_TYPES.strategic: return strategicMergePatch(original, body);
    default:
      throw new PatchError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${[
        PATCH_CONTENT_TYPES.json, PATCH_CONTENT_TYPES.merge, PATCH_CONTENT_TYPES.strategic, 'application/apply-patch+yaml',
      ].join(', ')}`);
  }
}
