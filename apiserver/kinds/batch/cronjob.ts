// batch/v1 CronJob as kube-apiserver 1.32 serves it: SetDefaults_CronJob (the job template gets
// its pod template's defaults, not SetDefaults_Job's), and ValidateCronJobCreate /
// ValidateCronJobUpdate in kube's words (the schedule as robfig/cron reads it, TZ= refused in
// favour of spec.timeZone, a known IANA zone, the job template validated as a JobSpec, names of
// at most 52 characters). Pure.
import { fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { parseStandard } from '../../../kube/cron/schedule.ts';
import { loadLocationError } from '../../../kube/cron/zone.ts';
import { defaultPodFailurePolicy, validateJobSpecFields } from './job.ts';
import { defaultPodTemplate } from './pod-template.ts';
import { child, goLabelSelector, invalidRendered, isNil, num, o, s, type Obj } from './values.ts';

const IS_NEGATIVE = 'must be greater than or equal to 0';
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
/** DNS1035LabelMaxLength - 11: the controller appends `-<timestamp>` to name its jobs. */
const MAX_NAME_LENGTH = 52;

/** SetDefaults_CronJob and the job template's nested defaults (mutates). */
export function defaultCronJob(cj: Obj): void {
  const spec = child(cj, 'spec');
  if (spec === undefined) return;
  if (isNil(spec['concurrencyPolicy']) || spec['concurrencyPolicy'] === '') spec['concurrencyPolicy'] = 'Allow';
  if (isNil(spec['suspend'])) spec['suspend'] = false;
  if (isNil(spec['successfulJobsHistoryLimit'])) spec['successfulJobsHistoryLimit'] = 3;
  if (isNil(spec['failedJobsHistoryLimit'])) spec['failedJobsHistoryLimit'] = 1;
  const jobTemplate = child(spec, 'jobTemplate');
  if (jobTemplate === undefined) return;
  const jtMeta = child(jobTemplate, 'metadata');
  if (jtMeta !== undefined && !('creationTimestamp' in jtMeta)) jtMeta['creationTimestamp'] = null;
  const jobSpec = child(jobTemplate, 'spec');
  if (jobSpec === undefined) return;
  defaultPodFailurePolicy(jobSpec);
  if (isNil(jobSpec['template'])) jobSpec['template'] = {};
  defaultPodTemplate(jobSpec['template']);
}

/** The CronJob strategy's PrepareForCreate beyond status/generation: an empty status. */
export function prepareCronJobForCreate(cj: Obj): void {
  cj['status'] = {};
}

function nonNegative(v: unknown, path: string): FieldError[] {
  const n = num(v);
  return n !== undefined && n < 0 ? [fe.invalid(path, n, IS_NEGATIVE)] : [];
}

/** validateScheduleFormat. */
export function validateSchedule(schedule: string, allowTZ: boolean, timeZoneSet: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsed = parseStandard(schedule);
  if ('error' in parsed) errs.push(fe.invalid(path, schedule, parsed.error));
  if (allowTZ && schedule.includes('TZ') && timeZoneSet) {
    errs.push(fe.invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(fe.invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone (a nil zone is fine; the name must load as time.LoadLocation does). */
export function validateTimeZone(tz: unknown, path: string): FieldError[] {
  if (isNil(tz)) return [];
  const zone = s(tz);
  if (zone === '') return [fe.invalid(path, zone, 'timeZone must be nil or non-empty string')];
  for (const part of zone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) {
      return [fe.invalid(path, zone, `unknown time zone ${zone}`)];
    }
  }
  const errs: FieldError[] = [];
  if (zone.toLowerCase() === 'local') {
    errs.push(fe.invalid(path, zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  const err = loadLocationError(zone);
  if (err !== undefined) errs.push(fe.invalid(path, zone, err));
  return errs;
}

/** ValidateJobTemplateSpec: the job spec, whose selector is always generated. */
function validateJobTemplate(jobTemplate: Obj, path: string): FieldError[] {
  const spec = o(jobTemplate['spec']);
  const errs = validateJobSpecFields(spec, `${path}.spec`);
  if (!isNil(spec['selector'])) errs.push(invalidRendered(`${path}.spec.selector`, goLabelSelector(spec['selector']), '`selector` will be auto-generated'));
  if (spec['manualSelector'] === true) errs.push(fe.notSupported(`${path}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(spec: Obj, oldSpec: Obj | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = s(spec['schedule']);
  if (schedule === '') errs.push(fe.required('spec.schedule'));
  else {
    const allowTZ = oldSpec !== undefined && s(oldSpec['schedule']).includes('TZ');
    errs.push(...validateSchedule(schedule, allowTZ, !isNil(spec['timeZone']), 'spec.schedule'));
  }
  errs.push(...nonNegative(spec['startingDeadlineSeconds'], 'spec.startingDeadlineSeconds'));
  if (oldSpec === undefined || spec['timeZone'] !== oldSpec['timeZone']) errs.push(...validateTimeZone(spec['timeZone'], 'spec.timeZone'));
  const cp = s(spec['concurrencyPolicy']);
  if (cp === '') errs.push(fe.required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(cp)) errs.push(fe.notSupported('spec.concurrencyPolicy', cp, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplate(o(spec['jobTemplate']), 'spec.jobTemplate'));
  errs.push(...nonNegative(spec['successfulJobsHistoryLimit'], 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec['failedJobsHistoryLimit'], 'spec.failedJobsHistoryLimit'));
  return errs;
}

/** ValidateCronJobCreate. */
export function validateCronJob(cj: Obj): FieldError[] {
  const meta = o(cj['metadata']);
  const errs = validateObjectMeta(meta, true, nameIsDNSSubdomain);
  errs.push(...validateCronJobSpec(o(cj['spec']), undefined));
  const name = s(meta['name']);
  if (name.length > MAX_NAME_LENGTH) errs.push(fe.invalid('metadata.name', name, `must be no more than ${MAX_NAME_LENGTH} characters`));
  return errs;
}

/** ValidateCronJobUpdate (the 52-character limit is not applied, so old long names stay updatable). */
export function validateCronJobUpdate(cj: Obj, old: Obj): FieldError[] {
  const errs = validateObjectMetaUpdate(o(cj['metadata']), o(old['metadata']));
  errs.push(...validateCronJobSpec(o(cj['spec']), o(old['spec'])));
  return errs;
}
