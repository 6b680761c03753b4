// Builders for the Job controller's unit tests: jobs as the API server stores them (defaults and
// generated selector applied), pods in any phase, and `simulateSync`, which runs the planner's
// steps the way the executor does when every API call succeeds.
import type { Job, JobSpec, JobStatus } from 'kubernetes-types/batch/v1.d.ts';
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.d.ts';
import type { BackoffRecord } from './backoff.ts';
import { JOB_COMPLETION_INDEX, JOB_INDEX_FAILURE_COUNT, JOB_TRACKING_FINALIZER } from './constants.ts';
import { planJobStatus, planJobSync, type JobStatusPlan, type JobSyncPlan } from './planner.ts';
import { metaTime } from '../framework/meta-time.ts';
import { uidOf } from './pods.ts';
import { cleanUncounted, enactJobFinished, finishedEvents, type PlannedEvent } from './tracking.ts';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const JOB_UID = 'job-uid';

export function makeJob(spec: Partial<JobSpec> = {}, status: JobStatus = {}, meta: Job['metadata'] = {}): Job {
  const labels = { 'batch.kubernetes.io/controller-uid': JOB_UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': JOB_UID, 'job-name': 'pi' };
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: JOB_UID, generation: 1, creationTimestamp: metaTime(T0), ...meta },
    spec: {
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': JOB_UID } },
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
      },
      ...spec,
    },
    status,
  };
}

export interface PodOptions {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  ready?: boolean;
  readyAt?: number;
  index?: number;
  failureCount?: number;
  finalizer?: boolean;
  deleting?: boolean;
  node?: string;
  created?: number;
  /** Exit code of container "main" (terminated); with finishedAt. */
  exitCode?: number;
  finishedAt?: number;
  restarts?: number;
  conditions?: PodCondition[];
  owned?: boolean;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const annotations: Record<string, string> = {};
  if (o.index !== undefined) annotations[JOB_COMPLETION_INDEX] = String(o.index);
  if (o.failureCount !== undefined) annotations[JOB_INDEX_FAILURE_COUNT] = String(o.failureCount);
  const conditions: PodCondition[] = [...(o.conditions ?? [])];
  if (o.ready !== undefined) conditions.push({ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: metaTime(o.readyAt ?? T0) });
  const terminated = o.exitCode === undefined ? undefined : { exitCode: o.exitCode, finishedAt: metaTime(o.finishedAt ?? T0) };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: metaTime(o.created ?? T0),
      labels: { 'batch.kubernetes.io/controller-uid': JOB_UID, ...(o.index === undefined ? {} : { [JOB_COMPLETION_INDEX]: String(o.index) }) },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(o.finalizer === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(o.deleting === true ? { deletionTimestamp: metaTime(T0), deletionGracePeriodSeconds: 30 } : {}),
      ...(o.owned === false ? {} : { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: JOB_UID, controller: true, blockOwnerDeletion: true }] }),
    },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...(o.node === undefined ? {} : { nodeName: o.node }) },
    status: {
      phase: o.phase ?? 'Pending',
      ...(conditions.length > 0 ? { conditions } : {}),
      ...(terminated === undefined && o.restarts === undefined ? {} : {
        containerStatuses: [{
          name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: o.restarts ?? 0,
          state: terminated === undefined ? { running: {} } : { terminated },
        }],
      }),
    },
  };
}

export interface SimulateOptions {
  now?: number;
  satisfiedExpectations?: boolean;
  expectedRmFinalizers?: ReadonlySet<string>;
  backoff?: BackoffRecord;
}

export interface SimulatedSync {
  plan: JobSyncPlan;
  statusPlan: JobStatusPlan;
  /** The status as flushed first (undefined when no flush was needed). */
  flushed: Job | undefined;
  /** The job after the whole sync. */
  job: Job;
  events: PlannedEvent[];
  finished: boolean;
}

/** One sync in which every API call succeeds. */
export function simulateSync(job: Job, pods: readonly Pod[], o: SimulateOptions = {}): SimulatedSync {
  const now = o.now ?? T0;
  const plan = planJobSync({
    job, pods, now, satisfiedExpectations: o.satisfiedExpectations ?? true,
    expectedRmFinalizers: o.expectedRmFinalizers ?? new Set(), backoff: o.backoff,
  });
  const a = plan.action;
  const outcome = a.type === 'create' ? { created: a.pods.length }
    : a.type === 'terminate' || a.type === 'delete' ? { removed: a.pods.length, removedReady: a.pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length }
      : {};
  const statusPlan = planJobStatus(plan, outcome, now);
  const events = [...statusPlan.events];
  let current = statusPlan.job;
  const flushed = statusPlan.needsFlush ? current : undefined;
  const withFinalizer = new Set(statusPlan.uidsWithFinalizer);
  for (const p of statusPlan.podsToRemoveFinalizer) withFinalizer.delete(uidOf(p));
  current = { ...current, status: cleanUncounted(current.status ?? {}, withFinalizer).status };
  const done = statusPlan.reachedMaxUncounted ? undefined : enactJobFinished(current, statusPlan.finished, statusPlan.terminating, now);
  if (done !== undefined && statusPlan.finished !== undefined) {
    current = done;
    events.push(...finishedEvents(current, statusPlan.finished));
  }
  return { plan, statusPlan, flushed, job: current, events, finished: done !== undefined };
}
