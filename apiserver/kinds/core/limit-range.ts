// core/v1 LimitRange: SetDefaults_LimitRangeItem (a Container item's default limit from max, its
// default request from the default limit or min), ValidateLimitRange (limit types, resource
// names, min <= defaultRequest <= default <= max, ratios) and the default table (Name, Created At:
// kube has no printer for limit ranges).
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { compareQuantities, formatQuantity, type Quantity } from '../../api/quantity.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, type KindDefinition } from '../kind.ts';
import {
  arr, child, defaultResourceList, isObj, isOvercommitAllowed, milliValue, o, qualifiedName, quantityFormatError, quantityOf, s,
  validateContainerResourceName, validateResourceName, type Obj,
} from './common.ts';

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];
const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
/** resource.MaxMilliValue: the largest value whose milli value fits an int64. */
const MAX_MILLI_VALUE = 9223372036854775n;

export function defaultLimitRange(lr: Obj): void {
  const spec = child(lr, 'spec');
  if (spec === undefined) return;
  // limits is not omitempty; an item's type is not either
  if (spec['limits'] === undefined) spec['limits'] = null;
  for (const item of arr(spec['limits'])) {
    if (!isObj(item)) continue;
    if (item['type'] === undefined) item['type'] = '';
    if (item['type'] === 'Container') {
      const dflt = child(item, 'default');
      const dflReq = child(item, 'defaultRequest');
      if (dflt !== undefined) for (const [k, v] of Object.entries(o(item['max']))) if (!(k in dflt)) dflt[k] = v;
      if (dflt !== undefined && dflReq !== undefined) for (const [k, v] of Object.entries(dflt)) if (!(k in dflReq)) dflReq[k] = v;
      if (dflReq !== undefined) for (const [k, v] of Object.entries(o(item['min']))) if (!(k in dflReq)) dflReq[k] = v;
      // Go drops the empty maps it made when encoding
      if (isObj(item['default']) && Object.keys(item['default']).length === 0) delete item['default'];
      if (isObj(item['defaultRequest']) && Object.keys(item['defaultRequest']).length === 0) delete item['defaultRequest'];
    }
    for (const key of LISTS) defaultResourceList(item[key]);
  }
}

function validateItemResourceName(type: string, name: string, path: string): FieldError[] {
  return type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, path) : validateResourceName(name, path);
}

/** `%f` of a float64, as fmt prints it (six decimals, +Inf for infinity). */
function goFloat(x: number): string {
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isNaN(x)) return 'NaN';
  return x.toFixed(6);
}

