// The generic REST storage of one resource (kube's registry/generic Store): create with
// generated names, uids and timestamps; get/list with label and field selectors; updates with
// optimistic concurrency and a separate status subresource; patches retried on conflict;
// graceful deletion and finalizers; watches with selector-aware ADDED/DELETED transitions.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import { decodeJsonPatchOps, decoderForKind, duplicateFieldErrors, nestsDeeperThan, strictErrorMessage, type Decoder, type DuplicateTree, type StrictError } from '../../kube/schemas/decode.ts';
import { ApiError, fieldErrors, goQuote, type FieldError } from '../api/errors.ts';
import { decodeError, NESTING_ERROR, patchDecodeError } from '../api/json-types.ts';
import { goValue } from '../../kube/patch/patch.ts';
import { applyPatch, parseFieldSelector, parseLabelSelector, type PatchType } from '../machinery.ts';
import { groupVersion, qualifiedResource, storageKey, storagePrefix, type ResourceInfo } from '../resources.ts';
import { isStorageError, type KubeObject, type Storage, type StorageEvent, type StoredItem } from '../storage/types.ts';
import { FieldManager, IN_PROCESS_MANAGER, managedFieldsErrors } from './field-manager.ts';
import { deepClone, generateNameSuffix, isRecord, meta, rfc3339, sameContent } from './object-meta.ts';
import type { ReviewContext } from '../kinds/kind.ts';
import type { DeleteOptionsBody, Strategy } from './strategies.ts';
import type { WriteHooks } from './write-hooks.ts';

/** fieldValidation: what a write does with unknown and duplicate fields (all are pruned). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** What the request body's parser knew and dropped, for fieldValidation's checks. */
export interface BodyFacts {
  /** The keys a JSON body repeats. */
  duplicates?: DuplicateTree;
  /** A YAML body's repeated keys as goyaml words them: `line 12: key "paused" already set in map`. */
  yamlDuplicates?: readonly string[];
  /** The body was YAML: kube decodes it with its keys sorted (its YAML-to-JSON goes through a Go map). */
  yaml?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /**
   * Strict: an unknown or duplicate field refuses the write (400; 422 for a patch); Warn: one
   * warning each; Ignore, or undefined (in-process writers): they are dropped silently.
   */
  fieldValidation?: FieldValidation;
  /** The body's facts (create, update) or the patch's (patch). */
  body?: BodyFacts;
  /** Receives the warnings of the write (Warn), for the handler's Warning headers. */
  warnings?: string[];
  /**
   * The field manager the write is recorded for (the fieldManager parameter or the User-Agent's
   * prefix; '' is recorded as "unknown"); in-process writers that name none write as kube-apiserver.
   */
  manager?: string;
  /** Apply only: take conflicting fields from their managers (`?force=true`). */
  force?: boolean;
}

