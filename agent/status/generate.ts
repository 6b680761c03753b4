// generateAPIPodStatus, pure: everything the kubelet reports in pod.status, from the spec, the
// observed runtime state, probe results, the last start errors and the previous status.
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import type { ContainerStatus as RuntimeContainerStatus, SandboxStatus } from '../../runtime/types.ts';
import type { ProbeResultsView } from '../planner.ts';
import { sandboxChanged } from '../planner.ts';
import { rfc3339 } from '../pod-util.ts';
import { generateConditions } from './conditions.ts';
import type { StartError } from './container-statuses.ts';
import { generateContainerStatuses } from './container-statuses.ts';
import type { PodPhase } from './phase.ts';
import { getPhase, isTerminalPhase } from './phase.ts';

export const DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const DEADLINE_EXCEEDED_MESSAGE = 'Pod was active on the node longer than the specified deadline';

export interface StatusInput {
  pod: Pod;
  sandboxes: readonly SandboxStatus[];
  containers: readonly RuntimeContainerStatus[];
  /** The status last generated for this pod (the status manager's cache), if any. */
  oldStatus?: PodStatus | undefined;
  startErrors: ReadonlyMap<string, StartError>;
  probes: ProbeResultsView;
  terminationMessages?: ReadonlyMap<string, string>;
  now: number;
  /** Node addresses: hostIP(s), and podIP(s) of hostNetwork pods. */
  nodeIPs: readonly string[];
  qosClass?: string;
  /** The pod is being or has been torn down (deleted, deadline, work done): containers won't restart. */
  podIsTerminal: boolean;
  /** Forces a terminal phase with a reason (activeDeadlineSeconds, admission rejection, eviction). */
  terminal?: { phase: 'Failed' | 'Succeeded'; reason?: string; message?: string } | undefined;
}

export function generatePodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input;
  const old = input.oldStatus ?? pod.status;
  const { initContainerStatuses, containerStatuses } = generateContainerStatuses({
    pod,
    containers: input.containers,
    oldInitStatuses: old?.initContainerStatuses,
    oldStatuses: old?.containerStatuses,
    startErrors: input.startErrors,
    probes: input.probes,
    terminationMessages: input.terminationMessages ?? new Map(),
  });

  let phase: PodPhase = getPhase(pod, initContainerStatuses, containerStatuses, input.podIsTerminal);
  let reason: string | undefined;
  let message: string | undefined;
  if (input.terminal !== undefined) {
    phase = input.terminal.phase;
    reason = input.terminal.reason;
    message = input.terminal.message;
  }
  // a terminal phase already reported is kept: pods never leave Succeeded/Failed
  if (old !== undefined && isTerminalPhase(old.phase) && !isTerminalPhase(input.terminal?.phase)) {
    phase = old.phase;
    reason = old.reason;
    message = old.message;
  } else if (old !== undefined && old.phase === phase && reason === undefined) {
    reason = old.reason;
    message = old.message;
  }

  const sb = sandboxChanged(pod, input.sandboxes);
  const latestSandbox = [...input.sandboxes].sort((a, b) => b.createdAt - a.createdAt)[0];
  const hostNetwork = pod.spec?.hostNetwork === true;
  // a stopped sandbox has no address any more: keep reporting the pod's last IPs
  const sandboxIPs = latestSandbox?.ips ?? [];
  const podIPs: string[] = hostNetwork ? [...input.nodeIPs] : (sandboxIPs.length > 0 ? [...sandboxIPs] : (old?.podIPs ?? []).flatMap((p) => (p.ip === undefined ? [] : [p.ip])));

  const status: PodStatus = {
    phase,
    conditions: generateConditions({
      pod, initStatuses: initContainerStatuses, statuses: containerStatuses, phase,
      sandboxReady: !sb.create, oldConditions: old?.conditions, now,
    }),
    ...(reason === undefined ? {} : { reason }),
    ...(message === undefined ? {} : { message }),
    ...(input.nodeIPs[0] === undefined ? {} : { hostIP: input.nodeIPs[0], hostIPs: input.nodeIPs.map((ip) => ({ ip })) }),
    ...(podIPs[0] === undefined ? {} : { podIP: podIPs[0], podIPs: podIPs.map((ip) => ({ ip })) }),
    startTime: old?.startTime ?? rfc3339(now),
    ...(initContainerStatuses.length > 0 ? { initContainerStatuses } : {}),
    containerStatuses,
    ...(input.qosClass === undefined ? {} : { qosClass: input.qosClass }),
  };
  return status;
}

/** activeDeadlineSeconds measured from status.startTime. */
export function deadlineExceeded(pod: Pod, startTime: string | undefined, now: number): boolean {
  const ads = pod.spec?.activeDeadlineSeconds;
  if (ads === undefined || startTime === undefined) return false;
  const start = Date.parse(startTime);
  return !Number.isNaN(start) && now - start >= ads * 1000;
}
