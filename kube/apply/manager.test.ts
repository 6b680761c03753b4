import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { InvalidObjectError } from './atoms.ts';
import { ApplyConflictError } from './conflicts.ts';
import { upgradeManagedFields, upgradeManagedFieldsPatch } from './csa-upgrade.ts';
import { FieldSet } from './field-set.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import type { ApplyOptions, KubeObject } from './manager.ts';
import { apply, ApplyRequestError, buildLastApplied, ignoreManagedFieldsTimestamps, LAST_APPLIED_ANNOTATION, update } from './manager.ts';
import { makePath } from './path.ts';
import { fromScaleManagedFields, specReplicas, toScaleManagedFields } from './scale.ts';
import { CONFIG_MAP, DEPLOYMENT, emptyObject, POD, SCALE } from './type-fixtures.ts';

// The scenarios of kube's Server-Side Apply documentation, run through the field manager the way
// kube-apiserver runs it, asserting the managedFields it would store and the 409s it would answer.

const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const MINUTE = 60_000;

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock(T0);
});

const cmOpts = (): ApplyOptions => ({ type: CONFIG_MAP, clock, emptyObject: emptyObject('ConfigMap') });
const depOpts = (): ApplyOptions => ({ type: DEPLOYMENT, clock, emptyObject: emptyObject('Deployment') });

/** What storage adds on create. */
function stored(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  const md = copy.metadata as Record<string, unknown>;
  md.uid = 'u-1';
  md.creationTimestamp = at(T0);
  return copy;
}

function managedFields(obj: KubeObject): ManagedFieldsEntry[] | undefined {
  return (obj.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields;
}

function entry(manager: string, operation: 'Apply' | 'Update', apiVersion: string, time: string | undefined, fieldsV1: unknown, subresource?: string): ManagedFieldsEntry {
  return {
    manager, operation, apiVersion, ...(time === undefined ? {} : { time }), fieldsType: 'FieldsV1', fieldsV1,
    ...(subresource === undefined ? {} : { subresource }),
  };
}

function conflictOf(f: () => unknown): ApplyConflictError {
  try {
    f();
  } catch (err) {
    if (err instanceof ApplyConflictError) return err;
    throw err;
  }
  throw new Error('expected an apply conflict');
}

function withReplicas(obj: KubeObject, replicas: number | undefined): KubeObject {
  const copy = structuredClone(obj);
  const spec = copy.spec as Record<string, unknown>;
  if (replicas === undefined) delete spec.replicas;
  else spec.replicas = replicas;
  return copy;
}

// k8s.io/examples/application/ssa/nginx-deployment.yaml
const nginxDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } },
  },
};
const NGINX_FIELDS = {
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:template': {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    },
  },
};
const { 'f:replicas': _replicas, ...NGINX_SPEC_WITHOUT_REPLICAS } = NGINX_FIELDS['f:spec'];
const NGINX_FIELDS_WITHOUT_REPLICAS = { 'f:spec': NGINX_SPEC_WITHOUT_REPLICAS };

/** A /scale write as kube-apiserver does it: through a Scale and back into the parent. */
function scale(live: KubeObject, replicas: number, manager: string): KubeObject {
  const paths = specReplicas('apps/v1');
  const md = live.metadata as Record<string, unknown>;
  const scaleLive: KubeObject = {
    apiVersion: 'autoscaling/v1', kind: 'Scale',
    metadata: { name: md.name, uid: md.uid, managedFields: toScaleManagedFields(md.managedFields, paths) },
    spec: { replicas: (live.spec as { replicas: number }).replicas },
    status: {},
  };
  const scaleNew = structuredClone(scaleLive);
  (scaleNew.spec as { replicas: number }).replicas = replicas;
  const scaled = update(scaleLive, scaleNew, manager, { type: SCALE, clock, subresource: 'scale' });
  const next = withReplicas(live, replicas);
  (next.metadata as Record<string, unknown>).managedFields = fromScaleManagedFields(md.managedFields, managedFields(scaled), 'apps/v1', paths);
  return next;
}

