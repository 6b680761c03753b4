// Validation of a custom resource against its openAPIV3Schema as kube-openapi's SchemaValidator
// does it (pkg/validation/validate: the type, allOf/anyOf/oneOf/not, string, format, number,
// array, enum and object validators, in that order, messages deduplicated), turned into field
// errors as apiextensions-apiserver's kubeOpenAPIResultToFieldErrors words them:
//   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
//   spec.color: Unsupported value: "purple": supported values: "red", "green"
//   spec.name: Required value
// JSON numbers that are integers are Go's int64, others float64 (unstructured decoding). Go
// iterates a schema's properties in random order; here they go in the schema's order. Pure.
import { fieldErrors as fe, goQuote, type FieldError } from '../../api/errors.ts';
import { checkFormat, supportedFormat } from './formats.ts';
import { compileGoPattern } from './go-regexp.ts';
import {
  additionalProperties, isIntOrString, isNullable, isSchema, junctors, num, properties, str, strings, typeOf, type JSONSchema,
} from './schema.ts';

type Code = 'type' | 'required' | 'tooLong' | 'tooShort' | 'pattern' | 'enum' | 'multipleOf' | 'max' | 'min' | 'unique'
  | 'maxItems' | 'minItems' | 'tooFewProperties' | 'tooManyProperties' | 'unallowedProperty' | 'composite';

/** One kube-openapi error: a Validation (name, value…) or a composite message (allOf/anyOf…). */
export interface OpenApiError {
  code: Code;
  /** The value's path (`spec.replicas`, `.spec` for a required field at the root). */
  name: string;
  value?: unknown;
  valid?: unknown;
  values?: readonly unknown[];
  message: string;
}

class Result {
  errors: OpenApiError[] = [];
  matchCount = 0;

  add(...errs: OpenApiError[]): void {
    for (const e of errs) if (!this.errors.some((x) => x.message === e.message)) this.errors.push(e);
  }

  merge(...others: (Result | undefined)[]): this {
    for (const o of others) {
      if (o === undefined) continue;
      this.add(...o.errors);
      this.matchCount += o.matchCount;
    }
    return this;
  }

  get valid(): boolean {
    return this.errors.length === 0;
  }
}

/** Go's `%v` of a float64: shortest digits, `%e` below 1e-4 and from 1e+06. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant = '', e = '0'] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** Go's `%v` of a decoded JSON number (int64 when integral). */
function goNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? String(n) : goFloat(n);
}

