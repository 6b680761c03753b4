// A CustomResourceDefinition's openAPIV3Schema as the custom-resource machinery reads it
// (apiextensions-apiserver pkg/apiserver/schema: the Structural form): the JSON object of
// spec.versions[*].schema.openAPIV3Schema, read through these accessors so that a value of the
// wrong JSON type anywhere counts as absent. `default: null` is no default, as upstream's JSON
// conversion makes it. Pure.

/** One node of an openAPIV3Schema (apiextensions/v1 JSONSchemaProps), as decoded JSON. */
export type JSONSchema = Readonly<Record<string, unknown>>;

export function isSchema(v: unknown): v is JSONSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(s: JSONSchema, key: string): string {
  const v = s[key];
  return typeof v === 'string' ? v : '';
}

export function bool(s: JSONSchema, key: string): boolean {
  return s[key] === true;
}

export function num(s: JSONSchema, key: string): number | undefined {
  const v = s[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function strings(s: JSONSchema, key: string): string[] {
  const v = s[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** `type` ('' when unset). */
export function typeOf(s: JSONSchema): string {
  return str(s, 'type');
}

/** `properties`, or undefined when there are none. */
export function properties(s: JSONSchema): Readonly<Record<string, JSONSchema>> | undefined {
  const p = s['properties'];
  if (!isSchema(p)) return undefined;
  const out: Record<string, JSONSchema> = {};
  let any = false;
  for (const [k, v] of Object.entries(p)) {
    if (isSchema(v)) {
      out[k] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** The schema of `items` when it is one schema (not an array of them, which CRDs refuse). */
export function items(s: JSONSchema): JSONSchema | undefined {
  const v = s['items'];
  return isSchema(v) ? v : undefined;
}

/**
 * `additionalProperties`: a schema, true/false, or undefined when unset (a JSONSchemaPropsOrBool).
 * An empty schema object is `true` with no schema.
 */
export function additionalProperties(s: JSONSchema): JSONSchema | boolean | undefined {
  const v = s['additionalProperties'];
  if (typeof v === 'boolean') return v;
  if (isSchema(v)) return v;
  return undefined;
}

/** The schema of additionalProperties' values, when it is one. */
export function additionalSchema(s: JSONSchema): JSONSchema | undefined {
  const a = additionalProperties(s);
  return isSchema(a) ? a : undefined;
}

export function preservesUnknown(s: JSONSchema): boolean {
  return bool(s, 'x-kubernetes-preserve-unknown-fields');
}

export function isEmbedded(s: JSONSchema): boolean {
  return bool(s, 'x-kubernetes-embedded-resource');
}

export function isIntOrString(s: JSONSchema): boolean {
  return bool(s, 'x-kubernetes-int-or-string');
}

export function isNullable(s: JSONSchema): boolean {
  return bool(s, 'nullable');
}

/** The default value, when one is set (a JSON null is none). */
export function defaultOf(s: JSONSchema): { value: unknown } | undefined {
  const v = s['default'];
  return v === undefined || v === null ? undefined : { value: v };
}

/** `allOf`/`anyOf`/`oneOf` schemas. */
export function junctors(s: JSONSchema, key: 'allOf' | 'anyOf' | 'oneOf'): JSONSchema[] {
  const v = s[key];
  return Array.isArray(v) ? v.filter(isSchema) : [];
}

export function listType(s: JSONSchema): string | undefined {
  const v = s['x-kubernetes-list-type'];
  return typeof v === 'string' ? v : undefined;
}

/** The schema of a field of an object value: its property, else additionalProperties' schema. */
export function fieldSchema(s: JSONSchema | undefined, field: string): JSONSchema | undefined {
  if (s === undefined) return undefined;
  return properties(s)?.[field] ?? additionalSchema(s);
}

/** A JSON value's deep copy (defaults are copied into objects, never shared). */
export function copyJson<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}
