// Runtime access to the Kubernetes 1.32 schemas that generate.ts writes at build time: loaded
// once, lazily, on first use; definitions by name, kinds by group/version/kind, `$ref` resolution,
// and the schema at a field path with its list/map facts resolved — what validation, defaulting,
// pruning, strategic merge patch and server-side apply read.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NodeletError } from '../../lib/errors.ts';

/** A JSON schema object of the document (OpenAPI v3 flavour). */
export type Schema = Readonly<Record<string, unknown>>;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface KindEntry extends GroupVersionKind {
  /** The model class in @kubernetes/client-node the kind came from. */
  className: string;
  /** The definition name: io.k8s.api.apps.v1.Deployment. */
  definition: string;
  /** Plural resource and scope, when a collection serves the kind (not for Scale, Eviction…). */
  resource?: string;
  namespaced?: boolean;
}

export interface SchemaDocument {
  info: { title: string; kubernetes: string; source: string; inputHash: string; fieldDescriptionsFromKubernetesTypes: number; fieldsWithoutDescription: number };
  kinds: KindEntry[];
  unmapped: { className: string; reason: string }[];
  components: { schemas: Record<string, Schema> };
}

export const SCHEMA_FILE = fileURLToPath(new URL('./generated/k8s-1.32.json', import.meta.url));
const REF_PREFIXES = ['#/components/schemas/', '#/definitions/'];

