// The garbage collector's executor: informer events of every monitored resource build the
// dependency graph; its two queues run through one Reconciler with prefixed keys,
// "attemptToDelete/<uid>" and "attemptToOrphan/<uid>" (uids, not names: the graph is keyed by
// uid and virtual owners have no cached object). Each item is planned by planner.ts and carried
// out through the API client: GETs confirm owners (the graph may lag), deletes carry uid and
// resourceVersion preconditions, reference removals are patches by uid.
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import {
  ApiClientError, isClientConflict, isClientNotFound, type KubeObject, type ResourceType,
} from '../../kube/client/client.ts';
import { apiVersionOf } from '../../kube/client/resources.ts';
import { NodeletError } from '../../lib/errors.ts';
import { messageOf } from '../framework/errors.ts';
import { canonicalJson } from '../framework/hash.ts';
import type { ControllerContext, Enqueue, EventRecorder, Reconciler, SyncResult } from '../framework/types.ts';
import { AbsentOwnerCache } from './absent-owner-cache.ts';
import { DependencyGraph, type GraphNode, type GraphSink } from './graph.ts';
import { identityOfRef, identityString, type ObjectIdentity } from './identity.ts';
import { discoveryThrough, MONITORED_RESOURCES, ResourceMapper, type Discover, type MonitoredResource } from './kinds.ts';
import {
  deleteOwnerRefsMergePatch, deleteOwnerRefsStrategicPatch, removeFinalizerPatch, unblockOwnerRefsMergePatch, unblockOwnerRefsStrategicPatch,
} from './patches.ts';
import {
  classifyReferences, liveOf, ownerLookupNamespace, planAttemptToDelete, planOrphan,
  type DeleteInput, type DeletePlan, type LiveObject, type OwnerLookup,
} from './planner.ts';

export const GC_COMPONENT = 'garbage-collector-controller';
/** --concurrent-gc-syncs default. */
export const GC_WORKERS = 20;

export const DELETE_KEY_PREFIX = 'attemptToDelete/';
export const ORPHAN_KEY_PREFIX = 'attemptToOrphan/';

/** client-go's retry.DefaultBackoff: 4 tries, 10 ms growing fivefold. */
const CONFLICT_RETRY_STEPS = 4;
const CONFLICT_RETRY_FIRST_MS = 10;
const CONFLICT_RETRY_FACTOR = 5;

/**
 * Re-checks of virtual owners back off as workqueue's per-item limiter (5 ms doubling), but stop
 * growing at 30 s rather than 1000 s: upstream monitors every deletable resource, so a virtual
 * owner is soon observed; here an owner of a kind outside MONITORED_RESOURCES (a custom resource)
 * stays virtual, and its deletion is only noticed by these re-checks.
 */
const REQUEUE_BASE_MS = 5;
const REQUEUE_MAX_MS = 30_000;

/** A cluster-scoped object names a namespaced owner: no retry will make that valid. */
class InvalidOwnerScopeError extends NodeletError {
  constructor() {
    super('gc.namespacedOwnerOfClusterScopedObject', 'cluster-scoped objects cannot refer to namespaced owners');
  }
}

export interface GarbageCollectorOptions {
  /** The monitored resources (default MONITORED_RESOURCES). */
  resources?: readonly MonitoredResource[];
  /** How unknown owner kinds are mapped (default: the API server's discovery). */
  discover?: Discover;
}

function isUnsupportedMediaType(err: unknown): boolean {
  return err instanceof ApiClientError && err.httpStatus === 415;
}

export class GarbageCollector implements Reconciler {
  readonly name = GC_COMPONENT;
  readonly workers = GC_WORKERS;
  readonly graph: DependencyGraph;
  private readonly absent = new AbsentOwnerCache(500);
  private readonly mapper: ResourceMapper;
  private readonly recorder: EventRecorder;
  private readonly resources: readonly MonitoredResource[];
  private readonly requeues = new Map<string, number>();
  private queue: Enqueue | undefined;

  constructor(private readonly ctx: ControllerContext, o: GarbageCollectorOptions = {}) {
    this.resources = o.resources ?? MONITORED_RESOURCES;
    this.mapper = new ResourceMapper(o.discover ?? discoveryThrough(ctx.client));
    this.recorder = ctx.recorder(GC_COMPONENT);
    this.graph = new DependencyGraph(this.sink(), this.absent);
  }

