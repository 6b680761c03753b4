// The type information the apply engine reads: for a value at some path, is it a scalar, a map
// (a struct or a map with free keys) or a list, and how do managers share it — list-type
// atomic|set|map (+ the map keys), map-type atomic|granular. This is exactly what upstream's
// schema (x-kubernetes-list-type, -list-map-keys, -map-type) tells structured-merge-diff; the
// schema module adapts to this interface so the engine does not depend on how schemas are stored.
//
// Where nothing is known (custom resources without a schema, preserve-unknown-fields) the type is
// DEDUCED, upstream's `__untyped_deduced_`: maps are granular with every key a free key, lists are
// atomic, scalars are leaves — the value's own shape decides which.

export type ListType = 'atomic' | 'set' | 'map';
export type MapType = 'granular' | 'atomic';

/** structured-merge-diff's scalar kinds; untyped takes any scalar (int-or-string). */
export type ScalarType = 'numeric' | 'string' | 'boolean' | 'untyped';

export interface ScalarTypeRef {
  readonly kind: 'scalar';
  /** What values the scalar takes (checked only when an applied configuration is typed); default untyped. */
  readonly scalar?: ScalarType;
}

/** A declared struct field: its type and, for map-list keys, the schema default. */
export interface FieldInfo {
  readonly type: TypeRef;
  /** Used when a map-list element omits this key field (e.g. a port's `protocol: TCP`). */
  readonly default?: unknown;
}

export interface MapTypeRef {
  readonly kind: 'map';
  readonly mapType: MapType;
  /** The declared field `name` of a struct, or undefined when `name` is a free key. */
  field(name: string): FieldInfo | undefined;
  /** The type of values under free keys (additionalProperties); undefined means deduced. */
  readonly elements?: TypeRef | undefined;
}

export interface ListTypeRef {
  readonly kind: 'list';
  readonly listType: ListType;
  /** x-kubernetes-list-map-keys, for listType 'map'. */
  readonly keys: readonly string[];
  readonly elements: TypeRef;
}

export interface DeducedTypeRef {
  readonly kind: 'deduced';
}

export type TypeRef = ScalarTypeRef | MapTypeRef | ListTypeRef | DeducedTypeRef;

/** Finds the root type of a kind; the schema module implements this. */
export interface TypeInfo {
  typeOf(apiVersion: string, kind: string): TypeRef | undefined;
}

export const DEDUCED: DeducedTypeRef = { kind: 'deduced' };
export const SCALAR: ScalarTypeRef = { kind: 'scalar' };
export const NUMERIC: ScalarTypeRef = { kind: 'scalar', scalar: 'numeric' };
export const STRING: ScalarTypeRef = { kind: 'scalar', scalar: 'string' };
export const BOOLEAN: ScalarTypeRef = { kind: 'scalar', scalar: 'boolean' };

/** The type under a map's key: the declared field's type, else the map's element type. */
export function fieldType(t: MapTypeRef, name: string): TypeRef {
  return t.field(name)?.type ?? t.elements ?? DEDUCED;
}

/** What a deduced map looks like: granular, every key free, values deduced again. */
export const DEDUCED_MAP: MapTypeRef = {
  kind: 'map',
  mapType: 'granular',
  field: () => undefined,
  elements: DEDUCED,
};

/** What a deduced list looks like: atomic. */
export const DEDUCED_LIST: ListTypeRef = { kind: 'list', listType: 'atomic', keys: [], elements: DEDUCED };

// ---------------------------------------------------------------------------------------------
// Builders for hand-written types (tests, and kinds without a generated schema).

export interface StructOptions {
  /** x-kubernetes-map-type: atomic (structType=atomic), e.g. LabelSelector. */
  readonly atomic?: boolean;
  /** Type of keys that are not declared fields. */
  readonly elements?: TypeRef;
  /** Schema defaults of fields, read for map-list keys. */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

/** A struct: declared fields; getters let recursive types refer to themselves lazily. */
export function struct(fields: Readonly<Record<string, TypeRef | (() => TypeRef)>>, opts: StructOptions = {}): MapTypeRef {
  const infos = new Map<string, FieldInfo>();
  const resolve = (name: string): FieldInfo | undefined => {
    const cached = infos.get(name);
    if (cached) return cached;
    if (!Object.hasOwn(fields, name)) return undefined;
    const spec = fields[name];
    if (spec === undefined) return undefined;
    const type = typeof spec === 'function' ? spec() : spec;
    const info: FieldInfo = opts.defaults !== undefined && Object.hasOwn(opts.defaults, name)
      ? { type, default: opts.defaults[name] }
      : { type };
    infos.set(name, info);
    return info;
  };
  return {
    kind: 'map',
    mapType: opts.atomic === true ? 'atomic' : 'granular',
    field: resolve,
    ...(opts.elements === undefined ? {} : { elements: opts.elements }),
  };
}

/** A map with free keys (labels, data, resources.limits). */
export function mapOf(elements: TypeRef, opts: { atomic?: boolean } = {}): MapTypeRef {
  return { kind: 'map', mapType: opts.atomic === true ? 'atomic' : 'granular', field: () => undefined, elements };
}

export function atomicList(elements: TypeRef = DEDUCED): ListTypeRef {
  return { kind: 'list', listType: 'atomic', keys: [], elements };
}

export function setList(elements: TypeRef = SCALAR): ListTypeRef {
  return { kind: 'list', listType: 'set', keys: [], elements };
}

export function mapList(keys: readonly string[], elements: TypeRef): ListTypeRef {
  return { kind: 'list', listType: 'map', keys, elements };
}
