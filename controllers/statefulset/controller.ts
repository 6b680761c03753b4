// The StatefulSet controller's executor (kube-controller-manager's StatefulSetController with
// defaultStatefulSetControl, StatefulPodControl and the status updater): informer handlers that
// name the sets to sync, and a sync that adopts orphan revisions, claims pods, settles the current
// and update revisions, carries out the plan (planner.ts) through the API client with upstream's
// event texts, writes the status and prunes the revision history. Unlike the ReplicaSet controller
// it keeps no expectations: every pod has a fixed name, so a second create only meets AlreadyExists.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.d.ts';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.d.ts';
import { isClientAlreadyExists, isClientConflict, isClientInvalid, isClientNotFound } from '../../kube/client/client.ts';
import { CONTROLLERREVISIONS, PERSISTENTVOLUMECLAIMS, PODS, STATEFULSETS } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { selectorMatches, selectorOf, type Selector } from '../../kube/labels/selector.ts';
import { cloneJson } from '../../lib/clone.ts';
import type { Logger } from '../../lib/log.ts';
import { controllersSelecting, resolveControllerRef } from '../framework/controller-lookup.ts';
import { aggregate, asError, messageOf } from '../framework/errors.ts';
import { equalRevision, hashRevisionData, revisionName, sortRevisions } from '../framework/history.ts';
import { adoptPatch, claimDecision, controllerOf, newControllerRef, releasePatch } from '../framework/owners.ts';
import { becameReadyRecheckMs } from '../framework/pod-state.ts';
import { slowStartBatch } from '../framework/slow-start.ts';
import { keyOf, splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler, type SyncResult } from '../framework/types.ts';
import { isMemberOf } from './identity.ts';
import { claimCandidates, revisionsOf } from './lookup.ts';
import { conformPod, planStatefulSet, type ClaimWork, type PlanUnit, type StatefulSetAction, type StatefulSetPlan } from './planner.ts';
import type { ClaimRetentionWork } from './retention.ts';
import { findCurrentRevision, planUpdateRevision, revisionData, revisionsToPrune } from './revisions.ts';
import { completeRollingUpdate, statusChanged } from './status.ts';

export const STATEFULSET_CONTROLLER = 'statefulset-controller';
const API_VERSION = 'apps/v1';
const KIND = 'StatefulSet';
/** retry.DefaultRetry / DefaultBackoff: attempts of a write that meets a conflict. */
const CONFLICT_ATTEMPTS = 5;
/** MaxBatchSize: a realistic bound on the requests of Parallel work in flight. */
const MAX_BATCH_SIZE = 500;

function titleCase(verb: string): string {
  return verb.charAt(0).toUpperCase() + verb.slice(1);
}

function nameOf(obj: { metadata?: { name?: string } }): string {
  return obj.metadata?.name ?? '';
}

interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

