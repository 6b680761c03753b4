import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { activePodsForRemoval, planJobSync } from './planner.ts';
import { metaTime } from '../framework/meta-time.ts';
import { makeJob, makePod, simulateSync, T0 } from './testing.ts';

const S = 1000;

function names(pods: readonly Pod[]): string[] {
  return pods.map((p) => p.metadata?.name ?? '');
}

function conditionTypes(job: Job): string[] {
  return (job.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
}

describe('pod creation', () => {
  it('starts parallelism pods for a job with completions, with labels, finalizer, owner and generateName', () => {
    const r = simulateSync(makeJob({ completions: 3, parallelism: 2 }), []);
    expect(r.plan.action.type).toBe('create');
    if (r.plan.action.type !== 'create') return;
    expect(r.plan.action.pods).toHaveLength(2);
    const pod = r.plan.action.pods[0] as Pod;
    expect(pod.metadata?.generateName).toBe('pi-');
    expect(pod.metadata?.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
    expect(pod.metadata?.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi', 'controller-uid': 'job-uid' });
    expect(pod.metadata?.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true }]);
    expect(r.job.status).toMatchObject({ active: 2, ready: 0, terminating: 0, startTime: metaTime(T0), uncountedTerminatedPods: {} });
    expect(r.flushed).toBeDefined();
  });

  it.each([
    ['completions left < parallelism', { completions: 3, parallelism: 5 }, { succeeded: 1 }, 2],
    ['parallelism caps', { completions: 10, parallelism: 4 }, {}, 4],
    ['all succeeded', { completions: 2, parallelism: 2 }, { succeeded: 2 }, 0],
    ['work queue: parallelism pods', { completions: undefined, parallelism: 3 }, {}, 3],
    ['work queue after a success: nothing new', { completions: undefined, parallelism: 3 }, { succeeded: 1 }, 0],
    ['parallelism 0', { completions: 3, parallelism: 0 }, {}, 0],
  ] as const)('%s', (_name, spec, status, want) => {
    const job = makeJob({ parallelism: spec.parallelism, ...(spec.completions === undefined ? {} : { completions: spec.completions }) }, { ...status });
    if (spec.completions === undefined) delete job.spec?.completions;
    const plan = planJobSync({ job, pods: [], now: T0, satisfiedExpectations: true, expectedRmFinalizers: new Set(), backoff: undefined });
    const created = plan.action.type === 'create' ? plan.action.pods.length : 0;
    expect(created).toBe(want);
  });

  it('indexed pods get index annotation and label, hostname, env through the label, generateName', () => {
    const job = makeJob({ completions: 3, parallelism: 2, completionMode: 'Indexed' });
    if (job.spec !== undefined) job.spec.template.spec = { restartPolicy: 'Never', subdomain: 'svc', initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'main', image: 'busybox' }] };
    const running = makePod('pi-0-abcde', { index: 0, phase: 'Running' });
    const plan = planJobSync({ job, pods: [running], now: T0, satisfiedExpectations: true, expectedRmFinalizers: new Set(), backoff: undefined });
    if (plan.action.type !== 'create') throw new Error('expected create');
    expect(plan.action.pods).toHaveLength(1);
    const pod = plan.action.pods[0] as Pod;
    expect(pod.metadata?.generateName).toBe('pi-1-');
    expect(pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(pod.spec?.hostname).toBe('pi-1');
    expect(pod.spec?.subdomain).toBe('svc');
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } };
    expect(pod.spec?.containers[0]?.env).toEqual([env]);
    expect(pod.spec?.initContainers?.[0]?.env).toEqual([env]);
  });

  it('indexed: skips succeeded and running indexes', () => {
    const job = makeJob({ completions: 5, parallelism: 3, completionMode: 'Indexed' }, { completedIndexes: '0,1', succeeded: 2 });
    const pods = [makePod('a', { index: 2, phase: 'Running' })];
    const plan = planJobSync({ job, pods, now: T0, satisfiedExpectations: true, expectedRmFinalizers: new Set(), backoff: undefined });
    if (plan.action.type !== 'create') throw new Error('expected create');
    expect(plan.action.pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'])).toEqual(['3', '4']);
  });

  it('long job names are cut so that the indexed generateName stays a valid prefix', () => {
    const name = 'x'.repeat(60);
    const job = makeJob({ completions: 1, completionMode: 'Indexed' }, {}, { name });
    const plan = planJobSync({ job, pods: [], now: T0, satisfiedExpectations: true, expectedRmFinalizers: new Set(), backoff: undefined });
    if (plan.action.type !== 'create') throw new Error('expected create');
    expect(plan.action.pods[0]?.metadata?.generateName).toBe(`${'x'.repeat(55)}-0-`);
  });

  it('waits for expectations before creating or deleting anything', () => {
    const r = simulateSync(makeJob({ completions: 3, parallelism: 2 }), [], { satisfiedExpectations: false });
    expect(r.plan.action.type).toBe('none');
  });

  it('does not manage pods of a job being deleted', () => {
    const r = simulateSync(makeJob({ completions: 3, parallelism: 2 }, {}, { deletionTimestamp: metaTime(T0) }), []);
    expect(r.plan.action.type).toBe('none');
  });
});