/** ValidateLimitRange. */
export function validateLimitRange(lr: Obj): FieldError[] {
  const errs = validateObjectMeta(o(lr['metadata']), true, nameIsDNSSubdomain);
  const types = new Set<string>();
  arr(o(lr['spec'])['limits']).map(o).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    const type = s(item['type']);
    const typeErrs = qualifiedName(type, `${p}.type`);
    errs.push(...typeErrs);
    if (typeErrs.length === 0 && !type.includes('/') && !LIMIT_TYPES.includes(type)) {
      errs.push(fe.invalid(`${p}.type`, type, 'must be a standard limit type or fully qualified'));
    }
    if (types.has(type)) errs.push(fe.duplicate(`${p}.type`, type));
    types.add(type);

    const parsed: Record<(typeof LISTS)[number], Map<string, Quantity>> = {
      max: new Map(), min: new Map(), default: new Map(), defaultRequest: new Map(), maxLimitRequestRatio: new Map(),
    };
    const keys = new Set<string>();
    const read = (list: (typeof LISTS)[number]): void => {
      for (const [k, v] of Object.entries(o(item[list]))) {
        const fp = `${p}.${list}[${k}]`;
        errs.push(...validateItemResourceName(type, k, fp));
        keys.add(k);
        const q = quantityOf(v);
        if (q === undefined) {
          const e = quantityFormatError(v, fp);
          if (e !== undefined) errs.push(e);
        } else {
          parsed[list].set(k, q);
        }
      }
    };
    read('max');
    read('min');
    if (type === 'Pod') {
      if (Object.keys(o(item['default'])).length > 0) errs.push(fe.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(o(item['defaultRequest'])).length > 0) errs.push(fe.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      read('default');
      read('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !('storage' in o(item['min'])) && !('storage' in o(item['max']))) {
      errs.push(fe.required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    read('maxLimitRequestRatio');

    for (const k of keys) {
      const min = parsed.min.get(k);
      const max = parsed.max.get(k);
      const dflt = parsed.default.get(k);
      const req = parsed.defaultRequest.get(k);
      const ratio = parsed.maxLimitRequestRatio.get(k);
      const f = formatQuantity;
      const gt = (a: Quantity, b: Quantity): boolean => compareQuantities(a, b) > 0;
      if (min && max && gt(min, max)) errs.push(fe.invalid(`${p}.min[${k}]`, f(min), `min value ${f(min)} is greater than max value ${f(max)}`));
      if (req && min && gt(min, req)) {
        errs.push(fe.invalid(`${p}.defaultRequest[${k}]`, f(req), `min value ${f(min)} is greater than default request value ${f(req)}`));
      }
      if (req && max && gt(req, max)) {
        errs.push(fe.invalid(`${p}.defaultRequest[${k}]`, f(req), `default request value ${f(req)} is greater than max value ${f(max)}`));
      }
      if (req && dflt && gt(req, dflt)) {
        errs.push(fe.invalid(`${p}.defaultRequest[${k}]`, f(req), `default request value ${f(req)} is greater than default limit value ${f(dflt)}`));
      }
      if (dflt && min && gt(min, dflt)) errs.push(fe.invalid(`${p}.default[${k}]`, f(min), `min value ${f(min)} is greater than default value ${f(dflt)}`));
      if (dflt && max && gt(dflt, max)) errs.push(fe.invalid(`${p}.default[${k}]`, f(max), `default value ${f(dflt)} is greater than max value ${f(max)}`));
      if (ratio && ratio.nanos < 1_000_000_000n) errs.push(fe.invalid(`${p}.maxLimitRequestRatio[${k}]`, f(ratio), `ratio ${f(ratio)} is less than 1`));
      if (ratio && min && max) {
        const value = (q: Quantity): bigint => {
          const g = 1_000_000_000n;
          const abs = q.nanos < 0n ? -q.nanos : q.nanos;
          const v = abs % g === 0n ? abs / g : abs / g + 1n;
          return q.nanos < 0n ? -v : v;
        };
        let ratioValue = Number(value(ratio));
        let minValue = Number(value(min));
        let maxValue = Number(value(max));
        if (value(ratio) < MAX_MILLI_VALUE && value(min) < MAX_MILLI_VALUE && value(max) < MAX_MILLI_VALUE) {
          ratioValue = Number(milliValue(ratio)) / 1000;
          minValue = Number(milliValue(min));
          maxValue = Number(milliValue(max));
        }
        const limit = maxValue / minValue;
        if (ratioValue > limit) {
          errs.push(fe.invalid(`${p}.maxLimitRequestRatio[${k}]`, f(ratio), `ratio ${f(ratio)} is greater than max/min = ${goFloat(limit)}`));
        }
      }
      if (!isOvercommitAllowed(k) && dflt && req && compareQuantities(dflt, req) !== 0) {
        errs.push(fe.invalid(`${p}.defaultRequest[${k}]`, f(req), `default value ${f(dflt)} must equal to defaultRequest value ${f(req)} in ${k}`));
      }
    }
  });
  return errs;
}

export function validateLimitRangeUpdate(lr: Obj, old: Obj): FieldError[] {
  return [...validateObjectMetaUpdate(o(lr['metadata']), o(old['metadata'])), ...validateLimitRange(lr)];
}

export const LIMIT_RANGE_KIND: KindDefinition = defineKind({
  group: '', version: 'v1', kind: 'LimitRange', resource: 'limitranges', namespaced: true,
  shortNames: ['limits'],
  defaults: defaultLimitRange,
  validate: validateLimitRange,
  validateUpdate: validateLimitRangeUpdate,
});