/** What a server-side apply did. */
export interface ApplyOutcome {
  object: KubeObject;
  /** The object did not exist: the apply created it (201). */
  created: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** '' or '0': the current state; 'N': see resourceVersionMatch. */
  resourceVersion?: string;
  /** Exact: the state at N; NotOlderThan (the default): any state at least as new as N. */
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ListOutcome {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** '' or undefined or '0': synthetic ADDED for the current state first; 'N': changes after N. */
  resourceVersion?: string;
  /** Overrides whether the current state comes first (sendInitialEvents). */
  sendInitialEvents?: boolean;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export interface ResourceWatch {
  stop(): void;
}

export type NamespacePhase = 'Active' | 'Terminating' | undefined;

export interface StoreContext {
  storage: Storage;
  clock: Clock;
  /** The phase of a namespace, or undefined when it does not exist. */
  namespacePhase(name: string): Promise<NamespacePhase>;
}

export interface DeleteOutcome {
  object: KubeObject;
  /** False when the object stays (graceful deletion or finalizers pending). */
  deleted: boolean;
}

const MAX_RETRIES = 16;
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export class ResourceStore {
  readonly strategy: Strategy;
  readonly qualified: string;
  /** The kind's schema-driven decoder: null until first used, undefined when no schema describes the kind. */
  private compiled: Decoder | undefined | null = null;
  /** metadata.managedFields of every write (kube's fieldmanager for this kind's endpoints). */
  readonly fields: FieldManager;
  /** The server's hooks on this resource's writes (write-hooks.ts); none for most kinds. */
  private hooks: WriteHooks = {};

  constructor(readonly info: ResourceInfo, private readonly ctx: StoreContext) {
    this.strategy = info.strategy;
    this.qualified = qualifiedResource(info);
    this.fields = new FieldManager(info, ctx.clock);
  }

  /** Attaches the server's hooks to this resource's writes (replacing any before). */
  setHooks(hooks: WriteHooks): void {
    this.hooks = hooks;
  }

  // ---- reads -----------------------------------------------------------------------------------

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const item = await this.ctx.storage.get(this.key(namespace, name));
    if (item === undefined) throw ApiError.notFound(this.gr(), name);
    return this.owned(item.object);
  }

  async list(namespace: string | undefined, options: ListOptions = {}): Promise<ListOutcome> {
    const match = this.matcher(options.labelSelector, options.fieldSelector);
    const prefix = this.prefix(namespace);
    const { items, revision } = await this.snapshot(prefix, options);
    let start = 0;
    let rv = revision;
    if (options.continue !== undefined && options.continue !== '') {
      const token = decodeContinue(options.continue);
      rv = token.rv;
      start = items.findIndex((i) => i.key > token.key);
      if (start < 0) start = items.length;
    }
    const selected: StoredItem[] = [];
    let next: string | undefined;
    for (let i = start; i < items.length; i++) {
      const item = items[i] as StoredItem;
      if (!match(item.object)) continue;
      if (options.limit !== undefined && options.limit > 0 && selected.length >= options.limit) {
        next = encodeContinue(rv, (selected[selected.length - 1] as StoredItem).key);
        break;
      }
      selected.push(item);
    }
    // storage's list items are the caller's own (the Storage contract; snapshot copies what it
    // takes from shared watch events): served as they are, not cloned again
    const outcome: ListOutcome = { items: selected.map((i) => this.owned(i.object)), resourceVersion: String(rv) };
    if (next !== undefined) outcome.continue = next;
    return outcome;
  }

  /**
   * The items a list reads. A resourceVersion newer than the store is a 504 with the
   * ResourceVersionTooLarge cause (a linearizable store cannot catch up to it); Exact at an older
   * one is rebuilt by undoing the newer events still in the watch history, or a 410 once they
   * have left it, as etcd answers a compacted revision.
   */
  private async snapshot(prefix: string, options: ListOptions): Promise<{ items: StoredItem[]; revision: number }> {
    const rvText = options.resourceVersion ?? '';
    const current = await this.ctx.storage.list(prefix);
    if (rvText === '' || rvText === '0' || (options.continue !== undefined && options.continue !== '')) return current;
    const wanted = parseResourceVersion(rvText);
    if (wanted > current.revision) throw ApiError.tooLargeResourceVersion(wanted, current.revision);
    // A limited list at N without a match was served at exactly N (the legacy paging contract).
    const exact = options.resourceVersionMatch === 'Exact' || (options.resourceVersionMatch === undefined && options.limit !== undefined && options.limit > 0);
    if (!exact || wanted === current.revision) return current;
    const newer: StorageEvent[] = [];
    try {
      this.ctx.storage.watch(prefix, wanted, (ev) => { if (ev.revision <= current.revision) newer.push(ev); }).stop();
    } catch (err) {
      if (isStorageError(err, 'Expired')) throw ApiError.gone('The resourceVersion for the provided list is too old.');
      throw err;
    }
    const byKey = new Map(current.items.map((i) => [i.key, i]));
    for (const ev of newer.reverse()) {
      if (ev.type === 'ADDED' || ev.prevObject === undefined) byKey.delete(ev.key);
      else byKey.set(ev.key, { key: ev.key, object: deepClone(ev.prevObject), revision: Number(ev.prevObject.metadata?.resourceVersion ?? 0) });
    }
    const items = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, revision: wanted };
  }

  // ---- writes ----------------------------------------------------------------------------------

  /** A create-only kind's answer (a review): defaulted and validated like a create, never stored. */
  review(body: KubeObject, ctx: ReviewContext, options: WriteOptions = {}): KubeObject {
    const review = this.info.review;
    if (review === undefined) throw ApiError.methodNotSupported(this.gr(), 'create');
    const obj = this.decode(deepClone(body), options);
    obj.apiVersion = groupVersion(this.info);
    obj.kind = this.info.kind;
    this.info.prepareForCreate(obj);
    const errs = this.info.validate(obj);
    if (errs.length > 0) throw this.invalid(obj.metadata?.name ?? '', errs);
    const out = review(obj, ctx) as KubeObject;
    out.apiVersion = groupVersion(this.info);
    out.kind = this.info.kind;
    return out;
  }

  // ---- writes (stored) ----------------------------------------------------------------------------------

  async create(namespace: string | undefined, body: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const obj = this.in(this.decode(deepClone(body), options));
    return this.insert(namespace, obj, options, (o) => this.fields.update(undefined, o, managerOf(options), ''));
  }

  /**
   * The create of a decoded object: generated name, uid and timestamps, the kind's defaults,
   * `track` (the field manager's Update; absent when an apply already recorded the write), the
   * kind's PrepareForCreate, validation, and the write.
   */
  private async insert(namespace: string | undefined, decoded: KubeObject, options: WriteOptions, track?: (obj: KubeObject) => KubeObject): Promise<KubeObject> {
    let obj = decoded;
    const m = meta(obj);
    this.checkNamespace(namespace, m.namespace);
    if (this.info.namespaced) m.namespace = namespace;
    else delete m.namespace;
    if ((m.name === undefined || m.name === '') && m.generateName !== undefined && m.generateName !== '') {
      m.name = `${m.generateName}${generateNameSuffix()}`;
    }
    if (m.name === undefined || m.name === '') {
      throw this.invalid('', [fieldErrors.required('metadata.name', 'name or generateName is required')]);
    }
    if (this.info.namespaced) await this.requireActiveNamespace(namespace ?? '');
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(this.ctx.clock.now());
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    const name = m.name;
    obj.apiVersion = groupVersion(this.info);
    obj.kind = this.info.kind;
    if (track !== undefined) {
      // upstream's decoder defaults the body before the field manager sees it
      this.info.defaults(obj);
      obj = track(obj);
    }
    this.info.prepareForCreate(obj);
    const errs = withManagedFieldsErrors(this.info.validate(obj), obj);
    if (errs.length > 0) throw this.invalid(name, errs);
    const txn = this.hooks.beginCreate?.(obj, options.dryRun === true);
    if (options.dryRun === true) {
      txn?.revert();
      if (await this.ctx.storage.get(this.key(namespace, name)) !== undefined) throw ApiError.alreadyExists(this.gr(), name);
      return this.out(obj);
    }
    obj = this.toStored(obj);
    try {
      const item = await this.ctx.storage.create(this.key(namespace, name), obj);
      txn?.commit();
      return this.owned(item.object);
    } catch (err) {
      txn?.revert();
      if (isStorageError(err, 'KeyExists')) throw ApiError.alreadyExists(this.gr(), name);
      throw err;
    }
  }

