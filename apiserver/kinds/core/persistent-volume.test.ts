import { describe, expect, it } from 'vitest';
import type { Obj } from './common.ts';
import { PERSISTENT_VOLUME_CLAIM_KIND, PERSISTENT_VOLUME_CLAIM_TABLE } from './persistent-volume-claim.ts';
import { PERSISTENT_VOLUME_KIND, PERSISTENT_VOLUME_TABLE } from './persistent-volume.ts';
import { create, created, CREATED, NOW, update } from './testing.ts';

const pv = (spec: Obj, metadata: Obj = {}): Obj => ({ metadata: { name: 'pv1', ...metadata }, spec });
const HOSTPATH = { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv1' } };
const pvc = (spec: Obj, metadata: Obj = {}): Obj => ({ metadata: { name: 'data', ...metadata }, spec });
const CLAIM = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };

describe('PersistentVolume', () => {
  it('defaults the reclaim policy, volume mode, hostPath type; status Pending since creation', () => {
    const obj = created(PERSISTENT_VOLUME_KIND, pv({ ...HOSTPATH, capacity: { storage: 5368709120 } }));
    expect(obj['spec']).toEqual({
      capacity: { storage: '5368709120' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv1', type: '' },
      persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem',
    });
    expect(obj['status']).toEqual({ phase: 'Pending', lastPhaseTransitionTime: CREATED });
    expect(obj['metadata']).not.toHaveProperty('namespace');
  });

  it('drops volumeAttributesClassName (the VolumeAttributesClass gate is off in 1.32)', () => {
    expect(created(PERSISTENT_VOLUME_KIND, pv({ ...HOSTPATH, volumeAttributesClassName: 'gold' }))['spec']).not.toHaveProperty('volumeAttributesClassName');
  });

  const cases: [string, Obj, string[]][] = [
    ['capacity, access modes and a source are required', {}, [
      'spec.accessModes: Required value', 'spec.capacity: Required value',
      'spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage"', 'spec: Required value: must specify a volume type',
    ]],
    ['only storage, positive', { ...HOSTPATH, capacity: { storage: '0', cpu: '1' } }, [
      'spec.capacity: Unsupported value: core.ResourceList{"storage":"0", "cpu":"1"}: supported values: "storage"',
      'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
    ]],
    ['access mode values', { ...HOSTPATH, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce', 'WriteOnly'] }, [
      'spec.accessModes: Unsupported value: "WriteOnly": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
    ]],
    ['one source only', { ...HOSTPATH, nfs: { server: 'nfs.example.com', path: '/x' } }, ['spec.nfs: Forbidden: may not specify more than 1 volume type']],
    ['nfs paths are absolute', { ...HOSTPATH, hostPath: undefined, nfs: { path: 'x' } }, [
      'spec.nfs.server: Required value', 'spec.nfs.path: Invalid value: "x": must be an absolute path',
    ]],
    ['local volumes need node affinity', { ...HOSTPATH, hostPath: undefined, local: { path: '/mnt/disk' } }, ['spec.nodeAffinity: Required value: Local volume requires node affinity']],
    ['node affinity terms', { ...HOSTPATH, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In' }] }] } } }, [
      "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]],
    ['csi driver and handle', { ...HOSTPATH, hostPath: undefined, csi: { driver: '' } }, [
      'spec.csi.driver: Required value',
      "spec.csi.driver: Invalid value: \"\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.csi.volumeHandle: Required value',
    ]],
    ['hostPath types and recycling /', { ...HOSTPATH, hostPath: { path: '/', type: 'Dir' }, persistentVolumeReclaimPolicy: 'Recycle' }, [
      'spec.hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'",
    ]],
    ['reclaim policy and volume mode values', { ...HOSTPATH, persistentVolumeReclaimPolicy: 'Keep', volumeMode: 'Raw' }, [
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      'spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"',
    ]],
  ];
  for (const [name, spec, want] of cases) it(name, () => { expect(create(PERSISTENT_VOLUME_KIND, pv(spec)).errors).toEqual(want); });

  it('the source and volume mode are immutable; the status survives spec writes', () => {
    const old = created(PERSISTENT_VOLUME_KIND, pv(HOSTPATH));
    const next = pv({ ...HOSTPATH, hostPath: { path: '/tmp/other' }, volumeMode: 'Block', persistentVolumeReclaimPolicy: 'Delete' });
    const { obj, errors } = update(PERSISTENT_VOLUME_KIND, old, next);
    expect(errors).toEqual([
      'spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
      'volumeMode: Invalid value: "Block": field is immutable',
    ]);
    expect(obj['status']).toEqual(old['status']);
    expect(update(PERSISTENT_VOLUME_KIND, old, pv({ ...HOSTPATH, persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'default', name: 'data' } })).errors).toEqual([]);
  });

  it('prints kubectl\'s columns', () => {
    expect(PERSISTENT_VOLUME_TABLE.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Capacity', 0], ['Access Modes', 0], ['Reclaim Policy', 0], ['Status', 0], ['Claim', 0], ['StorageClass', 0],
      ['VolumeAttributesClass', 0], ['Reason', 0], ['Age', 0], ['VolumeMode', 1],
    ]);
    const obj = created(PERSISTENT_VOLUME_KIND, pv({ ...HOSTPATH, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], storageClassName: 'manual', claimRef: { namespace: 'default', name: 'data' } }));
    expect(PERSISTENT_VOLUME_TABLE.row(obj, NOW).cells).toEqual(['pv1', '5Gi', 'RWO,RWX', 'Retain', 'Pending', 'default/data', 'manual', '<unset>', '', '5m', 'Filesystem']);
    const annotated = created(PERSISTENT_VOLUME_KIND, pv(HOSTPATH, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } }));
    (annotated['metadata'] as Obj)['deletionTimestamp'] = CREATED;
    expect(PERSISTENT_VOLUME_TABLE.row(annotated, NOW).cells.slice(4, 7)).toEqual(['Terminating', '', 'old']);
  });
});

