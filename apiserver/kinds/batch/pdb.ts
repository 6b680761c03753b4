// policy/v1 PodDisruptionBudget as kube-apiserver 1.32 serves it: the strategy resets status
// (v1's counters are not omitempty, so they show as 0), and pkg/apis/policy/validation checks
// the spec; the name gets only the generic registry's path-segment check, after the spec's.
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { validateLabelSelector } from '../../api/label-selector-validation.ts';
import { regexError, validatePathSegmentName } from '../../../kube/names.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { goIntOrString, invalidRendered, isNil, num, o, s, type Obj } from './values.ts';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];
const PERCENT_ERROR = regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%');

/** The PDB strategy's PrepareForCreate beyond status/generation: the zero v1 status. */
export function preparePdbForCreate(pdb: Obj): void {
  pdb['status'] = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') {
    if (!/^[0-9]+%$/.test(v)) return [invalidRendered(path, goIntOrString(v), PERCENT_ERROR)];
    return Number(v.slice(0, -1)) > 100 ? [invalidRendered(path, goIntOrString(v), 'must not be greater than 100%')] : [];
  }
  const n = num(v);
  return n !== undefined && n < 0 ? [fe.invalid(path, n, 'must be greater than or equal to 0')] : [];
}

function ptr(type: string, set: boolean): string {
  return set ? `(*${type})(0xc000000000)` : `(*${type})(nil)`;
}

/** ValidatePodDisruptionBudgetSpec. */
export function validatePdbSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const min = spec['minAvailable'];
  const max = spec['maxUnavailable'];
  if (!isNil(min) && !isNil(max)) {
    // %#v of the spec struct: its pointers print as addresses.
    const rendered = `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr('intstr.IntOrString', true)}, Selector:${
      ptr('v1.LabelSelector', !isNil(spec['selector']))}, MaxUnavailable:${ptr('intstr.IntOrString', true)}, UnhealthyPodEvictionPolicy:${
      ptr('policy.UnhealthyPodEvictionPolicyType', !isNil(spec['unhealthyPodEvictionPolicy']))}}`;
    errs.push(invalidRendered('spec', rendered, 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (!isNil(min)) errs.push(...validateIntOrPercent(min, 'spec.minAvailable'));
  if (!isNil(max)) errs.push(...validateIntOrPercent(max, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec['selector'], 'spec.selector'));
  const policy = spec['unhealthyPodEvictionPolicy'];
  if (!isNil(policy) && !EVICTION_POLICIES.includes(s(policy))) {
    errs.push(fe.notSupported('spec.unhealthyPodEvictionPolicy', s(policy), EVICTION_POLICIES));
  }
  return errs;
}

/** The generic registry's ObjectMeta check (path segment names; no kube finalizer-name rule). */
function genericMeta(meta: Obj): FieldError[] {
  return validateObjectMeta(meta, true, (name, prefix) => validatePathSegmentName(name, prefix))
    .filter((e) => !e.field.startsWith('metadata.finalizers['));
}

/** Create: the strategy's spec validation; only when it passes, the generic metadata check. */
export function validatePdb(pdb: Obj): FieldError[] {
  const errs = validatePdbSpec(o(pdb['spec']));
  return errs.length > 0 ? errs : genericMeta(o(pdb['metadata']));
}

/** ValidatePodDisruptionBudgetStatusUpdate's counters (policy/v1). */
function validatePdbStatus(status: Obj): FieldError[] {
  return ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'].flatMap((f) => {
    const n = num(status[f]);
    return n !== undefined && n < 0 ? [fe.invalid(`status.${f}`, n, 'must be greater than or equal to 0')] : [];
  });
}

/**
 * Update: the generic metadata checks, then the spec's (the selector may change since 1.15) and
 * the status counters (a main-resource write keeps the stored status, so only /status can fail them).
 */
export function validatePdbUpdate(pdb: Obj, old: Obj): FieldError[] {
  const meta = o(pdb['metadata']);
  const metaErrs = [...genericMeta(meta), ...validateObjectMetaUpdate(meta, o(old['metadata']))]
    .filter((e) => !e.field.startsWith('metadata.finalizers['));
  return [...metaErrs, ...validatePdbSpec(o(pdb['spec'])), ...validatePdbStatus(o(pdb['status']))];
}
