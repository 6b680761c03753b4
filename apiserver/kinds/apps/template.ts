// What the apps kinds share: the pod template (the v1 defaulting a PodTemplateSpec gets —
// SetDefaults_PodSpec and the container, volume and probe defaults, not the Pod-only ones —
// and ValidatePodTemplateSpec with its paths under spec.template), the selector/template
// agreement every controller checks, int-or-percent fields, and the small field checks
// (ValidateNonnegativeField, IsDecremented). Pure.
import { defaultPodSpec } from '../../api/defaults.ts';
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { validateLabelSelector } from '../../api/label-selector-validation.ts';
import { regexError } from '../../../kube/names.ts';
import { canonicalQuantity } from '../../api/quantity.ts';
import { validateAnnotations, validateLabels, validatePodSpec } from '../../api/validation.ts';
import { child, isNil, isObj, num, o, objs, s, semanticEqual, setIfEmpty, setIfNil, type Obj } from './access.ts';
import { goIntOrString, goLabelSelector, goStringMap, invalidGo } from './go-format.ts';
import { selectorEmpty, selectorHasTerms, selectorMatches, selectorOf } from '../../../kube/labels/selector.ts';

const IS_NEGATIVE = 'must be greater than or equal to 0';

// ---------------------------------------------------------------------------------------------
// Defaults

/**
 * A PodTemplateSpec as kube-apiserver stores it: the pod spec defaults and the zero
 * metadata.creationTimestamp Go writes as null. Leaves a template of another JSON type alone.
 */
export function defaultPodTemplate(parent: Obj, key = 'template'): void {
  const template = child(parent, key);
  if (template === undefined) return;
  const meta = child(template, 'metadata');
  if (meta !== undefined && !('creationTimestamp' in meta)) meta['creationTimestamp'] = null;
  const spec = child(template, 'spec');
  if (spec === undefined) return;
  defaultPodSpec(spec);
  // The v1 conversion mirrors serviceAccountName into the deprecated serviceAccount field.
  if (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '') {
    spec['serviceAccount'] = spec['serviceAccountName'];
  } else if (typeof spec['serviceAccount'] === 'string' && spec['serviceAccount'] !== '') {
    spec['serviceAccountName'] = spec['serviceAccount'];
  }
}

function canonicalResourceList(rl: unknown): void {
  if (!isObj(rl)) return;
  for (const [k, v] of Object.entries(rl)) {
    if (typeof v === 'string') rl[k] = canonicalQuantity(v, true);
    else if (typeof v === 'number') rl[k] = canonicalQuantity(String(v), true);
  }
}

/** A StatefulSet volumeClaimTemplate: PersistentVolumeClaim defaults, kind and zero timestamp. */
export function defaultClaimTemplate(pvc: Obj): void {
  setIfEmpty(pvc, 'apiVersion', 'v1');
  setIfEmpty(pvc, 'kind', 'PersistentVolumeClaim');
  const meta = child(pvc, 'metadata');
  if (meta !== undefined && !('creationTimestamp' in meta)) meta['creationTimestamp'] = null;
  const spec = child(pvc, 'spec');
  if (spec !== undefined) {
    setIfNil(spec, 'volumeMode', 'Filesystem');
    const resources = o(spec['resources']);
    canonicalResourceList(resources['limits']);
    canonicalResourceList(resources['requests']);
  }
  const status = child(pvc, 'status');
  if (status !== undefined) {
    setIfEmpty(status, 'phase', 'Pending');
    canonicalResourceList(status['capacity']);
    canonicalResourceList(status['allocatedResources']);
  }
}

/** Fills the status fields Go always writes (non-omitempty int32s) with 0. */
export function fillStatus(obj: Obj, zeroFields: readonly string[]): void {
  const status = child(obj, 'status');
  if (status === undefined) return;
  for (const f of zeroFields) setIfNil(status, f, 0);
}

// ---------------------------------------------------------------------------------------------
// Field checks

/** ValidateNonnegativeField for a present number. */
export function nonNegative(v: unknown, path: string): FieldError[] {
  const n = num(v);
  return n !== undefined && n < 0 ? [fe.invalid(path, n, IS_NEGATIVE)] : [];
}

/** IsDecremented(new, old) for *int32: the error kube reports, or none. */
export function notDecremented(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  const n = num(newValue);
  const old = num(oldValue);
  if (old === undefined) return [];
  if (n === undefined || n < old) return [fe.invalid(path, n ?? 0, 'cannot be decremented')];
  return [];
}

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_ERROR = regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%');
const MAX_INT64 = 9223372036854775807n;

/** strconv.Atoi without its error: 0 for text that is not an integer, clamped on overflow. */
function atoi(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) return 0;
  const big = BigInt(text);
  if (big > MAX_INT64) return Number(MAX_INT64);
  if (big < -MAX_INT64 - 1n) return Number(-MAX_INT64 - 1n);
  return Number(big);
}

/** getPercentValue: the number of a valid percent string. */
function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && PERCENT_RE.test(v) ? atoi(v.slice(0, -1)) : undefined;
}

