// Decodes the Kubernetes protobuf envelope client-go's typed clients send (kubectl's generator
// commands, `auth can-i|whoami`, `create token`, `drain --disable-eviction`, `debug --copy-to`, …):
// magic "k8s\0" + runtime.Unknown{1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
// 4 contentType}, with `raw` the object message. The object becomes the JSON form kube's
// protobuf→JSON conversion gives it, through the message table in `protobuf/` (Kubernetes 1.32).
// Kinds outside the table → 415, malformed bytes → 400. Pure.
import { ApiError } from './errors.ts';
import { kindDescriptor } from './protobuf/descriptors.ts';
import { messageToJson, UndecodableError } from './protobuf/to-json.ts';
import { readFields, WIRE_BYTES, WireFormatError, type WireField } from './protobuf/wire.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const utf8 = new TextDecoder('utf-8');

type Obj = Record<string, unknown>;

/** True when a body starts with the protobuf envelope magic `k8s\0`. */
export function isProtobufEnvelope(body: Uint8Array): boolean {
  return body.length >= 4 && Buffer.from(body.subarray(0, 4)).equals(MAGIC);
}

function unsupported(): ApiError {
  return ApiError.unsupportedMediaType(['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE]);
}

function lastBytes(fields: WireField[], num: number): Uint8Array | undefined {
  let out: Uint8Array | undefined;
  for (const f of fields) {
    if (f.num !== num) continue;
    if (f.wire !== WIRE_BYTES) throw new WireFormatError(`proto: wrong wireType = ${f.wire} for field ${num}`);
    out = f.value;
  }
  return out;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

function readEnvelope(body: Uint8Array): Envelope {
  const unknown = readFields(body.subarray(4));
  const typeMeta = readFields(lastBytes(unknown, 1) ?? new Uint8Array());
  return {
    apiVersion: utf8.decode(lastBytes(typeMeta, 1) ?? new Uint8Array()),
    kind: utf8.decode(lastBytes(typeMeta, 2) ?? new Uint8Array()),
    raw: lastBytes(unknown, 2) ?? new Uint8Array(),
    contentEncoding: utf8.decode(lastBytes(unknown, 3) ?? new Uint8Array()),
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Decodes a protobuf request body into the JSON object it carries (apiVersion/kind from the
 * envelope, `metadata` always present for kinds that have it). A kind outside the table, a
 * content encoding, or a value the JSON form cannot carry → 415 UnsupportedMediaType; a
 * malformed body → 400 BadRequest.
 */
export function decodeProtobuf(body: Uint8Array): Obj {
  if (!isProtobufEnvelope(body)) throw ApiError.badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  let envelope: Envelope;
  try {
    envelope = readEnvelope(body);
  } catch (err) {
    throw ApiError.badRequest(`unable to decode protobuf envelope: ${message(err)}`);
  }
  const { apiVersion, kind } = envelope;
  const desc = kindDescriptor(apiVersion, kind);
  if (desc === undefined || envelope.contentEncoding !== '') throw unsupported();
  let decoded: Obj;
  try {
    decoded = messageToJson(desc, envelope.raw);
  } catch (err) {
    if (err instanceof UndecodableError) throw unsupported();
    if (err instanceof WireFormatError) throw ApiError.badRequest(`unable to decode ${kind}: ${err.message}`);
    throw err;
  }
  const head: Obj = { kind, apiVersion };
  if (desc.byNumber.get(1)?.name === 'metadata') head['metadata'] = {};
  return { ...head, ...decoded };
}
