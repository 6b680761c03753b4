// The schema-driven decoder against kube's: type errors with Go's exact words across kinds, the
// strict errors' paths and order (unknown fields through lists and maps, duplicates where Go
// reports them), int-or-string, quantities, times, preserved subtrees, nulls, pruning, nesting.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_FILE, writeGenerated } from './generate.ts';
import {
  decodeJsonPatchOps,
  decoderFor,
  decoderForKind,
  duplicateFieldErrors,
  goTypeNames,
  MAX_NESTING_DEPTH,
  nestsDeeperThan,
  strictErrorMessage,
  type Decoder,
  type DecodeOptions,
  type DuplicateTree,
} from './decode.ts';
import { GO_TYPE_NAMES } from './go-types.ts';
import { definition } from './schemas.ts';

beforeAll(async () => {
  if (!existsSync(GENERATED_FILE)) await writeGenerated();
});

type Obj = Record<string, unknown>;

function kind(apiVersion: string, k: string): Decoder {
  const slash = apiVersion.indexOf('/');
  const d = decoderForKind(slash < 0 ? '' : apiVersion.slice(0, slash), slash < 0 ? apiVersion : apiVersion.slice(slash + 1), k);
  if (d === undefined) throw new Error(`no schema for ${apiVersion} ${k}`);
  return d;
}

/** The decoder's error message for obj (of kind apiVersion/k), or 'ok'. */
function typeError(apiVersion: string, k: string, obj: Obj): string {
  return kind(apiVersion, k).decode(structuredClone(obj)).error?.message ?? 'ok';
}

/** The strict errors for obj, as the messages the apiserver joins. */
function strict(apiVersion: string, k: string, obj: Obj, options: DecodeOptions = {}): string[] {
  const r = kind(apiVersion, k).decode(structuredClone(obj), { strict: true, ...options });
  if (r.error !== undefined) throw new Error(r.error.message);
  return r.strict.map(strictErrorMessage);
}

const pod = (spec: Obj, extra: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec, ...extra });
const container = (c: Obj): Obj => pod({ containers: [{ name: 'c', image: 'i', ...c }] });
const deployment = (podSpec: Obj, spec: Obj = {}): Obj => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec }, ...spec },
});
const cannot = (what: string): string => `json: cannot unmarshal ${what}`;

