// The CronJob controller's decisions as data (ControllerV2.cleanupFinishedJobs and syncCronJob).
// A sync runs in two pure steps, with the executor (controller.ts) carrying each out in between:
//  1. planCleanup: the finished jobs past the history limits, to delete (oldest first);
//  2. planSync: status.active reconciled with the jobs (finished ones leave it with
//     SawCompletedJob, jobs it does not list are UnexpectedJob, listed jobs that are gone are
//     MissingJob), lastSuccessfulTime, then whether a start is due now and what to do about it
//     (suspend, unknown zone, bad schedule, missed deadline, Forbid, Replace, the job to create),
//     the events, and when to look again.
// The two reads syncCronJob makes from the API server in the middle (the CronJob itself when an
// unfinished job is missing from status.active; an active job missing from the informer) are made
// by the executor beforehand and passed in.
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.d.ts';
import type { ObjectReference } from 'kubernetes-types/core/v1.d.ts';
import { parseStandard, type Schedule } from '../../kube/cron/schedule.ts';
import { formatRFC1123ZUtc, loadLocationError } from '../../kube/cron/zone.ts';
import { cloneJson } from '../../lib/clone.ts';
import { metaTime } from '../framework/meta-time.ts';
import type { EventType } from '../framework/types.ts';
import { compareByStartTime, finishedCondition, isJobSucceeded } from './job-state.ts';
import { jobFromTemplate, jobName } from './job-template.ts';
import { formatSchedule, nextScheduleTime, nextScheduleTimeDuration } from './schedule-times.ts';

export interface PlannedEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** cleanupFinishedJobs: finished jobs beyond the limits, successful ones first, each oldest first. */
export function planCleanup(cj: CronJob, jobs: readonly Job[]): Job[] {
  const successLimit = cj.spec?.successfulJobsHistoryLimit;
  const failedLimit = cj.spec?.failedJobsHistoryLimit;
  if (successLimit === undefined && failedLimit === undefined) return [];
  const succeeded: Job[] = [];
  const failed: Job[] = [];
  for (const job of jobs) {
    const finished = finishedCondition(job);
    if (finished === 'Complete') succeeded.push(job);
    else if (finished === 'Failed') failed.push(job);
  }
  const oldest = (list: Job[], limit: number | undefined): Job[] => {
    if (limit === undefined || list.length <= limit) return [];
    return [...list].sort(compareByStartTime).slice(0, list.length - limit);
  };
  return [...oldest(succeeded, successLimit), ...oldest(failed, failedLimit)];
}

/** What a GET of an active job the informer does not have found. */
export type ActiveLookup = 'missing' | 'present' | { error: string };

export interface SyncInput {
  /** The CronJob as cleanup left it (its status.active without the jobs cleanup deleted). */
  cronJob: CronJob;
  /** Jobs in its namespace whose controller reference names it. */
  jobs: readonly Job[];
  now: number;
  /** The API server's copy of the CronJob (see freshCopyNeeded), or the error reading it. */
  fresh?: CronJob | { error: string };
  /** By uid, for the active entries of cronJob and fresh whose job is not in `jobs`. */
  activeLookups?: ReadonlyMap<string, ActiveLookup>;
}

export interface CreateStep {
  job: Job;
  scheduledTime: number;
  /** The requeue once the job is recorded (lastScheduleTime = scheduledTime). */
  requeueAfterMs: number;
}

export interface SyncPlan {
  /** The status to write (before the Replace deletions and the new job). */
  status: CronJobStatus;
  /** Whether the status changed (updateStatus). */
  statusChanged: boolean;
  /** Events in the order syncCronJob records them (before deleting or creating anything). */
  events: PlannedEvent[];
  /** Replace: the active jobs to delete, in status.active order, before creating. */
  replace: ObjectReference[];
  create?: CreateStep;
  requeueAfterMs?: number;
  /** The error the sync ends with (the status is still written). */
  error?: string;
}

const inActive = (status: CronJobStatus | undefined, uid: string | undefined): boolean =>
  (status?.active ?? []).some((r) => r.uid === uid);

const withoutActive = (status: CronJobStatus, uid: string | undefined): ObjectReference[] =>
  (status.active ?? []).filter((r) => r.uid !== uid);

/** Whether planSync needs the API server's copy of the CronJob: an unfinished job it does not list. */
export function freshCopyNeeded(cj: CronJob, jobs: readonly Job[]): boolean {
  return jobs.some((j) => !inActive(cj.status, j.metadata?.uid) && finishedCondition(j) === undefined);
}

/** The active entries (of cj, and of the fresh copy) whose jobs the informer does not have. */
export function activeJobsToLookUp(jobs: readonly Job[], ...cronJobs: (CronJob | undefined)[]): ObjectReference[] {
  const known = new Set(jobs.map((j) => j.metadata?.uid));
  const out = new Map<string, ObjectReference>();
  for (const cj of cronJobs) {
    for (const ref of cj?.status?.active ?? []) if (!known.has(ref.uid)) out.set(ref.uid ?? '', ref);
  }
  return [...out.values()];
}

/** Go's %q of a string. */
const quote = (s: string): string => JSON.stringify(s);

