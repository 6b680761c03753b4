// What the CronJob controller reads of its Jobs (job util's FinishedCondition and IsJobSucceeded,
// byJobStartTime) and how it lists them in status.active (an ObjectReference as
// reference.GetReference makes it). Pure.
import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import type { ObjectReference } from 'kubernetes-types/core/v1.d.ts';

/** The first Complete or Failed condition that is True: the job's finished state. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

export function isJobSucceeded(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
}

/** byJobStartTime: started jobs first, oldest first; equal (or no) start times by name. */
export function compareByStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  const ta = sa === undefined ? 0 : Date.parse(sa);
  const tb = sb === undefined ? 0 : Date.parse(sb);
  if (ta === tb) {
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  }
  return ta - tb;
}

/** The job's entry in status.active. */
export function jobReference(job: Job): ObjectReference {
  const m = job.metadata ?? {};
  return {
    kind: 'Job',
    ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
    ...(m.name === undefined ? {} : { name: m.name }),
    ...(m.uid === undefined ? {} : { uid: m.uid }),
    apiVersion: 'batch/v1',
    ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
  };
}
