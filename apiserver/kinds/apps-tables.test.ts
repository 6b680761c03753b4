import { describe, expect, it } from 'vitest';
import { toTable } from '../api/tables.ts';
import { APPS_KINDS } from './apps.ts';
import type { KindDefinition, Obj } from './kind.ts';

function kind(name: string): KindDefinition {
  const k = APPS_KINDS.find((x) => x.kind === name);
  if (k === undefined) throw new Error(`no kind ${name}`);
  return k;
}

const NOW = Date.parse('2025-01-01T01:00:00Z');
const CREATED = '2025-01-01T00:00:00Z';

function table(k: KindDefinition, objects: Obj[]): ReturnType<typeof toTable> {
  return toTable(k.resource, objects, { now: NOW, includeObject: 'None' }, k.table);
}

const header = (k: KindDefinition): [string, string, number][] =>
  table(k, []).columnDefinitions.map((c) => [c.name, c.type, c.priority]);

const containers = [{ name: 'web', image: 'nginx:1.27' }, { name: 'side', image: 'busybox' }];

function workload(k: string, spec: Obj, status: Obj, meta: Obj = {}): Obj {
  return { apiVersion: 'apps/v1', kind: k, metadata: { name: 'web', namespace: 'default', creationTimestamp: CREATED, ...meta }, spec, status };
}

describe('apps tables (printers.go)', () => {
  it('deployments: NAME READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    const D = kind('Deployment');
    expect(header(D)).toEqual([
      ['Name', 'string', 0], ['Ready', 'string', 0], ['Up-to-date', 'string', 0], ['Available', 'string', 0], ['Age', 'string', 0],
      ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    const t = table(D, [workload('Deployment',
      { replicas: 3, selector: { matchLabels: { tier: 'a', app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['z', 'b'] }] }, template: { spec: { containers } } },
      { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 1 })]);
    expect(t.rows[0]?.cells).toEqual(['web', '2/3', 3, 1, '60m', 'web,side', 'nginx:1.27,busybox', 'app=web,env notin (b,z),tier=a']);
    expect(t.columnDefinitions[1]?.description).toBe('Number of the pod with ready state');
    expect(t.columnDefinitions[2]?.description).toBe('Total number of non-terminated pods targeted by this deployment that have the desired template spec.');
  });

  it('deployments: an empty selector prints nothing, a broken one <invalid>', () => {
    const D = kind('Deployment');
    const rows = table(D, [
      workload('Deployment', { replicas: 1, selector: {} }, {}),
      workload('Deployment', { replicas: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Bad' }] } }, {}),
    ]).rows;
    expect(rows.map((r) => r.cells.slice(1, 2).concat(r.cells.slice(5)))).toEqual([['0/1', '', '', ''], ['0/1', '', '', '<invalid>']]);
  });

  it('replicasets: NAME DESIRED CURRENT READY AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    const RS = kind('ReplicaSet');
    expect(header(RS)).toEqual([
      ['Name', 'string', 0], ['Desired', 'integer', 0], ['Current', 'integer', 0], ['Ready', 'integer', 0], ['Age', 'string', 0],
      ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    const t = table(RS, [
      workload('ReplicaSet', { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers } } }, { replicas: 1, readyReplicas: 1 }),
      workload('ReplicaSet', { replicas: 0, selector: {} }, {}, { name: 'empty' }),
    ]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['web', 2, 1, 1, '60m', 'web,side', 'nginx:1.27,busybox', 'app=web'],
      ['empty', 0, 0, 0, '60m', '', '', '<none>'],
    ]);
  });

  it('statefulsets: NAME READY AGE, wide CONTAINERS IMAGES', () => {
    const STS = kind('StatefulSet');
    expect(header(STS)).toEqual([['Name', 'string', 0], ['Ready', 'string', 0], ['Age', 'string', 0], ['Containers', 'string', 1], ['Images', 'string', 1]]);
    expect(table(STS, [workload('StatefulSet', { replicas: 3, template: { spec: { containers } } }, { readyReplicas: 1, replicas: 2 })]).rows[0]?.cells)
      .toEqual(['web', '1/3', '60m', 'web,side', 'nginx:1.27,busybox']);
  });

  it('daemonsets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    const DS = kind('DaemonSet');
    expect(header(DS)).toEqual([
      ['Name', 'string', 0], ['Desired', 'integer', 0], ['Current', 'integer', 0], ['Ready', 'integer', 0], ['Up-to-date', 'integer', 0],
      ['Available', 'integer', 0], ['Node Selector', 'string', 0], ['Age', 'string', 0],
      ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    const t = table(DS, [
      workload('DaemonSet', { selector: { matchLabels: { app: 'web' } }, template: { spec: { containers, nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' } } } },
        { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 }),
      workload('DaemonSet', { selector: { matchLabels: { app: 'x' } }, template: { spec: {} } }, {}, { name: 'plain' }),
    ]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['web', 3, 2, 1, 2, 1, 'disk=ssd,kubernetes.io/os=linux', '60m', 'web,side', 'nginx:1.27,busybox', 'app=web'],
      ['plain', 0, 0, 0, 0, 0, '<none>', '60m', '', '', 'app=x'],
    ]);
  });

  it('controllerrevisions: NAME CONTROLLER REVISION AGE, the controller as kind.group/name', () => {
    const CR = kind('ControllerRevision');
    expect(header(CR)).toEqual([['Name', 'string', 0], ['Controller', 'string', 0], ['Revision', 'string', 0], ['Age', 'string', 0]]);
    const owned = (refs: Obj[]): Obj => ({ metadata: { name: 'web-5d8f', creationTimestamp: CREATED, ownerReferences: refs }, revision: 4, data: {} });
    const t = table(CR, [
      owned([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }]),
      owned([{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }]),
      owned([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u' }]),
      { metadata: { name: 'bare' } },
    ]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['web-5d8f', 'statefulset.apps/web', 4, '60m'],
      ['web-5d8f', 'pod/p', 4, '60m'],
      ['web-5d8f', '<none>', 4, '60m'],
      ['bare', '<none>', 0, '<unknown>'],
    ]);
  });

  it('rows of objects with fields of the wrong JSON types print, never throw', () => {
    for (const k of APPS_KINDS) {
      const odd = { metadata: { name: 5, creationTimestamp: 7, ownerReferences: 'x' }, spec: { replicas: 'x', selector: 'x', template: { spec: { containers: [5, null] } } }, status: [] };
      expect(() => table(k, [odd as unknown as Obj])).not.toThrow();
    }
  });
});
