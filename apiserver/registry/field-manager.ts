// metadata.managedFields on every write of one kind, as kube-apiserver's fieldmanager does for each
// endpoint it installs: create, update and every non-apply patch record an Update by the request's
// manager (UpdateNoErrors: a write whose ownership cannot be computed is stored without
// managedFields); an apply merges by the schema and answers 409 on conflicts. The kube/apply
// engine does the work; this module knows the kind: its type (from the generated schemas,
// deduced for kinds they do not describe), its zero object, the reset fields of each endpoint
// (status through the main resource, spec through /status, for kinds with a status subresource),
// the /scale view of ownership, and how the engine's errors reach the client.
import type { Clock } from '../../lib/clock.ts';
import { InvalidObjectError } from '../../kube/apply/atoms.ts';
import { ApplyConflictError } from '../../kube/apply/conflicts.ts';
import { FieldSet } from '../../kube/apply/field-set.ts';
import { formatTime, type ManagedFieldsEntry } from '../../kube/apply/managed-fields.ts';
import { apply, ApplyFailedError, ApplyRequestError, ignoreManagedFieldsTimestamps, update, type FieldManagerOptions } from '../../kube/apply/manager.ts';
import { makePath } from '../../kube/apply/path.ts';
import { fromScaleManagedFields, SCALE_API_VERSION, toScaleManagedFields, type ReplicasPaths } from '../../kube/apply/scale.ts';
import { schemaTypeInfo, zeroObjectOf } from '../../kube/apply/schema-type-info.ts';
import { DEDUCED, type TypeRef } from '../../kube/apply/type-info.ts';
import { validateApplied } from '../../kube/apply/validate.ts';
import { equalValues } from '../../kube/apply/value.ts';
import { ApiError, fieldErrors, type FieldError } from '../api/errors.ts';
import type { KindDefinition, ScaleSpec } from '../kinds/kind.ts';
import type { KubeObject } from '../storage/types.ts';
import { isRecord } from './object-meta.ts';

/** The endpoint a write goes through: the main resource, /status or /scale. */
export type Endpoint = '' | 'status' | 'scale';

/** Who writes when an in-process caller names nobody (kube-apiserver's own writes carry its name). */
export const IN_PROCESS_MANAGER = 'kube-apiserver';

/** metav1 validation's FieldManagerMaxLength (bytes) and MaxSubresourceNameLength. */
export const FIELD_MANAGER_MAX_LENGTH = 128;
const MAX_SUBRESOURCE_NAME_LENGTH = 256;

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * ValidateFieldManager: at most 128 bytes, printable characters only (each other one an error
 * naming it as Go's %#U does, at its byte offset).
 */
export function fieldManagerProblems(fieldManager: string, field: string): FieldError[] {
  // the common case: printable ASCII and short enough
  if (fieldManager.length <= FIELD_MANAGER_MAX_LENGTH && /^[\x20-\x7e]*$/.test(fieldManager)) return [];
  const out: FieldError[] = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_LENGTH) out.push(fieldErrors.tooLong(field, FIELD_MANAGER_MAX_LENGTH));
  let offset = 0;
  for (const ch of fieldManager) {
    if (!PRINTABLE.test(ch)) {
      const code = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
      out.push(fieldErrors.invalid(field, fieldManager, `invalid character U+${code} (at position ${offset})`));
    }
    offset += Buffer.byteLength(ch);
  }
  return out;
}

/** ValidateManagedFields (part of ValidateObjectMeta): the entries a write stores. */
export function managedFieldsErrors(entries: unknown): FieldError[] {
  if (!Array.isArray(entries)) return [];
  const errs: FieldError[] = [];
  entries.forEach((raw: unknown, i) => {
    const e: Record<string, unknown> = isRecord(raw) ? raw : {};
    const at = `metadata.managedFields[${i}]`;
    const str = (k: string): string => (typeof e[k] === 'string' ? e[k] : '');
    const operation = str('operation');
    if (operation !== 'Apply' && operation !== 'Update') errs.push(fieldErrors.invalid(`${at}.operation`, operation, 'must be `Apply` or `Update`'));
    const fieldsType = str('fieldsType');
    if (fieldsType !== '' && fieldsType !== 'FieldsV1') errs.push(fieldErrors.invalid(`${at}.fieldsType`, fieldsType, 'must be `FieldsV1`'));
    errs.push(...fieldManagerProblems(str('manager'), `${at}.manager`));
    if (Buffer.byteLength(str('subresource')) > MAX_SUBRESOURCE_NAME_LENGTH) errs.push(fieldErrors.tooLong(`${at}.subresource`, MAX_SUBRESOURCE_NAME_LENGTH));
  });
  return errs;
}

/** schema.GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Service`. */
function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? `/${apiVersion}, Kind=${kind}` : `${apiVersion}, Kind=${kind}`;
}

/** objectGVKNN: `default/web; apps/v1, Kind=Deployment`. */
function objectGVKNN(obj: KubeObject): string {
  const m = isRecord(obj.metadata) ? obj.metadata : {};
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  return `${s(m['namespace'])}/${s(m['name'])}; ${gvkString(s(obj.apiVersion), s(obj.kind))}`;
}

