import { describe, expect, it } from 'vitest';
import { humanDuration, podRow, toTable } from './tables.ts';

const NOW = Date.parse('2026-11-23T18:00:00Z');
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('humanDuration', () => {
  it('formats like apimachinery HumanDuration', () => {
    const cases: [number, string][] = [
      [-3, '<invalid>'], [-1, '0s'], [0, '0s'], [5, '5s'], [119, '119s'], [120, '2m'], [123, '2m3s'], [599, '9m59s'],
      [600, '10m'], [3 * 3600 - 1, '179m'], [3 * 3600, '3h'], [3 * 3600 + 4 * 60, '3h4m'], [8 * 3600, '8h'], [47 * 3600, '47h'],
      [48 * 3600, '2d'], [51 * 3600, '2d3h'], [8 * 86400, '8d'], [730 * 86400, '2y'], [800 * 86400, '2y70d'], [3000 * 86400, '8y'],
    ];
    for (const [s, want] of cases) expect(humanDuration(s * 1000), `${s}s`).toBe(want);
  });
});

const base = (status: object, spec: object = {}, metadata: object = {}): object => ({
  metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(300), ...metadata },
  spec: { containers: [{ name: 'c' }], ...spec },
  status,
});

const statusCell = (pod: object): unknown => podRow(pod, NOW).cells[2];

describe('pod STATUS, READY and RESTARTS', () => {
  it('running and ready', () => {
    const pod = base({ phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }] }, { nodeName: 'node1' });
    expect(podRow(pod, NOW).cells).toEqual(['web', '1/1', 'Running', '0', '5m', '10.0.0.5', 'node1', '<none>', '<none>']);
  });

  it('waiting reasons and terminated reasons override the phase', () => {
    expect(statusCell(base({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] }))).toBe('ContainerCreating');
    expect(statusCell(base({ phase: 'Running', containerStatuses: [{ name: 'c', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }))).toBe('CrashLoopBackOff');
    expect(statusCell(base({ phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }))).toBe('Completed');
    expect(statusCell(base({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }))).toBe('Error');
    expect(statusCell(base({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }))).toBe('OOMKilled');
    expect(statusCell(base({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 2 } } }] }))).toBe('ExitCode:2');
    expect(statusCell(base({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, signal: 9 } } }] }))).toBe('Signal:9');
    expect(statusCell(base({ phase: 'Pending' }))).toBe('Pending');
    expect(statusCell(base({ phase: 'Failed', reason: 'Evicted' }))).toBe('Evicted');
  });

  it('init containers', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    expect(statusCell(base({ phase: 'Pending', initContainerStatuses: [
      { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'i2', state: { running: {} } },
    ] }, spec))).toBe('Init:1/2');
    expect(statusCell(base({ phase: 'Pending', initContainerStatuses: [
      { name: 'i1', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }, { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } },
    ] }, spec))).toBe('Init:CrashLoopBackOff');
    expect(statusCell(base({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 3 } } }] }, spec))).toBe('Init:ExitCode:3');
    expect(statusCell(base({ phase: 'Failed', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, spec))).toBe('Init:Error');
    expect(statusCell(base({ phase: 'Pending',
      initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { terminated: { exitCode: 0 } } }],
      containerStatuses: [{ name: 'c', state: { waiting: { reason: 'PodInitializing' } } }] }, spec))).toBe('PodInitializing');
  });

  it('counts sidecars in READY and restarts with last restart time', () => {
    const pod = base({
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [{ name: 'side', started: true, ready: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(100) } } }],
      containerStatuses: [{ name: 'c', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(25) } } }],
    }, { initContainers: [{ name: 'side', restartPolicy: 'Always' }] });
    expect(podRow(pod, NOW).cells.slice(0, 4)).toEqual(['web', '2/2', 'Running', '3 (25s ago)']);
  });

  it('Completed with a running container, Terminating and Unknown', () => {
    const two = { containers: [{ name: 'a' }, { name: 'b' }] };
    const mixed = (conditions: object[]): object => base({ phase: 'Running', conditions, containerStatuses: [
      { name: 'a', ready: true, state: { running: {} } }, { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ] }, two);
    expect(statusCell(mixed([{ type: 'Ready', status: 'True' }]))).toBe('Running');
    expect(statusCell(mixed([]))).toBe('NotReady');
    expect(statusCell(base({ phase: 'Running' }, {}, { deletionTimestamp: ago(0) }))).toBe('Terminating');
    expect(statusCell(base({ phase: 'Succeeded' }, {}, { deletionTimestamp: ago(0) }))).toBe('Succeeded');
    expect(statusCell(base({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(0) }))).toBe('Unknown');
  });
});

