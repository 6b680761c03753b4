// The served OpenAPI documents: the v3 index with content hashes, a group-version document's
// paths (what kubectl's explain, validation and apply look for) and schemas, Swagger 2.0, caching.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_FILE, writeGenerated } from './generate.ts';
import {
  buildV2Document,
  buildV3Document,
  buildV3Index,
  contentHash,
  createOpenApiDocuments,
  groupVersionPath,
  servedGroupVersions,
  toV2Schema,
  type ServedResource,
} from './openapi-documents.ts';

beforeAll(async () => {
  if (!existsSync(GENERATED_FILE)) await writeGenerated();
});

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SERVED: ServedResource[] = [
  {
    group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, verbs: ALL,
    subresources: [
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'eviction', kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
    ],
  },
  { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  {
    group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, verbs: ALL,
    subresources: [{ name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1' }],
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, verbs: ALL },
];

type Obj = Record<string, unknown>;
const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], o);

describe('v3 group-version documents', () => {
  const core = buildV3Document(SERVED, 'api/v1') as Obj;
  const apps = buildV3Document(SERVED, 'apis/apps/v1') as Obj;

  it('is undefined for a group-version not served', () => {
    expect(buildV3Document(SERVED, 'apis/batch/v1')).toBeUndefined();
  });

  it('has the paths of every served verb, with action and GVK', () => {
    const paths = core['paths'] as Obj;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining([
      '/api/v1/namespaces/{namespace}/pods', '/api/v1/namespaces/{namespace}/pods/{name}', '/api/v1/pods',
      '/api/v1/namespaces/{namespace}/pods/{name}/status', '/api/v1/namespaces/{namespace}/pods/{name}/exec',
      '/api/v1/namespaces', '/api/v1/namespaces/{name}', '/api/v1/watch/namespaces/{namespace}/pods',
    ]));
    const item = paths['/api/v1/namespaces/{namespace}/pods/{name}'] as Obj;
    for (const [method, action] of [['get', 'get'], ['put', 'put'], ['patch', 'patch'], ['delete', 'delete']]) {
      expect(at(item, method ?? '', 'x-kubernetes-action')).toBe(action);
      expect(at(item, method ?? '', 'x-kubernetes-group-version-kind')).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    }
    const coll = paths['/api/v1/namespaces/{namespace}/pods'] as Obj;
    expect(at(coll, 'get', 'x-kubernetes-action')).toBe('list');
    expect(at(coll, 'post', 'operationId')).toBe('createCoreV1NamespacedPod');
    expect(at(coll, 'delete', 'x-kubernetes-action')).toBe('deletecollection');
    // namespaces has no deletecollection verb
    expect(at(paths, '/api/v1/namespaces', 'delete')).toBeUndefined();
    expect(at(paths, '/api/v1/namespaces/{namespace}/pods/{name}/exec', 'post', 'x-kubernetes-action')).toBe('connect');
    expect(at(paths, '/api/v1/namespaces/{namespace}/pods/{name}/exec', 'post', 'x-kubernetes-group-version-kind')).toEqual({ group: '', version: 'v1', kind: 'PodExecOptions' });
    expect(at(paths, '/api/v1/namespaces/{namespace}/pods/{name}/eviction', 'post', 'x-kubernetes-group-version-kind')).toEqual({ group: 'policy', version: 'v1', kind: 'Eviction' });
  });

  it('declares fieldValidation (and force) on every PATCH, and takes strategic merge patch bodies', () => {
    for (const [path, item] of Object.entries(core['paths'] as Obj)) {
      const patch = (item as Obj)['patch'] as Obj | undefined;
      if (!patch) continue;
      const names = (patch['parameters'] as Obj[]).map((p) => `${String(p['in'])}:${String(p['name'])}`);
      expect(names, path).toEqual(expect.arrayContaining(['query:fieldValidation', 'query:fieldManager', 'query:dryRun', 'query:force']));
      expect(Object.keys(at(patch, 'requestBody', 'content') as Obj), path).toContain('application/strategic-merge-patch+json');
    }
  });

  it('takes and returns the kind schema', () => {
    const post = at(core, 'paths', '/api/v1/namespaces/{namespace}/pods', 'post') as Obj;
    expect(at(post, 'requestBody', 'content', '*/*', 'schema')).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.Pod' });
    expect(at(post, 'responses', '201', 'content', 'application/json', 'schema')).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.Pod' });
    expect((post['parameters'] as Obj[]).map((p) => p['name'])).toEqual(['dryRun', 'fieldManager', 'fieldValidation']);
    const list = at(core, 'paths', '/api/v1/namespaces/{namespace}/pods', 'get') as Obj;
    expect(at(list, 'responses', '200', 'content', 'application/json', 'schema')).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.PodList' });
  });

  it('holds every schema reachable from its kinds, meta types included, and only those', () => {
    const schemas = at(apps, 'components', 'schemas') as Obj;
    for (const n of ['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.apps.v1.DeploymentList', 'io.k8s.api.autoscaling.v1.Scale',
      'io.k8s.api.core.v1.PodTemplateSpec', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
      'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString']) {
      expect(schemas).toHaveProperty([n]);
    }
    expect(schemas).not.toHaveProperty(['io.k8s.api.batch.v1.Job']);
    const refs = JSON.stringify(apps).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const r of refs) expect(schemas).toHaveProperty([r.slice('"$ref":"#/components/schemas/'.length, -1)]);
  });

  it('puts the scale subresource under the parent with autoscaling/v1 Scale', () => {
    const scale = at(apps, 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale') as Obj;
    expect(at(scale, 'get', 'x-kubernetes-group-version-kind')).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(at(scale, 'put', 'requestBody', 'content', '*/*', 'schema')).toEqual({ $ref: '#/components/schemas/io.k8s.api.autoscaling.v1.Scale' });
    expect(at(scale, 'patch', 'operationId')).toBe('patchAppsV1NamespacedDeploymentScale');
  });

  it('names operations and tags as upstream', () => {
    const rbac = buildV3Document(SERVED, 'apis/rbac.authorization.k8s.io/v1') as Obj;
    const get = at(rbac, 'paths', '/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}', 'get') as Obj;
    expect(get['operationId']).toBe('readRbacAuthorizationV1ClusterRole');
    expect(get['tags']).toEqual(['rbacAuthorization_v1']);
  });

  it('throws for a kind 1.32 does not have', () => {
    expect(() => buildV3Document([{ group: 'apps', version: 'v1', kind: 'Nope', resource: 'nopes', namespaced: true, verbs: ['get'] }], 'apis/apps/v1')).toThrow(/no Kubernetes 1.32 schema/);
  });
});

