// The field manager kube-apiserver runs on every write (apimachinery's managedfields FieldManager
// and its chain of wrappers), as two pure functions over objects:
//
//   update(live, new, manager, opts)  — create/update/non-apply patch: ownership of what changed
//                                       moves to `manager` (operation Update, per subresource).
//   apply(live, applied, manager, opts) — server-side apply: merge, prune what the applier
//                                       dropped, 409 on conflicts unless forced.
//
// Both read and write metadata.managedFields. The wrappers are upstream's, innermost last:
// last-applied annotation sync and the client-side-apply upgrade (manager "kubectl" only),
// tracking from the first apply ("before-first-apply") for objects nobody tracked, the cap on
// Update entries ("ancient-changes"), manager identifiers, timestamps from the injected clock,
// and stripping of apiVersion/kind/metadata identity fields from every set.
import type { Clock } from '../../lib/clock.ts';
import { NodeletError } from '../../lib/errors.ts';
import { compareObjects } from './compare.ts';
import { ApplyConflictError } from './conflicts.ts';
import { FieldSet, fieldSetOf } from './field-set.ts';
import { goJSON } from './go-format.ts';
import type { Managed, ManagedFieldsEntry } from './managed-fields.ts';
import {
  copyManaged, decodeManagedFields, emptyManaged, encodeManagedFields, formatTime, managerIdentifier,
} from './managed-fields.ts';
import { makePath } from './path.ts';
import type { TypeRef } from './type-info.ts';
import type { ManagedSets } from './updater.ts';
import { applyManagedSets, updateManagedSets } from './updater.ts';
import { validateObject } from './validate.ts';
import { cloneValue, compareStrings, equalValues, isMap } from './value.ts';

export type KubeObject = Record<string, unknown>;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The Update entry that takes what existed when an untracked object is first applied to. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';
/** The Update entry (one per API version) that the oldest Update entries are merged into. */
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';
/** kubectl's client-side apply writes with this manager (operation Update). */
export const CLIENT_SIDE_APPLY_MANAGER = 'kubectl-client-side-apply';
export const DEFAULT_MAX_UPDATE_MANAGERS = 10;
/** apimachinery's TotalAnnotationSizeLimitB: a bigger last-applied annotation is dropped. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
// The workflow name the set-level update runs under, so any previous entry of the same manager
// is treated like any other manager and merged back afterwards (managedFieldsUpdater).
const CURRENT_OPERATION = 'current-operation';
// Only kubectl's default manager upgrades from, and keeps in sync with, client-side apply.
const KUBECTL = 'kubectl';

/** Fields no manager owns: identity and bookkeeping of the object (stripMetaManager). */
const STRIPPED = FieldSet.of(
  makePath('apiVersion'), makePath('kind'), makePath('metadata'),
  makePath('metadata', 'name'), makePath('metadata', 'namespace'), makePath('metadata', 'creationTimestamp'),
  makePath('metadata', 'selfLink'), makePath('metadata', 'uid'), makePath('metadata', 'clusterName'),
  makePath('metadata', 'generation'), makePath('metadata', 'managedFields'), makePath('metadata', 'resourceVersion'),
);

export interface FieldManagerOptions {
  /** The root type of the kind at the served version. */
  readonly type: TypeRef;
  readonly clock: Pick<Clock, 'now'>;
  /** The endpoint's group/version (e.g. `apps/v1`); defaults to the objects' apiVersion. */
  readonly apiVersion?: string;
  /** The endpoint's kind; defaults to the objects' kind. */
  readonly kind?: string;
  /** '' (or absent) for the main resource, else `status`, `scale`, ... */
  readonly subresource?: string;
  /** The strategy's reset fields for this endpoint (GetResetFields): never owned through it. */
  readonly resetFields?: FieldSet;
  /**
   * The kind's zero object, which stands for "no object yet" on create (Go's empty typed object
   * turned unstructured, e.g. `{ metadata: { creationTimestamp: null }, spec: { containers: null } }`).
   * Whether a container field existed before decides whether it gets a `.` entry; `{}` if absent.
   */
  readonly emptyObject?: KubeObject;
  /** Update entries kept before the oldest are merged (default 10). */
  readonly maxUpdateManagers?: number;
}