describe('the documented ConfigMap', () => {
  const applied: KubeObject = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } },
    data: { key: 'some value' },
  };

  it('one applier: a single Apply entry', () => {
    const live = apply(undefined, applied, 'kubectl', cmOpts());
    expect(JSON.stringify(managedFields(live))).toBe(
      '[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1",'
      + '"fieldsV1":{"f:data":{"f:key":{}},"f:metadata":{"f:labels":{"f:test-label":{}}}}}]',
    );
    expect(live.data).toEqual({ key: 'some value' });
  });

  it('an update moves the field it changed; applying the old value then conflicts; force takes it back', async () => {
    let live = stored(apply(undefined, applied, 'kubectl', cmOpts()));
    await clock.step(60 * MINUTE);
    const put = structuredClone(live);
    (put.data as Record<string, string>).key = 'new value';
    live = update(live, put, 'kube-controller-manager', cmOpts());
    const kubectlEntry = entry('kubectl', 'Apply', 'v1', at(T0), { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } });
    expect(managedFields(live)).toEqual([
      kubectlEntry,
      entry('kube-controller-manager', 'Update', 'v1', at(T0 + 60 * MINUTE), { 'f:data': { 'f:key': {} } }),
    ]);

    await clock.step(MINUTE);
    const err = conflictOf(() => apply(live, applied, 'kubectl', cmOpts()));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kube-controller-manager" using v1: .data.key');
    expect(err.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kube-controller-manager" using v1', field: '.data.key' }]);
    expect(err.toStatus().code).toBe(409);

    // Don't overwrite, become a shared manager: apply the live value.
    const shared = apply(live, { ...applied, data: { key: 'new value' } }, 'kubectl', cmOpts());
    expect(managedFields(shared)).toEqual([
      // A no-op apply leaves the times alone.
      entry('kubectl', 'Apply', 'v1', at(T0), { 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } }),
      entry('kube-controller-manager', 'Update', 'v1', at(T0 + 60 * MINUTE), { 'f:data': { 'f:key': {} } }),
    ]);

    // Overwrite: the other manager loses the field, and with it its entry.
    const forced = apply(live, applied, 'kubectl', { ...cmOpts(), force: true });
    expect(forced.data).toEqual({ key: 'some value' });
    expect(managedFields(forced)).toEqual([
      entry('kubectl', 'Apply', 'v1', at(T0 + 61 * MINUTE), { 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } }),
    ]);
  });

  it('a manager dropping fields removes those nobody else owns', async () => {
    let live = stored(apply(undefined, { ...applied, data: { a: '1', b: '2', c: '3' } }, 'kubectl', cmOpts()));
    await clock.step(MINUTE);
    const put = structuredClone(live);
    (put.data as Record<string, string>).d = '4';
    live = update(live, put, 'editor', cmOpts());
    await clock.step(MINUTE);
    live = apply(live, { ...applied, data: { c: '3', b: '2' } }, 'other-applier', cmOpts());
    await clock.step(MINUTE);
    // kubectl stops applying the label and data a, b, c: a goes; b and c stay (other-applier);
    // d stays (editor); labels go (nobody else owned test-label).
    const dropped = apply(live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default' } }, 'kubectl', cmOpts());
    expect(dropped.data).toEqual({ b: '2', c: '3', d: '4' });
    expect((dropped.metadata as Record<string, unknown>).labels).toEqual({ 'test-label': 'test' });
    expect(managedFields(dropped)).toEqual([
      entry('other-applier', 'Apply', 'v1', undefined, { 'f:data': { 'f:b': {}, 'f:c': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } }),
      entry('editor', 'Update', 'v1', at(T0 + MINUTE), { 'f:data': { 'f:d': {} } }),
    ]);
  });

  it('a sole applier dropping its last label removes the labels map', () => {
    const live = stored(apply(undefined, applied, 'kubectl', cmOpts()));
    const next = apply(live, { ...applied, metadata: { name: 'test-cm', namespace: 'default' } }, 'kubectl', cmOpts());
    expect(Object.keys(next.metadata as object)).not.toContain('labels');
  });

  it('a create by client-side apply owns what it set, containers marked with "."', () => {
    const lastApplied = '{"apiVersion":"v1","data":{"key":"some value"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"test1","namespace":"default"}}\n';
    const created = update(undefined, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'test1', namespace: 'default', annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } },
      data: { key: 'some value' },
    }, 'kubectl-client-side-apply', cmOpts());
    expect(managedFields(created)).toEqual([entry('kubectl-client-side-apply', 'Update', 'v1', at(T0), {
      'f:data': { '.': {}, 'f:key': {} },
      'f:metadata': { 'f:annotations': { '.': {}, [`f:${LAST_APPLIED_ANNOTATION}`]: {} } },
    })]);
  });
});

