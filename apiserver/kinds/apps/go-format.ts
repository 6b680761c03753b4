// Bad values as kube's field errors print them. field.Error renders a struct, a map or a slice
// with Go's `%#v` (a pointer is dereferenced first), so upstream's messages read
// `Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, …}` or
// `intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}`. These renderers build that text from the
// decoded JSON; `invalidGo`/`notSupportedGo` carry it as the error's value. A non-nil pointer
// nested inside a struct prints as an address in Go; a fixed one stands in for it here.
import { fieldErrors, goQuote, type FieldError } from '../../api/errors.ts';
import { isNil, isObj, o, s, stringMap } from './access.ts';

/** What Go prints for a non-nil pointer inside a struct (the address is not reproducible). */
const POINTER = '0xc000000000';

/** `map[string]string{"a":"b"}` (keys sorted, as fmt does), `map[string]string(nil)` when absent. */
export function goStringMap(v: unknown): string {
  if (!isObj(v)) return 'map[string]string(nil)';
  const entries = stringMap(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${entries.map(([k, val]) => `${goQuote(k)}:${goQuote(val)}`).join(', ')}}`;
}

/** `[]string{"a", "b"}`, `[]string(nil)` when absent. */
function goStringSlice(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${(v as unknown[]).map((x) => goQuote(typeof x === 'string' ? x : String(x))).join(', ')}}`;
}

/** A metav1.LabelSelector value: `v1.LabelSelector{MatchLabels:…, MatchExpressions:…}`. */
export function goLabelSelector(sel: unknown): string {
  const x = o(sel);
  const exprs = x['matchExpressions'];
  const exprText = Array.isArray(exprs)
    ? `[]v1.LabelSelectorRequirement{${(exprs as unknown[]).map((e) => {
      const r = o(e);
      return `v1.LabelSelectorRequirement{Key:${goQuote(s(r['key']))}, Operator:${goQuote(s(r['operator']))}, Values:${goStringSlice(r['values'])}}`;
    }).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(x['matchLabels'])}, MatchExpressions:${exprText}}`;
}

/** An intstr.IntOrString value: Type 0 for an int, 1 for a string; the zero value when absent. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  const n = typeof v === 'number' ? v : 0;
  return `intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`;
}

/** A pointer field inside a struct: `(*T)(nil)` or an address. */
export function goPointer(type: string, v: unknown): string {
  return isNil(v) ? `(*${type})(nil)` : `(*${type})(${POINTER})`;
}

/** A strategy struct `<type>{Type:"…", RollingUpdate:(*<ru>)(…)}`. */
export function goStrategy(type: string, rollingUpdateType: string, strategy: unknown): string {
  const x = o(strategy);
  return `${type}{Type:${goQuote(s(x['type']))}, RollingUpdate:${goPointer(rollingUpdateType, x['rollingUpdate'])}}`;
}

/** field.Invalid whose value is already rendered Go syntax. */
export function invalidGo(field: string, goValue: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: detail === '' ? goValue : `${goValue}: ${detail}`, omitValue: true };
}

/** field.NotSupported whose value is already rendered Go syntax. */
export function notSupportedGo(field: string, goValue: string, valid: readonly string[]): FieldError {
  const detail = fieldErrors.notSupported(field, '', valid).detail;
  return { type: 'FieldValueNotSupported', field, detail: detail === '' ? goValue : `${goValue}: ${detail}`, omitValue: true };
}

/** `[]uint8{0x7b, 0x7d}`: a byte slice as `%#v` prints it. */
function goBytes(bytes: Uint8Array): string {
  return `[]uint8{${[...bytes].map((b) => `0x${b.toString(16)}`).join(', ')}}`;
}

/** The runtime.Unknown a RawExtension field decodes to internally (ControllerRevision.data). */
export function goRawUnknown(v: unknown): string {
  const raw = Buffer.from(JSON.stringify(v ?? null), 'utf8');
  return `runtime.Unknown{TypeMeta:runtime.TypeMeta{APIVersion:"", Kind:""}, Raw:${goBytes(raw)}, ContentEncoding:"", ContentType:"application/json"}`;
}
