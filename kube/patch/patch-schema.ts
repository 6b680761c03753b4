// Strategic-merge facts of any served kind, read from the generated 1.32 schemas (their
// x-kubernetes-patch-strategy / -patch-merge-key, the one table kube/schemas/extensions.ts keeps):
// a PatchSchema tree per definition, built once and shared, cycles included (JSONSchemaProps).
import { definition, flatten, kindSchemaName, type Schema } from '../schemas/schemas.ts';

/** Patch metadata of a field: list strategy and merge key, and the schema of its value/items. */
export interface PatchSchema {
  /** For lists: 'merge' merges by key (or as a set for primitives); otherwise the list is replaced. */
  readonly strategy?: 'merge';
  /** The field's value is a map with the retainKeys strategy (or a list whose items are). */
  readonly retainKeys?: boolean;
  readonly mergeKey?: string;
  readonly fields?: Readonly<Record<string, PatchSchema>>;
}

type MutablePatchSchema = { strategy?: 'merge'; retainKeys?: boolean; mergeKey?: string; fields?: Record<string, PatchSchema> };

const byDefinition = new Map<string, MutablePatchSchema>();

function fromSchema(raw: Schema): PatchSchema | undefined {
  const { schema, definition: def } = flatten(raw);
  const strategy = typeof schema['x-kubernetes-patch-strategy'] === 'string' ? schema['x-kubernetes-patch-strategy'] : '';
  const mergeKey = typeof schema['x-kubernetes-patch-merge-key'] === 'string' ? schema['x-kubernetes-patch-merge-key'] : undefined;
  const own: MutablePatchSchema = {};
  if (strategy.split(',').includes('merge')) own.strategy = 'merge';
  if (strategy.split(',').includes('retainKeys')) own.retainKeys = true;
  if (mergeKey !== undefined) own.mergeKey = mergeKey;
  // a list's facts sit on the list; its items' structure comes from the item schema
  const inner = schema['type'] === 'array' && typeof schema['items'] === 'object' && schema['items'] !== null ? schema['items'] as Schema : undefined;
  const structure = inner !== undefined ? structureOf(inner) : def !== undefined ? forDefinition(def) : structureOfInline(schema);
  if (structure?.fields !== undefined) {
    if (Object.keys(own).length === 0) return structure;
    own.fields = structure.fields;
  }
  return Object.keys(own).length === 0 ? undefined : own;
}

function structureOf(raw: Schema): PatchSchema | undefined {
  const { schema, definition: def } = flatten(raw);
  return def !== undefined ? forDefinition(def) : structureOfInline(schema);
}

function structureOfInline(schema: Schema): PatchSchema | undefined {
  const props = schema['properties'];
  if (typeof props !== 'object' || props === null) return undefined;
  const fields: Record<string, PatchSchema> = {};
  for (const [name, p] of Object.entries(props as Record<string, Schema>)) {
    const f = fromSchema(p);
    if (f !== undefined) fields[name] = f;
  }
  return { fields };
}

/** The PatchSchema of a definition; the object is registered before its fields, so cycles end. */
function forDefinition(name: string): PatchSchema {
  const known = byDefinition.get(name);
  if (known !== undefined) return known;
  const out: MutablePatchSchema = { fields: {} };
  byDefinition.set(name, out);
  const def = definition(name);
  if (def !== undefined) {
    const inline = structureOfInline(def);
    out.fields = { ...inline?.fields };
  }
  return out;
}

/** The strategic-merge schema of a served kind, or undefined when no schema describes it. */
export function patchSchemaForKind(apiVersion: string, kind: string): PatchSchema | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const name = kindSchemaName(group, version, kind);
  return name === undefined ? undefined : forDefinition(name);
}
