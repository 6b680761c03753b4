// The generator: its pure parts on small inputs, and the generated document checked against a
// table of upstream facts, against kubernetes-types (the same upstream spec at 1.30, with group
// folders and typed Quantity/IntOrString/Time fields) and against a fresh in-memory generation.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildDocument,
  classNameParts,
  definitionPackage,
  GENERATED_FILE,
  inputHash,
  parseTypeExpression,
  readApiOperations,
  readDeclaration,
  readModelPackage,
  unescapeDoc,
  writeGenerated,
} from './generate.ts';
import { definition, kindSchemaName, schemaDocument, type Schema } from './schemas.ts';

beforeAll(async () => {
  if (!existsSync(GENERATED_FILE)) await writeGenerated();
});

const props = (name: string): Record<string, Schema> => (definition(name)?.['properties'] ?? {}) as Record<string, Schema>;
const prop = (name: string, field: string): Schema => {
  const p = props(name)[field];
  if (!p) throw new Error(`${name}.${field} missing`);
  return p;
};
/** The $ref of a property (bare, in allOf, in items or in additionalProperties), without the prefix. */
function refOf(s: Schema | undefined): string | undefined {
  if (!s) return undefined;
  if (typeof s['$ref'] === 'string') return s['$ref'].replace('#/components/schemas/', '');
  const allOf = s['allOf'] as Schema[] | undefined;
  if (allOf?.[0]) return refOf(allOf[0]);
  return refOf((s['items'] ?? s['additionalProperties']) as Schema | undefined);
}

