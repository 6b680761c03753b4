// core/v1 PersistentVolumeClaim: defaults (volumeMode Filesystem, phase Pending), the strategy's
// PrepareForCreate/Update (status reset, gated fields dropped as 1.32's defaults have them, data
// sources normalized), ValidatePersistentVolumeClaim(Update) — the spec is immutable after
// creation except resources.requests (expansion) and volumeAttributesClassName of a bound claim —
// and the `kubectl get pvc` table.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { validateLabelSelector } from '../../api/label-selector-validation.ts';
import { compareQuantities, formatQuantity } from '../../api/quantity.ts';
import { AGE, col, NAME, translateTimestampSince, type TableSpec } from '../../api/tables.ts';
import {
  jsonEqual as semanticEqual, nameIsDNSLabel, nameIsDNSSubdomain, validateImmutable, validateObjectMeta, validateObjectMetaUpdate,
} from '../../api/validation.ts';
import { defineKind, statusSubresource, type KindDefinition } from '../kind.ts';
import {
  accessModesString, BETA_STORAGE_CLASS_ANNOTATION, child, defaultResourceList, dns1123Subdomain, isNativeResource, isObj, o,
  present, qualifiedName, quantityFormatError, quantityOf, quantityString, s, setIfEmpty, strs, validateAccessModes,
  validateBasicResource, validateResourceQuantityValue, type Obj,
} from './common.ts';
import { VOLUME_MODES } from './persistent-volume.ts';

const RESIZE_STATUSES = ['ControllerResizeInProgress', 'ControllerResizeInfeasible', 'NodeResizeInProgress', 'NodeResizeInfeasible', 'NodeResizePending'];

export function defaultPersistentVolumeClaim(pvc: Obj): void {
  const spec = child(pvc, 'spec');
  const status = child(pvc, 'status');
  if (status !== undefined) {
    setIfEmpty(status, 'phase', 'Pending');
    defaultResourceList(status['capacity']);
    defaultResourceList(status['allocatedResources']);
  }
  if (spec === undefined) return;
  if (!present(spec['volumeMode'])) spec['volumeMode'] = 'Filesystem';
  const resources = spec['resources'];
  if (isObj(resources)) {
    defaultResourceList(resources['requests']);
    defaultResourceList(resources['limits']);
  }
}

const refOf = (r: Obj): Obj => {
  const out: Obj = {};
  if (present(r['apiGroup'])) out['apiGroup'] = r['apiGroup'];
  out['kind'] = r['kind'] ?? '';
  out['name'] = r['name'] ?? '';
  return out;
};

/** dataSource limited to claims and snapshots for old clients; dataSource and dataSourceRef mirrored (AnyVolumeDataSource). */
function normalizeDataSources(spec: Obj, old: Obj | undefined): void {
  const ds = spec['dataSource'];
  if (old === undefined || !present(old['dataSource'])) {
    if (isObj(ds)) {
      const group = present(ds['apiGroup']) ? s(ds['apiGroup']) : undefined;
      const claim = group === undefined && ds['kind'] === 'PersistentVolumeClaim';
      const snapshot = group === 'snapshot.storage.k8s.io' && ds['kind'] === 'VolumeSnapshot';
      if (!claim && !snapshot) delete spec['dataSource'];
    }
  }
  const ref = spec['dataSourceRef'];
  // CrossNamespaceVolumeDataSource is alpha (off): a reference stays in the claim's namespace.
  if (isObj(ref) && (old === undefined || !present(o(old['dataSourceRef'])['namespace']))) delete ref['namespace'];
  if (!present(spec['dataSource']) && isObj(ref) && s(ref['namespace']) === '') spec['dataSource'] = refOf(ref);
  const source = spec['dataSource'];
  if (isObj(source) && !present(spec['dataSourceRef'])) spec['dataSourceRef'] = refOf(source);
}

