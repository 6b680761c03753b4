// The shared step of every walker (field sets, compare, merge, remove, validate): decide what a
// value at a path is — scalar, map or list — from its type and its shape (upstream's deduceAtom),
// and name the items of associative lists (upstream's listItemToPathElement).
import { NodeletError } from '../../lib/errors.ts';
import { goQuote } from './go-format.ts';
import type { KeyField, Path, PathElement } from './path.ts';
import { keyElement, pathString, valueElement } from './path.ts';
import type { ListTypeRef, MapTypeRef, TypeRef } from './type-info.ts';
import { DEDUCED_LIST, DEDUCED_MAP } from './type-info.ts';
import { isMap } from './value.ts';

/** One reason an object does not fit its type: the path printed as upstream does, and what. */
export interface ObjectProblem {
  readonly path: string;
  readonly detail: string;
}

/**
 * An object that does not fit its type (upstream's typed.ValidationErrors). The message is
 * upstream's: `<path>: <what is wrong>`, or `errors:` and one indented line per problem; the
 * server wraps it ("failed to create typed patch object (...)") and answers with it.
 */
export class InvalidObjectError extends NodeletError {
  readonly problems: readonly ObjectProblem[];

  constructor(problems: readonly ObjectProblem[]) {
    const line = (p: ObjectProblem): string => (p.path === '' ? p.detail : `${p.path}: ${p.detail}`);
    const message = problems.length === 1 && problems[0] !== undefined
      ? line(problems[0])
      : ['errors:', ...problems.map((p) => `  ${line(p)}`)].join('\n');
    super('APPLY_INVALID_OBJECT', message, { reason: 'BadRequest' });
    this.problems = problems;
  }

  static at(path: Path, detail: string): InvalidObjectError {
    return new InvalidObjectError([{ path: pathString(path), detail }]);
  }
}

export type Atom =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'map'; readonly type: MapTypeRef }
  | { readonly kind: 'list'; readonly type: ListTypeRef };

const SCALAR_ATOM: Atom = { kind: 'scalar' };

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (isMap(v)) return 'map';
  return typeof v;
}

/**
 * What `value` is at `path` given its type. Absent and null values take the type's own shape
 * (null is an empty map or list, as upstream's listValue/mapValue treat it). A deduced type takes
 * the value's shape; a declared type that the value contradicts is an error.
 */
export function atomOf(type: TypeRef, value: unknown, path: Path): Atom {
  const shape = value === undefined || value === null ? 'none'
    : Array.isArray(value) ? 'list' : isMap(value) ? 'map' : 'scalar';
  switch (type.kind) {
    case 'deduced':
      if (shape === 'list') return { kind: 'list', type: DEDUCED_LIST };
      if (shape === 'scalar') return SCALAR_ATOM;
      return { kind: 'map', type: DEDUCED_MAP };
    case 'scalar':
      if (shape === 'scalar' || shape === 'none') return SCALAR_ATOM;
      throw InvalidObjectError.at(path, `expected scalar, got ${describe(value)}`);
    case 'map':
      if (shape === 'map' || shape === 'none') return { kind: 'map', type };
      throw InvalidObjectError.at(path, `expected map, got ${describe(value)}`);
    case 'list':
      if (shape === 'list' || shape === 'none') return { kind: 'list', type };
      throw InvalidObjectError.at(path, `expected list, got ${describe(value)}`);
  }
}

/** True when two atoms would be walked the same way (upstream's Atom.Equals after deduction). */
export function sameAtom(a: Atom, b: Atom): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'scalar') return true;
  return a.type === (b as typeof a).type;
}

/** A list item's name inside an associative list, or an error message (without the path). */
export function listItemElement(t: ListTypeRef, item: unknown): PathElement | string {
  if (t.listType === 'atomic') return 'invalid indexing of non-associative list';
  if (t.listType === 'map' && t.keys.length > 0) {
    if (item === null || item === undefined) return 'associative list with keys may not have a null element';
    if (!isMap(item)) return 'associative list with keys may not have non-map elements';
    const fields: KeyField[] = [];
    for (const name of t.keys) {
      if (Object.hasOwn(item, name)) {
        fields.push({ name, value: item[name] });
        continue;
      }
      if (t.elements.kind !== 'map' && t.elements.kind !== 'deduced') {
        return `couldn't find default value for ${name}: associative list may not have non-map types`;
      }
      const def = t.elements.kind === 'map' ? t.elements.field(name)?.default : undefined;
      // Kubernetes 1.32 (structured-merge-diff v4.4) needs every key, given or defaulted; later
      // versions accept partial keys.
      if (def === undefined || def === null) return `associative list with keys has an element that omits key field ${goQuote(name)} (and doesn't have default value)`;
      fields.push({ name, value: def });
    }
    return keyElement(fields);
  }
  if (isMap(item)) return "associative list without keys has an element that's a map type";
  if (Array.isArray(item)) return 'not supported: associative list with lists as elements';
  if (item === null || item === undefined) return "associative list without keys has an element that's an explicit null";
  return valueElement(item);
}

/** listItemElement that throws, for walkers that cannot continue without a name. */
export function requireListItemElement(t: ListTypeRef, item: unknown, index: number, path: Path): PathElement {
  const pe = listItemElement(t, item);
  if (typeof pe === 'string') throw InvalidObjectError.at(path, `element ${index}: ${pe}`);
  return pe;
}