export interface UpdateOptions extends FieldManagerOptions {
  /** Called when managedFields could not be computed (the result then has none, as upstream). */
  readonly onError?: (err: unknown) => void;
}

export interface ApplyOptions extends FieldManagerOptions {
  /** Take conflicting fields from their owners instead of failing (`?force=true`). */
  readonly force?: boolean;
}

/** An apply request the field manager refuses (400 Bad Request, upstream's messages). */
export class ApplyRequestError extends NodeletError {
  constructor(message: string, cause?: unknown) {
    super('APPLY_BAD_REQUEST', message, cause === undefined ? { reason: 'BadRequest' } : { reason: 'BadRequest', cause });
  }
}

/** An apply that cannot be computed from what is stored (upstream answers 500 with the message). */
export class ApplyFailedError extends NodeletError {
  constructor(message: string, cause: unknown) {
    super('APPLY_FAILED', message, { cause });
  }
}

interface Context {
  readonly type: TypeRef;
  readonly now: () => number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly subresource: string;
  readonly reset: FieldSet | undefined;
  readonly empty: KubeObject;
  readonly maxUpdateManagers: number;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function metadataOf(obj: unknown): Record<string, unknown> | undefined {
  if (!isMap(obj)) return undefined;
  const md = obj.metadata;
  return isMap(md) ? md : undefined;
}

function context(opts: FieldManagerOptions, ...objects: (KubeObject | undefined)[]): Context {
  const from = (key: string): string => objects.map((o) => str(o?.[key])).find((s) => s !== '') ?? '';
  return {
    type: opts.type,
    now: () => opts.clock.now(),
    apiVersion: opts.apiVersion ?? from('apiVersion'),
    kind: opts.kind ?? from('kind'),
    subresource: opts.subresource ?? '',
    reset: opts.resetFields,
    empty: opts.emptyObject ?? {},
    maxUpdateManagers: opts.maxUpdateManagers ?? DEFAULT_MAX_UPDATE_MANAGERS,
  };
}

/** The object without metadata.managedFields (a copy). */
function withoutManagedFields(obj: unknown): KubeObject {
  const copy = (isMap(obj) ? cloneValue(obj) : {}) as KubeObject;
  const md = metadataOf(copy);
  if (md !== undefined) delete md.managedFields;
  return copy;
}

function withEntries(obj: KubeObject, entries: unknown): KubeObject {
  const md = metadataOf(obj);
  if (entries === undefined || entries === null) {
    if (md !== undefined) delete md.managedFields;
    return obj;
  }
  if (md === undefined) obj.metadata = { managedFields: entries };
  else md.managedFields = entries;
  return obj;
}

function withManaged(obj: KubeObject, managed: Managed): KubeObject {
  return withEntries(obj, encodeManagedFields(managed));
}

// --- decoding ----------------------------------------------------------------------------------

function decodeOrEmpty(entries: unknown): Managed {
  try {
    return decodeManagedFields(entries);
  } catch {
    return emptyManaged();
  }
}

/** isResetManagedFields: `[]` or `[{}]` in a write asks to drop all managedFields. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  if (entries.length !== 1) return false;
  const e: unknown = entries[0];
  return isMap(e) && Object.values(e).every((v) => v === undefined || v === null || v === '');
}

/**
 * decodeLiveOrNew: a write may set managedFields itself (kept when they decode and are not empty);
 * otherwise, and always on subresources, the live object's entries count.
 */
function decodeLiveOrNew(live: KubeObject, next: KubeObject, isSubresource: boolean): Managed {
  const liveEntries = metadataOf(live)?.managedFields;
  if (isSubresource) return decodeOrEmpty(liveEntries);
  const newEntries = metadataOf(next)?.managedFields;
  if (isReset(newEntries)) return emptyManaged();
  try {
    const m = decodeManagedFields(newEntries);
    return m.fields.size === 0 ? decodeOrEmpty(liveEntries) : m;
  } catch {
    return decodeOrEmpty(liveEntries);
  }
}

// --- the chain, innermost first ------------------------------------------------------------------

function strip(sets: ManagedSets, id: string): void {
  const vs = sets.get(id);
  if (vs === undefined) return;
  const set = vs.set.difference(STRIPPED);
  if (set.empty()) sets.delete(id);
  else sets.set(id, { ...vs, set });
}

/** buildManagerInfo + managedFieldsUpdater + stripMeta + structured merge, for an Update. */
function updateEntry(live: unknown, next: unknown, managed: Managed, manager: string, ctx: Context): Managed {
  const id = managerIdentifier({
    manager: manager === '' ? 'unknown' : manager, operation: 'Update', apiVersion: ctx.apiVersion, subresource: ctx.subresource,
  });
  validateObject(live, ctx.type, { allowDuplicates: true });
  validateObject(next, ctx.type, { allowDuplicates: true });
  const sets = updateManagedSets(live, next, managed.fields, CURRENT_OPERATION, {
    type: ctx.type, apiVersion: ctx.apiVersion, ignored: ctx.reset,
  });
  strip(sets, CURRENT_OPERATION);
  const out: Managed = { fields: sets, times: new Map(managed.times) };
  const current = sets.get(CURRENT_OPERATION);
  if (current !== undefined) {
    // The operation changed something: merge with the manager's earlier entry and stamp the time.
    sets.delete(CURRENT_OPERATION);
    const previous = sets.get(id);
    sets.set(id, previous === undefined ? current : { ...current, set: current.set.union(previous.set) });
    out.times.set(id, formatTime(ctx.now()));
  }
  return out;
}

/** capManagersManager: the oldest Update entries merge into one bucket per API version. */
function capUpdateManagers(managed: Managed, max: number): Managed {
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return managed;
  const out = copyManaged(managed);
  const seconds = (id: string): number => {
    const t = out.times.get(id);
    return t === undefined ? 0 : Math.floor(Date.parse(t) / 1000);
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || compareStrings(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i] ?? '';
    const vs = out.fields.get(id);
    if (vs === undefined) continue;
    const time = out.times.get(id);
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!out.fields.has(bucket)) {
      const firstSet = out.fields.get(first);
      out.fields.delete(first);
      if (firstSet !== undefined) out.fields.set(bucket, firstSet);
    }
    const bucketSet = out.fields.get(bucket)?.set ?? FieldSet.EMPTY;
    out.fields.set(bucket, { set: vs.set.union(bucketSet), apiVersion: vs.apiVersion, applied: vs.applied });
    out.fields.delete(id);
    length--;
    // The bucket takes the time of the newer entry merged into it.
    out.times.set(bucket, time);
  }
  return out;
}

