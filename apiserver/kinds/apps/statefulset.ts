// apps/v1 StatefulSet as kube-apiserver 1.32 serves it: SetDefaults_StatefulSet (OrderedReady,
// RollingUpdate with partition 0, PVC retention Retain/Retain, replicas 1, revisionHistoryLimit
// 10), the pod template and volumeClaimTemplate defaults, serviceName written even when empty;
// the registry strategy (status reset on create and kept on update, generation bumped by a change
// of spec, rollingUpdate.maxUnavailable dropped while its feature gate is off); 1.32's
// ValidateStatefulSet (name a DNS label; the template checked for its selector, labels,
// annotations, restartPolicy and activeDeadlineSeconds only — 1.32 does not validate the pod
// spec, serviceName or the claim templates), ValidateStatefulSetUpdate with its forbidden fields
// and ValidateStatefulSetStatusUpdate; and printStatefulSet's row.
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { translateTimestampSince } from '../../api/tables.ts';
import { nameIsDNSLabel, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, scaleSubresource, statusSubresource, type KindDefinition } from '../kind.ts';
import { child, isNil, isObj, num, o, s, semanticEqual, setIfEmpty, setIfNil, type Obj } from './access.ts';
import { STATEFULSET_COLUMNS } from './columns.ts';
import { decodeMetadata } from './decode.ts';
import { goIntOrString, goPointer, goStrategy, invalidGo } from './go-format.ts';
import { selectorEmpty, selectorMatches } from '../../../kube/labels/selector.ts';
import {
  controllerPodRules, count, defaultClaimTemplate, defaultPodTemplate, fillStatus, intOrPercentValue,
  nonNegative, notDecremented, notMoreThan100Percent, rowParts, selectorMismatch, validateControllerSelector,
  validatePositiveIntOrPercent,
} from './template.ts';

const STATUS_FIELDS = ['replicas', 'availableReplicas'];

/** The spec fields an update may change (ValidateStatefulSetUpdate). */
const UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
const FORBIDDEN_UPDATE =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
  "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

const RETENTION_POLICIES = ['Retain', 'Delete'];

function defaults(obj: Obj): void {
  decodeMetadata(obj, 'StatefulSet');
  const spec = child(obj, 'spec');
  if (spec === undefined) return;
  setIfEmpty(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  if (strategy !== undefined) {
    if (isNil(strategy['type']) || strategy['type'] === '') {
      strategy['type'] = 'RollingUpdate';
      setIfNil(strategy, 'rollingUpdate', {});
    }
    const ru = strategy['rollingUpdate'];
    if (strategy['type'] === 'RollingUpdate' && isObj(ru)) setIfNil(ru, 'partition', 0);
  }
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention !== undefined) {
    setIfEmpty(retention, 'whenDeleted', 'Retain');
    setIfEmpty(retention, 'whenScaled', 'Retain');
  }
  setIfNil(spec, 'replicas', 1);
  setIfNil(spec, 'revisionHistoryLimit', 10);
  // serviceName has no omitempty in 1.32's v1 type
  setIfNil(spec, 'serviceName', '');
  defaultPodTemplate(spec);
  const claims = spec['volumeClaimTemplates'];
  if (Array.isArray(claims)) for (const c of claims as unknown[]) if (isObj(c)) defaultClaimTemplate(c);
  const ordinals = spec['ordinals'];
  if (isObj(ordinals)) setIfNil(ordinals, 'start', 0);
}

/** dropStatefulSetDisabledFields: MaxUnavailableStatefulSet is off by default in 1.32. */
function dropMaxUnavailable(obj: Obj, old: Obj | undefined): void {
  const oldRu = o(o(o(old?.['spec'])['updateStrategy'])['rollingUpdate']);
  if (!isNil(oldRu['maxUnavailable'])) return;
  const ru = o(o(obj['spec'])['updateStrategy'])['rollingUpdate'];
  if (isObj(ru)) delete ru['maxUnavailable'];
}

