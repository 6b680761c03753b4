// Build-time generator of the Kubernetes 1.32 schemas: reads the model classes that
// @kubernetes/client-node 1.1.2 generated from the v1.32.0 OpenAPI spec (installed under the alias
// `client-node-k8s-1.32`) — each class's attributeTypeMap (JSON names, types, formats) and the
// .d.ts beside it (descriptions as doc comments, required fields as non-optional properties) —
// maps every class to its upstream definition name, adds the structural facts the models lack
// (extensions.ts) and writes OpenAPI v3 `components.schemas` to generated/k8s-1.32.json.
//
// Class → definition name: a class name carries the version (V1, V1beta1, V2…) and the type name,
// sometimes a group prefix (CoreV1Event, EventsV1Event), never the group itself. The group of a
// top-level kind comes from the client's API classes (the collection path of the create or list
// call that takes or returns it); every other class takes the group of the kinds that reach it
// through their fields: one group → that group, several including core → core (PodTemplateSpec,
// reached from apps and batch too). apimachinery's types are a fixed list; the few classes no
// rule places correctly are named in DEFINITION_OVERRIDES.
//
// The models drop the description of every field whose type is another model (spec, metadata,
// strategy…) and give IntOrString/MicroTime fields the type's text: those descriptions come from
// kubernetes-types (a dependency; the same upstream text at 1.30), so only fields new since 1.30
// lack one. Enum values ("Possible enum values", `enum`) and defaults are not in the models.
//
// Run: `npm run generate` (tsx kube/schemas/generate.ts). Pure parts are exported for tests.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { GroupVersionKind, KindEntry } from './schemas.ts';
import {
  ANY_FIELDS,
  FIELD_EXTENSIONS,
  QUANTITY_FIELDS,
  TYPE_EXTENSIONS,
  type FieldFacts,
} from './extensions.ts';

/** The npm alias of @kubernetes/client-node 1.1.2 (Kubernetes v1.32.0 models). */
export const MODEL_PACKAGE = 'client-node-k8s-1.32';
export const KUBERNETES_VERSION = 'v1.32.0';
export const GENERATED_FILE = fileURLToPath(new URL('./generated/k8s-1.32.json', import.meta.url));

export type Schema = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Input: the model classes and the client's API operations

export interface Attribute {
  /** The TypeScript property name (`_default` for `default`). */
  name: string;
  /** The JSON name. */
  baseName: string;
  type: string;
  format: string;
}

export interface ModelClass {
  name: string;
  attributes: Attribute[];
  description?: string;
  /** By TypeScript property name. */
  properties: Map<string, { description?: string; optional: boolean }>;
}

export interface ApiOperation {
  method: string;
  path: string;
  /** Class of the request body, if any. */
  body?: string;
  /** Class of the 2xx response, if any. */
  response?: string;
}

/** Descriptions by definition name: the type's and its fields' (by JSON name). */
export type DescriptionIndex = Map<string, { description?: string; fields: Map<string, string> }>;

export interface ModelInput {
  packageVersion: string;
  classes: Map<string, ModelClass>;
  operations: ApiOperation[];
  /**
   * Where the models lack a description — every field whose type is another model, and the
   * IntOrString/MicroTime fields — the one kubernetes-types (1.30, the same upstream text) has.
   */
  fallbackDescriptions?: DescriptionIndex;
}

function packageDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(MODEL_PACKAGE)), '..');
}