describe('the index and caching', () => {
  it('lists each group-version with its content hash', () => {
    const docs = createOpenApiDocuments(SERVED);
    expect(docs.groupVersions()).toEqual(['api/v1', 'apis/apps/v1', 'apis/rbac.authorization.k8s.io/v1']);
    const index = JSON.parse(docs.v3Index().json) as { paths: Record<string, { serverRelativeURL: string }> };
    const core = docs.v3('api/v1');
    expect(core).toBeDefined();
    expect(index.paths['api/v1']?.serverRelativeURL).toBe(`/openapi/v3/api/v1?hash=${core?.hash ?? ''}`);
    expect(core?.hash).toBe(contentHash(core?.json ?? ''));
    expect(core?.hash).toMatch(/^[0-9A-F]{128}$/);
    expect(core?.etag).toBe(`"${core?.hash ?? ''}"`);
    expect(docs.v3('api/v1')).toBe(core);
    expect(docs.v3('apis/batch/v1')).toBeUndefined();
    expect(docs.v3Index()).toBe(docs.v3Index());
  });

  it('is stable: the same resources give the same hashes', () => {
    expect(createOpenApiDocuments(SERVED).v3Index().json).toBe(createOpenApiDocuments(SERVED).v3Index().json);
    expect(buildV3Index(new Map([['api/v1', 'AB']]))).toEqual({ paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=AB' } } });
  });

  it('knows the group-version paths', () => {
    expect(groupVersionPath('', 'v1')).toBe('api/v1');
    expect(groupVersionPath('apps', 'v1')).toBe('apis/apps/v1');
    expect(servedGroupVersions(SERVED)).toEqual(['api/v1', 'apis/apps/v1', 'apis/rbac.authorization.k8s.io/v1']);
  });
});

describe('Swagger 2.0', () => {
  const v2 = buildV2Document(SERVED);

  it('has definitions with #/definitions refs that all resolve', () => {
    expect(v2['swagger']).toBe('2.0');
    const defs = v2['definitions'] as Obj;
    const text = JSON.stringify(v2);
    expect(text).not.toContain('#/components/schemas/');
    for (const r of text.match(/"\$ref":"#\/definitions\/[^"]+"/g) ?? []) expect(defs).toHaveProperty([r.slice('"$ref":"#/definitions/'.length, -1)]);
    expect(at(defs, 'io.k8s.api.core.v1.Pod', 'x-kubernetes-group-version-kind')).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
  });

  it('declares Quantity and IntOrString as v2 does (strings)', () => {
    const defs = v2['definitions'] as Obj;
    expect(at(defs, 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'type')).toBe('string');
    expect(at(defs, 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'oneOf')).toBeUndefined();
    expect(at(defs, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString')).toMatchObject({ type: 'string', format: 'int-or-string' });
  });

  it('has operations with body parameters, consumes and produces', () => {
    const patch = at(v2, 'paths', '/api/v1/namespaces/{namespace}/pods/{name}', 'patch') as Obj;
    expect((patch['parameters'] as Obj[])[0]).toMatchObject({ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } });
    expect(patch['consumes']).toContain('application/strategic-merge-patch+json');
    expect((patch['parameters'] as Obj[]).find((p) => p['name'] === 'fieldValidation')).toMatchObject({ in: 'query', type: 'string' });
    expect(at(patch, 'responses', '200', 'schema')).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.Pod' });
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
  });

  it('turns an allOf-wrapped $ref into a $ref beside its description', () => {
    expect(toV2Schema({ allOf: [{ $ref: '#/components/schemas/X' }], description: 'd' })).toEqual({ $ref: '#/definitions/X', description: 'd' });
  });
});