describe('PersistentVolumeClaim', () => {
  it('defaults volumeMode; status Pending on create', () => {
    const obj = created(PERSISTENT_VOLUME_CLAIM_KIND, pvc({ ...CLAIM, resources: { requests: { storage: '1024Mi' } } }));
    expect(obj['spec']).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' });
    expect(obj['status']).toEqual({ phase: 'Pending' });
  });

  it('mirrors dataSource and dataSourceRef; drops a dataSource old clients could not set', () => {
    expect(created(PERSISTENT_VOLUME_CLAIM_KIND, pvc({ ...CLAIM, dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } }))['spec'])
      .toMatchObject({ dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'src' } });
    expect(created(PERSISTENT_VOLUME_CLAIM_KIND, pvc({ ...CLAIM, dataSourceRef: { apiGroup: 'example.com', kind: 'Thing', name: 't' } }))['spec'])
      .toMatchObject({ dataSource: { apiGroup: 'example.com', kind: 'Thing', name: 't' } });
    expect(created(PERSISTENT_VOLUME_CLAIM_KIND, pvc({ ...CLAIM, dataSource: { apiGroup: 'example.com', kind: 'Thing', name: 't' } }))['spec'])
      .toEqual({ ...CLAIM, volumeMode: 'Filesystem' });
  });

  const cases: [string, Obj, string[]][] = [
    ['access modes and a storage request are required', {}, ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']],
    ['the request is positive and parses', { ...CLAIM, resources: { requests: { storage: '0' } } }, ['spec.resources[storage]: Invalid value: "0": must be greater than zero']],
    ['a quantity that does not parse', { ...CLAIM, resources: { requests: { storage: '1 Gi' } } }, [
      "spec.resources[storage]: Invalid value: \"1 Gi\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ]],
    ['selectors, classes, modes', { ...CLAIM, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] }, storageClassName: 'Fast', volumeMode: 'Raw' }, [
      'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
      "spec.storageClassName: Invalid value: \"Fast\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"',
    ]],
    ['data sources in the core group are claims', { ...CLAIM, dataSourceRef: { kind: 'Pod' } }, [
      'spec.dataSource.name: Required value', "spec.dataSource: Invalid value: \"Pod\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
      'spec.dataSourceRef.name: Required value', "spec.dataSourceRef: Invalid value: \"Pod\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
    ]],
  ];
  for (const [name, spec, want] of cases) it(name, () => { expect(create(PERSISTENT_VOLUME_CLAIM_KIND, pvc(spec)).errors).toEqual(want); });

  it('the spec is immutable after creation except the storage request of a bound claim', () => {
    const old = created(PERSISTENT_VOLUME_CLAIM_KIND, pvc(CLAIM));
    const forbidden = 'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';
    expect(update(PERSISTENT_VOLUME_CLAIM_KIND, old, pvc({ ...CLAIM, accessModes: ['ReadWriteMany'] })).errors).toEqual([forbidden]);
    expect(update(PERSISTENT_VOLUME_CLAIM_KIND, old, pvc({ ...CLAIM, resources: { requests: { storage: '2Gi' } } })).errors).toEqual([forbidden]);
    // binding sets volumeName once; a class may be set where there was none
    expect(update(PERSISTENT_VOLUME_CLAIM_KIND, old, pvc({ ...CLAIM, volumeName: 'pv1', storageClassName: 'manual' })).errors).toEqual([]);
    const bound = { ...structuredClone(old), spec: { ...(old['spec'] as Obj), volumeName: 'pv1' }, status: { phase: 'Bound', capacity: { storage: '1Gi' } } };
    expect(update(PERSISTENT_VOLUME_CLAIM_KIND, bound, pvc({ ...CLAIM, volumeName: 'pv1', resources: { requests: { storage: '2Gi' } } })).errors).toEqual([]);
    expect(update(PERSISTENT_VOLUME_CLAIM_KIND, bound, pvc({ ...CLAIM, volumeName: 'pv1', resources: { requests: { storage: '512Mi' } } })).errors).toEqual([
      'spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
    ]);
    expect(update(PERSISTENT_VOLUME_CLAIM_KIND, bound, pvc({ ...CLAIM, volumeName: 'pv2' })).errors).toEqual([forbidden]);
    expect(update(PERSISTENT_VOLUME_CLAIM_KIND, old, pvc({ ...CLAIM, volumeMode: 'Block' })).errors).toEqual([forbidden, 'volumeMode: Invalid value: "Block": field is immutable']);
  });

  it('status writes keep the spec', () => {
    const old = created(PERSISTENT_VOLUME_CLAIM_KIND, pvc(CLAIM));
    const { obj, errors } = update(PERSISTENT_VOLUME_CLAIM_KIND, old, { ...pvc({}), status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, 'status');
    expect(errors).toEqual([]);
    expect(obj['spec']).toEqual(old['spec']);
    expect(obj['status']).toMatchObject({ phase: 'Bound' });
  });

  it('prints kubectl\'s columns; capacity and modes once bound', () => {
    expect(PERSISTENT_VOLUME_CLAIM_TABLE.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Status', 0], ['Volume', 0], ['Capacity', 0], ['Access Modes', 0], ['StorageClass', 0], ['VolumeAttributesClass', 0], ['Age', 0], ['VolumeMode', 1],
    ]);
    const pending = created(PERSISTENT_VOLUME_CLAIM_KIND, pvc(CLAIM));
    expect(PERSISTENT_VOLUME_CLAIM_TABLE.row(pending, NOW).cells).toEqual(['data', 'Pending', '', '', '', '', '<unset>', '5m', 'Filesystem']);
    const bound = { ...pending, spec: { ...(pending['spec'] as Obj), volumeName: 'pv1', storageClassName: 'manual' }, status: { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'] } };
    expect(PERSISTENT_VOLUME_CLAIM_TABLE.row(bound, NOW).cells).toEqual(['data', 'Bound', 'pv1', '5Gi', 'RWO', 'manual', '<unset>', '5m', 'Filesystem']);
  });
});
