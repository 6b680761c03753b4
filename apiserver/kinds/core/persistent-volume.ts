// core/v1 PersistentVolume (cluster-scoped): SetDefaults_PersistentVolume (reclaim policy Retain,
// volumeMode Filesystem, phase Pending), the strategy's PrepareForCreate (status Pending with
// its transition time, volumeAttributesClassName dropped while the VolumeAttributesClass gate is
// off as in 1.32), ValidatePersistentVolume(Update) and the `kubectl get pv` table.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { formatQuantity } from '../../api/quantity.ts';
import { AGE, col, NAME, translateTimestampSince, type TableSpec } from '../../api/tables.ts';
import {
  jsonEqual as semanticEqual, nameIsDNSLabel, nameIsDNSSubdomain, validateImmutable, validateObjectMeta, validateObjectMetaUpdate,
  validatePathNoBacksteps,
} from '../../api/validation.ts';
import { defineKind, statusSubresource, type KindDefinition } from '../kind.ts';
import {
  accessModesString, BETA_STORAGE_CLASS_ANNOTATION, child, dns1123Subdomain, isObj, o, present, quantityFormatError, quantityOf,
  quantityString, rawValueError, s, setIfEmpty, strs, validateAccessModes, validateBasicResource, validateNodeSelector,
  defaultResourceList, type Obj,
} from './common.ts';
import { isDNS1123Subdomain } from '../../../kube/names.ts';

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** The PersistentVolumeSource fields in validation order, with the name kube's "more than 1" error uses. */
const PV_SOURCES: readonly (readonly [string, string])[] = [
  ['hostPath', 'hostPath'], ['gcePersistentDisk', 'gcePersistentDisk'], ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['nfs', 'nfs'], ['rbd', 'rbd'], ['quobyte', 'quobyte'], ['cephfs', 'cephFS'],
  ['iscsi', 'iscsi'], ['cinder', 'cinder'], ['fc', 'fc'], ['flexVolume', 'flexVolume'], ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'], ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'], ['scaleIO', 'scaleIO'], ['local', 'local'], ['storageos', 'storageos'], ['csi', 'csi'],
];
export const PV_SOURCE_FIELDS: readonly string[] = PV_SOURCES.map(([f]) => f);