describe('type errors', () => {
  it('are worded as encoding/json across kinds: the innermost Go struct, the path without indices, the Go type', () => {
    const cases: [string, string, Obj, string][] = [
      ['v1', 'Pod', container({ ports: [{ containerPort: '80' }] }), cannot('string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32')],
      ['v1', 'Pod', container({ imagePullPolicy: 1 }), cannot('number into Go struct field Container.spec.containers.imagePullPolicy of type v1.PullPolicy')],
      ['v1', 'Pod', container({ securityContext: { capabilities: { add: [1] } } }), cannot('number into Go struct field Capabilities.spec.containers.securityContext.capabilities.add of type v1.Capability')],
      ['v1', 'Pod', container({ securityContext: { capabilities: { add: 'NET_ADMIN' } } }), cannot('string into Go struct field Capabilities.spec.containers.securityContext.capabilities.add of type []v1.Capability')],
      ['v1', 'Pod', pod({ containers: [], overhead: 'x' }), cannot('string into Go struct field PodSpec.spec.overhead of type v1.ResourceList')],
      ['v1', 'Pod', pod({ containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: [true] }] }] } } } }),
        cannot('bool into Go struct field NodeSelectorRequirement.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.matchExpressions.values of type string')],
      ['v1', 'Pod', pod({ containers: [] }, { status: { hostIPs: 'x' } }), cannot('string into Go struct field PodStatus.status.hostIPs of type []v1.HostIP')],
      ['v1', 'Pod', { metadata: 'x' }, cannot('string into Go struct field Pod.metadata of type v1.ObjectMeta')],
      ['v1', 'Pod', { metadata: { managedFields: [{ operation: 1 }] } }, cannot('number into Go struct field ManagedFieldsEntry.metadata.managedFields.operation of type v1.ManagedFieldsOperationType')],
      ['v1', 'Namespace', { spec: { finalizers: [1] } }, cannot('number into Go struct field NamespaceSpec.spec.finalizers of type v1.FinalizerName')],
      ['v1', 'Node', { status: { daemonEndpoints: { kubeletEndpoint: { Port: 'x' } } } }, cannot('string into Go struct field DaemonEndpoint.status.daemonEndpoints.kubeletEndpoint.Port of type int32')],
      ['v1', 'ConfigMap', { binaryData: { a: 1 } }, cannot('number into Go struct field ConfigMap.binaryData of type []uint8')],
      ['v1', 'Secret', { type: 5 }, cannot('number into Go struct field Secret.type of type v1.SecretType')],
      ['v1', 'ServiceAccount', { secrets: [{ uid: 1 }] }, cannot('number into Go struct field ObjectReference.secrets.uid of type types.UID')],
      ['apps/v1', 'Deployment', deployment({ containers: [] }, { replicas: 'two' }), cannot('string into Go struct field DeploymentSpec.spec.replicas of type int32')],
      ['apps/v1', 'Deployment', deployment({ containers: [] }, { strategy: { type: 1 } }), cannot('number into Go struct field DeploymentStrategy.spec.strategy.type of type v1.DeploymentStrategyType')],
      ['apps/v1', 'Deployment', deployment({ containers: [{ name: 'c', args: [1] }] }), cannot('number into Go struct field Container.spec.template.spec.containers.args of type string')],
      ['apps/v1', 'StatefulSet', { spec: { podManagementPolicy: false } }, cannot('bool into Go struct field StatefulSetSpec.spec.podManagementPolicy of type v1.PodManagementPolicyType')],
      ['batch/v1', 'Job', { spec: { completionMode: 1 } }, cannot('number into Go struct field JobSpec.spec.completionMode of type v1.CompletionMode')],
      ['batch/v1', 'CronJob', { spec: { schedule: 5 } }, cannot('number into Go struct field CronJobSpec.spec.schedule of type string')],
      ['batch/v1', 'Job', { spec: { podFailurePolicy: { rules: [{ onExitCodes: { values: [1.5] } }] } } }, cannot('number 1.5 into Go struct field PodFailurePolicyOnExitCodesRequirement.spec.podFailurePolicy.rules.onExitCodes.values of type int32')],
      ['policy/v1', 'PodDisruptionBudget', { spec: { minAvailable: true } }, cannot('bool into Go struct field PodDisruptionBudgetSpec.spec.minAvailable of type int32')],
      ['coordination.k8s.io/v1', 'Lease', { spec: { renewTime: 5 } }, cannot('number into Go struct field LeaseSpec.spec.renewTime of type string')],
      ['events.k8s.io/v1', 'Event', { deprecatedCount: 2 ** 31 }, cannot('number 2147483648 into Go struct field Event.deprecatedCount of type int32')],
    ];
    for (const [apiVersion, k, obj, message] of cases) expect(typeError(apiVersion, k, obj), message).toBe(message);
  });

  it('takes int-or-string as a string or an int32, and says int32 when it is neither', () => {
    const probe = (port: unknown): Obj => container({ readinessProbe: { httpGet: { port } } });
    expect(typeError('v1', 'Pod', probe('http'))).toBe('ok');
    expect(typeError('v1', 'Pod', probe(8080))).toBe('ok');
    expect(typeError('v1', 'Pod', probe(null))).toBe('ok');
    expect(typeError('v1', 'Pod', probe(1.5))).toBe(cannot('number 1.5 into Go struct field HTTPGetAction.spec.containers.readinessProbe.httpGet.port of type int32'));
    expect(typeError('v1', 'Pod', probe(2 ** 31))).toBe(cannot('number 2147483648 into Go struct field HTTPGetAction.spec.containers.readinessProbe.httpGet.port of type int32'));
    expect(typeError('v1', 'Pod', probe({}))).toBe(cannot('object into Go struct field HTTPGetAction.spec.containers.readinessProbe.httpGet.port of type int32'));
    expect(typeError('apps/v1', 'Deployment', deployment({ containers: [] }, { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } }))).toBe('ok');
  });

  it('parses quantities from strings and numbers as ParseQuantity does', () => {
    const limits = (cpu: unknown): Obj => container({ resources: { limits: { cpu } } });
    for (const ok of ['100m', '1', 1, 0.5, '1e3', ' 2Gi ']) expect(typeError('v1', 'Pod', limits(ok)), String(ok)).toBe('ok');
    const format = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    expect(typeError('v1', 'Pod', limits('lots'))).toBe(format);
    expect(typeError('v1', 'Pod', limits([]))).toBe(format);
    expect(typeError('v1', 'Pod', limits('1ki'))).toBe("unable to parse quantity's suffix");
    const r = kind('v1', 'Pod').decode(limits(true));
    expect(r.error?.field).toBe('spec.containers[0].resources.limits[cpu]');
  });

  it('parses times as metav1.Time and MicroTime do', () => {
    expect(typeError('v1', 'Pod', { metadata: { creationTimestamp: '2024-01-01T00:00:00Z' } })).toBe('ok');
    expect(typeError('v1', 'Pod', { metadata: { creationTimestamp: 'yesterday' } })).toBe('parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
    expect(typeError('coordination.k8s.io/v1', 'Lease', { spec: { renewTime: '2024-01-01T00:00:00.000000Z' } })).toBe('ok');
    expect(typeError('coordination.k8s.io/v1', 'Lease', { spec: { renewTime: '2024-01-01T00:00:00Z' } }))
      .toBe('parsing time "2024-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"');
  });

  it('keeps the first mismatch, but a type\'s own UnmarshalJSON error ends the decoding and wins, as in Go', () => {
    // both plain mismatches: the first in document order
    expect(typeError('v1', 'ConfigMap', { metadata: { name: 1, namespace: 2 } })).toBe(cannot('number into Go struct field ObjectMeta.metadata.name of type string'));
    // a mismatch, then a malformed time further on: the time's error is returned at once
    expect(typeError('v1', 'ConfigMap', { metadata: { name: 1, creationTimestamp: 'x' } })).toMatch(/^parsing time "x"/);
  });

  it('refuses a body nested deeper than the limit anywhere, known field or not, before any other error', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) deep = { a: deep };
    expect(kind('v1', 'ConfigMap').decode({ x: deep })).toEqual({ error: { message: 'exceeded max depth', field: '' }, strict: [] });
    expect(kind('v1', 'ConfigMap').decode({ metadata: { name: 1 }, x: deep }).error?.message).toBe('exceeded max depth');
    expect(kind('apps/v1', 'ControllerRevision').decode({ data: deep }).error?.message).toBe('exceeded max depth');
    let fits: unknown = 1;
    for (let i = 1; i < MAX_NESTING_DEPTH - 1; i++) fits = { a: fits };
    expect(kind('v1', 'ConfigMap').decode({ x: fits }).error).toBeUndefined();
  });
});