/** Undoes the generator's string escaping inside doc comments (`pod\'s`, `\"TCP\"`). */
export function unescapeDoc(text: string): string {
  return text.replace(/\\(["'\\])/g, '$1');
}

/** The text of the last `/** … *\/` comment before `node`, without the comment syntax. */
function docComment(source: ts.SourceFile, node: ts.Node, escaped = true): string | undefined {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => source.text.startsWith('/**', r.pos)).pop();
  if (!last) return undefined;
  const body = source.text.slice(last.pos + 3, last.end - 2);
  const text = body.split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trimEnd()).join('\n').trim();
  if (text === '') return undefined;
  return escaped ? unescapeDoc(text) : text;
}

/** Descriptions and optional markers of one model's .d.ts. */
export function readDeclaration(text: string, fileName = 'model.d.ts'): Pick<ModelClass, 'description' | 'properties'> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const properties = new Map<string, { description?: string; optional: boolean }>();
  let description: string | undefined;
  for (const stmt of source.statements) {
    if (!ts.isClassDeclaration(stmt)) continue;
    description = docComment(source, stmt);
    for (const m of stmt.members) {
      if (!ts.isPropertyDeclaration(m)) continue;
      if (m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) === true) continue;
      const name = ts.isStringLiteral(m.name) || ts.isIdentifier(m.name) ? m.name.text : m.name.getText(source);
      const doc = docComment(source, m);
      properties.set(name, { ...(doc !== undefined ? { description: doc } : {}), optional: m.questionToken !== undefined });
    }
  }
  return { ...(description !== undefined ? { description } : {}), properties };
}

/** API operations of one generated API file (its RequestFactory and ResponseProcessor). */
export function readApiOperations(text: string): ApiOperation[] {
  const responses = new Map<string, string>();
  for (const m of text.matchAll(/async (\w+)WithHttpInfo\(response\) \{[\s\S]*?"(\w+)", ""\)/g)) {
    if (m[1] !== undefined && m[2] !== undefined) responses.set(m[1], m[2]);
  }
  const factoryEnd = text.indexOf('ResponseProcessor');
  const factory = factoryEnd >= 0 ? text.slice(0, factoryEnd) : text;
  const ops: ApiOperation[] = [];
  const starts = [...factory.matchAll(/\n {4}async (\w+)\(/g)];
  starts.forEach((s, i) => {
    const chunk = factory.slice(s.index, starts[i + 1]?.index ?? factory.length);
    const path = /localVarPath = '([^']+)'/.exec(chunk)?.[1];
    const method = /HttpMethod\.(\w+)/.exec(chunk)?.[1];
    if (path === undefined || method === undefined || s[1] === undefined) return;
    const body = /ObjectSerializer\.serialize\(body, "(\w+)"/.exec(chunk)?.[1];
    const response = responses.get(s[1]);
    ops.push({ method, path, ...(body !== undefined ? { body } : {}), ...(response !== undefined ? { response } : {}) });
  });
  return ops;
}

/** The definition-name package of a kubernetes-types folder (core → io.k8s.api.core, meta → apimachinery…). */
function kubernetesTypesPackage(dir: string): string | undefined {
  if (dir === 'meta') return 'io.k8s.apimachinery.pkg.apis.meta';
  if (dir === 'apiextensions') return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
  if (dir === 'api' || dir === 'util') return undefined;
  return `io.k8s.api.${dir}`;
}

/** The descriptions of one kubernetes-types declaration file, by definition name. */
export function readKubernetesTypesFile(text: string, pkg: string, version: string, into: DescriptionIndex = new Map()): DescriptionIndex {
  const source = ts.createSourceFile(`${version}.d.ts`, text, ts.ScriptTarget.Latest, true);
  for (const stmt of source.statements) {
    if (!ts.isInterfaceDeclaration(stmt)) continue;
    const fields = new Map<string, string>();
    for (const m of stmt.members) {
      if (!ts.isPropertySignature(m)) continue;
      const name = ts.isStringLiteral(m.name) || ts.isIdentifier(m.name) ? m.name.text : m.name.getText(source);
      const doc = docComment(source, m, false);
      if (doc !== undefined) fields.set(name, doc);
    }
    const description = docComment(source, stmt, false);
    into.set(`${pkg}.${version}.${stmt.name.text}`, { ...(description !== undefined ? { description } : {}), fields });
  }
  return into;
}

/** All of kubernetes-types' descriptions (a dependency of the project; 1.30). */
export function readKubernetesTypes(): DescriptionIndex {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('kubernetes-types/package.json'));
  const index: DescriptionIndex = new Map();
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    const pkg = dir.isDirectory() ? kubernetesTypesPackage(dir.name) : undefined;
    if (pkg === undefined) continue;
    for (const f of readdirSync(join(root, dir.name)).filter((x) => x.endsWith('.d.ts'))) {
      readKubernetesTypesFile(readFileSync(join(root, dir.name, f), 'utf8'), pkg, f.slice(0, -'.d.ts'.length), index);
    }
  }
  return index;
}

