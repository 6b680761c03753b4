// Parses a request path the way kube-apiserver's RequestInfoFactory does: API prefix, group,
// version, namespace, resource, name, subresource and the verb the method implies.
import { parseQueryBool } from './query.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface ResourceRequest {
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
  verb: Verb;
  /** The path used the legacy /watch/ prefix. */
  watchPrefix: boolean;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** undefined when the path is not a resource path (/api, /apis/g/v, /version, ...). */
export function parseResourcePath(method: string, pathname: string, query: URLSearchParams): ResourceRequest | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
    if (rest.length === 0) return undefined;
  }
  let namespace: string | undefined;
  let resource: string;
  let name: string | undefined;
  let subresource: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) {
      resource = rest[2] ?? '';
      name = rest[3];
      subresource = rest[4];
      if (rest.length > 5) return undefined;
    } else {
      resource = 'namespaces';
      name = namespace;
      subresource = rest[2];
      namespace = undefined;
    }
  } else {
    resource = rest[0] ?? '';
    name = rest[1];
    subresource = rest[2];
    if (rest.length > 3) return undefined;
  }
  const watchParam = query.get('watch');
  const isWatch = watchPrefix || (watchParam !== null && parseQueryBool(watchParam));
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name === undefined ? (isWatch ? 'watch' : 'list') : isWatch ? 'watch' : 'get';
      break;
    case 'POST': verb = 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = name === undefined ? 'deletecollection' : 'delete'; break;
    default: verb = 'connect';
  }
  if (subresource === 'log' || subresource === 'exec' || subresource === 'attach' || subresource === 'portforward' || subresource === 'proxy') verb = 'connect';
  return { group, version, namespace, resource, name, subresource, verb, watchPrefix };
}