describe('strict errors', () => {
  it('give unknown fields in upstream\'s path form, through lists and maps, in document order', () => {
    expect(strict('v1', 'Pod', container({ comand: ['sh'] }))).toEqual(['unknown field "spec.containers[0].comand"']);
    expect(strict('v1', 'Pod', { metadata: { name: 'p', labelz: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i', env: [{ name: 'X', valu: '1' }] }] }, statuz: {} }))
      .toEqual(['unknown field "metadata.labelz"', 'unknown field "spec.containers[1].env[0].valu"', 'unknown field "statuz"']);
    expect(strict('apps/v1', 'Deployment', deployment({ containers: [{ name: 'c', image: 'i', comand: [] }] }, { replica: 2 })))
      .toEqual(['unknown field "spec.template.spec.containers[0].comand"', 'unknown field "spec.replica"']);
    // a map's values: the key after a dot
    const crd = decoderFor('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
    const r = crd.decode({ spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { 'a.b': { type: 'string', typo: 1 } } } } }] } }, { strict: true });
    expect(r.strict.map(strictErrorMessage)).toEqual(['unknown field "spec.versions[0].schema.openAPIV3Schema.properties.a.b.typo"']);
  });

  it('are not looked for inside an unknown field nor a preserved value', () => {
    expect(strict('v1', 'Pod', container({ extra: { deeper: { x: 1 } } }))).toEqual(['unknown field "spec.containers[0].extra"']);
    expect(strict('apps/v1', 'ControllerRevision', { revision: 1, data: { anything: { goes: [1, 'x'] } } })).toEqual([]);
    expect(strict('v1', 'Pod', { metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] } })).toEqual([]);
  });

  it('report duplicates where Go does: known struct fields and map keys, an unknown one only as unknown, in document order', () => {
    // {"metadata":{"labels":{"a":"1","a":"2"}},"spec":{"selector":…,"template":{"spec":{"containers":[{"name":"c","image":"a","image":"b","x":1}]}},"unknown1":1,"unknownDupe":1,"unknownDupe":2,"replicas":1,"replicas":2}}
    const obj = deployment({ containers: [{ name: 'c', image: 'b', x: 1 }] }, { unknown1: 1, unknownDupe: 2, replicas: 2 });
    obj['metadata'] = { name: 'd', labels: { a: '2' } };
    const dup: DuplicateTree = {
      children: new Map<string | number, DuplicateTree>([
        ['spec', {
          keys: ['selector', 'template', 'unknown1', 'unknownDupe', 'unknownDupe', 'replicas', 'replicas'],
          children: new Map([['template', { children: new Map([['spec', { children: new Map([['containers', { children: new Map([[0, { keys: ['name', 'image', 'image', 'x'] }]]) }]]) }]]) }]]),
        }],
        ['metadata', { children: new Map([['labels', { keys: ['a', 'a'] }]]) }],
      ]),
    };
    expect(strict('apps/v1', 'Deployment', obj, { duplicates: dup })).toEqual([
      'duplicate field "metadata.labels.a"',
      'duplicate field "spec.template.spec.containers[0].image"',
      'unknown field "spec.template.spec.containers[0].x"',
      'unknown field "spec.unknown1"',
      'unknown field "spec.unknownDupe"',
      'duplicate field "spec.replicas"',
    ]);
  });

  it('follow the sorted key order for YAML bodies (kube converts YAML to JSON through a Go map)', () => {
    const obj = deployment({ containers: [{ name: 'c', image: 'i', unknownNested: 1 }] }, { unknown1: 1 });
    expect(strict('apps/v1', 'Deployment', obj)).toEqual(['unknown field "spec.template.spec.containers[0].unknownNested"', 'unknown field "spec.unknown1"']);
    const yamlOrder = deployment({ containers: [] }, { zz: 1, aa: 2 });
    expect(strict('apps/v1', 'Deployment', yamlOrder)).toEqual(['unknown field "spec.zz"', 'unknown field "spec.aa"']);
    expect(strict('apps/v1', 'Deployment', yamlOrder, { sortedKeys: true })).toEqual(['unknown field "spec.aa"', 'unknown field "spec.zz"']);
  });

  it('stop at 100, are deduplicated, and are quoted as strconv.Quote does', () => {
    const many: Obj = {};
    for (let i = 0; i < 150; i++) many[`x${i}`] = i;
    expect(strict('v1', 'ConfigMap', many)).toHaveLength(100);
    expect(strict('v1', 'ConfigMap', { 'a"b\n': 1 })).toEqual(['unknown field "a\\"b\\n"']);
  });

  it('are not collected unless asked for, and a type error wins over them', () => {
    expect(kind('v1', 'Pod').decode(container({ comand: [] })).strict).toEqual([]);
    const r = kind('v1', 'Pod').decode(container({ comand: [], image: 1 }), { strict: true });
    expect(r.error?.message).toBe(cannot('number into Go struct field Container.spec.containers.image of type string'));
    expect(r.strict).toEqual([]);
  });
});

