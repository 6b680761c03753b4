// The status counters (updateDaemonSetStatus) and whether they need writing (storeDaemonSetStatus).
// Per node that should run the daemon, its oldest pod decides ready / available / updated; a node
// that has pods but should not run the daemon is misscheduled. `kubectl rollout status
// daemonset/x` waits on observedGeneration, updatedNumberScheduled and numberAvailable.
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { isPodAvailable, isPodReady } from '../framework/pod-state.ts';
import { compareDaemonPods, isPodUpdated, templateGeneration } from './pod-state.ts';
import { nodeShouldRunDaemonPod } from './should-run.ts';

export interface StatusCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

export function countStatus(ds: DaemonSet, nodes: readonly Node[], byNode: ReadonlyMap<string, Pod[]>, hash: string, now: number): StatusCounts {
  const c: StatusCounts = {
    desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0,
    updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0,
  };
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const generation = templateGeneration(ds);
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(node.metadata?.name ?? '') ?? [];
    if (!shouldRun) {
      if (pods.length > 0) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    const pod = [...pods].sort(compareDaemonPods)[0];
    if (pod === undefined) continue;
    c.currentNumberScheduled++;
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, minReady, now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, generation)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/**
 * The status to write, or undefined when the counters are unchanged and the generation was
 * already observed. observedGeneration is raised only by a sync that acted on this generation.
 */
export function nextStatus(ds: DaemonSet, counts: StatusCounts, updateObservedGeneration: boolean): DaemonSetStatus | undefined {
  const cur = ds.status;
  const generation = ds.metadata?.generation ?? 0;
  const same = (cur?.desiredNumberScheduled ?? 0) === counts.desiredNumberScheduled
    && (cur?.currentNumberScheduled ?? 0) === counts.currentNumberScheduled
    && (cur?.numberMisscheduled ?? 0) === counts.numberMisscheduled
    && (cur?.numberReady ?? 0) === counts.numberReady
    && (cur?.updatedNumberScheduled ?? 0) === counts.updatedNumberScheduled
    && (cur?.numberAvailable ?? 0) === counts.numberAvailable
    && (cur?.numberUnavailable ?? 0) === counts.numberUnavailable
    && (cur?.observedGeneration ?? 0) >= generation;
  if (same) return undefined;
  return withCounts(cur, counts, updateObservedGeneration ? generation : cur?.observedGeneration);
}

/**
 * status with the counters (and observedGeneration) replaced, other fields (collisionCount,
 * conditions) kept. Zero omitempty counters are left out, as the Go types serialize them.
 */
export function withCounts(status: DaemonSetStatus | undefined, counts: StatusCounts, observedGeneration: number | undefined): DaemonSetStatus {
  const {
    updatedNumberScheduled: _u, numberAvailable: _a, numberUnavailable: _n, observedGeneration: _o, ...rest
  } = status ?? { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
  const ifSet = <K extends string>(k: K, v: number): Partial<Record<K, number>> => (v === 0 ? {} : { [k]: v } as Record<K, number>);
  return {
    ...rest,
    desiredNumberScheduled: counts.desiredNumberScheduled,
    currentNumberScheduled: counts.currentNumberScheduled,
    numberMisscheduled: counts.numberMisscheduled,
    numberReady: counts.numberReady,
    ...ifSet('updatedNumberScheduled', counts.updatedNumberScheduled),
    ...ifSet('numberAvailable', counts.numberAvailable),
    ...ifSet('numberUnavailable', counts.numberUnavailable),
    ...ifSet('observedGeneration', observedGeneration ?? 0),
  };
}
