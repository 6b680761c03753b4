// Which resources the collector watches (its "monitors"), and the REST mapping from an
// ownerReference's apiVersion+kind to the resource a GET or DELETE goes to. The built-in kinds are
// known statically; any other kind (a custom resource named as an owner) is looked up once in the
// server's discovery document for its group/version, as upstream's RESTMapper does.
import { isClientNotFound, type ApiClient, type ResourceType } from '../../kube/client/client.ts';
import {
  CONFIGMAPS, CONTROLLERREVISIONS, CRONJOBS, DAEMONSETS, DEPLOYMENTS, JOBS, LEASES, NAMESPACES, NODES, PERSISTENTVOLUMECLAIMS,
  PODDISRUPTIONBUDGETS, PODS, REPLICASETS, SECRETS, SERVICEACCOUNTS, SERVICES, STATEFULSETS, apiVersionOf,
} from '../../kube/client/resources.ts';
import { NodeletError } from '../../lib/errors.ts';

export const ENDPOINTS: ResourceType = { group: '', version: 'v1', resource: 'endpoints', namespaced: true };
export const PERSISTENTVOLUMES: ResourceType = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false };
export const ENDPOINTSLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespaced: true };

export interface MonitoredResource {
  resource: ResourceType;
  kind: string;
}

/**
 * The resources whose objects enter the graph: the kinds the controllers make and users use, plus
 * the built-in owner/dependent pairs of the cluster itself (node → lease and mirror pod,
 * service → endpointslice). Events are never monitored, as upstream.
 */
export const MONITORED_RESOURCES: readonly MonitoredResource[] = [
  { resource: PODS, kind: 'Pod' },
  { resource: REPLICASETS, kind: 'ReplicaSet' },
  { resource: DEPLOYMENTS, kind: 'Deployment' },
  { resource: DAEMONSETS, kind: 'DaemonSet' },
  { resource: STATEFULSETS, kind: 'StatefulSet' },
  { resource: CONTROLLERREVISIONS, kind: 'ControllerRevision' },
  { resource: JOBS, kind: 'Job' },
  { resource: CRONJOBS, kind: 'CronJob' },
  { resource: PERSISTENTVOLUMECLAIMS, kind: 'PersistentVolumeClaim' },
  { resource: CONFIGMAPS, kind: 'ConfigMap' },
  { resource: SECRETS, kind: 'Secret' },
  { resource: SERVICES, kind: 'Service' },
  { resource: SERVICEACCOUNTS, kind: 'ServiceAccount' },
  { resource: PODDISRUPTIONBUDGETS, kind: 'PodDisruptionBudget' },
  { resource: NODES, kind: 'Node' },
  { resource: LEASES, kind: 'Lease' },
  { resource: ENDPOINTS, kind: 'Endpoints' },
  { resource: ENDPOINTSLICES, kind: 'EndpointSlice' },
  { resource: PERSISTENTVOLUMES, kind: 'PersistentVolume' },
];

/** Kinds known without discovery: the monitored ones and a few common owners. */
const STATIC_KINDS: readonly MonitoredResource[] = [
  ...MONITORED_RESOURCES,
  { resource: NAMESPACES, kind: 'Namespace' },
  { resource: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false }, kind: 'CustomResourceDefinition' },
];

/** The apiVersion/kind of an ownerReference maps to no served resource (upstream's restMappingError). */
export class RestMappingError extends NodeletError {
  constructor(apiVersion: string, kind: string) {
    super('gc.restMapping', `unable to get REST mapping for kind: ${kind}, version: ${apiVersion}`);
  }
}

/** "apps/v1" → { group: 'apps', version: 'v1' }; undefined when it is not a group/version. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } | undefined {
  const parts = apiVersion.split('/');
  if (parts.length === 1 && parts[0] !== '') return { group: '', version: parts[0] ?? '' };
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return undefined;
}

interface DiscoveredResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Reads the resources of one group/version ("v1", "apps/v1"); [] when it is not served. */
export type Discover = (apiVersion: string) => Promise<DiscoveredResource[]>;

export function discoveryThrough(client: ApiClient): Discover {
  return async (apiVersion) => {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const list = await client.json<{ resources?: DiscoveredResource[] }>('GET', path);
      return list.resources ?? [];
    } catch (err) {
      if (isClientNotFound(err)) return [];
      throw err;
    }
  };
}

export class ResourceMapper {
  private readonly known = new Map<string, ResourceType>();

  constructor(private readonly discover?: Discover) {
    for (const k of STATIC_KINDS) this.known.set(`${apiVersionOf(k.resource)}|${k.kind}`, k.resource);
  }

  /** The resource for apiVersion+kind; throws RestMappingError when none is served. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceType> {
    const key = `${apiVersion}|${kind}`;
    const hit = this.known.get(key);
    if (hit !== undefined) return hit;
    const gv = parseApiVersion(apiVersion);
    if (gv === undefined || this.discover === undefined) throw new RestMappingError(apiVersion, kind);
    const found = (await this.discover(apiVersion)).find((r) => r.kind === kind && !r.name.includes('/'));
    if (found === undefined) throw new RestMappingError(apiVersion, kind);
    const r: ResourceType = { group: gv.group, version: gv.version, resource: found.name, namespaced: found.namespaced };
    this.known.set(key, r);
    return r;
  }
}