export class StatefulSetController implements Reconciler {
  readonly name = STATEFULSET_CONTROLLER;
  /** --concurrent-statefulset-syncs. */
  readonly workers = 5;
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.sets = ctx.informers.informer<StatefulSet>(STATEFULSETS);
    this.pods = ctx.informers.informer<Pod>(PODS);
    this.claims = ctx.informers.informer<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS);
    this.revisions = ctx.informers.informer<ControllerRevision>(CONTROLLERREVISIONS);
    this.recorder = ctx.recorder(STATEFULSET_CONTROLLER);
    this.log = ctx.log.child({ controller: STATEFULSET_CONTROLLER });
  }

  watch(queue: Enqueue): void {
    this.sets.addHandler({
      add: (set) => { queue.add(keyOf(set)); },
      update: (_old, cur) => { queue.add(keyOf(cur)); },
      delete: (set) => { queue.add(keyOf(set)); },
    });
    this.pods.addHandler({
      add: (pod) => { this.onPodAdded(queue, pod); },
      update: (oldPod, curPod) => { this.onPodUpdated(queue, oldPod, curPod); },
      delete: (pod) => { this.onPodDeleted(queue, pod); },
    });
    // claims and revisions are only read (as upstream: no handlers on them)
  }

  private onPodAdded(queue: Enqueue, pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      this.onPodDeleted(queue, pod);
      return;
    }
    const ref = controllerOf(pod);
    if (ref !== undefined) {
      const set = resolveControllerRef(this.sets.lister, KIND, pod.metadata?.namespace ?? '', ref);
      if (set !== undefined) queue.add(keyOf(set));
      return;
    }
    // an orphan: any set whose selector matches may adopt it
    for (const set of controllersSelecting(this.sets.lister, pod.metadata?.namespace ?? 'default', pod.metadata?.labels)) queue.add(keyOf(set));
  }

  private onPodUpdated(queue: Enqueue, oldPod: Pod, curPod: Pod): void {
    // a resync repeats the same version
    if (curPod.metadata?.resourceVersion === oldPod.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(curPod.metadata?.labels ?? {});
    const oldRef = controllerOf(oldPod);
    const curRef = controllerOf(curPod);
    const refChanged = JSON.stringify(oldRef ?? null) !== JSON.stringify(curRef ?? null);
    if (refChanged && oldRef !== undefined) {
      const old = resolveControllerRef(this.sets.lister, KIND, oldPod.metadata?.namespace ?? '', oldRef);
      if (old !== undefined) queue.add(keyOf(old));
    }
    if (curRef !== undefined) {
      const set = resolveControllerRef(this.sets.lister, KIND, curPod.metadata?.namespace ?? '', curRef);
      if (set === undefined) return;
      queue.add(keyOf(set));
      const recheck = becameReadyRecheckMs(oldPod, curPod, set.spec?.minReadySeconds ?? 0);
      if (recheck !== undefined) queue.addAfter(keyOf(set), recheck);
      return;
    }
    if (labelsChanged || refChanged) for (const set of controllersSelecting(this.sets.lister, curPod.metadata?.namespace ?? 'default', curPod.metadata?.labels)) queue.add(keyOf(set));
  }

  private onPodDeleted(queue: Enqueue, pod: Pod): void {
    const ref = controllerOf(pod);
    // nobody cares about an orphan going away
    if (ref === undefined) return;
    const set = resolveControllerRef(this.sets.lister, KIND, pod.metadata?.namespace ?? '', ref);
    if (set !== undefined) queue.add(keyOf(set));
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.lister.get(namespace, name);
    if (cached === undefined) {
      this.log.debug({ key }, 'StatefulSet has been deleted');
      return undefined;
    }
    const set: StatefulSet = { ...cloneJson(cached), apiVersion: API_VERSION, kind: KIND };
    const selector = selectorOf(set.spec?.selector);
    if (selector === undefined) {
      // not transient: retrying cannot help
      this.log.error({ key }, 'error converting StatefulSet selector');
      return undefined;
    }
    await this.adoptOrphanRevisions(set, selector);
    const pods = await this.claimPods(set, selector);
    const requeueAfterMs = await this.updateStatefulSet(set, selector, pods);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  // ---------------------------------------------------------------------------------------------
  // Ownership

  /** RecheckDeletionTimestamp: an uncached read that the set still exists and is not being deleted. */
  private async canAdopt(set: StatefulSet): Promise<void> {
    const ns = set.metadata?.namespace ?? '';
    let fresh: StatefulSet;
    try {
      fresh = await this.ctx.client.get<StatefulSet>(STATEFULSETS, ns, nameOf(set));
      if (fresh.metadata?.uid !== set.metadata?.uid) {
        throw new Error(`original StatefulSet ${ns}/${nameOf(set)} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${set.metadata?.uid ?? ''}`);
      }
    } catch (err) {
      throw new Error(`can't recheck DeletionTimestamp: ${messageOf(err)}`, { cause: err });
    }
    const deleted = fresh.metadata?.deletionTimestamp;
    if (deleted !== undefined) throw new Error(`${ns}/${nameOf(set)} has just been deleted at ${deleted}`);
  }

  /** adoptOrphanRevisions. */
  private async adoptOrphanRevisions(set: StatefulSet, selector: Selector): Promise<void> {
    const orphans = revisionsOf(this.revisions.lister, set, selector).filter((r) => controllerOf(r) === undefined);
    if (orphans.length === 0) return;
    try {
      await this.canAdopt(set);
    } catch (err) {
      throw new Error(`can't adopt ControllerRevisions: ${messageOf(err)}`, { cause: err });
    }
    const ref = newControllerRef(set, API_VERSION, KIND);
    for (const r of orphans) {
      await this.ctx.client.patch(CONTROLLERREVISIONS, r.metadata?.namespace, nameOf(r), adoptPatch(r, ref), 'merge');
    }
  }

  /**
   * getPodsForStatefulSet / ClaimPods: pods that match the selector and carry one of the set's
   * names are the set's (orphans adopted); owned pods that stop matching are released.
   */
  private async claimPods(set: StatefulSet, selector: Selector): Promise<Pod[]> {
    const claimed: Pod[] = [];
    const errors: unknown[] = [];
    let adoptable: Promise<void> | undefined;
    const ref = newControllerRef(set, API_VERSION, KIND);
    for (const pod of claimCandidates(this.pods.lister, set)) {
      const matches = selectorMatches(selector, pod.metadata?.labels ?? {}) && isMemberOf(set, pod);
      const decision = claimDecision(pod, set, matches);
      if (decision === 'owned') claimed.push(pod);
      else if (decision === 'adopt') {
        try {
          adoptable ??= this.canAdopt(set);
          await adoptable;
          claimed.push(await this.ctx.client.patch<Pod>(PODS, pod.metadata?.namespace, nameOf(pod), adoptPatch(pod, ref), 'merge'));
        } catch (err) {
          if (!isClientNotFound(err)) errors.push(err);
        }
      } else if (decision === 'release') {
        try {
          await this.ctx.client.patch(PODS, pod.metadata?.namespace, nameOf(pod), releasePatch(pod, set.metadata?.uid ?? ''), 'merge');
        } catch (err) {
          // gone, or no longer ours (uid precondition): nothing to release
          if (!isClientNotFound(err) && !isClientInvalid(err)) errors.push(err);
        }
      }
    }
    const err = aggregate(errors);
    if (err !== undefined) throw err;
    return claimed;
  }

  // ---------------------------------------------------------------------------------------------
  // UpdateStatefulSet

  /** Revisions, pods, status, history; returns the re-sync delay, throws the sync's errors. */
  private async updateStatefulSet(set: StatefulSet, selector: Selector, pods: Pod[]): Promise<number | undefined> {
    const revisions = sortRevisions(revisionsOf(this.revisions.lister, set, selector));
    let resolved: Revisions | undefined;
    let plan: StatefulSetPlan | undefined;
    const errors: unknown[] = [];
    try {
      resolved = await this.resolveRevisions(set, revisions);
      plan = planStatefulSet({
        set, pods, claims: (n) => this.claims.lister.get(set.metadata?.namespace ?? '', n),
        currentRevision: resolved.current, updateRevision: resolved.update, collisionCount: resolved.collisionCount, now: this.ctx.clock.now(),
      });
      if (plan.waitingFor !== undefined) this.log.debug({ statefulSet: keyOf(set), ...plan.waitingFor }, 'StatefulSet is waiting for a pod');
      const { error, status } = await this.execute(set, plan);
      // the status is written even when the work failed part way
      let statusError: unknown;
      try {
        await this.writeStatus(set, status);
      } catch (err) {
        statusError = err;
      }
      if (error !== undefined) {
        if (statusError !== undefined) this.log.error({ err: statusError, statefulSet: keyOf(set) }, 'could not update status');
        errors.push(error);
      } else if (statusError !== undefined) errors.push(statusError);
    } catch (err) {
      errors.push(err);
    }
    try {
      await this.truncateHistory(set, pods, revisions, resolved?.current, resolved?.update);
    } catch (err) {
      errors.push(err);
    }
    const err = aggregate(errors);
    if (err !== undefined) throw err;
    return plan?.requeueAfterMs;
  }

  /** getStatefulSetRevisions: may create the update revision, or renumber an older equal one. */
  private async resolveRevisions(set: StatefulSet, sorted: ControllerRevision[]): Promise<Revisions> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const step = planUpdateRevision(set, sorted, collisionCount);
    let update: ControllerRevision;
    if (step.kind === 'existing') update = step.revision;
    else if (step.kind === 'renumber') {
      update = await this.ctx.client.patch<ControllerRevision>(CONTROLLERREVISIONS, step.revision.metadata?.namespace, nameOf(step.revision), { revision: step.to }, 'merge');
    } else {
      const created = await this.createRevision(set, step.revision, collisionCount);
      update = created.revision;
      collisionCount = created.collisionCount;
    }
    return { current: findCurrentRevision(set, sorted, update), update, collisionCount };
  }

  /** CreateControllerRevision: a name taken by different data counts a collision and hashes again. */
  private async createRevision(set: StatefulSet, revision: ControllerRevision, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    const ns = set.metadata?.namespace ?? '';
    const data = revisionData(set);
    let count = collisionCount;
    for (;;) {
      const candidate: ControllerRevision = { ...revision, metadata: { ...(revision.metadata ?? {}), name: revisionName(nameOf(set), hashRevisionData(data, count)) } };
      try {
        return { revision: await this.ctx.client.create<ControllerRevision>(CONTROLLERREVISIONS, ns, candidate), collisionCount: count };
      } catch (err) {
        if (!isClientAlreadyExists(err)) throw err;
        const existing = await this.ctx.client.get<ControllerRevision>(CONTROLLERREVISIONS, ns, nameOf(candidate));
        if (equalRevision(existing, candidate)) return { revision: existing, collisionCount: count };
        count++;
      }
    }
  }

  /** truncateHistory. */
  private async truncateHistory(
    set: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[],
    current: ControllerRevision | undefined, update: ControllerRevision | undefined,
  ): Promise<void> {
    for (const r of revisionsToPrune(set, pods, revisions, current, update)) {
      try {
        await this.ctx.client.delete(CONTROLLERREVISIONS, r.metadata?.namespace, nameOf(r));
      } catch (err) {
        if (!isClientNotFound(err)) throw err;
      }
    }
  }

  /** updateStatefulSetStatus: completes a finished rolling update; writes only a changed status. */
  private async writeStatus(set: StatefulSet, planned: StatefulSetStatus): Promise<void> {
    const status = completeRollingUpdate(set, planned);
    if (!statusChanged(set, status)) return;
    let target: StatefulSet = set;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ctx.client.updateStatus<StatefulSet>(STATEFULSETS, set.metadata?.namespace, { ...target, status });
        return;
      } catch (err) {
        if (!isClientConflict(err) || attempt >= CONFLICT_ATTEMPTS) throw err;
        target = await this.ctx.client.get<StatefulSet>(STATEFULSETS, set.metadata?.namespace, nameOf(set));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Carrying out a plan

  /** Runs the phases until one fails; the status comes back corrected for a failed update deletion. */
  private async execute(set: StatefulSet, plan: StatefulSetPlan): Promise<{ error?: unknown; status: StatefulSetStatus }> {
    for (const phase of plan.phases) {
      let error: unknown;
      if (phase.ordered) {
        for (const unit of phase.units) {
          try {
            await this.runUnit(set, unit);
          } catch (err) {
            error = err;
            break;
          }
        }
      } else {
        const result = await slowStartBatch(phase.units.length, (i) => this.runUnit(set, phase.units[i] as PlanUnit), { maxBatch: MAX_BATCH_SIZE });
        error = aggregate(result.failures);
      }
      if (error !== undefined) {
        // the pod meant to leave for the update is still there
        const status = phase.name === 'update' ? { ...plan.status, currentReplicas: (plan.status.currentReplicas ?? 0) + 1 } : plan.status;
        return { error, status };
      }
    }
    return { status: plan.status };
  }

  private async runUnit(set: StatefulSet, unit: PlanUnit): Promise<void> {
    for (const action of unit.actions) await this.run(set, action);
  }

  private run(set: StatefulSet, action: StatefulSetAction): Promise<void> {
    switch (action.type) {
      case 'deletePod': return this.deletePod(set, action.name, action.ignoreNotFound);
      case 'createPod': return this.createPod(set, action.pod, action.claims);
      case 'ensureClaims': return this.ensureClaims(set, action.pod, action.claims);
      case 'updatePod': return this.updatePod(set, action.pod, action.claims);
      case 'updateClaims': return this.updateClaimRetention(set, action.claims);
    }
  }

  /** recordPodEvent. */
  private podEvent(verb: string, set: StatefulSet, pod: string, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(set, 'Normal', `Successful${titleCase(verb)}`, `${verb} Pod ${pod} in StatefulSet ${nameOf(set)} successful`);
    } else {
      this.recorder.event(set, 'Warning', `Failed${titleCase(verb)}`, `${verb} Pod ${pod} in StatefulSet ${nameOf(set)} failed error: ${messageOf(err)}`);
    }
  }

  /** recordClaimEvent. */
  private claimEvent(verb: string, set: StatefulSet, pod: string, claim: string, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(set, 'Normal', `Successful${titleCase(verb)}`, `${verb} Claim ${claim} Pod ${pod} in StatefulSet ${nameOf(set)} success`);
    } else {
      this.recorder.event(set, 'Warning', `Failed${titleCase(verb)}`, `${verb} Claim ${claim} for Pod ${pod} in StatefulSet ${nameOf(set)} failed error: ${messageOf(err)}`);
    }
  }

  /** DeleteStatefulPod (a rolling update treats a pod already gone as deleted). */
  private async deletePod(set: StatefulSet, name: string, ignoreNotFound: boolean): Promise<void> {
    try {
      await this.ctx.client.delete(PODS, set.metadata?.namespace, name);
      this.podEvent('delete', set, name);
    } catch (err) {
      this.podEvent('delete', set, name, err);
      if (!(ignoreNotFound && isClientNotFound(err))) throw err;
    }
  }

  /** createPersistentVolumeClaims: every missing claim is tried; the failures come back together. */
  private async createClaims(set: StatefulSet, pod: string, work: ClaimWork): Promise<Error | undefined> {
    const errors: Error[] = [];
    for (const claim of work.create) {
      const name = nameOf(claim);
      try {
        await this.ctx.client.create(PERSISTENTVOLUMECLAIMS, claim.metadata?.namespace, claim);
        this.claimEvent('create', set, pod, name);
      } catch (err) {
        errors.push(new Error(`failed to create PVC ${name}: ${messageOf(err)}`));
        if (!isClientAlreadyExists(err)) this.claimEvent('create', set, pod, name, err);
      }
    }
    for (const name of work.terminating) errors.push(new Error(`pvc ${name} is being deleted`));
    return aggregate(errors);
  }

  /** UpdatePodClaimForRetentionPolicy. */
  private async updateClaimRetention(set: StatefulSet, work: ClaimRetentionWork): Promise<void> {
    for (const name of work.conflicting) {
      this.recorder.event(set, 'Warning', 'ConflictingController',
        `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
    }
    for (const claim of work.updates) {
      try {
        await this.ctx.client.update(PERSISTENTVOLUMECLAIMS, claim.metadata?.namespace, claim);
      } catch (err) {
        throw new Error(`could not update claim ${nameOf(claim)} for delete policy ownerRefs: ${messageOf(err)}`, { cause: err });
      }
    }
  }

  /** CreateStatefulPod: claims first, then the pod, then claim ownership; AlreadyExists is silent. */
  private async createPod(set: StatefulSet, pod: Pod, work: ClaimWork): Promise<void> {
    const name = nameOf(pod);
    const claimError = await this.createClaims(set, name, work);
    if (claimError !== undefined) {
      this.podEvent('create', set, name, claimError);
      throw claimError;
    }
    let createError: unknown;
    try {
      await this.ctx.client.create(PODS, pod.metadata?.namespace, pod);
    } catch (err) {
      if (isClientAlreadyExists(err)) throw err;
      createError = err;
    }
    try {
      await this.updateClaimRetention(set, work);
    } catch (err) {
      this.podEvent('update', set, name, err);
      throw err;
    }
    this.podEvent('create', set, name, createError);
    if (createError !== undefined) throw asError(createError);
  }

  /** createMissingPersistentVolumeClaims for a Pending pod. */
  private async ensureClaims(set: StatefulSet, pod: string, work: ClaimWork): Promise<void> {
    const claimError = await this.createClaims(set, pod, work);
    if (claimError !== undefined) throw claimError;
    try {
      await this.updateClaimRetention(set, work);
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
  }

  /** UpdateStatefulPod: claims, then the pod (re-read and made to conform again after a conflict). */
  private async updatePod(set: StatefulSet, planned: Pod, work: ClaimWork): Promise<void> {
    const name = nameOf(planned);
    const ns = planned.metadata?.namespace;
    if (work.create.length + work.terminating.length > 0) {
      const claimError = await this.createClaims(set, name, work);
      if (claimError !== undefined) {
        this.podEvent('update', set, name, claimError);
        throw claimError;
      }
    }
    try {
      await this.updateClaimRetention(set, work);
    } catch (err) {
      this.podEvent('update', set, name, err);
      throw err;
    }
    let pod = planned;
    let error: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ctx.client.update(PODS, ns, pod);
        error = undefined;
        break;
      } catch (err) {
        error = err;
        if (!isClientConflict(err) || attempt >= CONFLICT_ATTEMPTS) break;
        try {
          pod = conformPod(set, await this.ctx.client.get<Pod>(PODS, ns, name));
        } catch (getErr) {
          this.log.warn({ err: getErr, pod: name }, 'error getting updated Pod');
        }
      }
    }
    this.podEvent('update', set, name, error);
    if (error !== undefined) throw asError(error);
  }
}
