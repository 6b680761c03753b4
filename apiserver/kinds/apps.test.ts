import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.ts';
import { APPS_KINDS } from './apps.ts';
import type { KindDefinition, Obj } from './kind.ts';

function kind(name: string): KindDefinition {
  const k = APPS_KINDS.find((x) => x.kind === name);
  if (k === undefined) throw new Error(`no kind ${name}`);
  return k;
}

const DEPLOYMENT = kind('Deployment');
const REPLICASET = kind('ReplicaSet');
const STATEFULSET = kind('StatefulSet');
const DAEMONSET = kind('DaemonSet');
const CONTROLLERREVISION = kind('ControllerRevision');

function template(labels: Record<string, string> = { app: 'web' }): Obj {
  return { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:local', ports: [{ containerPort: 80 }] }] } };
}

function workload(k: string, spec: Obj = {}, meta: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1', kind: k, metadata: { name: 'web', namespace: 'default', ...meta },
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec },
  };
}

function created(k: KindDefinition, obj: Obj): Obj {
  const o = structuredClone(obj);
  k.prepareForCreate(o);
  return o;
}

function updated(k: KindDefinition, old: Obj, change: (o: Obj) => void, sub: '' | 'status' = ''): Obj {
  const next = structuredClone(old);
  change(next);
  k.prepareForUpdate(next, old, sub);
  return next;
}

const spec = (o: Obj): Obj => o['spec'] as Obj;
const meta = (o: Obj): Obj => o['metadata'] as Obj;

