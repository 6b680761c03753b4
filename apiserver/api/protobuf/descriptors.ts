// Reads the message table (`schema.ts`) into descriptors, one package at a time on first use:
// for each message its fields by number and in JSON order, each with its value type (scalar,
// special or message), cardinality (single, repeated, map) and JSON presence rule. Pure.
import { MESSAGES, PACKAGE_KINDS, PACKAGE_VERSIONS, type PackageName } from './schema.ts';

export const SCALAR_TYPES = ['string', 'bool', 'int32', 'int64', 'bytes'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

/** Messages with a JSON form of their own (apimachinery's hand-written marshalers). */
export const SPECIAL_TYPES = ['Quantity', 'IntOrString', 'Time', 'MicroTime', 'Duration', 'RawExtension', 'FieldsV1'] as const;
export type SpecialType = (typeof SPECIAL_TYPES)[number];

export type ValueType =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'special'; special: SpecialType }
  | { kind: 'message'; pkg: PackageName; name: string };

export interface FieldDescriptor {
  num: number;
  /** JSON name; empty for a field inlined into its parent. */
  name: string;
  type: ValueType;
  cardinality: 'single' | 'repeated' | 'map';
  /** A Go pointer: present = set, emitted even when zero. */
  pointer: boolean;
  /** A scalar without omitempty: its zero value is emitted when present. */
  keepZero: boolean;
  inline: boolean;
}

export interface MessageDescriptor {
  pkg: PackageName;
  name: string;
  /** In the Go struct's order, which is the JSON order. */
  fields: readonly FieldDescriptor[];
  byNumber: ReadonlyMap<number, FieldDescriptor>;
  /** For a named list (`ExtraValue []string`): the item type of its `items = 1`. */
  listOf?: ValueType;
}

const PACKAGES = Object.keys(PACKAGE_VERSIONS) as PackageName[];

function isPackage(s: string): s is PackageName {
  return (PACKAGES as string[]).includes(s);
}

function isScalar(s: string): s is ScalarType {
  return (SCALAR_TYPES as readonly string[]).includes(s);
}

function isSpecial(s: string): s is SpecialType {
  return (SPECIAL_TYPES as readonly string[]).includes(s);
}

function valueType(pkg: PackageName, token: string, where: string): ValueType {
  if (isScalar(token)) return { kind: 'scalar', scalar: token };
  if (isSpecial(token)) return { kind: 'special', special: token };
  const dot = token.indexOf('.');
  const [p, name] = dot < 0 ? [pkg, token] : [token.slice(0, dot), token.slice(dot + 1)];
  if (!isPackage(p) || MESSAGES[p][name] === undefined) throw new Error(`protobuf schema: unknown type ${token} in ${where}`);
  return { kind: 'message', pkg: p, name };
}

const FIELD_RE = /^(\d+) (\.\.\.|[A-Za-z$][\w$]*) (\*)?(\{)?([\w.]+)(\})?(\[\])?(!)?$/;

function parseField(pkg: PackageName, text: string, where: string): FieldDescriptor {
  const m = FIELD_RE.exec(text);
  if (m === null) throw new Error(`protobuf schema: cannot read field '${text}' of ${where}`);
  const [, num = '', name = '', star, open, type = '', close, brackets, bang] = m;
  if ((open === undefined) !== (close === undefined)) throw new Error(`protobuf schema: bad map field '${text}' of ${where}`);
  const inline = name === '...';
  return {
    num: Number(num),
    name: inline ? '' : name,
    type: valueType(pkg, type, where),
    cardinality: open !== undefined ? 'map' : brackets !== undefined ? 'repeated' : 'single',
    pointer: star !== undefined,
    keepZero: bang !== undefined,
    inline,
  };
}

function parseMessage(pkg: PackageName, name: string, text: string): MessageDescriptor {
  const where = `${pkg}.${name}`;
  if (text.startsWith('[] ')) {
    return { pkg, name, fields: [], byNumber: new Map(), listOf: valueType(pkg, text.slice(3), where) };
  }
  const fields = text.split(';').map((f) => f.trim()).filter((f) => f !== '').map((f) => parseField(pkg, f, where));
  const byNumber = new Map<number, FieldDescriptor>();
  for (const f of fields) {
    if (byNumber.has(f.num)) throw new Error(`protobuf schema: field number ${f.num} twice in ${where}`);
    byNumber.set(f.num, f);
  }
  return { pkg, name, fields, byNumber };
}

const cache = new Map<string, MessageDescriptor>();

/** The descriptor of a message of the table; throws for a name the table lacks. */
export function messageDescriptor(pkg: PackageName, name: string): MessageDescriptor {
  const key = `${pkg}.${name}`;
  let d = cache.get(key);
  if (d === undefined) {
    const text = MESSAGES[pkg][name];
    if (text === undefined) throw new Error(`protobuf schema: no message ${key}`);
    d = parseMessage(pkg, name, text);
    cache.set(key, d);
  }
  return d;
}

/**
 * The message a body of this apiVersion and kind carries, or undefined when the table has none.
 * meta/v1's DeleteOptions is registered in every group version, as in kube.
 */
export function kindDescriptor(apiVersion: string, kind: string): MessageDescriptor | undefined {
  if (PACKAGE_KINDS.meta.includes(kind) && apiVersion !== '') return messageDescriptor('meta', kind);
  const pkg = PACKAGES.find((p) => p !== 'meta' && PACKAGE_VERSIONS[p] === apiVersion);
  if (pkg === undefined || !PACKAGE_KINDS[pkg].includes(kind)) return undefined;
  return messageDescriptor(pkg, kind);
}

/** Every (apiVersion, kind) the table decodes, meta's kinds under their own version. */
export function decodableKinds(): { apiVersion: string; kind: string }[] {
  return PACKAGES.flatMap((p) => PACKAGE_KINDS[p].map((kind) => ({ apiVersion: PACKAGE_VERSIONS[p], kind })));
}

/** Parses every message of the table (a check that it is well formed and closed). */
export function allMessageDescriptors(): MessageDescriptor[] {
  return PACKAGES.flatMap((p) => Object.keys(MESSAGES[p]).map((name) => messageDescriptor(p, name)));
}