  watch(queue: Enqueue): void {
    this.queue = queue;
    for (const m of this.resources) {
      const apiVersion = apiVersionOf(m.resource);
      const kind = m.kind;
      this.ctx.informers.informer<KubeObject>(m.resource).addHandler({
        add: (obj) => { this.graph.process({ type: 'add', obj, apiVersion, kind }); },
        update: (old, obj) => { this.graph.process({ type: 'update', obj, old, apiVersion, kind }); },
        delete: (obj) => { this.graph.process({ type: 'delete', obj, apiVersion, kind }); },
      });
    }
  }

  async sync(key: string): Promise<SyncResult> {
    if (key.startsWith(DELETE_KEY_PREFIX)) return this.attemptToDelete(key, key.slice(DELETE_KEY_PREFIX.length));
    if (key.startsWith(ORPHAN_KEY_PREFIX)) {
      await this.attemptToOrphan(key.slice(ORPHAN_KEY_PREFIX.length));
      return undefined;
    }
    this.ctx.log.warn({ key }, 'garbage collector: unknown queue key');
    return undefined;
  }

  // ---- attemptToDelete -------------------------------------------------------------------------

  private async attemptToDelete(key: string, uid: string): Promise<SyncResult> {
    const node = this.graph.get(uid);
    // requeued while the object's deletion was observed: nothing left to do
    if (node === undefined) return this.forget(key);
    try {
      const done = await this.runDeletePlan(node);
      if (done === 'virtualDeleted') return this.forget(key);
    } catch (err) {
      if (err instanceof InvalidOwnerScopeError) return this.forget(key);
      throw err;
    }
    // an owner confirmed by GET but not yet seen by an informer is checked again, or a virtual
    // node for an object created and removed while a watch was down would stay for ever
    if (node.virtual && this.graph.get(uid) === node) return { requeueAfterMs: this.nextRequeue(key) };
    return this.forget(key);
  }

  private async runDeletePlan(node: GraphNode): Promise<'done' | 'virtualDeleted'> {
    const identity = { ...node.identity };
    const input: DeleteInput = { node };
    for (;;) {
      const plan: DeletePlan = planAttemptToDelete(input);
      switch (plan.action) {
        case 'none':
          this.ctx.log.debug({ item: identityString(identity), reason: plan.reason }, 'garbage collector: nothing to do');
          return 'done';
        case 'fetch':
          input.latest = await this.getItem(identity);
          continue;
        case 'classify':
          input.references = classifyReferences(plan.references, await this.lookupOwners(identity, plan.references));
          continue;
        case 'virtualDelete':
          this.graph.virtualDelete(identity);
          return 'virtualDeleted';
        case 'removeFinalizer':
          await this.removeFinalizer(identity, plan.finalizer);
          return 'done';
        case 'attemptDependents':
          for (const uid of plan.uids) this.queue?.add(DELETE_KEY_PREFIX + uid);
          return 'done';
        case 'removeOwnerReferences':
          await this.removeOwnerReferences(identity, plan.ownerUids);
          return 'done';
        case 'delete': {
          if (plan.unblockFirst) await this.unblockOwnerReferences(identity, node.owners);
          this.ctx.log.info({ item: identityString(identity), propagationPolicy: plan.propagationPolicy }, 'garbage collector: deleting item');
          const gone = await this.deleteItem(identity, plan.preconditions, plan.ownerReferences, plan.propagationPolicy);
          if (gone) {
            this.graph.virtualDelete(identity);
            return 'virtualDeleted';
          }
          return 'done';
        }
      }
    }
  }

  /** The item's live state; 'absent' when NotFound. */
  private async getItem(id: ObjectIdentity): Promise<LiveObject | 'absent'> {
    const r = await this.mapper.resourceFor(id.apiVersion, id.kind);
    const ns = r.namespaced ? id.namespace : '';
    if (r.namespaced && ns === '') throw new InvalidOwnerScopeError();
    try {
      return liveOf(await this.ctx.client.get<KubeObject>(r, ns, id.name));
    } catch (err) {
      if (isClientNotFound(err)) return 'absent';
      throw err;
    }
  }

