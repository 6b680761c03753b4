// The apply merge and its inverse, by type: merging an applied configuration into the live
// object (maps merged by key, map-lists by their keys, sets by value, atomic values replaced —
// upstream's TypedValue.Merge), removing or extracting the items a field set names
// (RemoveItems / ExtractItems), and pruning what an applier stopped applying unless someone else
// still owns it (merge.Updater's prune with its two add-back passes).
import type { Atom } from './atoms.ts';
import { atomOf, InvalidObjectError, listItemElement } from './atoms.ts';
import type { FieldSet } from './field-set.ts';
import { ensureNamedFieldsAreMembers, fieldSetOf } from './field-set.ts';
import type { PathElement } from './path.ts';
import { fieldElement, pathElementString, pathString, serializePathElement } from './path.ts';
import type { ListTypeRef, MapTypeRef, TypeRef } from './type-info.ts';
import { fieldType } from './type-info.ts';
import { isMap, own } from './value.ts';

// --- merge -------------------------------------------------------------------------------------

/**
 * Merges `applied` into `live`: where both set a leaf the applied value wins, nothing is removed.
 * Items of associative lists keep the live order unless the applied configuration reorders the
 * items it shares with live; items only in the applied configuration go where it puts them.
 * Returns undefined only when both are undefined.
 */
export function mergeObjects(live: unknown, applied: unknown, type: TypeRef): unknown {
  return mergeAt(live, applied, type, []);
}

function mergeAt(l: unknown, r: unknown, type: TypeRef, path: PathElement[]): unknown {
  if (l === undefined && r === undefined) return undefined;
  const al = l === undefined ? undefined : atomOf(type, l, path);
  const ar = r === undefined ? undefined : atomOf(type, r, path);
  // When the shapes differ (deduced types only) the applied shape decides, as upstream.
  return mergeAtom((ar ?? al) as Atom, l, r, path);
}

/** Leaves keep the applied value when there is one (upstream's ruleKeepRHS). */
function keepApplied(l: unknown, r: unknown): unknown {
  return r !== undefined ? r : l;
}

function mergeAtom(atom: Atom, l: unknown, r: unknown, path: PathElement[]): unknown {
  if (atom.kind === 'scalar') return keepApplied(l, r);
  if (atom.kind === 'list') {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    // Both empty or null: a leaf, so `[]` and null survive as the applier wrote them.
    if (atom.type.listType === 'atomic' || ((ll ?? []).length === 0 && (rl ?? []).length === 0)) return keepApplied(l, r);
    return mergeListItems(atom.type, ll, rl, path);
  }
  const lm = isMap(l) ? l : undefined;
  const rm = isMap(r) ? r : undefined;
  if (atom.type.mapType === 'atomic' || (Object.keys(lm ?? {}).length === 0 && Object.keys(rm ?? {}).length === 0)) {
    return keepApplied(l, r);
  }
  return mergeMapItems(atom.type, lm, rm, path);
}