/** Loads the model classes (those models/all.js exports; stale files beside them are skipped). */
export async function readModelPackage(dir = packageDir()): Promise<ModelInput> {
  const models = join(dir, 'dist', 'gen', 'models');
  const all = readFileSync(join(models, 'all.js'), 'utf8');
  const names = [...all.matchAll(/from '\.\.\/models\/(\w+)\.js'/g)].map((m) => m[1] ?? '');
  const mod = (await import(pathToFileURL(join(models, 'all.js')).href)) as Record<string, { attributeTypeMap?: Attribute[] } | undefined>;
  const classes = new Map<string, ModelClass>();
  for (const name of names) {
    const attributes = mod[name]?.attributeTypeMap;
    if (!attributes) continue;
    const decl = readDeclaration(readFileSync(join(models, `${name}.d.ts`), 'utf8'), `${name}.d.ts`);
    classes.set(name, { name, attributes, ...decl });
  }
  const apis = join(dir, 'dist', 'gen', 'apis');
  const operations = readdirSync(apis)
    .filter((f) => /^[A-Z]\w*V\d\w*Api\.js$/.test(f))
    .flatMap((f) => readApiOperations(readFileSync(join(apis, f), 'utf8')));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { packageVersion: pkg.version, classes, operations, fallbackDescriptions: readKubernetesTypes() };
}

// ---------------------------------------------------------------------------------------------
// Names

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** apimachinery types with a model class: they belong to no API group. */
const APIMACHINERY_CLASSES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['APIGroup', 'APIGroupList', 'APIResource', 'APIResourceList', 'APIVersions', 'Condition',
    'DeleteOptions', 'FieldSelectorRequirement', 'GroupVersionForDiscovery', 'LabelSelector', 'LabelSelectorRequirement',
    'ListMeta', 'ManagedFieldsEntry', 'ObjectMeta', 'OwnerReference', 'Preconditions', 'ServerAddressByClientCIDR',
    'Status', 'StatusCause', 'StatusDetails', 'WatchEvent'].map((n): [string, string] => [`V1${n}`, `${META}.${n}`])),
  VersionInfo: 'io.k8s.apimachinery.pkg.version.Info',
};

/**
 * Kinds that are only bodies of subresources, so no collection path gives their group
 * (facts of the API: deployments/scale takes autoscaling/v1 Scale, pods/eviction policy/v1 Eviction).
 */
const SUBRESOURCE_KINDS: Readonly<Record<string, string>> = {
  V1Scale: 'autoscaling',
  V1Eviction: 'policy',
  AuthenticationV1TokenRequest: 'authentication.k8s.io',
};

/**
 * Classes of core/v1 that only other groups' kinds reach, so propagation would place them in
 * that group (StorageClass.allowedTopologies is a core TopologySelectorTerm).
 */
const DEFINITION_OVERRIDES: Readonly<Record<string, string>> = {
  V1TopologySelectorTerm: 'io.k8s.api.core.v1.TopologySelectorTerm',
  V1TopologySelectorLabelRequirement: 'io.k8s.api.core.v1.TopologySelectorLabelRequirement',
};

/** Definitions with no model class (the client maps them to primitives). */
export const SPECIAL = {
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  time: `${META}.Time`,
  microTime: `${META}.MicroTime`,
  fieldsV1: `${META}.FieldsV1`,
  patch: `${META}.Patch`,
  rawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
} as const;

/** `V1beta1Foo` → {version: v1beta1, name: Foo}; `CoreV1Event` → {prefix: Core, …}. */
export function classNameParts(name: string): { prefix?: string; version: string; name: string } | undefined {
  const m = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(name);
  if (!m || m[2] === undefined || m[3] === undefined) return undefined;
  return { ...(m[1] !== undefined ? { prefix: m[1] } : {}), version: `v${m[2].slice(1)}`, name: m[3] };
}

