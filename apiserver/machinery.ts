// The one place the server core calls the pure API-machinery modules (apiserver/api/*):
// defaults, validation, selectors, patches, protobuf, tables, openapi. Until a module lands, a
// thin stand-in keeps the server working; each is replaced by a re-export of the real one.
import { ApiError } from './api/errors.ts';
import { applyPatch as applyPatchBody, PATCH_CONTENT_TYPES, type PatchType } from './api/patch.ts';
import { RESOURCES, type ResourceInfo } from './resources.ts';
import type { KubeObject } from './storage/types.ts';

// ---- defaults / validation -------------------------------------------------------------------

export { applyDefaults } from './api/defaults.ts';

// ---- selectors -------------------------------------------------------------------------------

export { parseFieldSelector, parseLabelSelector, selectableFields } from './api/selectors.ts';
export type { FieldMatcher, LabelMatcher } from './api/selectors.ts';

// ---- patches ---------------------------------------------------------------------------------

export type { PatchType } from './api/patch.ts';

/** Applies a merge, strategic merge or JSON patch to original (not mutated). */
export function applyPatch(type: PatchType, original: KubeObject, patch: unknown): KubeObject {
  const result = applyPatchBody(PATCH_CONTENT_TYPES[type], original, patch);
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw ApiError.badRequest('the patch must produce a JSON object');
  return result as KubeObject;
}

// ---- protobuf --------------------------------------------------------------------------------

export { decodeProtobuf } from './api/protobuf.ts';

// ---- tables ----------------------------------------------------------------------------------

export { toTable } from './api/tables.ts';
export type { IncludeObject, Table, TableOptions } from './api/tables.ts';

// ---- openapi ---------------------------------------------------------------------------------

/** Group-version path keys ('api/v1', 'apis/apps/v1') of every served kind. */
function openapiGroups(): Map<string, ResourceInfo[]> {
  const out = new Map<string, ResourceInfo[]>();
  for (const r of RESOURCES) {
    const key = r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
    const list = out.get(key) ?? [];
    list.push(r);
    out.set(key, list);
  }
  return out;
}

/**
 * The /openapi/v3 document at path ('' for the root, or a group-version), or undefined (404).
 * Stand-in until the schemas land: PATCH operations declaring fieldValidation, which is what
 * kubectl's validation needs to validate on the server.
 */
export function openapiDocument(path: string): unknown {
  const groups = openapiGroups();
  if (path === '') {
    const paths: Record<string, unknown> = {};
    for (const gv of groups.keys()) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=nodelet2` };
    return { paths };
  }
  const kinds = groups.get(path);
  if (kinds === undefined) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of kinds) {
    if (!r.verbs.includes('patch')) continue;
    const prefix = `/${path}`;
    const p = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}/{name}` : `${prefix}/${r.resource}/{name}`;
    paths[p] = {
      patch: {
        'x-kubernetes-group-version-kind': { group: r.group, kind: r.kind, version: r.version },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths };
}
