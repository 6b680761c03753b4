// The resources the controllers, the agent and the tests talk about, by group/version/resource
// (the client needs no discovery for the built-in kinds).
import type { ResourceType } from './client.ts';

export { CONFIGMAPS, EVENTS, LEASES, NAMESPACES, NODES, PODS, SECRETS, SERVICEACCOUNTS } from './client.ts';

export const PERSISTENTVOLUMECLAIMS: ResourceType = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true };
export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services', namespaced: true };
export const ENDPOINTS: ResourceType = { group: '', version: 'v1', resource: 'endpoints', namespaced: true };
export const ENDPOINT_SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespaced: true };
export const DEPLOYMENTS: ResourceType = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
export const REPLICASETS: ResourceType = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true };
export const DAEMONSETS: ResourceType = { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true };
export const STATEFULSETS: ResourceType = { group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true };
export const CONTROLLERREVISIONS: ResourceType = { group: 'apps', version: 'v1', resource: 'controllerrevisions', namespaced: true };
export const JOBS: ResourceType = { group: 'batch', version: 'v1', resource: 'jobs', namespaced: true };
export const CRONJOBS: ResourceType = { group: 'batch', version: 'v1', resource: 'cronjobs', namespaced: true };
export const PODDISRUPTIONBUDGETS: ResourceType = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespaced: true };

/** "apps/v1" or "v1": the apiVersion of objects of this resource. */
export function apiVersionOf(r: ResourceType): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}