describe('apps/v1 identity and discovery', () => {
  it('declares the five kinds in discovery order with kube\'s names, scope, verbs and categories', () => {
    expect(APPS_KINDS.map((k) => [k.resource, k.kind, k.singular, k.shortNames, k.categories, k.namespaced])).toEqual([
      ['controllerrevisions', 'ControllerRevision', 'controllerrevision', [], [], true],
      ['daemonsets', 'DaemonSet', 'daemonset', ['ds'], ['all'], true],
      ['deployments', 'Deployment', 'deployment', ['deploy'], ['all'], true],
      ['replicasets', 'ReplicaSet', 'replicaset', ['rs'], ['all'], true],
      ['statefulsets', 'StatefulSet', 'statefulset', ['sts'], ['all'], true],
    ]);
    for (const k of APPS_KINDS) {
      expect(k.group).toBe('apps');
      expect(k.version).toBe('v1');
      expect(k.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    }
  });

  it('serves scale and status for the replicated kinds, status only for DaemonSet, nothing for ControllerRevision', () => {
    const subs = (k: KindDefinition): string[] => k.subresources.map((s) => `${s.name}:${s.group ?? 'apps'}/${s.kind}:${s.verbs.join(',')}`);
    for (const k of [DEPLOYMENT, REPLICASET, STATEFULSET]) {
      expect(subs(k)).toEqual(['scale:autoscaling/Scale:get,patch,update', `status:apps/${k.kind}:get,patch,update`]);
      expect(k.scale).toEqual({ specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' });
    }
    expect(subs(DAEMONSET)).toEqual(['status:apps/DaemonSet:get,patch,update']);
    expect(DAEMONSET.scale).toBeUndefined();
    expect(subs(CONTROLLERREVISION)).toEqual([]);
  });
});

describe('scheme defaults', () => {
  const podTemplateDefaults = {
    metadata: { labels: { app: 'web' }, creationTimestamp: null },
    spec: {
      containers: [{
        name: 'c', image: 'localhost/busybox:local', ports: [{ containerPort: 80, protocol: 'TCP' }], imagePullPolicy: 'IfNotPresent',
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {},
      }],
      restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler',
    },
  };

  it('Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, the pod template\'s, status {}', () => {
    const d = created(DEPLOYMENT, workload('Deployment'));
    expect(d['spec']).toEqual({
      selector: { matchLabels: { app: 'web' } }, template: podTemplateDefaults, replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    });
    expect(d['status']).toEqual({});
    expect(meta(d)['generation']).toBe(1);
  });

  it('Deployment: keeps what is set, and Recreate gets no rollingUpdate', () => {
    const d = created(DEPLOYMENT, workload('Deployment', { replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 0, progressDeadlineSeconds: 5 }));
    expect(spec(d)).toMatchObject({ replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 0, progressDeadlineSeconds: 5 });
    const partial = created(DEPLOYMENT, workload('Deployment', { strategy: { rollingUpdate: { maxSurge: 0 } } }));
    expect(spec(partial)['strategy']).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '25%' } });
  });

  it('ReplicaSet: replicas 1, the pod template\'s, status {replicas: 0}', () => {
    const rs = created(REPLICASET, workload('ReplicaSet'));
    expect(rs['spec']).toEqual({ selector: { matchLabels: { app: 'web' } }, template: podTemplateDefaults, replicas: 1 });
    expect(rs['status']).toEqual({ replicas: 0 });
  });

  it('StatefulSet: OrderedReady, RollingUpdate partition 0, Retain/Retain, replicas 1, revisionHistoryLimit 10, serviceName written, claim templates', () => {
    const sts = created(STATEFULSET, workload('StatefulSet', {
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    }));
    expect(sts['spec']).toEqual({
      selector: { matchLabels: { app: 'web' } }, template: podTemplateDefaults, podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      replicas: 1, revisionHistoryLimit: 10, serviceName: '',
      volumeClaimTemplates: [{
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      }],
    });
    expect(sts['status']).toEqual({ replicas: 0, availableReplicas: 0 });
  });

  it('StatefulSet: OnDelete gets no rollingUpdate; maxUnavailable is dropped (MaxUnavailableStatefulSet is off) unless already stored', () => {
    const onDelete = created(STATEFULSET, workload('StatefulSet', { updateStrategy: { type: 'OnDelete' } }));
    expect(spec(onDelete)['updateStrategy']).toEqual({ type: 'OnDelete' });
    const withMax = created(STATEFULSET, workload('StatefulSet', { updateStrategy: { rollingUpdate: { maxUnavailable: 2 } } }));
    expect(spec(withMax)['updateStrategy']).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    const old = created(STATEFULSET, workload('StatefulSet'));
    (spec(old)['updateStrategy'] as Obj)['rollingUpdate'] = { partition: 0, maxUnavailable: 1 };
    const next = updated(STATEFULSET, old, (o) => { spec(o)['replicas'] = 2; });
    expect(spec(next)['updateStrategy']).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } });
  });

  it('DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, revisionHistoryLimit 10, template generation 1, status zeros', () => {
    const ds = created(DAEMONSET, workload('DaemonSet'));
    expect(ds['spec']).toEqual({
      selector: { matchLabels: { app: 'web' } }, template: podTemplateDefaults,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10,
    });
    expect(meta(ds)['annotations']).toEqual({ 'deprecated.daemonset.template.generation': '1' });
    expect(ds['status']).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });

  it('ControllerRevision: revision 0 when absent, no status or generation', () => {
    const cr = created(CONTROLLERREVISION, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'default' }, data: {} });
    expect(cr).toEqual({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'default' }, data: {}, revision: 0 });
  });

  it('the pod template mirrors serviceAccountName into serviceAccount and keeps Pod-only defaults out', () => {
    const d = created(DEPLOYMENT, workload('Deployment', { template: { ...template(), spec: { ...(template()['spec'] as Obj), serviceAccountName: 'sa' } } }));
    const podSpec = (spec(d)['template'] as Obj)['spec'] as Obj;
    expect(podSpec['serviceAccount']).toBe('sa');
    expect(podSpec['enableServiceLinks']).toBeUndefined();
    expect(podSpec['priority']).toBeUndefined();
  });

  it('refuses annotations the v1 conversion cannot parse with the decoder\'s 400', () => {
    const badDs = workload('DaemonSet', {}, { annotations: { 'deprecated.daemonset.template.generation': 'x' } });
    expect(() => created(DAEMONSET, badDs)).toThrow(ApiError);
    try {
      created(DAEMONSET, badDs);
    } catch (err) {
      expect((err as ApiError).status).toMatchObject({
        code: 400, reason: 'BadRequest',
        message: 'DaemonSet in version "v1" cannot be handled as a DaemonSet: strconv.ParseInt: parsing "x": invalid syntax',
      });
    }
    const badD = workload('Deployment', {}, { annotations: { 'deprecated.deployment.rollback.to': '1x' } });
    expect(() => created(DEPLOYMENT, badD)).toThrow(
      'Deployment in version "v1" cannot be handled as a Deployment: failed to parse annotation[deprecated.deployment.rollback.to]=1x as int64: strconv.ParseInt: parsing "1x": invalid syntax');
  });

  it('refuses a metadata of the wrong JSON types as the decoder does (400)', () => {
    try {
      created(DEPLOYMENT, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 5 } });
      expect.unreachable();
    } catch (err) {
      expect((err as ApiError).status).toMatchObject({
        code: 400,
        message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string',
      });
    }
    expect(() => created(STATEFULSET, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: 'x' })).toThrow(
      'StatefulSet in version "v1" cannot be handled as a StatefulSet: json: cannot unmarshal string into Go struct field StatefulSet.metadata of type v1.ObjectMeta');
  });
});