  /** PUT of the resource (subresource undefined) or of its status subresource. */
  async update(
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    subresource: 'status' | 'finalize' | undefined,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const incoming = this.in(this.decode(deepClone(body), options));
    const m = meta(incoming);
    if (m.name !== undefined && m.name !== '' && m.name !== name) {
      throw ApiError.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
    }
    this.checkNamespace(namespace, m.namespace);
    const wantRV = m.resourceVersion;
    if ((wantRV === undefined || wantRV === '') && !this.strategy.allowUnconditionalUpdate) {
      throw this.invalid(name, [fieldErrors.invalid('metadata.resourceVersion', wantRV ?? '', 'must be specified for an update')]);
    }
    const manager = managerOf(options);
    return this.guaranteedUpdate(namespace, name, options, (current) => {
      // a PUT's own uid is a precondition (rest.DefaultUpdatedObjectInfo): it must name this object
      const currentUid = typeof current.metadata?.uid === 'string' ? current.metadata.uid : '';
      if (m.uid !== undefined && m.uid !== '' && m.uid !== currentUid) {
        throw this.preconditionFailed(this.key(namespace, name), name, `UID in precondition: ${m.uid}, UID in object meta: ${currentUid}`);
      }
      if (wantRV !== undefined && wantRV !== '' && wantRV !== current.metadata?.resourceVersion) {
        throw ApiError.conflict(this.gr(), name);
      }
      const endpoint = subresource === 'status' ? 'status' : '';
      // namespaces/finalize only moves spec.finalizers: nobody's ownership changes
      const track = subresource === 'finalize' ? undefined : (next: KubeObject): KubeObject => this.fields.update(current, next, manager, endpoint);
      return this.merge(current, deepClone(incoming), subresource, track);
    });
  }

  async patch(
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    subresource: 'status' | undefined,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const pm = isRecord(patch) && isRecord(patch['metadata']) ? patch['metadata'] : {};
    const wantUID = typeof pm['uid'] === 'string' ? pm['uid'] : undefined;
    const patchErrors = this.patchStrictErrors(type, patch, options);
    const manager = managerOf(options);
    let warnings: string[] = [];
    const out = await this.guaranteedUpdate(namespace, name, options, (current) => {
      const cm = meta(current);
      if (wantUID !== undefined && wantUID !== '' && wantUID !== cm.uid) {
        throw ApiError.conflict(this.gr(), name, `Precondition failed: UID in precondition: ${wantUID}, UID in object meta: ${cm.uid ?? ''}`);
      }
      let patched: KubeObject;
      try {
        patched = applyPatch(type, deepClone(current), patch);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw ApiError.badRequest(err instanceof Error ? err.message : String(err));
      }
      // the patched object's resourceVersion is a precondition, whichever patch put it there
      // (a merge patch's metadata.resourceVersion, the JSON patch `kubectl apply --server-side`
      // sends when it moves client-side-apply ownership)
      const wantRV = patched.metadata?.resourceVersion;
      if (typeof wantRV === 'string' && wantRV !== '' && wantRV !== cm.resourceVersion) throw ApiError.conflict(this.gr(), name);
      warnings = this.decodePatched(type, patch, patched, patchErrors, options);
      const endpoint = subresource === 'status' ? 'status' : '';
      return this.merge(current, this.in(patched), subresource, (next) => this.fields.update(current, next, manager, endpoint));
    });
    options.warnings?.push(...warnings);
    return out;
  }