function hasUid(obj: KubeObject): boolean {
  return str(metadataOf(obj)?.uid) !== '';
}

/** skipNonApplied + capManagers around updateEntry. */
function updateChain(live: KubeObject, next: KubeObject, managed: Managed, manager: string, ctx: Context): Managed {
  // An existing object nobody tracked stays untracked until it is first applied to; creates are
  // always tracked (upstream's track-on-create probability is 1).
  if (managed.fields.size === 0 && hasUid(live)) return managed;
  return capUpdateManagers(updateEntry(live, next, managed, manager, ctx), ctx.maxUpdateManagers);
}

interface Applied {
  readonly object: KubeObject;
  readonly managed: Managed;
}

/** buildManagerInfo + managedFieldsUpdater + stripMeta + structured merge, for an Apply. */
function applyEntry(live: KubeObject, applied: KubeObject, managed: Managed, manager: string, force: boolean, ctx: Context): Applied {
  const id = managerIdentifier({ manager: manager === '' ? 'unknown' : manager, operation: 'Apply', subresource: ctx.subresource });
  const patchVersion = str(applied.apiVersion);
  if (patchVersion !== ctx.apiVersion) {
    throw new ApplyRequestError(`Incorrect version specified in apply patch. Specified patch version: ${patchVersion}, expected: ${ctx.apiVersion}`);
  }
  if (Array.isArray(metadataOf(applied)?.managedFields)) throw new ApplyRequestError('metadata.managedFields must be nil');
  validateObject(applied, ctx.type);
  validateObject(live, ctx.type, { allowDuplicates: true });
  const result = applyManagedSets(live, applied, managed.fields, id, force, {
    type: ctx.type, apiVersion: ctx.apiVersion, ignored: ctx.reset,
  });
  const sets = new Map(result.managers);
  strip(sets, id);
  const times = new Map(managed.times);
  // A no-op apply keeps the live object and leaves the times alone.
  if (result.object === undefined) return { object: withoutManagedFields(live), managed: { fields: sets, times } };
  times.set(id, formatTime(ctx.now()));
  return { object: withoutManagedFields(result.object), managed: { fields: sets, times } };
}

