// The CronJob controller against a real (in-memory) API server, its clock a FakeClock: a job is
// started at the scheduled minute and recorded in status, a completed job is seen and its
// completion time recorded, and completed jobs past successfulJobsHistoryLimit are deleted.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Event } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRONJOBS, EVENTS, JOBS } from '../../kube/client/resources.ts';
import { FakeClock } from '../../lib/clock.ts';
import { until } from '../../lib/testing/wait.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { CronJobController } from './controller.ts';

const MIN = 60_000;
let cp: ControlPlane;
// The API server stamps creationTimestamp with real time; the controller's clock starts there.
const clock = new FakeClock(Date.now());

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [new CronJobController(ctx)], clock });
});

afterAll(async () => {
  await cp.stop();
});

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function events(name: string): Promise<Event[]> {
  return (await cp.client.list<Event>(EVENTS, 'default')).items.filter((e) => e.involvedObject.name === name);
}

async function getCronJob(name: string): Promise<CronJob> {
  return cp.client.get<CronJob>(CRONJOBS, 'default', name);
}

async function liveJobs(): Promise<Job[]> {
  return (await cp.client.list<Job>(JOBS, 'default')).items.filter((j) => j.metadata?.deletionTimestamp === undefined);
}

/** Moves the controller's clock just past `at` (the requeue timer fires) and lets it work. */
async function stepPast(at: number): Promise<void> {
  await cp.idle();
  await clock.step(Math.max(0, at + 1000 - clock.now()));
}

async function complete(name: string, at: number): Promise<void> {
  await cp.client.patch(JOBS, 'default', name, {
    status: {
      startTime: iso(at - 30_000),
      completionTime: iso(at),
      succeeded: 1,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: iso(at), lastTransitionTime: iso(at) },
        { type: 'Complete', status: 'True', lastProbeTime: iso(at), lastTransitionTime: iso(at) },
      ],
    },
  }, 'merge', { subresource: 'status' });
}

describe('CronJob controller', () => {
  it('starts jobs on schedule, records them, sees them complete and keeps the history limit', async () => {
    const cj = await cp.client.create<CronJob>(CRONJOBS, 'default', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello' },
      spec: {
        schedule: '*/1 * * * *',
        successfulJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { labels: { app: 'hello' } },
          spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox' }] } } },
        },
      },
    });
    const created = Date.parse(cj.metadata?.creationTimestamp ?? '');
    const first = Math.floor(created / MIN) * MIN + MIN;
    const firstName = `hello-${String(first / MIN)}`;

    // Nothing before the first scheduled minute.
    await cp.idle();
    expect(await liveJobs()).toEqual([]);

    await stepPast(first);
    const job = await until('the first job', async () => (await liveJobs()).find((j) => j.metadata?.name === firstName), 10_000, 20);
    expect(job.metadata?.labels).toMatchObject({ app: 'hello' });
    // The request carries the scheduled time as creationTimestamp; the server stamps its own.
    expect(Date.parse(job.metadata?.creationTimestamp ?? '')).toBeLessThan(first);
    expect(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(iso(first));
    expect(job.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: cj.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    const running = await until('status.active', async () => {
      const cur = await getCronJob('hello');
      return cur.status?.active?.length === 1 ? cur : undefined;
    }, 10_000, 20);
    expect(running.status?.lastScheduleTime).toBe(iso(first));
    expect(running.status?.active).toEqual([{
      kind: 'Job', namespace: 'default', name: firstName, uid: job.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata?.resourceVersion,
    }]);

    // The job completes: it leaves status.active and its completion time is recorded.
    await complete(firstName, first + 20_000);
    const done = await until('lastSuccessfulTime', async () => {
      const cur = await getCronJob('hello');
      return cur.status?.lastSuccessfulTime !== undefined && cur.status.active === undefined ? cur : undefined;
    }, 10_000, 20);
    expect(done.status?.lastSuccessfulTime).toBe(iso(first + 20_000));

    // The next minute's job; once it completes, the first is past the limit of 1 and deleted.
    const second = first + MIN;
    const secondName = `hello-${String(second / MIN)}`;
    await stepPast(second);
    await until('the second job', async () => (await liveJobs()).some((j) => j.metadata?.name === secondName), 10_000, 20);
    await complete(secondName, second + 20_000);
    await until('the first job deleted', async () => {
      const names = (await liveJobs()).map((j) => j.metadata?.name);
      return names.length === 1 && names[0] === secondName;
    }, 10_000, 20);
    const last = await until('second completion recorded', async () => {
      const cur = await getCronJob('hello');
      return cur.status?.lastSuccessfulTime === iso(second + 20_000) ? cur : undefined;
    }, 10_000, 20);
    expect(last.status?.lastScheduleTime).toBe(iso(second));

    await cp.idle();
    const evs = await events('hello');
    const messages = evs.map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
    expect(messages).toEqual(expect.arrayContaining([
      `SuccessfulCreate: Created job ${firstName}`,
      `SawCompletedJob: Saw completed job: ${firstName}, condition: Complete`,
      `SuccessfulCreate: Created job ${secondName}`,
      `SuccessfulDelete: Deleted job ${firstName}`,
    ]));
    expect(evs.every((e) => e.source?.component === 'cronjob-controller')).toBe(true);
  });

  it('takes a job of its own that already has the scheduled name into status.active; other owned jobs are unexpected', async () => {
    const template = { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox' }] } } } };
    const cj = await cp.client.create<CronJob>(CRONJOBS, 'default', {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'racy' },
      spec: { schedule: '*/1 * * * *', suspend: true, jobTemplate: template },
    });
    const created = Date.parse(cj.metadata?.creationTimestamp ?? '');
    if (clock.now() < created + MIN + 1000) await stepPast(created + MIN);
    const due = Math.floor(clock.now() / MIN) * MIN;
    const owner = { apiVersion: 'batch/v1', kind: 'CronJob', name: 'racy', uid: cj.metadata?.uid ?? '', controller: true };
    // As if an earlier sync created it and lost its status write.
    const existing = await cp.client.create<Job>(JOBS, 'default', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `racy-${String(due / MIN)}`, ownerReferences: [owner] }, spec: template.spec,
    });
    // As `kubectl create job --from=cronjob/racy` makes it.
    await cp.client.create<Job>(JOBS, 'default', {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'racy-manual', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [owner] },
      spec: template.spec,
    });
    await cp.client.patch(CRONJOBS, 'default', 'racy', { spec: { suspend: false } }, 'merge');

    const cur = await until('the existing job in status.active', async () => {
      const c = await getCronJob('racy');
      return c.status?.active?.length === 1 ? c : undefined;
    }, 10_000, 20);
    expect(cur.status?.active?.[0]?.uid).toBe(existing.metadata?.uid);
    expect(cur.status?.lastScheduleTime).toBe(iso(due));
    await cp.idle();
    const messages = (await events('racy')).map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`);
    expect(messages).toContain('Warning UnexpectedJob: Saw a job that the controller did not create or forgot: racy-manual');
    expect(messages.some((m) => m.includes('SuccessfulCreate'))).toBe(false);
  });
});