describe('too many pods', () => {
  it('deletes the excess in ActivePods order: unscheduled, pending, not ready, newest', () => {
    const job = makeJob({ completions: 10, parallelism: 2 });
    const pods = [
      makePod('ready-old', { phase: 'Running', node: 'n', ready: true, created: T0 - 100 * S }),
      makePod('unscheduled', { phase: 'Pending' }),
      makePod('running-not-ready', { phase: 'Running', node: 'n', ready: false }),
      makePod('ready-new', { phase: 'Running', node: 'n', ready: true, created: T0 - 10 * S, readyAt: T0 - 5 * S }),
      makePod('pending', { phase: 'Pending', node: 'n' }),
    ];
    const plan = planJobSync({ job, pods, now: T0, satisfiedExpectations: true, expectedRmFinalizers: new Set(), backoff: undefined });
    if (plan.action.type !== 'delete') throw new Error('expected delete');
    expect(names(plan.action.pods)).toEqual(['unscheduled', 'pending', 'running-not-ready']);
  });

  it('indexed: removes duplicate, unindexed and out-of-range pods even with no excess', () => {
    const job = makeJob({ completions: 3, parallelism: 3, completionMode: 'Indexed' });
    const pods = [
      makePod('dup-a', { index: 0, phase: 'Running', node: 'n', ready: true }),
      makePod('dup-b', { index: 0, phase: 'Pending' }),
      makePod('none', { phase: 'Running' }),
      makePod('big', { index: 7, phase: 'Running' }),
    ];
    expect(names(activePodsForRemoval(job, pods, 0))).toEqual(['none', 'dup-b', 'big']);
  });
});

