// A protobuf message → the JSON object kube's JSON encoding shows for it, driven by the descriptors.
// Only what was set is emitted: a Go pointer when present (even zero: `replicas: 0`), a scalar
// without omitempty when present (kube shows `value: 0`), anything else when non-zero/non-empty.
// Special messages take their JSON form (Quantity → string, IntOrString → number|string, Time →
// RFC 3339, MicroTime → RFC 3339 with microseconds, Duration → Go's "1h0m0s", RawExtension and
// FieldsV1 → the embedded JSON, []byte → base64). Pure.
import { NodeletError } from '../../../lib/errors.ts';
import { jsonTextDepth } from '../json-text-depth.ts';
import { formatQuantity, parseQuantity, QUANTITY_FORMAT_ERROR } from '../quantity.ts';
import { messageDescriptor, type FieldDescriptor, type MessageDescriptor, type ScalarType, type SpecialType, type ValueType } from './descriptors.ts';
import { carriesNothing, readFields, readPackedVarints, WIRE_BYTES, WIRE_VARINT, WireFormatError, type WireField } from './wire.ts';

type Obj = Record<string, unknown>;

/** A well-formed body whose content the JSON form cannot carry faithfully (an unknown field with a value). */
export class UndecodableError extends NodeletError {
  constructor(message: string) {
    super('PROTOBUF_UNDECODABLE', message);
  }
}

const utf8 = new TextDecoder('utf-8');
const MAX_EMBEDDED_JSON_DEPTH = 1000;

function bytesOf(f: WireField, where: string): Uint8Array {
  if (f.wire !== WIRE_BYTES) throw new WireFormatError(`proto: wrong wireType = ${f.wire} for field ${where}`);
  return f.value;
}

function varintOf(f: WireField, where: string): bigint {
  if (f.wire !== WIRE_VARINT) throw new WireFormatError(`proto: wrong wireType = ${f.wire} for field ${where}`);
  return f.value;
}

function varintToJson(scalar: ScalarType, v: bigint): boolean | number {
  if (scalar === 'bool') return v !== 0n;
  if (scalar === 'int32') return Number(BigInt.asIntN(32, v));
  return Number(BigInt.asIntN(64, v));
}

function scalarToJson(scalar: ScalarType, f: WireField, where: string): string | boolean | number {
  if (scalar === 'string') return utf8.decode(bytesOf(f, where));
  if (scalar === 'bytes') return Buffer.from(bytesOf(f, where)).toString('base64');
  return varintToJson(scalar, varintOf(f, where));
}

function isZeroScalar(v: string | boolean | number): boolean {
  return v === '' || v === false || v === 0;
}

/** The last occurrence of each field number (proto's rule for singular scalars). */
function lastByNumber(buf: Uint8Array): Map<number, WireField> {
  const out = new Map<number, WireField>();
  for (const f of readFields(buf)) out.set(f.num, f);
  return out;
}

function stringField(fields: Map<number, WireField>, num: number, where: string): string {
  const f = fields.get(num);
  return f === undefined ? '' : utf8.decode(bytesOf(f, where));
}

function int64Field(fields: Map<number, WireField>, num: number, where: string): bigint {
  const f = fields.get(num);
  return f === undefined ? 0n : BigInt.asIntN(64, varintOf(f, where));
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** Go's time.Format(RFC3339) / RFC3339Micro in UTC. */
export function formatTime(seconds: bigint, micros?: number): string {
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) throw new WireFormatError(`timestamp out of range: ${seconds} seconds`);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return micros === undefined ? `${base}Z` : `${base}.${pad(micros, 6)}Z`;
}

