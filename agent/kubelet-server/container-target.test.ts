import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { resolveLogContainer, resolveStreamContainer, runtimeContainerId } from './container-target.ts';

function pod(statuses: ContainerStatus[]): Pod {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'c' }], initContainers: [{ name: 'init' }] },
    status: { containerStatuses: statuses.filter((s) => s.name === 'c'), initContainerStatuses: statuses.filter((s) => s.name === 'init') },
  };
}

const base = { name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0 };
const running: ContainerStatus = { ...base, containerID: 'docker://cur', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } };
const withLast = (s: ContainerStatus, id = 'docker://old'): ContainerStatus => ({ ...s, lastState: { terminated: { exitCode: 1, containerID: id } } });

describe('resolveLogContainer (kubelet validateContainerLogStatus)', () => {
  const bad = (message: string): unknown => ({ error: { code: 400, reason: 'BadRequest', message } });
  it.each<[string, ContainerStatus[], string, boolean, unknown]>([
    ['running → current', [running], 'c', false, { containerId: 'cur' }],
    ['previous with a terminated last state', [withLast(running)], 'c', true, { containerId: 'old' }],
    ['previous without one', [running], 'c', true, bad('previous terminated container "c" in pod "web" not found')],
    ['previous with an empty id', [withLast(running, '')], 'c', true, bad('previous terminated container "c" in pod "web" not found')],
    ['terminated → its own id', [{ ...base, containerID: 'docker://t', state: { terminated: { exitCode: 0, containerID: 'docker://t' } } }], 'c', false, { containerId: 't' }],
    ['terminated without id → last state', [withLast({ ...base, state: { terminated: { exitCode: 0 } } })], 'c', false, { containerId: 'old' }],
    ['terminated without any id', [{ ...base, state: { terminated: { exitCode: 0 } } }], 'c', false, bad('container "c" in pod "web" is terminated')],
    ['waiting after a crash → last state', [withLast({ ...base, state: { waiting: { reason: 'CrashLoopBackOff' } } })], 'c', false, { containerId: 'old' }],
    ['waiting ContainerCreating', [{ ...base, state: { waiting: { reason: 'ContainerCreating' } } }], 'c', false, bad('container "c" in pod "web" is waiting to start: ContainerCreating')],
    ['waiting ErrImagePull', [{ ...base, state: { waiting: { reason: 'ErrImagePull' } } }], 'c', false, bad('container "c" in pod "web" is waiting to start: image can\'t be pulled')],
    ['waiting ImagePullBackOff', [{ ...base, state: { waiting: { reason: 'ImagePullBackOff' } } }], 'c', false, bad('container "c" in pod "web" is waiting to start: trying and failing to pull image')],
    ['no state at all', [{ ...base, state: {} }], 'c', false, bad('container "c" in pod "web" is waiting to start - no logs yet')],
    ['no status yet', [], 'c', false, bad('container "c" in pod "web" is not available')],
    ['init containers count', [{ ...running, name: 'init', containerID: 'docker://i' }], 'init', false, { containerId: 'i' }],
    ['not in the spec → 404', [running], 'zz', false, { error: { code: 404, reason: 'NotFound', message: 'container "zz" not found in pod "web"' } }],
  ])('%s', (_name, statuses, container, previous, want) => {
    expect(resolveLogContainer(pod(statuses), container, previous)).toEqual(want);
  });
});

describe('resolveStreamContainer', () => {
  it('only a running container can be exec\'d into or attached to', () => {
    expect(resolveStreamContainer(pod([running]), 'c')).toEqual({ containerId: 'cur' });
    expect(resolveStreamContainer(pod([withLast({ ...base, state: { waiting: { reason: 'CrashLoopBackOff' } } })]), 'c'))
      .toEqual({ error: { code: 400, reason: 'BadRequest', message: 'container "c" in pod "web" is not running' } });
    expect(resolveStreamContainer(pod([running]), 'zz')).toMatchObject({ error: { code: 404 } });
  });

  it('strips the runtime scheme from container ids', () => {
    expect(runtimeContainerId('docker://abc')).toBe('abc');
    expect(runtimeContainerId('containerd://abc')).toBe('abc');
    expect(runtimeContainerId('abc')).toBe('abc');
  });
});
