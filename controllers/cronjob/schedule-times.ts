// When a CronJob is due, as the v2 controller works it out (utils.go): the most recent time it
// should have started since its last schedule (or creation), with at most one catch-up however
// long the controller was away; how many starts were missed (more than 100 is "many"); and how
// long to wait before looking again. Times are ms since the epoch; Go's zero time (a schedule
// that never fires) is undefined. Pure.
import type { CronJob } from 'kubernetes-types/batch/v1.d.ts';
import type { Schedule } from '../../kube/cron/schedule.ts';
import { timeMs } from '../framework/meta-time.ts';

/** The padding added to every requeue so a slightly early timer still finds the start due. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/** More missed starts than this is reported as TooManyMissedTimes. */
export const MANY_MISSED = 100;

/** Go's time.Time{} (0001-01-01T00:00:00Z): a CronJob without a creation timestamp. */
const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

export type MissedSchedules = 'none' | 'few' | 'many';

export interface MostRecent {
  /** The last schedule time, else the creation time, raised to now - startingDeadlineSeconds. */
  earliest: number;
  /** The most recent start at or before now, if any. */
  mostRecent: number | undefined;
  missed: MissedSchedules;
  /** A schedule whose starts are less than a second apart (or never come). */
  error?: string;
}

/** The schedule string the controller parses: spec.timeZone becomes a TZ= prefix when it loads. */
export function formatSchedule(cj: CronJob, zoneLoads: (name: string) => boolean): { schedule: string; unsupportedTZ: boolean } {
  const schedule = cj.spec?.schedule ?? '';
  if (schedule.includes('TZ')) return { schedule, unsupportedTZ: true };
  const zone = cj.spec?.timeZone;
  if (zone !== undefined && zoneLoads(zone)) return { schedule: `TZ=${zone} ${schedule}`, unsupportedTZ: false };
  return { schedule, unsupportedTZ: false };
}

/** mostRecentScheduleTime. */
export function mostRecentScheduleTime(cj: CronJob, now: number, schedule: Schedule, includeStartingDeadlineSeconds: boolean): MostRecent {
  let earliest = timeMs(cj.status?.lastScheduleTime) ?? timeMs(cj.metadata?.creationTimestamp) ?? GO_ZERO_TIME;
  const deadlineSeconds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadlineSeconds && deadlineSeconds !== undefined) {
    // Nothing older than the deadline will be started.
    const schedulingDeadline = now - deadlineSeconds * 1000;
    if (schedulingDeadline > earliest) earliest = schedulingDeadline;
  }
  const t1 = schedule.next(earliest);
  const t2 = t1 === undefined ? undefined : schedule.next(t1);
  if (t1 !== undefined && now < t1) return { earliest, mostRecent: undefined, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };

  // Schedules such as "59 23 31 2 *" parse but never fire; Go's zero times give a zero interval.
  const between = t1 !== undefined && t2 !== undefined ? Math.round((t2 - t1) / 1000) : 0;
  if (between < 1 || t1 === undefined) {
    return { earliest, mostRecent: undefined, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  }
  // A rough count of the starts since t1 (t2 - t1 taken as the period), then a walk over the last
  // one or two periods to find the exact most recent start (irregular schedules, @every).
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = schedule.next(potentialEarliest); t !== undefined && t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > MANY_MISSED ? 'many' : 'few';
  return { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the next start after the most recent one, plus the delta. */
export function nextScheduleTimeDuration(cj: CronJob, now: number, schedule: Schedule): number {
  const r = mostRecentScheduleTime(cj, now, schedule, false);
  let base: number;
  if (r.error !== undefined) base = now;
  else if (r.mostRecent !== undefined) base = r.mostRecent;
  else base = r.missed === 'none' ? r.earliest : now;
  const next = schedule.next(base);
  // Go's zero time makes a hugely negative duration: the queue takes the key at once.
  return next === undefined ? 0 : next + NEXT_SCHEDULE_DELTA_MS - now;
}

export interface NextScheduleTime {
  /** The start to make now, if one is due. */
  time: number | undefined;
  /** More than 100 starts were missed (the TooManyMissedTimes warning). */
  tooManyMissed: boolean;
  error?: string;
}

/** nextScheduleTime: the start that is due now (startingDeadlineSeconds limiting the look back). */
export function nextScheduleTime(cj: CronJob, now: number, schedule: Schedule): NextScheduleTime {
  const r = mostRecentScheduleTime(cj, now, schedule, true);
  const error = r.error === undefined ? {} : { error: r.error };
  if (r.mostRecent === undefined || r.mostRecent > now) return { time: undefined, tooManyMissed: false, ...error };
  return { time: r.mostRecent, tooManyMissed: r.missed === 'many', ...error };
}
