// The body of a subresource a kind serves itself (serviceaccounts/token, pods/eviction,
// pods/ephemeralcontainers): a JSON object of the subresource's kind, refused in the create and
// update handlers' words otherwise.
import { ApiError } from '../api/errors.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonTypeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value;
}

/** encoding/json's type error (`field` is `Struct.path.to.field`). */
export function cannotUnmarshal(value: unknown, field: string, goType: string): string {
  const [struct = '', ...rest] = field.split('.');
  return `json: cannot unmarshal ${jsonTypeOf(value)} into Go struct field ${struct}.${rest.join('.')} of type ${goType}`;
}

/**
 * The decoded body as an object of kind in one of apiVersions (the first is the one named in
 * errors); kind and apiVersion may be left out.
 */
export function subresourceBody(body: unknown, kind: string, apiVersions: readonly string[]): Obj {
  if (!isObj(body)) throw ApiError.badRequest("Object 'Kind' is missing in the request body: expected a JSON object");
  const expected = apiVersions[0] ?? '';
  for (const field of ['kind', 'apiVersion'] as const) {
    const v = body[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${cannotUnmarshal(v, `.${field}`, 'string')}`);
    }
  }
  const k = typeof body['kind'] === 'string' ? body['kind'] : '';
  const v = typeof body['apiVersion'] === 'string' ? body['apiVersion'] : '';
  if (v !== '' && !apiVersions.includes(v)) {
    throw ApiError.badRequest(`the API version in the data (${v}) does not match the expected API version (${expected})`);
  }
  if (k !== '' && k !== kind) {
    throw ApiError.badRequest(`${k} in version ${JSON.stringify(v === '' ? expected : v)} cannot be handled as a ${kind}: the object provided is unrecognized (must be of type ${kind})`);
  }
  const m = body['metadata'];
  if (m !== undefined && m !== null && !isObj(m)) {
    throw ApiError.badRequest(`${kind} in version ${JSON.stringify(expected)} cannot be handled as a ${kind}: ${cannotUnmarshal(m, `${kind}.metadata`, 'v1.ObjectMeta')}`);
  }
  return body;
}