/** getIntOrPercentValue: the percent, else IntOrString.IntValue(). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'string') return atoi(v);
  return typeof v === 'number' ? v : 0;
}

/** ValidatePositiveIntOrPercent (values of other JSON types are the decoder's to refuse). */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return PERCENT_RE.test(v) ? [] : [invalidGo(path, goIntOrString(v), PERCENT_ERROR)];
  if (typeof v === 'number') return nonNegative(v, path);
  return [];
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [invalidGo(path, goIntOrString(v), 'must not be greater than 100%')] : [];
}

// ---------------------------------------------------------------------------------------------
// Pod template

/** Rewrites a pod-spec error path (`spec.x`) to its place in a template (`spec.template.spec.x`). */
function underTemplate(e: FieldError, templatePath: string): FieldError {
  const field = e.field === 'spec' || e.field.startsWith('spec.') || e.field.startsWith('spec[')
    ? `${templatePath}.${e.field}` : e.field;
  return { ...e, field };
}

const HOST_NETWORK_PORT = 'must match `containerPort` when `hostNetwork` is true';

/** apivalidation.ValidatePodTemplateSpec at templatePath (ResourceIsPod false). */
export function validatePodTemplate(template: unknown, templatePath: string): FieldError[] {
  const t = o(template);
  const meta = o(t['metadata']);
  const spec = o(t['spec']);
  const errs = [
    ...validateLabels(meta['labels'], `${templatePath}.labels`),
    ...validateAnnotations(meta['annotations'], `${templatePath}.annotations`),
    // a template may leave hostPort 0 with hostNetwork: it is defaulted when the Pod is made
    ...validatePodSpec(spec).filter((e) => !(e.badValue === 0 && e.detail === HOST_NETWORK_PORT)).map((e) => underTemplate(e, templatePath)),
  ];
  if (Array.isArray(spec['ephemeralContainers']) && spec['ephemeralContainers'].length > 0) {
    errs.push(fe.forbidden(`${templatePath}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** The selector/template agreement: `selector` does not match template `labels`. */
export function selectorMismatch(templatePath: string, template: unknown): FieldError {
  const labels = o(o(template)['metadata'])['labels'];
  return invalidGo(`${templatePath}.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`');
}

/** restartPolicy Always and no activeDeadlineSeconds: what every workload controller needs. */
export function controllerPodRules(template: unknown, templatePath: string, kind: string): FieldError[] {
  const spec = o(o(template)['spec']);
  const errs: FieldError[] = [];
  const rp = s(spec['restartPolicy']);
  if (rp !== 'Always') errs.push(fe.notSupported(`${templatePath}.spec.restartPolicy`, rp, ['Always']));
  if (!isNil(spec['activeDeadlineSeconds'])) {
    errs.push(fe.forbidden(`${templatePath}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/**
 * The selector part of ValidateDeploymentSpec/ValidateReplicaSetSpec/ValidateStatefulSetSpec:
 * required, valid, not empty, and the parsed selector (undefined when it does not parse, after
 * the error with `parseDetail`).
 */
export function validateControllerSelector(
  spec: Obj, kind: string, parseDetail: string,
): { errs: FieldError[]; selector: ReturnType<typeof selectorOf> } {
  const sel = spec['selector'];
  const errs: FieldError[] = [];
  if (isNil(sel)) {
    errs.push(fe.required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (!selectorHasTerms(o(sel))) errs.push(invalidGo('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${kind}`));
  }
  const selector = selectorOf(sel);
  if (selector === undefined) errs.push(invalidGo('spec.selector', goLabelSelector(sel), parseDetail));
  return { errs, selector };
}

/** ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets). */
export function validateTemplateForReplicaSet(spec: Obj, selector: NonNullable<ReturnType<typeof selectorOf>>): FieldError[] {
  const template = spec['template'];
  const errs: FieldError[] = [];
  const labels = o(o(template)['metadata'])['labels'];
  if (!selectorEmpty(selector) && !selectorMatches(selector, labels)) errs.push(selectorMismatch('spec.template', template));
  errs.push(...validatePodTemplate(template, 'spec.template'));
  errs.push(...controllerPodRules(template, 'spec.template', 'ReplicaSet'));
  return errs;
}

/** The selector may not change on update (apps/v1 strategies' ValidateImmutableField). */
export function immutableSelector(obj: Obj, old: Obj): FieldError[] {
  const sel = o(obj['spec'])['selector'];
  if (semanticEqual(sel, o(old['spec'])['selector'], true)) return [];
  return [invalidGo('spec.selector', isNil(sel) ? '"null"' : goLabelSelector(sel), 'field is immutable')];
}

/** The names and images of a template's containers, comma-separated (layoutContainerCells). */
export function containerCells(obj: Obj): [string, string] {
  const containers = objs(o(o(o(obj['spec'])['template'])['spec'])['containers']);
  return [containers.map((c) => s(c['name'])).join(','), containers.map((c) => s(c['image'])).join(',')];
}

/** What a workload's table row reads: metadata, spec and status, and the template's container cells. */
export function rowParts(obj: Obj): { meta: Obj; spec: Obj; status: Obj; names: string; images: string } {
  const [names, images] = containerCells(obj);
  return { meta: o(obj['metadata']), spec: o(obj['spec']), status: o(obj['status']), names, images };
}

/** int64(x) of an int32 field read for a table cell. */
export function count(v: unknown): number {
  return num(v) ?? 0;
}
