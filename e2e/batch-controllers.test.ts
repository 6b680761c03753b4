// Jobs, CronJobs, TTL after finished and disruption budgets through the real kubectl on the real
// engine: the seed tutorial's Job and CronJob (examples/job.yaml, examples/cronjob.yaml), a job
// that fails to its backoff limit, an Indexed job, and `kubectl drain` refused by a budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.d.ts';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRONJOBS, JOBS, PODDISRUPTIONBUDGETS } from '../kube/client/resources.ts';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { until } from '../lib/testing/wait.ts';
import { startNodelet, type StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
let node: StartedNodelet;

async function kubectl(args: string[], timeoutMs = 90_000): Promise<string> {
  const r = await node.kubectl(args, { timeoutMs });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${String(r.code)}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function example(name: string): string {
  return readFileSync(join(PROJECT_ROOT, 'examples', name), 'utf8');
}

function job(name: string, spec: Partial<NonNullable<Job['spec']>>, script: string): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: {
      ...spec,
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] }] } },
    },
  };
}

beforeAll(async () => {
  node = await startNodelet({ nodeName: `e2e-batch-${String(process.pid)}` });
  // first, so that its first minute passes while the other tests run
  await node.apply(example('cronjob.yaml'));
}, 180_000);

afterAll(async () => {
  await (node as StartedNodelet | undefined)?.stop();
}, 120_000);