/** The last package segment of a group's definitions: '' → core, rbac.authorization.k8s.io → rbac. */
export function groupSegment(group: string): string {
  if (group === '') return 'core';
  if (group === 'internal.apiserver.k8s.io') return 'apiserverinternal';
  return group.split('.')[0] ?? group;
}

/** The definition-name package of a group: io.k8s.api.apps, io.k8s.apiextensions-apiserver.pkg.apis.apiextensions… */
export function definitionPackage(group: string): string {
  if (group === 'apiextensions.k8s.io') return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
  if (group === 'apiregistration.k8s.io') return 'io.k8s.kube-aggregator.pkg.apis.apiregistration';
  return `io.k8s.api.${groupSegment(group)}`;
}

// ---------------------------------------------------------------------------------------------
// Type expressions of attributeTypeMap

export type TypeExpr =
  | { kind: 'array'; of: TypeExpr }
  | { kind: 'map'; of: TypeExpr }
  | { kind: 'primitive'; name: 'string' | 'number' | 'boolean' | 'Date' | 'any' | 'IntOrString' | 'V1MicroTime' }
  | { kind: 'class'; name: string };

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'IntOrString', 'V1MicroTime']);

/** Parses `Array<V1Container>`, `{ [key: string]: string; }`, `number`, `V1PodSpec`. */
export function parseTypeExpression(type: string): TypeExpr {
  const t = type.trim();
  const array = /^Array<(.+)>$/.exec(t);
  if (array?.[1] !== undefined) return { kind: 'array', of: parseTypeExpression(array[1]) };
  const map = /^\{ ?\[key: string\]: (.+?);? ?\}$/.exec(t);
  if (map?.[1] !== undefined) return { kind: 'map', of: parseTypeExpression(map[1]) };
  if (PRIMITIVES.has(t)) return { kind: 'primitive', name: t as 'string' };
  if (/^\w+$/.test(t)) return { kind: 'class', name: t };
  throw new Error(`unknown type expression in the models: ${type}`);
}

function classesIn(expr: TypeExpr): string[] {
  if (expr.kind === 'class') return [expr.name];
  if (expr.kind === 'array' || expr.kind === 'map') return classesIn(expr.of);
  return [];
}

// ---------------------------------------------------------------------------------------------
// Kinds and the class → definition mapping

const COLLECTION = /^\/apis?\/(?:([^/{}]+)\/)?(v[^/]+)\/(?:namespaces\/\{namespace\}\/)?([a-z0-9]+)$/;

/** Top-level kinds: the classes posted to or listed from a collection path, with its group. */
export function kindsFromOperations(ops: readonly ApiOperation[], classes: ReadonlyMap<string, ModelClass>): Map<string, KindEntry> {
  const kinds = new Map<string, KindEntry>();
  const namespaced = new Set<string>();
  for (const op of ops) {
    const m = COLLECTION.exec(op.path);
    if (!m || m[2] === undefined || m[3] === undefined) continue;
    const group = op.path.startsWith('/api/') ? '' : (m[1] ?? '');
    const version = m[2];
    const resource = m[3];
    if (op.path.includes('/namespaces/{namespace}/')) namespaced.add(`${group}/${version}/${resource}`);
    let className: string | undefined;
    if (op.method === 'POST' && op.body !== undefined) className = op.body;
    else if (op.method === 'GET' && op.response?.endsWith('List') === true) className = op.response.slice(0, -'List'.length);
    if (className === undefined || !classes.has(className) || className in APIMACHINERY_CLASSES) continue;
    const parts = classNameParts(className);
    if (!parts || parts.version !== version) continue;
    if (!kinds.has(className)) {
      kinds.set(className, {
        group, version, kind: parts.name, className, resource,
        definition: `${definitionPackage(group)}.${version}.${parts.name}`,
      });
    }
  }
  for (const k of kinds.values()) {
    if (k.resource !== undefined) k.namespaced = namespaced.has(`${k.group}/${k.version}/${k.resource}`);
  }
  for (const [className, group] of Object.entries(SUBRESOURCE_KINDS)) {
    const parts = classNameParts(className);
    if (!parts || !classes.has(className) || kinds.has(className)) continue;
    kinds.set(className, { group, version: parts.version, kind: parts.name, className, definition: `${definitionPackage(group)}.${parts.version}.${parts.name}` });
  }
  return kinds;
}