/** A plain Go error on the apply path: kube answers 500 with the message and no reason. */
function internalError(message: string): ApiError {
  return new ApiError(500, '', message);
}

/** The apply engine's errors as kube-apiserver answers them. */
function applyError(err: unknown): unknown {
  if (err instanceof ApplyConflictError) {
    const status = err.toStatus();
    return new ApiError(409, 'Conflict', err.message, status.details);
  }
  if (err instanceof ApplyRequestError) return ApiError.badRequest(err.message);
  if (err instanceof ApplyFailedError) return internalError(err.message);
  return err;
}

/** How many create shapes a kind remembers. */
const CREATE_SHAPES = 32;

/** The metadata fields no manager owns (stripMetaManager): they do not change what a create records. */
const IDENTITY = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'resourceVersion']);

/** An object's content without its identity fields, as a cache key. */
function shapeOf(obj: KubeObject): string {
  const md = Object.fromEntries(Object.entries(obj.metadata ?? {}).filter(([k]) => !IDENTITY.has(k)));
  return JSON.stringify({ ...obj, metadata: md });
}

function metadataOf(obj: KubeObject): Record<string, unknown> {
  obj.metadata ??= {};
  return obj.metadata;
}

export class FieldManager {
  private typeRef: TypeRef | undefined;
  private scaleTypeRef: TypeRef | undefined;
  private zero: KubeObject | undefined;
  private readonly apiVersion: string;
  private readonly resets: Readonly<Record<'' | 'status', FieldSet | undefined>>;
  /** The managedFields a create of each recent shape recorded (see create). */
  private readonly creates = new Map<string, { entries: ManagedFieldsEntry[] | undefined }>();

  constructor(private readonly info: Pick<KindDefinition, 'group' | 'version' | 'kind' | 'subresources'>, private readonly clock: Pick<Clock, 'now'>) {
    this.apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
    // GetResetFields of the kind's strategies: with a status subresource, the main resource does
    // not write status and /status writes only status.
    const withStatus = info.subresources.some((s) => s.name === 'status');
    this.resets = withStatus
      ? { '': FieldSet.of(makePath('status')), status: FieldSet.of(makePath('spec')) }
      : { '': undefined, status: undefined };
  }

  /** The kind's root type at the served version (compiled once; deduced when no schema describes it). */
  private type(): TypeRef {
    this.typeRef ??= schemaTypeInfo.typeOf(this.apiVersion, this.info.kind) ?? DEDUCED;
    return this.typeRef;
  }

  private options(endpoint: '' | 'status'): FieldManagerOptions {
    const reset = this.resets[endpoint];
    this.zero ??= zeroObjectOf(this.apiVersion, this.info.kind);
    return {
      type: this.type(),
      clock: this.clock,
      apiVersion: this.apiVersion,
      kind: this.info.kind,
      subresource: endpoint,
      emptyObject: this.zero,
      ...(reset === undefined ? {} : { resetFields: reset }),
    };
  }

  /**
   * UpdateNoErrors: `next` with managedFields recording an Update by `manager` through the
   * endpoint (create: live undefined). A write whose ownership cannot be computed is stored
   * without managedFields, as Kubernetes 1.32 does.
   */
  update(live: KubeObject | undefined, next: KubeObject, manager: string, endpoint: '' | 'status'): KubeObject {
    const own = next.metadata?.['managedFields'];
    if (live === undefined) {
      if (own === undefined) return this.create(next, manager, endpoint);
    } else {
      const liveEntries = live.metadata?.['managedFields'];
      if ((own === undefined || equalValues(own, liveEntries)) && this.unchanged(live, next)) return this.withEntries(next, liveEntries);
    }
    return update(live, next, manager, this.options(endpoint));
  }

  /**
   * A create without managedFields of its own. Objects that differ only in the fields no manager
   * owns (name, namespace, uid, timestamps…) record the same entry but its time, so the engine's
   * result is kept per shape (a few, the last ones seen) and reused with the time of this write.
   */
  private create(next: KubeObject, manager: string, endpoint: '' | 'status'): KubeObject {
    const key = `${manager}\u0000${endpoint}\u0000${shapeOf(next)}`;
    const cached = this.creates.get(key);
    if (cached !== undefined) {
      const time = formatTime(this.clock.now());
      return this.withEntries(next, cached.entries?.map((e) => (e.time === undefined ? { ...e } : { ...e, time })));
    }
    const out: KubeObject = update(undefined, next, manager, this.options(endpoint));
    if (this.creates.size >= CREATE_SHAPES) this.creates.delete(this.creates.keys().next().value ?? '');
    const entries = out.metadata?.['managedFields'] as ManagedFieldsEntry[] | undefined;
    this.creates.set(key, { entries: entries?.map((e) => ({ ...e })) });
    return out;
  }