describe('registry strategies', () => {
  it('create resets status and sets generation 1', () => {
    for (const k of [DEPLOYMENT, REPLICASET, STATEFULSET, DAEMONSET]) {
      const o = created(k, { ...workload(k.kind, {}, { generation: 7 }), status: { replicas: 9, observedGeneration: 3 } });
      expect(meta(o)['generation']).toBe(1);
      expect(o['status']).not.toHaveProperty('observedGeneration');
    }
  });

  it('an update keeps the status; a change of spec bumps the generation, a change of labels does not', () => {
    for (const k of [DEPLOYMENT, REPLICASET, STATEFULSET, DAEMONSET]) {
      const old = created(k, workload(k.kind));
      (old['status'] as Obj)['observedGeneration'] = 1;
      const same = updated(k, old, (o) => { o['status'] = { observedGeneration: 5 }; meta(o)['labels'] = { a: 'b' }; });
      expect(same['status']).toEqual(old['status']);
      expect(meta(same)['generation']).toBe(1);
      const changed = updated(k, old, (o) => { spec(o)['minReadySeconds'] = 3; });
      expect(meta(changed)['generation']).toBe(2);
    }
  });

  it('an empty list is a nil list: no generation bump for it', () => {
    const old = created(DEPLOYMENT, workload('Deployment'));
    const next = updated(DEPLOYMENT, old, (o) => { ((spec(o)['template'] as Obj)['spec'] as Obj)['volumes'] = []; });
    expect(meta(next)['generation']).toBe(1);
  });

  it('Deployment: a change of annotations bumps the generation too; /status keeps spec and labels', () => {
    const old = created(DEPLOYMENT, workload('Deployment', {}, { labels: { a: '1' } }));
    expect(meta(updated(DEPLOYMENT, old, (o) => { meta(o)['annotations'] = { note: 'x' }; }))['generation']).toBe(2);
    const st = updated(DEPLOYMENT, old, (o) => { o['status'] = { replicas: 2 }; meta(o)['labels'] = { a: '2' }; spec(o)['replicas'] = 9; }, 'status');
    expect(st['status']).toEqual({ replicas: 2 });
    expect(meta(st)['labels']).toEqual({ a: '1' });
    expect(spec(st)['replicas']).toBe(1);
    expect(meta(st)['generation']).toBe(1);
  });

  it('ReplicaSet and StatefulSet /status keep the spec and write the zero status fields', () => {
    const rs = created(REPLICASET, workload('ReplicaSet'));
    const st = updated(REPLICASET, rs, (o) => { o['status'] = { readyReplicas: 0 }; spec(o)['replicas'] = 3; }, 'status');
    expect(st['status']).toEqual({ readyReplicas: 0, replicas: 0 });
    expect(spec(st)['replicas']).toBe(1);
  });

  it('DaemonSet: the template generation counts template changes and cannot be set by a client', () => {
    const old = created(DAEMONSET, workload('DaemonSet', {}, { annotations: { 'deprecated.daemonset.template.generation': '7' } }));
    expect(meta(old)['annotations']).toEqual({ 'deprecated.daemonset.template.generation': '7' });
    const forged = updated(DAEMONSET, old, (o) => { (meta(o)['annotations'] as Obj)['deprecated.daemonset.template.generation'] = '40'; });
    expect((meta(forged)['annotations'] as Obj)['deprecated.daemonset.template.generation']).toBe('7');
    expect(meta(forged)['generation']).toBe(1);
    const image = updated(DAEMONSET, old, (o) => {
      (((spec(o)['template'] as Obj)['spec'] as Obj)['containers'] as Obj[])[0]!['image'] = 'localhost/busybox:v2';
    });
    expect((meta(image)['annotations'] as Obj)['deprecated.daemonset.template.generation']).toBe('8');
    expect(meta(image)['generation']).toBe(2);
    const other = updated(DAEMONSET, old, (o) => { spec(o)['minReadySeconds'] = 4; });
    expect((meta(other)['annotations'] as Obj)['deprecated.daemonset.template.generation']).toBe('7');
    expect(meta(other)['generation']).toBe(2);
  });
});
