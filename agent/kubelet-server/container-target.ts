// Which container instance a logs/exec/attach request is about, decided from the Pod (spec and
// status) exactly as the kubelet's validateContainerLogStatus does. The agent core may use these
// as the server's `resolve`; they are pure so they are tested with tables.
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.d.ts';

export interface ResolveError {
  code: number;
  message: string;
  reason: string;
}

export type ResolveResult = { containerId: string } | { error: ResolveError };

function badRequest(message: string): { error: ResolveError } {
  return { error: { code: 400, reason: 'BadRequest', message } };
}

/** `docker://abc` → `abc` (kubecontainer.ParseContainerID); a bare id is returned as is. */
export function runtimeContainerId(id: string): string {
  const i = id.indexOf('://');
  return i < 0 ? id : id.slice(i + 3);
}

function specHas(pod: Pod, name: string): boolean {
  const spec = pod.spec;
  if (spec === undefined) return false;
  return [...spec.containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].some((c) => c.name === name);
}

function statusOf(pod: Pod, name: string): ContainerStatus | undefined {
  const s = pod.status;
  return [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? []), ...(s?.ephemeralContainerStatuses ?? [])].find((c) => c.name === name);
}

function notFound(pod: Pod, containerName: string): { error: ResolveError } {
  const podName = pod.metadata?.name ?? '';
  return { error: { code: 404, reason: 'NotFound', message: `container "${containerName}" not found in pod "${podName}"` } };
}

/** The container whose logs to read (current, or with previous the last terminated instance). */
export function resolveLogContainer(pod: Pod, containerName: string, previous: boolean): ResolveResult {
  const podName = pod.metadata?.name ?? '';
  if (!specHas(pod, containerName)) return notFound(pod, containerName);
  const cs = statusOf(pod, containerName);
  if (cs === undefined) return badRequest(`container "${containerName}" in pod "${podName}" is not available`);
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  let id: string | undefined;
  if (previous) {
    if (last?.containerID === undefined || last.containerID === '') {
      return badRequest(`previous terminated container "${containerName}" in pod "${podName}" not found`);
    }
    id = last.containerID;
  } else if (running !== undefined) {
    id = cs.containerID;
  } else if (terminated !== undefined) {
    id = terminated.containerID !== undefined && terminated.containerID !== '' ? terminated.containerID : last?.containerID;
    if (id === undefined || id === '') return badRequest(`container "${containerName}" in pod "${podName}" is terminated`);
  } else if (last !== undefined) {
    if (last.containerID === undefined || last.containerID === '') return badRequest(`container "${containerName}" in pod "${podName}" is terminated`);
    id = last.containerID;
  } else if (waiting !== undefined) {
    const reason = waiting.reason ?? '';
    const why = reason === 'ErrImagePull' ? 'image can\'t be pulled'
      : reason === 'ImagePullBackOff' ? 'trying and failing to pull image'
        : reason;
    return badRequest(`container "${containerName}" in pod "${podName}" is waiting to start: ${why}`);
  } else {
    return badRequest(`container "${containerName}" in pod "${podName}" is waiting to start - no logs yet`);
  }
  if (id === undefined || id === '') return badRequest(`container "${containerName}" in pod "${podName}" is waiting to start - no logs yet`);
  return { containerId: runtimeContainerId(id) };
}

/** The running container an exec or attach goes to. */
export function resolveStreamContainer(pod: Pod, containerName: string): ResolveResult {
  const podName = pod.metadata?.name ?? '';
  if (!specHas(pod, containerName)) return notFound(pod, containerName);
  const cs = statusOf(pod, containerName);
  if (cs?.state?.running === undefined || cs.containerID === undefined || cs.containerID === '') {
    return badRequest(`container "${containerName}" in pod "${podName}" is not running`);
  }
  return { containerId: runtimeContainerId(cs.containerID) };
}
