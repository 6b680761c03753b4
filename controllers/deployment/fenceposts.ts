// How many pods a rolling update may add above, or take below, the desired count: maxSurge and
// maxUnavailable as absolute numbers or percentages of spec.replicas (intstr's
// GetScaledValueFromIntOrPercent: a surge percentage rounds up, an unavailable one rounds down) and
// ResolveFenceposts, which never lets both resolve to 0 (unavailable becomes 1, since a surge may be
// refused by quota and the rollout must still move).
import type { Deployment } from 'kubernetes-types/apps/v1.d.ts';

export type IntOrPercent = number | string;

/** intstr.GetScaledValueFromIntOrPercent; throws for a missing value or a string without "%". */
export function scaledValue(value: IntOrPercent | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) throw new Error('nil value for IntOrString');
  if (typeof value === 'number') return value;
  if (!value.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = value.slice(0, -1);
  // strconv.Atoi: optional sign, decimal digits only
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: strconv.Atoi: parsing "${digits}": invalid syntax`);
  const percent = Number(digits);
  // the same float64 arithmetic as upstream: value * total / 100, then ceil or floor
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export interface Fenceposts {
  surge: number;
  unavailable: number;
}

/** ResolveFenceposts: absent values count as 0; both 0 → unavailable 1. */
export function resolveFenceposts(maxSurge: IntOrPercent | undefined, maxUnavailable: IntOrPercent | undefined, desired: number): Fenceposts {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** *spec.replicas, defaulted to 1 as the API server does. */
export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return d.spec?.strategy?.type === 'RollingUpdate';
}

function fenceposts(d: Deployment): Fenceposts {
  const ru = d.spec?.strategy?.rollingUpdate;
  try {
    return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d));
  } catch {
    // upstream ignores the error here (validation keeps bad values out) and gets zeros
    return { surge: 0, unavailable: 0 };
  }
}

/** MaxSurge: 0 unless RollingUpdate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return fenceposts(d).surge;
}

/** MaxUnavailable: 0 unless RollingUpdate with replicas; never more than replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}