export function defaultPersistentVolume(pv: Obj): void {
  const spec = child(pv, 'spec');
  const status = child(pv, 'status');
  if (status !== undefined) setIfEmpty(status, 'phase', 'Pending');
  if (spec === undefined) return;
  setIfEmpty(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  if (!present(spec['volumeMode'])) spec['volumeMode'] = 'Filesystem';
  defaultResourceList(spec['capacity']);
  const hostPath = spec['hostPath'];
  if (isObj(hostPath) && !present(hostPath['type'])) hostPath['type'] = '';
}

function prepareForCreate(pv: Obj): void {
  // PersistentVolumeLastPhaseTransitionTime (GA): the transition time is the creation time.
  const created = o(pv['metadata'])['creationTimestamp'];
  pv['status'] = typeof created === 'string' ? { phase: 'Pending', lastPhaseTransitionTime: created } : { phase: 'Pending' };
  if (isObj(pv['spec'])) delete pv['spec']['volumeAttributesClassName'];
}

function prepareForUpdate(pv: Obj, old: Obj, subresource: '' | 'status'): void {
  if (subresource !== '' || !isObj(pv['spec'])) return;
  if (!present(o(old['spec'])['volumeAttributesClassName'])) delete pv['spec']['volumeAttributesClassName'];
}

/** ValidateCSIDriverName. */
export function validateCSIDriverName(driver: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (driver.length === 0) errs.push(fe.required(path));
  if (driver.length > 63) errs.push(fe.tooLong(path, 63));
  for (const m of isDNS1123Subdomain(driver.toLowerCase())) errs.push(fe.invalid(path, driver, m));
  return errs;
}

function validateSecretReference(ref: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(ref['name']);
  if (name === '') errs.push(fe.required(`${path}.name`));
  else errs.push(...dns1123Subdomain(name, `${path}.name`));
  const ns = s(ref['namespace']);
  if (ns === '') errs.push(fe.required(`${path}.namespace`));
  else for (const m of nameIsDNSLabel(ns, false)) errs.push(fe.invalid(`${path}.namespace`, ns, m));
  return errs;
}

function validateSource(field: string, src: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (field) {
    case 'hostPath': {
      const p = s(src['path']);
      if (p === '') return [fe.required(`${path}.path`)];
      errs.push(...validatePathNoBacksteps(p, `${path}.path`));
      if (present(src['type']) && !HOST_PATH_TYPES.includes(s(src['type']))) errs.push(fe.notSupported(`${path}.type`, s(src['type']), HOST_PATH_TYPES));
      break;
    }
    case 'nfs': {
      const p = s(src['path']);
      if (s(src['server']) === '') errs.push(fe.required(`${path}.server`));
      if (p === '') errs.push(fe.required(`${path}.path`));
      if (!p.startsWith('/')) errs.push(fe.invalid(`${path}.path`, p, 'must be an absolute path'));
      break;
    }
    case 'local': {
      const p = s(src['path']);
      if (p === '') return [fe.required(`${path}.path`)];
      errs.push(...validatePathNoBacksteps(p, `${path}.path`));
      break;
    }
    case 'csi': {
      errs.push(...validateCSIDriverName(s(src['driver']), `${path}.driver`));
      if (s(src['volumeHandle']) === '') errs.push(fe.required(`${path}.volumeHandle`));
      for (const ref of ['controllerPublishSecretRef', 'controllerExpandSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef']) {
        if (present(src[ref])) errs.push(...validateSecretReference(o(src[ref]), `${path}.${ref}`));
      }
      break;
    }
    default:
  }
  return errs;
}

/** path.Clean(p) == "/". */
function isRoot(p: string): boolean {
  return p.startsWith('/') && p.split('/').every((seg) => seg === '' || seg === '.' || seg === '..');
}

/** ValidatePersistentVolumeSpec for a PersistentVolume (not an inline volume). */
function validateSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const modes = strs(spec['accessModes']);
  if (modes.length === 0) errs.push(fe.required('spec.accessModes'));
  errs.push(...validateAccessModes(modes, 'spec.accessModes'));
  const capacity = o(spec['capacity']);
  const keys = Object.keys(capacity);
  if (keys.length === 0) errs.push(fe.required('spec.capacity'));
  if (!keys.includes('storage') || keys.length > 1) {
    const rendered = keys.length === 0
      ? (present(spec['capacity']) ? 'core.ResourceList{}' : 'core.ResourceList(nil)')
      : `core.ResourceList{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(quantityString(capacity[k]))}`).join(', ')}}`;
    errs.push(rawValueError('FieldValueNotSupported', 'spec.capacity', rendered, 'supported values: "storage"'));
  }
  for (const k of keys) {
    const p = `spec.capacity[${k}]`;
    const q = quantityOf(capacity[k]);
    if (q === undefined) {
      const e = quantityFormatError(capacity[k], p);
      if (e !== undefined) errs.push(e);
      continue;
    }
    errs.push(...validateBasicResource(q, p));
    if (q.nanos <= 0n) errs.push(fe.invalid(p, formatQuantity(q), 'must be greater than zero'));
  }
  const reclaim = s(spec['persistentVolumeReclaimPolicy']);
  if (reclaim !== '' && !RECLAIM_POLICIES.includes(reclaim)) errs.push(fe.notSupported('spec.persistentVolumeReclaimPolicy', reclaim, RECLAIM_POLICIES));
  let nodeAffinitySpecified = false;
  if (present(spec['nodeAffinity'])) {
    nodeAffinitySpecified = true;
    const required = o(spec['nodeAffinity'])['required'];
    if (present(required)) errs.push(...validateNodeSelector(o(required), 'spec.nodeAffinity.required'));
    else errs.push(fe.required('spec.nodeAffinity.required', 'must specify required node constraints'));
  }
  let count = 0;
  for (const [field, errField] of PV_SOURCES) {
    if (!present(spec[field])) continue;
    if (count > 0 && field !== 'flexVolume') {
      errs.push(fe.forbidden(`spec.${errField}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...validateSource(field, o(spec[field]), `spec.${field === 'gcePersistentDisk' ? 'persistentDisk' : field}`));
    if (field === 'local' && !nodeAffinitySpecified) errs.push(fe.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (count === 0) errs.push(fe.required('spec', 'must specify a volume type'));
  const hostPath = spec['hostPath'];
  if (isObj(hostPath) && isRoot(s(hostPath['path'])) && reclaim === 'Recycle') {
    errs.push(fe.forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const sc = s(spec['storageClassName']);
  if (sc !== '') for (const m of nameIsDNSSubdomain(sc, false)) errs.push(fe.invalid('spec.storageClassName', sc, m));
  if (present(spec['volumeMode']) && !VOLUME_MODES.includes(s(spec['volumeMode']))) {
    errs.push(fe.notSupported('spec.volumeMode', s(spec['volumeMode']), VOLUME_MODES));
  }
  return errs;
}

/** ValidatePersistentVolume. */
export function validatePersistentVolume(pv: Obj): FieldError[] {
  return [...validateObjectMeta(o(pv['metadata']), false, nameIsDNSSubdomain), ...validateSpec(o(pv['spec']))];
}

function sourceOf(spec: Obj): Obj {
  const out: Obj = {};
  for (const f of PV_SOURCE_FIELDS) if (present(spec[f])) out[f] = spec[f];
  return out;
}

/** ValidatePersistentVolumeUpdate: the volume source, volumeMode and a set node affinity are immutable. */
export function validatePersistentVolumeUpdate(pv: Obj, old: Obj): FieldError[] {
  const spec = o(pv['spec']);
  const oldSpec = o(old['spec']);
  const errs = [...validateObjectMetaUpdate(o(pv['metadata']), o(old['metadata'])), ...validatePersistentVolume(pv)];
  const newSource = structuredClone(sourceOf(spec));
  const oldSource = sourceOf(oldSpec);
  // a CSI volume may gain a controllerExpandSecretRef
  const oldCSI = oldSource['csi'];
  const newCSI = newSource['csi'];
  if (isObj(oldCSI) && !present(oldCSI['controllerExpandSecretRef']) && isObj(newCSI)) delete newCSI['controllerExpandSecretRef'];
  if (!semanticEqual(newSource, oldSource)) {
    errs.push(fe.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  errs.push(...validateImmutable(spec['volumeMode'], oldSpec['volumeMode'], 'volumeMode'));
  if (present(oldSpec['nodeAffinity']) && !semanticEqual(spec['nodeAffinity'], oldSpec['nodeAffinity'])) {
    errs.push(fe.invalid('nodeAffinity', spec['nodeAffinity'] ?? null, 'field is immutable, except for updating from beta label to GA'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Table (printPersistentVolume)

const DOC = {
  capacity: "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
  accessModes: 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes',
  reclaimPolicy: 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
  phase: 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase',
  claimRef: 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
  reason: 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
  volumeMode: 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.',
};

/** helper.GetPersistentVolumeClass: the beta annotation first, then spec.storageClassName. */
function persistentVolumeClass(pv: Obj): string {
  const annotations = o(o(pv['metadata'])['annotations']);
  if (BETA_STORAGE_CLASS_ANNOTATION in annotations) return s(annotations[BETA_STORAGE_CLASS_ANNOTATION]);
  return s(o(pv['spec'])['storageClassName']);
}

export const PERSISTENT_VOLUME_TABLE: TableSpec = {
  columns: [
    NAME, col('Capacity', DOC.capacity), col('Access Modes', DOC.accessModes), col('Reclaim Policy', DOC.reclaimPolicy),
    col('Status', DOC.phase), col('Claim', DOC.claimRef), col('StorageClass', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'), col('Reason', DOC.reason), AGE, col('VolumeMode', DOC.volumeMode, 1),
  ],
  row(pv, now) {
    const meta = o(pv['metadata']);
    const spec = o(pv['spec']);
    const status = o(pv['status']);
    const claimRef = spec['claimRef'];
    const claim = isObj(claimRef) ? `${s(claimRef['namespace'])}/${s(claimRef['name'])}` : '';
    const phase = present(meta['deletionTimestamp']) ? 'Terminating' : s(status['phase']);
    return {
      cells: [
        s(meta['name']), quantityString(o(spec['capacity'])['storage']), accessModesString(spec['accessModes']),
        s(spec['persistentVolumeReclaimPolicy']), phase, claim, persistentVolumeClass(pv),
        present(spec['volumeAttributesClassName']) ? s(spec['volumeAttributesClassName']) : '<unset>', s(status['reason']),
        translateTimestampSince(meta['creationTimestamp'], now), present(spec['volumeMode']) ? s(spec['volumeMode']) : '<unset>',
      ],
    };
  },
};

export const PERSISTENT_VOLUME_KIND: KindDefinition = defineKind({
  group: '', version: 'v1', kind: 'PersistentVolume', resource: 'persistentvolumes', namespaced: false,
  shortNames: ['pv'],
  subresources: [statusSubresource('PersistentVolume')],
  statusSubresource: true,
  table: PERSISTENT_VOLUME_TABLE,
  defaults: defaultPersistentVolume,
  prepareForCreate,
  prepareForUpdate,
  validate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
});
