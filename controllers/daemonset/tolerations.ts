// Taints and tolerations as the DaemonSet controller evaluates them (core/v1 Toleration.ToleratesTaint,
// v1helper.FindMatchingUntoleratedTaint, AddOrUpdateTolerationInPodSpec) and the tolerations it adds
// to every daemon pod (util.AddOrUpdateDaemonPodTolerations): a daemon must survive node problems
// that would evict or keep out ordinary pods.
import type { PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.d.ts';
import {
  TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE,
} from './constants.ts';

/** Toleration.ToleratesTaint: an empty effect or key tolerates any; Exists ignores the value. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  const effect = t.effect ?? '';
  if (effect !== '' && effect !== taint.effect) return false;
  const key = t.key ?? '';
  if (key !== '' && key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/** FindMatchingUntoleratedTaint: the first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[], tolerations: readonly Toleration[], filter: (t: Taint) => boolean,
): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/** Toleration.MatchToleration: same key, operator, value and effect (tolerationSeconds aside). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '')
    && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

function identical(a: Toleration, b: Toleration): boolean {
  return sameToleration(a, b) && a.tolerationSeconds === b.tolerationSeconds;
}

/**
 * AddOrUpdateTolerationInPodSpec: a toleration matching `toleration` is replaced in place (so a
 * user's not-ready toleration with tolerationSeconds becomes an unbounded one); otherwise it is
 * appended. Returns the new list (the input is not changed).
 */
export function addOrUpdateToleration(tolerations: readonly Toleration[], toleration: Toleration): Toleration[] {
  if (tolerations.some((t) => identical(t, toleration))) return [...tolerations];
  const out = tolerations.map((t) => (sameToleration(t, toleration) ? { ...toleration } : t));
  if (!tolerations.some((t) => sameToleration(t, toleration))) out.push({ ...toleration });
  return out;
}

function exists(key: string, effect: 'NoExecute' | 'NoSchedule'): Toleration {
  return { key, operator: 'Exists', effect };
}

/**
 * util.AddOrUpdateDaemonPodTolerations on a copy of spec's tolerations: not-ready and unreachable
 * NoExecute without tolerationSeconds (node problems must not evict daemons), the
 * TaintNodesByCondition NoSchedule taints, and network-unavailable for host-network pods.
 */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  let out = [...(spec.tolerations ?? [])];
  out = addOrUpdateToleration(out, exists(TAINT_NOT_READY, 'NoExecute'));
  out = addOrUpdateToleration(out, exists(TAINT_UNREACHABLE, 'NoExecute'));
  out = addOrUpdateToleration(out, exists(TAINT_DISK_PRESSURE, 'NoSchedule'));
  out = addOrUpdateToleration(out, exists(TAINT_MEMORY_PRESSURE, 'NoSchedule'));
  out = addOrUpdateToleration(out, exists(TAINT_PID_PRESSURE, 'NoSchedule'));
  out = addOrUpdateToleration(out, exists(TAINT_UNSCHEDULABLE, 'NoSchedule'));
  if (spec.hostNetwork === true) out = addOrUpdateToleration(out, exists(TAINT_NETWORK_UNAVAILABLE, 'NoSchedule'));
  return out;
}