function groupOfPrefix(className: string, groupOfSegment: ReadonlyMap<string, string>): string | undefined {
  const prefix = classNameParts(className)?.prefix;
  return prefix === undefined ? undefined : groupOfSegment.get(prefix.toLowerCase());
}

export interface Mapping {
  /** Class name → upstream definition name. */
  definitions: Map<string, string>;
  /** Classes no rule could place (reached by no kind, or by several non-core groups). */
  unmapped: { className: string; reason: string }[];
}

/** Maps every class to its definition name (see the file comment for the rules). */
export function mapDefinitions(classes: ReadonlyMap<string, ModelClass>, kinds: ReadonlyMap<string, KindEntry>): Mapping {
  const definitions = new Map<string, string>();
  const unmapped: Mapping['unmapped'] = [];
  const groups = new Set([...kinds.values()].map((k) => k.group));
  const groupOfSegment = new Map([...groups].map((g) => [groupSegment(g), g]));

  const refs = new Map<string, string[]>();
  for (const c of classes.values()) refs.set(c.name, c.attributes.flatMap((a) => classesIn(parseTypeExpression(a.type))));

  // Which groups' kinds (and group-prefixed classes) reach each class, never through
  // apimachinery's types.
  const roots: { className: string; group: string }[] = [...kinds.values()];
  for (const c of classes.values()) {
    const group = groupOfPrefix(c.name, groupOfSegment);
    if (group !== undefined) roots.push({ className: c.name, group });
  }
  const reachedBy = new Map<string, Set<string>>();
  for (const k of roots) {
    const seen = new Set<string>();
    const stack = [k.className];
    while (stack.length > 0) {
      const c = stack.pop() ?? '';
      if (seen.has(c) || c in APIMACHINERY_CLASSES) continue;
      seen.add(c);
      const set = reachedBy.get(c) ?? new Set<string>();
      set.add(k.group);
      reachedBy.set(c, set);
      stack.push(...(refs.get(c) ?? []));
    }
  }

  for (const c of classes.values()) {
    const listOf = c.name.endsWith('List') ? kinds.get(c.name.slice(0, -'List'.length))?.definition : undefined;
    const fixed = APIMACHINERY_CLASSES[c.name] ?? DEFINITION_OVERRIDES[c.name] ?? kinds.get(c.name)?.definition
      ?? (listOf !== undefined ? `${listOf}List` : undefined);
    if (fixed !== undefined) {
      definitions.set(c.name, fixed);
      continue;
    }
    const parts = classNameParts(c.name);
    if (!parts) {
      unmapped.push({ className: c.name, reason: 'no version in the class name' });
      continue;
    }
    let group: string | undefined;
    if (parts.prefix !== undefined) {
      group = groupOfPrefix(c.name, groupOfSegment);
      if (group === undefined) {
        unmapped.push({ className: c.name, reason: `no served group for the prefix ${parts.prefix}` });
        continue;
      }
    } else {
      const by = reachedBy.get(c.name);
      if (!by) {
        unmapped.push({ className: c.name, reason: 'reached by no top-level kind' });
        continue;
      }
      if (by.size === 1) group = [...by][0];
      else if (by.has('')) group = '';
      else {
        unmapped.push({ className: c.name, reason: `reached by several groups: ${[...by].join(', ')}` });
        continue;
      }
    }
    definitions.set(c.name, `${definitionPackage(group ?? '')}.${parts.version}.${parts.name}`);
  }
  return { definitions, unmapped };
}