describe('tracking finished pods', () => {
  it('puts succeeded pods in uncountedTerminatedPods, then counts them once the finalizers are gone', () => {
    const job = makeJob({ completions: 3, parallelism: 2 }, { startTime: metaTime(T0), active: 2, ready: 0, terminating: 0 });
    const pods = [makePod('a', { phase: 'Succeeded', exitCode: 0 }), makePod('b', { phase: 'Succeeded', exitCode: 0 })];
    const r = simulateSync(job, pods);
    expect(r.flushed?.status?.uncountedTerminatedPods).toEqual({ succeeded: ['uid-a', 'uid-b'] });
    expect(names(r.statusPlan.podsToRemoveFinalizer)).toEqual(['a', 'b']);
    expect(r.job.status).toMatchObject({ succeeded: 2, active: 1, uncountedTerminatedPods: { succeeded: [] } });
    // One more pod for the last completion.
    expect(r.plan.action.type === 'create' ? r.plan.action.pods.length : 0).toBe(1);
  });

  it('does not count a pod again while its finalizer removal is awaited', () => {
    const job = makeJob({ completions: 3, parallelism: 2 }, { startTime: metaTime(T0), succeeded: 1 });
    const pods = [makePod('a', { phase: 'Succeeded' })];
    const r = simulateSync(job, pods, { expectedRmFinalizers: new Set(['uid-a']) });
    expect(r.statusPlan.podsToRemoveFinalizer).toEqual([]);
    expect(r.job.status?.succeeded).toBe(1);
  });

  it('moves uids of pods whose finalizer is already gone to the counters', () => {
    const job = makeJob({ completions: 3, parallelism: 1 }, { startTime: metaTime(T0), uncountedTerminatedPods: { succeeded: ['uid-a'], failed: ['uid-b'] } });
    const pods = [makePod('a', { phase: 'Succeeded', finalizer: false }), makePod('b', { phase: 'Failed', finalizer: false })];
    const r = simulateSync(job, pods);
    expect(r.job.status).toMatchObject({ succeeded: 1, failed: 1 });
    expect(r.flushed?.status?.uncountedTerminatedPods).toEqual({ succeeded: [], failed: [] });
  });

  it('stops at 500 uncounted pods and does not finish the job in that sync', () => {
    const job = makeJob({ completions: 600, parallelism: 0 }, { startTime: metaTime(T0) });
    const pods = Array.from({ length: 600 }, (_, i) => makePod(`p${i}`, { phase: 'Succeeded' }));
    const r = simulateSync(job, pods);
    expect(r.statusPlan.reachedMaxUncounted).toBe(true);
    expect(r.statusPlan.podsToRemoveFinalizer).toHaveLength(500);
    expect(r.finished).toBe(false);
  });

  it('indexed: completedIndexes in interval form', () => {
    const job = makeJob({ completions: 8, parallelism: 0, completionMode: 'Indexed' }, { startTime: metaTime(T0), completedIndexes: '0', succeeded: 1 });
    const pods = [1, 3, 4, 5, 7].map((ix) => makePod(`p${ix}`, { index: ix, phase: 'Succeeded' }));
    const r = simulateSync(job, pods);
    expect(r.job.status?.completedIndexes).toBe('0,1,3-5,7');
    expect(r.job.status?.succeeded).toBe(6);
  });
});