/** syncCronJob. */
export function planSync(input: SyncInput): SyncPlan {
  const { jobs, now } = input;
  let cj = input.cronJob;
  let status: CronJobStatus = cloneJson(cj.status ?? {});
  const plan: SyncPlan = { status, statusChanged: false, events: [], replace: [] };
  const event = (type: EventType, reason: string, message: string): void => { plan.events.push({ type, reason, message }); };
  const done = (extra: Partial<SyncPlan> = {}): SyncPlan => {
    const active = status.active ?? [];
    // An empty list is left out of the status, as Go's omitempty does.
    const { active: _dropped, ...rest } = status;
    return { ...plan, ...extra, status: active.length === 0 ? rest : { ...rest, active } };
  };

  for (const job of jobs) {
    const uid = job.metadata?.uid;
    const found = inActive(status, uid);
    const finished = finishedCondition(job);
    if (!found && finished === undefined) {
      // Perhaps the informer's CronJob is older than the status that lists the job.
      const fresh = input.fresh;
      if (fresh === undefined || 'error' in fresh) return done({ error: fresh?.error ?? 'the CronJob was not read from the API server' });
      if (inActive(fresh.status, uid)) {
        cj = fresh;
        status = cloneJson(fresh.status ?? {});
        continue;
      }
      event('Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name ?? ''}`);
    } else if (finished !== undefined) {
      if (found) {
        status.active = withoutActive(status, uid);
        event('Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name ?? ''}, condition: ${finished}`);
        plan.statusChanged = true;
      }
      if (isJobSucceeded(job)) {
        const completion = job.status?.completionTime;
        if (status.lastSuccessfulTime === undefined) {
          // Upstream marks the status changed even when the job has no completion time yet.
          if (completion !== undefined) status.lastSuccessfulTime = completion;
          plan.statusChanged = true;
        }
        if (completion !== undefined && status.lastSuccessfulTime !== undefined && Date.parse(completion) > Date.parse(status.lastSuccessfulTime)) {
          status.lastSuccessfulTime = completion;
          plan.statusChanged = true;
        }
      }
    }
  }

  // Active entries whose job is gone would keep a Forbid CronJob waiting forever.
  const childUids = new Set(jobs.map((j) => j.metadata?.uid));
  for (const ref of [...(status.active ?? [])]) {
    if (childUids.has(ref.uid)) continue;
    const lookup = input.activeLookups?.get(ref.uid ?? '') ?? 'present';
    if (lookup === 'missing') {
      event('Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
      status.active = withoutActive(status, ref.uid);
      plan.statusChanged = true;
    } else if (lookup !== 'present') {
      return done({ error: lookup.error });
    }
  }

  if (cj.metadata?.deletionTimestamp !== undefined) return done();

  const timeZone = cj.spec?.timeZone;
  if (timeZone !== undefined) {
    const err = loadLocationError(timeZone);
    if (err !== undefined) {
      event('Warning', 'UnknownTimeZone', `invalid timeZone: ${quote(timeZone)}: ${err}`);
      return done();
    }
  }

  if (cj.spec?.suspend === true) return done();

  const formatted = formatSchedule(cj, (name) => loadLocationError(name) === undefined);
  if (formatted.unsupportedTZ) {
    event('Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${quote(formatted.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
  }
  const parsed = parseStandard(formatted.schedule);
  if ('error' in parsed) {
    event('Warning', 'UnparseableSchedule', `unparseable schedule: ${quote(cj.spec?.schedule ?? '')} : ${parsed.error}`);
    return done();
  }
  const sched: Schedule = parsed.schedule;
  // The requeue is always computed from the status as it stands (lastScheduleTime).
  const withStatus = (s: CronJobStatus): CronJob => ({ ...cj, status: s });
  const requeue = (): number => nextScheduleTimeDuration(withStatus(status), now, sched);

  const due = nextScheduleTime(withStatus(status), now, sched);
  if (due.error !== undefined) {
    event('Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule ?? ''} : ${due.error}`);
    return done();
  }
  const scheduledTime = due.time;
  if (scheduledTime === undefined) return done({ requeueAfterMs: requeue() });
  if (due.tooManyMissed) {
    // Still only the most recent start is made: at most one catch-up.
    event('Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  }

  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined && scheduledTime + deadline * 1000 < now) {
    event('Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123ZUtc(scheduledTime)}`);
    return done({ requeueAfterMs: requeue() });
  }

  const name = jobName(cj.metadata?.name ?? '', scheduledTime);
  const namespace = cj.metadata?.namespace;
  const lastScheduled = status.lastScheduleTime === undefined ? undefined : Date.parse(status.lastScheduleTime);
  if ((status.active ?? []).some((r) => r.name === name && r.namespace === namespace) || lastScheduled === scheduledTime) {
    // Already started.
    return done({ requeueAfterMs: requeue() });
  }

  const policy = cj.spec?.concurrencyPolicy;
  if (policy === 'Forbid' && (status.active ?? []).length > 0) {
    event('Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return done({ requeueAfterMs: requeue() });
  }
  if (policy === 'Replace') plan.replace = [...(status.active ?? [])];

  const afterStart: CronJobStatus = { ...status, lastScheduleTime: metaTime(scheduledTime) };
  return done({
    create: {
      job: jobFromTemplate(cj, scheduledTime),
      scheduledTime,
      requeueAfterMs: nextScheduleTimeDuration(withStatus(afterStart), now, sched),
    },
  });
}