describe('pure parts', () => {
  it.each([
    ['V1Deployment', { version: 'v1', name: 'Deployment' }],
    ['V1beta1ResourceSlice', { version: 'v1beta1', name: 'ResourceSlice' }],
    ['V2HorizontalPodAutoscaler', { version: 'v2', name: 'HorizontalPodAutoscaler' }],
    ['CoreV1Event', { prefix: 'Core', version: 'v1', name: 'Event' }],
    ['AuthenticationV1TokenRequest', { prefix: 'Authentication', version: 'v1', name: 'TokenRequest' }],
    ['V1APIGroup', { version: 'v1', name: 'APIGroup' }],
  ])('class name %s', (name, parts) => {
    expect(classNameParts(name)).toEqual(parts);
  });

  it('VersionInfo has no version in its name', () => {
    expect(classNameParts('VersionInfo')).toBeUndefined();
  });

  it.each([
    ['', 'io.k8s.api.core'],
    ['apps', 'io.k8s.api.apps'],
    ['rbac.authorization.k8s.io', 'io.k8s.api.rbac'],
    ['flowcontrol.apiserver.k8s.io', 'io.k8s.api.flowcontrol'],
    ['internal.apiserver.k8s.io', 'io.k8s.api.apiserverinternal'],
    ['apiextensions.k8s.io', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions'],
    ['apiregistration.k8s.io', 'io.k8s.kube-aggregator.pkg.apis.apiregistration'],
  ])('group %j lives in %s', (group, pkg) => {
    expect(definitionPackage(group)).toBe(pkg);
  });

  it('parses the type expressions of attributeTypeMap', () => {
    expect(parseTypeExpression('Array<V1Container>')).toEqual({ kind: 'array', of: { kind: 'class', name: 'V1Container' } });
    expect(parseTypeExpression('{ [key: string]: string; }')).toEqual({ kind: 'map', of: { kind: 'primitive', name: 'string' } });
    expect(parseTypeExpression('{ [key: string]: Array<string>; }')).toEqual({ kind: 'map', of: { kind: 'array', of: { kind: 'primitive', name: 'string' } } });
    expect(parseTypeExpression('IntOrString')).toEqual({ kind: 'primitive', name: 'IntOrString' });
    expect(() => parseTypeExpression('Array<string> | null')).toThrow(/unknown type expression/);
  });

  it('reads descriptions and optional markers from a model .d.ts', () => {
    const d = readDeclaration([
      '/**', '* ContainerPort represents a network port.', '*/',
      'export declare class V1ContainerPort {',
      '    /**', "    * Number of port to expose on the pod\\'s IP address.", '    */',
      "    'containerPort': number;",
      "    'hostIP'?: string;",
      '    static readonly discriminator: string | undefined;',
      '}',
    ].join('\n'));
    expect(d.description).toBe('ContainerPort represents a network port.');
    expect(d.properties.get('containerPort')).toEqual({ description: "Number of port to expose on the pod's IP address.", optional: false });
    expect(d.properties.get('hostIP')).toEqual({ optional: true });
    expect(d.properties.has('discriminator')).toBe(false);
  });

  it('undoes the doc comment escaping', () => {
    expect(unescapeDoc('Defaults to \\"TCP\\". pod\\\'s key\\\\SYSTEM')).toBe('Defaults to "TCP". pod\'s key\\SYSTEM');
  });

  it('reads request paths, bodies and responses of an API file', () => {
    const text = [
      'export class AppsV1ApiRequestFactory extends BaseAPIRequestFactory {',
      '    async createNamespacedDeployment(namespace, body, _options) {',
      "        const localVarPath = '/apis/apps/v1/namespaces/{namespace}/deployments'",
      '        const requestContext = _config.baseServer.makeRequestContext(localVarPath, HttpMethod.POST);',
      '        const serializedBody = ObjectSerializer.stringify(ObjectSerializer.serialize(body, "V1Deployment", ""), contentType);',
      '    }',
      '    async listNamespacedDeployment(namespace, _options) {',
      "        const localVarPath = '/apis/apps/v1/namespaces/{namespace}/deployments'",
      '        const requestContext = _config.baseServer.makeRequestContext(localVarPath, HttpMethod.GET);',
      '    }',
      '}',
      'export class AppsV1ApiResponseProcessor {',
      '    async listNamespacedDeploymentWithHttpInfo(response) {',
      '            const body = ObjectSerializer.deserialize(ObjectSerializer.parse(await response.body.text(), contentType), "V1DeploymentList", "");',
      '    }',
      '}',
    ].join('\n');
    expect(readApiOperations(text)).toEqual([
      { method: 'POST', path: '/apis/apps/v1/namespaces/{namespace}/deployments', body: 'V1Deployment' },
      { method: 'GET', path: '/apis/apps/v1/namespaces/{namespace}/deployments', response: 'V1DeploymentList' },
    ]);
  });
});

describe('the generated document', () => {
  it('maps every model class and says where it came from', () => {
    const doc = schemaDocument();
    expect(doc.unmapped).toEqual([]);
    expect(doc.info.kubernetes).toBe('v1.32.0');
    expect(doc.info.source).toContain('@kubernetes/client-node 1.1.2');
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(600);
  });

  // class → definition name, by the group its kinds give it
  it.each([
    ['io.k8s.api.apps.v1.Deployment', 'apps', 'Deployment'],
    ['io.k8s.api.batch.v1.Job', 'batch', 'Job'],
    ['io.k8s.api.core.v1.Event', '', 'Event'],
    ['io.k8s.api.events.v1.Event', 'events.k8s.io', 'Event'],
    ['io.k8s.api.autoscaling.v1.Scale', 'autoscaling', 'Scale'],
    ['io.k8s.api.policy.v1.Eviction', 'policy', 'Eviction'],
    ['io.k8s.api.rbac.v1.ClusterRoleBinding', 'rbac.authorization.k8s.io', 'ClusterRoleBinding'],
    ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', 'apiextensions.k8s.io', 'CustomResourceDefinition'],
  ])('%s is the top-level kind %s %s', (name, group, kind) => {
    expect(definition(name)?.['x-kubernetes-group-version-kind']).toEqual([{ group, kind, version: name.split('.').at(-2) }]);
    expect(kindSchemaName(group, name.split('.').at(-2) ?? '', kind)).toBe(name);
  });

  it.each([
    'io.k8s.api.core.v1.PodTemplateSpec', // reached from apps and batch too
    'io.k8s.api.core.v1.TopologySelectorTerm', // only StorageClass reaches it
    'io.k8s.api.apps.v1.DeploymentStrategy',
    'io.k8s.api.batch.v1.PodFailurePolicyRule',
    'io.k8s.api.discovery.v1.EndpointPort',
    'io.k8s.api.core.v1.EndpointPort',
    'io.k8s.api.rbac.v1.Subject',
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Condition',
    'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
    'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry',
    'io.k8s.apimachinery.pkg.version.Info',
  ])('has %s', (name) => {
    expect(definition(name)?.['type']).toBe('object');
  });

  it('lists kinds with resource and scope', () => {
    const pods = schemaDocument().kinds.find((k) => k.definition === 'io.k8s.api.core.v1.Pod');
    expect(pods).toMatchObject({ group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true });
    const nodes = schemaDocument().kinds.find((k) => k.definition === 'io.k8s.api.core.v1.Node');
    expect(nodes).toMatchObject({ resource: 'nodes', namespaced: false });
  });

  it('puts GVKs on List kinds and Status', () => {
    expect(definition('io.k8s.api.apps.v1.DeploymentList')?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'DeploymentList', version: 'v1' }]);
    expect(definition('io.k8s.api.events.v1.EventList')?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'events.k8s.io', kind: 'EventList', version: 'v1' }]);
    expect(definition('io.k8s.apimachinery.pkg.apis.meta.v1.Status')?.['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Status', version: 'v1' }]);
  });

  it.each([
    ['io.k8s.api.core.v1.Container', ['name']],
    ['io.k8s.api.core.v1.ContainerPort', ['containerPort']],
    ['io.k8s.api.core.v1.PodSpec', ['containers']],
    ['io.k8s.api.apps.v1.DeploymentSpec', ['selector', 'template']],
    ['io.k8s.api.batch.v1.JobSpec', ['template']],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference', ['apiVersion', 'kind', 'name', 'uid']],
    ['io.k8s.api.core.v1.PodList', ['items']],
  ])('%s requires %j', (name, required) => {
    expect(definition(name)?.['required']).toEqual(required);
  });

  it('has no required list where nothing is required', () => {
    expect(definition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')?.['required']).toBeUndefined();
    expect(definition('io.k8s.api.core.v1.Toleration')?.['required']).toBeUndefined();
  });

  it.each([
    ['io.k8s.api.core.v1.ContainerPort', 'containerPort', { type: 'integer', format: 'int32' }],
    ['io.k8s.api.core.v1.PodSpec', 'activeDeadlineSeconds', { type: 'integer', format: 'int64' }],
    ['io.k8s.api.core.v1.PodSpec', 'hostNetwork', { type: 'boolean' }],
    ['io.k8s.api.core.v1.Container', 'image', { type: 'string' }],
    ['io.k8s.api.core.v1.Container', 'args', { type: 'array', items: { type: 'string' } }],
    ['io.k8s.api.core.v1.Secret', 'data', { type: 'object', additionalProperties: { type: 'string', format: 'byte' } }],
    ['io.k8s.api.core.v1.ConfigMap', 'data', { type: 'object', additionalProperties: { type: 'string' } }],
    ['io.k8s.api.authentication.v1.UserInfo', 'extra', { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } }],
    ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps', 'maximum', { type: 'number', format: 'double' }],
  ])('%s.%s is %j', (name, field, shape) => {
    expect(prop(name, field)).toMatchObject(shape);
  });

  it.each([
    ['io.k8s.api.core.v1.PodSpec', 'containers', 'io.k8s.api.core.v1.Container'],
    ['io.k8s.api.core.v1.Pod', 'metadata', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'],
    ['io.k8s.api.core.v1.ResourceRequirements', 'limits', 'io.k8s.apimachinery.pkg.api.resource.Quantity'],
    ['io.k8s.api.core.v1.EmptyDirVolumeSource', 'sizeLimit', 'io.k8s.apimachinery.pkg.api.resource.Quantity'],
    ['io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'],
    ['io.k8s.api.core.v1.ContainerPort', 'containerPort', undefined],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp', 'io.k8s.apimachinery.pkg.apis.meta.v1.Time'],
    ['io.k8s.api.events.v1.Event', 'eventTime', 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime'],
    ['io.k8s.api.apps.v1.ControllerRevision', 'data', 'io.k8s.apimachinery.pkg.runtime.RawExtension'],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry', 'fieldsV1', 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1'],
    ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps', 'default', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON'],
    ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps', 'enum', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON'],
  ])('%s.%s refers to %s', (name, field, target) => {
    expect(refOf(prop(name, field))).toBe(target);
  });

  it('wraps a $ref in allOf when a description or a fact sits beside it, as upstream v3 does', () => {
    const meta = prop('io.k8s.api.core.v1.Pod', 'metadata');
    expect(meta['allOf']).toEqual([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    expect(meta['description']).toMatch(/^Standard object's metadata/);
    expect(prop('io.k8s.api.core.v1.PodSpec', 'containers')['items']).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
  });

  it('declares the special types as upstream does, marked for validators and pruning', () => {
    expect(definition('io.k8s.apimachinery.pkg.api.resource.Quantity')).toMatchObject({ oneOf: [{ type: 'string' }, { type: 'number' }], 'x-kubernetes-int-or-string': true });
    expect(definition('io.k8s.apimachinery.pkg.api.resource.Quantity')?.['format']).toBeUndefined();
    expect(definition('io.k8s.apimachinery.pkg.util.intstr.IntOrString')).toMatchObject({ format: 'int-or-string', 'x-kubernetes-int-or-string': true });
    expect(definition('io.k8s.apimachinery.pkg.apis.meta.v1.Time')).toMatchObject({ type: 'string', format: 'date-time' });
    expect(definition('io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime')).toMatchObject({ type: 'string', format: 'date-time' });
    expect(definition('io.k8s.apimachinery.pkg.runtime.RawExtension')).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(definition('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON')).toMatchObject({ 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('has the descriptions of types and fields, from kubernetes-types where the models drop them', () => {
    expect(definition('io.k8s.api.core.v1.Pod')?.['description']).toMatch(/^Pod is a collection of containers/);
    expect(prop('io.k8s.api.core.v1.ContainerPort', 'containerPort')['description']).toBe("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.");
    expect(prop('io.k8s.api.apps.v1.DeploymentSpec', 'strategy')['description']).toBe('The deployment strategy to use to replace existing pods with new ones.');
    expect(prop('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge')['description']).toMatch(/^The maximum number of pods that can be scheduled above/);
    expect(definition('io.k8s.apimachinery.pkg.util.intstr.IntOrString')?.['description']).toMatch(/^IntOrString is a type that can hold an int32 or a string/);
  });

  it.each([
    ['io.k8s.api.core.v1.PodSpec', 'containers', { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' }],
    ['io.k8s.api.core.v1.PodSpec', 'volumes', { 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name' }],
    ['io.k8s.api.core.v1.PodSpec', 'tolerations', { 'x-kubernetes-list-type': 'atomic' }],
    ['io.k8s.api.core.v1.PodSpec', 'nodeSelector', { 'x-kubernetes-map-type': 'atomic' }],
    ['io.k8s.api.core.v1.Container', 'ports', { 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'], 'x-kubernetes-patch-merge-key': 'containerPort' }],
    ['io.k8s.api.core.v1.EphemeralContainer', 'env', { 'x-kubernetes-patch-merge-key': 'name' }],
    ['io.k8s.api.core.v1.ServiceSpec', 'ports', { 'x-kubernetes-list-map-keys': ['port', 'protocol'], 'x-kubernetes-patch-merge-key': 'port' }],
    ['io.k8s.api.apps.v1.DeploymentSpec', 'strategy', { 'x-kubernetes-patch-strategy': 'retainKeys' }],
    ['io.k8s.api.batch.v1.JobStatus', 'conditions', { 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-patch-merge-key': 'type' }],
    ['io.k8s.api.policy.v1.PodDisruptionBudgetSpec', 'selector', { 'x-kubernetes-patch-strategy': 'replace' }],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers', { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' }],
    ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences', { 'x-kubernetes-list-map-keys': ['uid'], 'x-kubernetes-patch-merge-key': 'uid' }],
    ['io.k8s.api.core.v1.PersistentVolumeSpec', 'claimRef', { 'x-kubernetes-map-type': 'granular' }],
  ])('%s.%s carries %j', (name, field, ext) => {
    expect(prop(name, field)).toMatchObject(ext);
  });

  it('carries type-level facts (+structType=atomic)', () => {
    expect(definition('io.k8s.api.core.v1.LocalObjectReference')?.['x-kubernetes-map-type']).toBe('atomic');
    expect(definition('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector')?.['x-kubernetes-map-type']).toBe('atomic');
  });

  it('every $ref names a definition of the document', () => {
    const schemas = schemaDocument().components.schemas;
    const refs = JSON.stringify(schemas).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const r of refs) expect(schemas).toHaveProperty([r.slice('"$ref":"#/components/schemas/'.length, -1)]);
  });

  it('is what the generator builds now (otherwise: npm run generate)', { timeout: 30_000 }, async () => {
    const input = await readModelPackage();
    const fresh = buildDocument(input, inputHash(input.packageVersion));
    expect(fresh.info.inputHash, 'the generated file is stale: run `npm run generate`').toBe(schemaDocument().info.inputHash);
    expect(JSON.stringify(fresh)).toBe(readFileSync(GENERATED_FILE, 'utf8'));
  });
});

describe('against kubernetes-types (the upstream spec at 1.30)', () => {
  interface TypesIndex {
    /** Definition name → property → type text. */
    defs: Map<string, Map<string, string>>;
  }
  let oracle: TypesIndex;

  beforeAll(() => {
    const root = dirname(createRequire(import.meta.url).resolve('kubernetes-types/package.json'));
    const pkgOf = (dir: string): string | undefined => dir === 'meta' ? 'io.k8s.apimachinery.pkg.apis.meta'
      : dir === 'apiextensions' ? 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions'
        : dir === 'api' || dir === 'util' ? undefined : `io.k8s.api.${dir}`;
    const defs = new Map<string, Map<string, string>>();
    for (const dir of readdirSync(root)) {
      const pkg = statSync(join(root, dir)).isDirectory() ? pkgOf(dir) : undefined;
      if (pkg === undefined) continue;
      for (const f of readdirSync(join(root, dir)).filter((x) => x.endsWith('.d.ts'))) {
        const src = ts.createSourceFile(f, readFileSync(join(root, dir, f), 'utf8'), ts.ScriptTarget.Latest, true);
        for (const st of src.statements) {
          if (!ts.isInterfaceDeclaration(st)) continue;
          const fields = new Map<string, string>();
          for (const m of st.members) if (ts.isPropertySignature(m) && m.type) fields.set(m.name.getText(src).replace(/^["']|["']$/g, ''), m.type.getText(src));
          defs.set(`${pkg}.${f.slice(0, -'.d.ts'.length)}.${st.name.text}`, fields);
        }
      }
    }
    oracle = { defs };
  });

  it('places every type in the group package kubernetes-types has it in', () => {
    const ours = Object.keys(schemaDocument().components.schemas);
    const wrong: string[] = [];
    for (const name of ours) {
      if (oracle.defs.has(name)) continue;
      const tail = /\.(v\d\w*\.\w+)$/.exec(name)?.[1];
      const elsewhere = [...oracle.defs.keys()].filter((d) => tail !== undefined && d.endsWith(`.${tail}`));
      // apiregistration is not in kubernetes-types; ServiceReference exists in other groups too
      if (elsewhere.length > 0 && !name.startsWith('io.k8s.kube-aggregator.')) wrong.push(`${name} (kubernetes-types: ${elsewhere.join(', ')})`);
    }
    expect(wrong).toEqual([]);
    expect(ours.filter((n) => oracle.defs.has(n)).length).toBeGreaterThan(450);
  });

  it('types Quantity, IntOrString, Time, MicroTime and RawExtension fields as kubernetes-types does', () => {
    const special: Record<string, string> = {
      Quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
      IntOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
      Time: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
      MicroTime: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
      RawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
    };
    const mismatches: string[] = [];
    let checked = 0;
    for (const [def, fields] of oracle.defs) {
      const ours = definition(def)?.['properties'] as Record<string, Schema> | undefined;
      if (!ours) continue;
      for (const [field, type] of fields) {
        const name = /\b(Quantity|IntOrString|MicroTime|Time|RawExtension)\b/.exec(type)?.[1];
        if (name === undefined || !(field in ours)) continue;
        checked++;
        const got = refOf(ours[field]);
        if (got !== special[name]) mismatches.push(`${def}.${field}: ${type} vs ${String(got)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(80);
  });
});
