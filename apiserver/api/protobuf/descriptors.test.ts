import { describe, expect, it } from 'vitest';
import { allMessageDescriptors, decodableKinds, kindDescriptor, messageDescriptor } from './descriptors.ts';

describe('the message table', () => {
  it('is well formed and closed: every field reads and every referenced message exists', () => {
    const all = allMessageDescriptors();
    expect(all.length).toBeGreaterThan(300);
    for (const d of all) {
      for (const f of d.fields) {
        const t = f.type;
        if (t.kind === 'message') expect(() => messageDescriptor(t.pkg, t.name)).not.toThrow();
        expect(f.num).toBeGreaterThan(0);
        expect(f.inline || f.name !== '').toBe(true);
        if (f.keepZero) expect(f.type.kind === 'scalar' && !f.pointer && f.cardinality === 'single').toBe(true);
      }
    }
  });

  it('has every kind that kubectl writes through a typed client', () => {
    const kinds: [string, string][] = [
      ['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'Namespace'], ['v1', 'ServiceAccount'], ['v1', 'Service'], ['v1', 'ResourceQuota'],
      ['v1', 'Pod'], ['v1', 'Binding'], ['v1', 'Endpoints'], ['v1', 'LimitRange'], ['v1', 'PersistentVolumeClaim'], ['v1', 'ReplicationController'],
      ['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['apps/v1', 'ControllerRevision'],
      ['batch/v1', 'Job'], ['batch/v1', 'CronJob'], ['policy/v1', 'PodDisruptionBudget'], ['policy/v1', 'Eviction'],
      ['rbac.authorization.k8s.io/v1', 'Role'], ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding'], ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
      ['authentication.k8s.io/v1', 'TokenRequest'], ['authentication.k8s.io/v1', 'TokenReview'], ['authentication.k8s.io/v1', 'SelfSubjectReview'],
      ['authorization.k8s.io/v1', 'SelfSubjectAccessReview'], ['authorization.k8s.io/v1', 'SubjectAccessReview'],
      ['authorization.k8s.io/v1', 'SelfSubjectRulesReview'], ['authorization.k8s.io/v1', 'LocalSubjectAccessReview'],
      ['autoscaling/v1', 'Scale'], ['autoscaling/v1', 'HorizontalPodAutoscaler'], ['autoscaling/v2', 'HorizontalPodAutoscaler'],
      ['networking.k8s.io/v1', 'Ingress'], ['scheduling.k8s.io/v1', 'PriorityClass'], ['coordination.k8s.io/v1', 'Lease'],
      ['v1', 'DeleteOptions'], ['policy/v1', 'DeleteOptions'],
    ];
    for (const [apiVersion, kind] of kinds) expect(kindDescriptor(apiVersion, kind)?.name, `${apiVersion} ${kind}`).toBe(kind);
    expect(kindDescriptor('v1', 'PodList')).toBeUndefined();
    expect(kindDescriptor('apps/v1', 'ConfigMap')).toBeUndefined();
    expect(decodableKinds().length).toBeGreaterThan(40);
  });

  it('inlines the embedded sources as kube\'s JSON does', () => {
    const volume = messageDescriptor('core', 'Volume');
    expect(volume.fields.map((f) => [f.num, f.name, f.inline])).toEqual([[1, 'name', false], [2, '', true]]);
    expect(messageDescriptor('authn', 'ExtraValue').listOf).toEqual({ kind: 'scalar', scalar: 'string' });
    // the JSON name, not the proto name (`uID`)
    expect(messageDescriptor('authn', 'BoundObjectReference').byNumber.get(4)?.name).toBe('uid');
  });
});