describe('the decoded object', () => {
  it('loses its unknown fields, keeps preserved values whole, and is left alone when refused', () => {
    const o = { ...container({ comand: ['x'] }), extra: 1, metadata: { name: 'p', labelz: {} } } as Obj;
    expect(kind('v1', 'Pod').decode(o).error).toBeUndefined();
    expect(o).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const rev: Obj = { revision: 1, data: { spec: { anything: 1 } } };
    kind('apps/v1', 'ControllerRevision').decode(rev);
    expect(rev).toEqual({ revision: 1, data: { spec: { anything: 1 } } });
    const refused = { ...container({ comand: ['x'] }), extra: 1, spec: { containers: 'x' } } as Obj;
    expect(kind('v1', 'Pod').decode(refused).error).toBeDefined();
    expect(refused['extra']).toBe(1);
    const kept = { extra: 1 } as Obj;
    kind('v1', 'ConfigMap').decode(kept, { prune: false });
    expect(kept).toEqual({ extra: 1 });
  });

  it('has nulls as Go decodes them: zero values in lists and maps, no null metadata fields, other null fields as they were', () => {
    const o: Obj = {
      metadata: { name: 'a', labels: { x: null }, namespace: null, finalizers: [null] },
      spec: {
        nodeName: null,
        containers: [null, { name: 'c', args: [null], ports: [{ containerPort: 1, hostPort: null }], resources: { limits: { cpu: null } } }],
        tolerations: [{ tolerationSeconds: null }],
      },
      status: { conditions: [null], podIPs: [null] },
    };
    expect(kind('v1', 'Pod').decode(o).error).toBeUndefined();
    expect(o).toEqual({
      metadata: { name: 'a', labels: { x: '' }, finalizers: [''] },
      spec: {
        nodeName: null,
        containers: [{}, { name: 'c', args: [''], ports: [{ containerPort: 1, hostPort: null }], resources: { limits: { cpu: '0' } } }],
        tolerations: [{ tolerationSeconds: null }],
      },
      status: { conditions: [{}], podIPs: [{}] },
    });
    const n: Obj = { metadata: null };
    kind('v1', 'ConfigMap').decode(n);
    expect(n).toEqual({});
  });
});

