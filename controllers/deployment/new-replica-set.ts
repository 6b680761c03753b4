// Finding or making the deployment's new ReplicaSet (getNewReplicaSet): an existing one (same
// template, hash label aside — so `rollout undo` reuses the old ReplicaSet) gets the deployment's
// annotations and a revision above every old one, and the deployment takes its revision; otherwise
// one is created as "<deployment>-<pod-template-hash>" with the hash in its labels, selector and
// template, sized by NewRSNewReplicas, with NewReplicaSetCreated (or, for a ReplicaSet found
// without any Progressing condition, FoundNewReplicaSet) recorded.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1.d.ts';
import { messageOf } from '../framework/errors.ts';
import { computeHash } from '../framework/hash.ts';
import { newControllerRef } from '../framework/owners.ts';
import { REVISION_ANNOTATION, maxRevision, setDeploymentRevision, setNewReplicaSetAnnotations } from './annotations.ts';
import { FOUND_NEW_REPLICA_SET, NEW_REPLICA_SET_CREATED, PROGRESSING, getCondition, newCondition, setCondition } from './conditions.ts';
import { desiredReplicas, scaledValue } from './fenceposts.ts';
import type { PlanSession } from './plan.ts';
import { hasProgressDeadline } from './progress.ts';
import { POD_TEMPLATE_HASH_LABEL, findNewReplicaSet, findOldReplicaSets, specReplicaSum, specReplicas } from './replica-sets.ts';
import { cloneJson } from '../../lib/clone.ts';

/**
 * NewRSNewReplicas: the size the new ReplicaSet may have now. RollingUpdate: up to
 * replicas + maxSurge pods in all (maxSurge rounded up, on its own), never above replicas.
 * Recreate: replicas. Throws for another strategy or a bad maxSurge.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const want = desiredReplicas(d);
  switch (d.spec?.strategy?.type) {
    case 'RollingUpdate': {
      const surge = scaledValue(d.spec.strategy.rollingUpdate?.maxSurge, want, true);
      const current = specReplicaSum(allRSs);
      const maxTotal = want + surge;
      if (current >= maxTotal) return specReplicas(newRS);
      const scaleUp = Math.min(maxTotal - current, want - specReplicas(newRS));
      return specReplicas(newRS) + scaleUp;
    }
    case 'Recreate':
      return want;
    default:
      throw new Error(`deployment type ${d.spec?.strategy?.type ?? ''} isn't supported`);
  }
}

/** labelsutil.CloneSelectorAndAddLabel. */
export function selectorWithLabel(selector: LabelSelector | undefined, key: string, value: string): LabelSelector {
  const out: LabelSelector = { matchLabels: { ...(selector?.matchLabels ?? {}), [key]: value } };
  if (selector?.matchExpressions !== undefined) out.matchExpressions = cloneJson(selector.matchExpressions);
  return out;
}

/** The ReplicaSet a deployment's current template asks for (named and labelled by the hash). */
export function newReplicaSetFor(d: Deployment): ReplicaSet {
  const template = cloneJson(d.spec?.template ?? {});
  const hash = computeHash(template, d.status?.collisionCount);
  const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  template.metadata = { ...(template.metadata ?? {}), labels };
  const spec: NonNullable<ReplicaSet['spec']> = {
    replicas: 0,
    selector: selectorWithLabel(d.spec?.selector, POD_TEMPLATE_HASH_LABEL, hash),
    template,
  };
  if (d.spec?.minReadySeconds !== undefined) spec.minReadySeconds = d.spec.minReadySeconds;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name ?? ''}-${hash}`,
      namespace: d.metadata?.namespace ?? 'default',
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...labels },
    },
    spec,
  };
}

/** getNewReplicaSet. rsList and oldRSs are the session's working copies. */
export function getNewReplicaSet(s: PlanSession, rsList: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], create: boolean): ReplicaSet | undefined {
  const d = s.d;
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = String(maxRevision(oldRSs) + 1);
  if (existing !== undefined) {
    const copy = cloneJson(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReady = d.spec?.minReadySeconds ?? 0;
    if (annotationsUpdated || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
      copy.spec = { ...(copy.spec ?? { selector: {} }) };
      if (d.spec?.minReadySeconds === undefined) delete copy.spec.minReadySeconds;
      else copy.spec.minReadySeconds = d.spec.minReadySeconds;
      // the deployment takes the revision on the next pass, as upstream returns here
      return s.updateReplicaSet(copy);
    }
    let needsUpdate = setDeploymentRevision(d, copy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
    if (hasProgressDeadline(d) && getCondition(d.status, PROGRESSING) === undefined) {
      d.status ??= {};
      setCondition(d.status, newCondition(PROGRESSING, 'True', FOUND_NEW_REPLICA_SET, `Found new replica set "${copy.metadata?.name ?? ''}"`, s.now));
      needsUpdate = true;
    }
    if (needsUpdate) s.updateStatus();
    return copy;
  }
  if (!create) return undefined;

  const rs = newReplicaSetFor(d);
  let count: number;
  try {
    count = newRSNewReplicas(d, [...oldRSs, rs], rs);
  } catch (err) {
    s.fail(messageOf(err));
  }
  rs.spec = { ...(rs.spec ?? { selector: {} }), replicas: count };
  setNewReplicaSetAnnotations(d, rs, newRevision, false);
  const name = rs.metadata?.name ?? '';
  const events = count > 0 ? [{ type: 'Normal' as const, reason: 'ScalingReplicaSet', message: `Scaled up replica set ${name} from 0 to ${count}` }] : [];
  const created = s.createReplicaSet(rs, events);
  let needsUpdate = setDeploymentRevision(d, newRevision);
  if (hasProgressDeadline(d)) {
    d.status ??= {};
    setCondition(d.status, newCondition(PROGRESSING, 'True', NEW_REPLICA_SET_CREATED, `Created new replica set "${name}"`, s.now));
    needsUpdate = true;
  }
  if (needsUpdate) s.updateStatus();
  return created;
}

export interface AllReplicaSets {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/** getAllReplicaSetsAndSyncRevision over the session's current ReplicaSets. */
export function getAllReplicaSets(s: PlanSession, create: boolean): AllReplicaSets {
  const oldRSs = findOldReplicaSets(s.d, s.rsList);
  const newRS = getNewReplicaSet(s, s.rsList, oldRSs, create);
  return { newRS, oldRSs };
}
