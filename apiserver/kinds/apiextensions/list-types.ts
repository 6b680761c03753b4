// x-kubernetes-list-type set and map on custom resources (apiextensions-apiserver
// pkg/apiserver/schema/listtype): a set's items are unique, a map list's items are unique by their
// x-kubernetes-list-map-keys; each repeat is a Duplicate value error at its index. Pure.
import { fieldErrors as fe, goQuote, type FieldError } from '../../api/errors.ts';
import { rawValueError } from '../core/common.ts';
import { goFloat } from './value-validation.ts';
import { additionalSchema, items, listType, properties, strings, type JSONSchema } from './schema.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON value as a comparable key (Go's json.Marshal of compound values: map keys sorted). */
function keyOf(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(keyOf).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${keyOf(v[k])}`).join(',')}}`;
  if (v === undefined) return '\u0000unspecified';
  return `${typeof v}:${JSON.stringify(v)}`;
}

/** Go's %#v of a decoded JSON value (how field.Duplicate prints a compound value). */
function goSharp(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharp).join(', ')}}`;
  const o = v as Obj;
  return `map[string]interface {}{${Object.keys(o).sort().map((k) => `${goQuote(k)}:${goSharp(o[k])}`).join(', ')}}`;
}

/** field.Duplicate of a value, rendered as Go renders it. */
function duplicate(path: string, v: unknown): FieldError {
  return typeof v === 'object' && v !== null ? rawValueError('FieldValueDuplicate', path, goSharp(v), '') : fe.duplicate(path, v);
}

/** The indices of the second occurrence of each repeated value. */
function repeats(values: readonly unknown[]): number[] {
  if (values.length <= 1) return [];
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const k = keyOf(v);
    const n = seen.get(k) ?? 0;
    if (n === 1) out.push(i);
    seen.set(k, n + 1);
  });
  return out;
}

function validateListMap(path: string, s: JSONSchema, list: readonly unknown[]): FieldError[] {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x !== null && !isObj(x)) return [fe.invalid(`${path}[${i}]`, x, 'must be an object for an array of list-type map')];
  }
  if (list.length <= 1) return [];
  const keys = strings(s, 'x-kubernetes-list-map-keys');
  if (keys.length === 1) {
    const key = keys[0] ?? '';
    const values = list.map((x) => (isObj(x) && Object.hasOwn(x, key) ? x[key] : undefined));
    return repeats(values).map((i) => duplicate(`${path}[${i}]`, values[i] === undefined ? {} : { [key]: values[i] }));
  }
  const composite = list.map((x) => {
    const k: Obj = {};
    if (isObj(x)) for (const f of keys) if (Object.hasOwn(x, f)) k[f] = x[f];
    return k;
  });
  return repeats(composite).map((i) => duplicate(`${path}[${i}]`, composite[i]));
}

function validateArray(path: string, s: JSONSchema, list: readonly unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  const t = listType(s);
  if (t === 'set') for (const i of repeats(list)) errs.push(duplicate(`${path}[${i}]`, list[i]));
  else if (t === 'map') errs.push(...validateListMap(path, s, list));
  const item = items(s);
  if (item !== undefined) list.forEach((x, i) => errs.push(...validateAny(`${path}[${i}]`, item, x)));
  return errs;
}

function validateAny(path: string, s: JSONSchema, x: unknown): FieldError[] {
  if (Array.isArray(x)) return validateArray(path, s, x);
  if (isObj(x)) return validateListSetsAndMaps(path, s, x);
  return [];
}

/** ValidateListSetsAndMaps of an object (the custom resource: path ''). */
export function validateListSetsAndMaps(path: string, s: JSONSchema | undefined, obj: Obj): FieldError[] {
  if (s === undefined) return [];
  const errs: FieldError[] = [];
  const values = additionalSchema(s);
  if (values !== undefined) for (const [k, v] of Object.entries(obj)) errs.push(...validateAny(`${path}[${k}]`, values, v));
  const props = properties(s);
  if (props !== undefined) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = props[k];
      if (sub !== undefined) errs.push(...validateAny(path === '' ? k : `${path}.${k}`, sub, v));
    }
  }
  return errs;
}
