// apps/v1 ReplicaSet as kube-apiserver 1.32 serves it: SetDefaults_ReplicaSet (replicas 1) and
// the pod template defaults; the registry strategy (status reset on create — replicas is always
// written — and kept on update, generation bumped by a change of spec); ValidateReplicaSet,
// ValidateReplicaSetUpdate (which validates the spec a second time, as upstream does) and
// ValidateReplicaSetStatusUpdate, with the immutable selector; and printReplicaSet's row.
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { translateTimestampSince } from '../../api/tables.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, scaleSubresource, statusSubresource, type KindDefinition } from '../kind.ts';
import { child, num, o, s, semanticEqual, setIfNil, type Obj } from './access.ts';
import { REPLICASET_COLUMNS } from './columns.ts';
import { decodeMetadata } from './decode.ts';
import { formatLabelSelector } from '../../../kube/labels/selector.ts';
import {
  count, defaultPodTemplate, fillStatus, immutableSelector, nonNegative, validateControllerSelector,
  rowParts, validateTemplateForReplicaSet,
} from './template.ts';

const STATUS_FIELDS = ['replicas'];

function defaults(obj: Obj): void {
  decodeMetadata(obj, 'ReplicaSet');
  const spec = child(obj, 'spec');
  if (spec === undefined) return;
  setIfNil(spec, 'replicas', 1);
  defaultPodTemplate(spec);
}

/** ValidateReplicaSetSpec. */
function validateSpec(obj: Obj): FieldError[] {
  const spec = o(obj['spec']);
  const errs = [...nonNegative(spec['replicas'], 'spec.replicas'), ...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds')];
  // upstream words the empty-selector error as it does for deployments
  const sel = validateControllerSelector(spec, 'deployment', 'invalid label selector');
  errs.push(...sel.errs);
  if (sel.selector !== undefined) errs.push(...validateTemplateForReplicaSet(spec, sel.selector));
  return errs;
}

/** ValidateReplicaSetStatus. */
function validateStatus(obj: Obj): FieldError[] {
  const st = o(obj['status']);
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
    errs.push(...nonNegative(st[f], `status.${f}`));
  }
  const replicas = num(st['replicas']) ?? 0;
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    const v = num(st[f]) ?? 0;
    if (v > replicas) errs.push(fe.invalid(`status.${f}`, v, 'cannot be greater than status.replicas'));
  }
  const available = num(st['availableReplicas']) ?? 0;
  if (available > (num(st['readyReplicas']) ?? 0)) errs.push(fe.invalid('status.availableReplicas', available, 'cannot be greater than readyReplicas'));
  return errs;
}

function validate(obj: Obj): FieldError[] {
  return [...validateObjectMeta(o(obj['metadata']), true, nameIsDNSSubdomain), ...validateSpec(obj)];
}

function row(obj: Obj, now: number): { cells: unknown[] } {
  const { meta, spec, status, names, images } = rowParts(obj);
  return {
    cells: [
      s(meta['name']), count(spec['replicas']), count(status['replicas']), count(status['readyReplicas']),
      translateTimestampSince(meta['creationTimestamp'], now), names, images, formatLabelSelector(spec['selector']),
    ],
  };
}

export const REPLICASET: KindDefinition = defineKind({
  group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets', namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource('ReplicaSet')],
  statusSubresource: true,
  generation: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  table: { columns: REPLICASET_COLUMNS, row },
  defaults,
  prepareForCreate(obj) {
    obj['status'] = {};
    fillStatus(obj, STATUS_FIELDS);
  },
  prepareForUpdate(obj, old, subresource) {
    fillStatus(obj, STATUS_FIELDS);
    const meta = child(obj, 'metadata');
    if (meta === undefined || subresource === 'status') return;
    const oldGen = num(o(old['metadata'])['generation']) ?? 0;
    meta['generation'] = semanticEqual(obj['spec'], old['spec']) ? oldGen : oldGen + 1;
  },
  validate,
  validateUpdate(obj, old) {
    return [
      ...validate(obj),
      ...validateObjectMetaUpdate(o(obj['metadata']), o(old['metadata'])),
      ...validateSpec(obj),
      ...immutableSelector(obj, old),
      ...validateStatus(obj),
    ];
  },
});