/** Go's `%v` of a decoded JSON value, for the rare message that prints one. */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  const o = v as Record<string, unknown>;
  return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(' ')}]`;
}

function jsonKind(v: unknown): 'null' | 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  return Array.isArray(v) ? 'array' : 'object';
}

const IN = 'body';
const named = (name: string, rest: string): string => `${name} in ${IN} ${rest}`;

function invalidType(name: string, typeName: string, value: string): OpenApiError {
  return { code: 'type', name, value, message: named(name, `must be of type ${typeName}: ${goQuote(value)}`) };
}

function composite(message: string): OpenApiError {
  return { code: 'composite', name: '', message };
}

/** The types a schema admits (x-kubernetes-int-or-string: integer and string). */
function typesOf(s: JSONSchema): string[] {
  if (isIntOrString(s)) return ['integer', 'string'];
  const t = typeOf(s);
  return t === '' ? [] : [t];
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

function typeValidator(s: JSONSchema, data: unknown, path: string): Result | undefined {
  const types = typesOf(s);
  const format = supportedFormat(str(s, 'format'));
  if (types.length === 0 && format === '') return undefined;
  const r = new Result();
  r.matchCount++;
  if (data === null || data === undefined) {
    if (types.length > 0 && !types.includes('null') && !isNullable(s)) r.add(invalidType(path, types.join(','), 'null'));
    return r;
  }
  const kind = jsonKind(data);
  const dataFormat = kind === 'integer' ? 'int64' : kind === 'number' ? 'float64' : '';
  const isIntFloat = kind === 'integer' && types.includes('number');
  const isText = kind === 'string' || kind === 'array';
  if (!isText && format !== '' && !(types.includes(kind) || dataFormat === format || isIntFloat)) {
    r.add(invalidType(path, format, dataFormat));
    return r;
  }
  if (!(types.includes('number') || types.includes('integer')) && format !== '' && isText) return r;
  if (!(types.includes(kind) || isIntFloat)) r.add(invalidType(path, types.join(','), kind));
  return r;
}

function schemaPropsValidator(s: JSONSchema, data: unknown, path: string): Result | undefined {
  const anyOf = junctors(s, 'anyOf');
  const oneOf = junctors(s, 'oneOf');
  const allOf = junctors(s, 'allOf');
  const not = isSchema(s['not']) ? s['not'] : undefined;
  if (anyOf.length === 0 && oneOf.length === 0 && allOf.length === 0 && not === undefined) return undefined;
  const main = new Result();
  if (anyOf.length > 0) {
    let best: Result | undefined;
    let first: Result | undefined;
    let ok = false;
    for (const sub of anyOf) {
      const r = validateNode(sub, data, path);
      if (r.valid) {
        best = undefined;
        ok = true;
        first ??= r;
        break;
      }
      if (best === undefined || r.matchCount > best.matchCount) best = r;
    }
    if (!ok) main.add(composite(`${goQuote(path)} must validate at least one schema (anyOf)`));
    if (best !== undefined) main.merge(best);
    else if (first !== undefined) main.merge(first);
  }
  if (oneOf.length > 0) {
    let best: Result | undefined;
    let first: Result | undefined;
    let validated = 0;
    for (const sub of oneOf) {
      const r = validateNode(sub, data, path);
      if (r.valid) {
        validated++;
        best = undefined;
        first ??= r;
        continue;
      }
      if (validated === 0 && (best === undefined || r.matchCount > best.matchCount)) best = r;
    }
    if (validated !== 1) {
      const more = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      main.add(composite(`${goQuote(path)} must validate one and only one schema (oneOf). ${more}`));
      if (best !== undefined) main.merge(best);
    } else if (first !== undefined) main.merge(first);
  }
  if (allOf.length > 0) {
    let validated = 0;
    for (const sub of allOf) {
      const r = validateNode(sub, data, path);
      if (r.valid) validated++;
      main.merge(r);
    }
    if (validated !== allOf.length) main.add(composite(`${goQuote(path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}`));
  }
  if (not !== undefined && validateNode(not, data, path).valid) main.add(composite(`${goQuote(path)} must not validate the schema (not)`));
  main.matchCount++;
  return main;
}

function stringValidator(s: JSONSchema, data: string, path: string): Result | undefined {
  const r = new Result();
  // Go counts runes (code points)
  let length = 0;
  for (const _ of data) length++;
  const max = num(s, 'maxLength');
  const min = num(s, 'minLength');
  const pattern = str(s, 'pattern');
  if (max !== undefined && length > max) {
    r.add({ code: 'tooLong', name: path, value: data, valid: max, message: named(path, `should be at most ${max} chars long`) });
  } else if (min !== undefined && length < min) {
    r.add({ code: 'tooShort', name: path, value: data, valid: min, message: named(path, `should be at least ${min} chars long`) });
  } else if (pattern !== '') {
    const re = compileGoPattern(pattern);
    if (re.error !== undefined) r.add({ code: 'pattern', name: path, value: data, message: named(path, `should match '${pattern}, but pattern is invalid: ${re.error}'`) });
    else if (!re.re.test(data)) r.add({ code: 'pattern', name: path, value: data, message: named(path, `should match '${pattern}'`) });
  }
  return r;
}

function formatValidator(s: JSONSchema, data: string, path: string): Result | undefined {
  const format = supportedFormat(str(s, 'format'));
  if (format === '') return undefined;
  const r = new Result();
  if (!checkFormat(format, data)) r.add(invalidType(path, format, data));
  return r;
}

function numberValidator(s: JSONSchema, data: number, path: string): Result {
  const r = new Result();
  const isInt = Number.isInteger(data);
  const multipleOf = num(s, 'multipleOf');
  if (multipleOf !== undefined) {
    const factor = isInt ? Math.trunc(multipleOf) : multipleOf;
    if (factor <= 0) {
      r.add({ code: 'multipleOf', name: path, value: factor, message: `factor MultipleOf declared for ${path} must be positive: ${isInt ? String(factor) : goFloat(factor)}` });
    } else {
      const ok = isInt ? data % factor === 0 : Number.isInteger(factor < 1 ? (1 / factor) * data : data / factor);
      if (!ok) r.add({ code: 'multipleOf', name: path, value: data, message: named(path, `should be a multiple of ${isInt ? String(factor) : goFloat(factor)}`) });
    }
  }
  const bound = (key: 'minimum' | 'maximum'): void => {
    const limit = num(s, key);
    if (limit === undefined) return;
    const exclusive = s[key === 'maximum' ? 'exclusiveMaximum' : 'exclusiveMinimum'] === true;
    const l = isInt ? Math.trunc(limit) : limit;
    const failed = key === 'maximum' ? (exclusive ? data >= l : data > l) : (exclusive ? data <= l : data < l);
    if (!failed) return;
    const words = key === 'maximum' ? (exclusive ? 'should be less than' : 'should be less than or equal to') : (exclusive ? 'should be greater than' : 'should be greater than or equal to');
    r.add({ code: key === 'maximum' ? 'max' : 'min', name: path, value: data, message: named(path, `${words} ${isInt ? String(l) : goFloat(l)}`) });
  };
  bound('minimum');
  bound('maximum');
  r.matchCount++;
  return r;
}

function sliceValidator(s: JSONSchema, data: readonly unknown[], path: string): Result {
  const r = new Result();
  const item = isSchema(s['items']) ? s['items'] : undefined;
  if (item !== undefined) data.forEach((x, i) => r.merge(validateNode(item, x, `${path}[${i}]`)));
  const min = num(s, 'minItems');
  const max = num(s, 'maxItems');
  if (min !== undefined && data.length < min) r.add({ code: 'minItems', name: path, value: data.length, valid: min, message: named(path, `should have at least ${min} items`) });
  if (max !== undefined && data.length > max) r.add({ code: 'maxItems', name: path, value: data.length, valid: max, message: named(path, `should have at most ${max} items`) });
  if (s['uniqueItems'] === true) {
    const dup = data.some((x, i) => data.slice(0, i).some((y) => deepEqual(x, y)));
    if (dup) r.add({ code: 'unique', name: path, message: named(path, "shouldn't contain duplicates") });
  }
  r.matchCount++;
  return r;
}

function enumValidator(s: JSONSchema, data: unknown, path: string): Result | undefined {
  const values = s['enum'];
  if (!Array.isArray(values) || values.length === 0) return undefined;
  if (data !== null && data !== undefined && values.some((v) => deepEqual(v, data))) return undefined;
  const r = new Result();
  r.add({ code: 'enum', name: path, value: data ?? null, values, message: named(path, `should be one of ${goValue(values)}`) });
  return r;
}

function objectValidator(s: JSONSchema, data: Record<string, unknown>, path: string): Result {
  const r = new Result();
  const keys = Object.keys(data);
  const minP = num(s, 'minProperties');
  const maxP = num(s, 'maxProperties');
  if (minP !== undefined && keys.length < minP) r.add({ code: 'tooFewProperties', name: path, value: keys.length, valid: minP, message: named(path, `should have at least ${minP} properties`) });
  if (maxP !== undefined && keys.length > maxP) r.add({ code: 'tooManyProperties', name: path, value: keys.length, valid: maxP, message: named(path, `should have at most ${maxP} properties`) });
  const props = properties(s) ?? {};
  const additional = additionalProperties(s);
  if (additional === false) {
    for (const k of keys) if (!Object.hasOwn(props, k)) r.add({ code: 'unallowedProperty', name: path, value: k, message: `${path}.${k} in ${IN} is a forbidden property` });
  } else if (isSchema(additional)) {
    for (const k of keys) if (!Object.hasOwn(props, k)) r.merge(validateNode(additional, data[k], `${path}.${k}`));
  }
  for (const [name, sub] of Object.entries(props)) {
    if (Object.hasOwn(data, name)) r.merge(validateNode(sub, data[name], path === '' ? name : `${path}.${name}`));
  }
  for (const k of strings(s, 'required')) {
    if (!Object.hasOwn(data, k)) r.add({ code: 'required', name: `${path}.${k}`, message: named(`${path}.${k}`, 'is required') });
  }
  return r;
}

/** SchemaValidator.Validate of one value at path. */
function validateNode(s: JSONSchema, data: unknown, path: string): Result {
  const result = new Result();
  if (data === null || data === undefined) {
    result.merge(typeValidator(s, null, path), enumValidator(s, null, path));
    return result;
  }
  const kind = jsonKind(data);
  const steps: (Result | undefined)[] = [
    typeValidator(s, data, path),
    schemaPropsValidator(s, data, path),
    kind === 'string' ? stringValidator(s, data as string, path) : undefined,
    kind === 'string' ? formatValidator(s, data as string, path) : undefined,
    kind === 'integer' || kind === 'number' ? numberValidator(s, data as number, path) : undefined,
    kind === 'array' ? sliceValidator(s, data as unknown[], path) : undefined,
    enumValidator(s, data, path),
    kind === 'object' ? objectValidator(s, data as Record<string, unknown>, path) : undefined,
  ];
  for (const r of steps) {
    result.merge(r);
    result.matchCount++;
  }
  result.matchCount++;
  return result;
}

/** kube-openapi's errors for value against schema (the root is at path ''). */
export function openApiErrors(schema: JSONSchema, value: unknown): OpenApiError[] {
  return validateNode(schema, value, '').errors;
}

function childPath(prefix: string | undefined, name: string): string {
  const rest = name.startsWith('.') ? name.slice(1) : name;
  if (name === '' || name === '.') return prefix ?? '<nil>';
  return prefix === undefined || prefix === '' ? rest : `${prefix}.${rest}`;
}

/** A JSON value as Go's json.Marshal prints an enum value (object keys sorted). */
function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${goJson(o[k])}`).join(',')}}`;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : JSON.stringify(v);
  const text = JSON.stringify(v) as string | undefined;
  return text ?? 'null';
}

/**
 * kubeOpenAPIResultToFieldErrors: each error as the field error kube reports, its path under
 * prefix (undefined: the object's root, whose composite errors print as `<nil>`).
 */
export function toFieldErrors(prefix: string | undefined, errors: readonly OpenApiError[]): FieldError[] {
  return errors.map((e): FieldError => {
    if (e.code === 'composite') return fe.invalid(prefix ?? '<nil>', '', e.message);
    const path = childPath(prefix, e.name);
    switch (e.code) {
      case 'required': return fe.required(path, '');
      case 'enum': return fe.notSupported(path, e.value ?? null, (e.values ?? []).map((v) => (typeof v === 'string' ? v : goJson(v))));
      case 'tooLong': return fe.tooLong(path, typeof e.valid === 'number' ? e.valid : -1);
      case 'maxItems':
      case 'tooManyProperties': return fe.tooMany(path, typeof e.value === 'number' ? e.value : -1, typeof e.valid === 'number' ? e.valid : -1);
      case 'type': return fe.typeInvalid(path, e.value ?? '', e.message);
      default: return fe.invalid(path, e.value ?? '', e.message);
    }
  });
}

/** ValidateCustomResource: value against schema, as field errors under prefix. */
export function validateValue(schema: JSONSchema, value: unknown, prefix?: string): FieldError[] {
  return toFieldErrors(prefix, openApiErrors(schema, value));
}
