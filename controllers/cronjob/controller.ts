// The CronJob controller (kube-controller-manager's "cronjob-controller", ControllerV2): watches
// CronJobs and Jobs (a job's event wakes the CronJob that controls it), and for each CronJob
// deletes finished jobs past the history limits, reconciles status.active, and starts the job
// that is due, then asks to be woken at the next scheduled time. Decisions are in planner.ts;
// this carries them out through the API client, in upstream's order, and writes the status once.
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.d.ts';
import type { ObjectReference } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { isClientAlreadyExists, isClientNotFound, type ApiClient } from '../../kube/client/client.ts';
import { CRONJOBS, JOBS } from '../../kube/client/resources.ts';
import { parseStandard } from '../../kube/cron/schedule.ts';
import { loadLocationError } from '../../kube/cron/zone.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { cloneJson } from '../../lib/clone.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { resolveControllerRef } from '../framework/controller-lookup.ts';
import { messageOf, namespaceTerminating } from '../framework/errors.ts';
import { metaTime } from '../framework/meta-time.ts';
import { controllerOf, isControlledBy } from '../framework/owners.ts';
import type { ControllerContext, Enqueue, EventRecorder, Reconciler, SyncResult } from '../framework/types.ts';
import { keyOf, splitKey } from '../framework/types.ts';
import { jobReference } from './job-state.ts';
import { activeJobsToLookUp, freshCopyNeeded, planCleanup, planSync, type ActiveLookup, type SyncPlan } from './planner.ts';
import { formatSchedule, nextScheduleTimeDuration } from './schedule-times.ts';

export const CONTROLLER_NAME = 'cronjob-controller';

/** Lister objects lack kind and apiVersion; events need them to name the CronJob. */
function asCronJob(cj: CronJob): CronJob {
  return { ...cj, apiVersion: 'batch/v1', kind: 'CronJob' };
}

