import { describe, expect, it } from 'vitest';
import { decodeTypes, jsonTypeError, MAX_NESTING_DEPTH } from './json-types.ts';

function pod(change: (spec: Record<string, unknown>, c: Record<string, unknown>) => void): Record<string, unknown> {
  const c: Record<string, unknown> = { name: 'c', image: 'i' };
  const spec: Record<string, unknown> = { containers: [c] };
  change(spec, c);
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
}

describe('jsonTypeError', () => {
  it('words a wrong type as encoding/json: the innermost struct, the path without indices, the Go type', () => {
    const cases: [unknown, string, string][] = [
      [{ metadata: { name: 5 } }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string', 'metadata.name'],
      [{ metadata: { name: ['a'] } }, 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.name of type string', 'metadata.name'],
      [{ metadata: 'x' }, 'json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta', 'metadata'],
      [{ metadata: { labels: { a: true } } }, 'json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string', 'metadata.labels[a]'],
      [{ metadata: { labels: [] } }, 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string', 'metadata.labels'],
      [{ metadata: { uid: 1 } }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.uid of type types.UID', 'metadata.uid'],
      [{ metadata: { creationTimestamp: 0 } }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string', 'metadata.creationTimestamp'],
      [{ metadata: { deletionGracePeriodSeconds: '30' } }, 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.deletionGracePeriodSeconds of type int64', 'metadata.deletionGracePeriodSeconds'],
      [{ metadata: { finalizers: [1] } }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.finalizers of type string', 'metadata.finalizers[0]'],
      [{ metadata: { ownerReferences: {} } }, 'json: cannot unmarshal object into Go struct field ObjectMeta.metadata.ownerReferences of type []v1.OwnerReference', 'metadata.ownerReferences'],
      [{ metadata: { ownerReferences: [{ controller: 'yes' }] } }, 'json: cannot unmarshal string into Go struct field OwnerReference.metadata.ownerReferences.controller of type bool', 'metadata.ownerReferences[0].controller'],
      [{ metadata: { managedFields: [{ manager: 1 }] } }, 'json: cannot unmarshal number into Go struct field ManagedFieldsEntry.metadata.managedFields.manager of type string', 'metadata.managedFields[0].manager'],
      [pod((s) => { s['containers'] = {}; }), 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container', 'spec.containers'],
      [pod((_s, c) => { c['args'] = [5]; }), 'json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string', 'spec.containers[0].args[0]'],
      [pod((_s, c) => { c['env'] = [{ name: 'a', value: 9 }]; }), 'json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string', 'spec.containers[0].env[0].value'],
      [pod((_s, c) => { c['securityContext'] = { runAsUser: 'root' }; }), 'json: cannot unmarshal string into Go struct field SecurityContext.spec.containers.securityContext.runAsUser of type int64', 'spec.containers[0].securityContext.runAsUser'],
      [pod((s) => { s['tolerations'] = [{ value: true }]; }), 'json: cannot unmarshal bool into Go struct field Toleration.spec.tolerations.value of type string', 'spec.tolerations[0].value'],
      [pod((_s, c) => { c['ports'] = [{ containerPort: 1.5 }]; }), 'json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32', 'spec.containers[0].ports[0].containerPort'],
      [pod((_s, c) => { c['ports'] = [{ containerPort: 2 ** 31 }]; }), 'json: cannot unmarshal number 2147483648 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32', 'spec.containers[0].ports[0].containerPort'],
      [pod((_s, c) => { c['ports'] = [{ protocol: 6 }]; }), 'json: cannot unmarshal number into Go struct field ContainerPort.spec.containers.ports.protocol of type v1.Protocol', 'spec.containers[0].ports[0].protocol'],
      [pod((_s, c) => { c['livenessProbe'] = { httpGet: { port: true } }; }), 'json: cannot unmarshal bool into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32', 'spec.containers[0].livenessProbe.httpGet.port'],
      [pod((_s, c) => { c['resources'] = { limits: { cpu: true } }; }), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", 'spec.containers[0].resources.limits[cpu]'],
      [pod((_s, c) => { c['resources'] = { limits: [] }; }), 'json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList', 'spec.containers[0].resources.limits'],
      [pod((s) => { s['volumes'] = [{ name: 'v', nfs: 'x' }]; }), 'json: cannot unmarshal string into Go struct field Volume.spec.volumes.nfs of type v1.NFSVolumeSource', 'spec.volumes[0].nfs'],
      [pod((s) => { s['securityContext'] = { supplementalGroups: ['1'] }; }), 'json: cannot unmarshal string into Go struct field PodSecurityContext.spec.securityContext.supplementalGroups of type int64', 'spec.securityContext.supplementalGroups[0]'],
    ];
    for (const [obj, message, field] of cases) {
      expect(jsonTypeError('v1', 'Pod', { apiVersion: 'v1', kind: 'Pod', ...(obj as Record<string, unknown>) })).toEqual({ message, field });
    }
  });

  it('takes null for any type, and values of the right type, numbers for quantities and strings for ports', () => {
    const ok = pod((s, c) => {
      s['nodeName'] = null;
      s['terminationGracePeriodSeconds'] = 9007199254740991;
      c['resources'] = { limits: { cpu: 1, memory: '1Gi' }, requests: null };
      c['ports'] = [{ containerPort: 80, hostPort: null }];
      c['readinessProbe'] = { tcpSocket: { port: 'http' } };
    });
    expect(jsonTypeError('v1', 'Pod', ok)).toBeUndefined();
    expect(jsonTypeError('v1', 'Pod', { metadata: null, spec: null, status: null })).toBeUndefined();
  });

  it('reports the first error in document order and ignores unknown fields and kinds without a schema', () => {
    expect(jsonTypeError('v1', 'ConfigMap', { metadata: { name: 1, namespace: 2 }, data: { a: 3 } })?.field).toBe('metadata.name');
    expect(jsonTypeError('v1', 'ConfigMap', { data: { a: 3 }, metadata: { name: 1 } })?.field).toBe('data[a]');
    expect(jsonTypeError('v1', 'ConfigMap', { whatever: 5, metadata: { surprise: [] } })).toBeUndefined();
    expect(jsonTypeError('example.com/v1', 'Widget', { metadata: { name: 5 } })).toBeUndefined();
    // every kind with a schema is checked (the hand-written tables stopped at nine)
    expect(jsonTypeError('apps/v1', 'Deployment', { metadata: { name: 5 } })?.field).toBe('metadata.name');
  });

  it('checks each kind by its own schema: events.k8s.io Events, Leases, Secrets', () => {
    expect(jsonTypeError('events.k8s.io/v1', 'Event', { note: 5 })?.message)
      .toBe('json: cannot unmarshal number into Go struct field Event.note of type string');
    expect(jsonTypeError('events.k8s.io/v1', 'Event', { series: { count: 'x' } })?.message)
      .toBe('json: cannot unmarshal string into Go struct field EventSeries.series.count of type int32');
    expect(jsonTypeError('coordination.k8s.io/v1', 'Lease', { spec: { leaseDurationSeconds: '40' } })?.message)
      .toBe('json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32');
    expect(jsonTypeError('v1', 'Secret', { data: { a: 1 } })?.message)
      .toBe('json: cannot unmarshal number into Go struct field Secret.data of type []uint8');
    expect(jsonTypeError('v1', 'Secret', { data: { a: 'YQ=' } })).toEqual({ message: 'illegal base64 data at input byte 3', field: 'data[a]' });
  });

  it('refuses anything nested deeper than the limit, known field or not', () => {
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 1; i < MAX_NESTING_DEPTH; i++) deep = { a: deep };
    expect(jsonTypeError('v1', 'ConfigMap', { x: deep })).toEqual({ message: 'exceeded max depth', field: '' });
    expect(jsonTypeError('v1', 'ConfigMap', deep)).toBeUndefined();
  });
});

describe('decodeTypes', () => {
  it('gives null list items and map values their zero value and drops null metadata fields, as decoding does', () => {
    const o: Record<string, unknown> = {
      metadata: { name: 'a', labels: { x: null }, namespace: null, finalizers: [null] },
      spec: { nodeName: null, containers: [null, { name: 'c', args: [null], resources: { limits: { cpu: null } } }] },
      status: { conditions: [null], podIPs: [null] },
    };
    expect(decodeTypes('v1', 'Pod', o)).toBeUndefined();
    expect(o).toEqual({
      metadata: { name: 'a', labels: { x: '' }, finalizers: [''] },
      spec: { nodeName: null, containers: [{}, { name: 'c', args: [''], resources: { limits: { cpu: '0' } } }] },
      status: { conditions: [{}], podIPs: [{}] },
    });
    const n: Record<string, unknown> = { metadata: null };
    expect(decodeTypes('v1', 'ConfigMap', n)).toBeUndefined();
    expect(n).toEqual({});
  });

  it('leaves the object to the caller when it refuses it; jsonTypeError never changes it', () => {
    const o = { metadata: { name: 1, labels: { x: null } } };
    expect(jsonTypeError('v1', 'ConfigMap', o)?.field).toBe('metadata.name');
    expect(o).toEqual({ metadata: { name: 1, labels: { x: null } } });
  });
});