// ---------------------------------------------------------------------------------------------
// Schemas

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** The definitions the client maps to primitives, declared as upstream's v3 spec declares them. */
export function specialDefinitions(): Record<string, Schema> {
  const anything = { 'x-kubernetes-preserve-unknown-fields': true };
  return {
    [SPECIAL.quantity]: {
      description: 'Quantity is a fixed-point number with an optional suffix: binary SI (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (m, "", k, M, G, T, P, E) or a decimal exponent (e3, E6). It is serialized as a string such as "500m", "1Gi" or "2", and read from a JSON number too.',
      oneOf: [{ type: 'string' }, { type: 'number' }],
      'x-kubernetes-int-or-string': true,
    },
    [SPECIAL.intOrString]: {
      description: 'IntOrString holds either an int32 or a string (such as a port name or a percentage).',
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    },
    [SPECIAL.time]: {
      description: 'Time is a timestamp serialized as an RFC 3339 string in UTC with second precision, e.g. "2024-01-02T15:04:05Z".',
      type: 'string',
      format: 'date-time',
    },
    [SPECIAL.microTime]: {
      description: 'MicroTime is a timestamp with microsecond precision, serialized as an RFC 3339 string with six fractional digits.',
      type: 'string',
      format: 'date-time',
    },
    [SPECIAL.fieldsV1]: {
      description: 'FieldsV1 is the set of fields a manager owns, as a JSON trie of "f:<name>", "k:<keys>", "v:<value>" and "i:<index>" entries (structured-merge-diff).',
      type: 'object',
      ...anything,
    },
    [SPECIAL.patch]: {
      description: 'Patch names the body of a PATCH request.',
      type: 'object',
    },
    [SPECIAL.rawExtension]: {
      description: 'RawExtension holds an embedded object of any kind, serialized as the object itself.',
      type: 'object',
      ...anything,
    },
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {
      description: 'JSON is any JSON value: a boolean, number, string, array, object or null.',
      ...anything,
    },
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': {
      description: 'JSONSchemaPropsOrArray is one JSONSchemaProps or an array of them.',
      ...anything,
    },
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': {
      description: 'JSONSchemaPropsOrBool is a JSONSchemaProps or a boolean; true when omitted.',
      ...anything,
    },
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': {
      description: 'JSONSchemaPropsOrStringArray is a JSONSchemaProps or an array of strings.',
      ...anything,
    },
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceStatus': {
      description: 'CustomResourceSubresourceStatus turns on the status subresource of a custom resource; it has no fields.',
      type: 'object',
    },
    'io.k8s.api.apiserverinternal.v1alpha1.StorageVersionSpec': {
      description: 'StorageVersionSpec is an empty spec.',
      type: 'object',
    },
  };
}

function extensionsOf(facts: FieldFacts | undefined): Schema {
  if (!facts) return {};
  const out: Schema = {};
  if (facts.listType !== undefined) out['x-kubernetes-list-type'] = facts.listType;
  if (facts.listMapKeys !== undefined) out['x-kubernetes-list-map-keys'] = [...facts.listMapKeys];
  if (facts.mapType !== undefined) out['x-kubernetes-map-type'] = facts.mapType;
  if (facts.patchMergeKey !== undefined) out['x-kubernetes-patch-merge-key'] = facts.patchMergeKey;
  if (facts.patchStrategy !== undefined) out['x-kubernetes-patch-strategy'] = facts.patchStrategy;
  return out;
}

export interface FieldContext {
  definition: string;
  field: string;
  definitions: ReadonlyMap<string, string>;
}

/** The schema of a value of type `expr` (no description), resolving the facts the models lack. */
export function valueSchema(expr: TypeExpr, format: string, ctx: FieldContext): Schema {
  switch (expr.kind) {
    case 'array':
      return { type: 'array', items: valueSchema(expr.of, format, ctx) };
    case 'map':
      return { type: 'object', additionalProperties: valueSchema(expr.of, format, ctx) };
    case 'class': {
      const name = ctx.definitions.get(expr.name);
      if (name === undefined) throw new Error(`${ctx.definition}.${ctx.field}: class ${expr.name} has no definition name`);
      return ref(name);
    }
    case 'primitive':
      switch (expr.name) {
        case 'string':
          if (QUANTITY_FIELDS[ctx.definition]?.includes(ctx.field) === true) return ref(SPECIAL.quantity);
          return format === '' ? { type: 'string' } : { type: 'string', format };
        case 'number':
          return format === 'double' || format === 'float' || format === ''
            ? { type: 'number', ...(format !== '' ? { format } : {}) }
            : { type: 'integer', format };
        case 'boolean':
          return { type: 'boolean' };
        case 'Date':
          return ref(SPECIAL.time);
        case 'V1MicroTime':
          return ref(SPECIAL.microTime);
        case 'IntOrString':
          return ref(SPECIAL.intOrString);
        case 'any': {
          const target = ANY_FIELDS[ctx.definition]?.[ctx.field];
          if (target === undefined) throw new Error(`${ctx.definition}.${ctx.field}: an untyped field with no entry in ANY_FIELDS`);
          return ref(target);
        }
      }
  }
}