  /**
   * Server-side apply (PATCH with application/apply-patch+yaml) of the resource or its status:
   * the configuration is merged by the schema into the live object (or a new one: an apply
   * creates what does not exist, except through /status), conflicts with other managers are a
   * 409 unless forced, and the result is defaulted, prepared and validated like any update.
   * fieldValidation decides about the configuration's duplicate keys (its unknown fields are
   * always refused, as structured-merge-diff refuses them).
   */
  async apply(namespace: string | undefined, name: string, applied: KubeObject, subresource: 'status' | undefined, options: WriteOptions = {}): Promise<ApplyOutcome> {
    const manager = managerOf(options);
    const force = options.force === true;
    const endpoint = subresource ?? '';
    let created = false;
    const warnings: string[] = [];
    const merged = (live: KubeObject | undefined): KubeObject => {
      const obj = this.fields.apply(live, deepClone(applied), manager, endpoint, force);
      warnings.splice(0, warnings.length, ...appliedDuplicateWarnings(options));
      return this.decodeApplied(obj, applied);
    };
    const object = await this.guaranteedUpdate(namespace, name, options, (current) => {
      const next = merged(current);
      this.checkApplied(next, namespace, name);
      const rv = next.metadata?.resourceVersion;
      if (typeof rv === 'string' && rv !== '' && rv !== current.metadata?.resourceVersion) throw ApiError.conflict(this.gr(), name);
      return this.merge(current, next, subresource);
    }, subresource !== undefined ? undefined : async () => {
      const next = merged(undefined);
      const uid = next.metadata?.['uid'];
      if (typeof uid === 'string' && uid !== '') {
        throw ApiError.conflict(this.gr(), name, `uid mismatch: the provided object specified uid ${uid}, and no existing object was found`);
      }
      this.checkApplied(next, namespace, name);
      const out = await this.insert(namespace, next, options);
      created = true;
      return out;
    });
    options.warnings?.push(...warnings);
    return { object, created };
  }

  /**
   * The merged object as the typed object it becomes upstream: nulls are zero values, and what
   * the decoder refuses is upstream's conversion error (a 400 here, a 500 in 1.32: see
   * FieldManager.apply).
   */
  private decodeApplied(obj: KubeObject, applied: KubeObject): KubeObject {
    const decoder = this.decoder();
    if (decoder === undefined) return obj;
    const result = decoder.decode(obj, {});
    if (result.error !== undefined) {
      const m = isRecord(applied.metadata) ? applied.metadata : {};
      const s = (v: unknown): string => (typeof v === 'string' ? v : '');
      throw ApiError.badRequest(`failed to convert new object (${s(m['namespace'])}/${s(m['name'])}; ${this.info.group}/${this.info.version}, Kind=${this.info.kind}) to proper version: ${result.error.message}`);
    }
    return obj;
  }

  /** The applied object's namespace and name against the request's (patcher.applyPatch's checks). */
  private checkApplied(obj: KubeObject, namespace: string | undefined, name: string): void {
    const m = meta(obj);
    const expected = this.info.namespaced ? namespace ?? '' : '';
    const ns = m.namespace ?? '';
    if (ns === '' || expected === '') {
      if (expected === '') delete m.namespace;
      else m.namespace = expected;
    } else if (ns !== expected) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const objName = m.name ?? '';
    if (objName !== name) throw ApiError.badRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
  }

  /**
   * The strict errors of the patch itself (fieldValidation Strict or Warn): its repeated keys, and
   * for a JSON patch the unknown fields of its operations (`json patch unknown field "[0].foo"`);
   * a JSON patch whose operations have the wrong types is a 400, as upstream decodes them first.
   */
  private patchStrictErrors(type: PatchType, patch: unknown, options: WriteOptions): string[] {
    if ((options.fieldValidation ?? 'Ignore') === 'Ignore') return [];
    const dups = options.body?.duplicates;
    if (type !== 'json') return duplicateFieldErrors(dups).map(strictErrorMessage);
    if (!Array.isArray(patch)) return [];
    const ops = decodeJsonPatchOps(patch, dups);
    if (ops.error !== undefined) throw ApiError.badRequest(`error decoding patch: ${ops.error.message}`);
    return ops.strict.map((e) => `json patch ${strictErrorMessage(e)}`);
  }

  /**
   * The patched object as the patch handler decodes it: a type error is a 422 on "patch"; so are
   * strict errors (the patch's, then the unknown fields of the result) under Strict; under Warn
   * they are the warnings returned. Unknown fields are pruned (mutates patched).
   */
  private decodePatched(type: PatchType, patch: unknown, patched: KubeObject, patchErrors: readonly string[], options: WriteOptions): string[] {
    const mode = options.fieldValidation ?? 'Ignore';
    const badValue = (): string => (type === 'strategic' ? goValue(patch) : JSON.stringify(patched));
    const decoder = this.decoder();
    if (decoder === undefined) {
      if (nestsDeeperThan(patched)) throw patchDecodeError(badValue(), { message: NESTING_ERROR, field: '' });
      return [];
    }
    // merge and JSON patches are decoded from the patched map marshalled by Go (sorted keys);
    // a strategic merge patch's unknown fields come from the unstructured converter, sorted
    const result = decoder.decode(patched, { strict: mode !== 'Ignore', sortedKeys: type !== 'strategic', prune: mode !== 'Strict' });
    if (result.error !== undefined) throw patchDecodeError(badValue(), result.error);
    const found = type === 'strategic'
      ? result.strict.map((e) => `${e.type} "${e.path}"`).sort()
      : result.strict.map(strictErrorMessage);
    const all = [...patchErrors, ...found];
    if (all.length === 0) return [];
    if (mode === 'Strict') throw patchDecodeError(badValue(), { message: `strict decoding error: ${all.join(', ')}`, field: 'patch' });
    return all;
  }

