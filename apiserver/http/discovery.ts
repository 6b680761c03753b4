// Discovery documents: legacy (/api, /apis, /api/v1, /apis/g/v) and the aggregated
// apidiscovery.k8s.io/v2 form kubectl 1.32 asks for first.
import { GROUPS, groupVersion, resourcesOf, RESOURCES, type ResourceInfo } from '../resources.ts';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '4cb5f07',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:03:15Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`,
} as const;

export function versionsOf(group: string): string[] {
  return [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))];
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: versionsOf(''),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string): unknown {
  const versions = versionsOf(group).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.filter((g) => g !== '').map(apiGroup) };
}

export function apiGroupDocument(group: string): unknown {
  return { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(group) as object) };
}

export function apiResourceList(group: string, version: string): unknown {
  const resources: unknown[] = [];
  for (const r of resourcesOf(group, version)) {
    const entry: Record<string, unknown> = {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length > 0) entry['shortNames'] = r.shortNames;
    if (r.categories.length > 0) entry['categories'] = r.categories;
    resources.push(entry);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced };
      // a subresource of another group's kind (deployments/scale → autoscaling/v1 Scale) names it
      if (s.group !== undefined) sub['group'] = s.group;
      if (s.version !== undefined) sub['version'] = s.version;
      resources.push({ ...sub, kind: s.kind, verbs: s.verbs });
    }
  }
  const doc: Record<string, unknown> = { kind: 'APIResourceList', groupVersion: groupVersion({ group, version }), resources };
  if (group !== '') doc['apiVersion'] = 'v1';
  return doc;
}

function discoveryResource(r: ResourceInfo): unknown {
  const responseKind = { group: r.group, version: r.version, kind: r.kind };
  const entry: Record<string, unknown> = {
    resource: r.resource,
    responseKind,
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length > 0) entry['shortNames'] = r.shortNames;
  if (r.categories.length > 0) entry['categories'] = r.categories;
  if (r.subresources.length > 0) {
    entry['subresources'] = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return entry;
}

function discoveryGroup(group: string): unknown {
  return {
    metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: versionsOf(group).map((v) => ({
      version: v,
      resources: resourcesOf(group, v).map(discoveryResource),
      freshness: 'Current',
    })),
  };
}

/** The aggregated discovery document of /api (core = true) or /apis. */
export function aggregatedDiscovery(core: boolean, apiVersion: 'v2' | 'v2beta1'): unknown {
  const groups = core ? [''] : GROUPS.filter((g) => g !== '');
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map(discoveryGroup),
  };
}
