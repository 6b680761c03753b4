// The status a ReplicaSet controller writes (calculateStatus, updateReplicaSetStatus's
// steady-state check, the ReplicaFailure condition helpers) and when it looks again for pods
// that are ready but not yet available. Pure: `now` is passed in.
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { canonicalJson } from '../framework/hash.ts';
import { metaTime } from '../framework/meta-time.ts';
import { isPodAvailable, isPodReady } from '../framework/pod-state.ts';

/** apps.ReplicaSetReplicaFailure. */
export const REPLICA_FAILURE = 'ReplicaFailure';

/** spec.replicas (the API server defaults it to 1). */
export function desiredReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

/** Every label of the template is on the pod (labels.Set(template).AsSelector().Matches). */
function fullyLabeled(rs: ReplicaSet, pod: Pod): boolean {
  const want = rs.spec?.template?.metadata?.labels ?? {};
  const have = pod.metadata?.labels ?? {};
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/**
 * calculateStatus: counts over the ReplicaSet's active pods, and the ReplicaFailure condition —
 * added (reason FailedCreate or FailedDelete, by which way the count was off) when managing the
 * replicas failed and no such condition is there yet, removed when it succeeded. Other fields of
 * the current status (observedGeneration among them) are carried over.
 */
export function calculateStatus(rs: ReplicaSet, pods: readonly Pod[], manageError: string | undefined, now: number): ReplicaSetStatus {
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (fullyLabeled(rs, pod)) fully++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  const current = rs.status ?? { replicas: 0 };
  let conditions: ReplicaSetCondition[] = (current.conditions ?? []).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError !== undefined && failure === undefined) {
    const diff = pods.length - desiredReplicas(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push({ type: REPLICA_FAILURE, status: 'True', lastTransitionTime: metaTime(now), reason, message: manageError });
  } else if (manageError === undefined && failure !== undefined) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  // The omitempty counts are left out at zero, as the Go client would send them.
  const { fullyLabeledReplicas: _f, readyReplicas: _r, availableReplicas: _a, conditions: _c, ...rest } = current;
  return {
    ...rest,
    replicas: pods.length,
    ...nonZero('fullyLabeledReplicas', fully),
    ...nonZero('readyReplicas', ready),
    ...nonZero('availableReplicas', available),
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}

type CountField = 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas' | 'observedGeneration';

function nonZero(field: CountField, n: number): Partial<Record<CountField, number>> {
  return n === 0 ? {} : { [field]: n };
}

/**
 * updateReplicaSetStatus's steady state: nothing to write when the counts and conditions are those
 * already stored and the stored status has seen the current generation.
 */
export function statusUpToDate(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status;
  return (cur?.replicas ?? 0) === next.replicas
    && (cur?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0)
    && (cur?.readyReplicas ?? 0) === (next.readyReplicas ?? 0)
    && (cur?.availableReplicas ?? 0) === (next.availableReplicas ?? 0)
    && (rs.metadata?.generation ?? 0) === (cur?.observedGeneration ?? 0)
    && canonicalJson(cur?.conditions ?? []) === canonicalJson(next.conditions ?? []);
}

/** The status as written: newStatus with observedGeneration set to the generation acted on. */
export function statusToWrite(rs: ReplicaSet, next: ReplicaSetStatus): ReplicaSetStatus {
  const { observedGeneration: _o, ...rest } = next;
  return { ...rest, ...nonZero('observedGeneration', rs.metadata?.generation ?? 0) };
}

/**
 * The clock-skew guard at the end of syncReplicaSet: with minReadySeconds, when every desired
 * replica is ready but not all are available yet, look again after minReadySeconds.
 */
export function availabilityRecheckMs(rs: ReplicaSet, status: ReplicaSetStatus): number | undefined {
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  const want = desiredReplicas(rs);
  if (minReadySeconds > 0 && (status.readyReplicas ?? 0) === want && (status.availableReplicas ?? 0) !== want) {
    return minReadySeconds * 1000;
  }
  return undefined;
}
