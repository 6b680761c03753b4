// The one place the server core calls the pure API-machinery modules (apiserver/api/*):
// defaults, selectors, patches, protobuf, tables. Until a module lands, a
// thin stand-in keeps the server working; each is replaced by a re-export of the real one.
import { ApiError } from './api/errors.ts';
import { applyPatch as applyPatchBody, PATCH_CONTENT_TYPES, type PatchType } from '../kube/patch/patch.ts';
import { PatchError } from '../kube/patch/patch-error.ts';
import type { KubeObject } from './storage/types.ts';

// ---- defaults / validation -------------------------------------------------------------------

export { applyDefaults } from './api/defaults.ts';

// ---- selectors -------------------------------------------------------------------------------

export { parseFieldSelector, parseLabelSelector, selectableFields } from './api/selectors.ts';
export type { FieldMatcher, LabelMatcher } from './api/selectors.ts';

// ---- patches ---------------------------------------------------------------------------------

export type { PatchType } from '../kube/patch/patch.ts';

/** Applies a merge, strategic merge or JSON patch to original (not mutated). */
export function applyPatch(type: PatchType, original: KubeObject, patch: unknown): KubeObject {
  let result: unknown;
  try {
    result = applyPatchBody(PATCH_CONTENT_TYPES[type], original, patch);
  } catch (err) {
    if (err instanceof PatchError) throw ApiError.fromPatchError(err);
    throw err;
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw ApiError.badRequest('the patch must produce a JSON object');
  return result as KubeObject;
}

// ---- protobuf --------------------------------------------------------------------------------

export { decodeProtobuf } from './api/protobuf.ts';

// ---- tables ----------------------------------------------------------------------------------

export { toTable } from './api/tables.ts';
export type { IncludeObject, Table, TableOptions } from './api/tables.ts';
