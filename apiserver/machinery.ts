// The one place the server core calls the pure API-machinery modules (apiserver/api/*):
// defaults, validation, selectors, patches, protobuf, tables. Until a module lands, a thin
// stand-in keeps the server working; each is replaced by a re-export of the real one.
import { ApiError } from './api/errors.ts';
import type { KubeObject } from './storage/types.ts';

// ---- defaults / validation -------------------------------------------------------------------

export { applyDefaults, prepareForCreate, prepareForUpdate } from './api/defaults.ts';

export { validateCreate, validateUpdate } from './api/validation.ts';

// ---- selectors -------------------------------------------------------------------------------

export { parseFieldSelector, parseLabelSelector, selectableFields } from './api/selectors.ts';
export type { FieldMatcher, LabelMatcher } from './api/selectors.ts';

// ---- patches ---------------------------------------------------------------------------------

export type PatchType = 'merge' | 'strategic' | 'json';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function applyPatch(type: PatchType, _kind: string, original: KubeObject, patch: unknown): KubeObject {
  if (type === 'json') throw ApiError.unsupportedMediaType(['application/merge-patch+json', 'application/strategic-merge-patch+json']);
  const result = mergePatch(original, patch);
  if (!isObject(result)) throw ApiError.badRequest('the patch must be a JSON object');
  return result;
}

// ---- protobuf --------------------------------------------------------------------------------

export function decodeProtobuf(_body: Buffer): KubeObject {
  throw ApiError.unsupportedMediaType(['application/json', 'application/yaml']);
}

// ---- tables ----------------------------------------------------------------------------------

export interface TableOptions {
  includeObject: 'None' | 'Metadata' | 'Object';
  now: number;
}

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

function age(now: number, ts: unknown): string {
  if (typeof ts !== 'string') return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function toTable(_kind: string, objects: KubeObject[], options: TableOptions): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      { name: 'Age', type: 'string', format: '', description: 'Age', priority: 0 },
    ],
    rows: objects.map((o) => {
      const row: TableRow = { cells: [o.metadata?.name ?? '', age(options.now, o.metadata?.['creationTimestamp'])] };
      if (options.includeObject === 'Object') row.object = o;
      else if (options.includeObject === 'Metadata') {
        row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} };
      }
      return row;
    }),
  };
}

// ---- openapi ---------------------------------------------------------------------------------

/** The /openapi/v3 document at path (root or a group-version), or undefined (404). */
export function openapiDocument(_path: string): unknown {
  return undefined;
}