describe('Job', () => {
  it('the seed Job runs to completion: kubectl wait, logs job/x, describe events', async () => {
    await node.apply(example('job.yaml'));
    await kubectl(['wait', '--for=condition=complete', 'job/job-demo', '--timeout=60s']);
    expect(await kubectl(['logs', 'job/job-demo'])).toBe('9\n8\n7\n6\n5\n4\n3\n2\n1\n');
    const got = await node.client.get<Job>(JOBS, 'default', 'job-demo');
    expect(got.status).toMatchObject({ succeeded: 1, ready: 0 });
    expect(got.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['SuccessCriteriaMet=True', 'Complete=True']);
    expect(await kubectl(['get', 'job', 'job-demo', '--no-headers'])).toMatch(/^job-demo\s+Complete\s+1\/1\s/);
    const described = await kubectl(['describe', 'job', 'job-demo']);
    expect(described).toMatch(/Normal\s+SuccessfulCreate\s+.*job-controller\s+Created pod: job-demo-/);
    expect(described).toMatch(/Normal\s+Completed\s+.*job-controller\s+Job completed/);
  });

  it('a job whose pods fail stops at its backoff limit, after the pod-failure back-off', async () => {
    await node.apply(job('fails', { backoffLimit: 1 }, 'echo failing; exit 3'));
    await kubectl(['wait', '--for=condition=failed', 'job/fails', '--timeout=90s'], 100_000);
    const got = await node.client.get<Job>(JOBS, 'default', 'fails');
    expect(got.status?.failed).toBe(2);
    const failed = got.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    // the second pod waited out the 10 s back-off after the first one failed
    const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'job-name=fails', '-o', 'json'])) as { items: { metadata: { creationTimestamp: string } }[] };
    const created = pods.items.map((p) => Date.parse(p.metadata.creationTimestamp)).sort((a, b) => a - b);
    expect(created).toHaveLength(2);
    expect((created[1] ?? 0) - (created[0] ?? 0)).toBeGreaterThanOrEqual(9_000);
    expect(await kubectl(['describe', 'job', 'fails'])).toMatch(/Warning\s+BackoffLimitExceeded\s+.*job-controller\s+Job has reached the specified backoff limit/);
  });

  it('an Indexed job gives each pod its JOB_COMPLETION_INDEX and records completed indexes', async () => {
    await node.apply(job('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, 'echo "index $JOB_COMPLETION_INDEX"'));
    await kubectl(['wait', '--for=condition=complete', 'job/indexed', '--timeout=60s']);
    const got = await node.client.get<Job>(JOBS, 'default', 'indexed');
    expect(got.status?.completedIndexes).toBe('0-2');
    const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'job-name=indexed', '-o', 'json'])) as { items: { metadata: { name: string; annotations?: Record<string, string> } }[] };
    const logs = await Promise.all(pods.items.map(async (p) => ({ index: p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], log: await kubectl(['logs', p.metadata.name]) })));
    expect(logs.map((l) => l.log).sort()).toEqual(['index 0\n', 'index 1\n', 'index 2\n']);
    for (const l of logs) expect(l.log).toBe(`index ${l.index ?? ''}\n`);
  });

  it('activeDeadlineSeconds ends a running job: DeadlineExceeded, its pod deleted', async () => {
    await node.apply(job('deadline', { activeDeadlineSeconds: 2, backoffLimit: 0 }, "trap 'exit 0' TERM; sleep 60 & wait"));
    await kubectl(['wait', '--for=condition=failed', 'job/deadline', '--timeout=60s']);
    const got = await node.client.get<Job>(JOBS, 'default', 'deadline');
    expect(got.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    await until('pod gone', async () => (await kubectl(['get', 'pods', '-l', 'job-name=deadline', '-o', 'name'])).trim() === '', 60_000, 200);
    expect(await kubectl(['describe', 'job', 'deadline'])).toMatch(/Warning\s+DeadlineExceeded\s+.*job-controller\s+Job was active longer than specified deadline/);
  });

  it('podFailurePolicy FailJob on an exit code fails the job at the first such pod', async () => {
    await node.apply(job('policy', {
      backoffLimit: 6,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }] },
    }, 'exit 42'));
    await kubectl(['wait', '--for=condition=failed', 'job/policy', '--timeout=60s']);
    const got = await node.client.get<Job>(JOBS, 'default', 'policy');
    expect(got.status?.failed).toBe(1);
    const failed = got.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed?.reason).toBe('PodFailurePolicy');
    expect(failed?.message).toMatch(/^Container c for pod default\/policy-\w+ failed with exit code 42 matching FailJob rule at index 0$/);
  });

  it('a suspended job starts no pod until it is resumed', async () => {
    await node.apply(job('later', { suspend: true }, 'echo resumed'));
    await until('Suspended condition', async () => (await node.client.get<Job>(JOBS, 'default', 'later')).status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'True') === true, 30_000, 200);
    expect((await kubectl(['get', 'pods', '-l', 'job-name=later', '-o', 'name'])).trim()).toBe('');
    await kubectl(['patch', 'job', 'later', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await kubectl(['wait', '--for=condition=complete', 'job/later', '--timeout=60s']);
    expect(await kubectl(['logs', 'job/later'])).toBe('resumed\n');
    const described = await kubectl(['describe', 'job', 'later']);
    expect(described).toMatch(/Normal\s+Suspended\s+.*job-controller\s+Job suspended/);
    expect(described).toMatch(/Normal\s+Resumed\s+.*job-controller\s+Job resumed/);
  });

  it('a finished job with ttlSecondsAfterFinished is deleted with its pods', async () => {
    await node.apply(job('short-lived', { ttlSecondsAfterFinished: 1 }, 'echo done'));
    await until('job short-lived gone', async () => {
      const r = await node.kubectl(['get', 'job', 'short-lived']);
      return r.code !== 0 && /NotFound/.test(r.stderr);
    }, 60_000, 200);
    await until('its pods gone', async () => (await kubectl(['get', 'pods', '-l', 'job-name=short-lived', '-o', 'name'])).trim() === '', 60_000, 200);
  });
});