describe('two appliers on a Deployment', () => {
  it('conflicts are listed per owner; force takes them from every owner', async () => {
    let live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    expect(managedFields(live)).toEqual([entry('kubectl', 'Apply', 'apps/v1', at(T0), NGINX_FIELDS)]);
    await clock.step(MINUTE);
    live = update(live, withReplicas(live, 4), 'kube-controller-manager', depOpts());

    await clock.step(MINUTE);
    const ci: KubeObject = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment' },
      spec: { replicas: 5, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1' }] } } },
    };
    const err = conflictOf(() => apply(live, ci, 'ci-bot', depOpts()));
    expect(err.message).toBe([
      'Apply failed with 2 conflicts: conflicts with "kube-controller-manager" using apps/v1:',
      '- .spec.replicas',
      'conflicts with "kubectl":',
      '- .spec.template.spec.containers[name="nginx"].image',
    ].join('\n'));
    expect(err.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kube-controller-manager" using apps/v1', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.template.spec.containers[name="nginx"].image' },
    ]);

    const forced = apply(live, ci, 'ci-bot', { ...depOpts(), force: true });
    expect((forced.spec as { replicas: number }).replicas).toBe(5);
    expect(managedFields(forced)).toEqual([
      entry('kubectl', 'Apply', 'apps/v1', at(T0), {
        'f:spec': {
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:name': {} } } },
          },
        },
      }),
      entry('ci-bot', 'Apply', 'apps/v1', at(T0 + 2 * MINUTE), {
        'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
      }),
    ]);
  });

  it('dropping a container removes the whole list item unless another applier keeps it', () => {
    const twoContainers = structuredClone(nginxDeployment);
    const podSpec = (o: KubeObject): { containers: unknown[] } => ((o.spec as { template: { spec: { containers: unknown[] } } }).template.spec);
    podSpec(twoContainers).containers.push({ name: 'sidecar', image: 'busybox', args: ['sleep', '1d'] });
    const live = stored(apply(undefined, twoContainers, 'kubectl', depOpts()));

    const alone = apply(live, nginxDeployment, 'kubectl', depOpts());
    expect(podSpec(alone).containers).toEqual([{ name: 'nginx', image: 'nginx:1.14.2' }]);
    expect(managedFields(alone)).toEqual([entry('kubectl', 'Apply', 'apps/v1', at(T0), NGINX_FIELDS)]);

    const sidecarOnly: KubeObject = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment' },
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } },
    };
    const shared = apply(live, sidecarOnly, 'sidecar-injector', depOpts());
    const kept = apply(shared, nginxDeployment, 'kubectl', depOpts());
    // The item and the fields the injector applied stay; args only kubectl applied go.
    expect(podSpec(kept).containers).toEqual([{ name: 'nginx', image: 'nginx:1.14.2' }, { name: 'sidecar', image: 'busybox' }]);
  });
});

