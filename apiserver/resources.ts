// The kinds this API server serves: one entry per resource with what discovery, routing, storage
// keys and error messages need (group/version/resource/kind, scope, verbs, short names,
// categories, subresources).

export interface SubresourceInfo {
  name: string;
  kind: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural resource name, as in URLs. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: SubresourceInfo[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function res(
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<Pick<ResourceInfo, 'verbs' | 'shortNames' | 'categories' | 'subresources' | 'singular'>> = {},
): ResourceInfo {
  return {
    group,
    version: 'v1',
    resource,
    singular: extra.singular ?? kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    verbs: extra.verbs ?? ALL_VERBS,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    subresources: extra.subresources ?? [],
  };
}

const statusOf = (kind: string): SubresourceInfo => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });

export const RESOURCES: readonly ResourceInfo[] = [
  res('', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      statusOf('Pod'),
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  }),
  res('', 'nodes', 'Node', false, { shortNames: ['no'], subresources: [statusOf('Node')] }),
  res('', 'namespaces', 'Namespace', false, {
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [statusOf('Namespace'), { name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  }),
  res('', 'events', 'Event', true, { shortNames: ['ev'] }),
  res('', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  res('', 'secrets', 'Secret', true),
  res('', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  res('events.k8s.io', 'events', 'Event', true, { shortNames: ['ev'] }),
  res('coordination.k8s.io', 'leases', 'Lease', true),
];

/** API groups in the order discovery lists them (core first, as ""). */
export const GROUPS: readonly string[] = ['', 'events.k8s.io', 'coordination.k8s.io'];

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
