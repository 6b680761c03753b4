// Which fields an update added, modified and removed (upstream's TypedValue.Compare). Ownership
// follows these sets: a manager takes what it added or modified, everyone loses what was removed,
// and on apply the added-or-modified fields that another manager owns are the conflicts.
import type { Atom } from './atoms.ts';
import { atomOf, requireListItemElement, sameAtom } from './atoms.ts';
import type { FieldSet } from './field-set.ts';
import { FieldSetBuilder } from './field-set.ts';
import type { PathElement } from './path.ts';
import { fieldElement, serializePathElement } from './path.ts';
import type { ListTypeRef, MapTypeRef, TypeRef } from './type-info.ts';
import { fieldType } from './type-info.ts';
import { equalValues, isMap, own } from './value.ts';

export interface Comparison {
  /** Fields only in the new object (containers too, when they are new). */
  readonly added: FieldSet;
  /** Leaves (scalars, atomic lists and maps) present in both with different values. */
  readonly modified: FieldSet;
  /** Fields only in the old object. */
  readonly removed: FieldSet;
}

interface Out {
  readonly added: FieldSetBuilder;
  readonly modified: FieldSetBuilder;
  readonly removed: FieldSetBuilder;
}

/** Compares two objects of the same type; undefined stands for "no object". */
export function compareObjects(lhs: unknown, rhs: unknown, type: TypeRef): Comparison {
  const out: Out = { added: new FieldSetBuilder(), modified: new FieldSetBuilder(), removed: new FieldSetBuilder() };
  compareAt(lhs, rhs, type, [], out);
  return { added: out.added.build(), modified: out.modified.build(), removed: out.removed.build() };
}

/** True when nothing was added, modified or removed. */
export function isSame(c: Comparison): boolean {
  return c.added.empty() && c.modified.empty() && c.removed.empty();
}

function compareAt(l: unknown, r: unknown, type: TypeRef, path: PathElement[], out: Out): void {
  if (l === undefined && r === undefined) return;
  const al = l === undefined ? undefined : atomOf(type, l, path);
  const ar = r === undefined ? undefined : atomOf(type, r, path);
  let leaf: boolean;
  if (ar === undefined) {
    leaf = walk(al as Atom, l, r, path, out);
  } else if (al === undefined || sameAtom(al, ar)) {
    leaf = walk(ar, l, r, path, out);
  } else {
    // The shapes differ (only possible where the type is deduced): upstream walks the old value
    // in its own shape, then the new one in its shape; the second walk decides about the leaf.
    walk(al, l, r, path, out);
    leaf = walk(ar, l, r, path, out);
  }
  if (!leaf) {
    if (l === undefined) out.added.insert(path);
    else if (r === undefined) out.removed.insert(path);
  }
}

function recordLeaf(l: unknown, r: unknown, path: PathElement[], out: Out): void {
  if (l === undefined) out.added.insert(path);
  else if (r === undefined) out.removed.insert(path);
  else if (!equalValues(l, r)) out.modified.insert(path);
}

/** Walks one atom; returns true when the value was compared as a leaf. */
function walk(atom: Atom, l: unknown, r: unknown, path: PathElement[], out: Out): boolean {
  if (atom.kind === 'scalar') {
    recordLeaf(l, r, path, out);
    return true;
  }
  if (atom.kind === 'list') {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    // Empty and null both ways compare as a leaf, which keeps the empty/null distinction.
    if (atom.type.listType === 'atomic' || ((ll ?? []).length === 0 && (rl ?? []).length === 0)) {
      recordLeaf(l, r, path, out);
      return true;
    }
    compareListItems(atom.type, ll ?? [], rl ?? [], path, out);
    return false;
  }
  const lm = isMap(l) ? l : undefined;
  const rm = isMap(r) ? r : undefined;
  if (atom.type.mapType === 'atomic' || (Object.keys(lm ?? {}).length === 0 && Object.keys(rm ?? {}).length === 0)) {
    recordLeaf(l, r, path, out);
    return true;
  }
  compareMapItems(atom.type, lm, rm, path, out);
  return false;
}

function compareMapItems(t: MapTypeRef, l: Record<string, unknown> | undefined, r: Record<string, unknown> | undefined, path: PathElement[], out: Out): void {
  const keys = new Set([...Object.keys(l ?? {}), ...Object.keys(r ?? {})]);
  for (const key of keys) {
    compareAt(own(l, key), own(r, key), fieldType(t, key), [...path, fieldElement(key)], out);
  }
}

interface Group {
  readonly pe: PathElement;
  readonly values: unknown[];
}

function groupItems(t: ListTypeRef, list: readonly unknown[], path: PathElement[], into: Map<string, Group>, order: string[] | undefined): Map<string, Group> {
  const groups = new Map<string, Group>();
  list.forEach((item, i) => {
    const pe = requireListItemElement(t, item, i, path);
    const id = serializePathElement(pe);
    const g = groups.get(id);
    if (g !== undefined) g.values.push(item);
    else {
      groups.set(id, { pe, values: [item] });
      if (order !== undefined && !into.has(id)) order.push(id);
    }
  });
  return groups;
}

/** Items are matched by name; duplicated names are compared as one atomic value. */
function compareListItems(t: ListTypeRef, l: readonly unknown[], r: readonly unknown[], path: PathElement[], out: Out): void {
  const order: string[] = [];
  const lg = groupItems(t, l, path, new Map(), order);
  const rg = groupItems(t, r, path, lg, order);
  for (const id of order) {
    const lv = lg.get(id)?.values ?? [];
    const rv = rg.get(id)?.values ?? [];
    const pe = (lg.get(id) ?? rg.get(id))?.pe;
    if (pe === undefined) continue;
    const itemPath = [...path, pe];
    if (lv.length <= 1 && rv.length <= 1) {
      compareAt(lv[0], rv[0], t.elements, itemPath, out);
    } else if (lv.length >= 2 && rv.length >= 2) {
      if (lv.length !== rv.length || lv.some((v, i) => !equalValues(v, rv[i]))) out.modified.insert(itemPath);
    } else if (lv.length >= 2) {
      // Duplicates before, not any more: the single new item is added, the duplicate marker goes.
      if (rv.length !== 0) compareAt(undefined, rv[0], t.elements, itemPath, out);
      out.removed.insert(itemPath);
    } else {
      // New duplicates: the old single item is removed, the duplicate marker is added.
      if (lv.length !== 0) compareAt(lv[0], undefined, t.elements, itemPath, out);
      out.added.insert(itemPath);
    }
  }
}
