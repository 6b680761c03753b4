// Ownership bookkeeping on sets (structured-merge-diff's merge.Updater): an Update moves the
// fields it added or changed to its manager and takes removed fields from everyone; an Apply
// merges the configuration, prunes what the applier dropped, then checks every other manager's
// fields against what changed — conflicts unless forced, in which case the applier takes them.
import { compareObjects } from './compare.ts';
import type { Comparison } from './compare.ts';
import { ApplyConflictError, conflictsFromSets } from './conflicts.ts';
import { FieldSet, fieldSetOf } from './field-set.ts';
import type { VersionedSet } from './managed-fields.ts';
import { mergeObjects, pruneDropped } from './merge.ts';
import type { TypeRef } from './type-info.ts';
import { equalValues } from './value.ts';

/** Sets by manager identifier. */
export type ManagedSets = Map<string, VersionedSet>;

export interface UpdaterOptions {
  readonly type: TypeRef;
  /** The API version the objects are at, recorded with the sets this operation writes. */
  readonly apiVersion: string;
  /**
   * Fields this endpoint does not write (the strategy's reset fields: status on the main
   * resource, spec on /status). Nobody gains or loses ownership of them here.
   */
  readonly ignored?: FieldSet | undefined;
}

function filtered(c: Comparison, ignored: FieldSet | undefined): Comparison {
  if (ignored === undefined || ignored.empty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/**
 * Updater.update: compares, finds other managers' conflicting and removed fields, and — when
 * forced or when there are none — takes them away. Throws ApplyConflictError otherwise.
 */
function updateOwnership(live: unknown, next: unknown, managers: ManagedSets, workflow: string, force: boolean, opts: UpdaterOptions): { managers: ManagedSets; comparison: Comparison } {
  const comparison = filtered(compareObjects(live, next, opts.type), opts.ignored);
  const changed = comparison.modified.union(comparison.added);
  const conflicts = new Map<string, FieldSet>();
  const removed = new Map<string, FieldSet>();
  for (const [manager, vs] of managers) {
    if (manager === workflow) continue;
    // One served version per group: every manager's set compares against the same comparison.
    const conflict = vs.set.intersection(changed);
    if (!conflict.empty()) conflicts.set(manager, conflict);
    if (!comparison.removed.empty()) removed.set(manager, comparison.removed);
  }
  if (!force && conflicts.size > 0) throw new ApplyConflictError(conflictsFromSets(conflicts));
  const out: ManagedSets = new Map(managers);
  for (const [manager, set] of [...conflicts, ...removed]) {
    const vs = out.get(manager);
    if (vs !== undefined) out.set(manager, { ...vs, set: vs.set.difference(set) });
  }
  for (const [manager, vs] of out) if (vs.set.empty()) out.delete(manager);
  return { managers: out, comparison };
}

/** Updater.Update: ownership after `manager` replaced `live` by `next` (create: live = empty). */
export function updateManagedSets(live: unknown, next: unknown, managers: ManagedSets, manager: string, opts: UpdaterOptions): ManagedSets {
  const { managers: out, comparison } = updateOwnership(live, next, managers, manager, true, opts);
  let set = (out.get(manager)?.set ?? FieldSet.EMPTY)
    .difference(comparison.removed).union(comparison.modified).union(comparison.added);
  if (opts.ignored !== undefined) set = set.recursiveDifference(opts.ignored);
  if (set.empty()) out.delete(manager);
  else out.set(manager, { set, apiVersion: opts.apiVersion, applied: false });
  return out;
}

export interface ApplyResult {
  /** The merged and pruned object, or undefined when the apply changes nothing. */
  readonly object: unknown;
  readonly managers: ManagedSets;
}

/** Updater.Apply: merge, record the applied set, prune what was dropped, then settle ownership. */
export function applyManagedSets(live: unknown, config: unknown, managers: ManagedSets, manager: string, force: boolean, opts: UpdaterOptions): ApplyResult {
  const merged = mergeObjects(live, config, opts.type);
  const lastSet = managers.get(manager);
  let set = fieldSetOf(config, opts.type);
  if (opts.ignored !== undefined) set = set.recursiveDifference(opts.ignored);
  const withApplied: ManagedSets = new Map(managers);
  withApplied.set(manager, { set, apiVersion: opts.apiVersion, applied: true });
  let owned = set;
  for (const vs of withApplied.values()) owned = owned.union(vs.set);
  const pruned = pruneDropped(merged, opts.type, lastSet?.set, owned);
  const { managers: out } = updateOwnership(live, pruned, withApplied, manager, force, opts);
  return { object: equalValues(live, pruned) ? undefined : pruned, managers: out };
}
