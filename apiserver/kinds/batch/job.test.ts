import { describe, expect, it } from 'vitest';
import { aggregateMessage, fieldErrorString } from '../../api/errors.ts';
import { BATCH_KINDS } from '../batch.ts';
import type { Obj } from './values.ts';
import { indexesFormatError } from './job.ts';

const JOB = BATCH_KINDS.find((k) => k.kind === 'Job');
if (JOB === undefined) throw new Error('no Job kind');
const kind = JOB;
const UID = '11111111-2222-3333-4444-555555555555';

function job(spec: Obj = {}, metadata: Obj = {}): Obj {
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: UID, creationTimestamp: '2024-01-01T00:00:00Z', ...metadata },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'busybox', command: ['echo', 'hi'] }] } },
      ...spec,
    },
  };
}

/** What the store does on create: PrepareForCreate (defaults included), then Validate. */
function create(obj: Obj): { obj: Obj; errors: string[] } {
  kind.prepareForCreate(obj);
  return { obj, errors: kind.validate(obj).map(fieldErrorString) };
}

function update(next: Obj, old: Obj): string[] {
  kind.prepareForUpdate(next, old, '');
  return kind.validateUpdate(next, old).map(fieldErrorString);
}

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, k) => (cur as Obj | undefined)?.[k], obj);
}

describe('Job defaults and the generated selector', () => {
  it('defaults the spec, the pod template, the selector, the labels and the status', () => {
    const { obj, errors } = create(job());
    expect(errors).toEqual([]);
    const spec = obj['spec'] as Obj;
    expect(spec).toMatchObject({
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed', manualSelector: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
    });
    const labels = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' };
    expect(at(obj, 'spec.template.metadata')).toEqual({ creationTimestamp: null, labels });
    expect(at(obj, 'metadata.labels')).toEqual(labels);
    expect(at(obj, 'spec.template.spec')).toMatchObject({
      dnsPolicy: 'ClusterFirst', restartPolicy: 'Never', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
    });
    expect(at(obj, 'spec.template.spec.enableServiceLinks')).toBeUndefined();
    expect((at(obj, 'spec.template.spec.containers') as Obj[])[0]).toMatchObject({
      imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {},
    });
    expect(obj['status']).toEqual({});
    expect(at(obj, 'metadata.generation')).toBe(1);
  });

  it('follows the per-index and pod failure policy rules', () => {
    const { obj } = create(job({
      completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1,
      podFailurePolicy: { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
    }));
    expect(obj['spec']).toMatchObject({
      parallelism: 1, backoffLimit: 2147483647, podReplacementPolicy: 'Failed',
      podFailurePolicy: { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
    });
  });

  it('keeps only parallelism unset when completions is given, and the user labels on the job', () => {
    const { obj } = create(job({ completions: 5, template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }, { labels: { mine: 'y' } }));
    expect(obj['spec']).toMatchObject({ completions: 5, parallelism: 1 });
    expect(at(obj, 'metadata.labels')).toEqual({ mine: 'y' });
    expect(at(obj, 'spec.template.metadata.labels')).toMatchObject({ app: 'x', 'job-name': 'pi' });
  });

  it('leaves a manual selector alone', () => {
    const { obj, errors } = create(job({
      manualSelector: true, selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'i' }] } },
    }));
    expect(errors).toEqual([]);
    expect(at(obj, 'spec.selector')).toEqual({ matchLabels: { app: 'x' } });
    expect(at(obj, 'spec.template.metadata.labels')).toEqual({ app: 'x' });
  });
});

