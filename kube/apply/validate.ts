// Does an object fit its type (upstream's TypedValue.Validate, run when an object becomes typed)?
// Applied configurations may not name a list item twice; live objects may (old data), so the
// engine validates them with allowDuplicates.
import type { Atom, ObjectProblem } from './atoms.ts';
import { atomOf, InvalidObjectError, listItemElement } from './atoms.ts';
import type { PathElement } from './path.ts';
import { fieldElement, indexElement, pathElementString, pathString, serializePathElement } from './path.ts';
import type { TypeRef } from './type-info.ts';
import { fieldType } from './type-info.ts';
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
