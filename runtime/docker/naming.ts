// Docker names for pods' containers (cri-dockerd's scheme): k8s_<container|POD>_<pod>_<ns>_<uid>_<attempt>
// makes creation idempotent — the engine refuses a second container with the same name — and a
// random 8-hex suffix is added only to get past a stale name that cannot be removed.
import { randomBytes } from 'node:crypto';

export interface ParsedName {
  container: string;
  pod: { name: string; namespace: string; uid: string };
  attempt: number;
}

/** Parses a k8s_… name (with or without Docker's leading '/'); undefined if it is not one. */
export function parseContainerName(name: string): ParsedName | undefined {
  const parts = name.replace(/^\//, '').split('_');
  if (parts.length !== 6 && parts.length !== 7) return undefined;
  const [prefix, container, podName, namespace, uid, attempt] = parts;
  if (prefix !== 'k8s' || container === undefined || podName === undefined || namespace === undefined || uid === undefined || attempt === undefined) {
    return undefined;
  }
  if (!/^\d+$/.test(attempt)) return undefined;
  return { container, pod: { name: podName, namespace, uid }, attempt: Number(attempt) };
}

export function randomizeName(name: string): string {
  return `${name}_${randomBytes(4).toString('hex')}`;
}

/** Id of the container holding a name, from the engine's 409 message, if it is a name conflict. */
export function conflictingContainerId(message: string): string | undefined {
  return /is already in use by container "?([0-9a-f]{12,64})"?/.exec(message)?.[1];
}
