// The runtime module: one lazy load (timed), lookups by name and GVK, $ref resolution, the schema
// at a field path with its facts, and a clear error when the file was never generated.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_FILE, writeGenerated } from './generate.ts';
import {
  definition,
  fieldType,
  flatten,
  kinds,
  kindSchemaName,
  reachableDefinitions,
  resolve,
  schemaDocument,
  schemaLoadMs,
  SchemasNotGeneratedError,
  UnknownDefinitionError,
  useSchemaFile,
} from './schemas.ts';

beforeAll(async () => {
  if (!existsSync(GENERATED_FILE)) await writeGenerated();
});

afterEach(() => {
  useSchemaFile(undefined);
});

const POD = 'io.k8s.api.core.v1.Pod';

describe('loading', () => {
  it('loads once, lazily, in well under a second', () => {
    useSchemaFile(undefined);
    expect(schemaLoadMs()).toBeUndefined();
    const doc = schemaDocument();
    const ms = schemaLoadMs() ?? Infinity;
    expect(ms).toBeLessThan(1000);
    expect(schemaDocument()).toBe(doc);
  });

  it('says how to generate the file when it is missing', () => {
    useSchemaFile(join(tmpdir(), 'nodelet-no-such-schemas.json'));
    expect(() => definition(POD)).toThrow(SchemasNotGeneratedError);
    expect(() => definition(POD)).toThrow(/run `make` or `npm run generate`/);
  });
});

describe('lookups', () => {
  it.each([
    // the kinds nodelet serves or will serve, and their lists
    ['', 'Pod'], ['', 'Service'], ['', 'Endpoints'], ['', 'PersistentVolume'], ['', 'PersistentVolumeClaim'], ['', 'Node'],
    ['', 'Namespace'], ['', 'ConfigMap'], ['', 'Secret'], ['', 'ServiceAccount'], ['', 'Event'], ['', 'ResourceQuota'],
    ['', 'LimitRange'], ['', 'Binding'], ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'],
    ['apps', 'ControllerRevision'], ['batch', 'Job'], ['batch', 'CronJob'], ['discovery.k8s.io', 'EndpointSlice'],
    ['storage.k8s.io', 'StorageClass'], ['policy', 'PodDisruptionBudget'], ['policy', 'Eviction'], ['rbac.authorization.k8s.io', 'Role'],
    ['rbac.authorization.k8s.io', 'ClusterRole'], ['rbac.authorization.k8s.io', 'RoleBinding'],
    ['rbac.authorization.k8s.io', 'ClusterRoleBinding'], ['coordination.k8s.io', 'Lease'], ['events.k8s.io', 'Event'],
    ['autoscaling', 'Scale'], ['apiextensions.k8s.io', 'CustomResourceDefinition'],
  ])('kind %j %s resolves', (group, kind) => {
    const name = kindSchemaName(group, 'v1', kind);
    expect(name).toBeDefined();
    expect(name?.endsWith(`.v1.${kind}`)).toBe(true);
    expect(definition(name ?? '')?.['type']).toBe('object');
    if (!['Binding', 'Eviction', 'Scale'].includes(kind)) expect(kindSchemaName(group, 'v1', `${kind}List`)).toBe(`${name ?? ''}List`);
  });

  it('knows no such kinds', () => {
    expect(kindSchemaName('apps', 'v1', 'Pod')).toBeUndefined();
    expect(kindSchemaName('', 'v2', 'Pod')).toBeUndefined();
  });

  it('lists the kinds with resource and scope', () => {
    expect(kinds().find((k) => k.group === 'apps' && k.kind === 'Deployment')).toMatchObject({ resource: 'deployments', namespaced: true });
  });

  it('resolves v3 and v2 refs and bare names', () => {
    const meta = resolve('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(resolve('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')).toBe(meta);
    expect(resolve('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')).toBe(meta);
    expect(() => resolve('#/components/schemas/io.k8s.api.core.v1.Nope')).toThrow(UnknownDefinitionError);
  });

  it('flattens a property: the definition under the field\'s own keywords', () => {
    const f = flatten({ allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }], description: 'field text', 'x-kubernetes-patch-strategy': 'retainKeys' });
    expect(f.definition).toBe('io.k8s.api.apps.v1.DeploymentStrategy');
    expect(f.schema).toMatchObject({ type: 'object', description: 'field text', 'x-kubernetes-patch-strategy': 'retainKeys' });
    expect(f.schema).toHaveProperty(['properties', 'rollingUpdate']);
  });

  it('finds the definitions reachable from a kind, meta types included', () => {
    const names = reachableDefinitions(['io.k8s.api.apps.v1.Deployment']);
    expect(names).toContain('io.k8s.api.core.v1.Container');
    expect(names).toContain('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(names).toContain('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    expect(names).not.toContain('io.k8s.api.batch.v1.JobSpec');
  });
});

