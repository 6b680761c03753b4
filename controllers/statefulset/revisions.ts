// A StatefulSet's ControllerRevisions (stateful_set_control.go getStatefulSetRevisions,
// truncateHistory; stateful_set_utils.go getPatch, newRevision, ApplyRevision): each revision's
// data is the strategic merge patch {spec: {template: <template, $patch: replace>}} that restores
// that template, so `kubectl rollout undo` can apply it as it is. The update revision is the one
// equal to the current template (the newest one, or an older one renumbered as a rollback, or a
// new one); the current revision is the one status.currentRevision names.
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.d.ts';
import { equalRevision, newControllerRevision, sortRevisions } from '../framework/history.ts';
import { newControllerRef } from '../framework/owners.ts';
import { cloneJson } from '../../lib/clone.ts';
import { podRevision } from './identity.ts';

/** getPatch: the revision data for set's current template. */
export function revisionData(set: StatefulSet): Record<string, unknown> {
  const template = cloneJson(set.spec?.template ?? {}) as Record<string, unknown>;
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** newRevision: labelled with the template's labels, annotated with the set's annotations. */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision(
    set, newControllerRef(set, 'apps/v1', 'StatefulSet'), set.spec?.template.metadata?.labels, revisionData(set), revision, collisionCount,
  );
  cr.metadata = { ...(cr.metadata ?? {}), annotations: { ...(set.metadata?.annotations ?? {}) } };
  return cr;
}

/** The template a revision restores (undefined when its data holds none). */
export function revisionTemplate(revision: ControllerRevision): PodTemplateSpec | undefined {
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = data?.spec?.template;
  if (t === undefined) return undefined;
  const { $patch: _ignored, ...template } = t;
  return cloneJson(template);
}

/** ApplyRevision: set with the template of revision (the patch replaces spec.template whole). */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const out = cloneJson(set);
  const template = revisionTemplate(revision);
  if (template !== undefined && out.spec !== undefined) out.spec.template = template;
  return out;
}

/** nextRevision: one more than the newest (revisions sorted oldest first). */
export function nextRevision(sorted: readonly ControllerRevision[]): number {
  const last = sorted[sorted.length - 1];
  return last === undefined ? 1 : last.revision + 1;
}

/** What getStatefulSetRevisions must do about the update revision. */
export type UpdateRevisionStep =
  /** The newest revision already holds the template. */
  | { kind: 'existing'; revision: ControllerRevision }
  /** An older revision holds it (a rollback): renumber it to `revision`. */
  | { kind: 'renumber'; revision: ControllerRevision; to: number }
  /** None does: create this one (its name may still collide; see the executor). */
  | { kind: 'create'; revision: ControllerRevision };

/** The update-revision decision, from revisions sorted oldest first. */
export function planUpdateRevision(set: StatefulSet, sorted: readonly ControllerRevision[], collisionCount: number): UpdateRevisionStep {
  const candidate = newRevision(set, nextRevision(sorted), collisionCount);
  const equal = sorted.filter((r) => equalRevision(r, candidate));
  const newest = sorted[sorted.length - 1];
  const lastEqual = equal[equal.length - 1];
  if (lastEqual !== undefined && newest !== undefined && equalRevision(newest, lastEqual)) return { kind: 'existing', revision: newest };
  if (lastEqual !== undefined) return { kind: 'renumber', revision: lastEqual, to: candidate.revision };
  return { kind: 'create', revision: candidate };
}

/** The current revision: the one status.currentRevision names, else the update revision. */
export function findCurrentRevision(set: StatefulSet, sorted: readonly ControllerRevision[], update: ControllerRevision): ControllerRevision {
  const name = set.status?.currentRevision;
  return sorted.find((r) => r.metadata?.name === name) ?? update;
}

/**
 * truncateHistory: the revisions to delete, oldest first — those neither current, update nor worn
 * by a pod, beyond revisionHistoryLimit (default 10; a negative limit keeps everything).
 */
export function revisionsToPrune(
  set: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[],
  current: ControllerRevision | undefined, update: ControllerRevision | undefined,
): ControllerRevision[] {
  const live = new Set<string>();
  if (current !== undefined) live.add(current.metadata?.name ?? '');
  if (update !== undefined) live.add(update.metadata?.name ?? '');
  for (const p of pods) live.add(podRevision(p));
  const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata?.name ?? ''));
  const limit = set.spec?.revisionHistoryLimit ?? 10;
  if (limit < 0 || history.length <= limit) return [];
  return history.slice(0, history.length - limit);
}