describe('completion', () => {
  it('SuccessCriteriaMet first, then Complete with completionTime and the Completed event', () => {
    const job = makeJob({ completions: 2, parallelism: 2 }, { startTime: metaTime(T0 - 60 * S), succeeded: 1, active: 1, ready: 0, terminating: 0 });
    const pods = [makePod('a', { phase: 'Succeeded', finalizer: false }), makePod('b', { phase: 'Succeeded' })];
    const now = T0 + 3 * S;
    const r = simulateSync(job, pods, { now });
    expect(conditionTypes(r.flushed as Job)).toEqual(['SuccessCriteriaMet=True']);
    expect(r.finished).toBe(true);
    expect(conditionTypes(r.job)).toEqual(['SuccessCriteriaMet=True', 'Complete=True']);
    const complete = r.job.status?.conditions?.[1];
    expect(complete).toEqual({ type: 'Complete', status: 'True', lastProbeTime: metaTime(now), lastTransitionTime: metaTime(now) });
    expect(r.job.status?.completionTime).toBe(metaTime(now));
    expect(r.job.status?.succeeded).toBe(2);
    expect(r.events).toEqual([{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
  });

  it('a job that already met its success criteria completes without re-adding the condition', () => {
    const met = { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: metaTime(T0), lastTransitionTime: metaTime(T0) };
    const job = makeJob({ completions: 1 }, { startTime: metaTime(T0), succeeded: 1, conditions: [met] });
    const r = simulateSync(job, [makePod('a', { phase: 'Succeeded', finalizer: false })]);
    expect(conditionTypes(r.job)).toEqual(['SuccessCriteriaMet=True', 'Complete=True']);
  });

  it('a work-queue job completes once a pod succeeded and none is active', () => {
    const job = makeJob({ parallelism: 2 }, { startTime: metaTime(T0) });
    delete job.spec?.completions;
    const running = simulateSync(job, [makePod('a', { phase: 'Succeeded' }), makePod('b', { phase: 'Running' })]);
    expect(running.finished).toBe(false);
    expect(running.plan.action.type).toBe('none');
    const done = simulateSync(job, [makePod('a', { phase: 'Succeeded' }), makePod('b', { phase: 'Succeeded' })]);
    expect(done.finished).toBe(true);
    expect(done.job.status?.succeeded).toBe(2);
  });

  it('warns about too many succeeded pods', () => {
    const job = makeJob({ completions: 1, parallelism: 2 }, { startTime: metaTime(T0) });
    const r = simulateSync(job, [makePod('a', { phase: 'Succeeded' }), makePod('b', { phase: 'Succeeded' })]);
    expect(r.events.map((e) => e.reason)).toEqual(['TooManySucceededPods', 'Completed']);
  });
});

describe('failures and back-off', () => {
  it('waits 10 s after the first failure, counted from when the pod finished', () => {
    const job = makeJob({ completions: 1, backoffLimit: 6 }, { startTime: metaTime(T0) });
    const failed = makePod('a', { phase: 'Failed', exitCode: 1, finishedAt: T0 });
    const r = simulateSync(job, [failed], { now: T0 + 3 * S });
    expect(r.plan.action).toEqual({ type: 'backoff', delayMs: 7 * S });
    expect(r.plan.backoff).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: T0 });
    // manageJob reports no active pods while it waits.
    expect(r.job.status).toMatchObject({ active: 0, failed: 1 });
  });

  it.each([
    [1, 10], [2, 20], [3, 40], [6, 320], [7, 600], [20, 600],
  ])('after %i consecutive failures the back-off is %i s', (failures, seconds) => {
    const job = makeJob({ completions: 1, backoffLimit: 100 }, { startTime: metaTime(T0), failed: failures });
    const r = simulateSync(job, [], { now: T0, backoff: { failuresAfterLastSuccess: failures, lastFailureTime: T0 } });
    expect(r.plan.action).toEqual({ type: 'backoff', delayMs: seconds * S });
  });

  it('creates the replacement once the back-off has passed', () => {
    const job = makeJob({ completions: 1 }, { startTime: metaTime(T0), failed: 1 });
    const r = simulateSync(job, [], { now: T0 + 10 * S, backoff: { failuresAfterLastSuccess: 1, lastFailureTime: T0 } });
    expect(r.plan.action.type).toBe('create');
  });

  it('a success resets the back-off; failures after it count again', () => {
    const job = makeJob({ completions: 5, parallelism: 1 }, { startTime: metaTime(T0) });
    const pods = [
      makePod('f1', { phase: 'Failed', exitCode: 1, finishedAt: T0 - 30 * S }),
      makePod('ok', { phase: 'Succeeded', exitCode: 0, finishedAt: T0 - 20 * S }),
      makePod('f2', { phase: 'Failed', exitCode: 1, finishedAt: T0 - 10 * S }),
    ];
    const r = simulateSync(job, pods, { now: T0, backoff: { failuresAfterLastSuccess: 4, lastFailureTime: T0 - 60 * S } });
    expect(r.plan.backoff).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: T0 - 10 * S });
    expect(r.plan.action.type).toBe('create');
  });

  it('fails with BackoffLimitExceeded: FailureTarget first, active pods deleted, then Failed and the event', () => {
    const job = makeJob({ completions: 3, parallelism: 2, backoffLimit: 1 }, { startTime: metaTime(T0), failed: 1 });
    const running = makePod('r', { phase: 'Running', node: 'n' });
    const failed = makePod('f', { phase: 'Failed', exitCode: 1 });
    const first = simulateSync(job, [running, failed]);
    expect(first.plan.action).toEqual({ type: 'terminate', pods: [running] });
    // The running pod is terminating now: the terminal condition waits for it.
    expect(first.finished).toBe(false);
    expect(conditionTypes(first.job)).toEqual(['FailureTarget=True']);
    expect(first.job.status?.conditions?.[0]).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(first.job.status?.failed).toBe(3);

    const gone = simulateSync(first.job, [], { now: T0 + 5 * S });
    expect(gone.finished).toBe(true);
    expect(conditionTypes(gone.job)).toEqual(['FailureTarget=True', 'Failed=True']);
    expect(gone.job.status?.conditions?.[1]).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: metaTime(T0 + 5 * S) });
    expect(gone.job.status?.completionTime).toBeUndefined();
    expect(gone.events).toEqual([{ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]);
  });

  it('backoffLimit 0 fails on the first failure', () => {
    const job = makeJob({ completions: 1, backoffLimit: 0 }, { startTime: metaTime(T0), active: 1 });
    const r = simulateSync(job, [makePod('f', { phase: 'Failed' })]);
    expect(conditionTypes(r.job)).toEqual(['FailureTarget=True', 'Failed=True']);
  });

  it('restartPolicy OnFailure: container restarts count against the limit', () => {
    const job = makeJob({ completions: 1, backoffLimit: 2 }, { startTime: metaTime(T0) });
    if (job.spec !== undefined) job.spec.template.spec = { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox' }] };
    const below = simulateSync(job, [makePod('a', { phase: 'Running', restarts: 1 })]);
    expect(below.plan.state.finished).toBeUndefined();
    const at = simulateSync(job, [makePod('a', { phase: 'Running', restarts: 2 })]);
    expect(at.plan.state.finished?.reason).toBe('BackoffLimitExceeded');
  });

  it('a terminating pod is replaced with TerminatingOrFailed but not with Failed', () => {
    const terminating = makePod('t', { phase: 'Running', deleting: true });
    const loose = simulateSync(makeJob({ completions: 1, backoffLimit: 6 }, { startTime: metaTime(T0) }), [terminating]);
    // Counted as a failure (finished at deletion less the grace period, 30 s ago: no back-off left).
    expect(loose.plan.action.type).toBe('create');
    expect(loose.job.status?.failed).toBe(1);
    const strict = simulateSync(makeJob({ completions: 1, podReplacementPolicy: 'Failed' }, { startTime: metaTime(T0) }), [terminating]);
    expect(strict.plan.action.type).toBe('none');
    expect(strict.job.status?.terminating).toBe(1);
  });
});