describe('Job validation (kube 1.32 wording)', () => {
  it.each<[string, Obj, Obj, string[]]>([
    ['a missing restartPolicy (defaulted to Always)', {}, { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['restartPolicy Always', {}, { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'i' }] } } },
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['negative counts', {}, { completions: -1, parallelism: -2, backoffLimit: -3, activeDeadlineSeconds: -4, ttlSecondsAfterFinished: -5 }, [
      'spec.parallelism: Invalid value: -2: must be greater than or equal to 0',
      'spec.completions: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
      'spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0',
    ]],
    ['an unknown completion mode', {}, { completionMode: 'Sometimes' },
      ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']],
    ['Indexed without completions', {}, { completionMode: 'Indexed', parallelism: 2 },
      ['spec.completions: Required value: when completion mode is Indexed']],
    ['per-index limits of a NonIndexed job', {}, { backoffLimitPerIndex: 1, maxFailedIndexes: 1 }, [
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
      'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode',
    ]],
    ['an unknown pod replacement policy', {}, { podReplacementPolicy: 'Sometimes' },
      ['spec.podReplacementPolicy: Unsupported value: "Sometimes": supported values: "Failed", "TerminatingOrFailed"']],
    ['a pod failure policy with OnFailure', {}, {
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [0, 3, 2] } }] },
      template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'i' }] } },
    }, [
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{0, 3, 2}: must be ordered',
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ]],
    ['a user selector that does not match', {}, { selector: { matchLabels: { app: 'x' } } }, [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "batch.kubernetes.io/controller-uid":"11111111-2222-3333-4444-555555555555"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated',
      'spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"11111111-2222-3333-4444-555555555555", "batch.kubernetes.io/job-name":"pi", "controller-uid":"11111111-2222-3333-4444-555555555555", "job-name":"pi"}: `selector` does not match template `labels`',
    ]],
    ['a conflicting job-name label', {}, { template: { metadata: { labels: { 'job-name': 'other' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }, [
      'spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"11111111-2222-3333-4444-555555555555", "batch.kubernetes.io/job-name":"pi", "controller-uid":"11111111-2222-3333-4444-555555555555", "job-name":"other"}: must be \'pi\'',
    ]],
    ['a manual selector without one', {}, { manualSelector: true }, [
      'spec.selector: Required value',
      // a nil selector selects nothing, so it does not match the labels either
      'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`',
    ]],
    ['an Indexed job whose pod hostnames would be too long', { name: 'x'.repeat(62) }, { completionMode: 'Indexed', completions: 10 }, [
      `metadata.name: Invalid value: "${'x'.repeat(62)}": will not able to create pod with invalid DNS label: ${'x'.repeat(62)}-9`,
    ]],
    ['an invalid name and a bad container', { name: 'Pi' }, { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } } }, [
      "metadata.name: Invalid value: \"Pi\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.template.spec.containers[0].image: Required value',
    ]],
    ['an invalid managedBy', {}, { managedBy: 'nodomain' }, ['spec.managedBy: Invalid value: "nodomain": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['a success policy of a NonIndexed job', {}, { successPolicy: { rules: [{ succeededCount: 1 }] } },
      ['spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode']],
  ])('refuses %s', (_what, metadata, spec, expected) => {
    const base = job({}, metadata);
    const b = base['spec'] as Obj;
    Object.assign(b, spec);
    expect(create(base).errors).toEqual(expected);
  });

  it('treats values of the wrong JSON type as absent instead of failing', () => {
    const weird = job({ completions: 'x', parallelism: [], selector: 5, template: 'nope', suspend: {} });
    expect(() => create(weird)).not.toThrow();
    // ObjectMeta's types are the decoder's: a 400 in its words.
    expect(() => create(job({}, { labels: 7 }))).toThrow(
      'Job in version "v1" cannot be handled as a Job: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type map[string]string');
    expect(() => create({ ...job(), metadata: 'x' })).toThrow('json: cannot unmarshal string into Go struct field Job.metadata of type v1.ObjectMeta');
    const none = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x', namespace: 'd', uid: UID }, spec: null };
    expect(create(none).errors).toContain('spec.template.spec.containers: Required value');
  });

  it('parses indexes as validateIndexesFormat', () => {
    expect(indexesFormatError('0,2-4,7', 10)).toEqual({ total: 5 });
    expect(indexesFormatError('1-2-3', 10)).toEqual({ error: 'the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by \'-\'' });
    expect(indexesFormatError('3,1', 10)).toEqual({ error: 'non-increasing order, previous: 3, current: 1' });
    expect(indexesFormatError('12', 10)).toEqual({ error: 'too large index: "12"' });
  });
});

describe('Job updates', () => {
  function stored(): Obj {
    return create(job()).obj;
  }

  it('allows changing parallelism and bumps the generation', () => {
    const old = stored();
    const next = structuredClone(old);
    (next['spec'] as Obj)['parallelism'] = 3;
    expect(update(next, old)).toEqual([]);
    expect(at(next, 'metadata.generation')).toBe(2);
  });

  it('refuses a new template, completions, selector and completion mode as immutable', () => {
    const old = stored();
    const next = structuredClone(old);
    const spec = next['spec'] as Obj;
    ((spec['template'] as Obj)['spec'] as Obj)['containers'] = [{ name: 'pi', image: 'other' }];
    spec['completions'] = 2;
    const errors = update(next, old);
    expect(errors.some((e) => e.startsWith('spec.template: Invalid value: ') && e.endsWith(': field is immutable'))).toBe(true);
    expect(errors).toContain('spec.completions: Invalid value: 2: field is immutable');
    const msg = aggregateMessage(errors);
    expect(msg.startsWith('[')).toBe(true);
  });

  it('lets a suspended, never started job change its scheduling directives', () => {
    const old = create(job({ suspend: true })).obj;
    const next = structuredClone(old);
    ((next['spec'] as Obj)['template'] as Obj)['spec'] = { ...(at(old, 'spec.template.spec') as Obj), nodeSelector: { disk: 'ssd' } };
    expect(update(next, old)).toEqual([]);
    const running = structuredClone(old);
    running['status'] = { startTime: '2024-01-01T00:00:00Z' };
    const next2 = structuredClone(next);
    expect(update(next2, running).some((e) => e.endsWith('field is immutable'))).toBe(true);
  });

  it('lets an Indexed job scale completions together with parallelism', () => {
    const old = create(job({ completionMode: 'Indexed', completions: 3, parallelism: 3 })).obj;
    const ok = structuredClone(old);
    Object.assign(ok['spec'] as Obj, { completions: 5, parallelism: 5 });
    expect(update(ok, old)).toEqual([]);
    const bad = structuredClone(old);
    Object.assign(bad['spec'] as Obj, { completions: 5 });
    expect(update(bad, old)).toEqual(['spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism']);
  });
});