describe('fieldType', () => {
  it('gives the root definition for an empty path', () => {
    expect(fieldType(POD, '')).toMatchObject({ definition: POD, type: 'object', required: false });
  });

  it('steps through lists implicitly, with facts of the list field', () => {
    const containers = fieldType(POD, 'spec.containers');
    expect(containers).toMatchObject({ type: 'array', listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name', required: true });
    expect(containers?.items).toMatchObject({ definition: 'io.k8s.api.core.v1.Container', type: 'object' });
    const ports = fieldType(POD, 'spec.containers.ports');
    expect(ports).toMatchObject({ listMapKeys: ['containerPort', 'protocol'], patchMergeKey: 'containerPort' });
    expect(fieldType(POD, 'spec.containers[0].ports')).toEqual(ports);
    expect(fieldType(POD, ['spec', 'containers', '[]', 'ports'].filter((s) => s !== '[]'))).toEqual(ports);
    expect(fieldType(POD, 'spec.containers.ports.containerPort')).toMatchObject({ type: 'integer', format: 'int32', required: true });
  });

  it('reaches map values by any key, and knows quantities, int-or-strings and times', () => {
    const limits = fieldType(POD, 'spec.containers.resources.limits');
    expect(limits).toMatchObject({ type: 'object' });
    expect(limits?.items).toMatchObject({ definition: 'io.k8s.apimachinery.pkg.api.resource.Quantity', intOrString: true });
    expect(fieldType(POD, 'spec.containers.resources.limits.cpu')).toMatchObject({ intOrString: true });
    expect(fieldType('io.k8s.api.apps.v1.Deployment', 'spec.strategy.rollingUpdate.maxSurge')).toMatchObject({ intOrString: true, format: 'int-or-string' });
    expect(fieldType(POD, 'metadata.creationTimestamp')).toMatchObject({ type: 'string', format: 'date-time', definition: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time' });
    expect(fieldType(POD, 'metadata.labels.app')).toMatchObject({ type: 'string' });
  });

  it('reports field-level and type-level facts', () => {
    expect(fieldType(POD, 'spec.nodeSelector')).toMatchObject({ mapType: 'atomic' });
    expect(fieldType(POD, 'spec.imagePullSecrets')?.items).toMatchObject({ mapType: 'atomic', definition: 'io.k8s.api.core.v1.LocalObjectReference' });
    expect(fieldType('io.k8s.api.apps.v1.Deployment', 'spec.strategy')).toMatchObject({ patchStrategy: 'retainKeys', description: 'The deployment strategy to use to replace existing pods with new ones.' });
    expect(fieldType(POD, 'metadata.finalizers')).toMatchObject({ listType: 'set', patchStrategy: 'merge' });
  });

  it('marks values that keep unknown fields', () => {
    expect(fieldType('io.k8s.api.apps.v1.ControllerRevision', 'data')).toMatchObject({ preserveUnknownFields: true });
    expect(fieldType(POD, 'metadata.managedFields.fieldsV1')).toMatchObject({ preserveUnknownFields: true });
  });

  it('is undefined for fields that do not exist', () => {
    expect(fieldType(POD, 'spec.nope')).toBeUndefined();
    expect(fieldType(POD, 'spec.containers.image.deeper')).toBeUndefined();
  });
});