export class CronJobController implements Reconciler {
  readonly name = CONTROLLER_NAME;
  /** kube-controller-manager's --concurrent-cron-job-syncs default. */
  readonly workers = 5;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly recorder: EventRecorder;
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.log = ctx.log.child({ controller: CONTROLLER_NAME });
    this.recorder = ctx.recorder(CONTROLLER_NAME);
    this.cronJobs = ctx.informers.informer<CronJob>(CRONJOBS);
    this.jobs = ctx.informers.informer<Job>(JOBS);
  }

  watch(queue: Enqueue): void {
    this.cronJobs.addHandler({
      add: (cj) => { queue.add(keyOf(cj)); },
      update: (oldCj, cj) => { this.cronJobUpdated(queue, oldCj, cj); },
      delete: (cj) => { queue.add(keyOf(cj)); },
    });
    this.jobs.addHandler({
      add: (job) => { this.enqueueOwner(queue, job.metadata?.namespace, controllerOf(job)); },
      update: (oldJob, job) => {
        if (oldJob.metadata?.resourceVersion === job.metadata?.resourceVersion) return;
        const ref = controllerOf(job);
        const oldRef = controllerOf(oldJob);
        if (oldRef !== undefined && JSON.stringify(oldRef) !== JSON.stringify(ref)) this.enqueueOwner(queue, oldJob.metadata?.namespace, oldRef);
        this.enqueueOwner(queue, job.metadata?.namespace, ref);
      },
      delete: (job) => { this.enqueueOwner(queue, job.metadata?.namespace, controllerOf(job)); },
    });
  }

  /** resolveControllerRef then enqueue: only a CronJob of that name and uid. */
  private enqueueOwner(queue: Enqueue, namespace: string | undefined, ref: OwnerReference | undefined): void {
    const cj = resolveControllerRef(this.cronJobs.lister, 'CronJob', namespace ?? '', ref);
    if (cj !== undefined) queue.add(keyOf(cj));
  }

  /** A new schedule or zone moves the wake-up to its next time; any other change syncs now. */
  private cronJobUpdated(queue: Enqueue, oldCj: CronJob, cj: CronJob): void {
    const key = keyOf(cj);
    if (oldCj.spec?.schedule === cj.spec?.schedule && oldCj.spec?.timeZone === cj.spec?.timeZone) {
      queue.add(key);
      return;
    }
    const parsed = parseStandard(formatSchedule(cj, (name) => loadLocationError(name) === undefined).schedule);
    if ('error' in parsed) {
      this.recorder.event(asCronJob(cj), 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cj.spec?.schedule ?? ''}`);
      return;
    }
    queue.addAfter(key, nextScheduleTimeDuration(cj, this.clock.now(), parsed.schedule));
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobs.lister.get(namespace, name);
    if (cached === undefined) return undefined;
    // Every job whose controller reference carries this name (labels may have drifted).
    const jobs = this.jobs.lister.list(namespace).filter((j) => controllerOf(j)?.name === name);
    const cj = asCronJob(cloneJson(cached));
    const status: CronJobStatus = cj.status ?? {};
    cj.status = status;

    let statusChanged = false;
    for (const job of planCleanup(cj, jobs)) {
      if (await this.deleteJob(cj, job)) statusChanged = true;
    }

    const plan = planSync({ cronJob: cj, jobs, now: this.clock.now(), ...(await this.reads(cj, jobs)) });
    for (const e of plan.events) this.recorder.event(cj, e.type, e.reason, e.message);
    cj.status = plan.status;
    statusChanged ||= plan.statusChanged;

    let outcome: { requeueAfterMs?: number; error?: string } = {
      ...(plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs }),
      ...(plan.error === undefined ? {} : { error: plan.error }),
    };
    if (plan.error === undefined && (plan.replace.length > 0 || plan.create !== undefined)) {
      const started = await this.start(cj, plan);
      statusChanged ||= started.statusChanged;
      outcome = started;
    }

    if (statusChanged) {
      if ((cj.status.active ?? []).length === 0) delete cj.status.active;
      try {
        await this.client.updateStatus(CRONJOBS, namespace, cj);
      } catch (err) {
        this.log.debug({ cronjob: key, err }, 'unable to update status for cronjob');
        throw err;
      }
    }
    if (outcome.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(0, outcome.requeueAfterMs) };
    if (outcome.error !== undefined) throw new Error(outcome.error);
    return undefined;
  }

  /** The API server reads syncCronJob makes: the CronJob itself, and active jobs the informer lacks. */
  private async reads(cj: CronJob, jobs: readonly Job[]): Promise<{ fresh?: CronJob | { error: string }; activeLookups: Map<string, ActiveLookup> }> {
    const namespace = cj.metadata?.namespace ?? '';
    let fresh: CronJob | { error: string } | undefined;
    if (freshCopyNeeded(cj, jobs)) {
      try {
        fresh = await this.client.get<CronJob>(CRONJOBS, namespace, cj.metadata?.name ?? '');
      } catch (err) {
        fresh = { error: messageOf(err) };
      }
    }
    const activeLookups = new Map<string, ActiveLookup>();
    for (const ref of activeJobsToLookUp(jobs, cj, fresh !== undefined && 'error' in fresh ? undefined : fresh)) {
      try {
        await this.client.get<Job>(JOBS, ref.namespace ?? namespace, ref.name ?? '');
        activeLookups.set(ref.uid ?? '', 'present');
      } catch (err) {
        activeLookups.set(ref.uid ?? '', isClientNotFound(err) ? 'missing' : { error: messageOf(err) });
      }
    }
    return { ...(fresh === undefined ? {} : { fresh }), activeLookups };
  }

  /** Replace's deletions, then the job for the scheduled time, recorded in cj's status. */
  private async start(cj: CronJob, plan: SyncPlan): Promise<{ statusChanged: boolean; requeueAfterMs?: number; error?: string }> {
    let statusChanged = false;
    for (const ref of plan.replace) {
      let job: Job;
      try {
        job = await this.client.get<Job>(JOBS, ref.namespace ?? '', ref.name ?? '');
      } catch (err) {
        this.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${messageOf(err)}`);
        return { statusChanged, error: messageOf(err) };
      }
      if (!(await this.deleteJob(cj, job))) {
        return { statusChanged, error: `could not replace job ${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''}` };
      }
      statusChanged = true;
    }

    const create = plan.create;
    if (create === undefined) return { statusChanged };
    const namespace = cj.metadata?.namespace ?? '';
    let job: Job;
    let alreadyExisted = false;
    try {
      job = await this.client.create<Job>(JOBS, namespace, create.job);
    } catch (err) {
      if (namespaceTerminating(err)) return { statusChanged, error: messageOf(err) };
      if (!isClientAlreadyExists(err)) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${messageOf(err)}`);
        return { statusChanged, error: messageOf(err) };
      }
      // Made by an earlier sync whose status write was lost, or by someone else.
      try {
        job = await this.client.get<Job>(JOBS, namespace, create.job.metadata?.name ?? '');
      } catch (getErr) {
        return { statusChanged, error: messageOf(getErr) };
      }
      // Another actor's job, or one already listed: nothing to record, and no requeue.
      if (!isControlledBy(job, cj) || (cj.status?.active ?? []).some((r) => r.uid === job.metadata?.uid)) return { statusChanged };
      alreadyExisted = true;
    }
    if (alreadyExisted) this.log.info({ cronjob: keyOf(cj), job: job.metadata?.name }, 'job already exists');
    else this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata?.name ?? ''}`);
    const status: CronJobStatus = cj.status ?? {};
    status.active = [...(status.active ?? []), jobReference(job)];
    status.lastScheduleTime = metaTime(create.scheduledTime);
    cj.status = status;
    return { statusChanged: true, requeueAfterMs: create.requeueAfterMs };
  }

  /** deleteJob: the job (its pods in the background) and its status.active entry. */
  private async deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    const name = job.metadata?.name ?? '';
    try {
      await this.client.delete(JOBS, job.metadata?.namespace ?? '', name, { propagationPolicy: 'Background' });
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${messageOf(err)}`);
      this.log.warn({ cronjob: keyOf(cj), job: name, err }, 'error deleting job from cronjob');
      return false;
    }
    const status: CronJobStatus = cj.status ?? {};
    status.active = (status.active ?? []).filter((r: ObjectReference) => r.uid !== job.metadata?.uid);
    cj.status = status;
    this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    return true;
  }
}
