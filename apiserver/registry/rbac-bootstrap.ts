// The RBAC objects every cluster starts with (kube's bootstrap policy,
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin for system:masters, the
// user-facing admin/edit/view roles (with their aggregation rules and the rules they aggregate
// from the built-in system:aggregate-to-* roles, a subset), system:basic-user, system:discovery
// and system:public-info-viewer with their bindings. Created when missing; existing objects are
// left as they are (kube reconciles them at each start; nodelet only fills gaps).
import { ApiError } from '../api/errors.ts';
import type { KubeObject } from '../storage/types.ts';
import type { Registry } from './registry.ts';

const RBAC = 'rbac.authorization.k8s.io';
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
}

function clusterRole(name: string, rules: Rule[], extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): KubeObject {
  const role: KubeObject = {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...extra.labels }, annotations: { ...AUTOUPDATE } },
    rules,
  };
  if (extra.aggregateFrom !== undefined) {
    role['aggregationRule'] = { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${extra.aggregateFrom}`]: 'true' } }] };
  }
  return role;
}

function clusterRoleBinding(name: string, role: string, groups: string[]): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { ...AUTOUPDATE } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: RBAC, kind: 'Group', name: g })),
  };
}

const VIEW_RULES: Rule[] = [
  { verbs: READ, apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods',
    'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'] },
  { verbs: READ, apiGroups: [''], resources: ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status',
    'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'] },
  { verbs: READ, apiGroups: [''], resources: ['namespaces'] },
  { verbs: READ, apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
  { verbs: READ, apiGroups: ['apps'], resources: ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale',
    'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'] },
  { verbs: READ, apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'] },
  { verbs: READ, apiGroups: ['batch'], resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'] },
  { verbs: READ, apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'] },
  { verbs: READ, apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingresses/status', 'networkpolicies'] },
];

const EDIT_ONLY_RULES: Rule[] = [
  { verbs: READ, apiGroups: [''], resources: ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'] },
  { verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] },
  { verbs: WRITE, apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'] },
  { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
  { verbs: WRITE, apiGroups: [''], resources: ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers',
    'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'] },
  { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
  { verbs: WRITE, apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets',
    'replicasets/scale', 'statefulsets', 'statefulsets/scale'] },
  { verbs: WRITE, apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'] },
  { verbs: WRITE, apiGroups: ['batch'], resources: ['cronjobs', 'jobs'] },
  { verbs: WRITE, apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'] },
  { verbs: WRITE, apiGroups: ['policy'], resources: ['poddisruptionbudgets'] },
  { verbs: [...WRITE.slice(0, 3), 'get', 'list', 'patch', 'update', 'watch'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
];

const ADMIN_ONLY_RULES: Rule[] = [
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'] },
  { verbs: [...WRITE.slice(0, 3), 'get', 'list', 'patch', 'update', 'watch'], apiGroups: [RBAC], resources: ['rolebindings', 'roles'] },
];

const DISCOVERY_URLS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'];
const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

/** The bootstrap ClusterRoles and ClusterRoleBindings, in the order they are created. */
export function bootstrapPolicy(): KubeObject[] {
  return [
    clusterRole('cluster-admin', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]),
    clusterRole('admin', [...ADMIN_ONLY_RULES, ...EDIT_ONLY_RULES, ...VIEW_RULES], { aggregateFrom: 'admin' }),
    clusterRole('edit', [...EDIT_ONLY_RULES, ...VIEW_RULES], { aggregateFrom: 'edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }),
    clusterRole('view', [...VIEW_RULES], { aggregateFrom: 'view', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }),
    clusterRole('system:basic-user', [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]),
    clusterRole('system:discovery', [{ verbs: ['get'], nonResourceURLs: DISCOVERY_URLS }]),
    clusterRole('system:public-info-viewer', [{ verbs: ['get'], nonResourceURLs: PUBLIC_INFO_URLS }]),
    clusterRoleBinding('cluster-admin', 'cluster-admin', ['system:masters']),
    clusterRoleBinding('system:basic-user', 'system:basic-user', ['system:authenticated']),
    clusterRoleBinding('system:discovery', 'system:discovery', ['system:authenticated']),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
  ];
}

/** Creates the bootstrap policy objects that do not exist yet (no-op when RBAC is not served). */
export async function bootstrapRbac(registry: Registry): Promise<void> {
  for (const obj of bootstrapPolicy()) {
    const store = registry.find(RBAC, 'v1', obj.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings');
    if (store === undefined) return;
    try {
      await store.create(undefined, obj);
    } catch (err) {
      if (!(err instanceof ApiError && err.status.reason === 'AlreadyExists')) throw err;
    }
  }
}
