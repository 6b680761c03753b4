// The Job controller's executor (job_controller.go): informer handlers that enqueue jobs the way
// upstream does (job events at once, pod events and status-only updates batched by a second),
// expectations, adoption, and a sync that runs the planner's decisions against the API: pod
// creations in slow-start batches, deletions, status flushes around the tracking-finalizer
// removals, and the events. Orphaned pods still holding the tracking finalizer get it removed
// through keys of their own ("orphan-pod:<ns>/<name>"), upstream's second queue.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { isClientInvalid, isClientNotFound } from '../../kube/client/client.ts';
import { JOBS, PODS } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { selectorMatches, selectorOf } from '../../kube/labels/selector.ts';
import { cloneJson } from '../../lib/clone.ts';
import { controllersSelecting, resolveControllerRef } from '../framework/controller-lookup.ts';
import { asError, namespaceTerminating } from '../framework/errors.ts';
import { ControllerExpectations } from '../framework/expectations.ts';
import { timeMs } from '../framework/meta-time.ts';
import { claimDecision, controllerOf, newControllerRef } from '../framework/owners.ts';
import { createPod, deletePod } from '../framework/pod-control.ts';
import { isPodReady } from '../framework/pod-state.ts';
import { slowStartBatch } from '../framework/slow-start.ts';
import { keyOf, splitKey, type ControllerContext, type Enqueue, type EventRecorder, type Reconciler } from '../framework/types.ts';
import type { BackoffRecord } from './backoff.ts';
import { isJobFinished } from './conditions.ts';
import { JOB_CONTROLLER, JOB_TRACKING_FINALIZER, SYNC_BATCH_PERIOD_MS } from './constants.ts';
import { FinalizerExpectations } from './finalizer-expectations.ts';
import { externalManager } from './job-spec.ts';
import { planJobStatus, planJobSync, type JobStatusPlan, type JobSyncPlan, type PodActionOutcome } from './planner.ts';
import { hasTrackingFinalizer, uidOf } from './pods.ts';
import { cleanUncounted, enactJobFinished, finishedEvents, wireJob } from './tracking.ts';

const ORPHAN_PREFIX = 'orphan-pod:';

/** The strategic merge patch that drops the tracking finalizer (removeTrackingFinalizerPatch). */
const REMOVE_FINALIZER_PATCH = { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } };

/** Jobs from a list lack kind/apiVersion; events need them in involvedObject. */
function asJob(job: Job): Job {
  return { ...job, apiVersion: 'batch/v1', kind: 'Job' };
}

