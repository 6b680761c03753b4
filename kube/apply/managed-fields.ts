// metadata.managedFields on the wire and in memory, as apimachinery's managedfields package
// keeps them: one entry per manager identifier — the JSON of {manager, operation, apiVersion (for
// Update only), subresource} — holding a field set, its API version, whether it was applied, and
// a time. Encoding sorts the entries as kube-apiserver does (operation, time, manager, version,
// subresource) so objects written here read identically to kube's.
import { NodeletError } from '../../lib/errors.ts';
import { FieldSet } from './field-set.ts';
import { goJSONString, goQuote } from './go-format.ts';
import { compareStrings, isMap } from './value.ts';

/** A managedFields entry as stored in objects (metav1.ManagedFieldsEntry). */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

export type Operation = 'Apply' | 'Update';

/** A manager's fields at an API version (upstream's fieldpath.VersionedSet). */
export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** Operation Apply (true) or Update. */
  readonly applied: boolean;
}

/** Decoded managedFields: sets and times by manager identifier. Treated as values: copy to change. */
export interface Managed {
  readonly fields: Map<string, VersionedSet>;
  /** RFC 3339 times (seconds); undefined where the entry has none. */
  readonly times: Map<string, string | undefined>;
}

/** managedFields that cannot be decoded (the message is upstream's). */
export class ManagedFieldsError extends NodeletError {
  constructor(message: string, cause?: unknown) {
    super('MANAGED_FIELDS_INVALID', message, cause === undefined ? { reason: 'BadRequest' } : { reason: 'BadRequest', cause });
  }
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

export function copyManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

export interface ManagerInfo {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/**
 * BuildManagerIdentifier: the JSON (Go field order, empty fields omitted) of the entry without
 * time and fields; appliers leave out the API version so they keep one entry across versions.
 */
export function managerIdentifier(info: ManagerInfo): string {
  const parts: string[] = [];
  if (info.manager !== '') parts.push(`"manager":${goJSONString(info.manager)}`);
  parts.push(`"operation":${goJSONString(info.operation)}`);
  if (info.operation !== 'Apply' && info.apiVersion !== undefined && info.apiVersion !== '') {
    parts.push(`"apiVersion":${goJSONString(info.apiVersion)}`);
  }
  if (info.subresource !== undefined && info.subresource !== '') parts.push(`"subresource":${goJSONString(info.subresource)}`);
  return `{${parts.join(',')}}`;
}

interface IdentifierFields {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
  time?: string;
}

function parseIdentifier(id: string): IdentifierFields | undefined {
  try {
    const v = JSON.parse(id) as unknown;
    if (!isMap(v)) return undefined;
    const str = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
    const out: IdentifierFields = {};
    const manager = str('manager');
    const operation = str('operation');
    const apiVersion = str('apiVersion');
    const subresource = str('subresource');
    const time = str('time');
    if (manager !== undefined) out.manager = manager;
    if (operation !== undefined) out.operation = operation;
    if (apiVersion !== undefined) out.apiVersion = apiVersion;
    if (subresource !== undefined) out.subresource = subresource;
    if (time !== undefined) out.time = time;
    return out;
  } catch {
    return undefined;
  }
}

/** metav1.Time's JSON: RFC 3339 in UTC with whole seconds. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Seconds since the epoch of a stored time, 0 when there is none (Go's Time.Unix of nil → 0). */
function unixSeconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function normalizeTime(time: unknown, index: number): string | undefined {
  if (time === undefined || time === null) return undefined;
  const ms = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(ms)) throw new ManagedFieldsError(`invalid time ${JSON.stringify(time)} in managed fields entry ${index}`);
  return formatTime(ms);
}

/** DecodeManagedFields: from the wire form, with upstream's checks and messages. */
export function decodeManagedFields(entries: unknown): Managed {
  const out = emptyManaged();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((raw: unknown, i) => {
    const e: Record<string, unknown> = isMap(raw) ? raw : {};
    const operation = e.operation;
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    const apiVersion = typeof e.apiVersion === 'string' ? e.apiVersion : '';
    if (apiVersion === '') throw new ManagedFieldsError('apiVersion must not be empty');
    const fieldsType = typeof e.fieldsType === 'string' ? e.fieldsType : '';
    if (fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${goQuote(fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier({
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation,
      apiVersion,
      subresource: typeof e.subresource === 'string' ? e.subresource : '',
    });
    let set: FieldSet;
    try {
      set = e.fieldsV1 === undefined || e.fieldsV1 === null ? FieldSet.EMPTY : FieldSet.fromFieldsV1(e.fieldsV1);
    } catch (err) {
      throw new ManagedFieldsError(`error decoding versioned set from entry ${i}: error decoding set: ${(err as Error).message}`, err);
    }
    out.fields.set(id, { set, apiVersion, applied: operation === 'Apply' });
    out.times.set(id, normalizeTime(e.time, i));
  });
  return out;
}

/** encodeManagedFields: the wire form, sorted as kube-apiserver sorts it; undefined when empty. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const info = parseIdentifier(id) ?? {};
    const entry: ManagedFieldsEntry = {};
    if (info.manager !== undefined && info.manager !== '') entry.manager = info.manager;
    const operation = vs.applied ? 'Apply' : info.operation;
    if (operation !== undefined && operation !== '') entry.operation = operation;
    if (vs.apiVersion !== '') entry.apiVersion = vs.apiVersion;
    const time = m.times.get(id);
    if (time !== undefined) entry.time = time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = vs.set.toFieldsV1();
    if (info.subresource !== undefined && info.subresource !== '') entry.subresource = info.subresource;
    entries.push(entry);
  }
  return sortManagedFieldsEntries(entries);
}

/** sortEncodedManagedFields: operation, then time (seconds), manager, API version, subresource. */
export function sortManagedFieldsEntries(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  const cmp = (a: string | undefined, b: string | undefined): number => compareStrings(a ?? '', b ?? '');
  return entries.sort((p, q) => {
    if (p.operation !== q.operation) return cmp(p.operation, q.operation);
    const ps = unixSeconds(p.time);
    const qs = unixSeconds(q.time);
    if (ps !== qs) return ps < qs ? -1 : 1;
    if (p.manager !== q.manager) return cmp(p.manager, q.manager);
    if (p.apiVersion !== q.apiVersion) return cmp(p.apiVersion, q.apiVersion);
    return cmp(p.subresource, q.subresource);
  });
}

/** printManager: how conflict messages name a manager, e.g. `"kubectl" using apps/v1`. */
export function printManager(id: string): string {
  const info = parseIdentifier(id);
  if (info === undefined) return goQuote(id);
  let s = goQuote(info.manager ?? '');
  if (info.subresource !== undefined && info.subresource !== '') s = `${s} with subresource ${goQuote(info.subresource)}`;
  if (info.operation === 'Update') {
    if (info.time === undefined) return `${s} using ${info.apiVersion ?? ''}`;
    return `${s} using ${info.apiVersion ?? ''} at ${formatTime(Date.parse(info.time))}`;
  }
  return s;
}
