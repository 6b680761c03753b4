// What the Job controller reads off a pod: active/terminating/ready (controller_utils and
// podutil), the completion index, the tracking finalizer, when the pod finished (the time the
// failure back-off counts from), and controller.ActivePods' order, which decides which pods go
// first when there are too many (unscheduled, pending, not ready, newest first).
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.d.ts';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from './constants.ts';

/** unknownCompletionIndex. */
export const UNKNOWN_INDEX = -1;

export function timeMs(t: string | undefined): number | undefined {
  if (t === undefined || t === '') return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** metav1.Time as the API writes it: RFC 3339 in UTC, whole seconds. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isTerminal(pod) && pod.metadata?.deletionTimestamp === undefined;
}

/** controller's isPodTerminating: being deleted but not finished yet. */
export function isPodTerminating(pod: Pod): boolean {
  return !isTerminal(pod) && pod.metadata?.deletionTimestamp !== undefined;
}

function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) === true;
}

export function uidOf(pod: Pod): string {
  return pod.metadata?.uid ?? '';
}

/** getCompletionIndex: the annotation as a non-negative integer, else UNKNOWN_INDEX. */
export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return UNKNOWN_INDEX;
  const i = Number(v);
  return i < 0 || !Number.isSafeInteger(i) ? UNKNOWN_INDEX : i;
}

function sidecarNames(pod: Pod): Set<string> {
  return new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
}

/** latestFinishTime: undefined as soon as one container has not terminated. */
function latestFinish(prev: number | undefined, statuses: readonly ContainerStatus[]): number | undefined {
  let finish = prev;
  for (const cs of statuses) {
    const at = timeMs(cs.state?.terminated?.finishedAt);
    if (at === undefined) return undefined;
    if (finish === undefined || finish < at) finish = at;
  }
  return finish;
}

/**
 * getFinishedTime: when every container (and sidecar) terminated, else when Ready turned False,
 * else the deletion time less the grace period, else the creation time.
 */
export function finishedTimeOf(pod: Pod): number {
  const fromContainers = ((): number | undefined => {
    const main = latestFinish(undefined, pod.status?.containerStatuses ?? []);
    const names = sidecarNames(pod);
    const sidecars = (pod.status?.initContainerStatuses ?? []).filter((s) => names.has(s.name));
    return latestFinish(main, sidecars);
  })();
  if (fromContainers !== undefined) return fromContainers;
  const ready = readyCondition(pod);
  const readyAt = timeMs(ready?.lastTransitionTime);
  if (ready?.status === 'False' && readyAt !== undefined) return readyAt;
  const deletedAt = timeMs(pod.metadata?.deletionTimestamp);
  if (deletedAt !== undefined) return deletedAt - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return timeMs(pod.metadata?.creationTimestamp) ?? 0;
}

function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const cs of pod.status?.containerStatuses ?? []) max = Math.max(max, cs.restartCount);
  const names = sidecarNames(pod);
  for (const cs of pod.status?.initContainerStatuses ?? []) if (names.has(cs.name)) max = Math.max(max, cs.restartCount);
  return max;
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** afterOrZero: a missing time sorts first; otherwise the later time does. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

/** controller.ActivePods' Less: true when a should be deleted before b. */
export function activePodLess(a: Pod, b: Pod): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  if (ra && rb) {
    const ta = timeMs(readyCondition(a)?.lastTransitionTime);
    const tb = timeMs(readyCondition(b)?.lastTransitionTime);
    if (ta !== tb) return afterOrZero(ta, tb);
  }
  const ca = maxRestarts(a);
  const cb = maxRestarts(b);
  if (ca !== cb) return ca > cb;
  const ka = timeMs(a.metadata?.creationTimestamp);
  const kb = timeMs(b.metadata?.creationTimestamp);
  if (ka !== kb) return afterOrZero(ka, kb);
  return false;
}

/** A sorted copy in ActivePods order. */
export function sortActivePods(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => (activePodLess(a, b) ? -1 : activePodLess(b, a) ? 1 : 0));
}

/** byCompletionIndex, stably. */
export function sortByCompletionIndex(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b));
}