  /** Upstream's isDangling for each reference, in order (the absent-owner cache first). */
  private async lookupOwners(item: ObjectIdentity, refs: readonly OwnerReference[]): Promise<(ref: OwnerReference) => OwnerLookup> {
    const found = new Map<string, OwnerLookup>();
    for (const ref of refs) found.set(ref.uid, await this.lookupOwner(item, ref));
    return (ref) => found.get(ref.uid) ?? 'absent';
  }

  private async lookupOwner(item: ObjectIdentity, ref: OwnerReference): Promise<OwnerLookup> {
    const key = identityOfRef(ref, '');
    if (this.absent.has(key)) return 'absent';
    key.namespace = item.namespace;
    if (this.absent.has(key)) return 'absent';
    const r = await this.mapper.resourceFor(ref.apiVersion, ref.kind);
    if (!r.namespaced) key.namespace = '';
    const where = ownerLookupNamespace(r.namespaced, item.namespace);
    if (where === 'invalid') {
      this.ctx.log.info({ item: identityString(item), owner: ref }, 'garbage collector: item is cluster-scoped, but refers to a namespaced owner');
      throw new InvalidOwnerScopeError();
    }
    let owner: LiveObject;
    try {
      owner = liveOf(await this.ctx.client.get<KubeObject>(r, where.namespace, ref.name));
    } catch (err) {
      if (!isClientNotFound(err)) throw err;
      this.absent.add(key);
      return 'absent';
    }
    if (owner.uid !== ref.uid) {
      this.absent.add(key);
      return 'absent';
    }
    return owner;
  }

  /**
   * DELETE with uid and resourceVersion preconditions; when only the version moved (the
   * references are the same) it is retried on the uid alone. True when the item was already gone.
   */
  private async deleteItem(
    id: ObjectIdentity, pre: { uid: string; resourceVersion: string }, ownersAtVersion: readonly OwnerReference[],
    propagationPolicy: 'Background' | 'Foreground' | 'Orphan',
  ): Promise<boolean> {
    const r = await this.resourceOf(id);
    const ns = r.namespaced ? id.namespace : '';
    const preconditions = pre.resourceVersion === '' ? { uid: pre.uid } : { uid: pre.uid, resourceVersion: pre.resourceVersion };
    try {
      await this.ctx.client.delete(r, ns, id.name, { preconditions, propagationPolicy });
      return false;
    } catch (err) {
      if (isClientNotFound(err)) return true;
      if (!isClientConflict(err) || pre.resourceVersion === '') throw err;
      let live: LiveObject;
      try {
        live = liveOf(await this.ctx.client.get<KubeObject>(r, ns, id.name));
      } catch (getErr) {
        if (isClientNotFound(getErr)) return false;
        throw err;
      }
      if (live.uid === pre.uid && live.resourceVersion !== pre.resourceVersion && canonicalJson(live.ownerReferences) === canonicalJson(ownersAtVersion)) {
        return this.deleteItem(id, { uid: pre.uid, resourceVersion: '' }, [], propagationPolicy);
      }
      throw err;
    }
  }

  private async removeOwnerReferences(id: ObjectIdentity, ownerUids: readonly string[]): Promise<void> {
    await this.patchWithFallback(id, deleteOwnerRefsStrategicPatch(id.uid, ownerUids), (live) => deleteOwnerRefsMergePatch(live, ownerUids));
  }

  private async unblockOwnerReferences(id: ObjectIdentity, owners: readonly OwnerReference[]): Promise<void> {
    await this.patchWithFallback(id, unblockOwnerRefsStrategicPatch(id.uid, owners), (live) => unblockOwnerRefsMergePatch(live.resourceVersion, owners));
  }

  /** A strategic merge patch, or — for kinds without strategy (415) — a JSON merge patch built from a fresh read. */
  private async patchWithFallback(id: ObjectIdentity, smp: Record<string, unknown>, jmp: (live: LiveObject) => Record<string, unknown>): Promise<void> {
    const r = await this.resourceOf(id);
    const ns = r.namespaced ? id.namespace : '';
    try {
      await this.ctx.client.patch(r, ns, id.name, smp, 'strategic');
    } catch (err) {
      if (!isUnsupportedMediaType(err)) throw err;
      const live = liveOf(await this.ctx.client.get<KubeObject>(r, ns, id.name));
      await this.ctx.client.patch(r, ns, id.name, jmp(live), 'merge');
    }
  }

