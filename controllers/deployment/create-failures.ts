// What getNewReplicaSet writes when creating the new ReplicaSet fails. AlreadyExists with a
// ReplicaSet that is not this deployment's (or has another template) is a hash collision:
// status.collisionCount goes up by one so the next sync hashes to another name. Any other error is
// reported as Progressing=False ReplicaSetCreateError (when a deadline is set) and a Warning event.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { controllerOf } from '../framework/owners.ts';
import { cloneJson } from '../../lib/clone.ts';
import { FAILED_RS_CREATE, PROGRESSING, newCondition, setCondition } from './conditions.ts';
import { hasProgressDeadline } from './progress.ts';
import { equalIgnoreHash } from './replica-sets.ts';

/** Whether an existing ReplicaSet of that name is this deployment's new one (not a collision). */
export function isOwnNewReplicaSet(d: Deployment, existing: ReplicaSet): boolean {
  const ref = controllerOf(existing);
  return ref !== undefined && ref.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, existing.spec?.template);
}

/** The deployment with its collision count raised. */
export function withCollision(d: Deployment): Deployment {
  const out = cloneJson(d);
  out.status = { ...(out.status ?? {}), collisionCount: (out.status?.collisionCount ?? 0) + 1 };
  return out;
}

/** The message of the FailedCreate (ReplicaSetCreateError) event and condition. */
export function failedCreateMessage(rsName: string, err: string): string {
  return `Failed to create new replica set "${rsName}": ${err}`;
}

/** The deployment to write after a failed create, or undefined when it has no progress deadline. */
export function withFailedCreate(d: Deployment, message: string, now: number): Deployment | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const out = cloneJson(d);
  out.status ??= {};
  setCondition(out.status, newCondition(PROGRESSING, 'False', FAILED_RS_CREATE, message, now));
  return out;
}