  /**
   * Read-modify-write with compare-and-swap, retried when another writer got in between. fn gets
   * the current object (served form) and returns the desired one.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    options: WriteOptions,
    fn: (current: KubeObject) => KubeObject,
    onMissing?: () => Promise<KubeObject>,
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const item = await this.ctx.storage.get(key);
      if (item === undefined) {
        if (onMissing === undefined) throw ApiError.notFound(this.gr(), name);
        try {
          return await onMissing();
        } catch (err) {
          // created by someone else in between: update it instead
          if (err instanceof ApiError && err.status.reason === 'AlreadyExists' && options.dryRun !== true && attempt < MAX_RETRIES) continue;
          throw err;
        }
      }
      const current = this.out(item.object);
      const next = fn(deepClone(current));
      if (sameContent(this.toStored(deepClone(next)), item.object)) return current;
      const nm = meta(next);
      if (nm.deletionTimestamp !== undefined && this.pendingFinalizers(next) === 0 && nm.deletionGracePeriodSeconds === 0) {
        if (options.dryRun === true) return next;
        // The last finalizer is gone from an object being deleted: remove it now.
        try {
          const deleted = await this.ctx.storage.delete(key, item.revision);
          this.hooks.afterDelete?.(deleted.object);
          return this.out(deleted.object);
        } catch (err) {
          if (isStorageError(err, 'Conflict') && attempt < MAX_RETRIES) continue;
          throw this.mapStorageError(err, name);
        }
      }
      const txn = this.hooks.beginUpdate?.(next, current, options.dryRun === true);
      if (options.dryRun === true) {
        txn?.revert();
        return next;
      }
      try {
        const written = await this.ctx.storage.update(key, this.toStored(next), item.revision);
        txn?.commit();
        return this.owned(written.object);
      } catch (err) {
        txn?.revert();
        if (isStorageError(err, 'Conflict') && attempt < MAX_RETRIES) continue;
        throw this.mapStorageError(err, name);
      }
    }
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptionsBody = {}, write: WriteOptions = {}): Promise<DeleteOutcome> {
    if (this.info.resource === 'namespaces' && this.info.group === '' && PROTECTED_NAMESPACES.has(name)) {
      throw ApiError.forbidden(this.gr(), name, 'this namespace may not be deleted');
    }
    validatePropagationPolicy(options);
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const item = await this.ctx.storage.get(key);
      if (item === undefined) throw ApiError.notFound(this.gr(), name);
      const current = this.out(item.object);
      const cm = meta(current);
      const pre = options.preconditions ?? {};
      if (pre.uid !== undefined && pre.uid !== cm.uid) {
        throw this.preconditionFailed(key, name, `UID in precondition: ${pre.uid}, UID in object meta: ${cm.uid ?? ''}`);
      }
      if (pre.resourceVersion !== undefined && pre.resourceVersion !== cm.resourceVersion) {
        throw this.preconditionFailed(key, name, `ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cm.resourceVersion ?? ''}`);
      }
      const next = this.beginDeletion(current, options);
      if (next !== undefined) {
        if (write.dryRun === true) return { object: next, deleted: false };
        if (sameContent(next, current)) return { object: current, deleted: false };
        try {
          const written = await this.ctx.storage.update(key, this.toStored(next), item.revision);
          return { object: this.owned(written.object), deleted: false };
        } catch (err) {
          if (isStorageError(err, 'Conflict') && attempt < MAX_RETRIES) continue;
          throw this.mapStorageError(err, name);
        }
      }
      if (write.dryRun === true) return { object: current, deleted: true };
      try {
        const deleted = await this.ctx.storage.delete(key, item.revision);
        this.hooks.afterDelete?.(deleted.object);
        return { object: this.out(deleted.object), deleted: true };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && attempt < MAX_RETRIES) continue;
        throw this.mapStorageError(err, name);
      }
    }
  }

  async deleteCollection(namespace: string | undefined, list: ListOptions, options: DeleteOptionsBody, write: WriteOptions = {}): Promise<KubeObject[]> {
    // kube serves deletecollection of a namespaced resource only inside one namespace; across all
    // of them (DELETE /api/v1/pods) there is no such route: go-restful's 405
    if (this.info.namespaced && (namespace === undefined || namespace === '')) {
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const { items } = await this.list(namespace, { ...(list.labelSelector === undefined ? {} : { labelSelector: list.labelSelector }), ...(list.fieldSelector === undefined ? {} : { fieldSelector: list.fieldSelector }) });
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        out.push((await this.delete(item.metadata?.namespace, item.metadata?.name ?? '', options, write)).object);
      } catch (err) {
        if (!(err instanceof ApiError && err.status.reason === 'NotFound')) throw err;
      }
    }
    return out;
  }

  // ---- watch -----------------------------------------------------------------------------------

  async watch(namespace: string | undefined, options: WatchOptions, onEvent: (e: WatchEvent) => void): Promise<ResourceWatch> {
    const match = this.matcher(options.labelSelector, options.fieldSelector);
    const prefix = this.prefix(namespace);
    const rvText = options.resourceVersion ?? '';
    let from: number;
    // Without sendInitialEvents, "" and "0" start with the current state and N replays from N;
    // with it (the watch-list protocol) the state comes first whatever the version.
    const initial = options.sendInitialEvents ?? (rvText === '' || rvText === '0');
    if (initial) {
      const { items, revision } = await this.ctx.storage.list(prefix);
      if (rvText !== '' && rvText !== '0') parseResourceVersion(rvText);
      for (const item of items) if (match(item.object)) onEvent({ type: 'ADDED', object: this.out(item.object) });
      from = revision;
    } else if (rvText === '' || rvText === '0') {
      from = await this.ctx.storage.revision();
    } else {
      from = parseResourceVersion(rvText);
    }
    const deliver = (ev: StorageEvent): void => {
      const now = match(ev.object);
      const before = ev.prevObject !== undefined && match(ev.prevObject);
      if (ev.type === 'ADDED') {
        if (now) onEvent({ type: 'ADDED', object: this.out(ev.object) });
      } else if (ev.type === 'DELETED') {
        if (before || now) onEvent({ type: 'DELETED', object: this.out(ev.object) });
      } else if (now && before) onEvent({ type: 'MODIFIED', object: this.out(ev.object) });
      else if (now) onEvent({ type: 'ADDED', object: this.out(ev.object) });
      else if (before) onEvent({ type: 'DELETED', object: this.out(ev.object) });
    };
    try {
      return this.ctx.storage.watch(prefix, from, deliver);
    } catch (err) {
      if (isStorageError(err, 'Expired')) throw ApiError.gone(err.message);
      throw err;
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Validates selectors (unsupported fields are a 400) and returns the object predicate. */
  matcher(labelSelector?: string, fieldSelector?: string): (obj: KubeObject) => boolean {
    const ls = parseLabelSelector(labelSelector ?? '');
    const fs = parseFieldSelector(fieldSelector ?? '', this.info.kind);
    const everything = ls.requirements.length === 0 && !ls.nothing && fs.terms.length === 0;
    if (everything) return () => true;
    return (stored) => ls.matches(meta(stored).labels) && fs.matches(stored);
  }

