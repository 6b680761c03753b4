// metav1.LabelSelector on decoded JSON, as the apps validation and printers use it:
// LabelSelectorAsSelector (nil → selects nothing, no terms → selects everything, a bad key,
// value or operator → an error), Selector.Matches and Selector.String; ValidateLabelSelector's
// field errors are apiserver/api/label-selector-validation.ts's. Pure; never throws (apiserver/api/selectors.ts's parser
// answers 400s, which is right for a query string but not for a field of a stored object).
import { isQualifiedName, isValidLabelValue } from '../names.ts';
import { isNil, isObj, o, s, type Obj } from '../values.ts';

/** A map[string]string read from JSON: entries in insertion order, values as strings. */
function stringMap(v: unknown): [string, string][] {
  return Object.entries(o(v)).map(([k, val]) => [k, typeof val === 'string' ? val : String(val)]);
}

type Op = '=' | 'in' | 'notin' | 'exists' | '!';

interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

/** A parsed selector: 'nothing' (nil), or requirements ([] selects everything). */
export type Selector = { nothing: true } | { nothing: false; requirements: Requirement[] };

const OPS: Readonly<Record<string, Op>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

function requirementOk(key: string, op: Op, values: string[]): boolean {
  if (isQualifiedName(key).length > 0) return false;
  if ((op === 'in' || op === 'notin') && values.length === 0) return false;
  if (op === '=' && values.length !== 1) return false;
  if ((op === 'exists' || op === '!') && values.length !== 0) return false;
  return values.every((v) => isValidLabelValue(v).length === 0);
}

/** metav1.LabelSelectorAsSelector: undefined when the selector is not a valid one. */
export function selectorOf(sel: unknown): Selector | undefined {
  if (isNil(sel)) return { nothing: true };
  if (!isObj(sel)) return undefined;
  const ml = sel['matchLabels'];
  const me = sel['matchExpressions'];
  if (!isNil(ml) && !isObj(ml)) return undefined;
  if (!isNil(me) && !Array.isArray(me)) return undefined;
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(o(ml))) {
    if (typeof value !== 'string' || !requirementOk(key, '=', [value])) return undefined;
    requirements.push({ key, op: '=', values: [value] });
  }
  for (const e of Array.isArray(me) ? (me as unknown[]) : []) {
    if (!isObj(e)) return undefined;
    const op = OPS[s(e['operator'])];
    const key = e['key'];
    const rawValues = e['values'];
    if (op === undefined || typeof key !== 'string') return undefined;
    if (!isNil(rawValues) && !Array.isArray(rawValues)) return undefined;
    const values = Array.isArray(rawValues) ? (rawValues as unknown[]) : [];
    if (!values.every((v): v is string => typeof v === 'string') || !requirementOk(key, op, values)) return undefined;
    requirements.push({ key, op, values: [...values] });
  }
  return { nothing: false, requirements };
}

/** Selector.Empty(): selects everything (no requirements); the nil selector is not empty. */
export function selectorEmpty(sel: Selector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

/** Selector.Matches(labels.Set(labels)). */
export function selectorMatches(sel: Selector, labels: unknown): boolean {
  if (sel.nothing) return false;
  const set = new Map(stringMap(labels));
  return sel.requirements.every((r) => {
    const v = set.get(r.key);
    switch (r.op) {
      case '=':
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
      case 'exists': return v !== undefined;
      case '!': return v === undefined;
      default: return false;
    }
  });
}

/** Selector.String(): requirements sorted by key, values sorted; '' for nothing and everything. */
export function selectorString(sel: Selector): string {
  if (sel.nothing) return '';
  const text = (r: Requirement): string => {
    const values = [...r.values].sort().join(',');
    switch (r.op) {
      case '=': return `${r.key}=${r.values[0] ?? ''}`;
      case 'in': return `${r.key} in (${values})`;
      case 'notin': return `${r.key} notin (${values})`;
      case 'exists': return r.key;
      case '!': return `!${r.key}`;
      default: return '';
    }
  };
  return [...sel.requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(text).join(',');
}

/** metav1.FormatLabelSelector: `<error>` for an invalid selector, `<none>` for an empty string. */
export function formatLabelSelector(sel: unknown): string {
  const parsed = selectorOf(sel);
  if (parsed === undefined) return '<error>';
  const text = selectorString(parsed);
  return text === '' ? '<none>' : text;
}

/** labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when there are none. */
export function formatLabels(labels: unknown): string {
  const text = stringMap(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',');
  return text === '' ? '<none>' : text;
}

/** Whether a selector has any term (len(matchLabels) + len(matchExpressions) > 0). */
export function selectorHasTerms(sel: Obj): boolean {
  const ml = sel['matchLabels'];
  const me = sel['matchExpressions'];
  return (isObj(ml) && Object.keys(ml).length > 0) || (Array.isArray(me) && me.length > 0);
}

