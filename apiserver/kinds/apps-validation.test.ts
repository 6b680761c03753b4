import { describe, expect, it } from 'vitest';
import { ApiError, fieldErrorString } from '../api/errors.ts';
import { APPS_KINDS } from './apps.ts';
import type { KindDefinition, Obj } from './kind.ts';

function kind(name: string): KindDefinition {
  const k = APPS_KINDS.find((x) => x.kind === name);
  if (k === undefined) throw new Error(`no kind ${name}`);
  return k;
}

function template(labels: Record<string, string> = { app: 'web' }): Obj {
  return { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:local' }] } };
}

function workload(k: string, spec: Obj = {}, name = 'web'): Obj {
  return {
    apiVersion: 'apps/v1', kind: k, metadata: { name, namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec },
  };
}

/** The messages of a create: defaulted and prepared as the store does, then validated. */
function createErrors(k: KindDefinition, obj: Obj): string[] {
  const o = structuredClone(obj);
  k.prepareForCreate(o);
  return k.validate(o).map(fieldErrorString);
}

function stored(k: KindDefinition, obj: Obj): Obj {
  const o = structuredClone(obj);
  k.prepareForCreate(o);
  expect(k.validate(o).map(fieldErrorString)).toEqual([]);
  (o['metadata'] as Obj)['resourceVersion'] = '1';
  return o;
}

function updateErrors(k: KindDefinition, old: Obj, change: (o: Obj) => void, sub: '' | 'status' = ''): string[] {
  const next = structuredClone(old);
  change(next);
  k.prepareForUpdate(next, old, sub);
  return k.validateUpdate(next, old).map(fieldErrorString);
}

const spec = (o: Obj): Obj => o['spec'] as Obj;
const podSpec = (o: Obj): Obj => (spec(o)['template'] as Obj)['spec'] as Obj;

const MISMATCH = 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`';
const PERCENT = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

describe('Deployment validation', () => {
  const D = kind('Deployment');
  const cases: [string, Obj, string[]][] = [
    ['a valid deployment', workload('Deployment'), []],
    ['a selector that does not match the template', workload('Deployment', { template: template({ app: 'x' }) }), [MISMATCH]],
    ['no selector', workload('Deployment', { selector: null }), [
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]],
    ['an empty selector', workload('Deployment', { selector: {} }), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]],
    ['a selector with a bad operator', workload('Deployment', { selector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] } }), [
      'spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator',
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Like", Values:[]string{"web"}}}}: invalid label selector',
    ]],
    ['In without values', workload('Deployment', { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In' }] } }), [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string(nil)}}}: invalid label selector',
    ]],
    ['negative replicas', workload('Deployment', { replicas: -1 }), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    ['restartPolicy Never', workload('Deployment', { template: { ...template(), spec: { ...(template()['spec'] as Obj), restartPolicy: 'Never' } } }), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]],
    ['activeDeadlineSeconds', workload('Deployment', { template: { ...template(), spec: { ...(template()['spec'] as Obj), activeDeadlineSeconds: 5 } } }), [
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
    ]],
    ['a pod template without containers, with a bad label', workload('Deployment', { template: { metadata: { labels: { app: 'web', 'a b': 'c' } }, spec: {} } }), [
      `spec.template.labels: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      'spec.template.spec.containers: Required value',
    ]],
    ['a container without image', workload('Deployment', { template: { ...template(), spec: { containers: [{ name: 'c' }] } } }), [
      'spec.template.spec.containers[0].image: Required value',
    ]],
    ['hostNetwork with hostPort left 0 (a template may), and a hostPort that differs (never)', workload('Deployment', { template: { ...template(), spec: {
      hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 82 }] }],
    } } }), [
      'spec.template.spec.containers[0].ports[1].hostPort: Invalid value: 82: must match `containerPort` when `hostNetwork` is true',
    ]],
    ['ephemeral containers', workload('Deployment', { template: { ...template(), spec: { ...(template()['spec'] as Obj), ephemeralContainers: [{ name: 'e', image: 'x' }] } } }), [
      'spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
    ]],
    ['maxSurge and maxUnavailable both 0', workload('Deployment', { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }), [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
    ]],
    ['a bad percent and a negative surge', workload('Deployment', { strategy: { rollingUpdate: { maxSurge: -1, maxUnavailable: '10' } } }), [
      `spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10"}: ${PERCENT}`,
      'spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0',
    ]],
    ['maxUnavailable over 100%', workload('Deployment', { strategy: { rollingUpdate: { maxUnavailable: '101%' } } }), [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%',
    ]],
    ['an unknown strategy type', workload('Deployment', { strategy: { type: 'Canary' } }), [
      'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"Canary", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
    ]],
    ['Recreate with rollingUpdate', workload('Deployment', { strategy: { type: 'Recreate', rollingUpdate: {} } }), [
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]],
    ['progressDeadlineSeconds not above minReadySeconds', workload('Deployment', { minReadySeconds: 10, progressDeadlineSeconds: 10 }), [
      'spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds',
    ]],
    ['negative minReadySeconds and revisionHistoryLimit', workload('Deployment', { minReadySeconds: -1, revisionHistoryLimit: -2 }), [
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    ]],
    ['a bad name', workload('Deployment', {}, 'Web_1'), [
      "metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]],
  ];
  it.each(cases)('%s', (_name, obj, want) => {
    expect(createErrors(D, obj)).toEqual(want);
  });

  it('renders kube\'s 422 message', () => {
    const o = structuredClone(workload('Deployment', { template: template({ app: 'x' }) }));
    D.prepareForCreate(o);
    expect(ApiError.invalid('Deployment', 'web', D.validate(o), 'apps').message).toBe(`Deployment.apps "web" is invalid: ${MISMATCH}`);
  });

  it('a negative rollback revision in the deprecated annotation', () => {
    const o = workload('Deployment');
    (o['metadata'] as Obj)['annotations'] = { 'deprecated.deployment.rollback.to': '-1' };
    expect(createErrors(D, o)).toEqual(['spec.rollback.version: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('an update may not change the selector', () => {
    const old = stored(D, workload('Deployment'));
    expect(updateErrors(D, old, (o) => {
      spec(o)['selector'] = { matchLabels: { app: 'web', tier: 'a' } };
      (spec(o)['template'] as Obj)['metadata'] = { labels: { app: 'web', tier: 'a' } };
    })).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"a"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
    // an empty map is a nil map
    expect(updateErrors(D, old, (o) => { (spec(o)['selector'] as Obj)['matchExpressions'] = []; })).toEqual([]);
  });

  it('validates status writes', () => {
    const old = stored(D, workload('Deployment'));
    expect(updateErrors(D, old, (o) => { o['status'] = { replicas: 1, readyReplicas: 2, availableReplicas: 3, collisionCount: -1 }; }, 'status')).toEqual([
      'status.collisionCount: Invalid value: -1: must be greater than or equal to 0',
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas',
    ]);
    const counted = structuredClone(old);
    counted['status'] = { collisionCount: 2 };
    expect(updateErrors(D, counted, (o) => { o['status'] = { collisionCount: 1 }; }, 'status')).toEqual([
      'status.collisionCount: Invalid value: 1: cannot be decremented',
    ]);
  });
});

describe('ReplicaSet validation', () => {
  const RS = kind('ReplicaSet');
  it.each([
    ['valid', workload('ReplicaSet'), []],
    ['mismatch', workload('ReplicaSet', { template: template({ app: 'x' }) }), [MISMATCH]],
    ['empty selector (worded for deployments, as upstream)', workload('ReplicaSet', { selector: { matchLabels: {} } }), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]],
    ['negative replicas and minReadySeconds', workload('ReplicaSet', { replicas: -3, minReadySeconds: -1 }), [
      'spec.replicas: Invalid value: -3: must be greater than or equal to 0',
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
    ]],
  ] as [string, Obj, string[]][])('%s', (_n, obj, want) => {
    expect(createErrors(RS, obj)).toEqual(want);
  });

  it('an update validates the spec twice, as upstream does, and keeps the selector', () => {
    const old = stored(RS, workload('ReplicaSet'));
    expect(updateErrors(RS, old, (o) => { spec(o)['replicas'] = -1; })).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(updateErrors(RS, old, (o) => { spec(o)['selector'] = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }; })).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"x", Operator:"DoesNotExist", Values:[]string(nil)}}}: field is immutable',
    ]);
  });

  it('validates status writes', () => {
    const old = stored(RS, workload('ReplicaSet'));
    expect(updateErrors(RS, old, (o) => { o['status'] = { replicas: 1, fullyLabeledReplicas: 2, observedGeneration: -1 }; }, 'status')).toEqual([
      'status.observedGeneration: Invalid value: -1: must be greater than or equal to 0',
      'status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });
});

describe('StatefulSet validation', () => {
  const STS = kind('StatefulSet');
  it.each([
    ['valid', workload('StatefulSet'), []],
    ['a name that is a subdomain but not a DNS label', workload('StatefulSet', {}, 'web.v1'), [
      'metadata.name: Invalid value: "web.v1": must not contain dots',
    ]],
    ['mismatch', workload('StatefulSet', { template: template({ app: 'x' }) }), [MISMATCH]],
    ['an empty selector', workload('StatefulSet', { selector: {} }), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset',
    ]],
    ['a selector that does not parse (no detail) — the template is not checked then', workload('StatefulSet', { selector: { matchLabels: { 'a/b/c': 'x' } }, template: template({ app: 'x' }) }), [
      "spec.selector.matchLabels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a/b/c":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
    ]],
    ['the pod spec is not validated in 1.32, restartPolicy is', workload('StatefulSet', { template: { ...template(), spec: { restartPolicy: 'OnFailure' } } }), [
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]],
    ['podManagementPolicy, updateStrategy, retention policy, ordinals', workload('StatefulSet', {
      podManagementPolicy: 'Random', updateStrategy: { type: 'Bulk' }, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' }, ordinals: { start: -1 },
    }), [
      "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
      "spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:\"Bulk\", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'",
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
      'spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0',
    ]],
    ['OnDelete with rollingUpdate', workload('StatefulSet', { updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 2 } } }), [
      "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:2, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'",
    ]],
    ['a negative partition', workload('StatefulSet', { updateStrategy: { rollingUpdate: { partition: -1 } } }), [
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    ]],
  ] as [string, Obj, string[]][])('%s', (_n, obj, want) => {
    expect(createErrors(STS, obj)).toEqual(want);
  });

  it('an update may change replicas, template, updateStrategy, retention policy, ordinals and minReadySeconds only', () => {
    const old = stored(STS, workload('StatefulSet', { serviceName: 'db' }));
    expect(updateErrors(STS, old, (o) => {
      spec(o)['replicas'] = 3;
      spec(o)['minReadySeconds'] = 2;
      spec(o)['ordinals'] = { start: 1 };
      spec(o)['updateStrategy'] = { type: 'OnDelete' };
      spec(o)['persistentVolumeClaimRetentionPolicy'] = { whenDeleted: 'Delete', whenScaled: 'Delete' };
      podSpec(o)['containers'] = [{ name: 'c', image: 'localhost/busybox:v2' }];
    })).toEqual([]);
    const forbidden = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
    expect(updateErrors(STS, old, (o) => { spec(o)['serviceName'] = 'db2'; })).toEqual([forbidden]);
    expect(updateErrors(STS, old, (o) => { spec(o)['revisionHistoryLimit'] = 2; })).toEqual([forbidden]);
    expect(updateErrors(STS, old, (o) => {
      spec(o)['volumeClaimTemplates'] = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }];
    })).toEqual([forbidden]);
  });

  it('an update does not check the name again', () => {
    const old = stored(kind('Deployment'), workload('Deployment', {}, 'a.b'));
    old['kind'] = 'StatefulSet';
    STS.prepareForCreate(old);
    expect(updateErrors(STS, old, (o) => { spec(o)['replicas'] = 2; })).toEqual([]);
  });

  it('validates status writes', () => {
    const old = stored(STS, workload('StatefulSet'));
    expect(updateErrors(STS, old, (o) => { o['status'] = { replicas: 2, readyReplicas: 1, availableReplicas: 2 }; }, 'status')).toEqual([
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas',
    ]);
  });
});