  private beginDeletion(current: KubeObject, options: DeleteOptionsBody): KubeObject | undefined {
    const next = deepClone(current);
    const m = meta(next);
    const now = this.ctx.clock.now();
    // the kind's own first step (a CRD gets its cleanup finalizer and Terminating condition)
    if (m.deletionTimestamp === undefined) this.strategy.prepareForDelete?.(next, rfc3339(now));
    // The garbage collector's finalizers, from the propagation policy; not once a graceful
    // deletion is under way (deletionFinalizersForGarbageCollection after BeforeDelete).
    const gracefulPending = m.deletionTimestamp !== undefined && (m.deletionGracePeriodSeconds ?? 0) > 0;
    if (!gracefulPending && !(this.info.kind === 'Namespace' && this.info.group === '')) {
      const finalizers = gcFinalizers(m.finalizers ?? [], options);
      if (finalizers !== undefined) {
        if (finalizers.length > 0) m.finalizers = finalizers;
        else delete m.finalizers;
      }
    }
    if (this.info.kind === 'Namespace' && this.info.group === '') {
      const spec = isRecord(next['spec']) ? next['spec'] : {};
      const finalizers = Array.isArray(spec['finalizers']) ? spec['finalizers'] : [];
      if (m.deletionTimestamp !== undefined) {
        if (this.pendingFinalizers(next) === 0) return undefined;
        throw ApiError.conflict(this.gr(), m.name ?? '', 'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.');
      }
      if (finalizers.length > 0 || (m.finalizers ?? []).length > 0) {
        m.deletionTimestamp = rfc3339(now);
        m.deletionGracePeriodSeconds = 0;
        next['status'] = { ...(isRecord(next['status']) ? next['status'] : {}), phase: 'Terminating' };
        return next;
      }
      return undefined;
    }
    if (this.strategy.gracePeriod !== undefined) {
      const grace = this.strategy.gracePeriod(current, options);
      if (m.deletionTimestamp !== undefined) {
        // Already terminating: only a shorter grace period changes anything.
        const had = m.deletionGracePeriodSeconds ?? 0;
        if (grace >= had) return next;
        if (grace === 0 && (m.finalizers ?? []).length === 0) return undefined;
        m.deletionGracePeriodSeconds = grace;
        m.deletionTimestamp = rfc3339(now + grace * 1000);
        return next;
      }
      if (grace > 0) {
        m.deletionTimestamp = rfc3339(now + grace * 1000);
        m.deletionGracePeriodSeconds = grace;
        return next;
      }
    }
    if ((m.finalizers ?? []).length > 0) {
      if (m.deletionTimestamp === undefined) {
        m.deletionTimestamp = rfc3339(now);
        m.deletionGracePeriodSeconds = 0;
      }
      return next;
    }
    return undefined;
  }

  /** Finalizers still holding the object (namespaces also wait for spec.finalizers). */
  private pendingFinalizers(obj: KubeObject): number {
    let n = (meta(obj).finalizers ?? []).length;
    if (this.info.kind === 'Namespace' && this.info.group === '' && isRecord(obj['spec']) && Array.isArray(obj['spec']['finalizers'])) {
      n += obj['spec']['finalizers'].length;
    }
    return n;
  }

