// Bad values of the RBAC and authorization validators as kube 1.32's field.Error prints them: a
// struct with Go's `%#v` (a pointer dereferenced first; a nil one as the string "null"), e.g.
// `rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}`. The
// rendered text travels in the detail of an error whose value is omitted, which prints the same.
import { fieldErrors, goQuote, type FieldError } from '../../api/errors.ts';
import { isNil, isObj, o as obj, objs, s as str } from '../../../kube/values.ts';

// re-exported: the RBAC kinds take every accessor from this one module
export { isNil, isObj, o as obj, objs, s as str } from '../../../kube/values.ts';

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** field.Invalid whose value is already rendered Go syntax. */
export function invalidGo(field: string, goValue: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: detail === '' ? goValue : `${goValue}: ${detail}`, omitValue: true };
}

/** field.Invalid of a nil pointer: 1.32 prints it as the string "null". */
export function invalidNil(field: string, detail: string): FieldError {
  return fieldErrors.invalid(field, 'null', detail);
}

export function goRoleRef(ref: unknown): string {
  const r = obj(ref);
  return `rbac.RoleRef{APIGroup:${goQuote(str(r['apiGroup']))}, Kind:${goQuote(str(r['kind']))}, Name:${goQuote(str(r['name']))}}`;
}

export function goNonResourceAttributes(a: unknown): string {
  const x = obj(a);
  return `authorization.NonResourceAttributes{Path:${goQuote(str(x['path']))}, Verb:${goQuote(str(x['verb']))}}`;
}

function goStringMap(v: unknown): string {
  if (!isObj(v) || Object.keys(v).length === 0) return 'map[string]string(nil)';
  const entries = Object.entries(v).map(([k, x]) => [k, str(x)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${entries.map(([k, x]) => `${goQuote(k)}:${goQuote(x)}`).join(', ')}}`;
}

function goStringSlice(v: unknown): string {
  const xs = strings(v);
  return xs.length === 0 ? '[]string(nil)' : `[]string{${xs.map(goQuote).join(', ')}}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** time.Time's GoString; a decoded metav1.Time is in the local zone. */
function goTime(v: unknown): string {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) return 'time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)';
  const d = new Date(ms);
  return `time.Date(${d.getUTCFullYear()}, time.${MONTHS[d.getUTCMonth()] ?? 'January'}, ${d.getUTCDate()}, ${d.getUTCHours()}, ${d.getUTCMinutes()}, ${d.getUTCSeconds()}, ${d.getUTCMilliseconds() * 1_000_000}, time.Local)`;
}

function goBoolPointer(v: unknown): string {
  return typeof v === 'boolean' ? '(*bool)(0xc000000000)' : '(*bool)(nil)';
}

/** A metav1.ObjectMeta value as `%#v` prints it (pointers inside print as an address). */
export function goObjectMeta(meta: unknown): string {
  const m = obj(meta);
  const refs = objs(m['ownerReferences']);
  const owners = refs.length === 0 ? '[]v1.OwnerReference(nil)' : `[]v1.OwnerReference{${refs.map((r) =>
    `v1.OwnerReference{APIVersion:${goQuote(str(r['apiVersion']))}, Kind:${goQuote(str(r['kind']))}, Name:${goQuote(str(r['name']))}, UID:${goQuote(str(r['uid']))}, Controller:${goBoolPointer(r['controller'])}, BlockOwnerDeletion:${goBoolPointer(r['blockOwnerDeletion'])}}`).join(', ')}}`;
  const generation = typeof m['generation'] === 'number' ? m['generation'] : 0;
  const deletion = isNil(m['deletionTimestamp']) ? '<nil>' : goTime(m['deletionTimestamp']);
  const grace = typeof m['deletionGracePeriodSeconds'] === 'number' ? '(*int64)(0xc000000000)' : '(*int64)(nil)';
  const managed = Array.isArray(m['managedFields']) && m['managedFields'].length > 0 ? `[]v1.ManagedFieldsEntry{...}` : '[]v1.ManagedFieldsEntry(nil)';
  return `v1.ObjectMeta{Name:${goQuote(str(m['name']))}, GenerateName:${goQuote(str(m['generateName']))}, Namespace:${goQuote(str(m['namespace']))}, ` +
    `SelfLink:${goQuote(str(m['selfLink']))}, UID:${goQuote(str(m['uid']))}, ResourceVersion:${goQuote(str(m['resourceVersion']))}, Generation:${generation}, ` +
    `CreationTimestamp:${goTime(m['creationTimestamp'])}, DeletionTimestamp:${deletion}, DeletionGracePeriodSeconds:${grace}, ` +
    `Labels:${goStringMap(m['labels'])}, Annotations:${goStringMap(m['annotations'])}, OwnerReferences:${owners}, ` +
    `Finalizers:${goStringSlice(m['finalizers'])}, ManagedFields:${managed}}`;
}

const OBJECT_META_FIELDS = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers'];

/** Semantic.DeepEqual(metav1.ObjectMeta{}, meta) with managedFields (and optionally namespace) cleared. */
export function isEmptyMeta(meta: unknown, ignore: readonly string[]): boolean {
  const m = obj(meta);
  for (const [k, v] of Object.entries(m)) {
    // fields ObjectMeta does not have are dropped by the decoder
    if (!OBJECT_META_FIELDS.includes(k) || ignore.includes(k)) continue;
    if (isNil(v) || v === '' || v === 0) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (isObj(v) && Object.keys(v).length === 0) continue;
    return false;
  }
  return true;
}
