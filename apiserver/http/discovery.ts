// Discovery documents: legacy (/api, /apis, /api/v1, /apis/g/v) and the aggregated
// apidiscovery.k8s.io/v2 form kubectl 1.32 asks for first, of the resources served now (the
// registry's: built-in kinds, then those of the established CustomResourceDefinitions). A group's
// versions go in kube-aware order (v2 > v1 > v1beta2 > v1beta1 > v1alpha1), the first preferred.
import { servedGroups } from '../kinds/index.ts';
import { groupVersion, type ResourceInfo } from '../resources.ts';

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

/** The served resources discovery describes. */
export type Served = readonly ResourceInfo[];

function parseKubeVersion(v: string): { major: number; type: number; minor: number } | undefined {
  const m = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/.exec(v);
  if (m === null) return undefined;
  return { major: Number(m[1]), type: m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, minor: m[3] === undefined ? 0 : Number(m[3]) };
}

/** version.CompareKubeAwareVersionStrings: > 0 when a has the higher priority. */
export function compareKubeAwareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const x = parseKubeVersion(a);
  const y = parseKubeVersion(b);
  if (x === undefined && y === undefined) return a < b ? 1 : -1;
  if (x === undefined) return -1;
  if (y === undefined) return 1;
  if (x.type !== y.type) return x.type - y.type;
  if (x.major !== y.major) return x.major - y.major;
  return x.minor - y.minor;
}

export function versionsOf(group: string, served: Served): string[] {
  return [...new Set(served.filter((r) => r.group === group).map((r) => r.version))].sort((a, b) => compareKubeAwareVersions(b, a));
}

function resourcesOf(group: string, version: string, served: Served): ResourceInfo[] {
  return served.filter((r) => r.group === group && r.version === version);
}

export function apiVersions(serverAddress: string, served: Served): unknown {
  return {
    kind: 'APIVersions',
    versions: versionsOf('', served),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, served: Served): unknown {
  const versions = versionsOf(group, served).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(served: Served): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups(served).filter((g) => g !== '').map((g) => apiGroup(g, served)) };
}

export function apiGroupDocument(group: string, served: Served): unknown {
  return { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(group, served) as object) };
}

export function apiResourceList(group: string, version: string, served: Served): unknown {
  const resources: unknown[] = [];
  for (const r of resourcesOf(group, version, served)) {
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

function discoveryGroup(group: string, served: Served): unknown {
  return {
    metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: versionsOf(group, served).map((v) => ({
      version: v,
      resources: resourcesOf(group, v, served).map(discoveryResource),
      freshness: 'Current',
    })),
  };
}

/** The aggregated discovery document of /api (core = true) or /apis. */
export function aggregatedDiscovery(core: boolean, apiVersion: 'v2' | 'v2beta1', served: Served): unknown {
  const groups = core ? [''] : servedGroups(served).filter((g) => g !== '');
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((g) => discoveryGroup(g, served)),
  };
}
