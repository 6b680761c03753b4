// storage.k8s.io/v1 StorageClass (cluster-scoped): SetDefaults_StorageClass (reclaimPolicy Delete,
// volumeBindingMode Immediate), ValidateStorageClass(Update) (a qualified provisioner; provisioner,
// parameters, reclaimPolicy and volumeBindingMode fixed after creation) and the `kubectl get
// storageclasses` table, with "(default)" after the default class's name.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { byteLength } from '../../../kube/names.ts';
import { AGE, col, NAME, translateTimestampSince, type TableSpec } from '../../api/tables.ts';
import {
  jsonEqual as semanticEqual, nameIsDNSSubdomain, validateImmutable, validateObjectMeta, validateObjectMetaUpdate,
} from '../../api/validation.ts';
import { defineKind, type KindDefinition } from '../kind.ts';
import { objs, o, present, qualifiedName, s, strEntries, strs, type Obj } from './common.ts';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;
const IS_DEFAULT = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT = 'storageclass.beta.kubernetes.io/is-default-class';

export function defaultStorageClass(sc: Obj): void {
  if (sc['provisioner'] === undefined) sc['provisioner'] = '';
  if (!present(sc['reclaimPolicy'])) sc['reclaimPolicy'] = 'Delete';
  if (!present(sc['volumeBindingMode'])) sc['volumeBindingMode'] = 'Immediate';
}

/** ValidateTopologySelectorTerm per allowed topology, and no two terms alike. */
function validateAllowedTopologies(topologies: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen: Record<string, string[]>[] = [];
  objs(topologies).forEach((term, i) => {
    const exprMap: Record<string, string[]> = {};
    objs(term['matchLabelExpressions']).forEach((req, j) => {
      const p = `allowedTopologies[${i}].matchLabelExpressions[${j}]`;
      const values = strs(req['values']);
      if (values.length === 0) errs.push(fe.required(`${p}.values`));
      const set = new Set<string>();
      values.forEach((v, k) => {
        if (set.has(v)) errs.push(fe.duplicate(`${p}.values[${k}]`, v));
        set.add(v);
      });
      const key = s(req['key']);
      errs.push(...qualifiedName(key, `${p}.key`));
      if (key in exprMap) errs.push(fe.duplicate(`${p}.key`, key));
      exprMap[key] = [...set].sort();
    });
    if (seen.some((t) => semanticEqual(t, exprMap))) errs.push(fe.duplicate(`allowedTopologies[${i}].matchLabelExpressions`, ''));
    seen.push(exprMap);
  });
  return errs;
}

/** ValidateStorageClass. */
export function validateStorageClass(sc: Obj): FieldError[] {
  const errs = validateObjectMeta(o(sc['metadata']), false, nameIsDNSSubdomain);
  const provisioner = s(sc['provisioner']);
  if (provisioner === '') errs.push(fe.required('provisioner'));
  else errs.push(...qualifiedName(provisioner.toLowerCase(), 'provisioner'));
  const params = strEntries(sc['parameters']);
  if (params.length > MAX_PARAMETERS) {
    errs.push(fe.tooLong('parameters', MAX_PARAMETERS));
  } else {
    let size = 0;
    for (const [k, v] of params) {
      if (k.length < 1) errs.push(fe.invalid('parameters', k, 'field can not be empty.'));
      size += byteLength(k) + byteLength(v);
    }
    if (size > MAX_PARAMETERS_SIZE) errs.push(fe.tooLong('parameters', MAX_PARAMETERS_SIZE));
  }
  const reclaim = s(sc['reclaimPolicy']);
  if (reclaim !== '' && !RECLAIM_POLICIES.includes(reclaim)) errs.push(fe.notSupported('reclaimPolicy', reclaim, RECLAIM_POLICIES));
  if (!present(sc['volumeBindingMode'])) errs.push(fe.required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(s(sc['volumeBindingMode']))) errs.push(fe.notSupported('volumeBindingMode', s(sc['volumeBindingMode']), BINDING_MODES));
  errs.push(...validateAllowedTopologies(sc['allowedTopologies']));
  return errs;
}

/** The strategy's ValidateUpdate: ValidateStorageClass, then ValidateStorageClassUpdate. */
export function validateStorageClassUpdate(sc: Obj, old: Obj): FieldError[] {
  const errs = [...validateStorageClass(sc), ...validateObjectMetaUpdate(o(sc['metadata']), o(old['metadata']))];
  if (!semanticEqual(sc['parameters'] ?? null, old['parameters'] ?? null)) errs.push(fe.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (s(sc['provisioner']) !== s(old['provisioner'])) errs.push(fe.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (s(sc['reclaimPolicy']) !== s(old['reclaimPolicy'])) errs.push(fe.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutable(sc['volumeBindingMode'], old['volumeBindingMode'], 'volumeBindingMode'));
  return errs;
}

/** storageutil.IsDefaultAnnotation. */
export function isDefaultClass(sc: Obj): boolean {
  const annotations = o(o(sc['metadata'])['annotations']);
  return annotations[IS_DEFAULT] === 'true' || annotations[BETA_IS_DEFAULT] === 'true';
}

const DOC = {
  provisioner: 'provisioner indicates the type of the provisioner.',
  reclaimPolicy: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.',
  volumeBindingMode: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.',
  allowVolumeExpansion: 'allowVolumeExpansion shows whether the storage class allow volume expand.',
};

export const STORAGE_CLASS_TABLE: TableSpec = {
  columns: [
    NAME, col('Provisioner', DOC.provisioner), col('ReclaimPolicy', DOC.reclaimPolicy), col('VolumeBindingMode', DOC.volumeBindingMode),
    col('AllowVolumeExpansion', DOC.allowVolumeExpansion), AGE,
  ],
  row(sc, now) {
    const meta = o(sc['metadata']);
    const name = s(meta['name']) + (isDefaultClass(sc) ? ' (default)' : '');
    return {
      cells: [
        name, s(sc['provisioner']), present(sc['reclaimPolicy']) ? s(sc['reclaimPolicy']) : 'Delete',
        present(sc['volumeBindingMode']) ? s(sc['volumeBindingMode']) : 'Immediate', sc['allowVolumeExpansion'] === true,
        translateTimestampSince(meta['creationTimestamp'], now),
      ],
    };
  },
};

export const STORAGE_CLASS_KIND: KindDefinition = defineKind({
  group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', resource: 'storageclasses', namespaced: false,
  shortNames: ['sc'],
  table: STORAGE_CLASS_TABLE,
  defaults: defaultStorageClass,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
});