  /** The object an update writes, from the current one and the incoming one. */
  /**
   * The object an update of current into incoming stores: system metadata kept, the kind's
   * PrepareForUpdate (status/spec split, generation) applied, validated. For callers that build
   * the new object themselves inside guaranteedUpdate (the scale subresource).
   */
  prepareUpdate(current: KubeObject, incoming: KubeObject, subresource: 'status' | 'finalize' | undefined): KubeObject {
    return this.merge(current, incoming, subresource);
  }

  /**
   * `track` records the write in managedFields (the field manager's Update, on the defaulted
   * object); without it the incoming object's managedFields are kept as they are (writes that
   * built it from the current object, or an apply that recorded itself). Either way a write
   * that changes nothing but managedFields timestamps keeps the old ones.
   */
  private merge(current: KubeObject, incoming: KubeObject, subresource: 'status' | 'finalize' | undefined, track?: (next: KubeObject) => KubeObject): KubeObject {
    const cm = meta(current);
    let next: KubeObject;
    if (subresource === 'finalize') {
      next = deepClone(current);
      const spec = isRecord(incoming['spec']) ? incoming['spec'] : {};
      next['spec'] = { ...(isRecord(next['spec']) ? next['spec'] : {}), finalizers: spec['finalizers'] ?? [] };
    } else {
      next = incoming;
      const nm = meta(next);
      // Immutable and system-owned metadata come from the stored object.
      nm.name = cm.name;
      if (this.info.namespaced) nm.namespace = cm.namespace;
      else delete nm.namespace;
      nm.uid = cm.uid;
      nm.creationTimestamp = cm.creationTimestamp;
      if (cm.deletionTimestamp !== undefined) nm.deletionTimestamp = cm.deletionTimestamp;
      else delete nm.deletionTimestamp;
      if (cm.deletionGracePeriodSeconds !== undefined) nm.deletionGracePeriodSeconds = cm.deletionGracePeriodSeconds;
      else delete nm.deletionGracePeriodSeconds;
      if (cm.generation !== undefined) nm.generation = cm.generation;
      if (cm.generateName !== undefined && nm.generateName === undefined) nm.generateName = cm.generateName;
      next.apiVersion = current.apiVersion ?? groupVersion(this.info);
      next.kind = this.info.kind;
      if (track !== undefined) {
        // upstream's decoder defaults the body before the field manager sees it
        this.info.defaults(next);
        next = track(next);
      }
      // Status writes keep spec; spec writes keep status (kube's status strategies).
      this.info.prepareForUpdate(next, current, subresource === 'status' ? 'status' : '');
    }
    meta(next).resourceVersion = cm.resourceVersion;
    const errs = withManagedFieldsErrors(this.info.validateUpdate(next, current), next);
    if (errs.length > 0) throw this.invalid(cm.name ?? '', errs);
    return this.fields.keepTimestamps(next, current);
  }

  /** The kind's decoder (compiled on first use); undefined for a kind without a schema. */
  private decoder(): Decoder | undefined {
    if (this.compiled === null) this.compiled = this.info.decoder ?? decoderForKind(this.info.group, this.info.version, this.info.kind);
    return this.compiled;
  }

  /**
   * A request body as kube's decoder takes it (kube/schemas/decode.ts): a value of the wrong type
   * at a known field is a 400 worded as transformDecodeError does, nulls become zero values and
   * unknown fields are pruned; under fieldValidation Strict an unknown or duplicate field is a
   * 400 (`Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field
   * "spec.containers[0].comand"`), under Warn each is a warning. A kind without a schema is only
   * checked for nesting.
   */
  private decode(obj: KubeObject, options: WriteOptions): KubeObject {
    const decoder = this.decoder();
    if (decoder === undefined) {
      if (nestsDeeperThan(obj)) throw decodeError(this.info.kind, this.info.version, { message: NESTING_ERROR, field: '' });
      return obj;
    }
    const mode = options.fieldValidation ?? 'Ignore';
    const body = options.body;
    const result = decoder.decode(obj, {
      strict: mode !== 'Ignore',
      ...(body?.duplicates === undefined ? {} : { duplicates: body.duplicates }),
      ...(body?.yaml === true ? { sortedKeys: true } : {}),
    });
    if (result.error !== undefined) throw decodeError(this.info.kind, this.info.version, result.error);
    if (mode === 'Ignore') return obj;
    const yaml = body?.yamlDuplicates ?? [];
    const strict: StrictError[] = result.strict;
    if (yaml.length === 0 && strict.length === 0) return obj;
    if (mode === 'Strict') {
      const errors = [...(yaml.length > 0 ? [`yaml: unmarshal errors:\n  ${yaml.join('\n  ')}`] : []), ...strict.map(strictErrorMessage)];
      throw ApiError.badRequest(`${this.info.kind} in version ${goQuote(this.info.version)} cannot be handled as a ${this.info.kind}: strict decoding error: ${errors.join(', ')}`);
    }
    options.warnings?.push(...yaml, ...strict.map(strictErrorMessage));
    return obj;
  }

