// The kinds a CustomResourceDefinition makes the server serve (apiextensions-apiserver's
// crdHandler, customresource strategy and validator): one KindDefinition per served version of
// an Established definition, named by its status.acceptedNames, with
//   - the version's schema as decoder (pruning, defaulting, fieldValidation) and validator,
//   - status semantics when the status subresource is on (the main resource keeps the old status,
//     /status keeps everything else), generation bumped by any change outside metadata,
//   - the scale subresource from its replica paths, the table from its printer columns,
//   - strategic merge patch refused, updates that must name a resourceVersion,
//   - conversion None only: every version reads and writes the same objects, only apiVersion
//     changes (the stored form carries the storage version).
// Pure: a function of the definition object.
import { ApiError, fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { isObj, o, objs, s } from '../../../kube/values.ts';
import type { KubeObject } from '../../storage/types.ts';
import { defineKind, jsonEqual, scaleSubresource, statusSubresource, type KindDefinition, type Obj, type ScaleSpec, type SubresourceInfo } from '../kind.ts';
import { conditionTrue, storageVersion } from './crd-validation.ts';
import { CustomResourceDecoder } from './custom-decoder.ts';
import { validateEmbeddedResources } from './embedded.ts';
import { validateListSetsAndMaps } from './list-types.ts';
import { customResourceOpenApi, definitionName } from './openapi.ts';
import { customResourceTable, DEFAULT_COLUMNS, type PrinterColumn } from './printer-columns.ts';
import type { JSONSchema } from './schema.ts';
import { validateValue } from './value-validation.ts';

const VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const TERMINATING_VERBS = ['delete', 'deletecollection', 'get', 'list', 'watch'];
const MAX_INT32 = 2147483647;

function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function meta(obj: Obj): Obj {
  if (!isObj(obj['metadata'])) obj['metadata'] = {};
  return obj['metadata'] as Obj;
}

/** Go's %T of a decoded JSON value. */
function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's %v of a decoded JSON value, as the accessor errors print it. */
function goPrint(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrint(v[k])}`).join(' ')}]`;
  return '<nil>';
}

/** unstructured.NestedFieldNoCopy along a dotted path. */
function nested(obj: Obj, path: string): { found: boolean; value: unknown } {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (!isObj(cur) || !Object.hasOwn(cur, p)) return { found: false, value: undefined };
    cur = cur[p];
  }
  return { found: true, value: cur };
}

/** ValidateScaleSpec / ValidateScaleStatus: the replica counts are int32s, the selector a string. */
function validateScale(obj: Obj, scale: { spec: string; status: string; selector?: string } | undefined, specToo: boolean): FieldError[] {
  if (scale === undefined) return [];
  const errs: FieldError[] = [];
  const replicas = (jsonPath: string): void => {
    const { found, value } = nested(obj, jsonPath.replace(/^\./, ''));
    if (!found || value === null) return;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      errs.push(fe.invalid(jsonPath, 0, `${jsonPath} accessor error: ${goPrint(value)} is of the type ${goType(value)}, expected int64`));
    } else if (value < 0) errs.push(fe.invalid(jsonPath, value, 'should be a non-negative integer'));
    else if (value > MAX_INT32) errs.push(fe.invalid(jsonPath, value, `should be less than or equal to ${MAX_INT32}`));
  };
  if (specToo) replicas(scale.spec);
  replicas(scale.status);
  if (scale.selector !== undefined) {
    const { found, value } = nested(obj, scale.selector.replace(/^\./, ''));
    if (found && value !== null && typeof value !== 'string') {
      errs.push(fe.invalid(scale.selector, '', `${scale.selector} accessor error: ${goPrint(value)} is of the type ${goType(value)}, expected string`));
    }
  }
  return errs;
}

/** The object's content outside metadata (what a generation counts). */
function nonMetadata(obj: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) if (k !== 'metadata') out[k] = v;
  return out;
}