  /**
   * An update that changes nothing (managedFields aside) leaves every entry as it is: the engine
   * would decode the live entries, compare, find nothing and encode them again.
   */
  private unchanged(live: KubeObject, next: KubeObject): boolean {
    const strip = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...(o.metadata ?? {}), managedFields: undefined } });
    return equalValues(strip(live), strip(next));
  }

  private withEntries(obj: KubeObject, entries: unknown): KubeObject {
    const md = metadataOf(obj);
    if (entries === undefined || entries === null) delete md['managedFields'];
    else md['managedFields'] = entries;
    return obj;
  }

  /**
   * Server-side apply of `applied` (create: live undefined): the merged object, not yet
   * defaulted, with managedFields. Errors are kube's: 400 for a wrong kind, version or
   * managedFields in the configuration and for a configuration that does not fit the schema
   * (`failed to create typed patch object (ns/name; apps/v1, Kind=Deployment): .spec.foo: field
   * not declared in schema`: unknown fields are refused whatever fieldValidation says, as
   * structured-merge-diff refuses them; 1.32 answers 500 there), 409 for conflicts.
   */
  apply(live: KubeObject | undefined, applied: KubeObject, manager: string, endpoint: '' | 'status', force: boolean): KubeObject {
    return this.runApply(live, applied, manager, force, this.options(endpoint), this.type());
  }

  private runApply(live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, opts: FieldManagerOptions, type: TypeRef): KubeObject {
    const kind = typeof applied.kind === 'string' ? applied.kind : '';
    const apiVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
    // versionCheckManager and the structured merge's own checks come before typing the patch
    if (kind !== opts.kind || apiVersion !== opts.apiVersion) throw ApiError.badRequest(`invalid object type: ${gvkString(apiVersion, kind)}`);
    if (isRecord(applied.metadata) && Array.isArray(applied.metadata['managedFields'])) throw ApiError.badRequest('metadata.managedFields must be nil');
    try {
      validateApplied(applied, type);
    } catch (err) {
      // Kubernetes 1.32 answers this with a 500 (a plain error); it is the client's mistake, and
      // upstream's fix (kubernetes#139255) answers 400 with the same message, as here
      if (err instanceof InvalidObjectError) throw ApiError.badRequest(`failed to create typed patch object (${objectGVKNN(applied)}): ${err.message}`);
      throw err;
    }
    try {
      return apply(live, applied, manager, { ...opts, force });
    } catch (err) {
      if (err instanceof InvalidObjectError) throw internalError(`failed to create typed live object (${objectGVKNN(live ?? applied)}): ${err.message}`);
      throw applyError(err);
    }
  }

  /** IgnoreManagedFieldsTimestampsTransformer: a write that changes nothing else keeps the old times. */
  keepTimestamps(next: KubeObject, old: KubeObject): KubeObject {
    return ignoreManagedFieldsTimestamps(next, old);
  }

  // ---- /scale ----------------------------------------------------------------------------------

  private scaleOptions(): FieldManagerOptions {
    this.scaleTypeRef ??= schemaTypeInfo.typeOf(SCALE_API_VERSION, 'Scale') ?? DEDUCED;
    return {
      type: this.scaleTypeRef,
      clock: this.clock,
      apiVersion: SCALE_API_VERSION,
      kind: 'Scale',
      subresource: 'scale',
      emptyObject: zeroObjectOf(SCALE_API_VERSION, 'Scale'),
      // the status of a Scale is the parent's, never written through /scale
      resetFields: FieldSet.of(makePath('status')),
    };
  }

  private replicasPaths(spec: ScaleSpec): ReplicasPaths {
    return new Map([[this.apiVersion, makePath(...spec.specReplicasPath.split('.'))]]);
  }

  /** ScaleHandler.ToSubresource: the Scale view with the managedFields of its replicas. */
  scaleView(parent: KubeObject, scale: KubeObject, spec: ScaleSpec): KubeObject {
    let entries: ManagedFieldsEntry[] | undefined;
    try {
      entries = toScaleManagedFields(parent.metadata?.['managedFields'], this.replicasPaths(spec));
    } catch (err) {
      throw internalError(err instanceof Error ? err.message : String(err));
    }
    if (entries !== undefined) metadataOf(scale)['managedFields'] = entries;
    return scale;
  }

  /** The Scale after an update or non-apply patch through /scale by `manager`. */
  updateScale(oldScale: KubeObject, newScale: KubeObject, manager: string): KubeObject {
    return update(oldScale, newScale, manager, this.scaleOptions());
  }

  /** The Scale after an apply through /scale by `manager`. */
  applyScale(oldScale: KubeObject, applied: KubeObject, manager: string, force: boolean): KubeObject {
    const opts = this.scaleOptions();
    return this.runApply(oldScale, applied, manager, force, opts, opts.type);
  }

  /** ScaleHandler.ToParent: the parent's managedFields after a write of its Scale. */
  parentEntries(parent: KubeObject, newScale: KubeObject, spec: ScaleSpec): ManagedFieldsEntry[] | undefined {
    try {
      return fromScaleManagedFields(parent.metadata?.['managedFields'], newScale.metadata?.['managedFields'], this.apiVersion, this.replicasPaths(spec));
    } catch (err) {
      throw internalError(err instanceof Error ? err.message : String(err));
    }
  }
}
