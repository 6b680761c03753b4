// The rolling update budget (util.SurgeCount, util.UnavailableCount, AllowsSurge): maxSurge and
// maxUnavailable of the number of nodes that should run the daemon, percentages rounded up.
// Only the RollingUpdate strategy has a budget; DaemonSetUpdateSurge is GA, so maxSurge counts.
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import { scaledValue, type Scaled } from './int-or-percent.ts';

export function isRollingUpdate(ds: DaemonSet): boolean {
  return ds.spec?.updateStrategy?.type === 'RollingUpdate';
}

/** SurgeCount: 0 unless RollingUpdate with a maxSurge. */
export function surgeCount(ds: DaemonSet, numberToSchedule: number): Scaled {
  const r = ds.spec?.updateStrategy?.rollingUpdate;
  if (!isRollingUpdate(ds) || r === undefined || r.maxSurge === undefined) return { value: 0 };
  return scaledValue(r.maxSurge, numberToSchedule, true);
}

/** UnavailableCount: 0 unless RollingUpdate with rollingUpdate set. */
export function unavailableCount(ds: DaemonSet, numberToSchedule: number): Scaled {
  const r = ds.spec?.updateStrategy?.rollingUpdate;
  if (!isRollingUpdate(ds) || r === undefined) return { value: 0 };
  return scaledValue(r.maxUnavailable, numberToSchedule, true);
}

/** AllowsSurge: more than one pod per node may exist during an update. */
export function allowsSurge(ds: DaemonSet): boolean {
  const s = surgeCount(ds, 1);
  return 'value' in s && s.value > 0;
}
