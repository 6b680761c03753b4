// CronJobs and Jobs for the planner's table tests.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.d.ts';

/** 2026-01-01T00:00:00Z, a Thursday. */
export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface CronJobOptions {
  schedule?: string;
  created?: number;
  lastSchedule?: number;
  lastSuccessful?: number;
  active?: string[];
  policy?: 'Allow' | 'Forbid' | 'Replace';
  startingDeadlineSeconds?: number;
  suspend?: boolean;
  timeZone?: string;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  deleting?: boolean;
}

export function cronJob(o: CronJobOptions = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: 'cj', namespace: 'default', uid: 'cj-uid', resourceVersion: '10',
      creationTimestamp: iso(o.created ?? T0),
      ...(o.deleting === true ? { deletionTimestamp: iso(T0) } : {}),
    },
    spec: {
      schedule: o.schedule ?? '*/5 * * * *',
      concurrencyPolicy: o.policy ?? 'Allow',
      suspend: o.suspend ?? false,
      ...(o.startingDeadlineSeconds === undefined ? {} : { startingDeadlineSeconds: o.startingDeadlineSeconds }),
      ...(o.timeZone === undefined ? {} : { timeZone: o.timeZone }),
      ...(o.successfulJobsHistoryLimit === undefined ? {} : { successfulJobsHistoryLimit: o.successfulJobsHistoryLimit }),
      ...(o.failedJobsHistoryLimit === undefined ? {} : { failedJobsHistoryLimit: o.failedJobsHistoryLimit }),
      jobTemplate: {
        metadata: { labels: { app: 'report' }, annotations: { team: 'data' } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox' }] } } },
      },
    },
    status: {
      ...(o.active === undefined ? {} : { active: o.active.map((name) => ref(name)) }),
      ...(o.lastSchedule === undefined ? {} : { lastScheduleTime: iso(o.lastSchedule) }),
      ...(o.lastSuccessful === undefined ? {} : { lastSuccessfulTime: iso(o.lastSuccessful) }),
    },
  };
}

export function ref(name: string): { kind: string; namespace: string; name: string; uid: string; apiVersion: string; resourceVersion: string } {
  return { kind: 'Job', namespace: 'default', name, uid: `${name}-uid`, apiVersion: 'batch/v1', resourceVersion: '1' };
}

export interface JobOptions {
  finished?: 'Complete' | 'Failed';
  started?: number;
  completed?: number;
  owner?: string;
}

export function job(name: string, o: JobOptions = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name, namespace: 'default', uid: `${name}-uid`, resourceVersion: '1',
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: o.owner ?? 'cj', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }],
    },
    spec: { template: {} },
    status: {
      ...(o.started === undefined ? {} : { startTime: iso(o.started) }),
      ...(o.completed === undefined ? {} : { completionTime: iso(o.completed) }),
      ...(o.finished === undefined ? {} : { conditions: [{ type: o.finished, status: 'True' }] }),
    },
  };
}
