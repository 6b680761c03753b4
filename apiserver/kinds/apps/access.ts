// Reading decoded JSON without trusting its shape (the accessors of api/values.ts, and the apps
// kinds' setters and maps on top of them). Also Go's apiequality.Semantic for JSON: nil and
// empty lists are equal, and absent equals null.
import { goQuote } from '../../api/errors.ts';
import { isNil, isObj, o, type Obj } from '../../../kube/values.ts';

// re-exported: the apps kinds take every accessor from this one module
export { child, isNil, isObj, num, o, objs, s, type Obj } from '../../../kube/values.ts';

/** Sets key when it is absent or null (a nil pointer in Go). */
export function setIfNil(parent: Obj, key: string, value: unknown): void {
  if (isNil(parent[key])) parent[key] = value;
}

/** Sets key when it is absent, null or "" (an empty string in Go). */
export function setIfEmpty(parent: Obj, key: string, value: unknown): void {
  if (isNil(parent[key]) || parent[key] === '') parent[key] = value;
}

/** A map[string]string read from JSON: entries in insertion order, values as strings. */
export function stringMap(v: unknown): [string, string][] {
  return Object.entries(o(v)).map(([k, val]) => [k, typeof val === 'string' ? val : String(val)]);
}

function normalize(v: unknown, mapsOnly: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => normalize(x, mapsOnly));
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) {
    const val = normalize(v[k], mapsOnly);
    if (isNil(val) || (Array.isArray(val) && val.length === 0)) continue;
    if (mapsOnly && isObj(val) && Object.keys(val).length === 0) continue;
    out[k] = val;
  }
  return out;
}

/**
 * apiequality.Semantic.DeepEqual on decoded JSON: absent = null, an empty list = a nil list.
 * With mapsOnly (a value made of maps, lists and scalars only, like a label selector), an empty
 * object equals an absent one too; otherwise `{}` may be a pointer to an empty struct, which
 * differs from nil.
 */
export function semanticEqual(a: unknown, b: unknown, mapsOnly = false): boolean {
  return JSON.stringify(normalize(a, mapsOnly) ?? null) === JSON.stringify(normalize(b, mapsOnly) ?? null);
}

/** Semantic equality of two map[string]string fields (absent = empty). */
export function mapsEqual(a: unknown, b: unknown): boolean {
  const ea = stringMap(a);
  const mb = new Map(stringMap(b));
  return ea.length === mb.size && ea.every(([k, v]) => mb.get(k) === v);
}

const MAX_INT64 = 9223372036854775807n;

/** strconv.ParseInt(s, 10, 64): the value, or Go's error text. */
export function parseInt64(text: string): { value: number } | { error: string } {
  if (!/^[+-]?[0-9]+$/.test(text)) return { error: `strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax` };
  const big = BigInt(text);
  if (big > MAX_INT64 || big < -MAX_INT64 - 1n) return { error: `strconv.ParseInt: parsing ${goQuote(text)}: value out of range` };
  return { value: Number(big) };
}
