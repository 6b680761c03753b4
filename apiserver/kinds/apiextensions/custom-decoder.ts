// The decoding of a custom resource's body (apiextensions-apiserver's schemaCoercingDecoder and
// unstructuredDefaulter): any JSON is accepted by the unstructured decoder, then metadata is
// decoded as an ObjectMeta (its type errors are the 400 of a body kube cannot handle), unknown
// fields are pruned by the structural schema, non-nullable nulls dropped, embedded resources
// coerced and defaults applied. The strict errors fieldValidation reports come in upstream's
// order: the body's duplicate fields, metadata's unknown fields, the pruned paths (sorted), the
// embedded resources' unknown metadata fields. It is a Decoder like the built-in kinds' (the
// ResourceStore uses it the same way).
import {
  duplicateFieldErrors, nestsDeeperThan, NESTING_ERROR, type DecodeOptions, type DecodeResult, type Decoder, type StrictError,
} from '../../../kube/schemas/decode.ts';
import { fieldErrorString } from '../../api/errors.ts';
import { coerceEmbedded, decodeObjectMeta } from './embedded.ts';
import { applyDefaults, pruneNulls, pruneUnknown } from './pruning.ts';
import type { JSONSchema } from './schema.ts';

type Obj = Record<string, unknown>;

export class CustomResourceDecoder implements Decoder {
  /**
   * @param definition the OpenAPI definition name of the kind (`com.example.v1.Widget`)
   * @param schema the version's openAPIV3Schema (undefined: every field but apiVersion, kind and metadata is pruned)
   */
  constructor(readonly definition: string, private readonly schema: JSONSchema | undefined) {}

  decode(obj: Obj, options: DecodeOptions = {}): DecodeResult {
    if (nestsDeeperThan(obj)) return { error: { message: NESTING_ERROR, field: '' }, strict: [] };
    const strict = options.strict === true;
    const prune = options.prune !== false;
    const out: StrictError[] = strict ? duplicateFieldErrors(options.duplicates) : [];
    const meta = decodeObjectMeta(obj, '', strict, prune);
    if (meta.error !== undefined) return { error: meta.error, strict: [] };
    out.push(...meta.strict);
    // without pruning (a patch checked under Strict) the unknown fields are found on a copy
    const target = prune ? obj : structuredClone(obj);
    const unknown = pruneUnknown(target, this.schema, strict);
    pruneNulls(obj, this.schema);
    const coerced = coerceEmbedded(obj, this.schema, strict, prune);
    if (coerced.error !== undefined) return { error: { message: fieldErrorString(coerced.error), field: coerced.error.field }, strict: [] };
    out.push(...unknown.map((path): StrictError => ({ type: 'unknown field', path })));
    out.push(...coerced.unknown.map((path): StrictError => ({ type: 'unknown field', path })));
    applyDefaults(obj, this.schema);
    return { strict: strict ? out : [] };
  }

  /** A stored object read back (the storage codec): pruned by the current schema and defaulted. */
  normalizeStored(obj: Obj): Obj {
    if (nestsDeeperThan(obj)) return obj;
    pruneUnknown(obj, this.schema, false);
    pruneNulls(obj, this.schema);
    applyDefaults(obj, this.schema);
    return obj;
  }
}
