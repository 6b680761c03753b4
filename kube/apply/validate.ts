// Does an object fit its type (upstream's TypedValue.Validate, run when an object becomes typed)?
// Applied configurations may not name a list item twice; live objects may (old data), so the
// engine validates them with allowDuplicates.
import type { Atom, ObjectProblem } from './atoms.ts';
import { atomOf, InvalidObjectError, listItemElement } from './atoms.ts';
import type { PathElement } from './path.ts';
import { fieldElement, indexElement, pathElementString, pathString, serializePathElement } from './path.ts';
import type { TypeRef } from './type-info.ts';
import { DEDUCED, fieldType } from './type-info.ts';
import { isMap, own } from './value.ts';

export interface ValidateOptions {
  readonly allowDuplicates?: boolean;
}

/** Throws InvalidObjectError listing every problem found. */
export function validateObject(value: unknown, type: TypeRef, opts: ValidateOptions = {}): void {
  const problems: ObjectProblem[] = [];
  check(value, type, [], opts.allowDuplicates === true, problems);
  if (problems.length > 0) throw new InvalidObjectError(problems);
}

function check(value: unknown, type: TypeRef, path: PathElement[], allowDuplicates: boolean, problems: ObjectProblem[]): void {
  let atom: Atom;
  try {
    atom = atomOf(type, value, path);
  } catch (err) {
    if (err instanceof InvalidObjectError) {
      problems.push(...err.problems);
      return;
    }
    throw err;
  }
  if (atom.kind === 'scalar') return;
  if (atom.kind === 'list') {
    if (!Array.isArray(value)) return;
    const t = atom.type;
    const seen = new Set<string>();
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      let pe: PathElement;
      if (t.listType === 'atomic') pe = indexElement(i);
      else {
        const named = listItemElement(t, item);
        if (typeof named === 'string') {
          // Without a name nothing below can be reported; upstream gives up on the whole list.
          problems.push({ path: pathString(path), detail: `element ${i}: ${named}` });
          return;
        }
        pe = named;
        const id = serializePathElement(pe);
        if (seen.has(id) && !allowDuplicates) {
          problems.push({ path: pathString(path), detail: `duplicate entries for key ${pathElementString(pe)}` });
        }
        seen.add(id);
      }
      check(item, t.elements, [...path, pe], allowDuplicates, problems);
    }
    return;
  }
  if (!isMap(value)) return;
  for (const key of Object.keys(value)) {
    check(own(value, key), fieldType(atom.type, key), [...path, fieldElement(key)], allowDuplicates, problems);
  }
}

// --- applied configurations ----------------------------------------------------------------------

/**
 * How an applied configuration becomes typed (upstream's ObjectToTyped without AllowDuplicates,
 * structured-merge-diff's validatingObjectWalker): besides validateObject's checks, a struct
 * field the schema does not declare is an error (`.spec.foo: field not declared in schema`, the
 * first one of each map, keys in sorted order where Go's map order is random) and scalars must
 * be of their kind (`.spec.replicas: expected numeric (int or float), got string`). Null fits
 * every type. Throws InvalidObjectError.
 */
export function validateApplied(value: unknown, type: TypeRef): void {
  const problems: ObjectProblem[] = [];
  typed(value, type, [], problems);
  if (problems.length > 0) throw new InvalidObjectError(problems);
}

/** Go's %T of a value decoded into interface{}. */
function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return 'string';
}

/** Go's %v of a value decoded into interface{}. */
function goPlain(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPlain).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPlain(v[k])}`).join(' ')}]`;
  return scalarText(v);
}

function scalarText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** Go's %#v of a value decoded into interface{}. */
function goSyntaxOf(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntaxOf).join(', ')}}`;
  if (isMap(v)) return `map[string]interface {}{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${goSyntaxOf(v[k])}`).join(', ')}}`;
  if (typeof v === 'string') return JSON.stringify(v);
  return scalarText(v);
}

/** %v of the value.Value structured-merge-diff holds (a pointer to a struct around the value). */
const smdValue = (v: unknown): string => `&{${goPlain(v)}}`;

function scalarProblem(type: TypeRef & { kind: 'scalar' }, v: unknown): string | undefined {
  const isNumber = typeof v === 'number';
  switch (type.scalar ?? 'untyped') {
    case 'numeric': return isNumber ? undefined : `expected numeric (int or float), got ${goTypeName(v)}`;
    case 'string': return typeof v === 'string' ? undefined : `expected string, got &value.valueUnstructured{Value:${goSyntaxOf(v)}}`;
    case 'boolean': return typeof v === 'boolean' ? undefined : `expected boolean, got ${smdValue(v)}`;
    case 'untyped': return isNumber || typeof v === 'string' || typeof v === 'boolean' ? undefined : `expected any scalar, got ${smdValue(v)}`;
  }
}

function typed(value: unknown, type: TypeRef, path: PathElement[], problems: ObjectProblem[]): void {
  if (value === null || value === undefined) return;
  const at = (detail: string): void => { problems.push({ path: pathString(path), detail }); };
  switch (type.kind) {
    case 'scalar': {
      const p = scalarProblem(type, value);
      if (p !== undefined) at(p);
      return;
    }
    case 'deduced':
      if (isMap(value)) for (const key of Object.keys(value).sort()) typed(value[key], DEDUCED, [...path, fieldElement(key)], problems);
      else if (Array.isArray(value)) value.forEach((item, i) => { typed(item, DEDUCED, [...path, indexElement(i)], problems); });
      return;
    case 'map': {
      if (!isMap(value)) {
        at(`expected map, got ${smdValue(value)}`);
        return;
      }
      for (const key of Object.keys(value).sort()) {
        const declared = type.field(key)?.type ?? type.elements;
        if (declared === undefined) {
          problems.push({ path: pathString([...path, fieldElement(key)]), detail: 'field not declared in schema' });
          // the walker stops at the first undeclared field of a map
          return;
        }
        typed(value[key], declared, [...path, fieldElement(key)], problems);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        at(`expected list, got ${smdValue(value)}`);
        return;
      }
      const seen = new Set<string>();
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        let pe: PathElement;
        if (type.listType === 'atomic') pe = indexElement(i);
        else {
          const named = listItemElement(type, item);
          if (typeof named === 'string') {
            at(`element ${i}: ${named}`);
            return;
          }
          pe = named;
          const id = serializePathElement(pe);
          if (seen.has(id)) at(`duplicate entries for key ${pathElementString(pe)}`);
          seen.add(id);
        }
        typed(item, type.elements, [...path, pe], problems);
      }
    }
  }
}
