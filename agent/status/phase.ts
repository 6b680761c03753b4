// The kubelet's getPhase (pkg/kubelet/kubelet_pods.go), pure: the pod phase from the spec and the
// container statuses just generated. Sidecars (restartable init containers) never decide
// Succeeded/Failed; terminal pods get a terminal phase.
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.d.ts';
import { containersOf, initContainersOf, isRestartableInit, restartPolicyOf } from '../pod-util.ts';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

function find(statuses: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** HasAnyRegularContainerStarted: a regular container is running or terminated. */
export function hasAnyRegularContainerStarted(pod: Pod, statuses: readonly ContainerStatus[]): boolean {
  const names = new Set(containersOf(pod).map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined));
}

export function getPhase(pod: Pod, initStatuses: readonly ContainerStatus[], statuses: readonly ContainerStatus[], podIsTerminal: boolean): PodPhase {
  const policy = restartPolicyOf(pod);
  let pendingRegularInit = 0;
  let pendingRestartableInit = 0;
  let failedInitialization = 0;
  for (const c of initContainersOf(pod)) {
    if (isRestartableInit(c)) continue;
    const s = find(initStatuses, c.name);
    if (s === undefined) { pendingRegularInit++; continue; }
    if (s.state?.running !== undefined) pendingRegularInit++;
    else if (s.state?.terminated !== undefined) { if (s.state.terminated.exitCode !== 0) failedInitialization++; }
    else if (s.state?.waiting !== undefined) {
      const last = s.lastState?.terminated;
      if (last !== undefined) { if (last.exitCode !== 0) failedInitialization++; }
      else pendingRegularInit++;
    } else pendingRegularInit++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of initContainersOf(pod)) {
    if (!isRestartableInit(c)) continue;
    const s = find(initStatuses, c.name);
    if (s === undefined) { unknown++; continue; }
    if (s.state?.running !== undefined) {
      if (s.started !== true) pendingRestartableInit++;
      running++;
    } else if (s.state?.terminated !== undefined) {
      // terminated sidecars do not count
    } else if (s.state?.waiting !== undefined) {
      if (s.lastState?.terminated === undefined) { pendingRestartableInit++; waiting++; }
    } else { pendingRestartableInit++; unknown++; }
  }
  for (const c of containersOf(pod)) {
    const s = find(statuses, c.name);
    if (s === undefined) { unknown++; continue; }
    if (s.state?.running !== undefined) running++;
    else if (s.state?.terminated !== undefined) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting !== undefined) {
      if (s.lastState?.terminated !== undefined) stopped++;
      else waiting++;
    } else unknown++;
  }

  if (failedInitialization > 0 && policy === 'Never') return 'Failed';
  const podHasInitialized = hasAnyRegularContainerStarted(pod, statuses);
  if ((pendingRegularInit > 0 || pendingRestartableInit > 0) && !podHasInitialized) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    // Unlike the kubelet (TODO #116484 there), static pods get a terminal phase too.
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function isTerminalPhase(phase: string | undefined): phase is 'Succeeded' | 'Failed' {
  return phase === 'Succeeded' || phase === 'Failed';
}
