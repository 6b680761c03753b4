import { describe, expect, it } from 'vitest';
import { parseStandard, type Schedule } from '../../kube/cron/schedule.ts';
import { formatSchedule, mostRecentScheduleTime, nextScheduleTimeDuration } from './schedule-times.ts';
import { cronJob, HOUR, MIN, T0 } from './test-fixtures.ts';

function sched(spec: string): Schedule {
  const r = parseStandard(spec);
  if ('error' in r) throw new Error(r.error);
  return r.schedule;
}

const DAY = 24 * HOUR;

describe('mostRecentScheduleTime', () => {
  it.each([
    // [schedule, lastScheduleTime, now, mostRecent, missed]
    ['nothing due yet', '0 * * * *', T0, T0 + 30 * MIN, undefined, 'none'],
    ['exactly one due', '0 * * * *', T0, T0 + HOUR + 5 * MIN, T0 + HOUR, 'none'],
    ['due at the very instant', '0 * * * *', T0, T0 + HOUR, T0 + HOUR, 'none'],
    ['several missed', '0 * * * *', T0, T0 + 5 * HOUR + 30 * MIN, T0 + 5 * HOUR, 'few'],
    // Weekdays at 09:00 from Thursday 1 January to Wednesday 7 January (a weekend between).
    ['irregular periods', '0 9 * * 1-5', T0 + 9 * HOUR, T0 + 6 * DAY + 10 * HOUR, T0 + 6 * DAY + 9 * HOUR, 'few'],
    ['over 100 missed', '*/5 * * * *', T0, T0 + 101 * 5 * MIN + MIN, T0 + 101 * 5 * MIN, 'many'],
  ] as const)('%s', (_name, schedule, last, now, mostRecent, missed) => {
    const r = mostRecentScheduleTime(cronJob({ schedule, lastSchedule: last }), now, sched(schedule), true);
    expect(r).toEqual({ earliest: last, mostRecent, missed });
  });

  it('starts from the creation time without a lastScheduleTime', () => {
    const r = mostRecentScheduleTime(cronJob({ schedule: '*/5 * * * *', created: T0 + 2 * MIN }), T0 + 6 * MIN, sched('*/5 * * * *'), true);
    expect(r).toEqual({ earliest: T0 + 2 * MIN, mostRecent: T0 + 5 * MIN, missed: 'none' });
  });

  it('raises the earliest time to now - startingDeadlineSeconds only when asked', () => {
    const cj = cronJob({ schedule: '* * * * *', lastSchedule: T0, startingDeadlineSeconds: 90 });
    const now = T0 + 300 * MIN + 10_000;
    expect(mostRecentScheduleTime(cj, now, sched('* * * * *'), true)).toEqual({ earliest: now - 90_000, mostRecent: T0 + 300 * MIN, missed: 'few' });
    expect(mostRecentScheduleTime(cj, now, sched('* * * * *'), false).missed).toBe('many');
  });

  it('a schedule that never fires is an error', () => {
    const r = mostRecentScheduleTime(cronJob({ schedule: '0 0 31 2 *' }), T0 + DAY, sched('0 0 31 2 *'), true);
    expect(r.error).toBe('time difference between two schedules is less than 1 second');
    expect(r.mostRecent).toBeUndefined();
  });
});

describe('nextScheduleTimeDuration', () => {
  it.each([
    ['before the first start: from the creation time', {}, T0 + 2 * MIN, 3 * MIN + 100],
    ['after a start: from the most recent start', { lastSchedule: T0 }, T0 + 12 * MIN, 3 * MIN + 100],
    ['right after recording a start', { lastSchedule: T0 + 10 * MIN }, T0 + 10 * MIN + 500, 5 * MIN - 500 + 100],
  ] as const)('%s', (_name, o, now, want) => {
    expect(nextScheduleTimeDuration(cronJob({ schedule: '*/5 * * * *', ...o }), now, sched('*/5 * * * *'))).toBe(want);
  });
});

describe('formatSchedule', () => {
  const loads = (name: string): boolean => name !== 'Mars/Olympus';
  it.each([
    [{ schedule: '0 9 * * *' }, { schedule: '0 9 * * *', unsupportedTZ: false }],
    [{ schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }, { schedule: 'TZ=Asia/Tokyo 0 9 * * *', unsupportedTZ: false }],
    [{ schedule: '0 9 * * *', timeZone: 'Mars/Olympus' }, { schedule: '0 9 * * *', unsupportedTZ: false }],
    [{ schedule: 'CRON_TZ=UTC 0 9 * * *', timeZone: 'Asia/Tokyo' }, { schedule: 'CRON_TZ=UTC 0 9 * * *', unsupportedTZ: true }],
  ])('%j', (o, want) => {
    expect(formatSchedule(cronJob(o), loads)).toEqual(want);
  });
});