/** skipNonApplied: before the first apply to an untracked object, its fields go to before-first-apply. */
function applyTracked(live: KubeObject, applied: KubeObject, managed: Managed, manager: string, force: boolean, ctx: Context): Applied {
  let m = managed;
  if (m.fields.size === 0) {
    try {
      m = capUpdateManagers(updateEntry(ctx.empty, live, m, BEFORE_FIRST_APPLY_MANAGER, ctx), ctx.maxUpdateManagers);
    } catch (err) {
      throw new ApplyFailedError(`failed to create manager for existing fields: ${(err as Error).message}`, err);
    }
  }
  return applyEntry(live, applied, m, manager, force, ctx);
}

/**
 * lastAppliedManager: kubectl's first server-side apply over a client-side-applied object may
 * take the fields its last-applied annotation still agrees with the live object about.
 */
function applyUpgradingClientSide(live: KubeObject, applied: KubeObject, managed: Managed, manager: string, force: boolean, ctx: Context): Applied {
  try {
    return applyTracked(live, applied, managed, manager, force, ctx);
  } catch (err) {
    if (manager !== KUBECTL || !(err instanceof ApplyConflictError)) throw err;
    let allowed: FieldSet;
    try {
      allowed = allowedConflictsFromLastApplied(live, ctx);
    } catch {
      throw err;
    }
    const conflicting = FieldSet.of(...err.conflicts.map((c) => c.path));
    if (!conflicting.difference(allowed).empty()) {
      throw new ApplyConflictError(err.conflicts.filter((c) => !allowed.has(c.path)));
    }
    return applyTracked(live, applied, managed, manager, true, ctx);
  }
}

/** The fields the last-applied annotation set that still hold their value in the live object. */
function allowedConflictsFromLastApplied(live: KubeObject, ctx: Context): FieldSet {
  const annotations = metadataOf(live)?.annotations;
  const raw = isMap(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof raw !== 'string' || raw === '') throw new Error('no last applied annotation');
  const lastApplied = JSON.parse(raw) as unknown;
  if (!isMap(lastApplied)) throw new Error('failed to decode last applied obj');
  if (str(lastApplied.apiVersion) !== ctx.apiVersion) {
    throw new Error(`expected version of last applied to match live object '${ctx.apiVersion}', but got '${str(lastApplied.apiVersion)}'`);
  }
  validateObject(lastApplied, ctx.type);
  validateObject(live, ctx.type);
  const c = compareObjects(lastApplied, live, ctx.type);
  return fieldSetOf(lastApplied, ctx.type).difference(c.modified).difference(c.added).difference(c.removed);
}

function annotationsSize(a: Record<string, unknown>): number {
  let n = 0;
  for (const [k, v] of Object.entries(a)) n += Buffer.byteLength(k) + Buffer.byteLength(str(v));
  return n;
}

function withoutKey(m: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => k !== key));
}

/** buildLastApplied: the applied configuration without the annotation, as Go's JSON encoder writes it. */
export function buildLastApplied(applied: KubeObject): string {
  const obj = cloneValue(applied);
  const md = metadataOf(obj);
  if (md !== undefined && isMap(md.annotations)) {
    md.annotations = withoutKey(md.annotations, LAST_APPLIED_ANNOTATION);
  }
  return `${goJSON(obj)}\n`;
}

