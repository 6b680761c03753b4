// Query parameters, decoded the way kube-apiserver's parameter codec decodes them into ListOptions,
// DeleteOptions, PodLogOptions and PodExecOptions (apimachinery runtime/conversion.go):
// - a boolean is false only when absent, "0" or any case of "false"; every other value, the empty
//   string included, is true (so the Python client's `watch=True` and `stdout=False` mean what
//   they say, and `?watch` alone starts a watch);
// - an integer is Go's strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, nothing
//   else; a bad one is a 400 whose message is strconv's own error;
// - only the first value of a repeated parameter counts, except for lists (command, dryRun).
// Every verb reads its parameters through this module, so they are decoded one way.
import { ApiError, goQuote } from '../api/errors.ts';
import { FIELD_MANAGER_MAX_LENGTH, fieldManagerProblems, PRINTABLE } from '../registry/field-manager.ts';
import type { FieldValidation } from '../registry/resource-store.ts';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** strconv.ParseInt(s, 10, 64); the error text is Go's. */
export function parseInt64(text: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) throw ApiError.badRequest(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`);
  const v = BigInt(text);
  if (v > INT64_MAX || v < INT64_MIN) throw ApiError.badRequest(`strconv.ParseInt: parsing ${goQuote(text)}: value out of range`);
  return v;
}

/** A parameter's boolean value as upstream's Convert_Slice_string_To_bool reads it. */
export function parseQueryBool(text: string): boolean {
  return !(text === '0' || text.toLowerCase() === 'false');
}

/** Typed access to one request's query string. */
export class Query {
  constructor(readonly params: URLSearchParams) {}

  static of(search: string | URLSearchParams): Query {
    return new Query(typeof search === 'string' ? new URLSearchParams(search) : search);
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** The first value, or undefined when the parameter is absent. */
  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  /** Every value, in order (command, dryRun). */
  strings(name: string): string[] {
    return this.params.getAll(name);
  }

  /** false when absent. */
  bool(name: string): boolean {
    const v = this.params.get(name);
    return v !== null && parseQueryBool(v);
  }

  /** undefined when absent (a *bool field). */
  optionalBool(name: string): boolean | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : parseQueryBool(v);
  }

  /**
   * An int64 parameter, undefined when absent. Present but empty is a syntax error, as upstream.
   * Values beyond 2^53 lose precision; every caller clamps them to its own range first.
   */
  int(name: string): number | undefined {
    const v = this.params.get(name);
    if (v === null) return undefined;
    return Number(parseInt64(v));
  }
}

export type ResourceVersionMatch = 'Exact' | 'NotOlderThan';

/** metav1.ListOptions as list and watch read them. */
export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  watch: boolean;
  allowWatchBookmarks: boolean;
  resourceVersion: string;
  resourceVersionMatch?: ResourceVersionMatch;
  /** Seconds; undefined when absent. */
  timeoutSeconds?: number;
  limit?: number;
  continue?: string;
  sendInitialEvents?: boolean;
}

/** Decodes and validates ListOptions (internalversion/validation.ValidateListOptions). */
export function listQuery(q: Query, watchFromPath: boolean): ListQuery {
  const out: ListQuery = {
    watch: watchFromPath || q.bool('watch'),
    allowWatchBookmarks: q.bool('allowWatchBookmarks'),
    resourceVersion: q.string('resourceVersion') ?? '',
  };
  const ls = q.string('labelSelector');
  if (ls !== undefined) out.labelSelector = ls;
  const fs = q.string('fieldSelector');
  if (fs !== undefined) out.fieldSelector = fs;
  const timeout = q.int('timeoutSeconds');
  if (timeout !== undefined) out.timeoutSeconds = timeout;
  const limit = q.int('limit');
  if (limit !== undefined) out.limit = limit;
  const cont = q.string('continue');
  if (cont !== undefined && cont !== '') out.continue = cont;
  const sie = q.optionalBool('sendInitialEvents');
  if (sie !== undefined) out.sendInitialEvents = sie;
  const match = q.string('resourceVersionMatch') ?? '';
  const problems = out.watch ? watchProblems(out, match) : listProblems(out, match);
  if (problems.length > 0) throw ApiError.invalid('ListOptions', '', problems, 'meta.k8s.io');
  if (match !== '') out.resourceVersionMatch = match as ResourceVersionMatch;
  return out;
}

type Problem = Parameters<typeof ApiError.invalid>[2][number];

function forbidden(field: string, detail: string): Problem {
  return { type: 'FieldValueForbidden', field, detail };
}

function notSupported(field: string, value: string, allowed: string[]): Problem {
  return { type: 'FieldValueNotSupported', field, badValue: value, detail: `supported values: ${allowed.map((a) => goQuote(a)).join(', ')}` };
}

function listProblems(o: ListQuery, match: string): Problem[] {
  const out: Problem[] = [];
  if (match !== '') {
    if (o.resourceVersion === '') out.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue !== undefined) out.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') out.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0') out.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) out.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return out;
}

function watchProblems(o: ListQuery, match: string): Problem[] {
  const out: Problem[] = [];
  if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    out.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match !== '') {
    if (o.sendInitialEvents === undefined) out.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') out.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (o.continue !== undefined) out.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return out;
}

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/** dryRun as every write takes it: only "All" is known (ValidateDryRun: 422 on the verb's options kind). */
export function dryRunQuery(values: readonly string[], kind: OptionsKind): boolean {
  if (values.some((d) => d !== 'All')) {
    throw ApiError.invalid(kind, '', [{ type: 'FieldValueNotSupported', field: 'dryRun', badValue: [...values], detail: 'supported values: "All"' }], 'meta.k8s.io');
  }
  return values.length > 0;
}

/**
 * fieldValidation as create, update and patch take it (ValidateFieldValidation, then the
 * handlers' fieldValidation()): absent or empty is Warn; anything but Ignore, Warn and Strict
 * (case-sensitive) is a 422 on the verb's options kind.
 */
export function fieldValidationQuery(value: string | undefined, kind: Exclude<OptionsKind, 'DeleteOptions'>): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
  throw ApiError.invalid(kind, '', [notSupported('fieldValidation', value, ['', 'Ignore', 'Strict', 'Warn'])], 'meta.k8s.io');
}

/**
 * prefixFromUserAgent: the User-Agent up to its first `/`, without unprintable characters, cut
 * to the field manager's 128 bytes (`kubectl/v1.32.0 (linux/amd64) kubernetes/...` → `kubectl`).
 */
export function prefixFromUserAgent(userAgent: string | undefined): string {
  const head = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!PRINTABLE.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** managerOrUserAgent: the fieldManager parameter, else the User-Agent's prefix. */
export function managerOrUserAgent(fieldManager: string, userAgent: string | undefined): string {
  return fieldManager !== '' ? fieldManager : prefixFromUserAgent(userAgent);
}

/** The options of a create, update or patch as the handler decodes and validates them. */
export interface WriteQuery {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** The fieldManager parameter ('' when absent). */
  fieldManager: string;
  /** PatchOptions.force (apply only; undefined when absent). */
  force?: boolean;
}

/**
 * Create/Update/PatchOptions from the query, validated as ValidateCreateOptions,
 * ValidateUpdateOptions and ValidatePatchOptions do: every problem in one 422 on the options kind
 * (`PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply
 * patch`). `apply` is the patch type's: force only with apply, and apply requires a fieldManager.
 */
export function writeQuery(q: Query, kind: Exclude<OptionsKind, 'DeleteOptions'>, apply = false): WriteQuery {
  const problems: Problem[] = [];
  const fieldManager = q.string('fieldManager') ?? '';
  const force = q.optionalBool('force');
  if (kind === 'PatchOptions') {
    if (!apply && force !== undefined) problems.push(forbidden('force', 'may not be specified for non-apply patch'));
    if (apply && fieldManager === '') problems.push({ type: 'FieldValueRequired', field: 'fieldManager', badValue: '', detail: 'is required for apply patch' });
  }
  problems.push(...fieldManagerProblems(fieldManager, 'fieldManager'));
  const dryRunValues = q.strings('dryRun');
  if (dryRunValues.some((d) => d !== 'All')) {
    problems.push({ type: 'FieldValueNotSupported', field: 'dryRun', badValue: [...dryRunValues], detail: 'supported values: "All"' });
  }
  const fv = q.string('fieldValidation') ?? '';
  if (fv !== '' && fv !== 'Ignore' && fv !== 'Warn' && fv !== 'Strict') problems.push(notSupported('fieldValidation', fv, ['', 'Ignore', 'Strict', 'Warn']));
  if (problems.length > 0) throw ApiError.invalid(kind, '', problems, 'meta.k8s.io');
  const out: WriteQuery = { dryRun: dryRunValues.length > 0, fieldValidation: fv === '' ? 'Warn' : fv as FieldValidation, fieldManager };
  if (force !== undefined) out.force = force;
  return out;
}

/** The upper bound, in seconds, that timers built from client-given durations are clamped to. */
export const MAX_TIMER_SECONDS = 2_000_000; // setTimeout's limit is 2^31-1 ms (~24.8 days)
