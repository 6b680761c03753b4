// Decodes the Kubernetes protobuf envelope kubectl's typed client sends (`kubectl create
// configmap|secret|namespace|serviceaccount`): magic "k8s\0" + runtime.Unknown{typeMeta, raw, …},
// with `raw` the object message. The schema is a hand-written subset of k8s.io/api
// core/v1/generated.proto and apimachinery meta/v1 + runtime generated.proto (field numbers as
// there). Output is the object's JSON form (bytes fields base64). Pure.
import protobuf from 'protobufjs';
import { ApiError } from './errors.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const str = (id: number): protobuf.IField => ({ type: 'string', id });
const map = (id: number, valueType: 'string' | 'bytes'): protobuf.IField & { keyType: string } => ({ keyType: 'string', type: valueType, id });

const SCHEMA: protobuf.INamespace = {
  nested: {
    TypeMeta: { fields: { apiVersion: str(1), kind: str(2) } },
    Unknown: {
      fields: {
        typeMeta: { type: 'TypeMeta', id: 1 },
        raw: { type: 'bytes', id: 2 },
        contentEncoding: str(3),
        contentType: str(4),
      },
    },
    Time: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    OwnerReference: {
      fields: {
        kind: str(1), name: str(3), uid: str(4), apiVersion: str(5),
        controller: { type: 'bool', id: 6 }, blockOwnerDeletion: { type: 'bool', id: 7 },
      },
    },
    ObjectMeta: {
      fields: {
        name: str(1), generateName: str(2), namespace: str(3), selfLink: str(4), uid: str(5), resourceVersion: str(6),
        generation: { type: 'int64', id: 7 },
        creationTimestamp: { type: 'Time', id: 8 },
        deletionTimestamp: { type: 'Time', id: 9 },
        deletionGracePeriodSeconds: { type: 'int64', id: 10 },
        labels: map(11, 'string'),
        annotations: map(12, 'string'),
        ownerReferences: { rule: 'repeated', type: 'OwnerReference', id: 13 },
        finalizers: { rule: 'repeated', type: 'string', id: 14 },
      },
    },
    ConfigMap: {
      fields: {
        metadata: { type: 'ObjectMeta', id: 1 }, data: map(2, 'string'), binaryData: map(3, 'bytes'), immutable: { type: 'bool', id: 4 },
      },
    },
    Secret: {
      fields: {
        metadata: { type: 'ObjectMeta', id: 1 }, data: map(2, 'bytes'), type: str(3), stringData: map(4, 'string'),
        immutable: { type: 'bool', id: 5 },
      },
    },
    NamespaceSpec: { fields: { finalizers: { rule: 'repeated', type: 'string', id: 1 } } },
    NamespaceStatus: { fields: { phase: str(1) } },
    Namespace: {
      fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'NamespaceSpec', id: 2 }, status: { type: 'NamespaceStatus', id: 3 } },
    },
    ObjectReference: {
      fields: { kind: str(1), namespace: str(2), name: str(3), uid: str(4), apiVersion: str(5), resourceVersion: str(6), fieldPath: str(7) },
    },
    LocalObjectReference: { fields: { name: str(1) } },
    ServiceAccount: {
      fields: {
        metadata: { type: 'ObjectMeta', id: 1 },
        secrets: { rule: 'repeated', type: 'ObjectReference', id: 2 },
        imagePullSecrets: { rule: 'repeated', type: 'LocalObjectReference', id: 3 },
        automountServiceAccountToken: { type: 'bool', id: 4 },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);

/** Kinds whose protobuf body this module decodes (core/v1). */
export const PROTOBUF_KINDS = ['ConfigMap', 'Secret', 'Namespace', 'ServiceAccount'] as const;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Drops the values Go's JSON encoding would omit (empty strings, maps, lists; false; 0). */
function compact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(compact);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    const c = compact(val);
    if (c === '' || c === false || c === 0 || c === '0' || c === null || c === undefined) continue;
    if (Array.isArray(c) && c.length === 0) continue;
    if (isObj(c) && Object.keys(c).length === 0) continue;
    out[k] = c;
  }
  return out;
}

function timeToRFC3339(t: unknown): string | undefined {
  if (!isObj(t)) return undefined;
  const seconds = Number(t['seconds'] ?? 0);
  if (seconds === 0) return undefined;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function metaToJSON(meta: unknown): Obj {
  const m = isObj(meta) ? { ...meta } : {};
  for (const f of ['creationTimestamp', 'deletionTimestamp']) {
    const iso = timeToRFC3339(m[f]);
    if (iso === undefined) Reflect.deleteProperty(m, f);
    else m[f] = iso;
  }
  for (const f of ['generation', 'deletionGracePeriodSeconds']) if (m[f] !== undefined) m[f] = Number(m[f]);
  return compact(m) as Obj;
}

/** True when a body starts with the protobuf envelope magic `k8s\0`. */
export function isProtobufEnvelope(body: Uint8Array): boolean {
  return body.length >= 4 && Buffer.from(body.subarray(0, 4)).equals(MAGIC);
}

function unsupported(): ApiError {
  return ApiError.unsupportedMediaType(['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE]);
}

/**
 * Decodes a protobuf request body into the JSON object it carries (apiVersion/kind from the
 * envelope). Kinds other than PROTOBUF_KINDS, or a non-v1 group, → 415 UnsupportedMediaType; a
 * malformed body → 400 BadRequest.
 */
export function decodeProtobuf(body: Uint8Array): Obj {
  if (!isProtobufEnvelope(body)) throw ApiError.badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  let unknown: Obj;
  try {
    unknown = root.lookupType('Unknown').toObject(root.lookupType('Unknown').decode(body.subarray(4)), { bytes: Buffer, defaults: false });
  } catch (err) {
    throw ApiError.badRequest(`unable to decode protobuf envelope: ${err instanceof Error ? err.message : String(err)}`);
  }
  const typeMeta = isObj(unknown['typeMeta']) ? unknown['typeMeta'] : {};
  const apiVersion = typeof typeMeta['apiVersion'] === 'string' ? typeMeta['apiVersion'] : '';
  const kind = typeof typeMeta['kind'] === 'string' ? typeMeta['kind'] : '';
  if (apiVersion !== 'v1' || !(PROTOBUF_KINDS as readonly string[]).includes(kind)) throw unsupported();
  const encoding = unknown['contentEncoding'];
  if (typeof encoding === 'string' && encoding !== '') throw unsupported();
  const raw = Buffer.isBuffer(unknown['raw']) ? unknown['raw'] : Buffer.alloc(0);
  let decoded: Obj;
  try {
    const type = root.lookupType(kind);
    decoded = type.toObject(type.decode(raw), { bytes: String, longs: String, defaults: false });
  } catch (err) {
    throw ApiError.badRequest(`unable to decode ${kind}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const metadata = metaToJSON(decoded['metadata']);
  const rest = compact({ ...decoded, metadata: undefined }) as Obj;
  // Empty maps are omitted by Go too, but a present `data` map with empty values must stay.
  for (const f of ['data', 'binaryData', 'stringData']) {
    if (isObj(decoded[f]) && Object.keys(decoded[f]).length > 0) rest[f] = decoded[f];
  }
  return { kind, apiVersion, metadata, ...rest };
}
