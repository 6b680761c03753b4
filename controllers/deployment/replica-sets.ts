// The ReplicaSet bookkeeping of pkg/controller/deployment/util and controller_utils: orderings
// (by creation, by size, by revision), active sets, replica sums, which ReplicaSet is the new one
// (its template equals the deployment's, pod-template-hash aside) and which are old.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.d.ts';
import { canonicalJson } from '../framework/hash.ts';
import { timeMs } from '../framework/meta-time.ts';
import { revisionOf } from './annotations.ts';

/** apps.DefaultDeploymentUniqueLabelKey. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** *rs.spec.replicas (the API server defaults it to 1). */
export function specReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

function createdAt(rs: ReplicaSet): number {
  return timeMs(rs.metadata?.creationTimestamp) ?? 0;
}

function nameOf(rs: ReplicaSet): string {
  return rs.metadata?.name ?? '';
}

/** ReplicaSetsByCreationTimestamp.Less: older first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = createdAt(a);
  const tb = createdAt(b);
  if (ta !== tb) return ta - tb;
  const na = nameOf(a);
  const nb = nameOf(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first; equal sizes older first (the order to scale down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(a, b);
}

/** ReplicaSetsBySizeNewer: larger first; equal sizes newer first (the order to scale up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(b, a);
}

/** ReplicaSetsByRevision: lower revision first; unparsable or equal revisions by creation. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreation(a, b);
  return ra - rb;
}

/** FilterActiveReplicaSets: those asked for at least one pod. */
export function filterActive(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

function sum(rss: readonly (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number): number {
  let total = 0;
  for (const rs of rss) if (rs !== undefined) total += f(rs);
  return total;
}

/** GetReplicaCountForReplicaSets: Σ spec.replicas. */
export function specReplicaSum(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, specReplicas);
}

/** GetActualReplicaCountForReplicaSets: Σ status.replicas. */
export function actualReplicaSum(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, (rs) => rs.status?.replicas ?? 0);
}

/** GetReadyReplicaCountForReplicaSets. */
export function readyReplicaSum(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
}

/** GetAvailableReplicaCountForReplicaSets. */
export function availableReplicaSum(rss: readonly (ReplicaSet | undefined)[]): number {
  return sum(rss, (rs) => rs.status?.availableReplicas ?? 0);
}

/**
 * A template in the form apiequality.Semantic.DeepEqual compares: null and absent are the same,
 * and so are empty and absent lists and string maps (Go's nil and empty slices and maps).
 */
function semanticForm(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(semanticForm);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const y = semanticForm(x);
      if (y !== undefined && y !== null) out[k] = y;
    }
    return out;
  }
  return v === null ? undefined : v;
}

function withoutHashLabel(t: PodTemplateSpec | undefined): unknown {
  const labels = Object.fromEntries(Object.entries(t?.metadata?.labels ?? {}).filter(([k]) => k !== POD_TEMPLATE_HASH_LABEL));
  const metadata = { ...(t?.metadata ?? {}) };
  // labels and annotations are string maps: empty equals absent
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  else delete metadata.labels;
  if (metadata.annotations !== undefined && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  return semanticForm({ ...(t ?? {}), metadata });
}

/** EqualIgnoreHash: the templates are equal once pod-template-hash is taken out of both. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/**
 * FindOldReplicaSets' second result: every ReplicaSet but the new one, oldest first (upstream's
 * FindNewReplicaSet sorts the shared list by creation before this walks it).
 */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return [...rsList].sort(byCreation).filter((rs) => rs !== newRS);
}

/**
 * FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active; undefined
 * when several are active (then they are scaled proportionally).
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}