function sameRef(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class JobController implements Reconciler {
  readonly name = 'job-controller';
  /** --concurrent-job-syncs default. */
  readonly workers = 5;
  private queue: Enqueue | undefined;
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly expectations: ControllerExpectations;
  private readonly finalizerExpectations = new FinalizerExpectations();
  /** podBackoffStore: the failure back-off per job key. */
  private readonly backoffs = new Map<string, BackoffRecord>();

  constructor(private readonly ctx: ControllerContext) {
    this.jobs = ctx.informers.informer<Job>(JOBS);
    this.pods = ctx.informers.informer<Pod>(PODS);
    this.recorder = ctx.recorder(JOB_CONTROLLER);
    this.expectations = new ControllerExpectations(ctx.clock);
  }

  watch(queue: Enqueue): void {
    this.queue = queue;
    this.jobs.addHandler({
      add: (job) => { queue.add(keyOf(job)); },
      update: (oldJob, job) => { this.updateJob(oldJob, job); },
      delete: (job) => {
        queue.add(keyOf(job));
        this.cleanupPodFinalizers(job);
      },
    });
    this.pods.addHandler({
      add: (pod) => { this.addPod(pod); },
      update: (oldPod, pod) => { this.updatePod(oldPod, pod); },
      delete: (pod) => { this.deletePod(pod, true); },
    });
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_PREFIX)) await this.syncOrphanPod(key.slice(ORPHAN_PREFIX.length));
    else await this.syncJob(key);
  }

  // ---- informer handlers ------------------------------------------------------------------------

  private enqueueBatched(job: Job): void {
    this.queue?.addAfter(keyOf(job), SYNC_BATCH_PERIOD_MS);
  }

  private enqueueOrphan(pod: Pod): void {
    this.queue?.add(ORPHAN_PREFIX + keyOf(pod));
  }

  private updateJob(oldJob: Job, job: Job): void {
    const key = keyOf(job);
    // A spec change is acted on at once; status-only updates (mostly our own) are batched.
    if (oldJob.metadata?.generation === job.metadata?.generation) this.queue?.addAfter(key, SYNC_BATCH_PERIOD_MS);
    else this.queue?.add(key);
    // Backup: a finished job should hold no pod finalizers.
    if (isJobFinished(job)) this.cleanupPodFinalizers(job);
    const start = timeMs(job.status?.startTime);
    const ads = job.spec?.activeDeadlineSeconds ?? undefined;
    if (start !== undefined && ads !== undefined) {
      const oldAds = oldJob.spec?.activeDeadlineSeconds ?? undefined;
      if (oldAds === undefined || oldAds !== ads) this.queue?.addAfter(key, ads * 1000 - (this.ctx.clock.now() - start));
    }
  }

  /** resolveControllerRef. */
  private resolve(namespace: string, ref: OwnerReference): Job | undefined {
    return resolveControllerRef(this.jobs.lister, 'Job', namespace, ref);
  }

  /** GetPodJobs: the jobs whose selector matches an orphan's labels. */
  private podJobs(pod: Pod): Job[] {
    return controllersSelecting(this.jobs.lister, pod.metadata?.namespace ?? '', pod.metadata?.labels);
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // A restarted controller may meet a pod already being deleted: not a creation.
      this.deletePod(pod, false);
      return;
    }
    const ref = controllerOf(pod);
    if (ref !== undefined) {
      const job = this.resolve(pod.metadata?.namespace ?? '', ref);
      if (job === undefined) return;
      this.expectations.creationObserved(keyOf(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.enqueueOrphan(pod);
    for (const job of this.podJobs(pod)) this.enqueueBatched(job);
  }

  private updatePod(oldPod: Pod, pod: Pod): void {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Replacements start as soon as a pod is terminating, not when it is finally gone.
      this.deletePod(pod, false);
      return;
    }
    const finalizerRemoved = !hasTrackingFinalizer(pod);
    const ref = controllerOf(pod);
    const oldRef = controllerOf(oldPod);
    const refChanged = !sameRef(ref, oldRef);
    if (refChanged && oldRef !== undefined) {
      const job = this.resolve(oldPod.metadata?.namespace ?? '', oldRef);
      if (job !== undefined) {
        if (finalizerRemoved) this.finalizerExpectations.observed(keyOf(job), uidOf(pod));
        this.enqueueBatched(job);
      }
    }
    if (ref !== undefined) {
      const job = this.resolve(pod.metadata?.namespace ?? '', ref);
      if (job === undefined) return;
      if (finalizerRemoved) this.finalizerExpectations.observed(keyOf(job), uidOf(pod));
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.enqueueOrphan(pod);
    const labelsChanged = JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const job of this.podJobs(pod)) this.enqueueBatched(job);
  }

  /** final: the pod left the cache; otherwise it only got its deletionTimestamp. */
  private deletePod(pod: Pod, final: boolean): void {
    const ref = controllerOf(pod);
    const hasFinalizer = hasTrackingFinalizer(pod);
    if (ref === undefined) {
      if (hasFinalizer) this.enqueueOrphan(pod);
      return;
    }
    const job = this.resolve(pod.metadata?.namespace ?? '', ref);
    if (job === undefined || isJobFinished(job)) {
      // syncJob will not remove this finalizer.
      if (hasFinalizer) this.enqueueOrphan(pod);
      return;
    }
    const key = keyOf(job);
    this.expectations.deletionObserved(key, uidOf(pod));
    if (final || !hasFinalizer) this.finalizerExpectations.observed(key, uidOf(pod));
    this.enqueueBatched(job);
  }

  private cleanupPodFinalizers(job: Job): void {
    const sel = selectorOf(job.spec?.selector);
    if (sel === undefined) return;
    for (const pod of this.pods.lister.list(job.metadata?.namespace ?? '')) {
      if (!selectorMatches(sel, pod.metadata?.labels ?? {})) continue;
      if (controllerOf(pod)?.uid === job.metadata?.uid && hasTrackingFinalizer(pod)) this.enqueueOrphan(pod);
    }
  }

  // ---- orphan pods --------------------------------------------------------------------------------

  private async syncOrphanPod(podKey: string): Promise<void> {
    const { namespace, name } = splitKey(podKey);
    const pod = this.pods.lister.get(namespace, name);
    if (pod === undefined) return;
    const ref = controllerOf(pod);
    if (ref !== undefined) {
      // Owned by something other than a batch/v1 Job: not ours to touch.
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.resolve(namespace, ref);
      if (job !== undefined && externalManager(job) !== undefined) return;
      // Adopted again (or still running): its job removes the finalizer.
      if (job !== undefined && !isJobFinished(job)) return;
    }
    if (!hasTrackingFinalizer(pod)) return;
    try {
      await this.ctx.client.patch(PODS, namespace, name, REMOVE_FINALIZER_PATCH, 'strategic');
    } catch (err) {
      if (!isClientNotFound(err)) throw err;
    }
  }

  // ---- jobs ---------------------------------------------------------------------------------------

  private async syncJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    if (namespace === '' || name === '') throw new Error(`invalid job key "${key}": either namespace or name is missing`);
    const shared = this.jobs.lister.get(namespace, name);
    if (shared === undefined) {
      this.expectations.forget(key);
      this.finalizerExpectations.forget(key);
      this.backoffs.delete(key);
      return;
    }
    if (externalManager(shared) !== undefined) return;
    if (isJobFinished(shared)) {
      this.backoffs.delete(key);
      return;
    }
    const mode = shared.spec?.completionMode;
    if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.recorder.event(asJob(shared), 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    // Read before listing pods: a pod created after this point defers the sync to its own event.
    const satisfiedExpectations = this.expectations.satisfied(key);
    const pods = await this.podsForJob(shared);
    const plan = planJobSync({
      job: shared, pods, now: this.ctx.clock.now(), satisfiedExpectations,
      expectedRmFinalizers: this.finalizerExpectations.expected(key), backoff: this.backoffs.get(key),
    });
    if (plan.deadlineRequeueMs !== undefined) this.queue?.addAfter(key, plan.deadlineRequeueMs);
    const { outcome, error } = await this.runPodAction(key, plan);
    const statusPlan = planJobStatus(plan, outcome, this.ctx.clock.now());
    for (const e of statusPlan.events) this.recorder.event(asJob(plan.job), e.type, e.reason, e.message);
    await this.trackStatus(key, plan, statusPlan);
    if (error !== undefined) throw asError(error);
  }

  /** getPodsForJob: the namespace's pods claimed for the job (adopting and releasing as needed). */
  private async podsForJob(job: Job): Promise<Pod[]> {
    const sel = selectorOf(job.spec?.selector);
    if (sel === undefined) throw new Error(`couldn't convert Job selector: ${JSON.stringify(job.spec?.selector)}`);
    const namespace = job.metadata?.namespace ?? '';
    const ref = newControllerRef(job, 'batch/v1', 'Job');
    const out: Pod[] = [];
    const errors: unknown[] = [];
    let adoptable: Promise<void> | undefined;
    for (const pod of this.pods.lister.list(namespace)) {
      const matches = selectorMatches(sel, pod.metadata?.labels ?? {});
      const decision = claimDecision(pod, job, matches);
      if (decision === 'owned') {
        out.push(pod);
        continue;
      }
      try {
        if (decision === 'adopt') {
          adoptable ??= this.recheckDeletion(job);
          await adoptable;
          await this.ctx.client.patch(PODS, namespace, pod.metadata?.name ?? '', {
            metadata: { ownerReferences: [ref], uid: uidOf(pod), finalizers: [JOB_TRACKING_FINALIZER] },
          }, 'strategic');
          const adopted = cloneJson(pod);
          const meta = (adopted.metadata ??= {});
          meta.ownerReferences = [...(meta.ownerReferences ?? []), ref];
          if (!hasTrackingFinalizer(adopted)) meta.finalizers = [...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER];
          out.push(adopted);
        } else if (decision === 'release') {
          await this.ctx.client.patch(PODS, namespace, pod.metadata?.name ?? '', {
            metadata: {
              ownerReferences: [{ $patch: 'delete', uid: job.metadata?.uid }], uid: uidOf(pod),
              [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER],
            },
          }, 'strategic');
        }
      } catch (err) {
        // A pod gone, or changed under us (uid precondition), is simply not claimed.
        if (isClientNotFound(err) || (decision === 'release' && isClientInvalid(err))) continue;
        errors.push(err);
      }
    }
    if (errors.length > 0) throw asError(errors[0]);
    return out;
  }

  /** RecheckDeletionTimestamp: adopt only for a live job that is still the same object. */
  private async recheckDeletion(job: Job): Promise<void> {
    const fresh = await this.ctx.client.get<Job>(JOBS, job.metadata?.namespace, job.metadata?.name ?? '');
    if (fresh.metadata?.uid !== job.metadata?.uid) {
      throw new Error(`original Job ${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${job.metadata?.uid ?? ''}`);
    }
    if (fresh.metadata?.deletionTimestamp !== undefined) {
      throw new Error(`${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }

  /** Runs the plan's pod action; errors are returned so that status tracking still happens. */
  private async runPodAction(key: string, plan: JobSyncPlan): Promise<{ outcome: PodActionOutcome; error: unknown }> {
    const job = asJob(plan.job);
    const action = plan.action;
    switch (action.type) {
      case 'terminate': return this.deleteActivePods(job, action.pods);
      case 'delete': return this.deleteJobPods(key, job, action.pods);
      case 'create': return this.createPods(key, job, action.pods);
      case 'backoff':
        this.queue?.addAfter(key, action.delayMs);
        return { outcome: {}, error: undefined };
      case 'none': return { outcome: {}, error: undefined };
    }
  }

  /** deleteActivePods: DELETE only (finalizers stay until the pods are counted). */
  private async deleteActivePods(job: Job, pods: readonly Pod[]): Promise<{ outcome: PodActionOutcome; error: unknown }> {
    let removed = pods.length;
    let removedReady = 0;
    let error: unknown;
    await Promise.all(pods.map(async (pod) => {
      try {
        await deletePod(this.ctx.client, this.recorder, job, job.metadata?.namespace ?? '', pod.metadata?.name ?? '');
      } catch (err) {
        removed--;
        error ??= err;
      }
      if (isPodReady(pod)) removedReady++;
    }));
    return { outcome: { removed, removedReady }, error };
  }

  /** deleteJobPods: finalizer removed, then DELETE, under deletion expectations. */
  private async deleteJobPods(key: string, job: Job, pods: readonly Pod[]): Promise<{ outcome: PodActionOutcome; error: unknown }> {
    this.expectations.expectDeletions(key, pods.map(uidOf));
    let removed = pods.length;
    let removedReady = 0;
    let error: unknown;
    const failDelete = (pod: Pod, err: unknown): void => {
      // The informer will never show this deletion.
      this.expectations.deletionObserved(key, uidOf(pod));
      if (!isClientNotFound(err)) {
        removed--;
        error ??= err;
      }
    };
    await Promise.all(pods.map(async (pod) => {
      const ns = pod.metadata?.namespace ?? '';
      const name = pod.metadata?.name ?? '';
      if (hasTrackingFinalizer(pod)) {
        try {
          await this.ctx.client.patch(PODS, ns, name, REMOVE_FINALIZER_PATCH, 'strategic');
        } catch (err) {
          failDelete(pod, err);
          return;
        }
      }
      try {
        const deleted = await deletePod(this.ctx.client, this.recorder, job, ns, name);
        if (!deleted) this.expectations.deletionObserved(key, uidOf(pod));
      } catch (err) {
        failDelete(pod, err);
      }
      if (isPodReady(pod)) removedReady++;
    }));
    return { outcome: { removed, removedReady }, error };
  }

  /** Creations in slow-start batches; a failing batch stops the rest until the next sync. */
  private async createPods(key: string, job: Job, pods: readonly Pod[]): Promise<{ outcome: PodActionOutcome; error: unknown }> {
    this.expectations.expectCreations(key, pods.length);
    const result = await slowStartBatch(pods.length, async (i) => {
      try {
        await createPod(this.ctx.client, this.recorder, job, pods[i] as Pod);
      } catch (err) {
        // All later creations would fail the same way while the namespace goes away.
        if (namespaceTerminating(err)) return;
        this.expectations.creationObserved(key);
        throw err;
      }
    });
    // The pods never tried will not be seen by the informer either.
    const skipped = pods.length - result.attempted;
    for (let i = 0; i < skipped; i++) this.expectations.creationObserved(key);
    return { outcome: { created: result.successes }, error: result.failures[0] };
  }

  private async writeStatus(job: Job): Promise<Job> {
    return this.ctx.client.updateStatus<Job>(JOBS, job.metadata?.namespace, wireJob(job));
  }

  /**
   * trackJobStatusAndRemoveFinalizers from the first flush on: new uids into the status, the
   * finalizers off, the counters up, then the terminal condition once nothing is pending.
   */
  private async trackStatus(key: string, plan: JobSyncPlan, sp: JobStatusPlan): Promise<void> {
    let job = sp.job;
    let needsFlush = sp.needsFlush;
    if (needsFlush) {
      job = await this.writeStatus(job);
      this.backoffs.set(key, plan.backoff);
      needsFlush = false;
    }
    const withFinalizer = new Set(sp.uidsWithFinalizer);
    let rmError: unknown;
    if (sp.podsToRemoveFinalizer.length > 0) {
      this.finalizerExpectations.expectRemoved(key, sp.podsToRemoveFinalizer.map(uidOf));
      await Promise.all(sp.podsToRemoveFinalizer.map(async (pod) => {
        const uid = uidOf(pod);
        try {
          await this.ctx.client.patch(PODS, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', REMOVE_FINALIZER_PATCH, 'strategic');
        } catch (err) {
          // No update will show this removal.
          this.finalizerExpectations.observed(key, uid);
          if (!isClientNotFound(err)) {
            rmError ??= err;
            return;
          }
        }
        withFinalizer.delete(uid);
      }));
    }
    const cleaned = cleanUncounted(job.status ?? {}, withFinalizer);
    job = { ...job, status: cleaned.status };
    if (cleaned.changed) needsFlush = true;
    if (rmError !== undefined) {
      // Keep the partial progress.
      if (needsFlush) await this.writeStatus(job);
      throw asError(rmError);
    }
    const finished = sp.reachedMaxUncounted ? undefined : enactJobFinished(job, sp.finished, sp.terminating, this.ctx.clock.now());
    if (finished !== undefined) {
      job = finished;
      needsFlush = true;
    }
    if (!needsFlush) return;
    job = await this.writeStatus(job);
    if (finished !== undefined && sp.finished !== undefined) {
      for (const e of finishedEvents(job, sp.finished)) this.recorder.event(asJob(job), e.type, e.reason, e.message);
    }
  }
}
