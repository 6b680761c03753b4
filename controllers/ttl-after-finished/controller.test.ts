// The TTL-after-finished controller against a real (in-memory) API server, time from a FakeClock:
// a finished job is left alone until its TTL runs out, then deleted in the foreground.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClientNotFound } from '../../kube/client/client.ts';
import { JOBS } from '../../kube/client/resources.ts';
import { FakeClock } from '../../lib/clock.ts';
import { sleep } from '../../lib/testing/wait.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { TtlAfterFinishedController } from './controller.ts';

const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('TTL-after-finished controller', () => {
  let cp: ControlPlane;
  const clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000);

  beforeAll(async () => {
    cp = await startControlPlane({ clock, reconcilers: (ctx) => [new TtlAfterFinishedController(ctx)] });
  });

  afterAll(async () => {
    await cp.stop();
  });

  async function finishedJob(name: string, ttl: number): Promise<void> {
    await cp.client.create<Job>(JOBS, 'default', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
      spec: {
        suspend: true, ttlSecondsAfterFinished: ttl,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
      },
    });
    const at = rfc3339(clock.now());
    const job = await cp.client.get<Job>(JOBS, 'default', name);
    await cp.client.updateStatus<Job>(JOBS, 'default', {
      ...job,
      status: {
        startTime: at, completionTime: at, succeeded: 1,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: at, lastTransitionTime: at },
          { type: 'Complete', status: 'True', lastProbeTime: at, lastTransitionTime: at },
        ],
      },
    });
  }

  /** deleted: gone, or marked for foreground deletion (no garbage collector runs here). */
  async function deleted(name: string): Promise<boolean> {
    try {
      const j = await cp.client.get<Job>(JOBS, 'default', name);
      if (j.metadata?.deletionTimestamp === undefined) return false;
      expect(j.metadata.finalizers).toContain('foregroundDeletion');
      return true;
    } catch (err) {
      if (isClientNotFound(err)) return true;
      throw err;
    }
  }

  async function settle(): Promise<void> {
    await sleep(150);
    await cp.idle();
  }

  it('deletes a job with ttlSecondsAfterFinished 0 at once', async () => {
    await finishedJob('now', 0);
    for (let i = 0; i < 40 && !(await deleted('now')); i++) await settle();
    expect(await deleted('now')).toBe(true);
  });

  it('waits for the TTL, requeued at expiry', async () => {
    await finishedJob('later', 30);
    await settle();
    await clock.step(29_000);
    await settle();
    expect(await deleted('later')).toBe(false);
    await clock.step(1000);
    for (let i = 0; i < 40 && !(await deleted('later')); i++) await settle();
    expect(await deleted('later')).toBe(true);
  });

  it('leaves unfinished jobs and jobs without a TTL alone', async () => {
    await cp.client.create<Job>(JOBS, 'default', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'running' },
      spec: { suspend: true, ttlSecondsAfterFinished: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
    });
    await clock.step(60_000);
    await settle();
    expect(await deleted('running')).toBe(false);
  });
});
