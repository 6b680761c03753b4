// CustomResourceDefinition defaults and validation (apiextensions-apiserver v1 defaults.go,
// pkg/apis/apiextensions/validation and the CRD registry strategy), on the decoded v1 object.
// Upstream validates the internal version, into which v1 converts by moving a schema,
// subresources or printer columns that every version has alike to the top level: errors about
// them are then at `spec.validation.openAPIV3Schema`, `spec.subresources` and
// `spec.additionalPrinterColumns[i]`, else at `spec.versions[i]…`; so here. Pure.
import { decoderFor } from '../../../kube/schemas/decode.ts';
import { fieldErrors as fe, goQuote, type FieldError } from '../../api/errors.ts';
import { decodeError } from '../../api/json-types.ts';
import { isDNS1035Label, isDNS1123Subdomain } from '../../../kube/names.ts';
import { nameIsDNSSubdomain, validateImmutable, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { isObj, o, objs, s, type Obj } from '../../../kube/values.ts';
import { rawValueError } from '../core/common.ts';
import { validateCrdSchema } from './schema-validation.ts';
import type { JSONSchema } from './schema.ts';


const SCHEMA_PROPS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
const PRINTER_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const APPROVAL = 'api-approved.kubernetes.io';
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.map(s) : [];
}

/** Go's apiequality.Semantic.DeepEqual on decoded JSON: null, [] and {} count as absent. */
function semanticEqual(a: unknown, b: unknown): boolean {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.length === 0 ? undefined : x.map(norm);
    if (isObj(x)) {
      const out: Obj = {};
      for (const k of Object.keys(x).sort()) {
        const v = norm(x[k]);
        if (v !== undefined && v !== null) out[k] = v;
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    return x;
  };
  return JSON.stringify(norm(a) ?? null) === JSON.stringify(norm(b) ?? null);
}

// ---- decoding and defaults ----------------------------------------------------------------------

/**
 * The schemas below `items` and `additionalProperties` are kept raw by the generated decoder
 * (JSONSchemaPropsOrArray/OrBool): decode them as their UnmarshalJSON does, with Go's words for
 * a type error (a 400, like any body kube cannot decode).
 */
function decodeNestedSchemas(schema: Obj): void {
  const decodeOne = (x: Obj): void => {
    const r = decoderFor(SCHEMA_PROPS).decode(x, { prune: true });
    if (r.error !== undefined) throw decodeError('CustomResourceDefinition', 'v1', { message: r.error.message, field: '' });
    walk(x);
  };
  const walk = (node: Obj): void => {
    const items = node['items'];
    if (isObj(items)) decodeOne(items);
    else if (Array.isArray(items)) items.forEach((x) => { if (isObj(x)) decodeOne(x); });
    else if (items !== undefined && items !== null) Reflect.deleteProperty(node, 'items');
    const additional = node['additionalProperties'];
    if (isObj(additional)) decodeOne(additional);
    else if (additional !== undefined && additional !== null && typeof additional !== 'boolean') {
      throw decodeError('CustomResourceDefinition', 'v1', { message: 'boolean or JSON schema expected', field: '' });
    }
    for (const k of ['additionalItems']) {
      const v = node[k];
      if (isObj(v)) decodeOne(v);
    }
    for (const p of Object.values(o(node['properties']))) if (isObj(p)) walk(p);
    for (const p of Object.values(o(node['patternProperties']))) if (isObj(p)) walk(p);
    for (const p of Object.values(o(node['definitions']))) if (isObj(p)) walk(p);
    for (const name of ['allOf', 'anyOf', 'oneOf']) for (const p of objs(node[name])) walk(p);
    if (isObj(node['not'])) walk(node['not']);
  };
  walk(schema);
}

/** SetDefaults_CustomResourceDefinition (and the decoding of the raw schema parts). */
export function defaultCrd(crd: Obj): void {
  if (!isObj(crd['spec'])) crd['spec'] = {};
  const spec = crd['spec'] as Obj;
  for (const v of objs(spec['versions'])) {
    const schema = o(v['schema'])['openAPIV3Schema'];
    if (isObj(schema)) decodeNestedSchemas(schema);
  }
  if (!isObj(spec['names'])) spec['names'] = {};
  const names = spec['names'] as Obj;
  const kind = s(names['kind']);
  if (s(names['singular']) === '') names['singular'] = kind.toLowerCase();
  if (s(names['listKind']) === '' && kind !== '') names['listKind'] = `${kind}List`;
  if (!isObj(spec['conversion'])) spec['conversion'] = { strategy: 'None' };
  const service = o(o(o(spec['conversion'])['webhook'])['clientConfig'])['service'];
  if (isObj(service) && (service['port'] === undefined || service['port'] === null)) service['port'] = 443;
}

/** The version that has storage: true (the first such), or undefined. */
export function storageVersion(crd: Obj): string | undefined {
  const v = objs(o(crd['spec'])['versions']).find((x) => x['storage'] === true);
  return v === undefined ? undefined : s(v['name']);
}

/** PrepareForCreate: a fresh status with the storage version stored. */
export function prepareCrdForCreate(crd: Obj): void {
  const stored = storageVersion(crd);
  crd['status'] = { acceptedNames: { plural: '', kind: '' }, storedVersions: stored === undefined ? [] : [stored] };
}

/** PrepareForUpdate (main resource): the storage version joins storedVersions. */
export function prepareCrdForUpdate(crd: Obj, _old: Obj, subresource: '' | 'status'): void {
  if (subresource !== '') return;
  const stored = storageVersion(crd);
  const status = o(crd['status']);
  const versions = strs(status['storedVersions']);
  if (stored !== undefined && !versions.includes(stored)) {
    status['storedVersions'] = [...versions, stored];
    crd['status'] = status;
  }
}

// ---- the internal view --------------------------------------------------------------------------

interface Internal {
  /** The schema every version shares (spec.validation), when they all have the same one. */
  validation: { schema: JSONSchema | undefined } | undefined;
  subresources: { value: Obj | undefined } | undefined;
  columns: { value: Obj[] } | undefined;
}

/** What v1 → internal conversion hoists to the top level. */
function internalView(spec: Obj): Internal {
  const versions = objs(spec['versions']);
  if (versions.length === 0) return { validation: undefined, subresources: undefined, columns: undefined };
  const first = versions[0] ?? {};
  const same = (f: (v: Obj) => unknown): boolean => versions.every((v) => semanticEqual(f(v), f(first)));
  const schemaOf = (v: Obj): unknown => v['schema'] ?? null;
  const out: Internal = { validation: undefined, subresources: undefined, columns: undefined };
  if (same(schemaOf)) {
    const schema = o(first['schema'])['openAPIV3Schema'];
    out.validation = { schema: isObj(schema) ? schema : undefined };
  }
  if (same((v) => v['subresources'] ?? null)) out.subresources = { value: isObj(first['subresources']) ? first['subresources'] : undefined };
  if (same((v) => v['additionalPrinterColumns'] ?? null)) out.columns = { value: objs(first['additionalPrinterColumns']) };
  return out;
}

function statusEnabled(subresources: Obj | undefined): boolean {
  return subresources !== undefined && subresources['status'] !== undefined && subresources['status'] !== null;
}

// ---- pieces -------------------------------------------------------------------------------------

function dns1035(value: string, path: string): FieldError[] {
  const errs = isDNS1035Label(value);
  return errs.length === 0 ? [] : [fe.invalid(path, value, errs.join(','))];
}

/** ValidateCustomResourceDefinitionNames. */
export function validateNames(names: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const plural = s(names['plural']);
  const singular = s(names['singular']);
  const kind = s(names['kind']);
  const listKind = s(names['listKind']);
  if (plural !== '') errs.push(...dns1035(plural, `${path}.plural`));
  if (singular !== '') errs.push(...dns1035(singular, `${path}.singular`));
  if (kind !== '') {
    const e = isDNS1035Label(kind.toLowerCase());
    if (e.length > 0) errs.push(fe.invalid(`${path}.kind`, kind, `may have mixed case, but should otherwise match: ${e.join(',')}`));
  }
  if (listKind !== '') {
    const e = isDNS1035Label(listKind.toLowerCase());
    if (e.length > 0) errs.push(fe.invalid(`${path}.listKind`, listKind, `may have mixed case, but should otherwise match: ${e.join(',')}`));
  }
  strs(names['shortNames']).forEach((n, i) => errs.push(...dns1035(n, `${path}.shortNames[${i}]`)));
  if (kind !== '' && kind === listKind) errs.push(fe.invalid(`${path}.listKind`, listKind, 'kind and listKind may not be the same'));
  strs(names['categories']).forEach((n, i) => errs.push(...dns1035(n, `${path}.categories[${i}]`)));
  return errs;
}

function validateSimpleJSONPath(value: string, path: string): FieldError[] {
  if (value === '') return [fe.invalid(path, value, 'must not be empty')];
  if (!value.startsWith('.')) return [fe.invalid(path, value, 'must be a simple json path starting with .')];
  return [];
}

/** ValidateCustomResourceDefinitionSubresources. */
function validateSubresources(sub: Obj | undefined, path: string): FieldError[] {
  const scale = sub === undefined ? undefined : sub['scale'];
  if (!isObj(scale)) return [];
  const errs: FieldError[] = [];
  const specPath = s(scale['specReplicasPath']);
  if (specPath === '') errs.push(fe.required(`${path}.scale.specReplicasPath`, ''));
  else {
    const e = validateSimpleJSONPath(specPath, `${path}.scale.specReplicasPath`);
    if (e.length > 0) errs.push(...e);
    else if (!specPath.startsWith('.spec.')) errs.push(fe.invalid(`${path}.scale.specReplicasPath`, specPath, 'should be a json path under .spec'));
  }
  const statusPath = s(scale['statusReplicasPath']);
  if (statusPath === '') errs.push(fe.required(`${path}.scale.statusReplicasPath`, ''));
  else {
    const e = validateSimpleJSONPath(statusPath, `${path}.scale.statusReplicasPath`);
    if (e.length > 0) errs.push(...e);
    else if (!statusPath.startsWith('.status.')) errs.push(fe.invalid(`${path}.scale.statusReplicasPath`, statusPath, 'should be a json path under .status'));
  }
  const selector = s(scale['labelSelectorPath']);
  if (selector !== '') {
    const e = validateSimpleJSONPath(selector, `${path}.scale.labelSelectorPath`);
    if (e.length > 0) errs.push(...e);
    else if (!selector.startsWith('.spec.') && !selector.startsWith('.status.')) {
      errs.push(fe.invalid(`${path}.scale.labelSelectorPath`, selector, 'should be a json path under either .spec or .status'));
    }
  }
  return errs;
}

/** ValidateCustomResourceColumnDefinition. */
function validateColumn(c: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s(c['name']) === '') errs.push(fe.required(`${path}.name`, ''));
  const type = s(c['type']);
  if (type === '') errs.push(fe.required(`${path}.type`, `must be one of ${PRINTER_TYPES.join(',')}`));
  else if (!PRINTER_TYPES.includes(type)) errs.push(fe.invalid(`${path}.type`, type, `must be one of ${PRINTER_TYPES.join(',')}`));
  const format = s(c['format']);
  if (format !== '' && !COLUMN_FORMATS.includes(format)) errs.push(fe.invalid(`${path}.format`, format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  const jsonPath = s(c['jsonPath']);
  if (jsonPath === '') errs.push(fe.required(`${path}.JSONPath`, ''));
  else errs.push(...validateSimpleJSONPath(jsonPath, `${path}.JSONPath`));
  return errs;
}

function validateDeprecationWarning(v: Obj, path: string): FieldError[] {
  const w = v['deprecationWarning'];
  const errs: string[] = [];
  if (v['deprecated'] !== true && w !== undefined && w !== null) errs.push('can only be set for deprecated versions');
  if (typeof w === 'string') {
    if (Buffer.byteLength(w) > 256) errs.push('must be <= 256 characters long');
    if (w.length === 0) errs.push('must not be an empty string');
    let i = 0;
    for (const ch of w) {
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f-\x9f]/.test(ch)) {
        errs.push(`must only contain printable UTF-8 characters; non-printable character found at index ${i}`);
        break;
      }
      i += Buffer.byteLength(ch);
    }
  }
  return errs.map((m) => fe.invalid(`${path}.deprecationWarning`, typeof w === 'string' ? w : null, m));
}