/** lastAppliedUpdater: kubectl's server-side applies keep the annotation current (for downgrades). */
function syncLastApplied(result: Applied, applied: KubeObject, manager: string): Applied {
  if (manager !== KUBECTL) return result;
  const md = metadataOf(result.object);
  const annotations = md?.annotations;
  if (md === undefined || !isMap(annotations) || str(annotations[LAST_APPLIED_ANNOTATION]) === '') return result;
  const next: Record<string, unknown> = { ...annotations, [LAST_APPLIED_ANNOTATION]: buildLastApplied(applied) };
  // SetLastApplied: an annotation that would make the annotations too big is left out.
  md.annotations = annotationsSize(next) > TOTAL_ANNOTATION_SIZE_LIMIT ? withoutKey(next, LAST_APPLIED_ANNOTATION) : next;
  return result;
}

function formatGVK(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return `${group}/${version}, Kind=${kind}`;
}

// --- the API -------------------------------------------------------------------------------------

/**
 * Records an Update by `manager` (create: `live` undefined). Returns `next` with its
 * managedFields set; never fails — when ownership cannot be computed (an object that does not
 * fit its type) the result has no managedFields, as in Kubernetes 1.32 (UpdateNoErrors).
 */
export function update(live: KubeObject | undefined, next: KubeObject, manager: string, opts: UpdateOptions): KubeObject {
  const ctx = context(opts, next, live);
  const liveObj = live ?? ctx.empty;
  const managed = decodeLiveOrNew(liveObj, next, ctx.subresource !== '');
  const obj = withoutManagedFields(next);
  try {
    return withManaged(obj, updateChain(liveObj, obj, managed, manager, ctx));
  } catch (err) {
    // Kubernetes 1.32 drops managedFields rather than store ones it could not compute (later
    // versions keep the live entries instead).
    opts.onError?.(err);
    return obj;
  }
}

/**
 * Server-side apply of `applied` by `manager` (create: `live` undefined). Returns the merged
 * object with managedFields; throws ApplyConflictError (409), ApplyRequestError (400),
 * InvalidObjectError (an object that does not fit its type) or ApplyFailedError (500).
 * The result is not defaulted: the caller defaults and validates it like any write.
 */
export function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, opts: ApplyOptions): KubeObject {
  const ctx = context(opts, live, applied);
  const liveObj = live ?? ctx.empty;
  let managed: Managed;
  try {
    managed = decodeManagedFields(metadataOf(liveObj)?.managedFields);
  } catch (err) {
    throw new ApplyFailedError(`failed to decode managed fields: ${(err as Error).message}`, err);
  }
  const appliedKind = str(applied.kind);
  const appliedVersion = str(applied.apiVersion);
  if (appliedKind !== ctx.kind || appliedVersion !== ctx.apiVersion) {
    throw new ApplyRequestError(`invalid object type: ${formatGVK(appliedVersion, appliedKind)}`);
  }
  const result = applyUpgradingClientSide(liveObj, applied, managed, manager, opts.force === true, ctx);
  const synced = syncLastApplied(result, applied, manager);
  return withManaged(synced.object, synced.managed);
}

/**
 * IgnoreManagedFieldsTimestampsTransformer: when a write changed nothing but managedFields
 * timestamps, keep the old timestamps so the write is a no-op (no spurious resourceVersion bump).
 */
export function ignoreManagedFieldsTimestamps(next: KubeObject, old: KubeObject): KubeObject {
  const newEntries = metadataOf(next)?.managedFields;
  const oldEntries = metadataOf(old)?.managedFields;
  if (!Array.isArray(newEntries) || !Array.isArray(oldEntries)) return next;
  if (newEntries.length !== oldEntries.length || newEntries.length === 0) return next;
  const times = (e: unknown): unknown => (isMap(e) ? e.time : undefined);
  if (newEntries.every((e, i) => equalValues(times(e), times(oldEntries[i])))) return next;
  const withoutTime = (e: unknown): unknown => {
    if (!isMap(e)) return e;
    const { time: _time, ...rest } = e;
    return rest;
  };
  if (!newEntries.every((e, i) => equalValues(withoutTime(e), withoutTime(oldEntries[i])))) return next;
  if (!equalValues(withoutManagedFields(next), withoutManagedFields(old))) return next;
  const out = cloneValue(next);
  const entries = metadataOf(out)?.managedFields as ManagedFieldsEntry[];
  entries.forEach((e, i) => {
    const t = times(oldEntries[i]);
    if (typeof t === 'string') e.time = t;
    else delete e.time;
  });
  return out;
}