describe('CronJob', () => {
  it('kubectl create job --from=cronjob/x runs its template now', async () => {
    await kubectl(['create', 'job', 'cronjob-demo-now', '--from=cronjob/cronjob-demo']);
    await kubectl(['wait', '--for=condition=complete', 'job/cronjob-demo-now', '--timeout=60s']);
    expect(await kubectl(['logs', 'job/cronjob-demo-now'])).toBe('9\n8\n7\n6\n5\n4\n3\n2\n1\n');
  });

  it('the seed CronJob starts a job at the next minute, named by the scheduled time, and records it', async () => {
    const cj = await until('a scheduled run', async () => {
      const c = await node.client.get<CronJob>(CRONJOBS, 'default', 'cronjob-demo');
      return c.status?.lastScheduleTime === undefined ? undefined : c;
    }, 100_000, 500);
    const scheduled = Date.parse(cj.status?.lastScheduleTime ?? '');
    expect(scheduled % 60_000).toBe(0);
    const name = `cronjob-demo-${String(scheduled / 60_000)}`;
    await kubectl(['wait', '--for=condition=complete', `job/${name}`, '--timeout=60s']);
    // the finished job leaves status.active and is recorded as the last success
    await until('recorded as done', async () => {
      const c = await node.client.get<CronJob>(CRONJOBS, 'default', 'cronjob-demo');
      return (c.status?.active ?? []).length === 0 && Date.parse(c.status?.lastSuccessfulTime ?? '') >= scheduled;
    }, 30_000, 200);
    const j = await node.client.get<Job>(JOBS, 'default', name);
    expect(j.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'cronjob-demo', controller: true });
    expect(j.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(scheduled).toISOString().replace('.000Z', 'Z'));
    const described = await kubectl(['describe', 'cronjob', 'cronjob-demo']);
    expect(described).toMatch(new RegExp(`Normal\\s+SuccessfulCreate\\s+.*cronjob-controller\\s+Created job ${name}`));
    expect(described).toMatch(new RegExp(`Normal\\s+SawCompletedJob\\s+.*cronjob-controller\\s+Saw completed job: ${name}, condition: Complete`));
  }, 120_000);
});

describe('PodDisruptionBudget and kubectl drain', () => {
  it('a budget counts healthy pods; drain evicts what it allows and is refused beyond that', async () => {
    await kubectl(['create', 'deployment', 'guarded', `--image=${BUSYBOX}`, '--replicas=2', '--', 'sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"]);
    await kubectl(['rollout', 'status', 'deployment/guarded', '--timeout=60s']);
    await kubectl(['create', 'poddisruptionbudget', 'guarded', '--selector=app=guarded', '--min-available=2']);
    const pdb = await until('budget status', async () => {
      const p = await node.client.get<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, 'default', 'guarded');
      return p.status?.currentHealthy === 2 ? p : undefined;
    }, 30_000, 200);
    expect(pdb.status).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0, expectedPods: 2 });
    expect(pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed')).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    try {
      const refused = await node.kubectl(['drain', node.nodeName, '--ignore-daemonsets', '--pod-selector=app=guarded', '--timeout=4s'], { timeoutMs: 30_000 });
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
      // one disruption allowed: drain evicts one pod, and the other is refused until it is replaced
      await kubectl(['patch', 'pdb', 'guarded', '--type=merge', '-p', '{"spec":{"minAvailable":1}}']);
      await until('one disruption allowed', async () => (await node.client.get<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, 'default', 'guarded')).status?.disruptionsAllowed === 1, 30_000, 200);
      const partial = await node.kubectl(['drain', node.nodeName, '--ignore-daemonsets', '--pod-selector=app=guarded', '--timeout=6s'], { timeoutMs: 30_000 });
      expect(partial.stdout + partial.stderr).toMatch(/evicted/);
      // cordoned: the replacement cannot be scheduled here
      expect(await kubectl(['get', 'node', node.nodeName, '-o', 'jsonpath={.spec.unschedulable}'])).toBe('true');
    } finally {
      await kubectl(['uncordon', node.nodeName]);
    }
    await kubectl(['rollout', 'status', 'deployment/guarded', '--timeout=60s']);
  });
});
