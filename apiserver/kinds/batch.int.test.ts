// Jobs, CronJobs and PodDisruptionBudgets driven by the real kubectl (1.32) against an in-process
// API server: the generator commands, what `get` prints, the defaults and the generated selector,
// kube's 422 texts, immutability, patch/apply/delete and watch. No controller runs the jobs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from '../testing/kubectl-server.ts';

type Obj = Record<string, unknown>;

const env = useKubectlServer({ minRequestTimeoutSeconds: 2 });
const { ok, fails, yamlOf } = env;

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, k) => (cur as Obj | undefined)?.[k], obj);
}

/** The header and the row cells of `kubectl get` output, cut at the header's column starts (cells may be empty). */
function table(out: string): string[][] {
  const lines = out.trimEnd().split('\n');
  const header = lines[0] ?? '';
  const starts = [...header.matchAll(/(?:^|\s{2,})(\S)/g)].map((m) => m.index + m[0].length - 1);
  return lines.map((line) => starts.map((start, i) => line.slice(start, starts[i + 1] ?? line.length).trim()));
}

const JOB_YAML = (name: string, restartPolicy: string, image = 'localhost/busybox:local', label = 'a'): string => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  labels: {team: ${label}}
spec:
  template:
    spec:
      restartPolicy: ${restartPolicy}
      containers:
      - name: main
        image: ${image}
        command: [echo, hi]
`;

describe('batch/v1 and policy/v1 with kubectl', () => {
  it('creates a job with the generated selector, labels and defaults', async () => {
    expect(await ok(['create', 'job', 'pi', '--image=localhost/busybox:local', '--', 'echo', 'hi'])).toBe('job.batch/pi created\n');
    const job = await yamlOf('job', 'pi');
    const uid = at(job, 'metadata.uid') as string;
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
    expect(at(job, 'metadata.labels')).toEqual(labels);
    expect(at(job, 'metadata.generation')).toBe(1);
    expect(job['spec']).toMatchObject({
      backoffLimit: 6, completionMode: 'NonIndexed', completions: 1, parallelism: 1, manualSelector: false, suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed', selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
    });
    expect(at(job, 'spec.template.metadata')).toEqual({ creationTimestamp: null, labels });
    expect(at(job, 'spec.template.spec')).toMatchObject({
      restartPolicy: 'Never', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
      containers: [{ name: 'pi', image: 'localhost/busybox:local', command: ['echo', 'hi'], imagePullPolicy: 'IfNotPresent', resources: {},
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
    });
    expect(job['status']).toEqual({});
  });

  it('creates a cronjob, a job from it and a pod disruption budget', async () => {
    expect(await ok(['create', 'cronjob', 'c', '--image=localhost/busybox:local', '--schedule=*/5 * * * *', '--', 'echo', 'hi'])).toBe('cronjob.batch/c created\n');
    const cj = await yamlOf('cj', 'c');
    expect(cj['spec']).toMatchObject({
      schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { name: 'c', creationTimestamp: null }, spec: { template: { spec: { restartPolicy: 'OnFailure', dnsPolicy: 'ClusterFirst' } } } },
    });
    expect(at(cj, 'spec.jobTemplate.spec.backoffLimit')).toBeUndefined();

    expect(await ok(['create', 'job', 'manual', '--from=cronjob/c'])).toBe('job.batch/manual created\n');
    const manual = await yamlOf('job', 'manual');
    expect(at(manual, 'metadata.annotations')).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(at(manual, 'metadata.ownerReferences')).toMatchObject([{ kind: 'CronJob', name: 'c', uid: at(cj, 'metadata.uid'), controller: true }]);
    expect(at(manual, 'metadata.labels.job-name')).toBe('manual');
    expect(at(manual, 'spec.selector.matchLabels')).toEqual({ 'batch.kubernetes.io/controller-uid': at(manual, 'metadata.uid') });

    expect(await ok(['create', 'poddisruptionbudget', 'p', '--selector=app=x', '--min-available=1'])).toBe('poddisruptionbudget.policy/p created\n');
    const pdb = await yamlOf('pdb', 'p');
    expect(pdb['spec']).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'x' } } });
    expect(pdb['status']).toEqual({ currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
  });

  it('prints jobs, cronjobs and pdbs as kubectl get does, wide too, and lists jobs and cronjobs in all', async () => {
    const out = await ok(['get', 'jobs,cronjobs,pdb']);
    const [jobs, cronjobs, pdbs] = out.trimEnd().split('\n\n').map(table);
    expect(jobs?.[0]).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    expect(jobs?.slice(1).map((r) => r.slice(0, 3))).toEqual([['job.batch/manual', 'Running', '0/1'], ['job.batch/pi', 'Running', '0/1']]);
    expect(cronjobs?.[0]).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    expect(cronjobs?.[1]?.slice(0, 6)).toEqual(['cronjob.batch/c', '*/5 * * * *', '<none>', 'False', '0', '<none>']);
    expect(pdbs?.[0]).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(pdbs?.[1]?.slice(0, 4)).toEqual(['poddisruptionbudget.policy/p', '1', 'N/A', '0']);

    const wide = table(await ok(['get', 'jobs', 'pi', '-o', 'wide']));
    expect(wide[0]).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(wide[1]?.slice(5)).toEqual(['pi', 'localhost/busybox:local', `batch.kubernetes.io/controller-uid=${String(at(await yamlOf('job', 'pi'), 'metadata.uid'))}`]);
    const cjWide = table(await ok(['get', 'cj', '-o', 'wide']));
    expect(cjWide[0]).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(cjWide[1]?.slice(7)).toEqual(['c', 'localhost/busybox:local', '<none>']);

    const all = await ok(['get', 'all']);
    expect(all).toContain('job.batch/pi');
    expect(all).toContain('cronjob.batch/c');
    expect(all).not.toContain('poddisruptionbudget');
  });

  it('refuses an invalid schedule, a TZ= schedule and an unknown time zone in kube words', async () => {
    expect(await fails(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=bad'])).toContain(
      'CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]');
    expect(await fails(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=0 0 * * 7'])).toContain(
      'spec.schedule: Invalid value: "0 0 * * 7": end of range (7) above maximum (6): 7');
    expect(await fails(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=TZ=UTC 0 0 * * *'])).toContain(
      'spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    const tz = env.kubectl.file('tz.yaml', `apiVersion: batch/v1
