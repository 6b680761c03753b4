// When a finished Job's ttlSecondsAfterFinished runs out (pkg/controller/ttlafterfinished):
// a job with a TTL and a True Complete or Failed condition expires at that condition's
// lastTransitionTime + ttl; until then it is looked at again exactly at expiry. Jobs being deleted,
// unfinished or without a TTL are left alone. Pure: `now` comes from the caller's clock.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import { finishedCondition } from '../job/conditions.ts';

export type TtlPlan =
  | { kind: 'ignore' }
  /** Look again after afterMs. */
  | { kind: 'wait'; afterMs: number }
  /** Delete; expiredAt (ms) is when the TTL ran out. */
  | { kind: 'expired'; expiredAt: number }
  /** The job looks finished but its finish time cannot be read (the sync fails and retries). */
  | { kind: 'error'; message: string };

/** needsCleanup. */
export function needsCleanup(job: Job): boolean {
  return job.spec?.ttlSecondsAfterFinished !== undefined && finishedCondition(job) !== undefined;
}

/** processTTL: what to do with job at now. */
export function planTtl(job: Job, now: number): TtlPlan {
  if (job.metadata?.deletionTimestamp !== undefined || !needsCleanup(job)) return { kind: 'ignore' };
  const ns = job.metadata?.namespace ?? '';
  const name = job.metadata?.name ?? '';
  const finishedAt = Date.parse(finishedCondition(job)?.lastTransitionTime ?? '');
  if (Number.isNaN(finishedAt)) return { kind: 'error', message: `unable to find the time when the Job ${ns}/${name} finished` };
  const expireAt = finishedAt + (job.spec?.ttlSecondsAfterFinished ?? 0) * 1000;
  const remaining = expireAt - now;
  return remaining <= 0 ? { kind: 'expired', expiredAt: expireAt } : { kind: 'wait', afterMs: remaining };
}
