// ObjectMeta and TypeMeta inside a custom resource (apiextensions-apiserver
// pkg/apiserver/schema/objectmeta): metadata decoded as Go's metav1.ObjectMeta (type errors worded
// by the decoder, unknown fields pruned and reported for fieldValidation), and the nested
// x-kubernetes-embedded-resource objects coerced (apiVersion and kind must be strings) and
// validated (both present, kind a DNS-1035 label in any case, metadata a valid ObjectMeta). Pure.
import { decoderFor, type JsonTypeError, type StrictError } from '../../../kube/schemas/decode.ts';
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { isDNS1035Label, validatePathSegmentName } from '../../../kube/names.ts';
import { validateObjectMeta } from '../../api/validation.ts';
import { additionalSchema, isEmbedded, items, properties, type JSONSchema } from './schema.ts';

type Obj = Record<string, unknown>;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decodes obj.metadata as an ObjectMeta (in place: unknown fields pruned when prune, nulls
 * dropped): its type error, or the strict errors at their paths under `${path}metadata`.
 */
export function decodeObjectMeta(obj: Obj, path: string, strict: boolean, prune: boolean): { error?: JsonTypeError; strict: StrictError[] } {
  if (!Object.hasOwn(obj, 'metadata')) return { strict: [] };
  const m = obj['metadata'];
  if (m === null || m === undefined) {
    Reflect.deleteProperty(obj, 'metadata');
    return { strict: [] };
  }
  if (!isObj(m)) {
    const kind = Array.isArray(m) ? 'array' : typeof m === 'boolean' ? 'bool' : typeof m;
    return { error: { message: `json: cannot unmarshal ${kind} into Go value of type v1.ObjectMeta`, field: `${path}metadata` }, strict: [] };
  }
  const result = decoderFor(OBJECT_META).decode(m, { strict, prune });
  if (result.error !== undefined) return { error: result.error, strict: [] };
  for (const k of Object.keys(m)) if (m[k] === null) Reflect.deleteProperty(m, k);
  return { strict: result.strict.map((e) => ({ type: e.type, path: `${path}metadata.${e.path}` })) };
}

/**
 * The coercion of the embedded resources below the root (CoerceWithOptions with isResourceRoot
 * false): the first error as a field error, and the unknown metadata fields, sorted.
 */
export function coerceEmbedded(obj: Obj, schema: JSONSchema | undefined, strict: boolean, prune: boolean): { error?: FieldError; unknown: string[] } {
  const unknown: string[] = [];
  const walk = (path: string, x: unknown, s: JSONSchema | undefined): FieldError | undefined => {
    if (s === undefined) return undefined;
    if (isObj(x)) {
      if (isEmbedded(s)) {
        for (const k of ['apiVersion', 'kind']) {
          if (Object.hasOwn(x, k) && typeof x[k] !== 'string') return fe.invalid(`${path}.${k}`, x[k], 'must be a string');
        }
        const m = decodeObjectMeta(x, `${path}.`, strict, prune);
        if (m.error !== undefined) return fe.invalid(`${path}.metadata`, x['metadata'], m.error.message);
        unknown.push(...m.strict.map((e) => e.path));
      }
      const props = properties(s);
      const values = additionalSchema(s);
      for (const [k, v] of Object.entries(x)) {
        const prop = props?.[k];
        const err = prop !== undefined ? walk(`${path}.${k}`, v, prop) : values !== undefined ? walk(`${path}[${k}]`, v, values) : undefined;
        if (err !== undefined) return err;
      }
    } else if (Array.isArray(x)) {
      const item = items(s);
      for (let i = 0; i < x.length; i++) {
        const err = walk(`${path}[${i}]`, x[i], item);
        if (err !== undefined) return err;
      }
    }
    return undefined;
  };
  const props = schema === undefined ? undefined : properties(schema);
  let error: FieldError | undefined;
  for (const [k, v] of Object.entries(obj)) {
    const prop = props?.[k];
    if (prop === undefined || k === 'metadata') continue;
    error = walk(k, v, prop);
    if (error !== undefined) break;
  }
  return error === undefined ? { unknown: unknown.sort() } : { error, unknown: [] };
}

/** schema.ParseGroupVersion's error, or undefined. */
function groupVersionError(apiVersion: string): string | undefined {
  return apiVersion.split('/').length > 2 ? `unexpected GroupVersion string: ${apiVersion}` : undefined;
}

function validateEmbedded(path: string, x: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!Object.hasOwn(x, 'apiVersion')) errs.push(fe.required(`${path}.apiVersion`, 'must not be empty'));
  if (!Object.hasOwn(x, 'kind')) errs.push(fe.required(`${path}.kind`, 'must not be empty'));
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push(fe.invalid(`${path}.apiVersion`, v, 'must be a string'));
      else if (v === '') errs.push(fe.invalid(`${path}.apiVersion`, v, 'must not be empty'));
      else {
        const e = groupVersionError(v);
        if (e !== undefined) errs.push(fe.invalid(`${path}.apiVersion`, v, e));
      }
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push(fe.invalid(`${path}.kind`, v, 'must be a string'));
      else if (v === '') errs.push(fe.invalid(`${path}.kind`, v, 'must not be empty'));
      else {
        const e = isDNS1035Label(v.toLowerCase());
        if (e.length > 0) errs.push(fe.invalid(`${path}.kind`, v, `may have mixed case, but should otherwise match: ${e.join(',')}`));
      }
    } else if (k === 'metadata' && isObj(v)) {
      const m = { ...v, name: typeof v['name'] === 'string' && v['name'] !== '' ? v['name'] : 'fakename' };
      const namespaced = typeof v['namespace'] === 'string' && v['namespace'] !== '';
      for (const e of validateObjectMeta(m, namespaced, validatePathSegmentName, { kubeFinalizers: false })) {
        errs.push({ ...e, field: e.field.replace(/^metadata/, `${path}.metadata`) });
      }
    }
  }
  return errs;
}

/** objectmeta.Validate below the root: the embedded resources' TypeMeta and ObjectMeta. */
export function validateEmbeddedResources(obj: Obj, schema: JSONSchema | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const walk = (path: string, x: unknown, s: JSONSchema | undefined): void => {
    if (s === undefined) return;
    if (isObj(x)) {
      if (isEmbedded(s)) errs.push(...validateEmbedded(path, x));
      const props = properties(s);
      const values = additionalSchema(s);
      for (const [k, v] of Object.entries(x)) {
        const prop = props?.[k];
        if (prop !== undefined) walk(`${path}.${k}`, v, prop);
        else if (values !== undefined) walk(`${path}[${k}]`, v, values);
      }
    } else if (Array.isArray(x)) {
      const item = items(s);
      x.forEach((v, i) => { walk(`${path}[${i}]`, v, item); });
    }
  };
  const props = schema === undefined ? undefined : properties(schema);
  for (const [k, v] of Object.entries(obj)) {
    const prop = props?.[k];
    if (prop !== undefined) walk(k, v, prop);
  }
  return errs;
}
