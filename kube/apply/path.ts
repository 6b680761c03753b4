// Field paths as data: a path is a list of path elements, each one of upstream's four kinds —
// a field name, a key (the key fields of a map-list item), a value (a set item) or an index (an
// item of an atomic list, only ever seen in deduced lists). Ordering, equality, the human form
// used in conflict messages (`.spec.containers[name="c"].image`) and the FieldsV1 key form
// (`f:name`, `k:{"name":"c"}`, `v:"x"`, `i:0`) follow sigs.k8s.io/structured-merge-diff.
import { goJSON, goValueString } from './go-format.ts';
import { compareStrings, compareValues, isMap } from './value.ts';

export interface KeyField {
  readonly name: string;
  readonly value: unknown;
}

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly KeyField[] }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name };
}

/** Key fields are kept sorted by name, as upstream's FieldList.Sort (stable). */
export function keyElement(fields: Readonly<Record<string, unknown>> | readonly KeyField[]): PathElement {
  const list: KeyField[] = Array.isArray(fields)
    ? [...(fields as readonly KeyField[])]
    : Object.entries(fields).map(([name, value]) => ({ name, value }));
  list.sort((a, b) => compareStrings(a.name, b.name));
  return { kind: 'key', fields: list };
}

export function valueElement(value: unknown): PathElement {
  return { kind: 'value', value };
}

export function indexElement(index: number): PathElement {
  return { kind: 'index', index };
}

/**
 * A path from a compact notation for tests and tables: strings are field names, numbers are
 * indexes, plain objects are keys, and `{ value: x }` wrapped by `valueElement` are set items.
 */
export function makePath(...parts: readonly (string | number | PathElement | Readonly<Record<string, unknown>>)[]): Path {
  return parts.map((p) => {
    if (typeof p === 'string') return fieldElement(p);
    if (typeof p === 'number') return indexElement(p);
    if (isPathElement(p)) return p;
    return keyElement(p);
  });
}

function isPathElement(p: unknown): p is PathElement {
  if (!isMap(p)) return false;
  const kind = p.kind;
  return (kind === 'field' && 'name' in p) || (kind === 'key' && 'fields' in p)
    || (kind === 'value' && 'value' in p) || (kind === 'index' && 'index' in p);
}

const KIND_ORDER = { field: 0, key: 1, value: 2, index: 3 } as const;

function compareKeyFields(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) break;
    const c = compareStrings(x.name, y.name);
    if (c !== 0) return c;
    const v = compareValues(x.value, y.value);
    if (v !== 0) return v;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** PathElement.Compare: field names < keys < values < indexes, then by content. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] < KIND_ORDER[b.kind] ? -1 : 1;
  switch (a.kind) {
    case 'field': return compareStrings(a.name, (b as typeof a).name);
    case 'key': return compareKeyFields(a.fields, (b as typeof a).fields);
    case 'value': return compareValues(a.value, (b as typeof a).value);
    case 'index': {
      const j = (b as typeof a).index;
      return a.index < j ? -1 : a.index > j ? 1 : 0;
    }
  }
}

export function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) break;
    const c = comparePathElements(x, y);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** PathElement.String: `.name`, `[k="v",n=1]`, `[="x"]`, `[0]`. */
export function pathElementString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field': return `.${pe.name}`;
    case 'key': return `[${pe.fields.map((f) => `${f.name}=${goValueString(f.value)}`).join(',')}]`;
    case 'value': return `[=${goValueString(pe.value)}]`;
    case 'index': return `[${pe.index}]`;
  }
}

/** Path.String: what conflict messages and causes print, e.g. `.spec.replicas`. */
export function pathString(path: Path): string {
  return path.map(pathElementString).join('');
}

/** The FieldsV1 key of a path element; values are written as Go's JSON encoder writes them. */
export function serializePathElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field': return `f:${pe.name}`;
    case 'key': return `k:{${pe.fields.map((f) => `${goJSON(f.name)}:${goJSON(f.value)}`).join(',')}}`;
    case 'value': return `v:${goJSON(pe.value)}`;
    case 'index': return `i:${pe.index}`;
  }
}

/** A FieldsV1 key of a kind this version does not know: upstream drops such keys silently. */
export class UnknownPathElementError extends Error {
  constructor(key: string) {
    super(`unknown path element type: ${key}`);
    this.name = 'UnknownPathElementError';
  }
}

/** DeserializePathElement: the inverse of serializePathElement. */
export function parsePathElement(s: string): PathElement {
  if (s.length < 2) throw new Error(`key must be 2 characters long: ${s}`);
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldElement(body);
    case 'v':
      return valueElement(JSON.parse(body) as unknown);
    case 'k': {
      const parsed = JSON.parse(body) as unknown;
      if (!isMap(parsed)) throw new Error(`key path element must be a JSON object: ${s}`);
      return keyElement(parsed);
    }
    case 'i': {
      // strconv.Atoi: an optional sign and decimal digits, nothing else.
      if (!/^[+-]?\d+$/.test(body)) throw new Error(`invalid index: ${s}`);
      const n = Number(body);
      if (!Number.isSafeInteger(n)) throw new Error(`invalid index: ${s}`);
      return indexElement(n);
    }
    default:
      throw new UnknownPathElementError(s);
  }
}
