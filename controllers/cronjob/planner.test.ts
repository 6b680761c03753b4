import { describe, expect, it } from 'vitest';
import { activeJobsToLookUp, freshCopyNeeded, planCleanup, planSync, type SyncInput, type SyncPlan } from './planner.ts';
import { cronJob, HOUR, iso, job, MIN, ref, T0, type CronJobOptions } from './test-fixtures.ts';

const T0_MINUTES = T0 / MIN;

function sync(o: CronJobOptions, now: number, extra: Partial<SyncInput> = {}): SyncPlan {
  return planSync({ cronJob: cronJob(o), jobs: [], now, ...extra });
}

const reasons = (p: SyncPlan): string[] => p.events.map((e) => e.reason);

describe('planSync: when to start a job', () => {
  it('waits for the first start, to the next schedule time plus 100 ms', () => {
    const p = sync({ schedule: '*/5 * * * *' }, T0 + 2 * MIN);
    expect(p.create).toBeUndefined();
    expect(p.requeueAfterMs).toBe(3 * MIN + 100);
    expect(p.statusChanged).toBe(false);
    expect(p.events).toEqual([]);
  });

  it('starts the due job, named after the scheduled minute, and requeues for the next one', () => {
    const p = sync({ schedule: '*/5 * * * *' }, T0 + 5 * MIN + 10_000);
    expect(p.create?.scheduledTime).toBe(T0 + 5 * MIN);
    expect(p.create?.requeueAfterMs).toBe(5 * MIN - 10_000 + 100);
    expect(p.requeueAfterMs).toBeUndefined();
    expect(p.create?.job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: `cj-${T0_MINUTES + 5}`,
        namespace: 'default',
        labels: { app: 'report' },
        annotations: { team: 'data', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-01-01T00:05:00Z' },
        creationTimestamp: '2026-01-01T00:05:00Z',
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }],
      },
      spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox' }] } } },
    });
  });

  it('schedules on spec.timeZone and writes the scheduled time in that zone', () => {
    // 09:00 in Tokyo is 00:00 UTC.
    const p = sync({ schedule: '0 9 * * *', timeZone: 'Asia/Tokyo', created: T0 - 10 * HOUR }, T0 + 30_000);
    expect(p.create?.scheduledTime).toBe(T0);
    expect(p.create?.job.metadata?.name).toBe(`cj-${T0_MINUTES}`);
    expect(p.create?.job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-01-01T09:00:00+09:00');
    expect(p.create?.requeueAfterMs).toBe(24 * HOUR - 30_000 + 100);
    const ny = sync({ schedule: '0 19 * * *', timeZone: 'America/New_York', created: T0 - 10 * HOUR }, T0 + 30_000);
    expect(ny.create?.job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2025-12-31T19:00:00-05:00');
  });

  it('makes one catch-up start, the most recent, after downtime', () => {
    const p = sync({ schedule: '0 * * * *', lastSchedule: T0 }, T0 + 5 * HOUR + 30 * MIN);
    expect(p.create?.scheduledTime).toBe(T0 + 5 * HOUR);
    expect(reasons(p)).toEqual([]);
    expect(p.create?.requeueAfterMs).toBe(30 * MIN + 100);
  });

  it('warns of more than 100 missed starts and still makes the most recent one', () => {
    const p = sync({ schedule: '* * * * *', lastSchedule: T0 }, T0 + 200 * MIN + 30_000);
    expect(p.events).toEqual([{
      type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
    }]);
    expect(p.create?.scheduledTime).toBe(T0 + 200 * MIN);
    // Exactly 100 missed is not too many.
    expect(reasons(sync({ schedule: '* * * * *', lastSchedule: T0 }, T0 + 100 * MIN + 30_000))).toEqual([]);
  });

  it('looks back no further than startingDeadlineSeconds', () => {
    // The window hides the 200 missed minutes: no warning.
    const p = sync({ schedule: '* * * * *', lastSchedule: T0, startingDeadlineSeconds: 200 }, T0 + 200 * MIN + 30_000);
    expect(reasons(p)).toEqual([]);
    expect(p.create?.scheduledTime).toBe(T0 + 200 * MIN);
    // A start older than the deadline is not made; the requeue still counts from the last schedule.
    const late = sync({ schedule: '0 * * * *', lastSchedule: T0, startingDeadlineSeconds: 60 }, T0 + HOUR + 2 * MIN);
    expect(late.create).toBeUndefined();
    expect(late.events).toEqual([]);
    expect(late.requeueAfterMs).toBe(58 * MIN + 100);
    // Within the deadline it is made.
    expect(sync({ schedule: '0 * * * *', lastSchedule: T0, startingDeadlineSeconds: 180 }, T0 + HOUR + 2 * MIN).create?.scheduledTime).toBe(T0 + HOUR);
  });

  it('does not start a time it already started', () => {
    const byTime = sync({ schedule: '*/5 * * * *', lastSchedule: T0 + 5 * MIN }, T0 + 6 * MIN);
    expect(byTime.create).toBeUndefined();
    expect(byTime.requeueAfterMs).toBe(4 * MIN + 100);
    // Listed in status.active under its name, though lastScheduleTime was not written.
    const byName = sync({ schedule: '*/5 * * * *', active: [`cj-${T0_MINUTES + 5}`] }, T0 + 6 * MIN, { jobs: [job(`cj-${T0_MINUTES + 5}`)] });
    expect(byName.create).toBeUndefined();
    expect(byName.requeueAfterMs).toBe(4 * MIN + 100);
  });

  it.each([
    ['Allow', { replace: [], create: true, events: [] }],
    ['Forbid', { replace: [], create: false, events: ['JobAlreadyActive'] }],
    ['Replace', { replace: [ref('cj-old')], create: true, events: [] }],
  ] as const)('concurrencyPolicy %s with a running job', (policy, want) => {
    const p = sync({ policy, lastSchedule: T0, active: ['cj-old'] }, T0 + 5 * MIN + 1000, { jobs: [job('cj-old')] });
    expect(p.replace).toEqual(want.replace);
    expect(p.create !== undefined).toBe(want.create);
    expect(reasons(p)).toEqual(want.events);
    if (policy === 'Forbid') {
      expect(p.events[0]).toEqual({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
      expect(p.requeueAfterMs).toBe(5 * MIN - 1000 + 100);
    }
  });

  it('Forbid starts again once the running job is gone from status.active', () => {
    const p = sync({ policy: 'Forbid', lastSchedule: T0 }, T0 + 5 * MIN + 1000);
    expect(p.create?.scheduledTime).toBe(T0 + 5 * MIN);
  });

  it('a suspended CronJob starts nothing and is not requeued', () => {
    const p = sync({ suspend: true }, T0 + 5 * MIN);
    expect(p).toEqual({ status: {}, statusChanged: false, events: [], replace: [] });
  });

  it('a CronJob being deleted only has its status reconciled', () => {
    const p = sync({ deleting: true, active: ['cj-a'] }, T0 + 5 * MIN, { jobs: [job('cj-a', { finished: 'Complete', completed: T0 + MIN })] });
    expect(p.create).toBeUndefined();
    expect(p.requeueAfterMs).toBeUndefined();
    expect(reasons(p)).toEqual(['SawCompletedJob']);
  });

  it('an unknown time zone is reported and nothing is scheduled', () => {
    const p = sync({ timeZone: 'Mars/Olympus' }, T0 + 5 * MIN);
    expect(p.events).toEqual([{ type: 'Warning', reason: 'UnknownTimeZone', message: 'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus' }]);
    expect(p.create).toBeUndefined();
    expect(p.requeueAfterMs).toBeUndefined();
    // Zone files are matched by exact name.
    expect(reasons(sync({ timeZone: 'asia/tokyo' }, T0 + 5 * MIN))).toEqual(['UnknownTimeZone']);
  });

  it('a schedule robfig cannot parse is reported and not requeued', () => {
    const p = sync({ schedule: '0 0 * * 7' }, T0 + 5 * MIN);
    expect(p.events).toEqual([{ type: 'Warning', reason: 'UnparseableSchedule', message: 'unparseable schedule: "0 0 * * 7" : end of range (7) above maximum (6): 7' }]);
    expect(p.requeueAfterMs).toBeUndefined();
  });

  it('a schedule that never fires is an invalid schedule', () => {
    const p = sync({ schedule: '0 0 30 2 *' }, T0 + 5 * MIN);
    expect(p.events).toEqual([{ type: 'Warning', reason: 'InvalidSchedule', message: 'invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second' }]);
    expect(p.requeueAfterMs).toBeUndefined();
  });

  it('a TZ= prefix in the schedule is used, with a warning', () => {
    const p = sync({ schedule: 'TZ=Asia/Tokyo 0 9 * * *', created: T0 - HOUR }, T0 + 1000);
    expect(p.events).toEqual([{
      type: 'Warning', reason: 'UnsupportedSchedule',
      message: 'CRON_TZ or TZ used in schedule "TZ=Asia/Tokyo 0 9 * * *" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details',
    }]);
    expect(p.create?.scheduledTime).toBe(T0);
    // The annotation follows spec.timeZone (unset: UTC).
    expect(p.create?.job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-01-01T00:00:00Z');
  });

  it.each([
    ['@hourly', T0 + HOUR],
    ['@daily', T0 + 24 * HOUR],
    ['@every 90m', T0 + 90 * MIN],
  ])('%s', (schedule, first) => {
    expect(sync({ schedule }, first - 1000).create).toBeUndefined();
    expect(sync({ schedule }, first + 1000).create?.scheduledTime).toBe(first);
  });

  it('@every catches up to its most recent start from the last one', () => {
    const p = sync({ schedule: '@every 7m', lastSchedule: T0 + 10_000 }, T0 + 10_000 + 100 * 7 * MIN + 3 * MIN);
    expect(p.create?.scheduledTime).toBe(T0 + 10_000 + 100 * 7 * MIN);
    expect(reasons(p)).toEqual([]);
  });
});

describe('planSync: status.active and lastSuccessfulTime', () => {
  it('a finished job leaves status.active, and a successful one sets lastSuccessfulTime', () => {
    const jobs = [
      job('cj-a', { finished: 'Complete', completed: T0 + 3 * MIN }),
      job('cj-b', { finished: 'Failed' }),
      job('cj-c'),
    ];
    const p = sync({ lastSchedule: T0, active: ['cj-a', 'cj-b', 'cj-c'] }, T0 + 4 * MIN, { jobs });
    expect(p.events).toEqual([
      { type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: cj-a, condition: Complete' },
      { type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: cj-b, condition: Failed' },
    ]);
    expect(p.statusChanged).toBe(true);
    expect(p.status).toEqual({ active: [ref('cj-c')], lastScheduleTime: iso(T0), lastSuccessfulTime: iso(T0 + 3 * MIN) });
    expect(p.requeueAfterMs).toBe(MIN + 100);
  });

  it('lastSuccessfulTime only moves forward, also for jobs no longer active', () => {
    const older = sync({ lastSuccessful: T0 + 2 * MIN }, T0 + 4 * MIN, { jobs: [job('cj-a', { finished: 'Complete', completed: T0 + MIN })] });
    expect(older.statusChanged).toBe(false);
    expect(older.status.lastSuccessfulTime).toBe(iso(T0 + 2 * MIN));
    const newer = sync({ lastSuccessful: T0 + 2 * MIN }, T0 + 4 * MIN, { jobs: [job('cj-a', { finished: 'Complete', completed: T0 + 3 * MIN })] });
    expect(newer.statusChanged).toBe(true);
    expect(newer.status.lastSuccessfulTime).toBe(iso(T0 + 3 * MIN));
    expect(reasons(newer)).toEqual([]);
  });

  it('an empty status.active is left out', () => {
    const p = sync({ active: ['cj-a'] }, T0 + MIN, { jobs: [job('cj-a', { finished: 'Failed' })] });
    expect(p.status).toEqual({});
  });

  it('an unfinished job missing from status.active is unexpected unless the API server lists it', () => {
    const jobs = [job('cj-manual')];
    expect(freshCopyNeeded(cronJob(), jobs)).toBe(true);
    expect(freshCopyNeeded(cronJob({ active: ['cj-manual'] }), jobs)).toBe(false);
    const unexpected = sync({}, T0 + MIN, { jobs, fresh: cronJob() });
    expect(unexpected.events).toEqual([{ type: 'Warning', reason: 'UnexpectedJob', message: 'Saw a job that the controller did not create or forgot: cj-manual' }]);
    expect(unexpected.statusChanged).toBe(false);
    // The informer's copy was older: the API server's status is taken.
    const listed = sync({}, T0 + MIN, { jobs, fresh: cronJob({ active: ['cj-manual'], lastSchedule: T0 }) });
    expect(reasons(listed)).toEqual([]);
    expect(listed.status).toEqual({ active: [ref('cj-manual')], lastScheduleTime: iso(T0) });
    // A failed read ends the sync with its error.
    expect(sync({}, T0 + MIN, { jobs, fresh: { error: 'boom' } }).error).toBe('boom');
  });

  it('an active job that is gone is MissingJob; one the informer merely lacks stays', () => {
    const cj = cronJob({ active: ['cj-gone', 'cj-slow', 'cj-here'] });
    expect(activeJobsToLookUp([job('cj-here')], cj)).toEqual([ref('cj-gone'), ref('cj-slow')]);
    const p = planSync({
      cronJob: cj, jobs: [job('cj-here')], now: T0 + MIN,
      activeLookups: new Map([['cj-gone-uid', 'missing'], ['cj-slow-uid', 'present']]),
    });
    expect(p.events).toEqual([{ type: 'Normal', reason: 'MissingJob', message: 'Active job went missing: cj-gone' }]);
    expect(p.status.active).toEqual([ref('cj-slow'), ref('cj-here')]);
    expect(p.statusChanged).toBe(true);
    const failed = planSync({ cronJob: cj, jobs: [job('cj-here')], now: T0 + MIN, activeLookups: new Map([['cj-gone-uid', { error: 'timeout' }]]) });
    expect(failed.error).toBe('timeout');
    expect(failed.create).toBeUndefined();
  });
});

describe('planCleanup: history limits', () => {
  const jobs = [
    job('cj-s3', { finished: 'Complete', started: T0 + 3 * MIN }),
    job('cj-s1', { finished: 'Complete', started: T0 + MIN }),
    job('cj-s2', { finished: 'Complete', started: T0 + 2 * MIN }),
    job('cj-f2', { finished: 'Failed', started: T0 + 2 * MIN }),
    job('cj-f1', { finished: 'Failed', started: T0 + MIN }),
    job('cj-running', { started: T0 }),
  ];
  const names = (list: { metadata?: { name?: string } }[]): string[] => list.map((j) => j.metadata?.name ?? '');

  it.each([
    [{ successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 }, ['cj-f1']],
    [{ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }, ['cj-s1', 'cj-s2', 'cj-f1']],
    [{ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 }, ['cj-s1', 'cj-s2', 'cj-s3', 'cj-f1', 'cj-f2']],
    [{ successfulJobsHistoryLimit: 5 }, []],
    [{ failedJobsHistoryLimit: 0 }, ['cj-f1', 'cj-f2']],
    [{}, []],
  ])('%j deletes %j', (limits, want) => {
    expect(names(planCleanup(cronJob(limits), jobs))).toEqual(want);
  });

  it('jobs without a start time go last; equal start times by name', () => {
    const list = [
      job('cj-b', { finished: 'Complete' }),
      job('cj-a', { finished: 'Complete' }),
      job('cj-z', { finished: 'Complete', started: T0 }),
      job('cj-y', { finished: 'Complete', started: T0 }),
    ];
    expect(names(planCleanup(cronJob({ successfulJobsHistoryLimit: 1 }), list))).toEqual(['cj-y', 'cj-z', 'cj-a']);
  });
});
