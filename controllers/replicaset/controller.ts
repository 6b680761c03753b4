// The ReplicaSet controller's executor (kube-controller-manager's ReplicaSetController): informer
// handlers that keep expectations and name the ReplicaSets to sync, and a sync that reads the
// caches, plans (planner.ts) and carries the plan out through the API client — adoptions and
// releases, slow-start creations, ranked deletions, then the status.
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { isClientInvalid, isClientNotFound } from '../../kube/client/client.ts';
import { PODS, REPLICASETS } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { selectorOf, type Selector } from '../../kube/labels/selector.ts';
import { cloneJson } from '../../lib/clone.ts';
import type { Logger } from '../../lib/log.ts';
import { controllersSelecting, resolveControllerRef } from '../framework/controller-lookup.ts';
import { aggregate, asError, messageOf, namespaceTerminating } from '../framework/errors.ts';
import { ControllerExpectations, ownObjectHandlers } from '../framework/expectations.ts';
import { canonicalJson } from '../framework/hash.ts';
import { adoptPatch, controllerOf, newControllerRef, releasePatch } from '../framework/owners.ts';
import { createPod, deletePod, podFromTemplate } from '../framework/pod-control.ts';
import { becameReadyRecheckMs } from '../framework/pod-state.ts';
import { slowStartBatch } from '../framework/slow-start.ts';
import { keyOf, splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler, type SyncResult } from '../framework/types.ts';
import { indirectlyRelatedPods } from './lookup.ts';
import { BURST_REPLICAS, planClaims, planManage, type ManagePlan } from './planner.ts';
import { availabilityRecheckMs, calculateStatus, statusToWrite, statusUpToDate } from './status.ts';

export const REPLICASET_CONTROLLER = 'replicaset-controller';
const API_VERSION = 'apps/v1';
const KIND = 'ReplicaSet';
/** statusUpdateRetries: one GET and a second PUT after a failed status write. */
const STATUS_UPDATE_RETRIES = 1;

export interface ReplicaSetControllerOptions {
  burstReplicas?: number;
}