/** A property: its value schema, description and facts, `$ref` wrapped in allOf beside siblings. */
export function propertySchema(attr: Attribute, description: string | undefined, ctx: FieldContext): Schema {
  const value = valueSchema(parseTypeExpression(attr.type), attr.format, ctx);
  const siblings: Schema = {
    ...(description !== undefined ? { description } : {}),
    ...extensionsOf(FIELD_EXTENSIONS[ctx.definition]?.[ctx.field]),
  };
  if ('$ref' in value && Object.keys(siblings).length > 0) return { allOf: [value], ...siblings };
  const { description: _none, ...facts } = siblings;
  return { ...(description !== undefined ? { description } : {}), ...value, ...facts };
}

/**
 * The client replaced the descriptions of IntOrString and MicroTime fields with the type's own
 * (maxSurge, eventTime…): such text describes the definition, not the field.
 */
const TYPE_TEXT_IN_FIELDS: readonly { pattern: RegExp; definition: string }[] = [
  { pattern: /^IntOrString is a type that can hold/, definition: SPECIAL.intOrString },
  { pattern: /^MicroTime is version of Time/, definition: SPECIAL.microTime },
];

export interface GeneratedDocument {
  info: {
    title: string;
    kubernetes: string;
    source: string;
    inputHash: string;
    /** Fields whose description came from kubernetes-types (the models had none). */
    fieldDescriptionsFromKubernetesTypes: number;
    /** Fields with no description in either (new since 1.30, or none upstream). */
    fieldsWithoutDescription: number;
  };
  /** Every top-level kind the client serves, with its definition and (where known) resource. */
  kinds: KindEntry[];
  /** Classes that could not be mapped (reported, left out). */
  unmapped: { className: string; reason: string }[];
  components: { schemas: Record<string, Schema> };
}

/** Builds the whole document from the model input. Pure. */
export function buildDocument(input: ModelInput, inputHash = ''): GeneratedDocument {
  const kinds = kindsFromOperations(input.operations, input.classes);
  const { definitions, unmapped } = mapDefinitions(input.classes, kinds);
  const schemas: Record<string, Schema> = specialDefinitions();
  const stats = { fromKubernetesTypes: 0, withoutDescription: 0 };
  const gvkOf = new Map<string, GroupVersionKind[]>();
  for (const k of kinds.values()) {
    gvkOf.set(k.definition, [{ group: k.group, kind: k.kind, version: k.version }]);
    const list = definitions.get(`${k.className}List`);
    if (list !== undefined && input.classes.has(`${k.className}List`)) gvkOf.set(list, [{ group: k.group, kind: `${k.kind}List`, version: k.version }]);
  }
  gvkOf.set(`${META}.Status`, [{ group: '', kind: 'Status', version: 'v1' }]);

  for (const c of input.classes.values()) {
    const name = definitions.get(c.name);
    if (name === undefined) continue;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const fallback = input.fallbackDescriptions?.get(name);
    for (const attr of c.attributes) {
      const prop = c.properties.get(attr.name);
      let description = prop?.description;
      const special = description !== undefined ? TYPE_TEXT_IN_FIELDS.find((t) => t.pattern.test(description ?? '')) : undefined;
      if (special && description !== undefined) {
        // the client put the type's description where the field's was: keep it for the type only
        const target = schemas[special.definition];
        if (target) target['description'] = description;
        description = undefined;
      }
      if (description === undefined) {
        description = fallback?.fields.get(attr.baseName);
        if (description !== undefined) stats.fromKubernetesTypes++;
        else stats.withoutDescription++;
      }
      properties[attr.baseName] = propertySchema(attr, description, { definition: name, field: attr.baseName, definitions });
      if (prop && !prop.optional) required.push(attr.baseName);
    }
    const typeDescription = c.description ?? fallback?.description;
    const schema: Schema = {
      ...(typeDescription !== undefined ? { description: typeDescription } : {}),
      type: 'object',
      ...(c.attributes.length > 0 ? { properties } : {}),
      ...(required.length > 0 ? { required } : {}),
      ...extensionsOf(TYPE_EXTENSIONS[name]),
    };
    const gvk = gvkOf.get(name);
    if (gvk) schema['x-kubernetes-group-version-kind'] = gvk;
    schemas[name] = schema;
  }
  checkReferences(schemas);
  const sorted = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k] ?? {}]));
  return {
    info: {
      title: 'Kubernetes',
      kubernetes: KUBERNETES_VERSION,
      source: `@kubernetes/client-node ${input.packageVersion} (npm alias ${MODEL_PACKAGE})`,
      inputHash,
      fieldDescriptionsFromKubernetesTypes: stats.fromKubernetesTypes,
      fieldsWithoutDescription: stats.withoutDescription,
    },
    kinds: [...kinds.values()].sort((a, b) => a.definition.localeCompare(b.definition)),
    unmapped,
    components: { schemas: sorted },
  };
}