function fraction(v: bigint, digits: number): string {
  const unit = 10n ** BigInt(digits);
  const frac = (v % unit).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${v / unit}${frac === '' ? '' : `.${frac}`}`;
}

/** Go's time.Duration.String(): "0s", "1.5s", "2m0s", "1h0m0s", "500ms", "1µs", "3ns". */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${fraction(u, 3)}µs`;
  if (u < 1_000_000_000n) return `${sign}${fraction(u, 6)}ms`;
  const hours = u / 3_600_000_000_000n;
  const minutes = (u / 60_000_000_000n) % 60n;
  const seconds = fraction(u % 60_000_000_000n, 9);
  return `${sign}${hours > 0n ? `${hours}h` : ''}${hours > 0n || minutes > 0n ? `${minutes}m` : ''}${seconds}s`;
}

function embeddedJson(raw: Uint8Array, where: string): unknown {
  const text = utf8.decode(raw);
  if (jsonTextDepth(text) > MAX_EMBEDDED_JSON_DEPTH) throw new WireFormatError(`${where}: embedded JSON nests too deeply`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UndecodableError(`${where}: embedded object is not JSON`);
  }
}

/** A special message's JSON value; undefined = the zero value Go's JSON shows as null. */
function specialToJson(special: SpecialType, buf: Uint8Array, where: string): { value: unknown; zero: boolean } {
  const fields = lastByNumber(buf);
  switch (special) {
    case 'Quantity': {
      if (!fields.has(1)) return { value: '0', zero: true };
      const q = parseQuantity(stringField(fields, 1, where));
      if (q === undefined) throw new WireFormatError(`${where}: ${QUANTITY_FORMAT_ERROR}`);
      const s = formatQuantity(q);
      return { value: s, zero: s === '0' };
    }
    case 'IntOrString': {
      if (int64Field(fields, 1, where) === 1n) return { value: stringField(fields, 3, where), zero: false };
      const n = Number(BigInt.asIntN(32, int64Field(fields, 2, where)));
      return { value: n, zero: n === 0 };
    }
    case 'Time':
      // An empty message is the zero time; a present one counts whole seconds (nanos are dropped, as kube does).
      if (buf.length === 0) return { value: undefined, zero: true };
      return { value: formatTime(int64Field(fields, 1, where)), zero: false };
    case 'MicroTime': {
      if (buf.length === 0) return { value: undefined, zero: true };
      const nanos = Number(BigInt.asIntN(32, int64Field(fields, 2, where)));
      return { value: formatTime(int64Field(fields, 1, where), Math.floor(Math.max(0, nanos) / 1000)), zero: false };
    }
    case 'Duration': {
      const ns = int64Field(fields, 1, where);
      return { value: formatDuration(ns), zero: ns === 0n };
    }
    case 'RawExtension':
    case 'FieldsV1': {
      const raw = fields.get(1);
      if (raw === undefined || bytesOf(raw, where).length === 0) return { value: undefined, zero: true };
      return { value: embeddedJson(bytesOf(raw, where), where), zero: false };
    }
  }
}

/** A value in a list or map: always emitted (a zero special is Go's null). */
function elementToJson(type: ValueType, f: WireField, where: string): unknown {
  switch (type.kind) {
    case 'scalar':
      return scalarToJson(type.scalar, f, where);
    case 'special':
      return specialToJson(type.special, bytesOf(f, where), where).value ?? null;
    case 'message':
      return messageValueToJson(messageDescriptor(type.pkg, type.name), bytesOf(f, where));
  }
}

function repeatedToJson(fd: FieldDescriptor, occurrences: WireField[], where: string): unknown[] {
  const out: unknown[] = [];
  for (const f of occurrences) {
    // proto2 writes repeated numbers unpacked; a packed run is accepted as well.
    if (fd.type.kind === 'scalar' && isVarintType(fd.type) && f.wire === WIRE_BYTES) {
      const scalar = fd.type.scalar;
      for (const v of readPackedVarints(f.value)) out.push(varintToJson(scalar, v));
    } else {
      out.push(elementToJson(fd.type, f, where));
    }
  }
  return out;
}

function isVarintType(type: ValueType): boolean {
  return type.kind === 'scalar' && type.scalar !== 'string' && type.scalar !== 'bytes';
}