  /** Removes finalizer f from the object (read, patch at that version, retried on conflict). */
  private async removeFinalizer(id: ObjectIdentity, f: string): Promise<void> {
    const r = await this.resourceOf(id);
    const ns = r.namespaced ? id.namespace : '';
    let delay = CONFLICT_RETRY_FIRST_MS;
    for (let attempt = 1; ; attempt++) {
      let live: LiveObject;
      try {
        live = liveOf(await this.ctx.client.get<KubeObject>(r, ns, id.name));
      } catch (err) {
        if (isClientNotFound(err)) return;
        throw new NodeletError('gc.finalize', `cannot finalize owner ${identityString(id)}, because cannot get it: ${String(err)}. The garbage collector will retry later`, { cause: err });
      }
      const patch = removeFinalizerPatch(live, f);
      if (patch === undefined) return;
      try {
        await this.ctx.client.patch(r, ns, id.name, patch, 'merge');
        return;
      } catch (err) {
        if (isClientNotFound(err)) return;
        if (!isClientConflict(err)) throw err;
        if (attempt >= CONFLICT_RETRY_STEPS) {
          throw new NodeletError('gc.finalize', `updateMaxRetries(${CONFLICT_RETRY_STEPS}) has reached. The garbage collector will retry later for owner ${identityString(id)}`, { cause: err });
        }
      }
      await this.ctx.clock.sleep(delay);
      delay *= CONFLICT_RETRY_FACTOR;
    }
  }

  // ---- attemptToOrphan -------------------------------------------------------------------------

  private async attemptToOrphan(uid: string): Promise<void> {
    const owner = this.graph.get(uid);
    if (owner === undefined) return;
    const identity = { ...owner.identity };
    const plan = planOrphan(owner);
    const failures: string[] = [];
    await Promise.all(plan.dependentUids.map(async (depUid) => {
      const dep = this.graph.get(depUid);
      if (dep === undefined) return;
      try {
        await this.removeOwnerReferences({ ...dep.identity }, [identity.uid]);
      } catch (err) {
        // a dependent already gone has nothing left to release
        if (!isClientNotFound(err)) failures.push(`orphaning ${identityString(dep.identity)} failed, ${messageOf(err)}`);
      }
    }));
    if (failures.length > 0) {
      throw new NodeletError('gc.orphan', `failed to orphan dependents of owner ${identityString(identity)}, got errors: ${failures.length === 1 ? failures[0] ?? '' : `[${failures.join(', ')}]`}`);
    }
    await this.removeFinalizer(identity, plan.finalizer);
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private async resourceOf(id: ObjectIdentity): Promise<ResourceType> {
    return this.mapper.resourceFor(id.apiVersion, id.kind);
  }

  private forget(key: string): SyncResult {
    this.requeues.delete(key);
    return undefined;
  }

  private nextRequeue(key: string): number {
    const n = this.requeues.get(key) ?? 0;
    this.requeues.set(key, n + 1);
    return Math.min(REQUEUE_BASE_MS * 2 ** n, REQUEUE_MAX_MS);
  }

  private sink(): GraphSink {
    return {
      attemptToDelete: (n) => { this.queue?.add(DELETE_KEY_PREFIX + n.identity.uid); },
      attemptToDeleteLater: (n) => {
        const key = DELETE_KEY_PREFIX + n.identity.uid;
        this.queue?.addAfter(key, this.nextRequeue(key));
      },
      attemptToOrphan: (n) => { this.queue?.add(ORPHAN_KEY_PREFIX + n.identity.uid); },
      invalidOwnerNamespace: (dep, owner) => {
        const obj: KubeObject = { apiVersion: dep.apiVersion, kind: dep.kind, metadata: { name: dep.name, namespace: dep.namespace, uid: dep.uid } };
        this.recorder.event(obj, 'Warning', 'OwnerRefInvalidNamespace', `ownerRef ${identityString(owner)} does not exist in namespace "${dep.namespace}"`);
      },
    };
  }
}