/** The versions as Go prints the internal []CustomResourceDefinitionVersion with %#v (pointers as addresses). */
function goVersions(versions: readonly Obj[]): string {
  const ptr = (v: unknown, type: string): string => (v === undefined || v === null ? `(*${type})(nil)` : `(*${type})(0xc000a1c000)`);
  const items = versions.map((v) => `apiextensions.CustomResourceDefinitionVersion{Name:${goQuote(s(v['name']))}, Served:${v['served'] === true}, Storage:${v['storage'] === true}, `
    + `Deprecated:${v['deprecated'] === true}, DeprecationWarning:${ptr(v['deprecationWarning'], 'string')}, Schema:${ptr(v['schema'], 'apiextensions.CustomResourceValidation')}, `
    + `Subresources:${ptr(v['subresources'], 'apiextensions.CustomResourceSubresources')}, AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), `
    + 'SelectableFields:[]apiextensions.SelectableField(nil)}');
  return `[]apiextensions.CustomResourceDefinitionVersion{${items.join(', ')}}`;
}

function validateConversion(conversion: unknown, path: string): FieldError[] {
  if (!isObj(conversion)) return [];
  const errs: FieldError[] = [];
  const strategy = s(conversion['strategy']);
  if (strategy === '') errs.push(fe.required(`${path}.strategy`, ''));
  else if (strategy !== 'None' && strategy !== 'Webhook') errs.push(fe.notSupported(`${path}.strategy`, strategy, ['None', 'Webhook']));
  const webhook = o(conversion['webhook']);
  if (strategy === 'Webhook') {
    const cc = webhook['clientConfig'];
    if (!isObj(cc)) errs.push(fe.required(`${path}.webhookClientConfig`, 'required when strategy is set to Webhook'));
    else if ((cc['url'] === undefined || cc['url'] === null) === (cc['service'] === undefined || cc['service'] === null)) {
      errs.push(fe.required(`${path}.webhookClientConfig`, 'exactly one of url or service is required'));
    }
    const versions = strs(webhook['conversionReviewVersions']);
    if (versions.length === 0) errs.push(fe.required(`${path}.conversionReviewVersions`, ''));
    else if (!versions.some((v) => v === 'v1' || v === 'v1beta1')) {
      errs.push(fe.invalid(`${path}.conversionReviewVersions`, versions, 'must include at least one of v1, v1beta1'));
    }
  } else {
    if (isObj(webhook['clientConfig'])) errs.push(fe.forbidden(`${path}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (strs(webhook['conversionReviewVersions']).length > 0) errs.push(fe.forbidden(`${path}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

// ---- the whole definition -----------------------------------------------------------------------

/** validateCustomResourceDefinitionSpec. */
function validateSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const group = s(spec['group']);
  if (group === '') errs.push(fe.required('spec.group', ''));
  else {
    const e = isDNS1123Subdomain(group);
    if (e.length > 0) errs.push(fe.invalid('spec.group', group, e.join(',')));
    else if (group.split('.').length < 2) errs.push(fe.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = s(spec['scope']);
  if (scope === '') errs.push(fe.required('spec.scope', ''));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(fe.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const versions = objs(spec['versions']);
  const internal = internalView(spec);
  if (internal.validation?.schema === undefined) {
    versions.forEach((v, i) => {
      if (!isObj(o(v['schema'])['openAPIV3Schema'])) errs.push(fe.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
    });
  }
  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  const anyStatus = internal.subresources !== undefined ? statusEnabled(internal.subresources.value) : versions.some((v) => statusEnabled(isObj(v['subresources']) ? v['subresources'] : undefined));
  for (const [i, v] of versions.entries()) {
    const name = s(v['name']);
    if (v['storage'] === true) storageCount++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    const path = `spec.versions[${i}]`;
    errs.push(...dns1035(name, `${path}.name`));
    const subs = internal.subresources !== undefined ? internal.subresources.value : isObj(v['subresources']) ? v['subresources'] : undefined;
    errs.push(...validateDeprecationWarning(v, path));
    if (internal.validation === undefined) {
      const schema = o(v['schema'])['openAPIV3Schema'];
      errs.push(...validateCrdSchema(isObj(schema) ? schema : undefined, statusEnabled(subs), `${path}.schema`));
    }
    if (internal.subresources === undefined) errs.push(...validateSubresources(isObj(v['subresources']) ? v['subresources'] : undefined, `${path}.subresources`));
    if (internal.columns === undefined) objs(v['additionalPrinterColumns']).forEach((c, j) => errs.push(...validateColumn(c, `${path}.additionalPrinterColumns[${j}]`)));
  }
  if (!unique) errs.push(rawValueError('FieldValueInvalid', 'spec.versions', goVersions(versions), 'must contain unique version names'));
  if (storageCount !== 1) errs.push(rawValueError('FieldValueInvalid', 'spec.versions', goVersions(versions), 'must have exactly one version marked as storage version'));
  const first = versions[0];
  if (first !== undefined) errs.push(...dns1035(s(first['name']), 'spec.version'));

  const names = o(spec['names']);
  if (s(names['plural']) === '') errs.push(fe.required('spec.names.plural', ''));
  if (s(names['singular']) === '') errs.push(fe.required('spec.names.singular', ''));
  if (s(names['kind']) === '') errs.push(fe.required('spec.names.kind', ''));
  if (s(names['listKind']) === '') errs.push(fe.required('spec.names.listKind', ''));
  errs.push(...validateNames(names, 'spec.names'));
  if (internal.validation !== undefined) errs.push(...validateCrdSchema(internal.validation.schema, anyStatus, 'spec.validation'));
  if (internal.subresources !== undefined) errs.push(...validateSubresources(internal.subresources.value, 'spec.subresources'));
  if (internal.columns !== undefined) internal.columns.value.forEach((c, j) => errs.push(...validateColumn(c, `spec.additionalPrinterColumns[${j}]`)));
  if (spec['preserveUnknownFields'] === true && s(o(spec['conversion'])['strategy']) !== 'None') {
    errs.push(fe.invalid('spec.conversion.strategy', s(o(spec['conversion'])['strategy']), 'must be None if spec.preserveUnknownFields is true'));
  }
  errs.push(...validateConversion(spec['conversion'], 'spec.conversion'));
  return errs;
}

function validateStatus(status: Obj): FieldError[] {
  return validateNames(o(status['acceptedNames']), 'status.acceptedNames');
}

/** ValidateCustomResourceDefinitionStoredVersions. */
function validateStoredVersions(stored: readonly string[], versions: readonly Obj[]): FieldError[] {
  const path = 'status.storedVersions';
  if (stored.length === 0) return [rawValueError('FieldValueInvalid', path, '[]string(nil)', 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of versions) {
    const name = s(v['name']);
    if (v['storage'] === true && !remaining.has(name)) errs.push(fe.invalid(path, stored, `must have the storage version ${name}`));
    remaining.delete(name);
  }
  for (const [v, i] of remaining) errs.push(fe.invalid(`${path}[${i}]`, v, 'must appear in spec.versions'));
  return errs;
}

function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

type Approval = 'invalid' | 'approved' | 'bypassed' | 'missing';

function approvalState(annotations: Obj): { state: Approval; reason: string } {
  const a = s(annotations[APPROVAL]);
  if (a === '') return { state: 'missing', reason: `protected groups must have approval annotation ${goQuote(APPROVAL)}, see https://github.com/kubernetes/enhancements/pull/1111` };
  if (a.startsWith('unapproved')) return { state: 'bypassed', reason: `not approved: ${goQuote(a)}` };
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/\s]+/.test(a)) return { state: 'approved', reason: `approved in ${a}` };
  return { state: 'invalid', reason: `protected groups must have approval annotation ${goQuote(APPROVAL)} with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111` };
}

/** validateAPIApproval: CRDs of the community's groups carry the approval annotation. */
function validateApproval(crd: Obj, old: Obj | undefined): FieldError[] {
  const group = s(o(crd['spec'])['group']);
  if (!isProtectedGroup(group)) return [];
  const annotations = o(o(crd['metadata'])['annotations']);
  const now = approvalState(annotations);
  if (old !== undefined && approvalState(o(o(old['metadata'])['annotations'])).state === now.state) return [];
  const path = `metadata.annotations[${APPROVAL}]`;
  if (now.state === 'missing') return [fe.required(path, now.reason)];
  if (now.state === 'invalid') return [fe.invalid(path, s(annotations[APPROVAL]), now.reason)];
  return [];
}

function validatePreserveUnknownFields(crd: Obj, old: Obj | undefined): FieldError[] {
  if (old !== undefined && o(old['spec'])['preserveUnknownFields'] === true) return [];
  if (o(crd['spec'])['preserveUnknownFields'] === true) {
    return [fe.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead')];
  }
  return [];
}

/** ValidateCustomResourceDefinition. */
export function validateCrd(crd: Obj): FieldError[] {
  const spec = o(crd['spec']);
  const names = o(spec['names']);
  const required = `${s(names['plural'])}.${s(spec['group'])}`;
  const nameFn = (name: string, prefix: boolean): string[] => {
    const errs = nameIsDNSSubdomain(name, prefix);
    return name === required ? errs : [...errs, 'must be spec.names.plural+"."+spec.group'];
  };
  const status = o(crd['status']);
  return [
    ...validateObjectMeta(o(crd['metadata']), false, nameFn, { kubeFinalizers: false }),
    ...validateSpec(spec),
    ...validateStatus(status),
    ...validateStoredVersions(strs(status['storedVersions']), objs(spec['versions'])),
    ...validateApproval(crd, undefined),
    ...validatePreserveUnknownFields(crd, undefined),
  ];
}

function condition(crd: Obj, type: string): Obj | undefined {
  return objs(o(crd['status'])['conditions']).find((c) => c['type'] === type);
}

/** Whether the CRD's condition of that type is True. */
export function conditionTrue(crd: Obj, type: string): boolean {
  return condition(crd, type)?.['status'] === 'True';
}

/** ValidateCustomResourceDefinitionUpdate (and, for /status, ValidateUpdateCustomResourceDefinitionStatus). */
export function validateCrdUpdate(crd: Obj, old: Obj): FieldError[] {
  const spec = o(crd['spec']);
  const oldSpec = o(old['spec']);
  const status = o(crd['status']);
  const errs = validateObjectMetaUpdate(o(crd['metadata']), o(old['metadata']), { kubeFinalizers: false });
  errs.push(...validateSpec(spec));
  if (conditionTrue(old, 'Established')) {
    errs.push(...validateImmutable(spec['scope'] ?? '', oldSpec['scope'] ?? '', 'spec.scope'));
    errs.push(...validateImmutable(o(spec['names'])['kind'] ?? '', o(oldSpec['names'])['kind'] ?? '', 'spec.names.kind'));
  }
  errs.push(...validateImmutable(spec['group'] ?? '', oldSpec['group'] ?? '', 'spec.group'));
  errs.push(...validateImmutable(o(spec['names'])['plural'] ?? '', o(oldSpec['names'])['plural'] ?? '', 'spec.names.plural'));
  errs.push(...validateStatus(status));
  errs.push(...validateStoredVersions(strs(status['storedVersions']), objs(spec['versions'])));
  errs.push(...validateApproval(crd, old));
  errs.push(...validatePreserveUnknownFields(crd, old));
  return errs;
}

/** The condition set as apihelpers.SetCRDCondition does (the transition time moves when the status does). */
export function setCondition(crd: Obj, c: { type: string; status: string; reason: string; message: string }, now: string): void {
  const status = o(crd['status']);
  crd['status'] = status;
  const list = objs(status['conditions']);
  const existing = list.find((x) => x['type'] === c.type);
  if (existing === undefined) {
    list.push({ type: c.type, status: c.status, lastTransitionTime: now, reason: c.reason, message: c.message });
  } else {
    if (existing['status'] !== c.status || s(existing['lastTransitionTime']) === '') existing['lastTransitionTime'] = now;
    existing['status'] = c.status;
    existing['reason'] = c.reason;
    existing['message'] = c.message;
  }
  status['conditions'] = list;
}

/** The REST Delete of a CRD: marked Terminating and held by the cleanup finalizer until its custom resources are gone. */
export function prepareCrdForDelete(crd: Obj, now: string): void {
  const meta = o(crd['metadata']);
  crd['metadata'] = meta;
  const finalizers = strs(meta['finalizers']);
  if (!finalizers.includes(CLEANUP_FINALIZER)) meta['finalizers'] = [...finalizers, CLEANUP_FINALIZER];
  setCondition(crd, {
    type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending',
    message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
  }, now);
}