/** The field a map entry without a value stands for: the type's zero. */
function zeroField(type: ValueType): WireField {
  return isVarintType(type) ? { num: 2, wire: WIRE_VARINT, value: 0n } : { num: 2, wire: WIRE_BYTES, value: new Uint8Array() };
}

function mapToJson(fd: FieldDescriptor, occurrences: WireField[], where: string): Obj {
  const out: Obj = {};
  for (const f of occurrences) {
    const entry = lastByNumber(bytesOf(f, where));
    const key = stringField(entry, 1, `${where} key`);
    out[key] = elementToJson(fd.type, entry.get(2) ?? zeroField(fd.type), `${where}[${key}]`);
  }
  return out;
}

function concatBytes(occurrences: WireField[], where: string): Uint8Array {
  if (occurrences.length === 1 && occurrences[0] !== undefined) return bytesOf(occurrences[0], where);
  return Buffer.concat(occurrences.map((f) => bytesOf(f, where)));
}

/** Emits one field of `out` following the presence rules. */
function emitField(out: Obj, fd: FieldDescriptor, occurrences: WireField[], where: string): void {
  if (fd.cardinality === 'repeated') {
    const list = repeatedToJson(fd, occurrences, where);
    if (list.length > 0) out[fd.name] = list;
    return;
  }
  if (fd.cardinality === 'map') {
    const map = mapToJson(fd, occurrences, where);
    if (Object.keys(map).length > 0) out[fd.name] = map;
    return;
  }
  const type = fd.type;
  if (type.kind === 'scalar') {
    const last = occurrences[occurrences.length - 1];
    if (last === undefined) return;
    const v = scalarToJson(type.scalar, last, where);
    if (fd.pointer || fd.keepZero || !isZeroScalar(v)) out[fd.name] = v;
    return;
  }
  // Occurrences of a message field merge, which for the wire format is concatenation.
  const buf = concatBytes(occurrences, where);
  if (type.kind === 'special') {
    const { value, zero } = specialToJson(type.special, buf, where);
    if (value !== undefined && (fd.pointer || !zero)) out[fd.name] = value;
    return;
  }
  const value = messageValueToJson(messageDescriptor(type.pkg, type.name), buf);
  if (fd.inline) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign(out, value);
    return;
  }
  const empty = Array.isArray(value) ? value.length === 0 : typeof value === 'object' && value !== null && Object.keys(value).length === 0;
  if (fd.pointer || !empty) out[fd.name] = value;
}

function messageValueToJson(desc: MessageDescriptor, buf: Uint8Array): unknown {
  if (desc.listOf === undefined) return messageToJson(desc, buf);
  const itemType = desc.listOf;
  const items: unknown[] = [];
  for (const f of readFields(buf)) {
    if (f.num === 1) items.push(elementToJson(itemType, f, `${desc.name}.items`));
    else if (!carriesNothing(f)) throw unknownField(desc, f.num);
  }
  return items;
}

function unknownField(desc: MessageDescriptor, num: number): UndecodableError {
  return new UndecodableError(`field ${num} of ${desc.pkg}.${desc.name} is not in the 1.32 schema`);
}

/**
 * Decodes a message into its JSON object. A field number the schema lacks is skipped when it
 * carries nothing (Go writes every non-pointer field, so newer clients send empty unknown
 * fields); one that carries a value is an UndecodableError rather than a silent loss.
 */
export function messageToJson(desc: MessageDescriptor, buf: Uint8Array): Obj {
  const groups = new Map<number, WireField[]>();
  for (const f of readFields(buf)) {
    if (!desc.byNumber.has(f.num)) {
      if (carriesNothing(f)) continue;
      throw unknownField(desc, f.num);
    }
    const list = groups.get(f.num);
    if (list === undefined) groups.set(f.num, [f]);
    else list.push(f);
  }
  const out: Obj = {};
  for (const fd of desc.fields) {
    const occurrences = groups.get(fd.num);
    if (occurrences !== undefined) emitField(out, fd, occurrences, `${desc.name}.${fd.name === '' ? `(${fd.num})` : fd.name}`);
  }
  return out;
}