kind: CronJob
metadata: {name: tz}
spec:
  schedule: "@daily"
  timeZone: Mars/Olympus
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
`);
    expect(await fails(['apply', '-f', tz])).toContain(
      'The CronJob "tz" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus');
  });

  it('refuses a job whose pods would restart Always, and one with an unsupported policy', async () => {
    expect(await fails(['apply', '-f', env.kubectl.file('always.yaml', JOB_YAML('always', 'Always'))])).toContain(
      'The Job "always" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
    expect(await fails(['create', '-f', env.kubectl.file('sometimes.yaml', JOB_YAML('sometimes', 'Sometimes'))])).toContain(
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"');
  });

  it('patches mutable fields, refuses an update of the template as immutable', async () => {
    expect(await ok(['patch', 'job', 'pi', '-p', '{"spec":{"suspend":true,"parallelism":2}}'])).toBe('job.batch/pi patched\n');
    const job = await yamlOf('job', 'pi');
    expect(job['spec']).toMatchObject({ suspend: true, parallelism: 2 });
    expect(at(job, 'metadata.generation')).toBe(2);
    const stderr = await fails(['patch', 'job', 'pi', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"other"}]']);
    expect(stderr).toContain('The Job "pi" is invalid: spec.template: Invalid value: ');
    expect(stderr).toContain('field is immutable');
    expect(await fails(['patch', 'job', 'pi', '-p', '{"spec":{"completions":3}}'])).toContain(
      'The Job "pi" is invalid: spec.completions: Invalid value: 3: field is immutable');
    expect(await fails(['patch', 'cj', 'c', '-p', '{"spec":{"schedule":"* *"}}'])).toContain(
      'The CronJob "c" is invalid: spec.schedule: Invalid value: "* *": expected exactly 5 fields, found 2: [* *]');
    expect(await ok(['patch', 'pdb', 'p', '--type=merge', '-p', '{"spec":{"minAvailable":null,"maxUnavailable":"20%"}}'])).toBe(
      'poddisruptionbudget.policy/p patched\n');
    expect(table(await ok(['get', 'pdb', 'p']))[1]?.slice(0, 4)).toEqual(['p', 'N/A', '20%', '0']);
    expect(await fails(['patch', 'pdb', 'p', '--type=merge', '-p', '{"spec":{"maxUnavailable":"120%"}}'])).toContain(
      'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%');
  });

  it('applies, re-applies and deletes', async () => {
    const file = env.kubectl.file('applied.yaml', JOB_YAML('applied', 'OnFailure'));
    expect(await ok(['apply', '-f', file])).toBe('job.batch/applied created\n');
    expect(await ok(['apply', '-f', file])).toBe('job.batch/applied unchanged\n');
    expect(await ok(['apply', '-f', env.kubectl.file('applied2.yaml', JOB_YAML('applied', 'OnFailure', 'localhost/busybox:local', 'b'))]))
      .toBe('job.batch/applied configured\n');
    expect(at(await yamlOf('job', 'applied'), 'metadata.labels.team')).toBe('b');
    expect(await fails(['apply', '-f', env.kubectl.file('applied3.yaml', JOB_YAML('applied', 'OnFailure', 'other'))])).toContain('field is immutable');
    expect(await ok(['delete', 'job', 'applied'])).toBe('job.batch "applied" deleted\n');
    expect(await ok(['delete', 'cronjob', 'c'])).toBe('cronjob.batch "c" deleted\n');
    expect(await ok(['delete', 'pdb', 'p'])).toBe('poddisruptionbudget.policy "p" deleted\n');
    expect(await fails(['get', 'job', 'applied'])).toContain('Error from server (NotFound): jobs.batch "applied" not found');
  });

  it('watches jobs with get --watch', async () => {
    const child = spawn('kubectl', ['--cache-dir', join(env.kubectl.dir, 'cache'), 'get', 'jobs', '--watch', '--no-headers'],
      { env: { ...process.env, KUBECONFIG: env.kubectl.kubeconfig, HOME: env.kubectl.dir } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const end = Date.now() + 5000;
    while (!out.includes('pi') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await ok(['create', 'job', 'late', '--image=localhost/busybox:local', '--', 'true']);
    while (!out.includes('late') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    // minRequestTimeoutSeconds=2: the server ends the watch within 4 s and kubectl exits 0.
    expect(await exited).toBe(0);
    expect(out).toMatch(/^late\s+Running\s+0\/1\s/m);
  });
});