function prepareForCreate(pvc: Obj): void {
  pvc['status'] = { phase: 'Pending' };
  const spec = pvc['spec'];
  if (!isObj(spec)) return;
  delete spec['volumeAttributesClassName'];
  normalizeDataSources(spec, undefined);
}

function prepareForUpdate(pvc: Obj, old: Obj, subresource: '' | 'status'): void {
  const spec = pvc['spec'];
  if (subresource !== '' || !isObj(spec)) return;
  const oldSpec = o(old['spec']);
  if (!present(oldSpec['volumeAttributesClassName'])) delete spec['volumeAttributesClassName'];
  normalizeDataSources(spec, oldSpec);
}

function validateDataSource(ds: Obj, path: string, isRef: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const kind = s(ds['kind']);
  if (s(ds['name']) === '') errs.push(fe.required(`${path}.name`));
  if (kind === '') errs.push(fe.required(`${path}.kind`));
  const group = s(ds['apiGroup']);
  if (group === '' && kind !== 'PersistentVolumeClaim') {
    errs.push(fe.invalid(path, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  }
  if (group !== '') errs.push(...dns1123Subdomain(group, `${path}.apiGroup`));
  if (isRef && s(ds['namespace']) !== '') {
    const ns = s(ds['namespace']);
    for (const m of nameIsDNSLabel(ns, false)) errs.push(fe.invalid(`${path}.namespace`, ns, m));
  }
  return errs;
}

/** ValidatePersistentVolumeClaimSpec. */
function validateSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const modes = strs(spec['accessModes']);
  if (modes.length === 0) errs.push(fe.required('spec.accessModes', 'at least 1 access mode is required'));
  if (present(spec['selector'])) errs.push(...validateLabelSelector(spec['selector'], 'spec.selector'));
  errs.push(...validateAccessModes(modes, 'spec.accessModes'));
  const requests = o(o(spec['resources'])['requests']);
  const storagePath = 'spec.resources[storage]';
  if (!('storage' in requests)) errs.push(fe.required(storagePath));
  else {
    const q = quantityOf(requests['storage']);
    if (q === undefined) {
      const e = quantityFormatError(requests['storage'], storagePath);
      if (e !== undefined) errs.push(e);
    } else if (q.nanos <= 0n) {
      errs.push(fe.invalid(storagePath, formatQuantity(q), 'must be greater than zero'));
    } else {
      errs.push(...validateResourceQuantityValue('storage', q, storagePath));
    }
  }
  const sc = s(spec['storageClassName']);
  if (sc !== '') for (const m of nameIsDNSSubdomain(sc, false)) errs.push(fe.invalid('spec.storageClassName', sc, m));
  if (present(spec['volumeMode']) && !VOLUME_MODES.includes(s(spec['volumeMode']))) {
    errs.push(fe.notSupported('spec.volumeMode', s(spec['volumeMode']), VOLUME_MODES));
  }
  const ds = spec['dataSource'];
  const ref = spec['dataSourceRef'];
  if (present(ds)) errs.push(...validateDataSource(o(ds), 'spec.dataSource', false));
  if (present(ref)) errs.push(...validateDataSource(o(ref), 'spec.dataSourceRef', true));
  if (present(ref) && s(o(ref)['namespace']) !== '') {
    if (present(ds)) errs.push(fe.invalid('spec', 'spec.dataSource', 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (present(ds) && present(ref)) {
    const a = o(ds);
    const b = o(ref);
    if ((a['apiGroup'] ?? null) !== (b['apiGroup'] ?? null) || s(a['kind']) !== s(b['kind']) || s(a['name']) !== s(b['name'])) {
      errs.push(fe.invalid('spec', 'spec.dataSource', 'must match dataSourceRef'));
    }
  }
  return errs;
}

/** ValidatePersistentVolumeClaim. */
export function validatePersistentVolumeClaim(pvc: Obj): FieldError[] {
  return [...validateObjectMeta(o(pvc['metadata']), true, nameIsDNSSubdomain), ...validateSpec(o(pvc['spec']))];
}

/** The resource key checks of allocatedResources and allocatedResourceStatuses. */
function validateResourceKey(key: string, path: string): FieldError[] {
  const errs = qualifiedName(key, path);
  if (errs.length > 0) return errs;
  if (isNativeResource(key) && key !== 'storage') return [fe.notSupported(path, key, ['storage'])];
  return [];
}

/** ValidatePersistentVolumeClaimStatusUpdate's status checks (RecoverVolumeExpansionFailure is on in 1.32). */
function validateStatus(status: Obj): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(o(status['capacity']))) {
    const q = quantityOf(v);
    if (q !== undefined) errs.push(...validateBasicResource(q, `status.capacity[${k}]`));
  }
  for (const [k, v] of Object.entries(o(status['allocatedResourceStatuses']))) {
    errs.push(...validateResourceKey(k, 'status.allocatedResourceStatus'));
    if (!RESIZE_STATUSES.includes(s(v))) errs.push(fe.notSupported('status.allocatedResourceStatus', k, RESIZE_STATUSES));
  }
  for (const [k, v] of Object.entries(o(status['allocatedResources']))) {
    const keyErrs = validateResourceKey(k, 'status.allocatedResources');
    if (keyErrs.length > 0) {
      errs.push(...keyErrs);
      continue;
    }
    const q = quantityOf(v);
    if (q === undefined) continue;
    const basic = validateBasicResource(q, `status.allocatedResources[${k}]`);
    errs.push(...(basic.length > 0 ? basic : validateResourceQuantityValue('storage', q, `status.allocatedResources[${k}]`)));
  }
  return errs;
}

const storageOf = (spec: Obj): unknown => o(o(spec['resources'])['requests'])['storage'];

/** ValidatePersistentVolumeClaimUpdate (with the status checks of a /status write). */
export function validatePersistentVolumeClaimUpdate(pvc: Obj, old: Obj): FieldError[] {
  const errs = [...validateObjectMetaUpdate(o(pvc['metadata']), o(old['metadata'])), ...validatePersistentVolumeClaim(pvc)];
  const spec = o(pvc['spec']);
  const oldSpec = o(old['spec']);
  const newClone = structuredClone(spec);
  const oldClone = structuredClone(oldSpec);
  if (s(oldSpec['volumeName']) === '') {
    if (newClone['volumeName'] === undefined) delete oldClone['volumeName'];
    else oldClone['volumeName'] = newClone['volumeName'];
  }
  const oldAnnotations = o(o(old['metadata'])['annotations']);
  const newAnnotations = o(o(pvc['metadata'])['annotations']);
  const oldBeta = oldAnnotations[BETA_STORAGE_CLASS_ANNOTATION];
  const upgradeFromAnnotation = BETA_STORAGE_CLASS_ANNOTATION in oldAnnotations && !present(oldSpec['storageClassName'])
    && present(spec['storageClassName']) && s(spec['storageClassName']) === s(oldBeta)
    && (!(BETA_STORAGE_CLASS_ANNOTATION in newAnnotations) || newAnnotations[BETA_STORAGE_CLASS_ANNOTATION] === oldBeta);
  if (upgradeFromAnnotation) {
    delete newClone['storageClassName'];
  } else {
    const newBeta = s(newAnnotations[BETA_STORAGE_CLASS_ANNOTATION]);
    if (newBeta !== s(oldBeta)) errs.push(fe.invalid(`metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`, newBeta, 'field is immutable'));
    const upgradeFromNil = present(spec['storageClassName']) && !present(oldSpec['storageClassName'])
      && (!(BETA_STORAGE_CLASS_ANNOTATION in oldAnnotations) || s(spec['storageClassName']) === s(oldBeta));
    if (upgradeFromNil) delete newClone['storageClassName'];
  }
  const bound = s(o(pvc['status'])['phase']) === 'Bound';
  const newRequests = o(newClone['resources'])['requests'];
  if (bound && isObj(newRequests)) {
    const oldStorage = storageOf(oldSpec);
    if (oldStorage === undefined) delete newRequests['storage'];
    else newRequests['storage'] = oldStorage;
  }
  if (bound && present(newClone['volumeAttributesClassName'])) {
    if (oldClone['volumeAttributesClassName'] === undefined) delete newClone['volumeAttributesClassName'];
    else newClone['volumeAttributesClassName'] = oldClone['volumeAttributesClassName'];
  }
  if (!semanticEqual(newClone, oldClone)) {
    errs.push(fe.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  const zero = { nanos: 0n, format: 'DecimalSI' as const };
  const newSize = quantityOf(storageOf(spec)) ?? zero;
  const oldSize = quantityOf(storageOf(oldSpec)) ?? zero;
  const statusSize = quantityOf(o(o(old['status'])['capacity'])['storage']) ?? zero;
  if (compareQuantities(newSize, oldSize) < 0 && compareQuantities(newSize, statusSize) <= 0) {
    errs.push(fe.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  errs.push(...validateImmutable(spec['volumeMode'], oldSpec['volumeMode'], 'volumeMode'));
  errs.push(...validateStatus(o(pvc['status'])));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Table (printPersistentVolumeClaim)

const DOC = {
  phase: 'phase represents the current phase of PersistentVolumeClaim.',
  volumeName: 'volumeName is the binding reference to the PersistentVolume backing this claim.',
  capacity: 'capacity represents the actual resources of the underlying volume.',
  accessModes: 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1',
  volumeMode: 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.',
};

/** helper.GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName. */
function claimClass(pvc: Obj): string {
  const annotations = o(o(pvc['metadata'])['annotations']);
  if (BETA_STORAGE_CLASS_ANNOTATION in annotations) return s(annotations[BETA_STORAGE_CLASS_ANNOTATION]);
  return s(o(pvc['spec'])['storageClassName']);
}

export const PERSISTENT_VOLUME_CLAIM_TABLE: TableSpec = {
  columns: [
    NAME, col('Status', DOC.phase), col('Volume', DOC.volumeName), col('Capacity', DOC.capacity), col('Access Modes', DOC.accessModes),
    col('StorageClass', 'StorageClass of the pvc'), col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'), AGE,
    col('VolumeMode', DOC.volumeMode, 1),
  ],
  row(pvc, now) {
    const meta = o(pvc['metadata']);
    const spec = o(pvc['spec']);
    const status = o(pvc['status']);
    const volumeName = s(spec['volumeName']);
    const bound = volumeName !== '';
    return {
      cells: [
        s(meta['name']), present(meta['deletionTimestamp']) ? 'Terminating' : s(status['phase']), volumeName,
        bound ? quantityString(o(status['capacity'])['storage']) : '', bound ? accessModesString(status['accessModes']) : '',
        claimClass(pvc), present(spec['volumeAttributesClassName']) ? s(spec['volumeAttributesClassName']) : '<unset>',
        translateTimestampSince(meta['creationTimestamp'], now), present(spec['volumeMode']) ? s(spec['volumeMode']) : '<unset>',
      ],
    };
  },
};

export const PERSISTENT_VOLUME_CLAIM_KIND: KindDefinition = defineKind({
  group: '', version: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', namespaced: true,
  shortNames: ['pvc'],
  subresources: [statusSubresource('PersistentVolumeClaim')],
  statusSubresource: true,
  table: PERSISTENT_VOLUME_CLAIM_TABLE,
  defaults: defaultPersistentVolumeClaim,
  prepareForCreate,
  prepareForUpdate,
  validate: validatePersistentVolumeClaim,
  validateUpdate: validatePersistentVolumeClaimUpdate,
});