/** Go's time.Time String() for a UTC time ("2006-01-02 15:04:05 +0000 UTC"). */
function goTimeString(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

export class ReplicaSetController implements Reconciler {
  readonly name = REPLICASET_CONTROLLER;
  readonly workers = 5;
  readonly expectations: ControllerExpectations;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly burstReplicas: number;

  constructor(private readonly ctx: ControllerContext, options: ReplicaSetControllerOptions = {}) {
    this.expectations = new ControllerExpectations(ctx.clock);
    this.rsInformer = ctx.informers.informer<ReplicaSet>(REPLICASETS);
    this.podInformer = ctx.informers.informer<Pod>(PODS);
    this.recorder = ctx.recorder(REPLICASET_CONTROLLER);
    this.log = ctx.log.child({ controller: REPLICASET_CONTROLLER });
    this.burstReplicas = options.burstReplicas ?? BURST_REPLICAS;
  }

  watch(queue: Enqueue): void {
    this.rsInformer.addHandler(ownObjectHandlers(queue, this.expectations));
    this.podInformer.addHandler({
      add: (pod) => { this.onPodAdded(queue, pod); },
      update: (oldPod, curPod) => { this.onPodUpdated(queue, oldPod, curPod); },
      delete: (pod) => { this.onPodDeleted(queue, pod); },
    });
  }

  private enqueueMatching(queue: Enqueue, pod: Pod): void {
    for (const rs of controllersSelecting(this.rsInformer.lister, pod.metadata?.namespace ?? '', pod.metadata?.labels)) queue.add(keyOf(rs));
  }

  private onPodAdded(queue: Enqueue, pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Seen for the first time already terminating (a restart): not a creation we waited for.
      this.onPodDeleted(queue, pod);
      return;
    }
    const ref = controllerOf(pod);
    if (ref !== undefined) {
      const rs = resolveControllerRef(this.rsInformer.lister, KIND, pod.metadata?.namespace ?? '', ref);
      if (rs === undefined) return;
      const key = keyOf(rs);
      this.expectations.creationObserved(key);
      queue.add(key);
      return;
    }
    // An orphan: no controller waits for it, but a matching one may adopt it.
    this.enqueueMatching(queue, pod);
  }

  private onPodUpdated(queue: Enqueue, oldPod: Pod, curPod: Pod): void {
    // A resync repeats the same version; two versions of a pod always differ here.
    if (curPod.metadata?.resourceVersion === oldPod.metadata?.resourceVersion) return;
    const labelChanged = !sameJson(oldPod.metadata?.labels ?? {}, curPod.metadata?.labels ?? {});
    if (curPod.metadata?.deletionTimestamp !== undefined) {
      // A graceful deletion began: replace the pod now rather than when the kubelet is done.
      this.onPodDeleted(queue, curPod);
      if (labelChanged) this.onPodDeleted(queue, oldPod);
      return;
    }
    const curRef = controllerOf(curPod);
    const oldRef = controllerOf(oldPod);
    const refChanged = !sameJson(curRef, oldRef);
    if (refChanged && oldRef !== undefined) {
      const old = resolveControllerRef(this.rsInformer.lister, KIND, oldPod.metadata?.namespace ?? '', oldRef);
      if (old !== undefined) queue.add(keyOf(old));
    }
    if (curRef !== undefined) {
      const rs = resolveControllerRef(this.rsInformer.lister, KIND, curPod.metadata?.namespace ?? '', curRef);
      if (rs === undefined) return;
      const key = keyOf(rs);
      queue.add(key);
      const recheck = becameReadyRecheckMs(oldPod, curPod, rs.spec?.minReadySeconds ?? 0);
      if (recheck !== undefined) queue.addAfter(key, recheck);
      return;
    }
    if (labelChanged || refChanged) this.enqueueMatching(queue, curPod);
  }

  private onPodDeleted(queue: Enqueue, pod: Pod): void {
    const ref = controllerOf(pod);
    if (ref === undefined) return;
    const rs = resolveControllerRef(this.rsInformer.lister, KIND, pod.metadata?.namespace ?? '', ref);
    if (rs === undefined) return;
    const key = keyOf(rs);
    this.expectations.deletionObserved(key, pod.metadata?.uid);
    queue.add(key);
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.rsInformer.lister.get(namespace, name);
    if (cached === undefined) {
      this.expectations.forget(key);
      return;
    }
    const rs: ReplicaSet = { ...cloneJson(cached), apiVersion: API_VERSION, kind: KIND };
    const satisfied = this.expectations.satisfied(key);
    const selector = selectorOf(rs.spec?.selector);
    if (selector === undefined) {
      this.log.error({ replicaSet: key }, 'error converting pod selector to selector');
      return;
    }
    const claimed = await this.claimPods(rs, selector, this.podInformer.lister.list(namespace));

    const manage = planManage({
      rs,
      claimed,
      relatedPods: () => indirectlyRelatedPods(this.rsInformer.lister, this.podInformer.lister, rs),
      now: this.ctx.clock.now(),
      expectationsSatisfied: satisfied,
      burstReplicas: this.burstReplicas,
    });
    const manageError = await this.manageReplicas(key, rs, manage);

    const status = calculateStatus(rs, claimed, manageError?.message, this.ctx.clock.now());
    const updated = statusUpToDate(rs, status) ? rs : await this.writeStatus(rs, status);
    if (manageError !== undefined) throw manageError;
    const after = availabilityRecheckMs(updated, updated.status ?? { replicas: 0 });
    return after === undefined ? undefined : { requeueAfterMs: after };
  }

  /** ClaimPods: adopts and releases as planned; any failure fails the sync after trying them all. */
  private async claimPods(rs: ReplicaSet, selector: Selector, pods: Pod[]): Promise<Pod[]> {
    const plan = planClaims(rs, selector, pods);
    const errors: unknown[] = [];
    const lost = new Set<Pod>();
    let canAdopt: Promise<void> | undefined;
    for (const pod of plan.adopt) {
      try {
        canAdopt ??= this.recheckDeletion(rs);
        try {
          await canAdopt;
        } catch (err) {
          throw new Error(`can't adopt Pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} (${pod.metadata?.uid ?? ''}): ${messageOf(err)}`, { cause: err });
        }
        await this.ctx.client.patch(PODS, pod.metadata?.namespace, pod.metadata?.name ?? '', adoptPatch(pod, newControllerRef(rs, API_VERSION, KIND)), 'merge');
      } catch (err) {
        lost.add(pod);
        if (!isClientNotFound(err)) errors.push(err);
      }
    }
    for (const pod of plan.release) {
      try {
        await this.ctx.client.patch(PODS, pod.metadata?.namespace, pod.metadata?.name ?? '', releasePatch(pod, rs.metadata?.uid ?? ''), 'merge');
      } catch (err) {
        // Gone, or made again under the same name (uid precondition): nothing left to release.
        if (!isClientNotFound(err) && !isClientInvalid(err)) errors.push(err);
      }
    }
    const failure = aggregate(errors);
    if (failure !== undefined) throw failure;
    return plan.claimed.filter((p) => !lost.has(p));
  }

  /** RecheckDeletionTimestamp: an uncached read that the ReplicaSet is still there and not being deleted. */
  private async recheckDeletion(rs: ReplicaSet): Promise<void> {
    const ns = rs.metadata?.namespace ?? '';
    const name = rs.metadata?.name ?? '';
    let fresh: ReplicaSet;
    try {
      fresh = await this.ctx.client.get<ReplicaSet>(REPLICASETS, ns, name);
      if (fresh.metadata?.uid !== rs.metadata?.uid) {
        throw new Error(`original ReplicaSet ${ns}/${name} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${rs.metadata?.uid ?? ''}`);
      }
    } catch (err) {
      throw new Error(`can't recheck DeletionTimestamp: ${messageOf(err)}`, { cause: err });
    }
    const deleted = fresh.metadata?.deletionTimestamp;
    if (deleted !== undefined) throw new Error(`${ns}/${name} has just been deleted at ${goTimeString(deleted)}`);
  }

  /** manageReplicas: returns the first error (creations or deletions) rather than throwing. */
  private async manageReplicas(key: string, rs: ReplicaSet, plan: ManagePlan): Promise<Error | undefined> {
    if (plan.action === 'create') return this.createReplicas(key, rs, plan.count);
    if (plan.action === 'delete') return this.deleteReplicas(key, rs, plan.pods);
    return undefined;
  }

  private async createReplicas(key: string, rs: ReplicaSet, count: number): Promise<Error | undefined> {
    this.expectations.expectCreations(key, count);
    this.log.debug({ replicaSet: key, need: rs.spec?.replicas, creating: count }, 'Too few replicas');
    const template = rs.spec?.template ?? {};
    const ref = newControllerRef(rs, API_VERSION, KIND);
    const result = await slowStartBatch(count, async () => {
      const pod = podFromTemplate(template, rs, ref);
      if (Object.keys(pod.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
      try {
        await createPod(this.ctx.client, this.recorder, rs, pod);
      } catch (err) {
        // Nothing can be created in a namespace being deleted; that is not the ReplicaSet's failure.
        if (namespaceTerminating(err)) return;
        throw err;
      }
    });
    // Pods never attempted (or failed) will not be seen by the informer: stop waiting for them.
    const skipped = count - result.successes;
    for (let i = 0; i < skipped; i++) this.expectations.creationObserved(key);
    if (skipped > 0) this.log.debug({ replicaSet: key, skipped }, 'Slow-start failure. Skipping creation of pods, decrementing expectations');
    return result.failures.length === 0 ? undefined : asError(result.failures[0]);
  }

  private async deleteReplicas(key: string, rs: ReplicaSet, pods: Pod[]): Promise<Error | undefined> {
    this.log.debug({ replicaSet: key, need: rs.spec?.replicas, deleting: pods.length }, 'Too many replicas');
    this.expectations.expectDeletions(key, pods.map((p) => p.metadata?.uid ?? ''));
    const ns = rs.metadata?.namespace ?? '';
    const errors: Error[] = [];
    await Promise.all(pods.map(async (pod) => {
      const uid = pod.metadata?.uid ?? '';
      try {
        // A pod already gone is not an error, but its deletion will never be observed either.
        if (!await deletePod(this.ctx.client, this.recorder, rs, ns, pod.metadata?.name ?? '')) this.expectations.deletionObserved(key, uid);
      } catch (err) {
        this.expectations.deletionObserved(key, uid);
        errors.push(new Error(`unable to delete pods: ${messageOf(err)}`, { cause: err }));
      }
    }));
    return errors[0];
  }

  /** updateReplicaSetStatus: PUT the status subresource; after a failure, GET and PUT once more. */
  private async writeStatus(rs: ReplicaSet, next: ReplicaSetStatus): Promise<ReplicaSet> {
    const status = statusToWrite(rs, next);
    const ns = rs.metadata?.namespace;
    let target: ReplicaSet = rs;
    for (let i = 0; ; i++) {
      try {
        return await this.ctx.client.updateStatus<ReplicaSet>(REPLICASETS, ns, { ...target, status });
      } catch (err) {
        if (i >= STATUS_UPDATE_RETRIES) throw err;
      }
      target = await this.ctx.client.get<ReplicaSet>(REPLICASETS, ns, rs.metadata?.name ?? '');
    }
  }
}