/** The kinds of one CustomResourceDefinition: none unless it is Established. */
export function customResourceKinds(crd: Obj): KindDefinition[] {
  if (!conditionTrue(crd, 'Established')) return [];
  const spec = o(crd['spec']);
  const names = o(o(crd['status'])['acceptedNames']);
  const plural = s(names['plural']);
  const singular = s(names['singular']);
  const kind = s(names['kind']);
  const listKind = s(names['listKind']);
  const group = s(spec['group']);
  if (plural === '' || singular === '' || kind === '' || listKind === '' || group === '') return [];
  const namespaced = spec['scope'] === 'Namespaced';
  const terminating = conditionTrue(crd, 'Terminating');
  const stored = storageVersion(crd);
  const out: KindDefinition[] = [];
  for (const v of objs(spec['versions'])) {
    const version = s(v['name']);
    if (v['served'] !== true || version === '') continue;
    const rawSchema = o(v['schema'])['openAPIV3Schema'];
    const schema: JSONSchema | undefined = isObj(rawSchema) ? rawSchema : undefined;
    const subresources = o(v['subresources']);
    const withStatus = subresources['status'] !== undefined && subresources['status'] !== null;
    const scaleDecl = isObj(subresources['scale']) ? subresources['scale'] : undefined;
    const scale = scaleDecl === undefined ? undefined : {
      spec: s(scaleDecl['specReplicasPath']),
      status: s(scaleDecl['statusReplicasPath']),
      ...(s(scaleDecl['labelSelectorPath']) === '' ? {} : { selector: s(scaleDecl['labelSelectorPath']) }),
    };
    const subs: SubresourceInfo[] = [];
    if (withStatus) subs.push(statusSubresource(kind));
    if (scale !== undefined) subs.push(scaleSubresource);
    let scaleSpec: ScaleSpec | undefined;
    if (scale !== undefined) {
      scaleSpec = { specReplicasPath: scale.spec.replace(/^\./, ''), statusReplicasPath: scale.status.replace(/^\./, '') };
      if (scale.selector !== undefined) scaleSpec.labelSelectorPath = scale.selector.replace(/^\./, '');
    }
    const columns: PrinterColumn[] = objs(v['additionalPrinterColumns']).map((c) => ({
      name: s(c['name']), type: s(c['type']), format: s(c['format']), description: s(c['description']),
      priority: typeof c['priority'] === 'number' ? c['priority'] : 0, jsonPath: s(c['jsonPath']),
    }));
    const decoder = new CustomResourceDecoder(definitionName(group, version, kind), schema);
    const storedApiVersion = `${group}/${stored ?? version}`;
    const validate = (obj: Obj, old: Obj | undefined, sub: boolean): FieldError[] => {
      const m = o(obj['metadata']);
      const errs = old === undefined
        ? validateObjectMeta(m, namespaced, nameIsDNSSubdomain, { kubeFinalizers: false })
        : validateObjectMetaUpdate(m, o(old['metadata']), { kubeFinalizers: false });
      if (schema !== undefined) {
        if (sub) {
          const statusSchema = o(schema['properties'])['status'];
          if (Object.hasOwn(obj, 'status') && isObj(statusSchema)) errs.push(...validateValue(statusSchema, obj['status'], 'status'));
        } else {
          errs.push(...validateValue(schema, obj));
        }
      }
      errs.push(...validateScale(obj, scale, !sub));
      if (!sub) errs.push(...validateEmbeddedResources(obj, schema));
      const lists = validateListSetsAndMaps('', schema, obj);
      if (lists.length > 0 && (old === undefined || validateListSetsAndMaps('', schema, old).length === 0)) errs.push(...lists);
      return errs;
    };
    // whether the last prepareForUpdate was of /status (validateUpdate follows it in the same write)
    let statusWrite = false;
    out.push(defineKind({
      group, version, kind, resource: plural, singular, listKind, namespaced,
      verbs: terminating ? TERMINATING_VERBS : VERBS,
      shortNames: strs(names['shortNames']),
      categories: strs(names['categories']),
      subresources: subs,
      table: customResourceTable(columns.length > 0 ? columns : DEFAULT_COLUMNS),
      ...(scaleSpec === undefined ? {} : { scale: scaleSpec }),
      strategy: {
        allowUnconditionalUpdate: false,
        toStorage: (obj: KubeObject) => ({ ...obj, apiVersion: storedApiVersion }),
        fromStorage: (obj: KubeObject) => decoder.normalizeStored(obj),
      },
      decoder,
      strategicMergePatch: false,
      openapi: customResourceOpenApi({ group, version, kind, listKind, plural, schema }),
      prepareForCreate(obj) {
        if (terminating) throw customResourceTerminating(group, plural);
        if (withStatus) delete obj['status'];
        meta(obj)['generation'] = 1;
      },
      prepareForUpdate(obj, old, subresource) {
        statusWrite = subresource === 'status';
        if (subresource === 'status') {
          const hasStatus = Object.hasOwn(obj, 'status');
          const status = obj['status'];
          const managedFields = meta(obj)['managedFields'];
          for (const k of Object.keys(obj)) Reflect.deleteProperty(obj, k);
          Object.assign(obj, structuredClone(old));
          if (managedFields === undefined) delete meta(obj)['managedFields'];
          else meta(obj)['managedFields'] = managedFields;
          if (hasStatus) obj['status'] = status;
          else delete obj['status'];
          return;
        }
        if (withStatus) {
          if (Object.hasOwn(old, 'status')) obj['status'] = structuredClone(old['status']);
          else delete obj['status'];
        }
        const oldGen = typeof o(old['metadata'])['generation'] === 'number' ? o(old['metadata'])['generation'] as number : 0;
        meta(obj)['generation'] = jsonEqual(nonMetadata(obj), nonMetadata(old)) ? oldGen : oldGen + 1;
      },
      validate: (obj) => validate(obj, undefined, false),
      validateUpdate: (obj, old) => {
        const sub = statusWrite;
        statusWrite = false;
        return validate(obj, old, sub);
      },
    }));
  }
  return out;
}

/** The 405 a create gets while the definition is being deleted. */
function customResourceTerminating(group: string, plural: string): ApiError {
  const err = ApiError.methodNotSupported({ group, resource: plural }, 'create');
  err.status.message = 'create not allowed while custom resource definition is terminating';
  return err;
}