describe('toTable', () => {
  it('builds the pod Table kubectl expects', () => {
    const pod = base({ phase: 'Pending' }, { readinessGates: [{ conditionType: 'x' }] }, { uid: 'u', labels: { app: 'web' } });
    const t = toTable('pods', [pod], { now: NOW, resourceVersion: '104' });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '104' });
    expect(t.columnDefinitions.map((c) => `${c.name}:${c.priority}:${c.format}`)).toEqual([
      'Name:0:name', 'Ready:0:', 'Status:0:', 'Restarts:0:', 'Age:0:', 'IP:1:', 'Node:1:', 'Nominated Node:1:', 'Readiness Gates:1:',
    ]);
    expect(t.rows).toEqual([{
      cells: ['web', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '0/1'],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(300), uid: 'u', labels: { app: 'web' } } },
    }]);
    expect(toTable('pods', [pod], { now: NOW, includeObject: 'Object' }).rows[0]?.object).toBe(pod);
    expect(toTable('pods', [pod], { now: NOW, includeObject: 'None' }).rows[0]?.object).toBeUndefined();
    expect(toTable('pods', [], { now: NOW, noHeaders: true }).columnDefinitions).toEqual([]);
  });

  it('nodes, namespaces, events, configmaps, secrets, serviceaccounts, leases', () => {
    const created = { creationTimestamp: ago(2 * 86400 + 3 * 3600) };
    const node = {
      metadata: { name: 'node1', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' }, ...created },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
        nodeInfo: { kubeletVersion: 'v1.32.4', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'docker://27.0.0' } },
    };
    expect(toTable('nodes', [node], { now: NOW }).rows[0]?.cells).toEqual([
      'node1', 'Ready,SchedulingDisabled', 'control-plane,worker', '2d3h', 'v1.32.4', '192.168.1.10', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'docker://27.0.0',
    ]);
    expect(toTable('nodes', [{ metadata: { name: 'n' } }], { now: NOW }).rows[0]?.cells).toEqual(['n', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    expect(toTable('namespaces', [{ metadata: { name: 'default', ...created }, status: { phase: 'Active' } }], { now: NOW }).rows[0]?.cells).toEqual(['default', 'Active', '2d3h']);
    const ev = {
      metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{c}' },
      reason: 'Started', message: 'Started container c\n', type: 'Normal', source: { component: 'kubelet', host: 'node1' },
      firstTimestamp: ago(600), lastTimestamp: ago(30), count: 2,
    };
    expect(toTable('events', [ev], { now: NOW }).rows[0]?.cells).toEqual(['30s', 'Normal', 'Started', 'pod/web', 'spec.containers{c}', 'kubelet, node1', 'Started container c', '10m', 2, 'web.1']);
    expect(toTable('events', [ev], { now: NOW, wide: false }).rows[0]?.cells).toEqual(['30s', 'Normal', 'Started', 'pod/web', 'Started container c']);
    expect(toTable('configmaps', [{ metadata: { name: 'c', ...created }, data: { a: '1' }, binaryData: { b: 'eA==' } }], { now: NOW }).rows[0]?.cells).toEqual(['c', 2, '2d3h']);
    expect(toTable('secrets', [{ metadata: { name: 's', ...created }, type: 'Opaque', data: { a: 'eA==' } }], { now: NOW }).rows[0]?.cells).toEqual(['s', 'Opaque', 1, '2d3h']);
    expect(toTable('serviceaccounts', [{ metadata: { name: 'default', ...created } }], { now: NOW }).rows[0]?.cells).toEqual(['default', 0, '2d3h']);
    expect(toTable('leases', [{ metadata: { name: 'node1', ...created }, spec: { holderIdentity: 'node1' } }], { now: NOW }).rows[0]?.cells).toEqual(['node1', 'node1', '2d3h']);
    expect(toTable('events', [], { now: NOW }).columnDefinitions.map((c) => c.name)).toEqual([
      'Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name',
    ]);
  });
});