  private checkNamespace(urlNamespace: string | undefined, bodyNamespace: string | undefined): void {
    if (!this.info.namespaced) return;
    if (bodyNamespace !== undefined && bodyNamespace !== '' && bodyNamespace !== urlNamespace) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  private async requireActiveNamespace(namespace: string): Promise<void> {
    const phase = await this.ctx.namespacePhase(namespace);
    if (phase === undefined) throw ApiError.notFound('namespaces', namespace);
    if (phase === 'Terminating') {
      throw ApiError.forbidden(this.gr(), '', `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private invalid(name: string, errs: FieldError[]): ApiError {
    return ApiError.invalid(this.info.kind, name, errs, this.info.group);
  }

  private mapStorageError(err: unknown, name: string): unknown {
    if (isStorageError(err, 'NotFound')) return ApiError.notFound(this.gr(), name);
    if (isStorageError(err, 'Conflict')) return ApiError.conflict(this.gr(), name);
    if (isStorageError(err, 'KeyExists')) return ApiError.alreadyExists(this.gr(), name);
    return err;
  }

  gr(): { group: string; resource: string } {
    return { group: this.info.group, resource: this.info.resource };
  }

  /** A failed storage precondition, worded as the etcd3 store's invalid-object error reaches clients. */
  private preconditionFailed(key: string, name: string, detail: string): ApiError {
    return ApiError.conflict(this.gr(), name, `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ${detail}`);
  }

  private key(namespace: string | undefined, name: string): string {
    return storageKey(this.info, namespace, name);
  }

  private prefix(namespace: string | undefined): string {
    const base = storagePrefix(this.info);
    return this.info.namespaced && namespace !== undefined && namespace !== '' ? `${base}${namespace}/` : base;
  }

  /** Served form -> stored form. */
  private toStored(obj: KubeObject): KubeObject {
    return this.strategy.toStorage?.(obj) ?? obj;
  }

  /** Served form of a stored object. */
  private out(stored: KubeObject): KubeObject {
    return this.owned(deepClone(stored));
  }

  /**
   * Served form of an object storage returned from get, list, create, update or delete: those
   * are the caller's own copies (unlike watch events, which every watcher shares), so nothing
   * needs cloning (objects with managedFields are costly to clone).
   */
  private owned(stored: KubeObject): KubeObject {
    const obj = this.strategy.fromStorage?.(stored) ?? stored;
    obj.apiVersion = groupVersion(this.info);
    obj.kind = this.info.kind;
    return obj;
  }

  /** Incoming object (served form) ready for storage-form field selection. */
  private in(obj: KubeObject): KubeObject {
    return obj;
  }
}

/**
 * fieldValidation of an applied configuration, checked after the apply succeeded (as upstream):
 * its repeated keys refuse it (Strict, 400) or are warnings (Warn); the unknown fields were refused
 * by the field manager already.
 */
export function appliedDuplicateWarnings(options: WriteOptions): string[] {
  const mode = options.fieldValidation ?? 'Ignore';
  const dups = options.body?.yamlDuplicates ?? [];
  if (mode === 'Ignore' || dups.length === 0) return [];
  if (mode === 'Strict') throw ApiError.badRequest(`error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  ${dups.join('\n  ')}`);
  return [...dups];
}

/** The manager a write is recorded for. */
function managerOf(options: WriteOptions): string {
  return options.manager ?? IN_PROCESS_MANAGER;
}

/** A kind's validation errors with ValidateManagedFields' after the metadata errors (ValidateObjectMeta's order). */
function withManagedFieldsErrors(errs: FieldError[], obj: KubeObject): FieldError[] {
  const managed = managedFieldsErrors(obj.metadata?.managedFields);
  if (managed.length === 0) return errs;
  let at = 0;
  errs.forEach((e, i) => { if (e.field.startsWith('metadata.')) at = i + 1; });
  return [...errs.slice(0, at), ...managed, ...errs.slice(at)];
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw ApiError.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

function encodeContinue(rv: number, key: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: key })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; key: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') return { rv: parsed.rv, key: parsed.start };
  } catch {
    // fall through
  }
  throw ApiError.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';
const POLICIES = ['Foreground', 'Background', 'Orphan'] as const;

/** ValidateDeleteOptions: a propagation policy is one of the three. */
function validatePropagationPolicy(options: DeleteOptionsBody): void {
  const p = options.propagationPolicy;
  if (p !== undefined && !(POLICIES as readonly string[]).includes(p)) {
    throw ApiError.invalid('DeleteOptions', '', [fieldErrors.notSupported('propagationPolicy', p, POLICIES)], 'meta.k8s.io');
  }
}

/**
 * deletionFinalizersForGarbageCollection: the object's finalizers with `orphan` or
 * `foregroundDeletion` as the policy asks (Orphan / Foreground; Background neither); without a
 * policy the one already there stays. undefined when the set does not change.
 */
export function gcFinalizers(current: readonly string[], options: DeleteOptionsBody): string[] | undefined {
  const policy = options.propagationPolicy;
  const orphan = policy === 'Orphan' || (policy === undefined && current.find((f) => f === ORPHAN || f === FOREGROUND) === ORPHAN);
  const foreground = policy === 'Foreground' || (policy === undefined && current.find((f) => f === ORPHAN || f === FOREGROUND) === FOREGROUND);
  const next = current.filter((f) => f !== ORPHAN && f !== FOREGROUND);
  if (orphan) next.push(ORPHAN);
  if (foreground) next.push(FOREGROUND);
  const a = new Set(current);
  const b = new Set(next);
  if (a.size === b.size && [...a].every((f) => b.has(f))) return undefined;
  return next;
}
