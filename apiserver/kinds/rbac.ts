// rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding;
// authorization.k8s.io/v1 and authentication.k8s.io/v1 reviews (create-only, never stored).
// Defaults and validation live in ./rbac/validation.ts, the printers in ./rbac/tables.ts and the
// reviews' answers in ./rbac/reviews.ts. Requests are not yet authorized by RBAC: the objects are
// served and stored, and the reviews answer from the server's authorizer.
import { defineKind, type KindDefinition } from './kind.ts';
import { reviewLocalSubjectAccess, reviewSelfSubject, reviewSelfSubjectAccess, reviewSelfSubjectRules, reviewSubjectAccess, reviewToken } from './rbac/reviews.ts';
import { CLUSTER_ROLE_BINDING_TABLE, ROLE_BINDING_TABLE, ROLE_TABLE } from './rbac/tables.ts';
import {
  defaultBinding, RBAC_GROUP, validateClusterRole, validateClusterRoleBinding, validateRbacUpdate, validateRole, validateRoleBinding,
} from './rbac/validation.ts';

export const RBAC_KINDS: readonly KindDefinition[] = [
  defineKind({
    group: RBAC_GROUP, version: 'v1', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false,
    table: CLUSTER_ROLE_BINDING_TABLE,
    defaults: defaultBinding,
    validate: validateClusterRoleBinding,
    validateUpdate: validateRbacUpdate(validateClusterRoleBinding, true),
  }),
  defineKind({
    group: RBAC_GROUP, version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false,
    table: ROLE_TABLE,
    validate: validateClusterRole,
    validateUpdate: validateRbacUpdate(validateClusterRole, false),
  }),
  defineKind({
    group: RBAC_GROUP, version: 'v1', kind: 'RoleBinding', resource: 'rolebindings', namespaced: true,
    table: ROLE_BINDING_TABLE,
    defaults: defaultBinding,
    validate: validateRoleBinding,
    validateUpdate: validateRbacUpdate(validateRoleBinding, true),
  }),
  defineKind({
    group: RBAC_GROUP, version: 'v1', kind: 'Role', resource: 'roles', namespaced: true,
    table: ROLE_TABLE,
    validate: validateRole,
    validateUpdate: validateRbacUpdate(validateRole, false),
  }),
];

const CREATE = ['create'];

export const REVIEW_KINDS: readonly KindDefinition[] = [
  defineKind({
    group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', namespaced: false,
    verbs: CREATE, review: reviewSelfSubject,
  }),
  defineKind({
    group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', resource: 'tokenreviews', namespaced: false,
    verbs: CREATE, review: reviewToken,
  }),
  defineKind({
    group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', namespaced: true,
    verbs: CREATE, review: reviewLocalSubjectAccess,
  }),
  defineKind({
    group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', namespaced: false,
    verbs: CREATE, review: reviewSelfSubjectAccess,
  }),
  defineKind({
    group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', namespaced: false,
    verbs: CREATE, review: reviewSelfSubjectRules,
  }),
  defineKind({
    group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', namespaced: false,
    verbs: CREATE, review: reviewSubjectAccess,
  }),
];
