// The annotations the deployment controller keeps on ReplicaSets and on the Deployment:
// deployment.kubernetes.io/revision (the rollout sequence; a reused ReplicaSet's earlier numbers go
// to revision-history), desired-replicas and max-replicas (what the deployment wanted when it last
// sized the ReplicaSet, so scaling events can be told from rollouts and proportions estimated), and
// the deployment's own annotations copied onto its new ReplicaSet (all but kubectl's
// last-applied-configuration and the controller's own).
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { desiredReplicas, maxSurge } from './fenceposts.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
/** sync.go's maxRevHistoryLengthInChars. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION,
]);

/** strconv.ParseInt(v, 10, 64) within the range a JS number holds exactly; undefined when invalid. */
export function parseInt64(v: string): number | undefined {
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** strconv.Atoi for an int32 annotation; undefined when invalid. */
function parseInt32(v: string): number | undefined {
  const n = parseInt64(v);
  return n === undefined || n > 2147483647 || n < -2147483648 ? undefined : n;
}

/** deploymentutil.Revision: 0 without the annotation, undefined when it does not parse. */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return parseInt64(v);
}

/** MaxRevision: the highest parsable revision (0 when none). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

function annotationsOf(obj: { metadata?: { annotations?: Record<string, string> } }): Record<string, string> {
  obj.metadata ??= {};
  obj.metadata.annotations ??= {};
  return obj.metadata.annotations;
}

/** copyDeploymentAnnotationsToReplicaSet: true when rs changed. */
export function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const target = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations: true when either value changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/** ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations;
  if (a === undefined) return true;
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** The desired-replicas annotation as upstream reads it (undefined when absent or not a number). */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  return v === undefined ? undefined : parseInt32(v);
}

/** The max-replicas annotation (undefined when absent or not a number). */
export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION];
  return v === undefined ? undefined : parseInt32(v);
}

/** The desired-replicas and max-replicas values a deployment stamps on its ReplicaSets now. */
export function replicasAnnotationValues(d: Deployment): { desired: number; max: number } {
  const desired = desiredReplicas(d);
  return { desired, max: desired + maxSurge(d) };
}

/**
 * SetNewReplicaSetAnnotations: copies the deployment's annotations, raises the revision to
 * newRevision when it is lower (keeping the old number in revision-history, trimmed from the front
 * to limitChars), and for a ReplicaSet about to be created sets the replicas annotations. Mutates
 * rs; true when its annotations changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: string, exists: boolean, limitChars = MAX_REVISION_HISTORY_CHARS): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotationsOf(rs);
  const oldRevision = a[REVISION_ANNOTATION];
  let oldRevisionInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    const parsed = parseInt64(oldRevision);
    // an unparsable revision is left alone, and nothing else is reported as changed
    if (parsed === undefined) return false;
    oldRevisionInt = parsed;
  }
  const newRevisionInt = parseInt64(newRevision);
  if (newRevisionInt === undefined) return false;
  if (oldRevisionInt < newRevisionInt) {
    a[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  // a ReplicaSet that already had a revision and gets a newer one is being rolled back to
  if (oldRevision !== undefined && oldRevisionInt < newRevisionInt) {
    const history = a[REVISION_HISTORY_ANNOTATION] ?? '';
    const old = history.split(',');
    if ((old[0] ?? '').length === 0) {
      a[REVISION_HISTORY_ANNOTATION] = oldRevision;
    } else {
      let totalLen = history.length + oldRevision.length + 1;
      let start = 0;
      while (totalLen > limitChars && start < old.length) {
        totalLen -= (old[start] ?? '').length + 1;
        start++;
      }
      if (totalLen <= limitChars) a[REVISION_HISTORY_ANNOTATION] = [...old.slice(start), oldRevision].join(',');
    }
  }
  if (!exists) {
    const { desired, max } = replicasAnnotationValues(d);
    if (setReplicasAnnotations(rs, desired, max)) changed = true;
  }
  return changed;
}

/** SetDeploymentRevision: true when the deployment's revision annotation changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const a = annotationsOf(d);
  if (a[REVISION_ANNOTATION] === revision) return false;
  a[REVISION_ANNOTATION] = revision;
  return true;
}
