// Label and field selectors as kube-apiserver parses and matches them (apimachinery pkg/labels,
// pkg/fields, and the per-kind field label conversions and selectable field sets). Pure.
import type { LabelSelector as LabelSelectorObject } from 'kubernetes-types/meta/v1.d.ts';
import { aggregateMessage, ApiError, fieldErrorString, fieldErrors, goQuote } from './errors.ts';
import type { FieldError } from './errors.ts';
import { isQualifiedName, isValidLabelValue } from '../../kube/names.ts';

// ---------------------------------------------------------------------------------------------
// Label selectors

export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted, deduplicated (sets.String.List()). */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined | null;

export interface LabelMatcher {
  /** Requirements sorted by key; empty means "everything". */
  readonly requirements: readonly LabelRequirement[];
  /** True for the Nothing selector (a nil metav1.LabelSelector). */
  readonly nothing: boolean;
  matches(labels: Labels): boolean;
}

function has(labels: Labels, key: string): labels is Readonly<Record<string, string>> {
  return labels !== null && labels !== undefined && Object.prototype.hasOwnProperty.call(labels, key);
}

export function requirementMatches(r: LabelRequirement, labels: Labels): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has(labels, r.key) && r.values.includes(labels[r.key] ?? '');
    case 'notin':
    case '!=':
      return !has(labels, r.key) || !r.values.includes(labels[r.key] ?? '');
    case 'exists':
      return has(labels, r.key);
    case '!':
      return !has(labels, r.key);
    case 'gt':
    case 'lt': {
      if (!has(labels, r.key) || r.values.length !== 1) return false;
      const lv = parseGoInt(labels[r.key] ?? '');
      const rv = parseGoInt(r.values[0] ?? '');
      if (lv === undefined || rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

function parseGoInt(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return v;
}

function matcher(requirements: LabelRequirement[], nothing = false): LabelMatcher {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    nothing,
    matches: (labels) => !nothing && sorted.every((r) => requirementMatches(r, labels)),
  };
}

/** Matches every object. */
export const EVERYTHING: LabelMatcher = matcher([]);
/** Matches no object. */
export const NOTHING: LabelMatcher = matcher([], true);

class SelectorSyntaxError extends Error {}

type Tok = 'err' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', in: 'in', '<': '<', '!=': '!=', notin: 'notin', '(': '(',
};

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecial(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

function lex(s: string): { tok: Tok; lit: string }[] {
  const items: { tok: Tok; lit: string }[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos] ?? '')) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    const ch = s[pos] ?? '';
    if (isSpecial(ch)) {
      let buffer = '';
      let last: { tok: Tok; lit: string } | undefined;
      while (pos < s.length) {
        const c = s[pos] ?? '';
        if (!isSpecial(c)) break;
        buffer += c;
        const t = STRING_TO_TOKEN[buffer];
        if (t !== undefined) {
          last = { tok: t, lit: buffer };
          pos++;
        } else if (last !== undefined) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'err', lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      while (pos < s.length) {
        const c = s[pos] ?? '';
        if (isSpecial(c) || isWhitespace(c)) break;
        buffer += c;
        pos++;
      }
      items.push({ tok: STRING_TO_TOKEN[buffer] ?? 'id', lit: buffer });
    }
  }
}

/** Validation of a requirement as labels.NewRequirement does; returns its aggregated error text. */
function requirementErrors(key: string, op: LabelOperator, values: string[]): string | undefined {
  const errs: FieldError[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(fieldErrors.invalid('key', key, keyErrs.join('; ')));
  if ((op === 'in' || op === 'notin') && values.length === 0) {
    errs.push(fieldErrors.invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
  }
  if (op === 'gt' || op === 'lt') {
    if (values.length !== 1) {
      errs.push(fieldErrors.invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
    }
    values.forEach((v, i) => {
      if (parseGoInt(v) === undefined) {
        errs.push(fieldErrors.invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
    });
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length > 0) errs.push(fieldErrors.invalid(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  return errs.length === 0 ? undefined : aggregateMessage(errs.map(fieldErrorString));
}

/**
 * Parses a label selector string (`app=web,tier!=db`, `env in (a,b)`, `!k`, `k`, `k>1`) exactly as
 * labels.Parse; a syntax or validation error throws ApiError 400 BadRequest with apimachinery's text.
 */
export function parseLabelSelector(selector: string): LabelMatcher {
  try {
    return matcher(parseRequirements(selector));
  } catch (err) {
    if (err instanceof SelectorSyntaxError) throw ApiError.badRequest(err.message);
    throw err;
  }
}

function parseRequirements(selector: string): LabelRequirement[] {
  const items = lex(selector);
  let position = 0;
  // In the Values context, 'in' and 'notin' are identifiers.
  const look = (values: boolean): { tok: Tok; lit: string } => {
    const it = items[position] ?? { tok: 'eos' as Tok, lit: '' };
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  };
  const consume = (values: boolean): { tok: Tok; lit: string } => {
    const it = look(values);
    position++;
    return it;
  };
  const fail = (msg: string): never => {
    throw new SelectorSyntaxError(msg);
  };

  const parseIdentifiersList = (): Set<string> => {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = consume(true);
      if (tok === 'id') {
        s.add(lit);
        const n = look(true);
        if (n.tok === ',') continue;
        if (n.tok === ')') return s;
        return fail(`found '${n.lit}', expected: ',' or ')'`);
      } else if (tok === ',') {
        if (s.size === 0) s.add('');
        const n = look(true);
        if (n.tok === ')') {
          s.add('');
          return s;
        }
        if (n.tok === ',') {
          consume(true);
          s.add('');
        }
      } else {
        return fail(`found '${lit}', expected: ',', or identifier`);
      }
    }
  };

  const parseValues = (): Set<string> => {
    const open = consume(true);
    if (open.tok !== '(') fail(`found '${open.lit}' expected: '('`);
    const { tok, lit } = look(true);
    if (tok === 'id' || tok === ',') {
      const s = parseIdentifiersList();
      if (consume(true).tok !== ')') fail(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === ')') {
      consume(true);
      return new Set(['']);
    }
    return fail(`found '${lit}', expected: ',', ')' or identifier`);
  };

  const parseExactValue = (): Set<string> => {
    const n = look(true);
    if (n.tok === 'eos' || n.tok === ',') return new Set(['']);
    const { tok, lit } = consume(true);
    if (tok === 'id') return new Set([lit]);
    return fail(`found '${lit}', expected: identifier`);
  };

  const parseRequirement = (): LabelRequirement => {
    let op: LabelOperator | undefined;
    let { tok, lit } = consume(true);
    if (tok === '!') {
      op = '!';
      ({ tok, lit } = consume(true));
    }
    if (tok !== 'id') fail(`found '${lit}', expected: identifier`);
    const key = lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) fail(fieldErrorString(fieldErrors.invalid('<nil>', key, keyErrs.join('; '))));
    const next = look(true).tok;
    if (next === 'eos' || next === ',') {
      op ??= 'exists';
    }
    if (op === 'exists' || op === '!') {
      const e = requirementErrors(key, op, []);
      if (e !== undefined) fail(e);
      return { key, operator: op, values: [] };
    }
    const o = consume(false);
    const opMap: Partial<Record<Tok, LabelOperator>> = { in: 'in', '=': '=', '==': '==', '>': 'gt', '<': 'lt', notin: 'notin', '!=': '!=' };
    const operator = opMap[o.tok];
    if (operator === undefined) return fail(`found '${o.lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    const values = [...(operator === 'in' || operator === 'notin' ? parseValues() : parseExactValue())].sort();
    const e = requirementErrors(key, operator, values);
    if (e !== undefined) fail(e);
    return { key, operator, values };
  };

  const reqs: LabelRequirement[] = [];
  for (;;) {
    const { tok, lit } = look(true);
    if (tok === 'id' || tok === '!') {
      try {
        reqs.push(parseRequirement());
      } catch (err) {
        if (err instanceof SelectorSyntaxError) throw new SelectorSyntaxError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const t = consume(true);
      if (t.tok === 'eos') return reqs;
      if (t.tok === ',') {
        const n = look(true);
        if (n.tok !== 'id' && n.tok !== '!') fail(`found '${n.lit}', expected: identifier after ','`);
      } else {
        fail(`found '${t.lit}', expected: ',' or 'end of string'`);
      }
    } else if (tok === 'eos') {
      return reqs;
    } else {
      fail(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }
}

/**
 * metav1.LabelSelectorAsSelector: matchLabels and matchExpressions (In, NotIn, Exists,
 * DoesNotExist) → matcher. `undefined`/`null` → NOTHING; `{}` → EVERYTHING. Invalid → 400.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelMatcher {
  if (sel === null || sel === undefined) return NOTHING;
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const e = requirementErrors(k, '=', [v]);
    if (e !== undefined) throw ApiError.badRequest(e);
    reqs.push({ key: k, operator: '=', values: [v] });
  }
  for (const expr of sel.matchExpressions ?? []) {
    let op: LabelOperator;
    switch (expr.operator) {
      case 'In': op = 'in'; break;
      case 'NotIn': op = 'notin'; break;
      case 'Exists': op = 'exists'; break;
      case 'DoesNotExist': op = '!'; break;
      default: throw ApiError.badRequest(`${goQuote(expr.operator)} is not a valid label selector operator`);
    }
    const values = [...new Set(expr.values ?? [])].sort();
    if ((op === 'exists' || op === '!') && values.length > 0) {
      throw ApiError.badRequest(fieldErrorString(
        fieldErrors.invalid('values', values, 'values set must be empty for exists and does not exist')));
    }
    const e = requirementErrors(expr.key, op, values);
    if (e !== undefined) throw ApiError.badRequest(e);
    reqs.push({ key: expr.key, operator: op, values });
  }
  return matcher(reqs);
}

// ---------------------------------------------------------------------------------------------
// Field selectors

export interface FieldTerm {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

export interface FieldMatcher {
  /** Terms in sorted order; empty means "everything". */
  readonly terms: readonly FieldTerm[];
  /** Matches a selectable field set (see selectableFields). */
  matchesFields(fields: Readonly<Record<string, string>>): boolean;
  /** Matches an object of the kind the selector was parsed for. */
  matches(obj: unknown): boolean;
  /** The value required by an `=` term on `field` (fields.Selector.RequiresExactMatch). */
  requiresExactMatch(field: string): string | undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw ApiError.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      throw ApiError.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    } else out += c;
  }
  if (inSlash) throw ApiError.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

function splitTerm(term: string): [string, '=' | '!=' | '==', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of ['!=', '==', '='] as const) {
      if (rest.startsWith(op)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Kinds whose field label conversion is custom (`field label not supported: X`), and their fields. */
const FIELD_LABELS: Record<string, readonly string[]> = {
  Pod: ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName',
    'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs',
    'status.nominatedNodeName', 'spec.host'],
  Node: ['metadata.name', 'spec.unschedulable'],
  Namespace: ['status.phase', 'metadata.name'],
  Service: ['metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type'],
  ReplicaSet: ['metadata.namespace', 'metadata.name', 'status.replicas'],
  Job: ['metadata.namespace', 'metadata.name', 'status.successful'],
  Secret: ['type', 'metadata.namespace', 'metadata.name'],
  Event: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason',
    'reportingComponent', 'source', 'type', 'metadata.namespace', 'metadata.name'],
};

/** scheme.ConvertFieldLabel for a kind: the (possibly renamed) field, or a 400 with kube's text. */
export function convertFieldLabel(kind: string, field: string): string {
  const custom = FIELD_LABELS[kind];
  if (custom === undefined) {
    if (field === 'metadata.name' || field === 'metadata.namespace') return field;
    throw ApiError.badRequest(
      `${goQuote(field)} is not a known field selector: only ${goQuote('metadata.name')}, ${goQuote('metadata.namespace')}`);
  }
  if (!custom.includes(field)) throw ApiError.badRequest(`field label not supported: ${field}`);
  return kind === 'Pod' && field === 'spec.host' ? 'spec.nodeName' : field;
}

/**
 * Parses a field selector as fields.ParseSelector then converts each term's field for `kind`
 * (the apiserver's list/watch handler order): syntax or unknown field → ApiError 400.
 */
export function parseFieldSelector(selector: string, kind: string): FieldMatcher {
  const parts = splitTerms(selector).sort();
  const raw: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (t === undefined) throw ApiError.badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, rhs] = t;
    raw.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
  }
  const terms = raw.map((t) => ({ ...t, field: convertFieldLabel(kind, t.field) }));
  const matchesFields = (fields: Readonly<Record<string, string>>): boolean =>
    terms.every((t) => ((fields[t.field] ?? '') === t.value) === (t.operator === '='));
  return {
    terms,
    matchesFields,
    matches: (obj) => matchesFields(selectableFields(kind, obj)),
    requiresExactMatch: (field) => terms.find((t) => t.field === field && t.operator === '=')?.value,
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

const CLUSTER_SCOPED = new Set(['Node', 'Namespace', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

/** The registry's ToSelectableFields for `kind`: field → string value (absent fields match ""). */
export function selectableFields(kind: string, obj: unknown): Record<string, string> {
  const o = rec(obj);
  const meta = rec(o['metadata']);
  const out: Record<string, string> = { 'metadata.name': str(meta['name']) };
  if (!CLUSTER_SCOPED.has(kind)) out['metadata.namespace'] = str(meta['namespace']);
  const spec = rec(o['spec']);
  const status = rec(o['status']);
  switch (kind) {
    case 'Pod': {
      const podIPs = Array.isArray(status['podIPs']) ? (status['podIPs'] as unknown[]) : [];
      Object.assign(out, {
        'spec.nodeName': str(spec['nodeName']),
        'spec.restartPolicy': str(spec['restartPolicy']),
        'spec.schedulerName': str(spec['schedulerName']),
        'spec.serviceAccountName': str(spec['serviceAccountName']),
        'spec.hostNetwork': spec['hostNetwork'] === true ? 'true' : 'false',
        'status.phase': str(status['phase']),
        'status.podIP': podIPs.length > 0 ? str(rec(podIPs[0])['ip']) : '',
        'status.nominatedNodeName': str(status['nominatedNodeName']),
      });
      break;
    }
    case 'Node':
      out['spec.unschedulable'] = spec['unschedulable'] === true ? 'true' : 'false';
      break;
    case 'Namespace':
      out['status.phase'] = str(status['phase']);
      break;
    case 'Secret':
      out['type'] = str(o['type']);
      break;
    case 'Service':
      out['spec.clusterIP'] = str(spec['clusterIP']);
      out['spec.type'] = str(spec['type']);
      break;
    case 'ReplicaSet':
      out['status.replicas'] = String(typeof status['replicas'] === 'number' ? status['replicas'] : 0);
      break;
    case 'Job':
      out['status.successful'] = String(typeof status['succeeded'] === 'number' ? status['succeeded'] : 0);
      break;
    case 'Event': {
      const io = rec(o['involvedObject']);
      const source = str(rec(o['source'])['component']);
      Object.assign(out, {
        'involvedObject.kind': str(io['kind']),
        'involvedObject.namespace': str(io['namespace']),
        'involvedObject.name': str(io['name']),
        'involvedObject.uid': str(io['uid']),
        'involvedObject.apiVersion': str(io['apiVersion']),
        'involvedObject.resourceVersion': str(io['resourceVersion']),
        'involvedObject.fieldPath': str(io['fieldPath']),
        reason: str(o['reason']),
        reportingComponent: str(o['reportingComponent']),
        source: source === '' ? str(o['reportingComponent']) : source,
        type: str(o['type']),
      });
      break;
    }
    default:
  }
  return out;
}

/** Convenience: does `obj` carry labels matching `sel`. */
export function matchesLabels(sel: LabelMatcher, obj: unknown): boolean {
  const labels = rec(rec(rec(obj)['metadata'])['labels']) as Record<string, string>;
  return sel.matches(labels);
}
