// Pod conditions as pkg/kubelet/status/generate.go computes them, pure. lastTransitionTime is
// carried over from the previous status unless the condition's status flipped.
import type { ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.d.ts';
import { containersOf, initContainersOf, isRestartableInit, rfc3339 } from '../pod-util.ts';
import type { PodPhase } from './phase.ts';
import { hasAnyRegularContainerStarted } from './phase.ts';

export const UNKNOWN_CONTAINER_STATUSES = 'UnknownContainerStatuses';
export const POD_COMPLETED = 'PodCompleted';
export const POD_FAILED = 'PodFailed';
export const CONTAINERS_NOT_READY = 'ContainersNotReady';
export const CONTAINERS_NOT_INITIALIZED = 'ContainersNotInitialized';
export const READINESS_GATES_NOT_READY = 'ReadinessGatesNotReady';

/** Condition types the kubelet owns; everything else (readiness gates, DisruptionTarget…) is kept. */
export const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

type Cond = Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>;

/** Go's fmt %s of a []string: [a b c]. */
export function goList(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

function find(statuses: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

export function containersReadyCondition(pod: Pod, statuses: readonly ContainerStatus[] | undefined, phase: PodPhase): Cond {
  if (statuses === undefined) return { type: 'ContainersReady', status: 'False', reason: UNKNOWN_CONTAINER_STATUSES };
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (name: string): void => {
    const s = find(statuses, name);
    if (s === undefined) unknown.push(name);
    else if (!s.ready) unready.push(name);
  };
  for (const c of initContainersOf(pod)) if (isRestartableInit(c)) check(c.name);
  for (const c of containersOf(pod)) check(c.name);
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: POD_COMPLETED };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: POD_FAILED };
  const msgs: string[] = [];
  if (unknown.length > 0) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) msgs.push(`containers with unready status: ${goList(unready)}`);
  if (msgs.length > 0) return { type: 'ContainersReady', status: 'False', reason: CONTAINERS_NOT_READY, message: msgs.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

export function readyCondition(pod: Pod, conditions: readonly PodCondition[], statuses: readonly ContainerStatus[] | undefined, phase: PodPhase): Cond {
  const cr = containersReadyCondition(pod, statuses, phase);
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const msgs: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (c === undefined) msgs.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (msgs.length > 0) return { type: 'Ready', status: 'False', reason: READINESS_GATES_NOT_READY, message: msgs.join(', ') };
  return { type: 'Ready', status: 'True' };
}

export function initializedCondition(pod: Pod, statuses: readonly ContainerStatus[] | undefined, phase: PodPhase): Cond {
  const inits = initContainersOf(pod);
  if (statuses === undefined && inits.length > 0) return { type: 'Initialized', status: 'False', reason: UNKNOWN_CONTAINER_STATUSES };
  const all = statuses ?? [];
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = find(all, c.name);
    if (s === undefined) { unknown.push(c.name); continue; }
    if (isRestartableInit(c)) { if (s.started !== true) incomplete.push(c.name); }
    else if (!s.ready) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: POD_COMPLETED };
  if (hasAnyRegularContainerStarted(pod, all)) return { type: 'Initialized', status: 'True' };
  const msgs: string[] = [];
  if (unknown.length > 0) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length > 0) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (msgs.length > 0) return { type: 'Initialized', status: 'False', reason: CONTAINERS_NOT_INITIALIZED, message: msgs.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** Sets lastTransitionTime: kept from `old` when the status did not flip, else now. */
export function withTransitionTime(c: Cond, old: readonly PodCondition[] | undefined, now: number): PodCondition {
  const prev = old?.find((x) => x.type === c.type);
  const lastTransitionTime = prev !== undefined && prev.status === c.status && prev.lastTransitionTime !== undefined ? prev.lastTransitionTime : rfc3339(now);
  const out: PodCondition = { type: c.type, status: c.status, lastTransitionTime };
  if (c.reason !== undefined) out.reason = c.reason;
  if (c.message !== undefined) out.message = c.message;
  return out;
}

export interface ConditionsInput {
  pod: Pod;
  initStatuses: readonly ContainerStatus[];
  statuses: readonly ContainerStatus[];
  phase: PodPhase;
  /** Sandbox exists, is ready and does not need re-creation. */
  sandboxReady: boolean;
  oldConditions: readonly PodCondition[] | undefined;
  now: number;
}

/** Foreign conditions first (kept as-is), then PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled. */
export function generateConditions(input: ConditionsInput): PodCondition[] {
  const { pod, phase, now } = input;
  const old = input.oldConditions ?? pod.status?.conditions;
  // conditions the kubelet does not own (readiness gates, DisruptionTarget…) belong to whoever set
  // them on the pod object (the API); without one, keep what was reported before
  const foreign = (pod.status?.conditions ?? old ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const all = [...input.initStatuses, ...input.statuses];
  const conds: Cond[] = [
    { type: 'PodReadyToStartContainers', status: input.sandboxReady ? 'True' : 'False' },
    initializedCondition(pod, all, phase),
    readyCondition(pod, foreign, all, phase),
    containersReadyCondition(pod, all, phase),
    { type: 'PodScheduled', status: 'True' },
  ];
  return [...foreign, ...conds.map((c) => withTransitionTime(c, old, now))];
}
