import { describe, expect, it } from 'vitest';
import { CRONJOB_TABLE, JOB_TABLE, PDB_TABLE, jobStatus } from './tables.ts';

const NOW = Date.parse('2024-01-01T01:00:00Z');
const CREATED = '2024-01-01T00:00:00Z';

describe('job table (printJob)', () => {
  it('has kubectl get columns, with the wide ones at priority 1', () => {
    expect(JOB_TABLE.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0], ['Status', 'string', 0], ['Completions', 'string', 0], ['Duration', 'string', 0], ['Age', 'string', 0],
      ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    expect(JOB_TABLE.columns[1]?.description).toBe('Status of the job.');
  });

  it('prints a fresh job as Running 0/1 with no duration', () => {
    const job = {
      metadata: { name: 'pi', creationTimestamp: CREATED },
      spec: { completions: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } },
      status: {},
    };
    expect(JOB_TABLE.row(job, NOW).cells).toEqual(['pi', 'Running', '0/1', '', '60m', 'a,b', 'x,y', 'batch.kubernetes.io/controller-uid=u']);
  });

  it('prints completions without a count, durations and statuses as printJob', () => {
    const row = (spec: object, status: object, metadata: object = {}): unknown[] =>
      JOB_TABLE.row({ metadata: { name: 'j', creationTimestamp: CREATED, ...metadata }, spec, status }, NOW).cells;
    expect(row({ parallelism: 3 }, { succeeded: 1 })[2]).toBe('1/1 of 3');
    expect(row({ parallelism: 1 }, {})[2]).toBe('0/1');
    expect(row({}, { startTime: '2024-01-01T00:10:00Z' })[3]).toBe('50m');
    expect(row({}, { startTime: '2024-01-01T00:10:00Z', completionTime: '2024-01-01T00:10:42Z' })[3]).toBe('42s');
    expect(row({}, { conditions: [{ type: 'Complete', status: 'True' }] })[1]).toBe('Complete');
    expect(row({}, { conditions: [{ type: 'Failed', status: 'True' }] })[1]).toBe('Failed');
    expect(row({}, { conditions: [{ type: 'Suspended', status: 'True' }] })[1]).toBe('Suspended');
    expect(row({}, { conditions: [{ type: 'Suspended', status: 'False' }] })[1]).toBe('Running');
    expect(row({}, { conditions: [{ type: 'FailureTarget', status: 'True' }] })[1]).toBe('FailureTarget');
    expect(row({}, {}, { deletionTimestamp: CREATED })[1]).toBe('Terminating');
    expect(row({ selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }, {})[7]).toBe('<error>');
    expect(row({}, {})[7]).toBe('<none>');
  });

  it('never fails on values of the wrong type', () => {
    expect(jobStatus({ status: { conditions: 'x' }, metadata: 5 })).toBe('Running');
    expect(() => JOB_TABLE.row({ spec: 'x', status: [], metadata: { name: 1 } }, NOW)).not.toThrow();
  });
});

describe('cronjob table (printCronJob)', () => {
  it('prints schedule, time zone, suspend, active jobs and the last schedule', () => {
    expect(CRONJOB_TABLE.columns.map((c) => c.name)).toEqual(
      ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
    expect(CRONJOB_TABLE.columns.map((c) => c.type).slice(3, 5)).toEqual(['boolean', 'integer']);
    const cj = {
      metadata: { name: 'c', creationTimestamp: CREATED },
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
      status: {},
    };
    expect(CRONJOB_TABLE.row(cj, NOW).cells).toEqual(['c', '*/5 * * * *', '<none>', 'False', 0, '<none>', '60m', 'c', 'busybox', '<none>']);
    const busy = { ...cj, spec: { ...cj.spec, timeZone: 'Europe/Paris', suspend: true }, status: { active: [{ name: 'c-1' }], lastScheduleTime: '2024-01-01T00:55:00Z' } };
    expect(CRONJOB_TABLE.row(busy, NOW).cells.slice(0, 6)).toEqual(['c', '*/5 * * * *', 'Europe/Paris', 'True', 1, '5m']);
    expect(CRONJOB_TABLE.row({ spec: {} }, NOW).cells[3]).toBe('<unset>');
  });
});

describe('poddisruptionbudget table (printPodDisruptionBudget)', () => {
  it('prints N/A for the unset bound and the allowed disruptions', () => {
    expect(PDB_TABLE.columns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'], ['Min Available', 'string'], ['Max Unavailable', 'string'], ['Allowed Disruptions', 'integer'], ['Age', 'string'],
    ]);
    const pdb = { metadata: { name: 'p', creationTimestamp: CREATED }, spec: { minAvailable: 1 }, status: { disruptionsAllowed: 0 } };
    expect(PDB_TABLE.row(pdb, NOW).cells).toEqual(['p', '1', 'N/A', 0, '60m']);
    expect(PDB_TABLE.row({ ...pdb, spec: { maxUnavailable: '25%' }, status: { disruptionsAllowed: 2 } }, NOW).cells).toEqual(['p', 'N/A', '25%', 2, '60m']);
  });
});