describe('transferring replicas to the HPA (the documented handover)', () => {
  it('handover-to-hpa shares replicas, kubectl drops it, the HPA scales and the temporary manager disappears', async () => {
    let live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));

    await clock.step(MINUTE);
    const replicasOnly: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment' }, spec: { replicas: 3 } };
    live = apply(live, replicasOnly, 'handover-to-hpa', depOpts());
    // Same value: shared, no conflict. The apply changed nothing, so (as kube does) no time.
    expect(managedFields(live)).toEqual([
      entry('handover-to-hpa', 'Apply', 'apps/v1', undefined, { 'f:spec': { 'f:replicas': {} } }),
      entry('kubectl', 'Apply', 'apps/v1', at(T0), NGINX_FIELDS),
    ]);

    await clock.step(MINUTE);
    const noReplicas = withReplicas(nginxDeployment, undefined);
    live = apply(live, noReplicas, 'kubectl', depOpts());
    // replicas is not reset: handover-to-hpa still owns it.
    expect((live.spec as { replicas: number }).replicas).toBe(3);
    expect(managedFields(live)).toEqual([
      entry('handover-to-hpa', 'Apply', 'apps/v1', undefined, { 'f:spec': { 'f:replicas': {} } }),
      entry('kubectl', 'Apply', 'apps/v1', at(T0), NGINX_FIELDS_WITHOUT_REPLICAS),
    ]);

    await clock.step(MINUTE);
    live = scale(live, 5, 'kube-controller-manager');
    expect((live.spec as { replicas: number }).replicas).toBe(5);
    // The scale subresource's owner has no time: ScaleHandler.ToParent takes times from the parent.
    expect(managedFields(live)).toEqual([
      entry('kubectl', 'Apply', 'apps/v1', at(T0), NGINX_FIELDS_WITHOUT_REPLICAS),
      entry('kube-controller-manager', 'Update', 'apps/v1', undefined, { 'f:spec': { 'f:replicas': {} } }, 'scale'),
    ]);

    await clock.step(MINUTE);
    const err = conflictOf(() => apply(live, nginxDeployment, 'kubectl', depOpts()));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "scale" using apps/v1: .spec.replicas');
  });

  it('without the handover, dropping replicas removes it (the API server would default it to 1)', () => {
    const live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    const next = apply(live, withReplicas(nginxDeployment, undefined), 'kubectl', depOpts());
    expect(Object.keys(next.spec as object)).not.toContain('replicas');
  });
});

