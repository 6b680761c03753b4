// The DaemonSet controller's executor (kube-controller-manager's DaemonSetsController): informer
// handlers that keep expectations and name the DaemonSets to sync, and a sync that reads the
// caches, claims pods and revisions, settles the current revision, plans (planner.ts) and carries
// the plan out through the API client — slow-start creations, deletions, history cleanup, status.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { isClientAlreadyExists, isClientInvalid, isClientNotFound, type KubeObject, type ResourceType } from '../../kube/client/client.ts';
import { CONTROLLERREVISIONS, DAEMONSETS, NODES, PODS } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { selectorMatches, selectorOf, type Selector } from '../../kube/labels/selector.ts';
import { cloneJson } from '../../lib/clone.ts';
import type { Logger } from '../../lib/log.ts';
import { controllersSelecting, resolveControllerRef } from '../framework/controller-lookup.ts';
import { aggregate, messageOf, namespaceTerminating } from '../framework/errors.ts';
import { ControllerExpectations, ownObjectHandlers } from '../framework/expectations.ts';
import { canonicalJson } from '../framework/hash.ts';
import { adoptPatch, claimDecision, controllerOf, newControllerRef, releasePatch } from '../framework/owners.ts';
import { createPod, deletePod } from '../framework/pod-control.ts';
import { becameReadyRecheckMs } from '../framework/pod-state.ts';
import { slowStartBatch } from '../framework/slow-start.ts';
import { keyOf, splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler, type SyncResult } from '../framework/types.ts';
import { FailedPodsBackoff } from './failed-pods-backoff.ts';
import { COMPONENT, CONTROLLER_API_VERSION, CONTROLLER_KIND, REASON_SELECTING_ALL, REVISION_HASH_LABEL } from './constants.ts';
import { shouldIgnoreNodeUpdate } from './node-updates.ts';
import { planDaemonSet, SELECTING_ALL_MESSAGE, syncGate } from './planner.ts';
import { daemonPodForNode, daemonPodTemplate } from './pod-template.ts';
import { planHistory, revisionMatches, type HistoryPlan } from './revisions.ts';
import { nodeShouldRunDaemonPod } from './should-run.ts';
import { withCounts, type StatusCounts } from './status.ts';

/** StatusUpdateRetries: one GET and a second PUT after a failed status write. */
const STATUS_UPDATE_RETRIES = 1;
function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

export interface DaemonSetControllerOptions {
  /** concurrent-daemonset-syncs (kube-controller-manager's default: 2). */
  workers?: number;
  /** The failed-pod back-off (tests may pass one with other bounds). */
  backoff?: FailedPodsBackoff;
}