describe('activeDeadlineSeconds', () => {
  it('requeues for the deadline while it has not passed', () => {
    const job = makeJob({ completions: 1, activeDeadlineSeconds: 30 }, { startTime: metaTime(T0) });
    const r = simulateSync(job, [makePod('a', { phase: 'Running' })], { now: T0 + 10 * S });
    expect(r.plan.deadlineRequeueMs).toBe(20 * S);
  });

  it('fails with DeadlineExceeded once passed, deleting active pods', () => {
    const job = makeJob({ completions: 1, activeDeadlineSeconds: 30 }, { startTime: metaTime(T0) });
    const pod = makePod('a', { phase: 'Pending' });
    const r = simulateSync(job, [pod], { now: T0 + 30 * S });
    expect(r.plan.action).toEqual({ type: 'terminate', pods: [pod] });
    expect(r.job.status?.conditions?.[0]).toMatchObject({ type: 'FailureTarget', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    const after = simulateSync(r.job, [], { now: T0 + 31 * S });
    expect(after.events).toEqual([{ type: 'Warning', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }]);
  });

  it('is not declared finished while a deletion failed', () => {
    const job = makeJob({ completions: 1, activeDeadlineSeconds: 1 }, { startTime: metaTime(T0) });
    const plan = planJobSync({ job, pods: [makePod('a', { phase: 'Running' })], now: T0 + 2 * S, satisfiedExpectations: true, expectedRmFinalizers: new Set(), backoff: undefined });
    expect(plan.action.type).toBe('terminate');
  });
});

describe('suspend', () => {
  it('a job created suspended has no startTime and no pods', () => {
    const r = simulateSync(makeJob({ completions: 2, suspend: true }), []);
    expect(r.job.status?.startTime).toBeUndefined();
    expect(r.plan.action).toEqual({ type: 'delete', pods: [] });
    expect(conditionTypes(r.job)).toEqual(['Suspended=True']);
    expect(r.job.status?.conditions?.[0]).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(r.events).toEqual([{ type: 'Normal', reason: 'Suspended', message: 'Job suspended' }]);
  });

  it('suspending deletes the active pods', () => {
    const pods = [makePod('a', { phase: 'Running', node: 'n', ready: true }), makePod('b', { phase: 'Pending' })];
    const r = simulateSync(makeJob({ completions: 2, parallelism: 2, suspend: true }, { startTime: metaTime(T0), active: 2 }), pods);
    expect(r.plan.action.type === 'delete' ? names(r.plan.action.pods) : []).toEqual(['b', 'a']);
    expect(r.job.status).toMatchObject({ active: 0, ready: 0, terminating: 2 });
  });

  it('resuming sets Suspended False (JobResumed), resets startTime and records Resumed', () => {
    const suspended = { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: metaTime(T0), lastTransitionTime: metaTime(T0) };
    const job = makeJob({ completions: 1 }, { startTime: metaTime(T0), conditions: [suspended] });
    const now = T0 + 100 * S;
    const r = simulateSync(job, [], { now });
    expect(r.job.status?.conditions?.[0]).toMatchObject({ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastTransitionTime: metaTime(now) });
    expect(r.job.status?.startTime).toBe(metaTime(now));
    expect(r.events).toEqual([{ type: 'Normal', reason: 'Resumed', message: 'Job resumed' }]);
  });

  it('no deadline while suspended', () => {
    const job = makeJob({ completions: 1, suspend: true, activeDeadlineSeconds: 1 }, { startTime: metaTime(T0) });
    const r = simulateSync(job, [], { now: T0 + 100 * S });
    expect(r.plan.state.finished).toBeUndefined();
    expect(r.plan.deadlineRequeueMs).toBeUndefined();
  });
});

describe('podFailurePolicy', () => {
  const rules = {
    rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1] } },
    ],
  };

  it('FailJob: interim FailureTarget with the rule message, then Failed (PodFailurePolicy)', () => {
    const job = makeJob({ completions: 2, parallelism: 2, podFailurePolicy: rules, podReplacementPolicy: 'Failed' }, { startTime: metaTime(T0) });
    const r = simulateSync(job, [makePod('p', { phase: 'Failed', exitCode: 42 })]);
    const msg = 'Container main for pod default/p failed with exit code 42 matching FailJob rule at index 0';
    expect(r.job.status?.conditions).toMatchObject([
      { type: 'FailureTarget', reason: 'PodFailurePolicy', message: msg },
      { type: 'Failed', reason: 'PodFailurePolicy', message: msg },
    ]);
    expect(r.events).toEqual([{ type: 'Warning', reason: 'PodFailurePolicy', message: msg }]);
  });

  it('Ignore: the failure does not count and the pod is replaced without back-off', () => {
    const job = makeJob({ completions: 1, podFailurePolicy: rules, podReplacementPolicy: 'Failed', backoffLimit: 0 }, { startTime: metaTime(T0) });
    const disrupted = makePod('p', { phase: 'Failed', exitCode: 1, conditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    const r = simulateSync(job, [disrupted]);
    expect(r.job.status?.failed).toBeUndefined();
    expect(r.plan.state.finished).toBeUndefined();
    // Ignored failures still feed the back-off record, as upstream's.
    expect(r.plan.action.type).toBe('backoff');
  });

  it('Count and unmatched failures count towards backoffLimit', () => {
    const job = makeJob({ completions: 1, podFailurePolicy: rules, podReplacementPolicy: 'Failed', backoffLimit: 1 }, { startTime: metaTime(T0) });
    const r = simulateSync(job, [makePod('a', { phase: 'Failed', exitCode: 3 }), makePod('b', { phase: 'Failed', exitCode: 1 })]);
    expect(r.plan.state.finished?.reason).toBe('BackoffLimitExceeded');
  });

  it('onPodConditions FailJob message', () => {
    const policy = { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }] };
    const job = makeJob({ completions: 1, podFailurePolicy: policy, podReplacementPolicy: 'Failed' }, { startTime: metaTime(T0) });
    const r = simulateSync(job, [makePod('p', { phase: 'Failed', conditions: [{ type: 'ConfigIssue', status: 'True' }] })]);
    expect(r.job.status?.conditions?.[0]?.message).toBe('Pod default/p has condition ConfigIssue matching FailJob rule at index 0');
  });

  it('an existing FailureTarget turns into Failed with its reason', () => {
    const target = { type: 'FailureTarget', status: 'True', reason: 'PodFailurePolicy', message: 'm', lastProbeTime: metaTime(T0), lastTransitionTime: metaTime(T0) };
    const job = makeJob({ completions: 1 }, { startTime: metaTime(T0), conditions: [target] });
    const r = simulateSync(job, []);
    expect(conditionTypes(r.job)).toEqual(['FailureTarget=True', 'Failed=True']);
    expect(r.job.status?.conditions?.[1]).toMatchObject({ reason: 'PodFailurePolicy', message: 'm' });
  });
});

