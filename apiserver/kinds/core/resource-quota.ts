// core/v1 ResourceQuota: quantities defaulted to canonical milli-rounded form, status reset on
// create and kept on spec writes (the quota controller owns it), ValidateResourceQuota(Update)
// (standard quota resource names, whole counts, scopes that apply to the listed resources and do
// not conflict, immutable scopes) and the `kubectl get quota` table.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { AGE, col, NAME, translateTimestampSince, type TableSpec } from '../../api/tables.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, statusSubresource, type KindDefinition } from '../kind.ts';
import {
  child, defaultResourceList, goStringSlice, isStandardQuotaResourceName, o, objs, present, quantityFormatError, quantityOf,
  quantityString, rawValueError, s, strs, validateResourceName, validateResourceQuantityValue, type Obj,
} from './common.ts';

const STANDARD_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];
const POD_COMPUTE_RESOURCES = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
const CONFLICTING_SCOPES = [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']];
const EXISTS_ONLY_SCOPES = ['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'];

export function defaultResourceQuota(rq: Obj): void {
  const spec = child(rq, 'spec');
  const status = child(rq, 'status');
  if (spec !== undefined) defaultResourceList(spec['hard']);
  if (status !== undefined) {
    defaultResourceList(status['hard']);
    defaultResourceList(status['used']);
  }
}

/** helper.IsResourceQuotaScopeValidForResource. */
function scopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
    case 'CrossNamespacePodAffinity':
      return resource === 'pods' || POD_COMPUTE_RESOURCES.has(resource);
    case 'BestEffort':
      return resource === 'pods';
    default:
      return true;
  }
}

/** ValidateResourceQuotaResourceName. */
function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) errs.push(fe.invalid(path, name, 'must be a standard resource for quota'));
  return errs;
}

/** The hard/used lists: names for quota, quantities valid for the resource. */
function validateQuotaList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(o(list))) {
    const p = `${path}[${k}]`;
    errs.push(...validateQuotaResourceName(k, p));
    const q = quantityOf(v);
    if (q === undefined) {
      const e = quantityFormatError(v, p);
      if (e !== undefined) errs.push(e);
    } else {
      errs.push(...validateResourceQuantityValue(k, q, p));
    }
  }
  return errs;
}

function validateScopes(spec: Obj, hard: string[]): FieldError[] {
  const scopes = strs(spec['scopes']);
  if (scopes.length === 0) return [];
  const errs: FieldError[] = [];
  const value = goStringSlice('core.ResourceQuotaScope', scopes);
  for (const scope of scopes) {
    if (!STANDARD_SCOPES.includes(scope)) errs.push(rawValueError('FieldValueInvalid', 'spec.scopes', value, 'unsupported scope'));
    for (const k of hard) {
      if (isStandardQuotaResourceName(k) && !scopeValidForResource(scope, k)) {
        errs.push(rawValueError('FieldValueInvalid', 'spec.scopes', value, 'unsupported scope applied to resource'));
      }
    }
  }
  for (const pair of CONFLICTING_SCOPES) {
    if (pair.every((x) => scopes.includes(x))) errs.push(rawValueError('FieldValueInvalid', 'spec.scopes', value, 'conflicting scopes'));
  }
  return errs;
}

