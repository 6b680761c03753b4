import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../api/errors.ts';
import { BATCH_KINDS } from '../batch.ts';
import type { Obj } from './values.ts';

const found = BATCH_KINDS.find((k) => k.kind === 'CronJob');
if (found === undefined) throw new Error('no CronJob kind');
const kind = found;

function cronJob(spec: Obj = {}, name = 'c'): Obj {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name, namespace: 'default', uid: 'u-1', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { metadata: { name }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1' }] } } } },
      ...spec,
    },
  };
}

function create(obj: Obj): string[] {
  kind.prepareForCreate(obj);
  return kind.validate(obj).map(fieldErrorString);
}

describe('CronJob defaults', () => {
  it('defaults the spec and the job template pod, not the job spec', () => {
    const obj = cronJob();
    expect(create(obj)).toEqual([]);
    expect(obj['spec']).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    const jt = (obj['spec'] as Obj)['jobTemplate'] as Obj;
    expect(jt['metadata']).toEqual({ name: 'c', creationTimestamp: null });
    const jobSpec = jt['spec'] as Obj;
    expect(jobSpec['completions']).toBeUndefined();
    expect(jobSpec['backoffLimit']).toBeUndefined();
    expect((jobSpec['template'] as Obj)['spec']).toMatchObject({ dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 });
    expect(obj['status']).toEqual({});
    expect((obj['metadata'] as Obj)['generation']).toBe(1);
  });
});

describe('CronJob validation (kube 1.32 wording)', () => {
  it.each<[string, Obj, string[]]>([
    ['an unparseable schedule', { schedule: 'bad' }, ['spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]']],
    ['a schedule out of range', { schedule: '61 * * * *' }, ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']],
    ['an empty schedule', { schedule: '' }, ['spec.schedule: Required value']],
    ['TZ in the schedule', { schedule: 'TZ=UTC 0 0 * * *' },
      ['spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
    ['an empty time zone', { timeZone: '' }, ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']],
    ['Local', { timeZone: 'Local' }, ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']],
    ['a concurrency policy', { concurrencyPolicy: 'Sometimes' },
      ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
    ['negative deadlines and limits', { startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -2, failedJobsHistoryLimit: -3 }, [
      'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.successfulJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -3: must be greater than or equal to 0',
    ]],
    ['a job template with Always, a selector and a manual selector', {
      jobTemplate: { spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } },
    }, [
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
      'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
    ]],
  ])('refuses %s', (_what, spec, expected) => {
    expect(create(cronJob(spec))).toEqual(expected);
  });

  it('accepts a known time zone and descriptors', () => {
    expect(create(cronJob({ timeZone: 'Europe/Paris', schedule: '@hourly' }))).toEqual([]);
  });

  it('limits names to 52 characters on create only', () => {
    const name = 'n'.repeat(53);
    expect(create(cronJob({}, name))).toEqual([`metadata.name: Invalid value: "${name}": must be no more than 52 characters`]);
    const old = cronJob({}, name);
    kind.prepareForCreate(old);
    const next = structuredClone(old);
    (next['spec'] as Obj)['suspend'] = true;
    kind.prepareForUpdate(next, old, '');
    expect(kind.validateUpdate(next, old)).toEqual([]);
    expect((next['metadata'] as Obj)['generation']).toBe(2);
  });

  it('keeps a TZ= schedule updatable when it had one, unless timeZone is set too', () => {
    const old = cronJob({ schedule: 'CRON_TZ=UTC 0 0 * * *' });
    kind.prepareForCreate(old);
    const next = structuredClone(old);
    (next['spec'] as Obj)['suspend'] = true;
    expect(kind.validateUpdate(next, old)).toEqual([]);
    (next['spec'] as Obj)['timeZone'] = 'UTC';
    expect(kind.validateUpdate(next, old).map(fieldErrorString)).toEqual([
      'spec.schedule: Invalid value: "CRON_TZ=UTC 0 0 * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule',
    ]);
  });

  it('survives values of the wrong JSON type', () => {
    for (const spec of [{ schedule: 5 }, { jobTemplate: 'x' }, { timeZone: 3 }, { concurrencyPolicy: [] }]) {
      expect(() => create(cronJob(spec))).not.toThrow();
    }
    expect(() => create({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'x', namespace: 'd' }, spec: 'x' })).not.toThrow();
  });
});
