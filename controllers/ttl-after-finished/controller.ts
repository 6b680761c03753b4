// The TTL-after-finished controller's executor ("ttl-after-finished-controller"): finished jobs
// with a TTL are queued, requeued for the moment they expire, and deleted in the foreground (their
// pods go first) once a fresh read from the API server confirms the TTL really ran out — the TTL
// may have changed since the cache saw it. The delete carries the fresh object's uid as a
// precondition, so a job recreated under the same name is never removed by mistake.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import { isClientNotFound } from '../../kube/client/client.ts';
import { JOBS } from '../../kube/client/resources.ts';
import type { Informer } from '../../kube/informers/types.ts';
import { keyOf, splitKey, type ControllerContext, type Enqueue, type Reconciler } from '../framework/types.ts';
import { needsCleanup, planTtl, type TtlPlan } from './planner.ts';

export class TtlAfterFinishedController implements Reconciler {
  readonly name = 'ttl-after-finished-controller';
  /** --concurrent-ttl-after-finished-syncs default. */
  readonly workers = 5;
  private queue: Enqueue | undefined;
  private readonly jobs: Informer<Job>;

  constructor(private readonly ctx: ControllerContext) {
    this.jobs = ctx.informers.informer<Job>(JOBS);
  }

  watch(queue: Enqueue): void {
    this.queue = queue;
    const maybeEnqueue = (job: Job): void => {
      if (job.metadata?.deletionTimestamp === undefined && needsCleanup(job)) queue.add(keyOf(job));
    };
    this.jobs.addHandler({ add: maybeEnqueue, update: (_old, job) => { maybeEnqueue(job); } });
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.lister.get(namespace, name);
    if (cached === undefined) return;
    if (!this.act(key, planTtl(cached, this.ctx.clock.now()))) return;
    let fresh: Job;
    try {
      fresh = await this.ctx.client.get<Job>(JOBS, namespace, name);
    } catch (err) {
      if (isClientNotFound(err)) return;
      throw err;
    }
    if (!this.act(key, planTtl(fresh, this.ctx.clock.now()))) return;
    this.ctx.log.debug({ job: key }, 'cleaning up job');
    await this.ctx.client.delete(JOBS, namespace, name, {
      propagationPolicy: 'Foreground',
      ...(fresh.metadata?.uid === undefined ? {} : { preconditions: { uid: fresh.metadata.uid } }),
    });
  }

  /** Requeues a job still waiting; true when it has expired. */
  private act(key: string, plan: TtlPlan): boolean {
    switch (plan.kind) {
      case 'ignore': return false;
      case 'wait':
        this.queue?.addAfter(key, plan.afterMs);
        return false;
      case 'error': throw new Error(plan.message);
      case 'expired': return true;
    }
  }
}
