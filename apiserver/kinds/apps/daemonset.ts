// apps/v1 DaemonSet as kube-apiserver 1.32 serves it: SetDefaults_DaemonSet (RollingUpdate with
// maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10) and the pod template defaults; the
// internal spec.templateGeneration, which the v1 conversion carries in the
// deprecated.daemonset.template.generation annotation (1 on create, +1 with each template
// change, never set by a client); the registry strategy (status reset on create and kept on
// update, generation bumped by a change of spec); ValidateDaemonSet, ValidateDaemonSetUpdate
// (the spec validated twice, as upstream does) and ValidateDaemonSetStatusUpdate, with the
// immutable selector; and printDaemonSet's row.
import { ApiError, fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { validateLabelSelector } from '../../api/label-selector-validation.ts';
import { translateTimestampSince } from '../../api/tables.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, statusSubresource, type KindDefinition } from '../kind.ts';
import { child, isNil, isObj, num, o, parseInt64, s, semanticEqual, setIfEmpty, setIfNil, type Obj } from './access.ts';
import { DAEMONSET_COLUMNS } from './columns.ts';
import { decodeMetadata } from './decode.ts';
import { goIntOrString, goLabelSelector, goStrategy, invalidGo, notSupportedGo } from './go-format.ts';
import { formatLabelSelector, formatLabels, selectorHasTerms, selectorMatches, selectorOf } from '../../../kube/labels/selector.ts';
import {
  controllerPodRules, count, defaultPodTemplate, fillStatus, immutableSelector, intOrPercentValue,
  nonNegative, notDecremented, notMoreThan100Percent, rowParts, selectorMismatch, validatePodTemplate,
  validatePositiveIntOrPercent,
} from './template.ts';

/** appsv1.DeprecatedTemplateGeneration. */
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const STATUS_FIELDS = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'];

/** spec.templateGeneration as the v1 conversion reads it from the annotation (0 when absent). */
function templateGeneration(obj: Obj): number {
  const annotations = o(o(obj['metadata'])['annotations']);
  if (!(TEMPLATE_GENERATION_ANNOTATION in annotations)) return 0;
  const raw = annotations[TEMPLATE_GENERATION_ANNOTATION];
  const parsed = parseInt64(typeof raw === 'string' ? raw : String(raw));
  if ('error' in parsed) throw ApiError.badRequest(`DaemonSet in version "v1" cannot be handled as a DaemonSet: ${parsed.error}`);
  return parsed.value;
}

/** Writes spec.templateGeneration back as the annotation (Convert_apps_DaemonSet_To_v1_DaemonSet). */
function setTemplateGeneration(obj: Obj, value: number): void {
  const meta = child(obj, 'metadata');
  if (meta === undefined) return;
  const annotations = child(meta, 'annotations');
  if (annotations !== undefined) annotations[TEMPLATE_GENERATION_ANNOTATION] = String(value);
}

function defaults(obj: Obj): void {
  decodeMetadata(obj, 'DaemonSet');
  templateGeneration(obj);
  const spec = child(obj, 'spec');
  if (spec === undefined) return;
  const strategy = child(spec, 'updateStrategy');
  if (strategy !== undefined) {
    setIfEmpty(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const ru = child(strategy, 'rollingUpdate');
      if (ru !== undefined) {
        setIfNil(ru, 'maxUnavailable', 1);
        setIfNil(ru, 'maxSurge', 0);
      }
    }
  }
  setIfNil(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec);
}

function validateUpdateStrategy(strategy: unknown): FieldError[] {
  const x = o(strategy);
  const p = 'spec.updateStrategy';
  switch (x['type']) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      const ru = x['rollingUpdate'];
      if (isNil(ru)) return [fe.required(`${p}.rollingUpdate`)];
      const mu = o(ru)['maxUnavailable'];
      const ms = o(ru)['maxSurge'];
      const rp = `${p}.rollingUpdate`;
      const errs = [
        ...validatePositiveIntOrPercent(mu, `${rp}.maxUnavailable`),
        ...validatePositiveIntOrPercent(ms, `${rp}.maxSurge`),
        ...notMoreThan100Percent(mu, `${rp}.maxUnavailable`),
        ...notMoreThan100Percent(ms, `${rp}.maxSurge`),
      ];
      const hasUnavailable = intOrPercentValue(mu) !== 0;
      const hasSurge = intOrPercentValue(ms) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalidGo(`${rp}.maxSurge`, goIntOrString(ms), 'may not be set when maxUnavailable is non-zero'));
      else if (!hasUnavailable && !hasSurge) errs.push(fe.required(`${rp}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      return errs;
    }
    default:
      return [notSupportedGo(p, goStrategy('apps.DaemonSetUpdateStrategy', 'apps.RollingUpdateDaemonSet', strategy), ['RollingUpdate', 'OnDelete'])];
  }
}

/** ValidateDaemonSetSpec. */
function validateSpec(obj: Obj): FieldError[] {
  const spec = o(obj['spec']);
  const sel = spec['selector'];
  const template = spec['template'];
  const errs = validateLabelSelector(sel, 'spec.selector');
  const selector = selectorOf(sel);
  if (selector !== undefined && !selectorMatches(selector, o(o(template)['metadata'])['labels'])) errs.push(selectorMismatch('spec.template', template));
  if (isObj(sel) && !selectorHasTerms(sel)) errs.push(invalidGo('spec.selector', goLabelSelector(sel), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplate(template, 'spec.template'));
  errs.push(...controllerPodRules(template, 'spec.template', 'DaemonSet'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(spec['updateStrategy']));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  return errs;
}

/** validateDaemonSetStatus and the collisionCount check of ValidateDaemonSetStatusUpdate. */
function validateStatus(obj: Obj, old: Obj): FieldError[] {
  const st = o(obj['status']);
  const errs: FieldError[] = [];
  for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']) {
    errs.push(...nonNegative(st[f], `status.${f}`));
  }
  errs.push(...notDecremented(st['collisionCount'], o(old['status'])['collisionCount'], 'status.collisionCount'));
  return errs;
}

function validate(obj: Obj): FieldError[] {
  return [...validateObjectMeta(o(obj['metadata']), true, nameIsDNSSubdomain), ...validateSpec(obj)];
}

function row(obj: Obj, now: number): { cells: unknown[] } {
  const { meta, spec, status, names, images } = rowParts(obj);
  return {
    cells: [
      s(meta['name']), count(status['desiredNumberScheduled']), count(status['currentNumberScheduled']), count(status['numberReady']),
      count(status['updatedNumberScheduled']), count(status['numberAvailable']),
      formatLabels(o(o(spec['template'])['spec'])['nodeSelector']), translateTimestampSince(meta['creationTimestamp'], now),
      names, images, formatLabelSelector(spec['selector']),
    ],
  };
}

export const DAEMONSET: KindDefinition = defineKind({
  group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets', namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  subresources: [statusSubresource('DaemonSet')],
  statusSubresource: true,
  generation: true,
  table: { columns: DAEMONSET_COLUMNS, row },
  defaults,
  prepareForCreate(obj) {
    obj['status'] = {};
    fillStatus(obj, STATUS_FIELDS);
    setTemplateGeneration(obj, Math.max(templateGeneration(obj), 1));
  },
  prepareForUpdate(obj, old, subresource) {
    fillStatus(obj, STATUS_FIELDS);
    // a client never sets templateGeneration: it is the stored one, plus one for a new template
    let generation = templateGeneration(old);
    const meta = child(obj, 'metadata');
    if (meta !== undefined && subresource === '') {
      const oldGen = num(o(old['metadata'])['generation']) ?? 0;
      const spec = o(obj['spec']);
      const oldSpec = o(old['spec']);
      if (!semanticEqual(spec['template'], oldSpec['template'])) {
        generation++;
        meta['generation'] = oldGen + 1;
      } else {
        meta['generation'] = semanticEqual(spec, oldSpec) ? oldGen : oldGen + 1;
      }
    }
    setTemplateGeneration(obj, generation);
  },
  validate,
  validateUpdate(obj, old) {
    return [
      ...validate(obj),
      ...validateObjectMetaUpdate(o(obj['metadata']), o(old['metadata'])),
      ...validateSpec(obj),
      ...immutableSelector(obj, old),
      ...validateStatus(obj, old),
    ];
  },
});
