// The Job and TTL-after-finished controllers against a real (in-memory) API server. There is no
// agent: the tests move pods to Succeeded/Failed through the status subresource, as a kubelet would.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Event, Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClientNotFound } from '../../kube/client/client.ts';
import { EVENTS, JOBS, PODS } from '../../kube/client/resources.ts';
import { FakeClock } from '../../lib/clock.ts';
import { sleep, until } from '../../lib/testing/wait.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { TtlAfterFinishedController } from '../ttl-after-finished/controller.ts';
import { JobController } from './controller.ts';
import { metaTime } from '../framework/meta-time.ts';

function jobManifest(name: string, spec: Partial<NonNullable<Job['spec']>>): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } },
      ...spec,
    },
  };
}

async function jobPods(cp: ControlPlane, job: string): Promise<Pod[]> {
  const list = await cp.client.list<Pod>(PODS, 'default', { labelSelector: `batch.kubernetes.io/job-name=${job}` });
  return list.items.sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
}

/** What a kubelet writes when the pod's only container exits. */
async function finishPod(cp: ControlPlane, pod: Pod, exitCode: number, finishedAt: number): Promise<void> {
  const at = metaTime(finishedAt);
  await cp.client.patch(PODS, 'default', pod.metadata?.name ?? '', {
    status: {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      containerStatuses: [{
        name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0,
        state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at, finishedAt: at } },
      }],
    },
  }, 'merge', { subresource: 'status' });
}

async function jobEvents(cp: ControlPlane, job: string): Promise<Event[]> {
  return (await cp.client.list<Event>(EVENTS, 'default')).items.filter((e) => e.involvedObject.kind === 'Job' && e.involvedObject.name === job);
}

function condition(job: Job, type: string): string | undefined {
  return job.status?.conditions?.find((c) => c.type === type)?.status;
}

