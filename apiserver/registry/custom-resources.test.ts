// Dynamic serving: a CustomResourceDefinition written to storage is established by the CRD
// controller, and its kinds join the registry, discovery and the OpenAPI documents (whose hashes
// change, while the built-in group-versions keep theirs); deleting it deletes its custom
// resources and takes the kinds away. The built-in served set is unchanged throughout.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { createOpenApiDocuments } from '../../kube/schemas/openapi-documents.ts';
import { CrdController } from '../controllers/crd-controller.ts';
import { aggregatedDiscovery, apiGroupList, apiResourceList, compareKubeAwareVersions, versionsOf } from '../http/discovery.ts';
import { RESOURCES } from '../resources.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import { Registry } from './registry.ts';
import { bootstrapRegistry } from './bootstrap.ts';

type Obj = Record<string, unknown>;

const SCHEMA = { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } };

function crd(versions: string[] = ['v1']): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
      versions: versions.map((name, i) => ({ name, served: true, storage: i === 0, schema: { openAPIV3Schema: SCHEMA }, subresources: { status: {} } })),
    },
  };
}

let registry: Registry;
let controller: CrdController;

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

beforeEach(async () => {
  registry = new Registry(createMemoryStorage(), new FakeClock());
  await bootstrapRegistry(registry);
  controller = new CrdController({ registry, clock: new FakeClock(), log: silentLogger });
  controller.start();
  await settle();
});

afterEach(async () => {
  controller.stop();
  await registry.storage.close();
});

const crds = (): ReturnType<Registry['store']> => registry.store('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');

describe('serving custom resources', () => {
  it('serves a definition\'s kinds once it is established, in discovery too', async () => {
    const before = registry.servedGeneration;
    await crds().create(undefined, crd(['v1beta1', 'v1']));
    await settle();
    expect(registry.servedGeneration).toBeGreaterThan(before);
    expect(registry.find('example.com', 'v1', 'widgets')?.info.kind).toBe('Widget');
    expect(registry.find('example.com', 'v1beta1', 'widgets')?.info.kind).toBe('Widget');
    const served = registry.resources();
    expect(served.slice(0, RESOURCES.length)).toEqual(RESOURCES);
    expect(versionsOf('example.com', served)).toEqual(['v1', 'v1beta1']);
    expect((apiGroupList(served) as { groups: Obj[] }).groups.at(-1)).toEqual({
      name: 'example.com', versions: [{ groupVersion: 'example.com/v1', version: 'v1' }, { groupVersion: 'example.com/v1beta1', version: 'v1beta1' }],
      preferredVersion: { groupVersion: 'example.com/v1', version: 'v1' },
    });
    expect((apiResourceList('example.com', 'v1', served) as { resources: Obj[] }).resources).toEqual([
      { name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'], shortNames: ['wd'] },
      { name: 'widgets/status', singularName: '', namespaced: true, kind: 'Widget', verbs: ['get', 'patch', 'update'] },
    ]);
    const groups = (aggregatedDiscovery(false, 'v2', served) as { items: { metadata: { name: string } }[] }).items;
    expect(groups.at(-1)?.metadata.name).toBe('example.com');
  });

  it('stores and validates custom resources; deleting the definition deletes them and the kinds', async () => {
    await crds().create(undefined, crd());
    await settle();
    const widgets = registry.find('example.com', 'v1', 'widgets');
    if (widgets === undefined) throw new Error('not served');
    await widgets.create('default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2, extra: 1 } });
    expect((await widgets.get('default', 'w'))['spec']).toEqual({ size: 2 });
    await expect(widgets.create('default', { metadata: { name: 'bad' }, spec: { size: 'big' } })).rejects.toThrow(
      'Widget.example.com "bad" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');
    await crds().delete(undefined, 'widgets.example.com', {});
    await settle();
    await expect(crds().get(undefined, 'widgets.example.com')).rejects.toThrow('not found');
    expect(registry.find('example.com', 'v1', 'widgets')).toBeUndefined();
    expect(registry.resources()).toEqual(RESOURCES);
    expect((await registry.storage.list('/registry/example.com/')).items).toEqual([]);
  });

  it('rebuilds only the OpenAPI documents of the group-versions that changed', async () => {
    const first = createOpenApiDocuments(registry.resources());
    const coreHash = first.v3('api/v1')?.hash;
    const index = first.v3Index().json;
    await crds().create(undefined, crd());
    await settle();
    const second = createOpenApiDocuments(registry.resources(), {}, first);
    expect(second.v3('api/v1')?.hash).toBe(coreHash);
    expect(second.v3Index().json).not.toBe(index);
    const doc = JSON.parse(second.v3('apis/example.com/v1')?.json ?? '{}') as { components: { schemas: Record<string, Obj> }; paths: Record<string, Obj> };
    expect(doc.components.schemas['com.example.v1.Widget']?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
    const patch = (doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']?.['patch'] as { requestBody: { content: Obj } }).requestBody.content;
    expect(Object.keys(patch)).toEqual(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  });

  it('refuses a second definition whose names are taken', async () => {
    await crds().create(undefined, crd());
    const clash = crd();
    (clash.metadata as Obj)['name'] = 'gizmos.example.com';
    (clash['spec'] as Obj)['names'] = { plural: 'gizmos', kind: 'Gizmo', shortNames: ['wd'] };
    await crds().create(undefined, clash);
    await settle();
    const status = (await crds().get(undefined, 'gizmos.example.com'))['status'] as Obj;
    expect((status['conditions'] as Obj[]).map((c) => [c['type'], c['status'], c['reason'], c['message']])).toEqual([
      ['NamesAccepted', 'False', 'ShortNamesConflict', '"wd" is already in use'],
      ['Established', 'False', 'NotAccepted', 'not all names are accepted'],
    ]);
    expect(registry.find('example.com', 'v1', 'gizmos')).toBeUndefined();
  });
});

describe('kube-aware version order', () => {
  it('puts GA before beta before alpha, higher first, and other names last', () => {
    const versions = ['v1alpha1', 'v2beta1', 'foo', 'v1', 'v1beta2', 'v2', 'v10', 'v1beta1', 'bar'];
    expect(versions.sort((a, b) => compareKubeAwareVersions(b, a))).toEqual(['v10', 'v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1', 'bar', 'foo']);
  });
});
