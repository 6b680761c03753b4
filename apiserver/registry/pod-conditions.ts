// A pod's status.conditions, set as kube's podutil.UpdatePodCondition does: pure, so the binding,
// the eviction and the scheduler share it without depending on the store.
import type { KubeObject } from '../storage/types.ts';
import { rfc3339, section } from './object-meta.ts';

export interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** Sets (or replaces) a condition in status.conditions; the transition time moves only on change. */
export function setPodCondition(pod: KubeObject, condition: PodCondition, now: number): void {
  const status = section(pod, 'status');
  const list = Array.isArray(status['conditions']) ? (status['conditions'] as PodCondition[]) : [];
  const existing = list.find((c) => c.type === condition.type);
  const next: PodCondition = { ...condition, lastProbeTime: null };
  next.lastTransitionTime = existing !== undefined && existing.status === condition.status && existing.lastTransitionTime !== undefined
    ? existing.lastTransitionTime
    : rfc3339(now);
  status['conditions'] = existing === undefined ? [...list, next] : list.map((c) => (c.type === condition.type ? next : c));
}