describe('client-side apply → server-side apply', () => {
  const config = (image: string, replicas?: number): KubeObject => {
    const obj = withReplicas(nginxDeployment, replicas);
    (obj.metadata as Record<string, unknown>).namespace = 'default';
    ((obj.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0] as { image: string }).image = image;
    return obj;
  };
  const csaCreate = (): KubeObject => {
    const obj = config('nginx:1.14.2', 3);
    const lastApplied = buildLastApplied({ ...obj, metadata: { ...(obj.metadata as object), annotations: {} } });
    (obj.metadata as Record<string, unknown>).annotations = { [LAST_APPLIED_ANNOTATION]: lastApplied };
    return stored(update(undefined, obj, 'kubectl-client-side-apply', depOpts()));
  };
  const CSA_FIELDS = {
    'f:metadata': { 'f:annotations': { '.': {}, [`f:${LAST_APPLIED_ANNOTATION}`]: {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
      },
    },
  };

  it('kubectl takes the fields the last-applied annotation still agrees on, without conflicts', async () => {
    const live = csaCreate();
    expect(managedFields(live)).toEqual([entry('kubectl-client-side-apply', 'Update', 'apps/v1', at(T0), CSA_FIELDS)]);
    await clock.step(MINUTE);
    const next = apply(live, config('nginx:1.16.1', 3), 'kubectl', depOpts());
    const md = next.metadata as { annotations: Record<string, string> };
    // kubectl's server-side applies keep the annotation current, so a downgrade works.
    expect(md.annotations[LAST_APPLIED_ANNOTATION]).toBe(
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx-deployment","namespace":"default"},'
      + '"spec":{"replicas":3,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},'
      + '"spec":{"containers":[{"image":"nginx:1.16.1","name":"nginx"}]}}}}\n',
    );
    const csaWithoutImage = structuredClone(CSA_FIELDS);
    delete (csaWithoutImage['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'] as Record<string, unknown>)['f:image'];
    expect(managedFields(next)).toEqual([
      entry('kubectl', 'Apply', 'apps/v1', at(T0 + MINUTE), NGINX_FIELDS),
      entry('kubectl-client-side-apply', 'Update', 'apps/v1', at(T0), csaWithoutImage),
    ]);
  });

  it('another field manager does not upgrade: the same apply conflicts', () => {
    const err = conflictOf(() => apply(csaCreate(), config('nginx:1.16.1', 3), 'my-manager', depOpts()));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.template.spec.containers[name="nginx"].image');
  });

  it('a replicas count changed by kubectl scale after client-side apply still conflicts', async () => {
    let live = csaCreate();
    await clock.step(MINUTE);
    live = scale(live, 5, 'kubectl');
    const { 'f:replicas': _taken, ...csaSpec } = CSA_FIELDS['f:spec'];
    expect(managedFields(live)).toEqual([
      entry('kubectl', 'Update', 'apps/v1', undefined, { 'f:spec': { 'f:replicas': {} } }, 'scale'),
      entry('kubectl-client-side-apply', 'Update', 'apps/v1', at(T0), { ...CSA_FIELDS, 'f:spec': csaSpec }),
    ]);
    await clock.step(MINUTE);
    const err = conflictOf(() => apply(live, config('nginx:1.16.1', 3), 'kubectl', depOpts()));
    // The image conflict is forgiven (the annotation agrees with the live value); replicas is not.
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
    const next = apply(live, config('nginx:1.16.1'), 'kubectl', depOpts());
    expect((next.spec as { replicas: number }).replicas).toBe(5);
  });

  it('client-go\'s csaupgrade folds the client-side entry into kubectl\'s Apply entry', () => {
    const live = csaCreate();
    const upgraded = upgradeManagedFields(managedFields(live), ['kubectl-client-side-apply'], 'kubectl');
    expect(upgraded).toEqual([entry('kubectl', 'Apply', 'apps/v1', at(T0), CSA_FIELDS)]);
    expect(upgradeManagedFieldsPatch({ ...live, metadata: { ...(live.metadata as object), resourceVersion: '42' } }, ['kubectl-client-side-apply'], 'kubectl')).toEqual([
      { op: 'replace', path: '/metadata/managedFields', value: upgraded },
      { op: 'replace', path: '/metadata/resourceVersion', value: '42' },
    ]);
    // After the upgrade, dropping a field prunes it like any applied field.
    const withUpgrade = { ...live, metadata: { ...(live.metadata as object), managedFields: upgraded } };
    const next = apply(withUpgrade, config('nginx:1.14.2'), 'kubectl', depOpts());
    expect(Object.keys(next.spec as object)).not.toContain('replicas');
  });
});

describe('objects nobody tracked', () => {
  it('a reset drops managedFields; the first apply gives what exists to before-first-apply', async () => {
    let live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    await clock.step(MINUTE);
    const reset = structuredClone(live);
    (reset.metadata as Record<string, unknown>).managedFields = [{}];
    live = update(live, reset, 'kubectl-edit', depOpts());
    expect(managedFields(live)).toBeUndefined();

    // Updates to an untracked object stay untracked.
    const labelled = structuredClone(live);
    (labelled.metadata as Record<string, unknown>).labels = { team: 'a' };
    live = update(live, labelled, 'kubectl-edit', depOpts());
    expect(managedFields(live)).toBeUndefined();

    await clock.step(MINUTE);
    const err = conflictOf(() => apply(live, withReplicas(nginxDeployment, 4), 'kubectl', depOpts()));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');

    const next = apply(live, nginxDeployment, 'kubectl', depOpts());
    expect(managedFields(next)).toEqual([
      // The apply changed no value, so its entry gets no time (kubernetes/kubernetes#127938).
      entry('kubectl', 'Apply', 'apps/v1', undefined, NGINX_FIELDS),
      entry('before-first-apply', 'Update', 'apps/v1', at(T0 + 2 * MINUTE), {
        'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } },
        'f:spec': {
          // Same value as applied: shared, not taken.
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      }),
    ]);
  });

  it('an empty list keeps the live entries (clients that drop the field do not wipe them)', () => {
    const live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    const put = structuredClone(live);
    delete (put.metadata as Record<string, unknown>).managedFields;
    expect(managedFields(update(live, put, 'other', depOpts()))).toEqual(managedFields(live));
  });
});

describe('Update entries', () => {
  it('are kept per subresource; reset fields are never owned through an endpoint', async () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: {} };
    let live = stored(update(undefined, pod, 'kubectl-create', { type: POD, clock, emptyObject: emptyObject('Pod') }));
    await clock.step(MINUTE);
    const withStatus = structuredClone(live);
    withStatus.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    (withStatus.spec as Record<string, unknown>).nodeName = 'ignored-through-status';
    live = update(live, withStatus, 'kubelet', { type: POD, clock, subresource: 'status', resetFields: FieldSet.of(makePath('spec')) });
    expect(managedFields(live)).toEqual([
      entry('kubectl-create', 'Update', 'v1', at(T0), {
        'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
      }),
      entry('kubelet', 'Update', 'v1', at(T0 + MINUTE), {
        'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {} },
      }, 'status'),
    ]);
  });

  it('merge into one entry per manager; a no-op update changes nothing', async () => {
    let live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    await clock.step(MINUTE);
    live = update(live, withReplicas(live, 4), 'kube-controller-manager', depOpts());
    await clock.step(MINUTE);
    const labelled = structuredClone(live);
    (labelled.metadata as Record<string, unknown>).labels = { team: 'a' };
    live = update(live, labelled, 'kube-controller-manager', depOpts());
    expect(managedFields(live)?.[1]).toEqual(entry('kube-controller-manager', 'Update', 'apps/v1', at(T0 + 2 * MINUTE), {
      'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } }, 'f:spec': { 'f:replicas': {} },
    }));
    await clock.step(MINUTE);
    expect(update(live, structuredClone(live), 'kube-controller-manager', depOpts())).toEqual(live);
  });

  it('are capped at 10: the oldest merge into ancient-changes', async () => {
    let live = stored(apply(undefined, { ...nginxDeployment, metadata: { name: 'nginx-deployment' } }, 'kubectl', depOpts()));
    for (let i = 0; i < 11; i++) {
      await clock.step(MINUTE);
      const next = structuredClone(live);
      const md = next.metadata as { labels?: Record<string, string> };
      md.labels = { ...(md.labels ?? {}), [`l${i}`]: 'x' };
      live = update(live, next, `updater-${i}`, depOpts());
    }
    const entries = managedFields(live) ?? [];
    expect(entries.map((e) => e.manager)).toEqual([
      'kubectl', 'ancient-changes', ...Array.from({ length: 9 }, (_, i) => `updater-${i + 2}`),
    ]);
    expect(entries[1]).toEqual(entry('ancient-changes', 'Update', 'apps/v1', at(T0 + 2 * MINUTE), {
      'f:metadata': { 'f:labels': { '.': {}, 'f:l0': {}, 'f:l1': {} } },
    }));
  });

  it('are dropped when the new object does not fit its type (Kubernetes 1.32)', () => {
    const live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    const broken = structuredClone(live);
    (broken.spec as Record<string, unknown>).selector = 'not a map';
    const errors: unknown[] = [];
    const next = update(live, broken, 'x', { ...depOpts(), onError: (e) => errors.push(e) });
    expect(managedFields(next)).toBeUndefined();
    expect(errors[0]).toBeInstanceOf(InvalidObjectError);
  });
});

