// metav1 validation.ValidateLabelSelector, which the apps, batch, core, policy and RBAC kinds all
// apply to their selectors: one copy keeps their messages alike. The body has been through the
// schema decoder, so `values` holds strings; anything else reads as Go's zero value ''.
import { fieldErrors as fe, type FieldError } from './errors.ts';
import { isQualifiedName, isValidLabelValue } from '../../kube/names.ts';
import { validateLabels } from './validation.ts';
import { arr, isObj, objs, s } from '../../kube/values.ts';

/** matchLabels and matchExpressions checked; a nil (absent, null or non-object) selector has no errors. */
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  if (!isObj(sel)) return [];
  const errs = validateLabels(sel['matchLabels'], `${path}.matchLabels`);
  objs(sel['matchExpressions']).forEach((expr, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const op = s(expr['operator']);
    const values = arr(expr['values']).map(s);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(fe.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(fe.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(fe.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    }
    const key = s(expr['key']);
    for (const m of isQualifiedName(key)) errs.push(fe.invalid(`${p}.key`, key, m));
    values.forEach((v, j) => { for (const m of isValidLabelValue(v)) errs.push(fe.invalid(`${p}.values[${j}]`, v, m)); });
  });
  return errs;
}
