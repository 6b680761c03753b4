// The one place the server core calls the pure API-machinery modules (apiserver/api/*):
// defaults, validation, selectors, patches, protobuf, tables, openapi. Until a module lands, a
// thin stand-in keeps the server working; each is replaced by a re-export of the real one.
import { ApiError } from './api/errors.ts';
import { applyPatch as applyPatchBody, PATCH_CONTENT_TYPES, type PatchType } from './api/patch.ts';
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

const OPENAPI_GROUPS: Record<string, { prefix: string; kinds: [string, string, boolean][] }> = {
  'api/v1': {
    prefix: '/api/v1',
    kinds: [['Pod', 'pods', true], ['Namespace', 'namespaces', false], ['Node', 'nodes', false], ['ConfigMap', 'configmaps', true],
      ['Secret', 'secrets', true], ['Event', 'events', true], ['ServiceAccount', 'serviceaccounts', true]],
  },
  'apis/coordination.k8s.io/v1': { prefix: '/apis/coordination.k8s.io/v1', kinds: [['Lease', 'leases', true]] },
  'apis/events.k8s.io/v1': { prefix: '/apis/events.k8s.io/v1', kinds: [['Event', 'events', true]] },
};

/**
 * The /openapi/v3 document at path ('' for the root, or a group-version), or undefined (404).
 * Stand-in: PATCH operations declaring fieldValidation, which is what kubectl's validation needs.
 */
export function openapiDocument(path: string): unknown {
  if (path === '') {
    const paths: Record<string, unknown> = {};
    for (const gv of Object.keys(OPENAPI_GROUPS)) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=nodelet1` };
    return { paths };
  }
  const g = OPENAPI_GROUPS[path];
  if (g === undefined) return undefined;
  const [group = '', version = 'v1'] = path === 'api/v1' ? ['', 'v1'] : path.split('/').slice(1);
  const paths: Record<string, unknown> = {};
  for (const [kind, resource, namespaced] of g.kinds) {
    const p = namespaced ? `${g.prefix}/namespaces/{namespace}/${resource}/{name}` : `${g.prefix}/${resource}/{name}`;
    paths[p] = {
      patch: {
        'x-kubernetes-group-version-kind': { group, kind, version },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths };
}
