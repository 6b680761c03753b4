// The small OpenAPI v3 surface kubectl needs for `apply -f` / `create -f` under the default
// `--validate=strict` (protocol notes §3): an index at /openapi/v3 and one document per
// group-version whose PATCH operations carry x-kubernetes-group-version-kind and declare the
// `fieldValidation` query parameter. kubectl then validates server-side (fieldValidation=Strict)
// instead of fetching schemas. PATCH operations deliberately have no requestBody, so kubectl
// computes apply patches from its compiled-in types. Pure (the hash is a content digest).
import { createHash } from 'node:crypto';

export interface OpenApiResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. 'pods'. */
  resource: string;
  namespaced: boolean;
}

/** The served resources kubectl may `apply`/`create -f`. */
export const OPENAPI_RESOURCES: readonly OpenApiResource[] = [
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true },
  { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'Node', resource: 'nodes', namespaced: false },
  { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', namespaced: true },
  { group: '', version: 'v1', kind: 'Event', resource: 'events', namespaced: true },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', namespaced: true },
];

/** The OpenAPI v3 path key of a group-version: 'api/v1', 'apis/coordination.k8s.io/v1'. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

const QUERY = (name: string, description: string): Record<string, unknown> => ({
  name, in: 'query', description, schema: { type: 'string', uniqueItems: true },
});

const PATCH_PARAMETERS = [
  QUERY('dryRun', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  QUERY('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  QUERY('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict'),
  { name: 'force', in: 'query', description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', schema: { type: 'boolean', uniqueItems: true } },
];

/** The OpenAPI v3 document for one group-version, or undefined if nothing is served there. */
export function openApiV3Document(groupVersion: string): Record<string, unknown> | undefined {
  const resources = OPENAPI_RESOURCES.filter((r) => groupVersionPath(r.group, r.version) === groupVersion);
  if (resources.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of resources) {
    const prefix = `/${groupVersion}`;
    const path = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}/{name}` : `${prefix}/${r.resource}/{name}`;
    const pathParams: unknown[] = [{ name: 'name', in: 'path', description: `name of the ${r.kind}`, required: true, schema: { type: 'string', uniqueItems: true } }];
    if (r.namespaced) {
      pathParams.push({ name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } });
    }
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    paths[path] = {
      parameters: pathParams,
      patch: {
        tags: [r.group === '' ? `core_${r.version}` : `${r.group.split('.')[0] ?? r.group}_${r.version}`],
        description: `partially update the specified ${r.kind}`,
        operationId: `patch${r.group === '' ? 'Core' : ''}${r.version.toUpperCase().slice(0, 1)}${r.version.slice(1)}${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
        parameters: PATCH_PARAMETERS,
        responses: { '200': { description: 'OK' }, '201': { description: 'Created' }, '401': { description: 'Unauthorized' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
  };
}

function hashOf(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}

/** The /openapi/v3 index: every served group-version with a content-hashed serverRelativeURL. */
export function openApiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of [...new Set(OPENAPI_RESOURCES.map((r) => groupVersionPath(r.group, r.version)))]) {
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashOf(openApiV3Document(gv))}` };
  }
  return { paths };
}