describe('patches', () => {
  it('decode a JSON patch\'s operations strictly: unknown and duplicate fields, duplicates inside values, type errors', () => {
    const ops = [{ op: 'add', path: '/spec/x', value: 1, foo: 'bar' }, { op: 'add', path: '/b', value: { a: 2 } }];
    const dup: DuplicateTree = { children: new Map([[1, { keys: ['op', 'path', 'path', 'value'], children: new Map([['value', { keys: ['a', 'a'] }]]) }]]) };
    expect(decodeJsonPatchOps(ops, dup).strict.map(strictErrorMessage)).toEqual([
      'unknown field "[0].foo"', 'duplicate field "[1].path"', 'duplicate field "[1].value.a"',
    ]);
    expect(decodeJsonPatchOps([{ op: 5 }], undefined).error?.message).toBe(cannot('number into Go struct field jsonPatchOp.op of type string'));
  });

  it('report every repeated key of a merge patch, at any depth', () => {
    const dup: DuplicateTree = { keys: ['spec', 'spec'], children: new Map([['spec', { keys: ['paused', 'paused', 'list'], children: new Map([['list', { children: new Map([[0, { keys: ['x', 'x'] }]]) }]]) }]]) };
    expect(duplicateFieldErrors(dup).map(strictErrorMessage)).toEqual(['duplicate field "spec"', 'duplicate field "spec.paused"', 'duplicate field "spec.list[0].x"']);
    expect(duplicateFieldErrors(undefined)).toEqual([]);
  });
});

describe('the Go type names', () => {
  it('come from the schemas, with go-types.ts for the named types', () => {
    expect(goTypeNames('io.k8s.api.core.v1.Container', 'ports')).toEqual(['[]v1.ContainerPort', 'v1.ContainerPort']);
    expect(goTypeNames('io.k8s.api.core.v1.ResourceRequirements', 'limits')).toEqual(['v1.ResourceList', 'resource.Quantity']);
    expect(goTypeNames('io.k8s.api.core.v1.Secret', 'data')).toEqual(['map[string][]uint8', '[]uint8']);
    expect(goTypeNames('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'uid')).toEqual(['types.UID']);
    expect(goTypeNames('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp')).toEqual(['v1.Time']);
    expect(goTypeNames('io.k8s.api.core.v1.Capabilities', 'add')).toEqual(['[]v1.Capability', 'v1.Capability']);
  });

  it('name only fields of the schemas', () => {
    for (const [def, fields] of Object.entries(GO_TYPE_NAMES)) {
      const props = definition(def)?.['properties'] as Obj | undefined;
      expect(props, def).toBeDefined();
      for (const f of Object.keys(fields)) expect(props?.[f], `${def}.${f}`).toBeDefined();
    }
  });
});

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, not scalars, without recursing', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [] }, 1)).toBe(true);
    expect(nestsDeeperThan({ a: [1, 'x'] }, 2)).toBe(false);
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(nestsDeeperThan(deep)).toBe(true);
  });
});
