// Every kind of this directory against bodies holding any JSON type anywhere (a request body is
// not decoded against Go types for these kinds): defaults, preparation, validation, updates
// both ways, status writes and table rows must never throw, and every error must render.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.ts';
import type { KindDefinition } from '../kind.ts';
import type { Obj } from './common.ts';
import { ENDPOINT_SLICE_KIND } from './endpoint-slice.ts';
import { ENDPOINTS_KIND } from './endpoints.ts';
import { LIMIT_RANGE_KIND } from './limit-range.ts';
import { PERSISTENT_VOLUME_CLAIM_KIND } from './persistent-volume-claim.ts';
import { PERSISTENT_VOLUME_KIND } from './persistent-volume.ts';
import { RESOURCE_QUOTA_KIND } from './resource-quota.ts';
import { SERVICE_KIND } from './service.ts';
import { STORAGE_CLASS_KIND } from './storage-class.ts';
import { NOW, stored } from './testing.ts';

type Step = string | number;

const meta = { name: 'x', labels: { a: 'b' }, annotations: { 'volume.beta.kubernetes.io/storage-class': 'c', 'storageclass.kubernetes.io/is-default-class': 'true' } };

const SAMPLES: [KindDefinition, Obj][] = [
  [SERVICE_KIND, {
    metadata: meta,
    spec: {
      type: 'LoadBalancer', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'a', port: 80, targetPort: 'http', nodePort: 30000, protocol: 'TCP', appProtocol: 'h2c' }], selector: { app: 'x' },
      sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } }, externalIPs: ['192.0.2.1'], externalName: 'a.b',
      externalTrafficPolicy: 'Local', healthCheckNodePort: 30001, internalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['10.0.0.0/8'],
      loadBalancerClass: 'a/b', allocateLoadBalancerNodePorts: true, trafficDistribution: 'PreferClose',
    },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.2', hostname: 'lb.example.com', ipMode: 'VIP' }] } },
  }],
  [ENDPOINTS_KIND, {
    metadata: meta,
    subsets: [{ addresses: [{ ip: '10.1.0.1', hostname: 'h', nodeName: 'n' }], notReadyAddresses: [{ ip: 'fd00::1' }], ports: [{ name: 'a', port: 80, protocol: 'TCP', appProtocol: 'x' }] }],
  }],
  [ENDPOINT_SLICE_KIND, {
    metadata: meta, addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: true }, hostname: 'h', nodeName: 'n', deprecatedTopology: { 'kubernetes.io/hostname': 'n' } }],
    ports: [{ name: 'a', port: 80, protocol: 'TCP', appProtocol: 'x' }],
  }],
  [PERSISTENT_VOLUME_KIND, {
    metadata: meta,
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Recycle', storageClassName: 'c', volumeMode: 'Block',
      hostPath: { path: '/', type: 'Directory' }, csi: { driver: 'd', volumeHandle: 'h', nodePublishSecretRef: { name: 's', namespace: 'n' } },
      nfs: { server: 's', path: '/p' }, local: { path: '/l' }, claimRef: { namespace: 'n', name: 'c' }, volumeAttributesClassName: 'v',
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }] } },
    },
    status: { phase: 'Bound', reason: 'r' },
  }],
  [PERSISTENT_VOLUME_CLAIM_KIND, {
    metadata: meta,
    spec: {
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' }, limits: { storage: '2Gi' } }, storageClassName: 'c', volumeMode: 'Filesystem',
      volumeName: 'v', selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] }, volumeAttributesClassName: 'v',
      dataSource: { kind: 'PersistentVolumeClaim', name: 's' }, dataSourceRef: { apiGroup: 'g', kind: 'K', name: 's', namespace: 'n' },
    },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], allocatedResources: { storage: '1Gi' }, allocatedResourceStatuses: { storage: 'NodeResizePending' } },
  }],
  [RESOURCE_QUOTA_KIND, {
    metadata: meta,
    spec: { hard: { pods: '1', 'limits.cpu': '1' }, scopes: ['NotTerminating'], scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['a'] }] } },
    status: { hard: { pods: '1' }, used: { pods: '0' } },
  }],
  [LIMIT_RANGE_KIND, {
    metadata: meta,
    spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { cpu: '1' }, default: { cpu: '2' }, defaultRequest: { cpu: '1' }, maxLimitRequestRatio: { cpu: '2' } }] },
  }],
  [STORAGE_CLASS_KIND, {
    metadata: meta, provisioner: 'p', parameters: { a: 'b' }, reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate', allowVolumeExpansion: true,
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'k', values: ['v'] }] }],
  }],
];

const SWAPS: readonly unknown[] = [0, 5, -1, 1.5, 1e300, '', 'x', '5', 'None', true, false, null, [], [1, 'a', null], {}, { a: 1 }, { '': [] }];

function paths(v: unknown, prefix: Step[] = [], out: Step[][] = []): Step[][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out); });
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) { out.push([...prefix, k]); paths(x, [...prefix, k], out); }
  return out;
}

function setAt(root: Obj, path: readonly Step[], value: unknown): void {
  let cur: unknown = root;
  for (const p of path.slice(0, -1)) cur = (cur as Record<Step, unknown>)[p];
  (cur as Record<Step, unknown>)[path[path.length - 1] as Step] = structuredClone(value);
}

function exercise(kind: KindDefinition, body: Obj, valid: Obj): void {
  const obj = stored(kind, body);
  kind.prepareForCreate(obj);
  expect(typeof ApiError.invalid(kind.kind, 'x', kind.validate(obj)).status.message).toBe('string');
  kind.table?.row(obj, NOW);
  for (const [next, old] of [[stored(kind, body), valid], [stored(kind, valid), obj]] as const) {
    for (const sub of ['', 'status'] as const) {
      const n = structuredClone(next);
      kind.prepareForUpdate(n, old, sub);
      expect(typeof ApiError.invalid(kind.kind, 'x', kind.validateUpdate(n, old)).status.message).toBe('string');
      kind.table?.row(n, NOW);
    }
  }
}

describe('any JSON type anywhere', () => {
  for (const [kind, sample] of SAMPLES) {
    it(`${kind.kind}: never throws`, () => {
      const valid = stored(kind, sample);
      kind.prepareForCreate(valid);
      let runs = 0;
      // metadata itself of another type is the store's to refuse (it writes identity into it first)
      for (const path of paths(sample).filter((p) => !(p.length === 1 && p[0] === 'metadata'))) {
        for (const value of SWAPS) {
          const body = structuredClone(sample);
          setAt(body, path, value);
          expect(() => { exercise(kind, body, valid); }, `${path.join('.')}=${JSON.stringify(value)}`).not.toThrow();
          runs++;
        }
      }
      for (const top of ['spec', 'status', 'subsets', 'endpoints', 'ports', 'addressType', 'provisioner', 'parameters']) {
        for (const value of SWAPS) {
          const body = { ...structuredClone(sample), [top]: value };
          expect(() => { exercise(kind, body, valid); }, `${top}=${JSON.stringify(value)}`).not.toThrow();
        }
      }
      expect(runs).toBeGreaterThan(100);
    });
  }
});
