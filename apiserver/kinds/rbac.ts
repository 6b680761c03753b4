// rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding;
// authorization.k8s.io/v1 and authentication.k8s.io/v1 reviews (create-only, never stored).
import type { KindDefinition } from './kind.ts';

export const RBAC_KINDS: readonly KindDefinition[] = [];
export const REVIEW_KINDS: readonly KindDefinition[] = [];