export class DaemonSetController implements Reconciler {
  readonly name = COMPONENT;
  readonly workers: number;
  readonly expectations: ControllerExpectations;
  readonly backoff: FailedPodsBackoff;
  private readonly dsInformer: Informer<DaemonSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly historyInformer: Informer<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext, options: DaemonSetControllerOptions = {}) {
    this.workers = options.workers ?? 2;
    this.backoff = options.backoff ?? new FailedPodsBackoff();
    this.expectations = new ControllerExpectations(ctx.clock);
    this.dsInformer = ctx.informers.informer<DaemonSet>(DAEMONSETS);
    this.podInformer = ctx.informers.informer<Pod>(PODS);
    this.nodeInformer = ctx.informers.informer<Node>(NODES);
    this.historyInformer = ctx.informers.informer<ControllerRevision>(CONTROLLERREVISIONS);
    this.recorder = ctx.recorder(COMPONENT);
    this.log = ctx.log.child({ controller: COMPONENT });
  }

  // ---- informer handlers ----------------------------------------------------------------------

  watch(queue: Enqueue): void {
    this.dsInformer.addHandler(ownObjectHandlers(queue, this.expectations));
    this.historyInformer.addHandler({
      add: (r) => { this.onHistoryAdded(queue, r); },
      update: (oldR, curR) => { this.onOwnedUpdated(queue, oldR, curR); },
      delete: (r) => { this.enqueueController(queue, r); },
    });
    this.podInformer.addHandler({
      add: (pod) => { this.onPodAdded(queue, pod); },
      update: (oldPod, curPod) => { this.onPodUpdated(queue, oldPod, curPod); },
      delete: (pod) => { this.onPodDeleted(queue, pod); },
    });
    // As upstream, no handler for node deletion: pod GC removes the pods, which syncs the set.
    this.nodeInformer.addHandler({
      add: (node) => {
        for (const ds of this.dsInformer.lister.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) queue.add(keyOf(ds));
      },
      update: (oldNode, curNode) => {
        if (shouldIgnoreNodeUpdate(oldNode, curNode)) return;
        for (const ds of this.dsInformer.lister.list()) {
          const before = nodeShouldRunDaemonPod(oldNode, ds);
          const after = nodeShouldRunDaemonPod(curNode, ds);
          if (before.shouldRun !== after.shouldRun || before.shouldContinueRunning !== after.shouldContinueRunning) queue.add(keyOf(ds));
        }
      },
    });
  }

  private owner(obj: KubeObject): DaemonSet | undefined {
    return resolveControllerRef(this.dsInformer.lister, CONTROLLER_KIND, obj.metadata?.namespace ?? '', controllerOf(obj));
  }

  private enqueueController(queue: Enqueue, obj: KubeObject): void {
    const ds = this.owner(obj);
    if (ds !== undefined) queue.add(keyOf(ds));
  }

  private enqueueMatching(queue: Enqueue, obj: KubeObject): void {
    for (const ds of controllersSelecting(this.dsInformer.lister, obj.metadata?.namespace ?? '', obj.metadata?.labels)) queue.add(keyOf(ds));
  }

  private onHistoryAdded(queue: Enqueue, r: ControllerRevision): void {
    if (r.metadata?.deletionTimestamp !== undefined) {
      this.enqueueController(queue, r);
      return;
    }
    // An owned revision needs nothing (the owner made it); an orphan may be adopted.
    if (controllerOf(r) !== undefined) return;
    this.enqueueMatching(queue, r);
  }

  /** updateHistory (and the shared part of updatePod): wake the old and the new controller. */
  private onOwnedUpdated(queue: Enqueue, oldObj: KubeObject, curObj: KubeObject): void {
    if (curObj.metadata?.resourceVersion === oldObj.metadata?.resourceVersion) return;
    const curRef = controllerOf(curObj);
    const oldRef = controllerOf(oldObj);
    const refChanged = !sameJson(curRef, oldRef);
    if (refChanged && oldRef !== undefined) this.enqueueController(queue, oldObj);
    if (curRef !== undefined) {
      this.enqueueController(queue, curObj);
      return;
    }
    if (refChanged || !sameJson(oldObj.metadata?.labels ?? {}, curObj.metadata?.labels ?? {})) this.enqueueMatching(queue, curObj);
  }

  private onPodAdded(queue: Enqueue, pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Seen for the first time already terminating (a restart): not a creation we waited for.
      this.onPodDeleted(queue, pod);
      return;
    }
    if (controllerOf(pod) !== undefined) {
      const ds = this.owner(pod);
      if (ds === undefined) return;
      const key = keyOf(ds);
      this.expectations.creationObserved(key);
      queue.add(key);
      return;
    }
    this.enqueueMatching(queue, pod);
  }

  private onPodUpdated(queue: Enqueue, oldPod: Pod, curPod: Pod): void {
    if (curPod.metadata?.resourceVersion === oldPod.metadata?.resourceVersion) return;
    if (curPod.metadata?.deletionTimestamp !== undefined) {
      // A graceful deletion began: act now rather than when the kubelet is done.
      this.onPodDeleted(queue, curPod);
      return;
    }
    this.onOwnedUpdated(queue, oldPod, curPod);
    const ds = this.owner(curPod);
    if (ds === undefined) return;
    const recheck = becameReadyRecheckMs(oldPod, curPod, ds.spec?.minReadySeconds ?? 0);
    if (recheck !== undefined) queue.addAfter(keyOf(ds), recheck);
  }

  private onPodDeleted(queue: Enqueue, pod: Pod): void {
    const ds = this.owner(pod);
    if (ds === undefined) return;
    const key = keyOf(ds);
    this.expectations.deletionObserved(key, pod.metadata?.uid);
    queue.add(key);
  }

  // ---- sync -----------------------------------------------------------------------------------

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.dsInformer.lister.get(namespace, name);
    if (cached === undefined) {
      this.expectations.forget(key);
      this.log.debug({ daemonset: key }, 'Daemon set has been deleted');
      return;
    }
    const ds: DaemonSet = { ...cloneJson(cached), apiVersion: CONTROLLER_API_VERSION, kind: CONTROLLER_KIND };
    const nodes = this.nodeInformer.lister.list();
    const gate = syncGate(ds);
    if (gate === 'selecting-all') {
      this.recorder.event(ds, 'Warning', REASON_SELECTING_ALL, SELECTING_ALL_MESSAGE);
      return;
    }
    // Its history may already be gone (or orphaned), so its status cannot be computed reliably.
    if (gate === 'deleting') return;

    const selector = selectorOf(ds.spec?.selector);
    if (selector === undefined) throw new Error(`failed to construct revisions of DaemonSet: invalid selector ${JSON.stringify(ds.spec?.selector)}`);
    const adoption = new AdoptionCheck(this.ctx, ds);
    const revisions = await this.claim(CONTROLLERREVISIONS, ds, selector, this.historyInformer.lister.list(namespace), adoption);
    const pods = await this.claim(PODS, ds, selector, this.podInformer.lister.list(namespace), adoption);
    let history: { hash: string; old: ControllerRevision[] };
    try {
      history = await this.constructHistory(ds, planHistory({ ds, revisions, pods }));
    } catch (err) {
      throw new Error(`failed to construct revisions of DaemonSet: ${messageOf(err)}`, { cause: err });
    }

    const now = this.ctx.clock.now();
    this.backoff.gc(now);
    const satisfied = this.expectations.satisfied(key);
    const plan = planDaemonSet({
      ds, nodes, pods, hash: history.hash, oldRevisions: history.old, now, expectationsSatisfied: satisfied, backoff: this.backoff,
    });
    for (const k of plan.backoffNext) this.backoff.next(k, now);
    for (const e of plan.events) this.recorder.event(ds, e.type, e.reason, e.message);

    let err: Error | undefined;
    if (satisfied) {
      err = await this.syncNodes(key, ds, plan.createOn, plan.delete, history.hash);
      if (err === undefined && plan.error !== undefined) err = new Error(plan.error);
      if (err === undefined) err = await this.cleanupHistory(ds, plan.cleanupRevisions);
    }
    let statusErr: Error | undefined;
    if (plan.status !== undefined) {
      try {
        await this.storeStatus(ds, plan.counts, satisfied);
      } catch (e) {
        statusErr = new Error(`error storing status for daemon set ${key}: ${messageOf(e)}`, { cause: e });
      }
    }
    if (err !== undefined) {
      if (statusErr !== undefined) this.log.error({ err: statusErr, daemonset: key }, 'Failed to update status');
      throw err;
    }
    if (statusErr !== undefined) throw statusErr;
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  /**
   * ClaimPods / ClaimControllerRevisions: adopts matching orphans (after an uncached check that
   * the DaemonSet is not being deleted) and releases owned objects that stopped matching.
   */
  private async claim<T extends KubeObject>(resource: ResourceType, ds: DaemonSet, selector: Selector, objects: T[], adoption: AdoptionCheck): Promise<T[]> {
    const claimed: T[] = [];
    const errors: unknown[] = [];
    for (const obj of objects) {
      const decision = claimDecision(obj, ds, selectorMatches(selector, obj.metadata?.labels ?? {}));
      if (decision === 'owned') claimed.push(obj);
      if (decision === 'ignore' || decision === 'owned') continue;
      try {
        if (decision === 'adopt') {
          await adoption.check(obj);
          const ref = newControllerRef(ds, CONTROLLER_API_VERSION, CONTROLLER_KIND);
          const adopted = await this.ctx.client.patch<T>(resource, obj.metadata?.namespace, nameOf(obj), adoptPatch(obj, ref), 'merge');
          claimed.push(adopted);
        } else {
          await this.ctx.client.patch(resource, obj.metadata?.namespace, nameOf(obj), releasePatch(obj, ds.metadata?.uid ?? ''), 'merge');
        }
      } catch (e) {
        // Gone meanwhile: nothing to adopt or release. A uid precondition failure likewise.
        if (!isClientNotFound(e) && !isClientInvalid(e)) errors.push(e);
      }
    }
    const failure = aggregate(errors);
    if (failure !== undefined) throw failure;
    return claimed;
  }

  /** constructHistory: carries the history plan out and returns the current hash and old revisions. */
  private async constructHistory(ds: DaemonSet, plan: HistoryPlan): Promise<{ hash: string; old: ControllerRevision[] }> {
    const ns = ds.metadata?.namespace ?? '';
    for (const r of plan.labelWithName) {
      const labelled = cloneJson(r);
      labelled.metadata = { ...(labelled.metadata ?? {}), labels: { ...(labelled.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: nameOf(r) } };
      await this.ctx.client.update(CONTROLLERREVISIONS, ns, labelled);
    }
    const cur = plan.current;
    if (cur.kind === 'create') {
      const made = await this.snapshot(ds, cur.revision);
      return { hash: made.metadata?.labels?.[REVISION_HASH_LABEL] ?? '', old: plan.old };
    }
    if (cur.duplicates.length > 0) {
      for (const pod of cur.relabelPods) {
        await this.ctx.client.patch(PODS, ns, nameOf(pod), { metadata: { labels: { [REVISION_HASH_LABEL]: plan.hash } } }, 'merge');
      }
      for (const dup of cur.duplicates) await this.ctx.client.delete(CONTROLLERREVISIONS, ns, nameOf(dup));
    }
    if (cur.renumberTo !== undefined) {
      await this.ctx.client.update(CONTROLLERREVISIONS, ns, { ...cloneJson(cur.revision), revision: cur.renumberTo });
    }
    return { hash: plan.hash, old: plan.old };
  }

  /**
   * snapshot: creates the revision. A name already taken by the same template is ours (a retry);
   * taken by another template is a hash collision: collisionCount goes up (unless the count we
   * hashed with was stale) and the sync fails, to be retried with the new count.
   */
  private async snapshot(ds: DaemonSet, revision: ControllerRevision): Promise<ControllerRevision> {
    const ns = ds.metadata?.namespace ?? '';
    try {
      return await this.ctx.client.create(CONTROLLERREVISIONS, ns, revision);
    } catch (err) {
      if (!isClientAlreadyExists(err)) throw err;
      const existing = await this.ctx.client.get<ControllerRevision>(CONTROLLERREVISIONS, ns, nameOf(revision));
      if (revisionMatches(ds, existing)) return existing;
      const fresh = await this.ctx.client.get<DaemonSet>(DAEMONSETS, ns, nameOf(ds));
      const count = fresh.status?.collisionCount;
      if (count !== ds.status?.collisionCount) {
        throw new Error(`found a stale collision count (${String(ds.status?.collisionCount)}, expected ${String(count)}) of DaemonSet "${nameOf(ds)}" while processing; will retry until it is updated`, { cause: err });
      }
      const status = { ...(fresh.status ?? { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 }), collisionCount: (count ?? 0) + 1 };
      await this.ctx.client.updateStatus(DAEMONSETS, ns, { ...fresh, status });
      this.log.info({ daemonset: `${ns}/${nameOf(ds)}`, collisionCount: status.collisionCount }, 'Found a hash collision for DaemonSet - bumping collisionCount to resolve it');
      throw err;
    }
  }

  /**
   * syncNodes: expectations first, then creations in slow-start batches (1, 2, 4, …; a batch with
   * a failure ends them, and the pods never tried are no longer expected) and all deletions at once.
   */
  private async syncNodes(key: string, ds: DaemonSet, createOn: readonly string[], toDelete: readonly Pod[], hash: string): Promise<Error | undefined> {
    this.expectations.expectDeletions(key, toDelete.map((p) => p.metadata?.uid ?? ''));
    this.expectations.raise(key, createOn.length);
    const errors: unknown[] = [];
    const template = daemonPodTemplate(ds, hash);
    const ns = ds.metadata?.namespace ?? '';
    const creations = await slowStartBatch(createOn.length, async (i) => {
      try {
        await createPod(this.ctx.client, this.recorder, ds, daemonPodForNode(ds, template, createOn[i] as string));
      } catch (e) {
        // Nothing can be created in a namespace being deleted; not the DaemonSet's failure.
        if (namespaceTerminating(e)) return;
        this.expectations.creationObserved(key);
        throw e;
      }
    });
    errors.push(...creations.failures);
    const skipped = createOn.length - creations.attempted;
    if (skipped > 0) {
      this.log.debug({ daemonset: key, skipped }, 'Slow-start failure. Skipping creation pods, decrementing expectations for daemon set');
      for (let i = 0; i < skipped; i++) this.expectations.creationObserved(key);
    }
    await Promise.all(toDelete.map(async (pod) => {
      const uid = pod.metadata?.uid ?? '';
      try {
        // A pod already gone will never be observed going.
        if (!await deletePod(this.ctx.client, this.recorder, ds, ns, nameOf(pod))) this.expectations.deletionObserved(key, uid);
      } catch (e) {
        this.expectations.deletionObserved(key, uid);
        errors.push(e);
      }
    }));
    return aggregate(errors);
  }

  private async cleanupHistory(ds: DaemonSet, revisions: readonly ControllerRevision[]): Promise<Error | undefined> {
    for (const r of revisions) {
      try {
        await this.ctx.client.delete(CONTROLLERREVISIONS, ds.metadata?.namespace ?? '', nameOf(r));
      } catch (e) {
        return new Error(`failed to clean up revisions of DaemonSet: ${messageOf(e)}`, { cause: e });
      }
    }
    return undefined;
  }

  /** storeDaemonSetStatus: PUT the status subresource; after a failure, GET and PUT once more. */
  private async storeStatus(ds: DaemonSet, counts: StatusCounts, updateObservedGeneration: boolean): Promise<void> {
    const ns = ds.metadata?.namespace ?? '';
    let target: DaemonSet = ds;
    for (let i = 0; ; i++) {
      const observed = updateObservedGeneration ? ds.metadata?.generation : target.status?.observedGeneration;
      try {
        await this.ctx.client.updateStatus(DAEMONSETS, ns, { ...target, status: withCounts(target.status, counts, observed) });
        return;
      } catch (err) {
        if (i >= STATUS_UPDATE_RETRIES) throw err;
      }
      target = await this.ctx.client.get<DaemonSet>(DAEMONSETS, ns, nameOf(ds));
    }
  }
}

/**
 * RecheckDeletionTimestamp: before the first adoption of a sync, an uncached read that the
 * DaemonSet is still the same object and not being deleted (a stale cache must not adopt).
 */
class AdoptionCheck {
  private result: Promise<void> | undefined;

  constructor(private readonly ctx: ControllerContext, private readonly ds: DaemonSet) {}

  async check(obj: KubeObject): Promise<void> {
    this.result ??= this.recheck();
    try {
      await this.result;
    } catch (err) {
      throw new Error(`can't adopt ${obj.kind ?? 'object'} ${obj.metadata?.namespace ?? ''}/${nameOf(obj)} (${obj.metadata?.uid ?? ''}): ${messageOf(err)}`, { cause: err });
    }
  }

  private async recheck(): Promise<void> {
    const ns = this.ds.metadata?.namespace ?? '';
    const name = nameOf(this.ds);
    const fresh = await this.ctx.client.get<DaemonSet>(DAEMONSETS, ns, name);
    if (fresh.metadata?.uid !== this.ds.metadata?.uid) {
      throw new Error(`original DaemonSet ${ns}/${name} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${this.ds.metadata?.uid ?? ''}`);
    }
    if (fresh.metadata?.deletionTimestamp !== undefined) throw new Error(`${ns}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}
