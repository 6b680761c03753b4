// Reading decoded JSON without trusting its types (the accessors of api/values.ts), and
// rendering the Go values kube's field errors print with %#v (label maps, LabelSelector,
// IntOrString), which JSON would not spell as kube-apiserver does.
import { goQuote, type FieldError } from '../../api/errors.ts';
import { decodeError, jsonTypeError } from '../../api/json-types.ts';
import { isObj, num, o, objs, s, type Obj } from '../../../kube/values.ts';

// re-exported: the batch kinds take every accessor from this one module
export { arr, child, isNil, isObj, num, o, objs, s, type Obj } from '../../../kube/values.ts';

/** A map[string]string as decoded JSON holds it (non-string values skipped). */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

// ---- Go's %#v ------------------------------------------------------------------------------------

/** %#v of a map[string]string: keys sorted, `map[string]string(nil)` when absent. */
export function goStringMap(v: unknown): string {
  if (!isObj(v)) return 'map[string]string(nil)';
  const entries = Object.entries(strMap(v)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${entries.map(([k, val]) => `${goQuote(k)}:${goQuote(val)}`).join(', ')}}`;
}

function goStrings(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${v.map((x) => goQuote(s(x))).join(', ')}}`;
}

/** %#v of a metav1.LabelSelector (as the field error prints the dereferenced pointer). */
export function goLabelSelector(v: unknown): string {
  const sel = o(v);
  const exprs = sel['matchExpressions'];
  const reqs = Array.isArray(exprs)
    ? `[]v1.LabelSelectorRequirement{${objs(exprs).map((e) =>
      `v1.LabelSelectorRequirement{Key:${goQuote(s(e['key']))}, Operator:${goQuote(s(e['operator']))}, Values:${goStrings(e['values'])}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel['matchLabels'])}, MatchExpressions:${reqs}}`;
}

/** %#v of an intstr.IntOrString. */
export function goIntOrString(v: unknown): string {
  return typeof v === 'string'
    ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`
    : `intstr.IntOrString{Type:0, IntVal:${num(v) ?? 0}, StrVal:""}`;
}

/** field.Invalid whose value is already rendered as Go prints it (e.g. by goLabelSelector). */
export function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `${rendered}: ${detail}`, omitValue: true };
}

/**
 * The decoder's 400 for ObjectMeta fields of the wrong JSON type (`metadata.name: 5`), which
 * the generic decoding checks only for the kinds it has Go types for: ObjectMeta is the same
 * struct in every kind, so the Pod table words it, with the kind's own name put back.
 */
export function refuseBadMetadata(obj: Obj, kind: string): void {
  const err = jsonTypeError('v1', 'Pod', { metadata: obj['metadata'] });
  if (err !== undefined) throw decodeError(kind, 'v1', { ...err, message: err.message.replace('Go struct field Pod.', `Go struct field ${kind}.`) });
}
