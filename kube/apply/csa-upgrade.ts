// The client half of moving an object from client-side to server-side apply (client-go's
// util/csaupgrade, which `kubectl apply --server-side` runs first): the Update entries of the
// client-side-apply manager are folded into the server-side applier's Apply entry, so that fields
// the user stops applying are pruned like any applied field. Works on managedFields entries only.
import { FieldSet } from './field-set.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import { equalValues, isMap } from './value.ts';

export interface UpgradeOptions {
  /** Only entries of this subresource are touched ('' for the main resource). */
  readonly subresource?: string;
}

function entriesOf(managedFields: unknown): ManagedFieldsEntry[] | undefined {
  if (!Array.isArray(managedFields)) return undefined;
  return managedFields.map((e: unknown) => (isMap(e) ? { ...e } : {}) as ManagedFieldsEntry);
}

const sub = (e: ManagedFieldsEntry): string => e.subresource ?? '';

function decode(e: ManagedFieldsEntry): FieldSet {
  return e.fieldsV1 === undefined || e.fieldsV1 === null ? FieldSet.EMPTY : FieldSet.fromFieldsV1(e.fieldsV1);
}

/**
 * upgradedManagedFields for one client-side manager: the applier's Apply entry (or, when there is
 * none, the first client-side Update entry renamed into it) takes the union with the client-side
 * entry of the same API version; all client-side Update entries go.
 */
function upgradeOne(entries: ManagedFieldsEntry[], csaManager: string, ssaManager: string, subresource: string): ManagedFieldsEntry[] | undefined {
  const isCsa = (e: ManagedFieldsEntry): boolean => e.manager === csaManager && e.operation === 'Update' && sub(e) === subresource;
  let target = entries.findIndex((e) => e.manager === ssaManager && e.operation === 'Apply' && sub(e) === subresource);
  if (target < 0) {
    target = entries.findIndex(isCsa);
    if (target < 0) return entries;
    entries[target] = { ...entries[target], operation: 'Apply', manager: ssaManager };
  }
  const applier = entries[target] ?? {};
  const csa = entries.find((e) => isCsa(e) && e.apiVersion === applier.apiVersion);
  const union = csa === undefined ? decode(applier) : decode(applier).union(decode(csa));
  entries[target] = { ...applier, fieldsV1: union.toFieldsV1() };
  const kept = entries.filter((e) => !isCsa(e));
  return kept.length === 0 ? undefined : kept;
}

/**
 * UpgradeManagedFields: the upgraded managedFields (undefined for none), leaving the input alone.
 * Throws when an entry's FieldsV1 cannot be read.
 */
export function upgradeManagedFields(managedFields: unknown, csaManagers: readonly string[], ssaManager: string, opts: UpgradeOptions = {}): ManagedFieldsEntry[] | undefined {
  let entries = entriesOf(managedFields);
  for (const csa of csaManagers) {
    if (entries === undefined) return undefined;
    entries = upgradeOne(entries, csa, ssaManager, opts.subresource ?? '');
  }
  return entries;
}

/**
 * UpgradeManagedFieldsPatch: the JSON patch kubectl sends (replace managedFields, and the
 * resourceVersion so a concurrent write fails with 409), or undefined when nothing changes.
 */
export function upgradeManagedFieldsPatch(obj: Record<string, unknown>, csaManagers: readonly string[], ssaManager: string, opts: UpgradeOptions = {}): unknown[] | undefined {
  const metadata = isMap(obj.metadata) ? obj.metadata : {};
  const before = metadata.managedFields;
  const after = upgradeManagedFields(before, csaManagers, ssaManager, opts);
  if (equalValues(before ?? null, after ?? null)) return undefined;
  return [
    { op: 'replace', path: '/metadata/managedFields', value: after ?? null },
    { op: 'replace', path: '/metadata/resourceVersion', value: metadata.resourceVersion ?? '' },
  ];
}