/** Every `$ref` names a definition of the document, and every fact names an existing field. */
function checkReferences(schemas: Record<string, Schema>): void {
  const missing = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') {
          const target = x.replace('#/components/schemas/', '');
          if (!(target in schemas)) missing.add(target);
        } else walk(x);
      }
    }
  };
  walk(schemas);
  if (missing.size > 0) throw new Error(`references to undefined definitions: ${[...missing].join(', ')}`);
  const stale: string[] = [];
  for (const [def, fields] of Object.entries(FIELD_EXTENSIONS)) {
    const props = schemas[def]?.['properties'] as Record<string, unknown> | undefined;
    for (const f of Object.keys(fields)) if (!props || !(f in props)) stale.push(`${def}.${f}`);
  }
  for (const [def, fields] of Object.entries(QUANTITY_FIELDS)) {
    const props = schemas[def]?.['properties'] as Record<string, unknown> | undefined;
    for (const f of fields) if (!props || !(f in props)) stale.push(`${def}.${f} (quantity)`);
  }
  for (const def of Object.keys(TYPE_EXTENSIONS)) if (!(def in schemas)) stale.push(def);
  if (stale.length > 0) throw new Error(`extensions.ts names fields the models do not have: ${stale.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// main

/** A digest of what the output depends on: the model package version, this file and the facts. */
export function inputHash(packageVersion: string): string {
  const h = createHash('sha256').update(packageVersion);
  for (const f of ['generate.ts', 'extensions.ts']) h.update(readFileSync(fileURLToPath(new URL(`./${f}`, import.meta.url))));
  const require = createRequire(import.meta.url);
  h.update(readFileSync(require.resolve('kubernetes-types/package.json')));
  return h.digest('hex').slice(0, 16);
}

/** Generates the document and writes it atomically; returns its size in bytes. */
export async function writeGenerated(file = GENERATED_FILE): Promise<{ bytes: number; definitions: number; kinds: number; unmapped: number }> {
  const input = await readModelPackage();
  const doc = buildDocument(input, inputHash(input.packageVersion));
  const text = JSON.stringify(doc);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return { bytes: Buffer.byteLength(text), definitions: Object.keys(doc.components.schemas).length, kinds: doc.kinds.length, unmapped: doc.unmapped.length };
}

async function main(): Promise<void> {
  const start = performance.now();
  const r = await writeGenerated();
  const ms = Math.round(performance.now() - start);
  process.stdout.write(`kube/schemas: ${r.definitions} definitions, ${r.kinds} kinds, ${r.unmapped} unmapped classes, ${(r.bytes / 1024).toFixed(0)} KiB in ${ms} ms → ${GENERATED_FILE}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