describe('backoffLimitPerIndex', () => {
  const spec = { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 1, backoffLimit: 2147483647 } as const;

  it('replacement pods carry the failure count of the pod they replace and wait for its back-off', () => {
    const job = makeJob({ ...spec }, { startTime: metaTime(T0), failedIndexes: '' });
    const pods = [
      makePod('p0', { index: 0, phase: 'Failed', failureCount: 0, exitCode: 1, finishedAt: T0 }),
      makePod('p1', { index: 1, phase: 'Running' }),
      makePod('p2', { index: 2, phase: 'Running' }),
    ];
    const early = simulateSync(job, pods, { now: T0 + 4 * S });
    expect(early.plan.action).toEqual({ type: 'backoff', delayMs: 6 * S });
    // Its finalizer stays until the replacement exists.
    expect(names(early.statusPlan.podsToRemoveFinalizer)).toEqual([]);
    const later = simulateSync(job, pods, { now: T0 + 10 * S });
    if (later.plan.action.type !== 'create') throw new Error('expected create');
    expect(later.plan.action.pods[0]?.metadata?.annotations).toMatchObject({ 'batch.kubernetes.io/job-completion-index': '0', 'batch.kubernetes.io/job-index-failure-count': '1' });
  });

  it('an index that exhausted its limit is failed; all indexes done → FailedIndexes', () => {
    const job = makeJob({ ...spec }, { startTime: metaTime(T0), completedIndexes: '1,2', succeeded: 2, failedIndexes: '' });
    const r = simulateSync(job, [makePod('p0', { index: 0, phase: 'Failed', failureCount: 1 })]);
    expect(r.job.status?.failedIndexes).toBe('0');
    expect(r.job.status?.conditions).toMatchObject([{ type: 'FailureTarget', reason: 'FailedIndexes', message: 'Job has failed indexes' }, { type: 'Failed', reason: 'FailedIndexes' }]);
  });

  it('maxFailedIndexes exceeded', () => {
    const job = makeJob({ ...spec, maxFailedIndexes: 0 }, { startTime: metaTime(T0), failedIndexes: '' });
    const r = simulateSync(job, [makePod('p0', { index: 0, phase: 'Failed', failureCount: 1 }), makePod('p1', { index: 1, phase: 'Running' })]);
    expect(r.job.status?.conditions?.[0]).toMatchObject({ reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' });
  });
});

describe('successPolicy', () => {
  it('meets its rule early: SuccessCriteriaMet (SuccessPolicy), remaining pods deleted, then Complete', () => {
    const job = makeJob({
      completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] },
    }, { startTime: metaTime(T0) });
    const running = makePod('p1', { index: 1, phase: 'Running' });
    const r = simulateSync(job, [makePod('p0', { index: 0, phase: 'Succeeded' }), running]);
    expect(r.plan.action).toEqual({ type: 'terminate', pods: [running] });
    expect(r.job.status?.conditions?.[0]).toMatchObject({ type: 'SuccessCriteriaMet', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(r.finished).toBe(false);
    const done = simulateSync(r.job, [makePod('p0', { index: 0, phase: 'Succeeded', finalizer: false })]);
    expect(done.job.status?.conditions?.[1]).toMatchObject({ type: 'Complete', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
  });
});