function mergeMapItems(t: MapTypeRef, l: Record<string, unknown> | undefined, r: Record<string, unknown> | undefined, path: PathElement[]): unknown {
  const out: Record<string, unknown> = {};
  const keys = [...Object.keys(l ?? {}), ...Object.keys(r ?? {}).filter((k) => l === undefined || !Object.hasOwn(l, k))];
  for (const key of keys) {
    const v = mergeAt(own(l, key), own(r, key), fieldType(t, key), [...path, fieldElement(key)]);
    if (v !== undefined) out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

interface Indexed {
  readonly ids: string[];
  readonly pes: PathElement[];
  /** Item by name; a duplicated name maps to null (duplicates are not merged). */
  readonly observed: Map<string, unknown>;
}

function indexItems(t: ListTypeRef, list: readonly unknown[] | undefined, allowDuplicates: boolean, path: PathElement[]): Indexed {
  const ids: string[] = [];
  const pes: PathElement[] = [];
  const observed = new Map<string, unknown>();
  const problems: { path: string; detail: string }[] = [];
  (list ?? []).forEach((item, i) => {
    const pe = listItemElement(t, item);
    if (typeof pe === 'string') {
      problems.push({ path: pathString(path), detail: `element ${i}: ${pe}` });
      return;
    }
    const id = serializePathElement(pe);
    if (observed.has(id)) {
      if (!allowDuplicates) {
        problems.push({ path: pathString(path), detail: `duplicate entries for key ${pathElementString(pe)}` });
        return;
      }
      observed.set(id, null);
    } else observed.set(id, item);
    ids.push(id);
    pes.push(pe);
  });
  if (problems.length > 0) throw new InvalidObjectError(problems);
  return { ids, pes, observed };
}

/** upstream's mergingWalker.visitListItems, step for step: its ordering is part of the contract. */
function mergeListItems(t: ListTypeRef, l: readonly unknown[] | undefined, r: readonly unknown[] | undefined, path: PathElement[]): unknown {
  const rhs = indexItems(t, r, false, path);
  const lhs = indexItems(t, l, true, path);
  const out: unknown[] = [];
  const sharedOrder = rhs.ids.filter((id) => lhs.observed.has(id));
  let nextShared = sharedOrder.shift();
  const mergedRHS = new Set<string>();
  const mergeItem = (pe: PathElement, lChild: unknown, rChild: unknown): void => {
    const v = mergeAt(lChild, rChild, t.elements, [...path, pe]);
    if (v !== undefined) out.push(v);
  };
  const lLen = lhs.ids.length;
  const rLen = rhs.ids.length;
  let lI = 0;
  let rI = 0;
  while (lI < lLen || rI < rLen) {
    if (lI < lLen && rI < rLen) {
      const id = lhs.ids[lI] ?? '';
      if (id === rhs.ids[rI]) {
        mergedRHS.add(id);
        mergeItem(lhs.pes[lI] as PathElement, lhs.observed.get(id), rhs.observed.get(id));
        lI++;
        rI++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (rhs.observed.has(id) && nextShared !== undefined && nextShared !== id) {
        // A shared item, but not the one whose turn it is in the applied order.
        lI++;
        continue;
      }
    }
    if (lI < lLen) {
      const id = lhs.ids[lI] ?? '';
      if (!rhs.observed.has(id)) {
        mergeItem(lhs.pes[lI] as PathElement, l?.[lI], undefined);
        lI++;
        continue;
      } else if (mergedRHS.has(id)) {
        lI++;
      }
    }
    if (rI < rLen) {
      const id = rhs.ids[rI] ?? '';
      mergedRHS.add(id);
      mergeItem(rhs.pes[rI] as PathElement, lhs.observed.get(id), rhs.observed.get(id));
      rI++;
      if (nextShared === id) nextShared = sharedOrder.shift();
    }
  }
  return out.length > 0 ? out : undefined;
}

// --- remove and extract ------------------------------------------------------------------------

/**
 * TypedValue.RemoveItems: the value without the fields, list items and map keys in `items`.
 * A container whose contents all go is left as null (upstream's behaviour); pruning avoids that
 * by naming declared fields as members (ensureNamedFieldsAreMembers) so they go as a whole.
 */
export function removeItems(value: unknown, items: FieldSet, type: TypeRef): unknown {
  return removeAt(value, items, type, false);
}

/** TypedValue.ExtractItems: only the fields, list items and map keys in `items`. */
export function extractItems(value: unknown, items: FieldSet, type: TypeRef): unknown {
  return removeAt(value, items, type, true);
}

function removeAt(value: unknown, items: FieldSet, type: TypeRef, extract: boolean): unknown {
  let atom: Atom;
  try {
    atom = atomOf(type, value, []);
  } catch (err) {
    // A value that contradicts its type: upstream keeps scalars and drops the rest.
    if (err instanceof InvalidObjectError) return type.kind === 'scalar' ? value : null;
    throw err;
  }
  if (atom.kind === 'scalar') return value;
  if (atom.kind === 'list') {
    if (!Array.isArray(value)) return null;
    if (value.length === 0 || atom.type.listType === 'atomic') return extract ? value : null;
    const t = atom.type;
    const kept: unknown[] = [];
    for (const item of value) {
      const pe = listItemElement(t, item);
      if (typeof pe === 'string') {
        if (!extract) kept.push(item);
        continue;
      }
      const exact = items.has([pe]);
      const sub = items.withPrefix(pe);
      const prefix = !sub.empty();
      let v: unknown = item;
      if (extract) {
        if (prefix) v = removeAt(item, sub, t.elements, true);
        if (exact || prefix) kept.push(v);
      } else {
        if (exact) continue;
        if (prefix) v = removeAt(item, sub, t.elements, false);
        kept.push(v);
      }
    }
    return kept.length > 0 ? kept : null;
  }
  if (!isMap(value)) return null;
  if (Object.keys(value).length === 0 || atom.type.mapType === 'atomic') return extract ? value : null;
  const t = atom.type;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const pe = fieldElement(key);
    const ft = fieldType(t, key);
    let v = own(value, key);
    if (items.has([pe])) {
      // upstream hands the whole set down here when extracting; kept as is.
      if (extract) out[key] = removeAt(v, items, ft, true);
      continue;
    }
    const sub = items.withPrefix(pe);
    if (!sub.empty()) v = removeAt(v, sub, ft, extract);
    else if (extract) continue;
    out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

// --- prune -------------------------------------------------------------------------------------

/**
 * Removes what the applying manager applied last time (`lastApplied`) but not this time, unless
 * some manager (`owned`: every manager's set, the applier's new one included) still owns it.
 * Items that only went because a parent went are added back, as are fields the applier never
 * owned. This is merge.Updater.prune with addBackOwnedItems and addBackDanglingItems, for one
 * API version (nodelet serves one version per group, so there is nothing to convert).
 */
export function pruneDropped(merged: unknown, type: TypeRef, lastApplied: FieldSet | undefined, owned: FieldSet): unknown {
  if (lastApplied === undefined || lastApplied.empty()) return merged;
  const named = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, type);
  const last = named(lastApplied);
  let pruned = removeItems(merged, last, type);
  // addBackOwnedItems: keep everything someone owns, and everything prune did not touch.
  const mergedSet = named(fieldSetOf(merged, type));
  pruned = removeItems(merged, mergedSet.difference(named(fieldSetOf(pruned, type)).union(named(owned))), type);
  // addBackDanglingItems: only remove what the applier itself owned last time.
  const prunedSet = named(fieldSetOf(pruned, type));
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(last), type);
}
