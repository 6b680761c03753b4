// The Job a CronJob starts for one scheduled time (getJobFromTemplate2): named after the CronJob
// and the scheduled minute, so the same start can never be created twice; the template's labels
// and annotations plus the scheduled time in the CronJob's zone; owned by the CronJob. Pure.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.d.ts';
import { formatRFC3339, intlZone } from '../../kube/cron/zone.ts';
import { cloneJson } from '../../lib/clone.ts';
import { metaTime } from '../framework/meta-time.ts';
import { newControllerRef } from '../framework/owners.ts';

/** batchv1.CronJobScheduledTimestampAnnotation. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** getJobName: "<cronjob>-<scheduled time in minutes since the epoch>". */
export function jobName(cronJobName: string, scheduledTime: number): string {
  return `${cronJobName}-${Math.floor(Math.floor(scheduledTime / 1000) / 60)}`;
}

/** getJobFromTemplate2 (the zone is known to load: the controller checked spec.timeZone first). */
export function jobFromTemplate(cj: CronJob, scheduledTime: number): Job {
  const template = cj.spec?.jobTemplate;
  const labels = { ...(template?.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = {
    ...(template?.metadata?.annotations ?? {}),
    [SCHEDULED_TIMESTAMP_ANNOTATION]: formatRFC3339(scheduledTime, intlZone(cj.spec?.timeZone ?? '')),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj.metadata?.name ?? '', scheduledTime),
      namespace: cj.metadata?.namespace ?? 'default',
      // Go's empty labels map is left out of the JSON.
      ...(Object.keys(labels).length === 0 ? {} : { labels }),
      annotations,
      creationTimestamp: metaTime(scheduledTime),
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    ...(template?.spec === undefined ? {} : { spec: cloneJson(template.spec) }),
  };
}
