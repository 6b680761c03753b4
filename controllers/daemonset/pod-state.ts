// What the DaemonSet controller alone reads off its pods (readiness, availability and terminal
// phases are framework/pod-state.ts): the oldest-first order it keeps duplicates by
// (podByCreationTimestampAndPhase) and whether a pod is of the current template (util.IsPodUpdated).
import type { DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { timeMs } from '../framework/meta-time.ts';
import { REVISION_HASH_LABEL, TEMPLATE_GENERATION_ANNOTATION, TEMPLATE_GENERATION_LABEL } from './constants.ts';

function createdAt(pod: Pod): number {
  return timeMs(pod.metadata?.creationTimestamp) ?? 0;
}

/** podByCreationTimestampAndPhase: bound pods first, then oldest first, then by name. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const aBound = (a.spec?.nodeName ?? '') !== '';
  const bBound = (b.spec?.nodeName ?? '') !== '';
  if (aBound !== bBound) return aBound ? -1 : 1;
  const d = createdAt(a) - createdAt(b);
  if (d !== 0) return d;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/**
 * GetTemplateGeneration: the deprecated template-generation annotation as a decimal string, or
 * undefined when absent or not an integer (the controller then relies on the hash alone).
 */
export function templateGeneration(ds: DaemonSet): string | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = BigInt(v);
  // ParseInt's int64 range.
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n.toString();
}

/** IsPodUpdated: the pod carries the current revision hash or the current template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation;
  const hashMatches = hash !== '' && labels[REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}
