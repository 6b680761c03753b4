// rbac.authorization.k8s.io/v1 as kube-apiserver 1.32 takes it: the scheme defaults
// (pkg/apis/rbac/v1/defaults.go: a binding's roleRef.apiGroup and a subject's apiGroup by kind)
// and pkg/apis/rbac/validation: names are path segments, rules need verbs, non-resource URLs only
// in cluster roles, a binding's roleRef is required and never changes, subjects' kinds and names,
// a ServiceAccount subject of a ClusterRoleBinding names its namespace; a ClusterRole's
// aggregationRule needs at least one valid selector.
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { validateLabelSelector } from '../../api/label-selector-validation.ts';
import { validatePathSegmentName } from '../../../kube/names.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { goRoleRef, invalidGo, isNil, isObj, obj, objs, str, strings } from './go-values.ts';

type Obj = Record<string, unknown>;

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** SetDefaults_Subject: User and Group subjects belong to the RBAC group, ServiceAccounts to core. */
function defaultSubjects(o: Obj): void {
  for (const s of Array.isArray(o['subjects']) ? o['subjects'] : []) {
    if (!isObj(s) || str(s['apiGroup']) !== '') continue;
    if (s['kind'] === 'User' || s['kind'] === 'Group') s['apiGroup'] = RBAC_GROUP;
    // a ServiceAccount's is "" (core), which the encoder leaves out (omitempty)
    else if (s['apiGroup'] === '' || s['apiGroup'] === null) delete s['apiGroup'];
  }
}

/** SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding, then the subjects'. */
export function defaultBinding(o: Obj): void {
  // roleRef is a struct, not a pointer: an absent one decodes as the zero RoleRef
  if (isNil(o['roleRef'])) o['roleRef'] = {};
  const ref = o['roleRef'];
  if (isObj(ref) && str(ref['apiGroup']) === '') ref['apiGroup'] = RBAC_GROUP;
  defaultSubjects(o);
}

const minimalName = (name: string, prefix: boolean): string[] => validatePathSegmentName(name, prefix);

function validateMeta(o: Obj, namespaced: boolean): FieldError[] {
  return validateObjectMeta(obj(o['metadata']), namespaced, minimalName);
}

/** validatePolicyRule. */
function validatePolicyRule(rule: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (strings(rule['verbs']).length === 0) errs.push(fe.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = strings(rule['nonResourceURLs']);
  const groups = strings(rule['apiGroups']);
  const resources = strings(rule['resources']);
  const names = strings(rule['resourceNames']);
  if (urls.length > 0) {
    if (namespaced) errs.push(fe.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (groups.length > 0 || resources.length > 0 || names.length > 0) {
      errs.push(fe.invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (groups.length === 0) errs.push(fe.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0) errs.push(fe.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  if (names.length > 0 && resources.length > 1) errs.push(fe.required(`${path}.resourceNames`, 'resource names cannot apply to multiple resources'));
  return errs;
}

function validateRules(o: Obj, namespaced: boolean): FieldError[] {
  return objs(o['rules']).flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

export function validateRole(o: Obj): FieldError[] {
  return [...validateMeta(o, true), ...validateRules(o, true)];
}

export function validateClusterRole(o: Obj): FieldError[] {
  const errs = [...validateMeta(o, false), ...validateRules(o, false)];
  const rule = o['aggregationRule'];
  if (isObj(rule)) {
    const selectors = objs(rule['clusterRoleSelectors']);
    if (selectors.length === 0) {
      errs.push(fe.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    selectors.forEach((sel, i) => errs.push(...validateLabelSelector(sel, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

/** validateRoleBindingSubject. */
function validateSubject(s: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s['name']);
  const apiGroup = str(s['apiGroup']);
  if (name === '') errs.push(fe.required(`${path}.name`));
  switch (str(s['kind'])) {
    case 'ServiceAccount':
      if (name !== '') for (const m of nameIsDNSSubdomain(name, false)) errs.push(fe.invalid(`${path}.name`, name, m));
      if (apiGroup !== '') errs.push(fe.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && str(s['namespace']) === '') errs.push(fe.required(`${path}.namespace`));
      break;
    case 'User':
      if (name === '') errs.push(fe.invalid(`${path}.name`, name, 'user name cannot be empty'));
      if (apiGroup !== RBAC_GROUP) errs.push(fe.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    case 'Group':
      if (name === '') errs.push(fe.invalid(`${path}.name`, name, 'group name cannot be empty'));
      if (apiGroup !== RBAC_GROUP) errs.push(fe.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fe.notSupported(`${path}.kind`, str(s['kind']), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(o: Obj, namespaced: boolean): FieldError[] {
  const errs = validateMeta(o, namespaced);
  const ref = obj(o['roleRef']);
  const apiGroup = str(ref['apiGroup']);
  if (apiGroup !== RBAC_GROUP) errs.push(fe.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kind = str(ref['kind']);
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(kind)) errs.push(fe.notSupported('roleRef.kind', kind, kinds));
  const name = str(ref['name']);
  if (name === '') errs.push(fe.required('roleRef.name'));
  else for (const m of minimalName(name, false)) errs.push(fe.invalid('roleRef.name', name, m));
  objs(o['subjects']).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

export function validateRoleBinding(o: Obj): FieldError[] {
  return validateBinding(o, true);
}

export function validateClusterRoleBinding(o: Obj): FieldError[] {
  return validateBinding(o, false);
}

/** Validate<Kind>Update: the object, its metadata update, and (bindings) an unchanged roleRef. */
export function validateRbacUpdate(validate: (o: Obj) => FieldError[], binding: boolean): (o: Obj, old: Obj) => FieldError[] {
  return (o, old) => {
    const errs = [...validate(o), ...validateObjectMetaUpdate(obj(o['metadata']), obj(old['metadata']))];
    if (binding) {
      const ref = obj(o['roleRef']);
      const oldRef = obj(old['roleRef']);
      if (['apiGroup', 'kind', 'name'].some((k) => str(ref[k]) !== str(oldRef[k]))) {
        errs.push(invalidGo('roleRef', goRoleRef(ref), 'cannot change roleRef'));
      }
    }
    return errs;
  };
}