describe('DaemonSet validation', () => {
  const DS = kind('DaemonSet');
  it.each([
    ['valid', workload('DaemonSet'), []],
    ['mismatch', workload('DaemonSet', { template: template({ app: 'x' }) }), [MISMATCH]],
    ['no selector: nothing matches, and no Required error', workload('DaemonSet', { selector: null }), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]],
    ['an empty selector', workload('DaemonSet', { selector: {} }), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
    ]],
    ['restartPolicy and activeDeadlineSeconds', workload('DaemonSet', { template: { ...template(), spec: { ...(template()['spec'] as Obj), restartPolicy: 'Never', activeDeadlineSeconds: 3 } } }), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
    ]],
    ['both maxSurge and maxUnavailable set', workload('DaemonSet', { updateStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: '10%' } } }), [
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10%"}: may not be set when maxUnavailable is non-zero',
    ]],
    ['both zero', workload('DaemonSet', { updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), [
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    ]],
    ['an unknown strategy type', workload('DaemonSet', { updateStrategy: { type: 'Surge' } }), [
      'spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Surge", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"',
    ]],
  ] as [string, Obj, string[]][])('%s', (_n, obj, want) => {
    expect(createErrors(DS, obj)).toEqual(want);
  });

  it('an update keeps the selector', () => {
    const old = stored(DS, workload('DaemonSet'));
    expect(updateErrors(DS, old, (o) => { spec(o)['selector'] = null; })).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
      'spec.selector: Invalid value: "null": field is immutable',
    ]);
  });
});

describe('ControllerRevision validation', () => {
  const CR = kind('ControllerRevision');
  const cr = (extra: Obj): Obj => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-1', namespace: 'default' }, ...extra });
  it('requires data and a revision ≥ 0', () => {
    expect(createErrors(CR, cr({ data: { a: 1 }, revision: 1 }))).toEqual([]);
    expect(createErrors(CR, cr({ revision: -1 }))).toEqual([
      'data: Required value: data is mandatory',
      'revision: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('keeps data immutable; the revision may change', () => {
    const old = stored(CR, cr({ data: { a: 1, b: 'x' }, revision: 1 }));
    expect(updateErrors(CR, old, (o) => { o['revision'] = 2; o['data'] = { b: 'x', a: 1 }; })).toEqual([]);
    expect(updateErrors(CR, old, (o) => { o['data'] = { a: 2 }; })).toEqual([
      'data: Invalid value: runtime.Unknown{TypeMeta:runtime.TypeMeta{APIVersion:"", Kind:""}, Raw:[]uint8{0x7b, 0x22, 0x61, 0x22, 0x3a, 0x32, 0x7d}, ContentEncoding:"", ContentType:"application/json"}: field is immutable',
    ]);
  });
});
