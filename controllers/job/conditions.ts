// Job conditions as the controller writes them: a new condition carries the same probe and
// transition time; ensureJobConditionStatus replaces a condition only when status, reason or
// message change, and never adds a False one. A job is finished once Complete or Failed is True
// (util.IsJobFinished, which the TTL-after-finished and CronJob controllers read too).
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.d.ts';
import { CONDITION } from './constants.ts';
import { metaTime } from '../framework/meta-time.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export function newCondition(type: string, status: ConditionStatus, reason: string, message: string, now: number): JobCondition {
  const at = metaTime(now);
  return {
    type, status, lastProbeTime: at, lastTransitionTime: at,
    ...(reason === '' ? {} : { reason }),
    ...(message === '' ? {} : { message }),
  };
}

export function findCondition(conditions: readonly JobCondition[] | undefined, type: string): JobCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** ensureJobConditionStatus: the new list and whether it changed. */
export function ensureCondition(
  list: readonly JobCondition[], type: string, status: ConditionStatus, reason: string, message: string, now: number,
): { conditions: JobCondition[]; changed: boolean } {
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i] as JobCondition;
    if (c.status !== status || (c.reason ?? '') !== reason || (c.message ?? '') !== message) {
      const next = [...list];
      next[i] = newCondition(type, status, reason, message, now);
      return { conditions: next, changed: true };
    }
    return { conditions: [...list], changed: false };
  }
  if (status !== 'False') return { conditions: [...list, newCondition(type, status, reason, message, now)], changed: true };
  return { conditions: [...list], changed: false };
}

/** util.FinishedCondition: the first Complete or Failed condition that is True. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === CONDITION.complete || c.type === CONDITION.failed) && c.status === 'True');
}

export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}
