// The DaemonSet's history (constructHistory, snapshot, dedupCurHistories, cleanupHistory in
// update.go). Each template is kept as a ControllerRevision "<ds>-<hash>" whose data is the patch
// that restores it ({spec:{template:{..., $patch: replace}}}, what `kubectl rollout undo` applies)
// and whose number orders the history. The current revision is found by comparing that patch, so a
// rollback to an old template revives its revision with a new number instead of making a copy.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { canonicalJson, computeHash } from '../framework/hash.ts';
import { newControllerRef } from '../framework/owners.ts';
import { cloneJson } from '../../lib/clone.ts';
import { podsByNode } from './daemon-pods.ts';
import { CONTROLLER_API_VERSION, CONTROLLER_KIND, DEFAULT_REVISION_HISTORY_LIMIT, REVISION_HASH_LABEL } from './constants.ts';

/** getPatch: the template as a strategic merge patch that replaces spec.template wholesale. */
export function revisionData(ds: DaemonSet): Record<string, unknown> {
  const template = cloneJson((ds.spec?.template ?? {}) as Record<string, unknown>);
  template['$patch'] = 'replace';
  return { spec: { template } };
}

/** Match: the revision holds exactly the DaemonSet's current template. */
export function revisionMatches(ds: DaemonSet, revision: ControllerRevision): boolean {
  return canonicalJson(revisionData(ds)) === canonicalJson(revision.data ?? null);
}

/** The hash of the template with the collision count, as the revision name and pod label carry it. */
export function templateHash(ds: DaemonSet): string {
  return computeHash(ds.spec?.template ?? {}, ds.status?.collisionCount);
}

/** snapshot's object: named "<ds>-<hash>", labelled like the template, the DaemonSet's annotations. */
export function newRevision(ds: DaemonSet, revision: number): ControllerRevision {
  const hash = templateHash(ds);
  const annotations = ds.metadata?.annotations;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata?.name ?? ''}-${hash}`,
      namespace: ds.metadata?.namespace ?? 'default',
      labels: { ...(ds.spec?.template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
      ownerReferences: [newControllerRef(ds, CONTROLLER_API_VERSION, CONTROLLER_KIND)],
    },
    data: revisionData(ds),
    revision,
  };
}

export function revisionHash(r: ControllerRevision): string | undefined {
  return r.metadata?.labels?.[REVISION_HASH_LABEL];
}

export interface HistoryInput {
  ds: DaemonSet;
  /** The revisions this DaemonSet controls (after adoption and release). */
  revisions: readonly ControllerRevision[];
  /** The pods it controls (to relabel when duplicate current revisions are merged). */
  pods: readonly Pod[];
}

export type CurrentRevision =
  | { kind: 'create'; revision: ControllerRevision }
  | {
    kind: 'existing';
    revision: ControllerRevision;
    /** Duplicates of the current revision to delete. */
    duplicates: ControllerRevision[];
    /** Pods to relabel with the kept revision's hash before the duplicates go. */
    relabelPods: Pod[];
    /** The revision number to raise it to (a rollback to an old template). */
    renumberTo?: number;
  };

export interface HistoryPlan {
  /** Revisions without the hash label: they get their own name as the label (no rehashing). */
  labelWithName: ControllerRevision[];
  current: CurrentRevision;
  /** Every other revision, for cleanup. */
  old: ControllerRevision[];
  /** The current revision's hash: the value new pods are labelled with. */
  hash: string;
}

function maxRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision), 0);
}

export function planHistory(input: HistoryInput): HistoryPlan {
  const { ds } = input;
  const labelWithName: ControllerRevision[] = [];
  const currents: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (const stored of input.revisions) {
    let r = stored;
    if (revisionHash(r) === undefined) {
      labelWithName.push(r);
      r = { ...r, metadata: { ...(r.metadata ?? {}), labels: { ...(r.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: r.metadata?.name ?? '' } } };
    }
    if (revisionMatches(ds, r)) currents.push(r);
    else old.push(r);
  }
  const next = maxRevision(old) + 1;
  if (currents.length === 0) {
    const revision = newRevision(ds, next);
    return { labelWithName, current: { kind: 'create', revision }, old, hash: revisionHash(revision) ?? '' };
  }
  // dedupCurHistories: the highest-numbered copy (the last of equals) is kept.
  let keep = currents[0] as ControllerRevision;
  for (const r of currents) if (r.revision >= keep.revision) keep = r;
  const hash = revisionHash(keep) ?? '';
  const duplicates = currents.filter((r) => r !== keep);
  const relabelPods = duplicates.length === 0 ? [] : input.pods.filter((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] !== hash);
  return {
    labelWithName,
    current: {
      kind: 'existing', revision: keep, duplicates, relabelPods,
      ...(keep.revision < next ? { renumberTo: next } : {}),
    },
    old,
    hash,
  };
}

/**
 * cleanupHistory: beyond revisionHistoryLimit, the oldest revisions no pod (terminal ones
 * included) still carries the hash of are deleted.
 */
export function planCleanupHistory(ds: DaemonSet, old: readonly ControllerRevision[], pods: readonly Pod[]): ControllerRevision[] {
  const limit = ds.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
  let toKill = old.length - limit;
  if (toKill <= 0) return [];
  const live = new Set<string>();
  for (const list of podsByNode(pods, true).values()) {
    for (const pod of list) {
      const h = pod.metadata?.labels?.[REVISION_HASH_LABEL];
      if (h !== undefined && h !== '') live.add(h);
    }
  }
  const out: ControllerRevision[] = [];
  const sorted = [...old].sort((a, b) => a.revision - b.revision);
  for (const r of sorted) {
    if (toKill <= 0) break;
    if (live.has(revisionHash(r) ?? '')) continue;
    out.push(r);
    toKill--;
  }
  return out;
}
