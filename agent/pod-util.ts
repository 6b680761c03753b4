// Small pure helpers over the Pod spec that several agent modules share (kubelet podutil/format).
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { ContainerStatus as RuntimeContainerStatus, PodRef } from '../runtime/types.ts';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type ContainerKind = 'init' | 'sidecar' | 'regular';

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
export const MIN_GRACE_SECONDS = 2;

export function restartPolicyOf(pod: Pod): RestartPolicy {
  const p = pod.spec?.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** An init container with restartPolicy Always (KEP-753 sidecar). */
export function isRestartableInit(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

export function initContainersOf(pod: Pod): Container[] {
  return pod.spec?.initContainers ?? [];
}

export function containersOf(pod: Pod): Container[] {
  return pod.spec?.containers ?? [];
}

export function podRefOf(pod: Pod): PodRef {
  return { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' };
}

/** The kubelet's format.Pod: name_namespace(uid). */
export function formatPod(pod: Pod | PodRef): string {
  const ref = 'metadata' in pod || 'spec' in pod ? podRefOf(pod) : pod as PodRef;
  return `${ref.name}_${ref.namespace}(${ref.uid})`;
}

/** Finds a container in the spec and what kind it is. */
export function findContainer(pod: Pod, name: string): { container: Container; kind: ContainerKind; index: number } | undefined {
  const inits = initContainersOf(pod);
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    if (c?.name === name) return { container: c, kind: isRestartableInit(c) ? 'sidecar' : 'init', index: i };
  }
  const regs = containersOf(pod);
  for (let i = 0; i < regs.length; i++) {
    const c = regs[i];
    if (c?.name === name) return { container: c, kind: 'regular', index: i };
  }
  return undefined;
}

/** Container instances newest first (creation time, then attempt), like the kubelet's PodStatus. */
export function sortNewestFirst(cs: readonly RuntimeContainerStatus[]): RuntimeContainerStatus[] {
  return [...cs].sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
}

/** Latest instance of each container name. */
export function latestByName(cs: readonly RuntimeContainerStatus[]): Map<string, RuntimeContainerStatus> {
  const m = new Map<string, RuntimeContainerStatus>();
  for (const c of sortNewestFirst(cs)) if (!m.has(c.name)) m.set(c.name, c);
  return m;
}

/** All instances of one name, newest first. */
export function instancesOf(cs: readonly RuntimeContainerStatus[], name: string): RuntimeContainerStatus[] {
  return sortNewestFirst(cs.filter((c) => c.name === name));
}

export function isStaticPod(pod: Pod): boolean {
  const src = pod.metadata?.annotations?.['kubernetes.io/config.source'];
  return src !== undefined && src !== 'api';
}

export function parseTime(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
