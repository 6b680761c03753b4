// Lookups over the served kinds (declared in apiserver/kinds/): by group/version/resource, by
// apiVersion/kind, and the names and storage keys derived from them.

import { KINDS, servedGroups } from './kinds/index.ts';
import type { KindDefinition } from './kinds/kind.ts';

export type { SubresourceInfo } from './kinds/kind.ts';

/** A served resource: its kind's definition (apiserver/kinds/). */
export type ResourceInfo = KindDefinition;

export const RESOURCES: readonly ResourceInfo[] = KINDS;

/** API groups in the order discovery lists them (core first, as ""). */
export const GROUPS: readonly string[] = servedGroups(KINDS);

export function groupVersion(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

export function resourcesOf(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
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
