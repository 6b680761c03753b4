// What a request asks for before any routing: its path and query (never host-relative parsing of
// a `//x` path), the methods the API serves, and the answers for requests nobody may make:
// the anonymous user's 403 in RBAC's words and the 405 for a method no route takes.
import { ApiError } from '../api/errors.ts';
import type { ResourceRequest } from './request-info.ts';

export interface RequestTarget {
  /** The raw (still percent-encoded) path. */
  path: string;
  query: URLSearchParams;
}

/** Splits the request target; a path with a broken %-escape is a 400, as Go's URL parser has it. */
export function parseRequestTarget(url: string | undefined): RequestTarget {
  let raw = url ?? '/';
  // absolute-form (a proxy's request line): keep only the path and query
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(raw);
  if (abs !== null) raw = raw.slice(abs[0].length) || '/';
  const hash = raw.indexOf('#');
  if (hash >= 0) raw = raw.slice(0, hash);
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const bad = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(path);
  if (bad !== null) throw ApiError.badRequest(`parse ${JSON.stringify(path)}: invalid URL escape ${JSON.stringify(bad[0])}`);
  try {
    decodeURIComponent(path);
  } catch {
    throw ApiError.badRequest(`parse ${JSON.stringify(path)}: invalid URL escape`);
  }
  return { path: path === '' ? '/' : path, query: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
}

/** Methods some route serves; anything else (CONNECT, TRACE, OPTIONS, …) is a 405. */
export const SERVED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** go-restful's answer to a method the path does not take. */
export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/**
 * Paths system:public-info-viewer lets anyone GET (kubeadm and kind clusters bind it to
 * system:unauthenticated): health and version, nothing below them.
 */
export function isPublicInfoPath(path: string): boolean {
  return path === '/healthz' || path === '/livez' || path === '/readyz' || path === '/version';
}

/** The request verb RBAC sees (RequestInfoFactory): lower-case method for non-resource paths. */
function verbOf(method: string, info: ResourceRequest | undefined): string {
  if (info === undefined) return method.toLowerCase();
  if (info.verb !== 'connect') return info.verb;
  switch (method) {
    case 'POST': return 'create';
    case 'GET': case 'HEAD': return 'get';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    default: return '';
  }
}

/** 403 for the anonymous user, worded as the RBAC authorizer's forbiddenMessage. */
export function anonymousForbidden(method: string, path: string, info: ResourceRequest | undefined): ApiError {
  const user = 'system:anonymous';
  const verb = verbOf(method, info);
  if (info === undefined) return ApiError.forbidden(undefined, '', `User "${user}" cannot ${verb} path "${path}"`);
  const resource = info.subresource === undefined ? info.resource : `${info.resource}/${info.subresource}`;
  const scope = info.namespace !== undefined && info.namespace !== ''
    ? `in the namespace "${info.namespace}"`
    : info.resource === 'namespaces' && info.name !== undefined ? `in the namespace "${info.name}"` : 'at the cluster scope';
  const why = `User "${user}" cannot ${verb} resource "${resource}" in API group "${info.group}" ${scope}`;
  return ApiError.forbidden({ group: info.group, resource: info.resource }, info.name ?? '', why);
}
