// The checks of a CustomResourceDefinition's openAPIV3Schema (apiextensions-apiserver
// pkg/apis/apiextensions/validation: validateCustomResourceDefinitionValidation and
// ValidateCustomResourceDefinitionOpenAPISchema; pkg/apiserver/schema: ValidateStructural and its
// completeness check; pkg/apiserver/schema/defaulting: ValidateDefaults), with kube's paths and
// messages:
//   spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields
// Structural errors come first, sorted as upstream sorts them, then the API rules in schema order
// (Go visits properties in random order). x-kubernetes-validations rules are checked for shape
// only: CEL is not compiled and the rules are not enforced. Pure.
import { fieldErrors as fe, fieldErrorString, type FieldError } from '../../api/errors.ts';
import { rawValueError } from '../core/common.ts';
import { compileGoPattern } from './go-regexp.ts';
import { pruneUnknown } from './pruning.ts';
import {
  additionalProperties, defaultOf, isEmbedded, isIntOrString, isSchema, items, listType, preservesUnknown, properties, str, strings, typeOf, type JSONSchema,
} from './schema.ts';
import { validateValue } from './value-validation.ts';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);

/** JSONSchemaProps' JSON names in the Go struct's field order, with the Go names. */
const GO_FIELDS: readonly (readonly [string, string])[] = [
  ['id', 'ID'], ['$schema', 'Schema'], ['$ref', 'Ref'], ['description', 'Description'], ['type', 'Type'], ['nullable', 'Nullable'],
  ['format', 'Format'], ['title', 'Title'], ['default', 'Default'], ['maximum', 'Maximum'], ['exclusiveMaximum', 'ExclusiveMaximum'],
  ['minimum', 'Minimum'], ['exclusiveMinimum', 'ExclusiveMinimum'], ['maxLength', 'MaxLength'], ['minLength', 'MinLength'],
  ['pattern', 'Pattern'], ['maxItems', 'MaxItems'], ['minItems', 'MinItems'], ['uniqueItems', 'UniqueItems'], ['multipleOf', 'MultipleOf'],
  ['enum', 'Enum'], ['maxProperties', 'MaxProperties'], ['minProperties', 'MinProperties'], ['required', 'Required'], ['items', 'Items'],
  ['allOf', 'AllOf'], ['oneOf', 'OneOf'], ['anyOf', 'AnyOf'], ['not', 'Not'], ['properties', 'Properties'],
  ['additionalProperties', 'AdditionalProperties'], ['patternProperties', 'PatternProperties'], ['dependencies', 'Dependencies'],
  ['additionalItems', 'AdditionalItems'], ['definitions', 'Definitions'], ['externalDocs', 'ExternalDocs'], ['example', 'Example'],
  ['x-kubernetes-preserve-unknown-fields', 'XPreserveUnknownFields'], ['x-kubernetes-embedded-resource', 'XEmbeddedResource'],
  ['x-kubernetes-int-or-string', 'XIntOrString'], ['x-kubernetes-list-map-keys', 'XListMapKeys'], ['x-kubernetes-list-type', 'XListType'],
  ['x-kubernetes-map-type', 'XMapType'], ['x-kubernetes-validations', 'XValidations'],
];

const ALLOWED_AT_ROOT_WITH_STATUS = ['Description', 'Type', 'Format', 'Title', 'Maximum', 'ExclusiveMaximum', 'Minimum', 'ExclusiveMinimum', 'MaxLength',
  'MinLength', 'Pattern', 'MaxItems', 'MinItems', 'UniqueItems', 'MultipleOf', 'Required', 'Items', 'Properties', 'ExternalDocs', 'Example',
  'XPreserveUnknownFields', 'XValidations'];

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '' || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

const child = (path: string, name: string): string => `${path}.${name}`;
const key = (path: string, k: string): string => `${path}[${k}]`;

// ---- structural invariants ----------------------------------------------------------------------

type Level = 'root' | 'item' | 'field';

const INT_OR_STRING_ANY_OF = (v: unknown): boolean =>
  Array.isArray(v) && v.length === 2 && isSchema(v[0]) && isSchema(v[1])
  && Object.keys(v[0]).length === 1 && v[0]['type'] === 'integer' && Object.keys(v[1]).length === 1 && v[1]['type'] === 'string';