function validateUpdateStrategy(strategy: unknown): FieldError[] {
  const x = o(strategy);
  const ru = x['rollingUpdate'];
  const p = 'spec.updateStrategy.rollingUpdate';
  switch (x['type']) {
    case undefined:
    case null:
    case '':
      return [fe.required('spec.updateStrategy')];
    case 'OnDelete':
      if (isNil(ru)) return [];
      return [invalidGo(p, goRollingUpdate(ru), "only allowed for updateStrategy 'RollingUpdate'")];
    case 'RollingUpdate': {
      if (isNil(ru)) return [];
      const r = o(ru);
      const errs = nonNegative(r['partition'], `${p}.partition`);
      const mu = r['maxUnavailable'];
      if (!isNil(mu)) {
        errs.push(...validatePositiveIntOrPercent(mu, `${p}.maxUnavailable`));
        if (intOrPercentValue(mu) === 0) errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(mu), 'cannot be 0'));
        errs.push(...notMoreThan100Percent(mu, `${p}.maxUnavailable`));
      }
      return errs;
    }
    default:
      return [invalidGo('spec.updateStrategy', goStrategy('apps.StatefulSetUpdateStrategy', 'apps.RollingUpdateStatefulSetStrategy', strategy),
        "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function goRollingUpdate(ru: unknown): string {
  const r = o(ru);
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${num(r['partition']) ?? 0}, MaxUnavailable:${goPointer('intstr.IntOrString', r['maxUnavailable'])}}`;
}

/** ValidateStatefulSetSpec. */
function validateSpec(obj: Obj): FieldError[] {
  const spec = o(obj['spec']);
  const errs: FieldError[] = [];
  const pmp = spec['podManagementPolicy'];
  if (isNil(pmp) || pmp === '') errs.push(fe.required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(fe.invalid('spec.podManagementPolicy', s(pmp), "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateUpdateStrategy(spec['updateStrategy']));
  const retention = spec['persistentVolumeClaimRetentionPolicy'];
  if (isObj(retention)) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = s(retention[f]);
      if (!RETENTION_POLICIES.includes(v)) errs.push(fe.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, RETENTION_POLICIES));
    }
  }
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'), ...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  if (isObj(spec['ordinals'])) errs.push(...nonNegative(spec['ordinals']['start'], 'spec.ordinals.start'));
  const sel = validateControllerSelector(spec, 'statefulset', '');
  errs.push(...sel.errs);
  const template = spec['template'];
  if (sel.selector !== undefined) {
    // ValidatePodTemplateSpecForStatefulSet: the pod spec itself is not validated in 1.32
    const meta = o(o(template)['metadata']);
    if (!selectorEmpty(sel.selector) && !selectorMatches(sel.selector, meta['labels'])) errs.push(selectorMismatch('spec.template', template));
    errs.push(...validateLabels(meta['labels'], 'spec.template.labels'), ...validateAnnotations(meta['annotations'], 'spec.template.annotations'));
  }
  errs.push(...controllerPodRules(template, 'spec.template', 'StatefulSet'));
  return errs;
}

/** ValidateStatefulSetStatus and the collisionCount check of ValidateStatefulSetStatusUpdate. */
function validateStatus(obj: Obj, old: Obj): FieldError[] {
  const st = o(obj['status']);
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount']) {
    errs.push(...nonNegative(st[f], `status.${f}`));
  }
  const replicas = num(st['replicas']) ?? 0;
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    const v = num(st[f]) ?? 0;
    if (v > replicas) errs.push(fe.invalid(`status.${f}`, v, 'cannot be greater than status.replicas'));
  }
  const available = num(st['availableReplicas']) ?? 0;
  if (available > (num(st['readyReplicas']) ?? 0)) errs.push(fe.invalid('status.availableReplicas', available, 'cannot be greater than status.readyReplicas'));
  errs.push(...notDecremented(st['collisionCount'], o(old['status'])['collisionCount'], 'status.collisionCount'));
  return errs;
}

function row(obj: Obj, now: number): { cells: unknown[] } {
  const { meta, spec, status, names, images } = rowParts(obj);
  return {
    cells: [
      s(meta['name']), `${count(status['readyReplicas'])}/${count(spec['replicas'])}`,
      translateTimestampSince(meta['creationTimestamp'], now), names, images,
    ],
  };
}

export const STATEFULSET: KindDefinition = defineKind({
  group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets', namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource('StatefulSet')],
  statusSubresource: true,
  generation: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  table: { columns: STATEFULSET_COLUMNS, row },
  defaults,
  prepareForCreate(obj) {
    obj['status'] = {};
    fillStatus(obj, STATUS_FIELDS);
    dropMaxUnavailable(obj, undefined);
  },
  prepareForUpdate(obj, old, subresource) {
    fillStatus(obj, STATUS_FIELDS);
    const meta = child(obj, 'metadata');
    if (meta === undefined || subresource === 'status') return;
    dropMaxUnavailable(obj, old);
    const oldGen = num(o(old['metadata'])['generation']) ?? 0;
    meta['generation'] = semanticEqual(obj['spec'], old['spec']) ? oldGen : oldGen + 1;
  },
  validate(obj) {
    return [...validateObjectMeta(o(obj['metadata']), true, nameIsDNSLabel), ...validateSpec(obj)];
  },
  validateUpdate(obj, old) {
    // the name is not validated again: names that were DNS subdomains once must stay deletable
    const errs = [...validateObjectMetaUpdate(o(obj['metadata']), o(old['metadata'])), ...validateSpec(obj)];
    const spec = o(obj['spec']);
    const oldSpec = o(old['spec']);
    const rest = (x: Obj): Obj => Object.fromEntries(Object.entries(x).filter(([k]) => !UPDATABLE.includes(k)));
    if (!semanticEqual(rest(spec), rest(oldSpec))) errs.push(fe.forbidden('spec', FORBIDDEN_UPDATE));
    errs.push(...validateStatus(obj, old));
    return errs;
  },
});