describe('apply requests the field manager refuses', () => {
  it.each<[string, KubeObject, string]>([
    ['another kind', { ...nginxDeployment, kind: 'StatefulSet' }, 'invalid object type: apps/v1, Kind=StatefulSet'],
    ['another version', { ...nginxDeployment, apiVersion: 'apps/v1beta1' }, 'invalid object type: apps/v1beta1, Kind=Deployment'],
    ['managedFields in the body', { ...nginxDeployment, metadata: { name: 'n', managedFields: [] } }, 'metadata.managedFields must be nil'],
  ])('%s', (_name, applied, message) => {
    const live = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    expect(() => apply(live, applied, 'kubectl', depOpts())).toThrow(ApplyRequestError);
    expect(() => apply(live, applied, 'kubectl', depOpts())).toThrow(message);
  });

  it('duplicate list keys in the applied configuration', () => {
    const dup = structuredClone(nginxDeployment);
    ((dup.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers).push({ name: 'nginx', image: 'x' });
    expect(() => apply(undefined, dup, 'kubectl', depOpts())).toThrow('.spec.template.spec.containers: duplicate entries for key [name="nginx"]');
  });
});

describe('ignoreManagedFieldsTimestamps', () => {
  it('reverts a timestamp-only change and keeps real ones', () => {
    const old = stored(apply(undefined, nginxDeployment, 'kubectl', depOpts()));
    const bumped = structuredClone(old);
    (managedFields(bumped) ?? [])[0]!.time = at(T0 + MINUTE);
    expect(ignoreManagedFieldsTimestamps(bumped, old)).toEqual(old);
    const changed = withReplicas(bumped, 9);
    expect(ignoreManagedFieldsTimestamps(changed, old)).toEqual(changed);
  });
});
