// What remains of the hand-written Go-type tables now that the types come from the schemas
// (kube/schemas/decode.ts, which words errors as kube's decoder does): the 400 and 422 a refused
// body or patch gets, and decodeTypes/jsonTypeError for the callers that check a fragment of an
// object against a kind's Go type (a subresource's body, a template's metadata) without the
// store's pruning and fieldValidation.
import { decoderForKind, nestsDeeperThan, NESTING_ERROR, type JsonTypeError } from '../../kube/schemas/decode.ts';
import { ApiError, fieldErrors, goQuote } from './errors.ts';

export { base64Error } from '../../kube/schemas/go-scalars.ts';
export { MAX_NESTING_DEPTH, NESTING_ERROR, nestsDeeperThan, type JsonTypeError } from '../../kube/schemas/decode.ts';

function groupOf(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Decodes obj as its kind's Go type would take it: returns the decoder's error (the first
 * mismatch in document order, or the error of a type that parses its string), worded as Go, or
 * undefined when obj decodes; then null list items and map values have their zero value and
 * null metadata fields are gone (mutates obj). Unknown fields are neither reported nor pruned;
 * kinds without a schema are only checked for nesting deeper than MAX_NESTING_DEPTH.
 */
export function decodeTypes(apiVersion: string, kindName: string, obj: Record<string, unknown>): JsonTypeError | undefined {
  const { group, version } = groupOf(apiVersion);
  const decoder = decoderForKind(group, version, kindName);
  if (decoder === undefined) return nestsDeeperThan(obj) ? { message: NESTING_ERROR, field: '' } : undefined;
  return decoder.decode(obj, { prune: false }).error;
}

/** The type error decodeTypes would report for obj, leaving obj as it is. */
export function jsonTypeError(apiVersion: string, kindName: string, obj: Record<string, unknown>): JsonTypeError | undefined {
  // too deep to copy safely: decodeTypes refuses it before it changes anything
  return decodeTypes(apiVersion, kindName, nestsDeeperThan(obj) ? obj : structuredClone(obj));
}

/**
 * The create and update handlers' 400 for a body the decoder refuses (transformDecodeError):
 * `Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal …`. The field at fault
 * is also given as the cause (kube's Status has the message only).
 */
export function decodeError(kind: string, version: string, err: JsonTypeError): ApiError {
  const message = `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: ${err.message}`;
  return new ApiError(400, 'BadRequest', message, {
    causes: [{ reason: 'FieldValueTypeInvalid', message: err.message, ...(err.field === '' ? {} : { field: err.field }) }],
  });
}

/**
 * The patch handler's 422 for a patched object the decoder refuses: field "patch", with the
 * patched object's JSON (for a strategic merge patch, the patch as Go prints a map) as the value.
 */
export function patchDecodeError(badValue: string, err: JsonTypeError): ApiError {
  return ApiError.invalid('', '', [fieldErrors.invalid('patch', badValue, err.message)]);
}