function validateScopeSelector(spec: Obj, hard: string[]): FieldError[] {
  const selector = spec['scopeSelector'];
  if (!present(selector)) return [];
  const errs: FieldError[] = [];
  const p = 'spec.scopeSelector.matchExpressions';
  const seen = new Set<string>();
  for (const req of objs(o(selector)['matchExpressions'])) {
    const scope = s(req['scopeName']);
    const op = s(req['operator']);
    const values = strs(req['values']);
    if (!STANDARD_SCOPES.includes(scope)) errs.push(fe.invalid(`${p}.scopeName`, scope, 'unsupported scope'));
    for (const k of hard) {
      if (isStandardQuotaResourceName(k) && !scopeValidForResource(scope, k)) errs.push(fe.invalid(p, selector, 'unsupported scope applied to resource'));
    }
    if (EXISTS_ONLY_SCOPES.includes(scope) && op !== 'Exists') {
      errs.push(fe.invalid(`${p}.operator`, op, 'must be \'Exists\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity'));
    }
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(fe.required(`${p}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(fe.invalid(`${p}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else {
      errs.push(fe.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    }
    seen.add(scope);
  }
  for (const pair of CONFLICTING_SCOPES) {
    if (pair.every((x) => seen.has(x))) {
      errs.push(rawValueError('FieldValueInvalid', p, goStringSlice('core.ResourceQuotaScope', strs(spec['scopes'])), 'conflicting scopes'));
    }
  }
  return errs;
}

function validateSpec(spec: Obj): FieldError[] {
  const hard = Object.keys(o(spec['hard'])).sort();
  return [...validateQuotaList(spec['hard'], 'spec.hard'), ...validateScopes(spec, hard), ...validateScopeSelector(spec, hard)];
}

function validateStatus(status: Obj): FieldError[] {
  return [...validateQuotaList(status['hard'], 'status.hard'), ...validateQuotaList(status['used'], 'status.used')];
}

/** ValidateResourceQuota. */
export function validateResourceQuota(rq: Obj): FieldError[] {
  return [
    ...validateObjectMeta(o(rq['metadata']), true, nameIsDNSSubdomain),
    ...validateSpec(o(rq['spec'])),
    ...validateStatus(o(rq['status'])),
  ];
}

/** ValidateResourceQuotaUpdate (scopes are immutable), with ValidateResourceQuotaStatusUpdate's status checks. */
export function validateResourceQuotaUpdate(rq: Obj, old: Obj): FieldError[] {
  const errs = [...validateObjectMetaUpdate(o(rq['metadata']), o(old['metadata'])), ...validateSpec(o(rq['spec']))];
  const scopes = strs(o(rq['spec'])['scopes']);
  const oldScopes = new Set(strs(o(old['spec'])['scopes']));
  const newScopes = new Set(scopes);
  if (newScopes.size !== oldScopes.size || [...newScopes].some((x) => !oldScopes.has(x))) {
    errs.push(rawValueError('FieldValueInvalid', 'spec.scopes', goStringSlice('core.ResourceQuotaScope', scopes), 'field is immutable'));
  }
  errs.push(...validateStatus(o(rq['status'])));
  return errs;
}

/** printResourceQuota: `resource: used/hard` pairs, the limits.* ones in LIMIT. */
export function quotaColumns(rq: Obj): [string, string] {
  const status = o(rq['status']);
  const hard = o(status['hard']);
  const used = o(status['used']);
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const pieces = name.split('.');
    const target = pieces.length > 1 && pieces[0] === 'limits' ? limit : request;
    target.push(`${name}: ${quantityString(used[name])}/${quantityString(hard[name])}`);
  }
  return [request.join(', '), limit.join(', ')];
}

export const RESOURCE_QUOTA_TABLE: TableSpec = {
  // 1.32 prints Age second (it moved last in 1.33)
  columns: [
    NAME,
    AGE,
    col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  row(rq, now) {
    const meta = o(rq['metadata']);
    const [request, limit] = quotaColumns(rq);
    return { cells: [s(meta['name']), translateTimestampSince(meta['creationTimestamp'], now), request, limit] };
  },
};

export const RESOURCE_QUOTA_KIND: KindDefinition = defineKind({
  group: '', version: 'v1', kind: 'ResourceQuota', resource: 'resourcequotas', namespaced: true,
  shortNames: ['quota'],
  subresources: [statusSubresource('ResourceQuota')],
  statusSubresource: true,
  table: RESOURCE_QUOTA_TABLE,
  defaults: defaultResourceQuota,
  prepareForCreate: (rq) => { rq['status'] = {}; },
  validate: validateResourceQuota,
  validateUpdate: validateResourceQuotaUpdate,
});
