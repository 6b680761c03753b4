// The PDB's DisruptionAllowed condition: apimeta.SetStatusCondition's merge rules and
// component-helpers' UpdateDisruptionAllowedCondition / ConditionsAreUpToDate.
import type { Condition } from 'kubernetes-types/meta/v1.d.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.d.ts';
import { DISRUPTION_ALLOWED_CONDITION, INSUFFICIENT_PODS_REASON, SUFFICIENT_PODS_REASON } from './constants.ts';

/** metav1.Time as JSON: RFC 3339 in UTC, whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface NewCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}

/**
 * apimeta.SetStatusCondition on a copy: a new type is appended with now as its transition time;
 * an existing one keeps its transition time unless its status changes, and takes the new reason,
 * message and observedGeneration.
 */
export function setStatusCondition(conditions: readonly Condition[], c: NewCondition, now: number): Condition[] {
  const i = conditions.findIndex((x) => x.type === c.type);
  const existing = conditions[i];
  const lastTransitionTime = existing !== undefined && existing.status === c.status ? existing.lastTransitionTime : rfc3339(now);
  // metav1.Condition's field order; observedGeneration is omitted when zero.
  const next: Condition = {
    type: c.type,
    status: c.status,
    ...(c.observedGeneration === 0 ? {} : { observedGeneration: c.observedGeneration }),
    lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
  if (existing === undefined) return [...conditions, next];
  return conditions.map((x, j) => (j === i ? next : x));
}

/** UpdateDisruptionAllowedCondition: True/SufficientPods while a disruption is allowed, else False/InsufficientPods. */
export function withDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: number): PodDisruptionBudgetStatus {
  const allowed = status.disruptionsAllowed > 0;
  const conditions = setStatusCondition(status.conditions ?? [], {
    type: DISRUPTION_ALLOWED_CONDITION,
    status: allowed ? 'True' : 'False',
    reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
    message: '',
    observedGeneration: status.observedGeneration ?? 0,
  }, now);
  return { ...status, conditions };
}

/** ConditionsAreUpToDate: the condition exists, the status is of this generation, and it agrees with disruptionsAllowed. */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const status = pdb.status;
  const cond = status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (cond === undefined) return false;
  if ((status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  if ((status?.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}
