// Every kind this API server serves, in discovery order. Adding a kind = one declaration module
// and one line here; discovery, routing, storage, tables and OpenAPI all follow from it.
import { APIEXTENSIONS_KINDS } from './apiextensions.ts';
import { APPS_KINDS } from './apps.ts';
import { BATCH_KINDS, POLICY_KINDS } from './batch.ts';
import { CORE_EXTRA_KINDS, DISCOVERY_KINDS, STORAGE_KINDS } from './core-extra.ts';
import type { KindDefinition } from './kind.ts';
import { LEGACY_KINDS } from './legacy.ts';
import { RBAC_KINDS, REVIEW_KINDS } from './rbac.ts';

export const KINDS: readonly KindDefinition[] = [
  ...LEGACY_KINDS,
  ...CORE_EXTRA_KINDS,
  ...APPS_KINDS,
  ...BATCH_KINDS,
  ...POLICY_KINDS,
  ...DISCOVERY_KINDS,
  ...STORAGE_KINDS,
  ...RBAC_KINDS,
  ...REVIEW_KINDS,
  ...APIEXTENSIONS_KINDS,
];

/** API groups in kube-apiserver's discovery order (core first, as ""); only served ones are listed. */
const GROUP_ORDER = [
  '', 'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch',
  'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
];

export function servedGroups(kinds: readonly KindDefinition[] = KINDS): string[] {
  const served = new Set(kinds.map((k) => k.group));
  return [...GROUP_ORDER.filter((g) => served.has(g)), ...[...served].filter((g) => !GROUP_ORDER.includes(g)).sort()];
}
