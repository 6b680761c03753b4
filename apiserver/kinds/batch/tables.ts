// How `kubectl get` prints jobs, cronjobs and poddisruptionbudgets: the columns, descriptions and
// priorities of pkg/printers/internalversion/printers.go (1.32) and its printJob, printCronJob
// and printPodDisruptionBudget cells. Pure: the time comes in as `now`.
import { AGE, NAME, humanDuration, translateTimestampSince, type TableColumnDefinition, type TableSpec } from '../../api/tables.ts';
import { containerCells, formatLabelSelector } from './pod-template.ts';
import { arr, num, o, objs, s, type Obj } from './values.ts';

function column(name: string, type: string, description: string, priority = 0): TableColumnDefinition {
  return { name, type, format: '', description, priority };
}

const CONTAINERS = column('Containers', 'string', 'Names of each container in the template.', 1);
const IMAGES = column('Images', 'string', 'Images referenced by each container in the template.', 1);
const JOB_SELECTOR = column('Selector', 'string',
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1);

function hasCondition(status: Obj, type: string): boolean {
  const c = objs(status['conditions']).find((x) => x['type'] === type);
  return c !== undefined && c['status'] === 'True';
}

function timeMs(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** printJob's STATUS: the first of Complete, Failed, Terminating, Suspended, FailureTarget, else Running. */
export function jobStatus(job: Obj): string {
  const status = o(job['status']);
  if (hasCondition(status, 'Complete')) return 'Complete';
  if (hasCondition(status, 'Failed')) return 'Failed';
  const deletion = o(job['metadata'])['deletionTimestamp'];
  if (deletion !== undefined && deletion !== null) return 'Terminating';
  if (hasCondition(status, 'Suspended')) return 'Suspended';
  if (hasCondition(status, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const JOB_TABLE: TableSpec = {
  columns: [
    NAME,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string',
      'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    CONTAINERS,
    IMAGES,
    JOB_SELECTOR,
  ],
  row(job, now) {
    const spec = o(job['spec']);
    const status = o(job['status']);
    const succeeded = num(status['succeeded']) ?? 0;
    const completions = num(spec['completions']);
    let cell: string;
    if (completions !== undefined) cell = `${succeeded}/${completions}`;
    else {
      const parallelism = num(spec['parallelism']) ?? 0;
      cell = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = timeMs(status['startTime']);
    const end = timeMs(status['completionTime']);
    const duration = start === undefined ? '' : humanDuration((end ?? now) - start);
    const [names, images] = containerCells(spec['template']);
    const m = o(job['metadata']);
    return {
      cells: [s(m['name']), jobStatus(job), cell, duration, translateTimestampSince(m['creationTimestamp'], now),
        names, images, formatLabelSelector(spec['selector'])],
    };
  },
};

function printBool(v: unknown): string {
  return typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>';
}

export const CRONJOB_TABLE: TableSpec = {
  columns: [
    NAME,
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    JOB_SELECTOR,
  ],
  row(cj, now) {
    const spec = o(cj['spec']);
    const status = o(cj['status']);
    const m = o(cj['metadata']);
    const last = status['lastScheduleTime'];
    const lastSchedule = last === undefined || last === null ? '<none>' : translateTimestampSince(last, now);
    const tz = spec['timeZone'];
    const jobSpec = o(o(spec['jobTemplate'])['spec']);
    const [names, images] = containerCells(jobSpec['template']);
    return {
      cells: [s(m['name']), s(spec['schedule']), typeof tz === 'string' ? tz : '<none>', printBool(spec['suspend']),
        arr(status['active']).length, lastSchedule, translateTimestampSince(m['creationTimestamp'], now),
        names, images, formatLabelSelector(jobSpec['selector'])],
    };
  },
};

/** intstr.IntOrString.String(). */
function intOrString(v: unknown): string {
  return typeof v === 'string' ? v : String(num(v) ?? 0);
}

export const PDB_TABLE: TableSpec = {
  columns: [
    NAME,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  row(pdb, now) {
    const spec = o(pdb['spec']);
    const m = o(pdb['metadata']);
    const min = spec['minAvailable'];
    const max = spec['maxUnavailable'];
    return {
      cells: [s(m['name']), min === undefined || min === null ? 'N/A' : intOrString(min),
        max === undefined || max === null ? 'N/A' : intOrString(max), num(o(pdb['status'])['disruptionsAllowed']) ?? 0,
        translateTimestampSince(m['creationTimestamp'], now)],
    };
  },
};