/** The nested value validation of a junctor branch (allOf/anyOf/oneOf/not). */
function validateNested(v: JSONSchema, path: string, skipAnyOf: boolean): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateValueValidation(v, path, skipAnyOf, false));
  if (isSchema(v['items'])) errs.push(...validateNested(v['items'], child(path, 'items'), false));
  const props = properties(v) ?? {};
  for (const [k, p] of Object.entries(props)) errs.push(...validateNested(p, key(child(path, 'properties'), k), false));
  if (typeOf(v) !== '') errs.push(fe.forbidden(child(path, 'type'), 'must be empty to be structural'));
  if (v['additionalProperties'] !== undefined && v['additionalProperties'] !== null) errs.push(fe.forbidden(child(path, 'additionalProperties'), 'must be undefined to be structural'));
  if (defaultOf(v) !== undefined) errs.push(fe.forbidden(child(path, 'default'), 'must be undefined to be structural'));
  if (str(v, 'title') !== '') errs.push(fe.forbidden(child(path, 'title'), 'must be empty to be structural'));
  if (str(v, 'description') !== '') errs.push(fe.forbidden(child(path, 'description'), 'must be empty to be structural'));
  if (v['nullable'] === true) errs.push(fe.forbidden(child(path, 'nullable'), 'must be false to be structural'));
  if (v['x-kubernetes-preserve-unknown-fields'] === true) errs.push(fe.forbidden(child(path, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (v['x-kubernetes-embedded-resource'] === true) errs.push(fe.forbidden(child(path, 'x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (v['x-kubernetes-int-or-string'] === true) errs.push(fe.forbidden(child(path, 'x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (strings(v, 'x-kubernetes-list-map-keys').length > 0) errs.push(fe.forbidden(child(path, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (typeof v['x-kubernetes-list-type'] === 'string') errs.push(fe.forbidden(child(path, 'x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (typeof v['x-kubernetes-map-type'] === 'string') errs.push(fe.forbidden(child(path, 'x-kubernetes-map-type'), 'must be undefined to be structural'));
  if (Array.isArray(v['x-kubernetes-validations']) && v['x-kubernetes-validations'].length > 0) errs.push(fe.forbidden(child(path, 'x-kubernetes-validations'), 'must be empty to be structural'));
  if (Object.hasOwn(props, 'metadata')) errs.push(fe.forbidden(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  return errs;
}

function validateValueValidation(s: JSONSchema, path: string, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const junctor = (name: 'anyOf' | 'allOf' | 'oneOf'): JSONSchema[] => (Array.isArray(s[name]) ? (s[name] as unknown[]).filter(isSchema) : []);
  if (!skipAnyOf) junctor('anyOf').forEach((v, i) => errs.push(...validateNested(v, key(child(path, 'anyOf'), String(i)), false)));
  junctor('allOf').forEach((v, i) => errs.push(...validateNested(v, key(child(path, 'allOf'), String(i)), skipFirstAllOfAnyOf && i === 0)));
  junctor('oneOf').forEach((v, i) => errs.push(...validateNested(v, key(child(path, 'oneOf'), String(i)), false)));
  if (isSchema(s['not'])) errs.push(...validateNested(s['not'], child(path, 'not'), false));
  const pattern = str(s, 'pattern');
  if (pattern !== '') {
    const re = compileGoPattern(pattern);
    if (re.error !== undefined) errs.push(fe.invalid(child(path, 'pattern'), pattern, `must be a valid regular expression, but isn't: ${re.error}`));
  }
  return errs;
}

function validateMetadataInvariants(m: JSONSchema, checkMetadata: boolean, level: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && typeOf(m) !== 'object') errs.push(fe.invalid(child(path, 'type'), typeOf(m), 'must be object'));
  if (level === 'root') {
    const rest: Record<string, unknown> = { ...m };
    const props = properties(m) ?? {};
    const names = Object.keys(props);
    const onlyNames = names.length > 0 && names.every((n) => n === 'name' || n === 'generateName');
    if (onlyNames) delete rest['properties'];
    delete rest['type'];
    delete rest['default'];
    if (Object.values(rest).some((v) => !isZero(v))) {
      errs.push(fe.forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  return errs;
}

function validateStructuralInvariants(s: JSONSchema, level: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeOf(s);
  const item = items(s);
  if (type === 'array' && item === undefined) errs.push(fe.required(child(path, 'items'), 'must be specified'));
  if (item !== undefined) errs.push(...validateStructuralInvariants(item, 'item', child(path, 'items')));
  const props = properties(s) ?? {};
  for (const [k, p] of Object.entries(props)) errs.push(...validateStructuralInvariants(p, 'field', key(child(path, 'properties'), k)));
  const additional = additionalProperties(s);
  if (additional !== undefined) {
    if (level === 'root') errs.push(fe.forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
    if (isSchema(additional)) errs.push(...validateStructuralInvariants(additional, 'field', child(path, 'additionalProperties')));
  }
  const intOrString = isIntOrString(s);
  const embedded = isEmbedded(s);
  const preserve = preservesUnknown(s);
  if (intOrString && preserve) errs.push(fe.invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(fe.invalid(child(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));
  const skipAnyOf = INT_OR_STRING_ANY_OF(s['anyOf']);
  const allOf = Array.isArray(s['allOf']) ? s['allOf'] : [];
  const skipFirstAllOfAnyOf = allOf.length >= 1 && isSchema(allOf[0]) && INT_OR_STRING_ANY_OF(allOf[0]['anyOf']);
  errs.push(...validateValueValidation(s, path, skipAnyOf, skipFirstAllOfAnyOf));
  const checkMetadata = level === 'root' || embedded;
  if (embedded && type !== 'object') {
    errs.push(type === '' ? fe.required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true')
      : fe.invalid(child(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !intOrString && !preserve) {
    const where = level === 'root' ? 'at the root' : level === 'item' ? 'for specified array items' : 'for specified object fields';
    errs.push(fe.required(child(path, 'type'), `must not be empty ${where}`));
  }
  if (embedded && additional !== undefined) errs.push(fe.forbidden(child(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (level === 'root' && type !== '' && type !== 'object') errs.push(fe.invalid(child(path, 'type'), type, 'must be object at the root'));
  for (const f of ['kind', 'apiVersion']) {
    const p = props[f];
    if (p !== undefined && checkMetadata && typeOf(p) !== 'string') errs.push(fe.invalid(child(key(child(path, 'properties'), f), 'type'), typeOf(p), 'must be string'));
  }
  const meta = props['metadata'];
  if (meta !== undefined) errs.push(...validateMetadataInvariants(meta, checkMetadata, level, key(child(path, 'properties'), 'metadata')));
  if (embedded && !preserve && Object.keys(props).length === 0) {
    errs.push(fe.required(child(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

/** Value validations may only name fields the structural schema specifies (validateStructuralCompleteness). */
function validateCompleteness(s: JSONSchema | undefined, sPath: string, v: JSONSchema, vPath: string, nested: boolean): FieldError[] {
  if (s === undefined) return [fe.required(sPath, `because it is defined in ${vPath}`)];
  const errs: FieldError[] = [];
  const junctor = (name: 'anyOf' | 'allOf' | 'oneOf'): JSONSchema[] => (Array.isArray(v[name]) ? (v[name] as unknown[]).filter(isSchema) : []);
  if (isSchema(v['not'])) errs.push(...validateCompleteness(s, sPath, v['not'], child(vPath, 'not'), true));
  for (const name of ['allOf', 'anyOf', 'oneOf'] as const) {
    junctor(name).forEach((x, i) => errs.push(...validateCompleteness(s, sPath, x, key(child(vPath, name), String(i)), true)));
  }
  if (!nested) return errs;
  if (isSchema(v['items'])) errs.push(...validateCompleteness(items(s), child(sPath, 'items'), v['items'], child(vPath, 'items'), true));
  const sProps = properties(s) ?? {};
  for (const [k, vp] of Object.entries(properties(v) ?? {})) {
    const sp = sProps[k];
    if (sp === undefined) errs.push(fe.required(key(child(sPath, 'properties'), k), `because it is defined in ${key(child(vPath, 'properties'), k)}`));
    else errs.push(...validateCompleteness(sp, key(child(sPath, 'properties'), k), vp, key(child(vPath, 'properties'), k), true));
  }
  return errs;
}

function walkCompleteness(s: JSONSchema, path: string): FieldError[] {
  const errs = validateCompleteness(s, path, s, path, false);
  const item = items(s);
  if (item !== undefined) errs.push(...walkCompleteness(item, child(path, 'items')));
  for (const [k, p] of Object.entries(properties(s) ?? {})) errs.push(...walkCompleteness(p, key(child(path, 'properties'), k)));
  const additional = additionalProperties(s);
  if (isSchema(additional)) errs.push(...walkCompleteness(additional, child(path, 'additionalProperties')));
  return errs;
}

/** ValidateStructural: the invariants and the completeness, sorted by their messages. */
export function validateStructural(schema: JSONSchema, path: string): FieldError[] {
  const errs = [...validateStructuralInvariants(schema, 'root', path), ...walkCompleteness(schema, path)];
  return errs.sort((a, b) => {
    const x = fieldErrorString(a);
    const y = fieldErrorString(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

// ---- defaults -------------------------------------------------------------------------------------

/** ValidateDefaults: every default is pruned already and valid against its own schema. */
function validateDefaults(s: JSONSchema, path: string, embeddedRoot: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const d = defaultOf(s);
  if (d !== undefined) {
    const probe: Record<string, unknown> = { value: structuredClone(d.value) };
    pruneUnknown(probe, { type: 'object', properties: { value: s } }, false);
    if (JSON.stringify(probe['value']) !== JSON.stringify(d.value)) errs.push(fe.invalid(child(path, 'default'), d.value, 'must not have unknown fields'));
    errs.push(...validateValue(s, d.value, child(path, 'default')));
  }
  const item = items(s);
  if (item !== undefined) errs.push(...validateDefaults(item, child(path, 'items'), false));
  for (const [k, p] of Object.entries(properties(s) ?? {})) {
    // defaults in the metadata of the root are refused by the API rules already
    if (embeddedRoot && META_FIELDS.has(k)) continue;
    errs.push(...validateDefaults(p, key(child(path, 'properties'), k), isEmbedded(p)));
  }
  return errs;
}

// ---- the API rules ---------------------------------------------------------------------------------

interface RuleContext {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
}

function ssvValidate(s: JSONSchema, path: string, ctx: RuleContext): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeOf(s);
  if (type !== '' && !OPENAPI_TYPES.includes(type)) errs.push(fe.notSupported(child(path, 'type'), type, OPENAPI_TYPES));
  if (defaultOf(s) !== undefined && !ctx.allowDefaults) {
    errs.push(fe.forbidden(child(path, 'default'), `must not be set${ctx.disallowDefaultsReason === '' ? '' : ` ${ctx.disallowDefaultsReason}`}`));
  }
  if (str(s, 'id') !== '') errs.push(fe.forbidden(child(path, 'id'), 'id is not supported'));
  if (s['additionalItems'] !== undefined && s['additionalItems'] !== null) errs.push(fe.forbidden(child(path, 'additionalItems'), 'additionalItems is not supported'));
  if (!isZero(s['patternProperties'])) errs.push(fe.forbidden(child(path, 'patternProperties'), 'patternProperties is not supported'));
  if (!isZero(s['definitions'])) errs.push(fe.forbidden(child(path, 'definitions'), 'definitions is not supported'));
  if (s['dependencies'] !== undefined && s['dependencies'] !== null) errs.push(fe.forbidden(child(path, 'dependencies'), 'dependencies is not supported'));
  if (typeof s['$ref'] === 'string') errs.push(fe.forbidden(child(path, '$ref'), '$ref is not supported'));
  if (type === 'null') errs.push(fe.forbidden(child(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s['items']) && s['items'].length > 0) errs.push(fe.forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
  if (ctx.insideResourceMeta && isEmbedded(s)) errs.push(fe.forbidden(child(path, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  return errs;
}

function validateMapListKeysMapSet(s: JSONSchema, path: string): FieldError[] {
  const item = items(s);
  const lt = listType(s);
  if (item === undefined || (lt !== 'set' && lt !== 'map')) return [];
  const errs: FieldError[] = [];
  if (item['nullable'] === true) errs.push(fe.forbidden(child(child(path, 'items'), 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${lt}`));
  if (lt === 'map') {
    const required = new Set(strings(item, 'required'));
    const props = properties(item) ?? {};
    for (const k of strings(s, 'x-kubernetes-list-map-keys')) {
      const p = props[k];
      if (p === undefined) continue;
      const at = key(child(child(path, 'items'), 'properties'), k);
      if (!required.has(k) && defaultOf(p) === undefined) errs.push(fe.required(child(at, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      if (p['nullable'] === true) errs.push(fe.forbidden(child(at, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
    }
  }
  return errs;
}

function listMapErrors(s: JSONSchema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeOf(s);
  const lt = s['x-kubernetes-list-type'];
  const mt = s['x-kubernetes-map-type'];
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(fe.invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  if (typeof mt === 'string' && type !== 'object') {
    errs.push(type === '' ? fe.required(child(path, 'type'), 'must be object if x-kubernetes-map-type is specified')
      : fe.invalid(child(path, 'type'), type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (typeof mt === 'string' && mt !== 'atomic' && mt !== 'granular') errs.push(fe.notSupported(child(path, 'x-kubernetes-map-type'), mt, ['atomic', 'granular']));
  const item = items(s);
  if (typeof lt === 'string' && type !== 'array') {
    errs.push(type === '' ? fe.required(child(path, 'type'), 'must be array if x-kubernetes-list-type is specified')
      : fe.invalid(child(path, 'type'), type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (lt === 'set' && item !== undefined) {
    const it = typeOf(item);
    const itemListType = item['x-kubernetes-list-type'];
    const itemMapType = item['x-kubernetes-map-type'];
    if (it === 'array' && typeof itemListType === 'string' && itemListType !== 'atomic') {
      errs.push(fe.invalid(child(child(path, 'items'), 'x-kubernetes-list-type'), itemListType, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    } else if (it === 'object' && itemMapType !== 'atomic') {
      errs.push(rawValueError('FieldValueInvalid', child(child(path, 'items'), 'x-kubernetes-map-type'), typeof itemListType === 'string' ? `&"${itemListType}"` : '(*string)(nil)', 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (typeof lt === 'string' && lt !== 'atomic' && lt !== 'set' && lt !== 'map') errs.push(fe.notSupported(child(path, 'x-kubernetes-list-type'), lt, ['atomic', 'set', 'map']));
  const keys = strings(s, 'x-kubernetes-list-map-keys');
  if (keys.length > 0) {
    if (typeof lt !== 'string') errs.push(fe.required(child(path, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (lt !== 'map') errs.push(fe.invalid(child(path, 'x-kubernetes-list-type'), lt, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (lt === 'map') {
    if (keys.length === 0) errs.push(fe.required(child(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (s['items'] === undefined || s['items'] === null) errs.push(fe.required(child(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s['items'])) errs.push(fe.invalid(child(path, 'items'), s['items'], 'must only have a single schema if x-kubernetes-list-type is map'));
    if (item !== undefined && typeOf(item) !== 'object') errs.push(fe.invalid(child(child(path, 'items'), 'type'), typeOf(item), "must be object if parent array's x-kubernetes-list-type is map"));
    if (item !== undefined && typeOf(item) === 'object') {
      const seen = new Set<string>();
      const props = properties(item) ?? {};
      for (const k of keys) {
        const p = props[k];
        if (p !== undefined) {
          if (typeOf(p) === 'array' || typeOf(p) === 'object') {
            errs.push(fe.invalid(child(key(child(child(path, 'items'), 'properties'), k), 'type'), typeOf(item), "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else {
          errs.push(fe.invalid(child(path, 'x-kubernetes-list-map-keys'), keys, 'entries must all be names of item properties'));
        }
        if (seen.has(k)) errs.push(fe.invalid(child(path, 'x-kubernetes-list-map-keys'), keys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  errs.push(...validateMapListKeysMapSet(s, path));
  const rules = Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : [];
  rules.forEach((raw, i) => {
    const rule = isSchema(raw) ? raw : {};
    const at = key(child(path, 'x-kubernetes-validations'), String(i));
    const text = str(rule, 'rule').trim();
    const message = str(rule, 'message');
    if (text === '') errs.push(fe.required(child(at, 'rule'), 'rule is not specified'));
    else if (message !== '' && message.trim() === '') errs.push(fe.invalid(child(at, 'message'), message, 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(message.trim())) errs.push(fe.invalid(child(at, 'message'), message, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(text) && message.trim() === '') errs.push(fe.required(child(at, 'message'), 'message must be specified if rule contains line breaks'));
    const expr = str(rule, 'messageExpression');
    if (expr !== '' && expr.trim() === '') errs.push(fe.required(child(at, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    const reason = str(rule, 'reason');
    const reasons = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
    if (reason !== '' && !reasons.includes(reason)) errs.push(fe.notSupported(child(at, 'reason'), reason, reasons));
    const fieldPath = str(rule, 'fieldPath');
    if (fieldPath !== '' && fieldPath.trim() === '') errs.push(fe.invalid(child(at, 'fieldPath'), fieldPath, 'fieldPath must be non-empty if specified'));
    if (/[\n\r]/.test(fieldPath)) errs.push(fe.invalid(child(at, 'fieldPath'), fieldPath, 'fieldPath must not contain line breaks'));
  });
  return errs;
}

/** ValidateCustomResourceDefinitionOpenAPISchema: the API's rules for every node. */
function validateOpenApiSchema(s: JSONSchema, path: string, ctx: RuleContext, isRoot: boolean): FieldError[] {
  const errs = ssvValidate(s, path, ctx);
  if (s['uniqueItems'] === true) errs.push(fe.forbidden(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  const props = properties(s) ?? {};
  const additional = s['additionalProperties'];
  if (additional !== undefined && additional !== null) {
    if (Object.keys(props).length > 0 && (additional === false || isSchema(additional))) {
      errs.push(fe.forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    if (isSchema(additional)) {
      const sub = ctx.insideResourceMeta ? { ...ctx, allowDefaults: false, disallowDefaultsReason: 'inside additionalProperties applying to object metadata' } : ctx;
      errs.push(...validateOpenApiSchema(additional, child(path, 'additionalProperties'), sub, false));
    }
  }
  for (const [k, p] of Object.entries(props)) {
    let sub = ctx;
    if ((isRoot || isEmbedded(s)) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${k}` };
    }
    errs.push(...validateOpenApiSchema(p, key(child(path, 'properties'), k), sub, false));
  }
  if (isSchema(s['not'])) errs.push(...validateOpenApiSchema(s['not'], child(path, 'not'), ctx, false));
  for (const name of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = Array.isArray(s[name]) ? (s[name] as unknown[]) : [];
    list.forEach((x, i) => { if (isSchema(x)) errs.push(...validateOpenApiSchema(x, key(child(path, name), String(i)), ctx, false)); });
  }
  if (isSchema(s['definitions'])) {
    for (const [k, d] of Object.entries(s['definitions'])) if (isSchema(d)) errs.push(...validateOpenApiSchema(d, key(child(path, 'definitions'), k), ctx, false));
  }
  const item = s['items'];
  if (isSchema(item)) errs.push(...validateOpenApiSchema(item, child(path, 'items'), ctx, false));
  else if (Array.isArray(item)) item.forEach((x, i) => { if (isSchema(x)) errs.push(...validateOpenApiSchema(x, key(child(path, 'items'), String(i)), ctx, false)); });
  if (isSchema(s['dependencies'])) {
    for (const [k, d] of Object.entries(s['dependencies'])) if (isSchema(d)) errs.push(...validateOpenApiSchema(d, key(child(path, 'dependencies'), k), ctx, false));
  }
  errs.push(...listMapErrors(s, path));
  return errs;
}

/** A schema rendered for a root-field error (upstream prints the Go struct; the JSON is what users wrote). */
function schemaValue(s: JSONSchema): FieldError['badValue'] {
  return s;
}

/**
 * validateCustomResourceDefinitionValidation of one schema (`<path>` is `spec.validation` or
 * `spec.versions[i].schema`), for a CRD whose status subresource is enabled or not.
 */
export function validateCrdSchema(schema: JSONSchema | undefined, statusEnabled: boolean, path: string): FieldError[] {
  if (schema === undefined) return [];
  const root = child(path, 'openAPIV3Schema');
  const errs: FieldError[] = [];
  if (statusEnabled) {
    for (const [json, go] of GO_FIELDS) {
      if (isZero(schema[json])) continue;
      if (go === 'Type') {
        if (typeOf(schema) !== 'object') {
          errs.push(fe.invalid(child(root, 'type'), typeOf(schema), 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.includes(go)) {
        errs.push(fe.invalid(root, schemaValue(schema), `only [${ALLOWED_AT_ROOT_WITH_STATUS.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema['nullable'] === true) errs.push(fe.forbidden(child(root, 'nullable'), 'nullable cannot be true at the root'));
  const structural = validateStructural(schema, root);
  if (structural.length > 0) errs.push(...structural);
  else errs.push(...validateDefaults(schema, root, true));
  errs.push(...validateOpenApiSchema(schema, root, { allowDefaults: true, disallowDefaultsReason: '', insideResourceMeta: false }, true));
  return errs;
}
