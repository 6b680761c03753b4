// What a Job's (and a CronJob's job template's) pod template gets: the PodSpec defaults the
// generated defaulters apply to any nested PodSpec (SetDefaults_PodSpec and the container,
// volume and probe defaults — not SetDefaults_Pod's), ValidatePodTemplateSpec with the pod's
// field paths moved under the template, and the label selector helpers the Job validation and
// the printers need (LabelSelectorAsSelector, FormatLabelSelector; ValidateLabelSelector is
// api/label-selector-validation.ts's).
import { defaultPodSpec } from '../../api/defaults.ts';
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { validateLabelSelector } from '../../api/label-selector-validation.ts';
import { validateAnnotations, validateLabels, validatePodSpec } from '../../api/validation.ts';
import { labelSelectorString } from '../../registry/scale.ts';
import { arr, child, isObj, o, objs, s, type Obj } from './values.ts';

/**
 * Scheme defaults of a PodTemplateSpec (mutates): the template's ObjectMeta, a struct, always
 * serialises with `creationTimestamp: null`; the v1 conversion mirrors serviceAccountName into
 * the deprecated serviceAccount. A template of the wrong JSON type is left for validation.
 */
export function defaultPodTemplate(template: unknown): void {
  if (!isObj(template)) return;
  const meta = child(template, 'metadata');
  if (meta !== undefined && !('creationTimestamp' in meta)) meta['creationTimestamp'] = null;
  const spec = child(template, 'spec');
  if (spec === undefined) return;
  defaultPodSpec(spec);
  const san = spec['serviceAccountName'];
  const sa = spec['serviceAccount'];
  if (typeof san === 'string' && san !== '') spec['serviceAccount'] = san;
  else if (typeof sa === 'string' && sa !== '') spec['serviceAccountName'] = sa;
}

/** Moves a pod's `spec…` field path under `prefix` (e.g. `spec.template` → `spec.template.spec…`). */
function underTemplate(e: FieldError, prefix: string): FieldError {
  if (e.field === 'spec' || e.field.startsWith('spec.') || e.field.startsWith('spec[')) return { ...e, field: `${prefix}.${e.field}` };
  return e;
}

/** ValidatePodTemplateSpec at `path` (e.g. `spec.template`). */
export function validatePodTemplate(template: unknown, path: string): FieldError[] {
  const t = o(template);
  const meta = o(t['metadata']);
  const spec = o(t['spec']);
  const errs = [...validateLabels(meta['labels'], `${path}.labels`), ...validateAnnotations(meta['annotations'], `${path}.annotations`)];
  errs.push(...validatePodSpec(spec).map((e) => underTemplate(e, path)));
  if (arr(spec['ephemeralContainers']).length > 0) {
    errs.push(fe.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** The template's labels (a map[string]string). */
export function templateLabels(template: unknown): Obj | undefined {
  const labels = o(o(template)['metadata'])['labels'];
  return isObj(labels) ? labels : undefined;
}

// ---- label selectors --------------------------------------------------------------------------

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Whether a metav1.LabelSelector matches a label set: undefined when the selector does not
 * convert (LabelSelectorAsSelector fails); a nil selector matches nothing, an empty one all.
 */
export function selectorMatches(sel: unknown, labels: unknown): boolean | undefined {
  if (sel === undefined || sel === null) return false;
  if (!isObj(sel) || validateLabelSelector(sel, 'selector').length > 0) return undefined;
  const have = o(labels);
  const value = (k: string): string | undefined => (typeof have[k] === 'string' ? have[k] : undefined);
  for (const [k, v] of Object.entries(o(sel['matchLabels']))) if (value(k) !== s(v)) return false;
  for (const e of objs(sel['matchExpressions'])) {
    const key = s(e['key']);
    const values = arr(e['values']).map(s);
    const v = value(key);
    switch (e['operator']) {
      case 'In': if (v === undefined || !values.includes(v)) return false; break;
      case 'NotIn': if (v !== undefined && values.includes(v)) return false; break;
      case 'Exists': if (v === undefined) return false; break;
      case 'DoesNotExist': if (v !== undefined) return false; break;
      default: return undefined;
    }
  }
  return true;
}

/** metav1.FormatLabelSelector: `<none>` for nil or empty, `<error>` for one that does not convert. */
export function formatLabelSelector(sel: unknown): string {
  if (sel !== undefined && sel !== null) {
    if (!isObj(sel) || validateLabelSelector(sel, 'selector').length > 0) return '<error>';
    if (objs(sel['matchExpressions']).some((e) => !OPERATORS.includes(s(e['operator'])))) return '<error>';
  }
  const text = labelSelectorString(sel);
  return text === '' ? '<none>' : text;
}

/** layoutContainerCells: container names and images, comma-separated. */
export function containerCells(template: unknown): [string, string] {
  const containers = objs(o(o(template)['spec'])['containers']);
  return [containers.map((c) => s(c['name'])).join(','), containers.map((c) => s(c['image'])).join(',')];
}
