// managedFields across the /scale subresource (apimachinery's managedfields.ScaleHandler). A Scale
// shows, of the parent's entries, those that own the replicas field — as owners of the Scale's
// .spec.replicas; after the write, the Scale's owners of .spec.replicas become owners of the
// parent's replicas field (with subresource "scale"), and parent entries that lost it to the
// write give it up. So `kubectl scale` and the HPA take replicas from whoever applied it.
import { FieldSet } from './field-set.ts';
import type { Managed, ManagedFieldsEntry } from './managed-fields.ts';
import { decodeManagedFields, emptyManaged, encodeManagedFields } from './managed-fields.ts';
import type { Path } from './path.ts';
import { makePath } from './path.ts';

export const SCALE_API_VERSION = 'autoscaling/v1';
const REPLICAS_IN_SCALE = makePath('spec', 'replicas');

/**
 * The replicas path of the parent per API version (ResourcePathMappings); a version mapped to
 * undefined has no scale subresource (entries are kept as they are).
 */
export type ReplicasPaths = ReadonlyMap<string, Path | undefined>;

/** The usual mapping: `.spec.replicas` at the parent's one served version. */
export function specReplicas(apiVersion: string): ReplicasPaths {
  return new Map([[apiVersion, makePath('spec', 'replicas')]]);
}

/** ToSubresource: the parent's entries as a Scale's managedFields. */
export function toScaleManagedFields(parentEntries: unknown, paths: ReplicasPaths): ManagedFieldsEntry[] | undefined {
  const parent = decodeManagedFields(parentEntries);
  const out: Managed = emptyManaged();
  for (const [id, vs] of parent.fields) {
    const path = paths.get(vs.apiVersion);
    if (path === undefined || !vs.set.has(path)) continue;
    out.fields.set(id, { set: FieldSet.of(REPLICAS_IN_SCALE), apiVersion: SCALE_API_VERSION, applied: vs.applied });
    out.times.set(id, parent.times.get(id));
  }
  return encodeManagedFields(out);
}

/**
 * ToParent: merges a Scale's managedFields after a write back into the parent's entries.
 * `parentApiVersion` is the version the parent is stored at (where new owners are recorded).
 */
export function fromScaleManagedFields(parentEntries: unknown, scaleEntries: unknown, parentApiVersion: string, paths: ReplicasPaths): ManagedFieldsEntry[] | undefined {
  const parent = decodeManagedFields(parentEntries);
  const scale = decodeManagedFields(scaleEntries);
  const remaining = new Map(scale.fields);
  const out: Managed = emptyManaged();
  for (const [id, vs] of parent.fields) {
    // Entries at versions without a mapping are dropped, as upstream does.
    if (!paths.has(vs.apiVersion)) continue;
    const path = paths.get(vs.apiVersion);
    if (path === undefined || !vs.set.has(path)) {
      out.fields.set(id, vs);
      out.times.set(id, parent.times.get(id));
      continue;
    }
    if (!remaining.has(id)) {
      // The write took replicas from this entry.
      const set = vs.set.difference(FieldSet.of(path));
      if (!set.empty()) {
        out.fields.set(id, { ...vs, set });
        out.times.set(id, parent.times.get(id));
      }
      continue;
    }
    out.fields.set(id, vs);
    out.times.set(id, parent.times.get(id));
    remaining.delete(id);
  }
  const parentPath = paths.get(parentApiVersion);
  for (const [id, vs] of remaining) {
    if (!vs.set.has(REPLICAS_IN_SCALE) || parentPath === undefined) continue;
    out.fields.set(id, { set: FieldSet.of(parentPath), apiVersion: parentApiVersion, applied: vs.applied });
    // The time comes from the parent's entries, so a new owner through /scale has none (upstream).
    out.times.set(id, parent.times.get(id));
  }
  return encodeManagedFields(out);
}