/** The generated file is missing or unreadable. */
export class SchemasNotGeneratedError extends NodeletError {
  constructor(file: string, cause?: unknown) {
    super(
      'SCHEMAS_NOT_GENERATED',
      `the Kubernetes schemas have not been generated: ${file} is missing or unreadable; run \`make\` or \`npm run generate\``,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** A name or `$ref` that names no definition. */
export class UnknownDefinitionError extends NodeletError {
  constructor(name: string) {
    super('UNKNOWN_DEFINITION', `no schema definition named ${name}`);
  }
}

interface Loaded {
  doc: SchemaDocument;
  byGvk: Map<string, string>;
  loadMs: number;
}

let loaded: Loaded | undefined;
let source = SCHEMA_FILE;

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

function load(): Loaded {
  if (loaded) return loaded;
  const start = performance.now();
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new SchemasNotGeneratedError(source, err);
  }
  const doc = JSON.parse(text) as SchemaDocument;
  const byGvk = new Map<string, string>();
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    const gvks = schema['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const g of gvks as GroupVersionKind[]) byGvk.set(gvkKey(g.group, g.version, g.kind), name);
  }
  loaded = { doc, byGvk, loadMs: performance.now() - start };
  return loaded;
}

/** The whole generated document (loads it on first use). */
export function schemaDocument(): SchemaDocument {
  return load().doc;
}

/** How long the load took, in milliseconds (undefined before the first use). */
export function schemaLoadMs(): number | undefined {
  return loaded?.loadMs;
}

/** For tests: read the document from another file, or (undefined) go back to the default. */
export function useSchemaFile(file: string | undefined): void {
  source = file ?? SCHEMA_FILE;
  loaded = undefined;
}

/** The definition of that name, or undefined. */
export function definition(name: string): Schema | undefined {
  return load().doc.components.schemas[name];
}

export function definitionNames(): string[] {
  return Object.keys(load().doc.components.schemas);
}

/** Every top-level kind of Kubernetes 1.32 with its definition, resource and scope. */
export function kinds(): readonly KindEntry[] {
  return load().doc.kinds;
}

/** The definition name of a kind (List kinds too): ('apps', 'v1', 'Deployment') → io.k8s.api.apps.v1.Deployment. */
export function kindSchemaName(group: string, version: string, kind: string): string | undefined {
  return load().byGvk.get(gvkKey(group, version, kind));
}

/** The definition name a `$ref` (v3 `#/components/schemas/…`, v2 `#/definitions/…`) or bare name points to. */
export function refName(ref: string): string {
  const prefix = REF_PREFIXES.find((p) => ref.startsWith(p));
  return prefix === undefined ? ref : ref.slice(prefix.length);
}

/** Resolves a `$ref` (or a bare definition name) to its definition; throws when none exists. */
export function resolve(ref: string): Schema {
  const name = refName(ref);
  const found = definition(name);
  if (!found) throw new UnknownDefinitionError(name);
  return found;
}

/** The facts and shape of the schema at one field path. */
export interface FieldType {
  /** The schema there, refs resolved and merged with the field's own keywords (description, facts). */
  schema: Schema;
  /** The definition the field refers to, when it is a named type (Container, Quantity, Time…). */
  definition?: string;
  /** The JSON type ('object', 'array', 'string', 'integer', 'number', 'boolean'); undefined for any-type values. */
  type?: string;
  format?: string;
  description?: string;
  /** Whether the containing object lists this field as required. */
  required: boolean;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: readonly string[];
  patchStrategy?: string;
  patchMergeKey?: string;
  mapType?: 'atomic' | 'granular';
  /** Quantity and IntOrString: a string or a number. */
  intOrString: boolean;
  /** RawExtension, JSON, FieldsV1: any value, never pruned. */
  preserveUnknownFields: boolean;
  /** The items of a list, or the values of a map, one level down (the same shape). */
  items?: FieldType;
}

/**
 * Flattens a property schema: follows a `$ref` (bare or as the single `allOf` entry) and lays the
 * property's own keywords (description, x-kubernetes-*) over the definition's.
 */
export function flatten(schema: Schema): { schema: Schema; definition?: string } {
  let own: Record<string, unknown> = { ...schema };
  let refString: string | undefined;
  if (typeof own['$ref'] === 'string') {
    refString = own['$ref'];
    delete own['$ref'];
  } else if (Array.isArray(own['allOf']) && own['allOf'].length === 1) {
    const only = own['allOf'][0] as Schema;
    if (typeof only['$ref'] === 'string') {
      refString = only['$ref'];
      const { allOf: _allOf, ...rest } = own;
      own = rest;
    }
  }
  if (refString === undefined) return { schema: own };
  const name = refName(refString);
  return { schema: { ...resolve(name), ...own }, definition: name };
}

const LIST_TYPES = new Set(['atomic', 'set', 'map']);

function describe(raw: Schema, required: boolean): FieldType {
  const { schema, definition: def } = flatten(raw);
  const str = (k: string): string | undefined => (typeof schema[k] === 'string' ? schema[k] : undefined);
  const out: FieldType = {
    schema,
    required,
    intOrString: schema['x-kubernetes-int-or-string'] === true,
    preserveUnknownFields: schema['x-kubernetes-preserve-unknown-fields'] === true,
  };
  if (def !== undefined) out.definition = def;
  const type = str('type');
  if (type !== undefined) out.type = type;
  const format = str('format');
  if (format !== undefined) out.format = format;
  const description = str('description');
  if (description !== undefined) out.description = description;
  const listType = str('x-kubernetes-list-type');
  if (listType !== undefined && LIST_TYPES.has(listType)) out.listType = listType as 'atomic';
  if (Array.isArray(schema['x-kubernetes-list-map-keys'])) out.listMapKeys = schema['x-kubernetes-list-map-keys'] as string[];
  const patchStrategy = str('x-kubernetes-patch-strategy');
  if (patchStrategy !== undefined) out.patchStrategy = patchStrategy;
  const mergeKey = str('x-kubernetes-patch-merge-key');
  if (mergeKey !== undefined) out.patchMergeKey = mergeKey;
  const mapType = str('x-kubernetes-map-type');
  if (mapType === 'atomic' || mapType === 'granular') out.mapType = mapType;
  const inner = type === 'array' ? schema['items'] : schema['additionalProperties'];
  if (typeof inner === 'object' && inner !== null) out.items = describe(inner as Schema, false);
  return out;
}

/** Splits 'spec.containers[].ports' / 'spec.containers.0.ports' into segments. */
function segments(path: string | readonly string[]): string[] {
  if (typeof path !== 'string') return [...path];
  // 'containers[0]' → 'containers', '0'; 'containers[]' → 'containers'
  return path.replace(/\[(\d*)\]/g, (_m, i: string) => (i === '' ? '' : `.${i}`)).split('.').filter((s) => s !== '');
}

/**
 * The schema at a field path under a definition: `fieldType('io.k8s.api.core.v1.Pod',
 * 'spec.containers.ports')`. Lists are stepped through implicitly (an index such as `0` or `[]`
 * may also name the item); a map's values are reached by any key. Undefined when no such field.
 * An empty path gives the definition itself.
 */
export function fieldType(rootName: string, path: string | readonly string[]): FieldType | undefined {
  let current = describe({ $ref: `#/components/schemas/${rootName}` }, false);
  for (const seg of segments(path)) {
    if (current.type === 'array' && current.items) {
      if (/^\d+$/.test(seg) || seg === '*') {
        current = current.items;
        continue;
      }
      current = current.items;
    }
    const props = current.schema['properties'] as Record<string, Schema> | undefined;
    const prop = props?.[seg];
    if (prop) {
      const required = Array.isArray(current.schema['required']) && (current.schema['required'] as string[]).includes(seg);
      current = describe(prop, required);
      continue;
    }
    if (current.type === 'object' && current.items) {
      current = current.items;
      continue;
    }
    return undefined;
  }
  return current;
}

/** The definition names reachable from these roots through `$ref`s (the roots included). */
export function reachableDefinitions(roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...roots];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') stack.push(refName(x));
        else walk(x);
      }
    }
  };
  while (stack.length > 0) {
    const name = stack.pop() ?? '';
    if (out.has(name)) continue;
    const def = definition(name);
    if (!def) throw new UnknownDefinitionError(name);
    out.add(name);
    walk(def);
  }
  return out;
}
