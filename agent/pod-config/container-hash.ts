// The spec hash stored on each container (annotation io.kubernetes.container.hash). Like the
// kubelet since 1.31 (HashContainer/pickFieldsToHash) it covers only the fields a pod update may
// change in place and that need a restart: name and image. Defaulting or API-version changes of
// other fields therefore never restart containers. ANN_HASH_SCHEME records the scheme, so a
// future scheme can tell "old scheme" apart from "spec changed" and never restart on its own.
import type { Container } from 'kubernetes-types/core/v1.d.ts';

export const CONTAINER_HASH_SCHEME = '1';

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Hex FNV-32a of the canonical JSON {"image":…,"name":…}. */
export function hashContainer(container: Pick<Container, 'name' | 'image'>): string {
  return fnv32a(JSON.stringify({ image: container.image ?? '', name: container.name })).toString(16);
}

/**
 * Whether a running container (by its annotations) no longer matches the spec. A hash written
 * under another scheme cannot be compared and is treated as matching.
 */
export function containerChanged(container: Pick<Container, 'name' | 'image'>, hash: string | undefined, scheme: string | undefined): boolean {
  if (hash === undefined || (scheme ?? '') !== CONTAINER_HASH_SCHEME) return false;
  return hash !== hashContainer(container);
}
