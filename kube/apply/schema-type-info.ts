// The apply engine's type information read from the generated Kubernetes 1.32 schemas: structs
// from `properties`, free-key maps from `additionalProperties`, `x-kubernetes-map-type: atomic`,
// lists by `x-kubernetes-list-type` (+ map keys; lists without one are atomic, as
// structured-merge-diff treats them), and preserve-unknown-fields values deduced. Definitions are
// converted once and shared (recursive ones such as JSONSchemaProps through lazy fields).
import { flatten, kindSchemaName, type Schema } from '../schemas/schemas.ts';
import { BOOLEAN, DEDUCED, NUMERIC, SCALAR, STRING, atomicList, mapList, mapOf, setList, struct, type TypeInfo, type TypeRef } from './type-info.ts';

/**
 * Defaults of map-list key fields, which the generated models do not carry (upstream's OpenAPI
 * has `default: "TCP"` on these): a port listed without its protocol is keyed as TCP.
 */
const KEY_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.EndpointPort': { protocol: 'TCP' },
  'io.k8s.api.discovery.v1.EndpointPort': { protocol: 'TCP' },
};

const byDefinition = new Map<string, TypeRef>();

function typeOfSchema(raw: Schema): TypeRef {
  const { schema, definition } = flatten(raw);
  if (definition !== undefined) return typeOfDefinition(definition);
  return typeOfInline(schema, undefined);
}

function typeOfDefinition(name: string): TypeRef {
  const known = byDefinition.get(name);
  if (known !== undefined) return known;
  const { schema } = flatten({ $ref: `#/components/schemas/${name}` });
  // registered before its fields are read: a recursive definition finds itself here
  const slot: { resolved?: TypeRef } = {};
  const lazy: TypeRef = {
    kind: 'map',
    mapType: 'granular',
    field: (f) => (slot.resolved?.kind === 'map' ? slot.resolved.field(f) : undefined),
    get elements() { return slot.resolved?.kind === 'map' ? slot.resolved.elements : undefined; },
  };
  byDefinition.set(name, lazy);
  const resolved = typeOfInline(schema, name);
  slot.resolved = resolved;
  byDefinition.set(name, resolved);
  return resolved;
}

function typeOfInline(schema: Schema, name: string | undefined): TypeRef {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return DEDUCED;
  if (schema['x-kubernetes-int-or-string'] === true) return SCALAR;
  const type = schema['type'];
  if (type === 'array') {
    const items = typeof schema['items'] === 'object' && schema['items'] !== null ? typeOfSchema(schema['items'] as Schema) : DEDUCED;
    switch (schema['x-kubernetes-list-type']) {
      case 'map': return mapList(Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'] as string[] : [], items);
      case 'set': return setList(items);
      default: return atomicList(items);
    }
  }
  const atomic = schema['x-kubernetes-map-type'] === 'atomic';
  const props = schema['properties'];
  if (typeof props === 'object' && props !== null) {
    const fields: Record<string, () => TypeRef> = {};
    for (const [field, p] of Object.entries(props as Record<string, Schema>)) fields[field] = () => typeOfSchema(p);
    const defaults = name === undefined ? undefined : KEY_DEFAULTS[name];
    return struct(fields, { atomic, ...(defaults === undefined ? {} : { defaults }) });
  }
  const extra = schema['additionalProperties'];
  if (typeof extra === 'object' && extra !== null) return mapOf(typeOfSchema(extra as Schema), { atomic });
  switch (type) {
    case 'object':
    case undefined:
      return DEDUCED;
    case 'integer':
    case 'number':
      return NUMERIC;
    case 'string':
      return STRING;
    case 'boolean':
      return BOOLEAN;
    default:
      return SCALAR;
  }
}

/** The type information of every kind the generated schemas describe. */
export const schemaTypeInfo: TypeInfo = {
  typeOf(apiVersion, kind) {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const name = kindSchemaName(group, version, kind);
    return name === undefined ? undefined : typeOfDefinition(name);
  },
};

/**
 * An approximation of a kind's Go zero value as JSON (what the engine compares a create against):
 * metadata with a null creationTimestamp, and empty spec/status objects where the kind has them.
 * The exact zero value depends on Go's pointer/omitempty choices, which the schemas do not carry.
 */
export function zeroObjectOf(apiVersion: string, kind: string): Record<string, unknown> {
  const slash = apiVersion.indexOf('/');
  const name = kindSchemaName(slash < 0 ? '' : apiVersion.slice(0, slash), slash < 0 ? apiVersion : apiVersion.slice(slash + 1), kind);
  const out: Record<string, unknown> = { apiVersion, kind, metadata: { creationTimestamp: null } };
  if (name === undefined) return out;
  const props = flatten({ $ref: `#/components/schemas/${name}` }).schema['properties'];
  if (typeof props === 'object' && props !== null) {
    if ('spec' in props) out['spec'] = {};
    if ('status' in props) out['status'] = {};
  }
  return out;
}
