// apps/v1 Deployment as kube-apiserver 1.32 serves it: SetDefaults_Deployment (replicas 1,
// RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600) and the pod
// template defaults; the registry strategy (status reset on create and kept on update, the
// generation bumped by a change of spec or of annotations, labels kept by /status); the
// deprecated.deployment.rollback.to annotation the v1 conversion turns into spec.rollbackTo;
// ValidateDeployment/ValidateDeploymentUpdate/ValidateDeploymentStatusUpdate with the immutable
// selector; and printDeployment's row.
import { ApiError, fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { translateTimestampSince } from '../../api/tables.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, scaleSubresource, statusSubresource, type KindDefinition } from '../kind.ts';
import { child, isNil, mapsEqual, num, o, parseInt64, s, semanticEqual, setIfEmpty, setIfNil, type Obj } from './access.ts';
import { DEPLOYMENT_COLUMNS } from './columns.ts';
import { decodeMetadata } from './decode.ts';
import { goIntOrString, goStrategy, invalidGo, notSupportedGo } from './go-format.ts';
import { selectorOf, selectorString } from '../../../kube/labels/selector.ts';
import {
  count, defaultPodTemplate, immutableSelector, intOrPercentValue, nonNegative, notDecremented, notMoreThan100Percent, rowParts,
  validateControllerSelector, validatePositiveIntOrPercent, validateTemplateForReplicaSet,
} from './template.ts';

/** appsv1.DeprecatedRollbackTo: spec.rollbackTo of the internal type, carried as an annotation. */
const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';

/** The rollback revision the annotation carries (Convert_v1_Deployment_To_apps_Deployment). */
function rollbackRevision(obj: Obj): number | undefined {
  const revision = o(o(obj['metadata'])['annotations'])[ROLLBACK_TO_ANNOTATION];
  if (typeof revision !== 'string' || revision === '') return undefined;
  const parsed = parseInt64(revision);
  if ('error' in parsed) {
    throw ApiError.badRequest(`Deployment in version "v1" cannot be handled as a Deployment: failed to parse annotation[${ROLLBACK_TO_ANNOTATION}]=${revision} as int64: ${parsed.error}`);
  }
  return parsed.value;
}

function defaults(obj: Obj): void {
  decodeMetadata(obj, 'Deployment');
  rollbackRevision(obj);
  const spec = child(obj, 'spec');
  if (spec === undefined) return;
  setIfNil(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  if (strategy !== undefined) {
    setIfEmpty(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const ru = child(strategy, 'rollingUpdate');
      if (ru !== undefined) {
        setIfNil(ru, 'maxUnavailable', '25%');
        setIfNil(ru, 'maxSurge', '25%');
      }
    }
  }
  setIfNil(spec, 'revisionHistoryLimit', 10);
  setIfNil(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec);
}

function validateStrategy(strategy: unknown): FieldError[] {
  const x = o(strategy);
  const ru = x['rollingUpdate'];
  switch (x['type']) {
    case 'Recreate':
      return isNil(ru) ? [] : [fe.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")];
    case 'RollingUpdate': {
      if (isNil(ru)) return [fe.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
      const p = 'spec.strategy.rollingUpdate';
      const mu = o(ru)['maxUnavailable'];
      const ms = o(ru)['maxSurge'];
      const errs = [...validatePositiveIntOrPercent(mu, `${p}.maxUnavailable`), ...validatePositiveIntOrPercent(ms, `${p}.maxSurge`)];
      if (intOrPercentValue(mu) === 0 && intOrPercentValue(ms) === 0) {
        errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(mu), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(mu, `${p}.maxUnavailable`));
      return errs;
    }
    default:
      return [notSupportedGo('spec.strategy', goStrategy('apps.DeploymentStrategy', 'apps.RollingUpdateDeployment', strategy), ['Recreate', 'RollingUpdate'])];
  }
}

/** ValidateDeploymentSpec. */
function validateSpec(obj: Obj): FieldError[] {
  const spec = o(obj['spec']);
  const errs = nonNegative(spec['replicas'], 'spec.replicas');
  const sel = validateControllerSelector(spec, 'deployment', 'invalid label selector');
  errs.push(...sel.errs);
  if (sel.selector !== undefined) errs.push(...validateTemplateForReplicaSet(spec, sel.selector));
  errs.push(...validateStrategy(spec['strategy']));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  const rollback = rollbackRevision(obj);
  if (rollback !== undefined) errs.push(...nonNegative(rollback, 'spec.rollback.version'));
  const pds = num(spec['progressDeadlineSeconds']);
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (num(spec['minReadySeconds']) ?? 0)) errs.push(fe.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** ValidateDeploymentStatus and the collisionCount check of ValidateDeploymentStatusUpdate. */
function validateStatus(obj: Obj, old: Obj): FieldError[] {
  const st = o(obj['status']);
  const errs: FieldError[] = [];
  for (const f of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount']) {
    errs.push(...nonNegative(st[f], `status.${f}`));
  }
  const replicas = num(st['replicas']) ?? 0;
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['updatedReplicas', 'readyReplicas', 'availableReplicas']) {
    const v = num(st[f]) ?? 0;
    if (v > replicas) errs.push(fe.invalid(`status.${f}`, v, msg));
  }
  const available = num(st['availableReplicas']) ?? 0;
  if (available > (num(st['readyReplicas']) ?? 0)) errs.push(fe.invalid('status.availableReplicas', available, 'cannot be greater than readyReplicas'));
  errs.push(...notDecremented(st['collisionCount'], o(old['status'])['collisionCount'], 'status.collisionCount'));
  return errs;
}

function row(obj: Obj, now: number): { cells: unknown[] } {
  const { meta, spec, status, names, images } = rowParts(obj);
  const selector = selectorOf(spec['selector']);
  return {
    cells: [
      s(meta['name']), `${count(status['readyReplicas'])}/${count(spec['replicas'])}`, count(status['updatedReplicas']),
      count(status['availableReplicas']), translateTimestampSince(meta['creationTimestamp'], now),
      names, images, selector === undefined ? '<invalid>' : selectorString(selector),
    ],
  };
}

export const DEPLOYMENT: KindDefinition = defineKind({
  group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource('Deployment')],
  statusSubresource: true,
  generation: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  table: { columns: DEPLOYMENT_COLUMNS, row },
  defaults,
  prepareForCreate(obj) {
    obj['status'] = {};
  },
  prepareForUpdate(obj, old, subresource) {
    const meta = child(obj, 'metadata');
    const oldMeta = o(old['metadata']);
    if (meta === undefined) return;
    const oldGen = num(oldMeta['generation']) ?? 0;
    if (subresource === 'status') {
      // deploymentStatusStrategy: spec and labels stay as they were
      if (oldMeta['labels'] === undefined) delete meta['labels'];
      else meta['labels'] = structuredClone(oldMeta['labels']);
      return;
    }
    // annotations are copied to the ReplicaSets, so they count as desired state too
    const changed = !semanticEqual(obj['spec'], old['spec']) || !mapsEqual(meta['annotations'], oldMeta['annotations']);
    meta['generation'] = changed ? oldGen + 1 : oldGen;
  },
  validate(obj) {
    return [...validateObjectMeta(o(obj['metadata']), true, nameIsDNSSubdomain), ...validateSpec(obj)];
  },
  validateUpdate(obj, old) {
    const errs = [...validateObjectMetaUpdate(o(obj['metadata']), o(old['metadata'])), ...validateSpec(obj)];
    errs.push(...immutableSelector(obj, old));
    errs.push(...validateStatus(obj, old));
    return errs;
  },
});