describe('Job controller (real clock)', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane({ reconcilers: (ctx) => [new JobController(ctx), new TtlAfterFinishedController(ctx)] });
  });

  afterAll(async () => {
    await cp.stop();
  });

  it('runs completions 3 with parallelism 2 to Complete', async () => {
    const created = await cp.client.create<Job>(JOBS, 'default', jobManifest('pi', { completions: 3, parallelism: 2 }));
    const first = await until('2 pods', async () => {
      const pods = await jobPods(cp, 'pi');
      return pods.length === 2 ? pods : undefined;
    }, 15_000, 50);
    for (const p of first) {
      expect(p.metadata?.generateName).toBe('pi-');
      expect(p.metadata?.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
      expect(p.metadata?.labels).toMatchObject({
        'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi',
        'batch.kubernetes.io/controller-uid': created.metadata?.uid, 'controller-uid': created.metadata?.uid,
      });
      expect(p.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    }
    await until('status.active=2', async () => (await cp.client.get<Job>(JOBS, 'default', 'pi')).status?.active === 2, 15_000, 50);

    for (const p of first) await finishPod(cp, p, 0, Date.now());
    const third = await until('a third pod', async () => {
      const pods = await jobPods(cp, 'pi');
      return pods.length === 3 ? pods.find((p) => !first.some((f) => f.metadata?.uid === p.metadata?.uid)) : undefined;
    }, 15_000, 50);
    await until('succeeded=2', async () => (await cp.client.get<Job>(JOBS, 'default', 'pi')).status?.succeeded === 2, 15_000, 50);

    await finishPod(cp, third, 0, Date.now());
    const done = await until('Complete', async () => {
      const j = await cp.client.get<Job>(JOBS, 'default', 'pi');
      return condition(j, 'Complete') === 'True' ? j : undefined;
    }, 15_000, 50);
    expect(done.status?.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(done.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(done.status?.active).toBeUndefined();
    expect(done.status?.failed).toBeUndefined();
    expect(done.status?.completionTime).toBeDefined();
    expect(done.status?.startTime).toBeDefined();
    // Every pod was counted, so none keeps the tracking finalizer.
    expect((await jobPods(cp, 'pi')).every((p) => (p.metadata?.finalizers ?? []).length === 0)).toBe(true);

    await cp.idle();
    const events = await until('events', async () => {
      const evs = await jobEvents(cp, 'pi');
      return evs.some((e) => e.reason === 'Completed') ? evs : undefined;
    }, 10_000, 50);
    expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(3);
    expect(events.find((e) => e.reason === 'Completed')).toMatchObject({ type: 'Normal', message: 'Job completed', source: { component: 'job-controller' } });
  });

  it('creates indexed pods named <job>-<index>-<random> with their index', async () => {
    await cp.client.create<Job>(JOBS, 'default', jobManifest('idx', { completions: 2, parallelism: 2, completionMode: 'Indexed' }));
    const pods = await until('2 indexed pods', async () => {
      const ps = await jobPods(cp, 'idx');
      return ps.length === 2 ? ps : undefined;
    }, 15_000, 50);
    const byIndex = pods.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    byIndex.forEach((p, i) => {
      expect(p.metadata?.name).toMatch(new RegExp(`^idx-${String(i)}-[a-z0-9]{5}$`));
      expect(p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).toBe(String(i));
      expect(p.metadata?.labels?.['batch.kubernetes.io/job-completion-index']).toBe(String(i));
      expect(p.spec?.hostname).toBe(`idx-${String(i)}`);
      expect(p.spec?.containers[0]?.env).toEqual([
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
      ]);
    });
    for (const p of pods) await finishPod(cp, p, 0, Date.now());
    const done = await until('Complete', async () => {
      const j = await cp.client.get<Job>(JOBS, 'default', 'idx');
      return condition(j, 'Complete') === 'True' ? j : undefined;
    }, 15_000, 50);
    expect(done.status?.completedIndexes).toBe('0,1');
  });

  it('deletes a finished job with ttlSecondsAfterFinished 0 in the foreground', async () => {
    await cp.client.create<Job>(JOBS, 'default', jobManifest('ttl', { completions: 1, ttlSecondsAfterFinished: 0 }));
    const [pod] = await until('a pod', async () => {
      const ps = await jobPods(cp, 'ttl');
      return ps.length === 1 ? ps : undefined;
    }, 15_000, 50);
    await finishPod(cp, pod as Pod, 0, Date.now());
    // Without a garbage collector the job stays, marked for foreground deletion.
    const deleting = await until('job deleted', async () => {
      try {
        const j = await cp.client.get<Job>(JOBS, 'default', 'ttl');
        return j.metadata?.deletionTimestamp === undefined ? undefined : j;
      } catch (err) {
        if (isClientNotFound(err)) return 'gone' as const;
        throw err;
      }
    }, 15_000, 50);
    if (deleting !== 'gone') {
      expect(deleting.metadata?.finalizers).toContain('foregroundDeletion');
      expect(condition(deleting, 'Complete')).toBe('True');
    }
  });

  it('adopts a matching orphan (owner reference and finalizer) and releases it when relabelled', async () => {
    const orphan: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'stray', labels: { app: 'adopt' }, finalizers: ['example.com/keep'] },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
    };
    await cp.client.create<Pod>(PODS, 'default', orphan);
    const job = await cp.client.create<Job>(JOBS, 'default', jobManifest('adopter', {
      completions: 1, manualSelector: true, selector: { matchLabels: { app: 'adopt' } },
      template: { metadata: { labels: { app: 'adopt' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
    }));
    const adopted = await until('adopted', async () => {
      const p = await cp.client.get<Pod>(PODS, 'default', 'stray');
      return p.metadata?.ownerReferences?.[0]?.uid === job.metadata?.uid ? p : undefined;
    }, 15_000, 50);
    expect([...(adopted.metadata?.finalizers ?? [])].sort()).toEqual(['batch.kubernetes.io/job-tracking', 'example.com/keep']);
    await until('active=1', async () => (await cp.client.get<Job>(JOBS, 'default', 'adopter')).status?.active === 1, 15_000, 50);
    const list = async (): Promise<Pod[]> => (await cp.client.list<Pod>(PODS, 'default', { labelSelector: 'app=adopt' })).items;
    expect(await list()).toHaveLength(1);

    await cp.client.patch(PODS, 'default', 'stray', { metadata: { labels: { app: 'elsewhere' } } }, 'merge');
    const released = await until('released', async () => {
      const p = await cp.client.get<Pod>(PODS, 'default', 'stray');
      return (p.metadata?.ownerReferences ?? []).length === 0 ? p : undefined;
    }, 15_000, 50);
    expect(released.metadata?.finalizers).toEqual(['example.com/keep']);
    await until('a replacement', async () => (await list()).length === 1, 15_000, 50);
    await cp.client.patch(PODS, 'default', 'stray', { metadata: { finalizers: null } }, 'merge');
  });

  it('removes the tracking finalizer from the pods of a deleted job', async () => {
    await cp.client.create<Job>(JOBS, 'default', jobManifest('gone', { completions: 1 }));
    const [pod] = await until('a pod', async () => {
      const ps = await jobPods(cp, 'gone');
      return ps.length === 1 ? ps : undefined;
    }, 15_000, 50);
    expect(pod?.metadata?.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
    await cp.client.delete(JOBS, 'default', 'gone', { propagationPolicy: 'Orphan' });
    await until('finalizer removed', async () => {
      const p = await cp.client.get<Pod>(PODS, 'default', pod?.metadata?.name ?? '');
      return (p.metadata?.finalizers ?? []).length === 0;
    }, 15_000, 50);
  });

  it('suspends and resumes', async () => {
    await cp.client.create<Job>(JOBS, 'default', jobManifest('sus', { completions: 1, suspend: true }));
    const suspended = await until('Suspended', async () => {
      const j = await cp.client.get<Job>(JOBS, 'default', 'sus');
      return condition(j, 'Suspended') === 'True' ? j : undefined;
    }, 15_000, 50);
    expect(suspended.status?.startTime).toBeUndefined();
    expect(await jobPods(cp, 'sus')).toHaveLength(0);
    await cp.client.patch(JOBS, 'default', 'sus', { spec: { suspend: false } }, 'merge');
    const resumed = await until('resumed with a pod', async () => {
      const j = await cp.client.get<Job>(JOBS, 'default', 'sus');
      return condition(j, 'Suspended') === 'False' && (await jobPods(cp, 'sus')).length === 1 ? j : undefined;
    }, 15_000, 50);
    expect(resumed.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ reason: 'JobResumed', message: 'Job resumed' });
    expect(resumed.status?.startTime).toBeDefined();
  });
});

describe('Job controller (fake clock)', () => {
  let cp: ControlPlane;
  const clock = new FakeClock(Date.now());

  beforeAll(async () => {
    cp = await startControlPlane({ clock, reconcilers: (ctx) => [new JobController(ctx)] });
  });

  afterAll(async () => {
    await cp.stop();
  });

  /** Lets the controller run on real I/O while fake time stands still. */
  async function settle(): Promise<void> {
    await sleep(150);
    await cp.idle();
  }

  /** Steps fake time a second at a time until check passes. */
  async function advanceUntil<T>(what: string, check: () => Promise<T | undefined | false>, maxSteps = 30): Promise<T> {
    for (let i = 0; i < maxSteps; i++) {
      await clock.step(1000);
      await settle();
      const v = await check();
      if (v !== undefined && v !== false) return v;
    }
    throw new Error(`not reached after ${String(maxSteps)} fake seconds: ${what}`);
  }

  it('waits out the failure back-off, then fails with BackoffLimitExceeded', async () => {
    await cp.client.create<Job>(JOBS, 'default', jobManifest('flaky', { completions: 1, backoffLimit: 1 }));
    const [first] = await until('first pod', async () => {
      const ps = await jobPods(cp, 'flaky');
      return ps.length === 1 ? ps : undefined;
    }, 15_000, 50);
    const failedAt = clock.now();
    await finishPod(cp, first as Pod, 1, failedAt);
    await advanceUntil('failed=1', async () => (await cp.client.get<Job>(JOBS, 'default', 'flaky')).status?.failed === 1);
    // 10 s from the failure: nothing new before that.
    while (clock.now() < failedAt + 9000) {
      await clock.step(1000);
      await settle();
    }
    expect(await jobPods(cp, 'flaky')).toHaveLength(1);
    const second = await advanceUntil('replacement pod', async () => {
      const ps = await jobPods(cp, 'flaky');
      return ps.length === 2 ? ps.find((p) => p.metadata?.uid !== first?.metadata?.uid) : undefined;
    }, 5);
    expect(clock.now()).toBeGreaterThanOrEqual(failedAt + 10_000);

    await finishPod(cp, second, 1, clock.now());
    const failed = await advanceUntil('Failed', async () => {
      const j = await cp.client.get<Job>(JOBS, 'default', 'flaky');
      return condition(j, 'Failed') === 'True' ? j : undefined;
    });
    expect(failed.status?.conditions).toMatchObject([
      { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    ]);
    expect(failed.status?.failed).toBe(2);
    const events = await advanceUntil('event', async () => {
      const evs = await jobEvents(cp, 'flaky');
      return evs.some((e) => e.reason === 'BackoffLimitExceeded') ? evs : undefined;
    });
    expect(events.find((e) => e.reason === 'BackoffLimitExceeded')).toMatchObject({ type: 'Warning', message: 'Job has reached the specified backoff limit' });
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds, deleting its pods', async () => {
    await cp.client.create<Job>(JOBS, 'default', jobManifest('slow', { completions: 1, activeDeadlineSeconds: 5 }));
    await until('a pod', async () => (await jobPods(cp, 'slow')).length === 1, 15_000, 50);
    const failed = await advanceUntil('Failed', async () => {
      const j = await cp.client.get<Job>(JOBS, 'default', 'slow');
      return condition(j, 'Failed') === 'True' ? j : undefined;
    });
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(failed.status?.failed).toBe(1);
    // The pod was unscheduled: gone once its finalizer was removed.
    expect(await jobPods(cp, 'slow')).toHaveLength(0);
  });
});
