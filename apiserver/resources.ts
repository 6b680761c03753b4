// The built-in kinds (declared in apiserver/kinds/) and the names and storage keys of any served
// resource. What is served now — the built-in kinds plus those of the established
// CustomResourceDefinitions — is the registry's (Registry.resources(), Registry.find()).

import { KINDS } from './kinds/index.ts';
import type { KindDefinition } from './kinds/kind.ts';

export type { SubresourceInfo } from './kinds/kind.ts';

/** A served resource: its kind's definition (apiserver/kinds/, or built from a CRD). */
export type ResourceInfo = KindDefinition;

/** The built-in kinds, in discovery order. */
export const RESOURCES: readonly ResourceInfo[] = KINDS;

export function groupVersion(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The name kube uses in messages: "pods", "leases.coordination.k8s.io". */
export function qualifiedResource(r: Pick<ResourceInfo, 'group' | 'resource'>): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}

/**
 * Where objects live in storage. events.k8s.io/v1 and core/v1 Events share one key space, as in
 * kube (both are views of the same objects).
 */
export function storagePrefix(r: Pick<ResourceInfo, 'group' | 'resource'>): string {
  const group = r.group === 'events.k8s.io' ? '' : r.group;
  return group === '' ? `/registry/${r.resource}/` : `/registry/${group}/${r.resource}/`;
}

export function storageKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${storagePrefix(r)}${namespace ?? ''}/${name}` : `${storagePrefix(r)}${name}`;
}
