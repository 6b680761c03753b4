// The pods a Job creates: its template with the tracking finalizer and the controller reference;
// for Indexed jobs also the completion index (annotation and label), JOB_COMPLETION_INDEX through
// the downward API on that label (PodIndexLabel is on in 1.32), hostname "<job>-<index>",
// generateName "<job>-<index>-", and with backoffLimitPerIndex the failure counts of the pod it
// replaces.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { Container, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.d.ts';
import { newControllerRef } from '../framework/owners.ts';
import { podFromTemplate } from '../framework/pod-control.ts';
import { cloneJson } from '../../lib/clone.ts';
import {
  COMPLETION_INDEX_ENV, JOB_COMPLETION_INDEX, JOB_INDEX_FAILURE_COUNT, JOB_INDEX_IGNORED_FAILURE_COUNT, JOB_TRACKING_FINALIZER,
} from './constants.ts';
import { generateNameWithIndex, replacementFailureCounts } from './indexed.ts';
import { hasBackoffLimitPerIndex, isIndexed } from './job-spec.ts';

function addIndexEnv(c: Container): void {
  if ((c.env ?? []).some((e) => e.name === COMPLETION_INDEX_ENV)) return;
  c.env = [...(c.env ?? []), { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX}']` } } }];
}

/** The template every pod of this sync starts from. */
export function baseTemplate(job: Job): PodTemplateSpec {
  const t = cloneJson(job.spec?.template ?? {});
  if (isIndexed(job) && t.spec !== undefined) {
    for (const c of t.spec.initContainers ?? []) addIndexEnv(c);
    for (const c of t.spec.containers) addIndexEnv(c);
  }
  const meta = (t.metadata ??= {});
  const finalizers = meta.finalizers ?? [];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) meta.finalizers = [...finalizers, JOB_TRACKING_FINALIZER];
  return t;
}

/** One pod to create; index undefined for NonIndexed jobs. */
export function podForJob(job: Job, base: PodTemplateSpec, index: number | undefined, replaced: Pod | undefined): Pod {
  const ref = newControllerRef(job, 'batch/v1', 'Job');
  if (index === undefined) return podFromTemplate(base, job, ref);
  const t = cloneJson(base);
  const meta = (t.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  const name = job.metadata?.name ?? '';
  if (t.spec !== undefined) t.spec.hostname = `${name}-${index}`;
  if (hasBackoffLimitPerIndex(job)) {
    const counts = replacementFailureCounts(job, replaced);
    meta.annotations[JOB_INDEX_FAILURE_COUNT] = String(counts.failed);
    if (counts.ignored > 0) meta.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(counts.ignored);
  }
  const pod = podFromTemplate(t, job, ref);
  if (pod.metadata !== undefined) pod.metadata.generateName = generateNameWithIndex(name, index);
  return pod;
}
