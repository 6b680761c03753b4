// batch/v1: Job, CronJob; policy/v1: PodDisruptionBudget. Their defaults, registry preparation,
// validation and printers live in ./batch/ (one module per kind, plus the schedule parser, the
// pod template helpers and the tables).
import { defaultCronJob, prepareCronJobForCreate, validateCronJob, validateCronJobUpdate } from './batch/cronjob.ts';
import { defaultJob, prepareJobForCreate, prepareJobForUpdate, validateJob, validateJobUpdate } from './batch/job.ts';
import { preparePdbForCreate, validatePdb, validatePdbUpdate } from './batch/pdb.ts';
import { CRONJOB_TABLE, JOB_TABLE, PDB_TABLE } from './batch/tables.ts';
import { refuseBadMetadata } from './batch/values.ts';
import { defineKind, statusSubresource, type KindDefinition } from './kind.ts';

export const BATCH_KINDS: readonly KindDefinition[] = [
  defineKind({
    group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true,
    categories: ['all'],
    subresources: [statusSubresource('Job')],
    statusSubresource: true,
    generation: true,
    table: JOB_TABLE,
    defaults: (obj) => { refuseBadMetadata(obj, 'Job'); defaultJob(obj); },
    prepareForCreate: prepareJobForCreate,
    prepareForUpdate: (obj, _old, sub) => { if (sub === '') prepareJobForUpdate(obj); },
    validate: (obj) => validateJob(obj),
    validateUpdate: validateJobUpdate,
  }),
  defineKind({
    group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs', namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [statusSubresource('CronJob')],
    statusSubresource: true,
    generation: true,
    table: CRONJOB_TABLE,
    defaults: (obj) => { refuseBadMetadata(obj, 'CronJob'); defaultCronJob(obj); },
    prepareForCreate: prepareCronJobForCreate,
    validate: validateCronJob,
    validateUpdate: validateCronJobUpdate,
  }),
];

export const POLICY_KINDS: readonly KindDefinition[] = [
  defineKind({
    group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', namespaced: true,
    shortNames: ['pdb'],
    subresources: [statusSubresource('PodDisruptionBudget')],
    statusSubresource: true,
    generation: true,
    table: PDB_TABLE,
    // Status writes must name the version they change (the disruption controller's contract).
    strategy: { allowUnconditionalUpdate: false },
    defaults: (obj) => { refuseBadMetadata(obj, 'PodDisruptionBudget'); },
    prepareForCreate: preparePdbForCreate,
    validate: validatePdb,
    validateUpdate: validatePdbUpdate,
  }),
];
