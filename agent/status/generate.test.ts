import type { Container, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { ANN_RESTART_COUNT } from '../../runtime/labels.ts';
import type { ContainerStatus as RCS, SandboxStatus } from '../../runtime/types.ts';
import type { ProbeKind, ProbeResult, ProbeResultsView } from '../planner.ts';
import type { StartError } from './container-statuses.ts';
import { deadlineExceeded, generatePodStatus } from './generate.ts';
import type { StatusInput } from './generate.ts';
import { getPhase } from './phase.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const ref = { name: 'p', namespace: 'ns', uid: 'u1' };

function mk(c: string | Container): Container {
  if (typeof c !== 'string') return c;
  return c.startsWith('sc:') ? { name: c.slice(3), image: 'img', restartPolicy: 'Always' } : { name: c, image: 'img' };
}
function pod(spec: { init?: (string | Container)[]; containers?: (string | Container)[]; restartPolicy?: string; gates?: string[] }): Pod {
  return {
    metadata: { ...ref },
    spec: {
      initContainers: (spec.init ?? []).map(mk),
      containers: (spec.containers ?? ['app']).map(mk),
      ...(spec.restartPolicy === undefined ? {} : { restartPolicy: spec.restartPolicy }),
      ...(spec.gates === undefined ? {} : { readinessGates: spec.gates.map((conditionType) => ({ conditionType })) }),
    },
  };
}
const sandbox: SandboxStatus = { id: 'sb', pod: ref, attempt: 0, state: 'ready', createdAt: NOW - 60_000, ips: ['10.88.0.5'], hostNetwork: false, labels: {}, annotations: {} };
let seq = 0;
function ctr(name: string, state: 'running' | 'created' | number, opts: { restarts?: number; started?: number; finished?: number; message?: string } = {}): RCS {
  seq++;
  const exited = typeof state === 'number';
  return {
    id: `${name}-${seq}`, name, attempt: opts.restarts ?? 0, sandboxId: 'sb', pod: ref, state: exited ? 'exited' : state,
    createdAt: NOW - 50_000 + seq, startedAt: opts.started ?? NOW - 40_000, finishedAt: exited ? (opts.finished ?? NOW - 30_000) : 0,
    exitCode: exited ? state : 0, reason: exited ? (state === 0 ? 'Completed' : 'Error') : '', message: opts.message ?? '',
    image: 'img', imageId: 'docker-pullable://img@sha256:abc', containerId: `docker://${name}-${seq}`, labels: {},
    annotations: { [ANN_RESTART_COUNT]: String(opts.restarts ?? 0) },
  };
}
function probes(results: Record<string, Partial<Record<ProbeKind, ProbeResult>>> = {}): ProbeResultsView {
  return { get: (id, kind) => results[id.replace(/-\d+$/, '')]?.[kind] };
}
function gen(p: Pod, containers: RCS[], extra: Partial<StatusInput> = {}): ReturnType<typeof generatePodStatus> {
  return generatePodStatus({
    pod: p, sandboxes: [sandbox], containers, startErrors: new Map(), probes: probes(), now: NOW, nodeIPs: ['192.168.1.10'], podIsTerminal: false, ...extra,
  });
}
function cond(s: { conditions?: PodCondition[] }, type: string): PodCondition | undefined {
  return s.conditions?.find((c) => c.type === type);
}
function cs(s: { containerStatuses?: ContainerStatus[] }, name: string): ContainerStatus | undefined {
  return s.containerStatuses?.find((c) => c.name === name);
}

describe('phase (getPhase)', () => {
  it.each<[string, Pod, RCS[], boolean, string]>([
    ['nothing created yet', pod({}), [], false, 'Pending'],
    ['running', pod({}), [ctr('app', 'running')], false, 'Running'],
    ['Always, exited (restarting)', pod({}), [ctr('app', 1)], false, 'Running'],
    ['OnFailure, exit 0', pod({ restartPolicy: 'OnFailure' }), [ctr('app', 0)], false, 'Succeeded'],
    ['OnFailure, exit 1 (restarting)', pod({ restartPolicy: 'OnFailure' }), [ctr('app', 1)], false, 'Running'],
    ['Never, exit 0', pod({ restartPolicy: 'Never' }), [ctr('app', 0)], false, 'Succeeded'],
    ['Never, exit 1', pod({ restartPolicy: 'Never' }), [ctr('app', 1)], false, 'Failed'],
    ['Always, terminal (deleted) and all exit 0', pod({}), [ctr('app', 0)], true, 'Succeeded'],
    ['Always, terminal with a failure', pod({ containers: ['a', 'b'] }), [ctr('a', 0), ctr('b', 137)], true, 'Failed'],
    ['one running one waiting', pod({ containers: ['a', 'b'] }), [ctr('a', 'running')], false, 'Pending'],
    ['init running', pod({ init: ['i'] }), [ctr('i', 'running')], false, 'Pending'],
    ['init failed under Never', pod({ init: ['i'], restartPolicy: 'Never' }), [ctr('i', 1)], false, 'Failed'],
    ['init failed under Always (crash-looping)', pod({ init: ['i'] }), [ctr('i', 1)], false, 'Pending'],
    ['sidecar running but not started yet (startup probe)', pod({ init: [{ name: 's', image: 'img', restartPolicy: 'Always', startupProbe: {} }] }), [ctr('s', 'running')], false, 'Pending'],
    ['sidecar running + regular exit 0, Never: Running until sidecars stop', pod({ init: ['sc:s'], restartPolicy: 'Never' }), [ctr('s', 'running'), ctr('app', 0)], false, 'Running'],
    ['sidecar stopped + regular exit 0, Never: Succeeded', pod({ init: ['sc:s'], restartPolicy: 'Never' }), [ctr('s', 137), ctr('app', 0)], false, 'Succeeded'],
    ['sidecar exited 1 + regular exit 0, Never: sidecars never decide', pod({ init: ['sc:s'], restartPolicy: 'Never' }), [ctr('s', 1), ctr('app', 0)], false, 'Succeeded'],
  ])('%s → %s', (_d, p, containers, terminal, phase) => {
    expect(gen(p, containers, { podIsTerminal: terminal }).phase).toBe(phase);
  });

  it('a terminal phase never reverts', () => {
    const p = pod({ restartPolicy: 'Never' });
    const first = gen(p, [ctr('app', 0)]);
    expect(first.phase).toBe('Succeeded');
    // the record vanished (removed): still Succeeded
    expect(gen(p, [], { oldStatus: first }).phase).toBe('Succeeded');
  });

  it('forced terminal phase with reason (DeadlineExceeded) is kept afterwards', () => {
    const p = pod({});
    const s = gen(p, [ctr('app', 'running')], { terminal: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } });
    expect(s).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    const later = gen(p, [ctr('app', 137)], { oldStatus: s, podIsTerminal: true });
    expect(later).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
  });

  it('getPhase with no statuses is Pending', () => {
    expect(getPhase(pod({}), [], [], false)).toBe('Pending');
  });
});

describe('container statuses', () => {
  it('defaults: ContainerCreating, or PodInitializing when the pod has init containers', () => {
    expect(cs(gen(pod({}), []), 'app')?.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    const s = gen(pod({ init: ['i1', 'i2'] }), [ctr('i1', 'running')]);
    expect(cs(s, 'app')?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(s.initContainerStatuses?.[1]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(cs(s, 'app')).toMatchObject({ ready: false, started: false, restartCount: 0 });
  });

  it('running: startedAt, started, ready, ids', () => {
    const c = ctr('app', 'running', { started: Date.UTC(2026, 0, 1, 11, 59, 30) });
    const s = cs(gen(pod({}), [c]), 'app');
    expect(s).toEqual({
      name: 'app', ready: true, started: true, restartCount: 0, image: 'img', imageID: 'docker-pullable://img@sha256:abc',
      containerID: c.containerId, state: { running: { startedAt: '2026-01-01T11:59:30Z' } },
    });
  });

  it('terminated: exit code, reason, times, message; previous instance in lastState', () => {
    const prev = ctr('app', 1, { restarts: 0, started: NOW - 45_000, finished: NOW - 44_000 });
    const cur = ctr('app', 'running', { restarts: 1 });
    const s = cs(gen(pod({}), [prev, cur]), 'app');
    expect(s?.restartCount).toBe(1);
    expect(s?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error', startedAt: '2026-01-01T11:59:15Z', finishedAt: '2026-01-01T11:59:16Z', containerID: prev.containerId });
  });

  it('termination message: file content, composed with a runtime message', () => {
    const a = ctr('a', 0);
    const b = ctr('b', 1, { message: 'oom' });
    const s = gen(pod({ containers: ['a', 'b'], restartPolicy: 'Never' }), [a, b], { terminationMessages: new Map([[a.id, 'DONE'], [b.id, 'bye']]) });
    expect(cs(s, 'a')?.state?.terminated?.message).toBe('DONE');
    expect(cs(s, 'b')?.state?.terminated?.message).toBe('oom: bye');
  });

  it.each(['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'PostStartHookError'])('start error %s → Waiting with reason, terminated moves to lastState', (reason) => {
    const errs = new Map<string, StartError>([['app', { reason, message: 'msg' }]]);
    const s = cs(gen(pod({}), [ctr('app', 1, { restarts: 2 })], { startErrors: errs }), 'app');
    expect(s?.state).toEqual({ waiting: { reason, message: 'msg' } });
    expect(s?.lastState?.terminated?.exitCode).toBe(1);
    expect(s?.restartCount).toBe(2);
    expect(s?.ready).toBe(false);
  });

  it('start error is not shown for a container that will not be restarted (Never)', () => {
    const errs = new Map<string, StartError>([['app', { reason: 'CrashLoopBackOff', message: 'x' }]]);
    expect(cs(gen(pod({ restartPolicy: 'Never' }), [ctr('app', 1)], { startErrors: errs }), 'app')?.state?.terminated?.exitCode).toBe(1);
  });

  it('ErrImagePull for a container never created', () => {
    const errs = new Map<string, StartError>([['app', { reason: 'ErrImagePull', message: 'pull failed' }]]);
    expect(cs(gen(pod({}), [], { startErrors: errs }), 'app')?.state).toEqual({ waiting: { reason: 'ErrImagePull', message: 'pull failed' } });
  });

  it('readiness and startup probes decide ready/started', () => {
    const p = pod({ containers: [{ name: 'app', image: 'img', readinessProbe: {}, startupProbe: {} }] });
    const c = ctr('app', 'running');
    expect(cs(gen(p, [c]), 'app')).toMatchObject({ started: false, ready: false });
    expect(cs(gen(p, [c], { probes: probes({ app: { startup: 'success' } }) }), 'app')).toMatchObject({ started: true, ready: false });
    expect(cs(gen(p, [c], { probes: probes({ app: { startup: 'success', readiness: 'success' } }) }), 'app')).toMatchObject({ started: true, ready: true });
  });

  it('init container ready iff exited 0; statuses in spec order; regular sorted by name', () => {
    const s = gen(pod({ init: ['z', 'a'], containers: ['b', 'a2'] }), [ctr('z', 0), ctr('a', 'running')]);
    expect(s.initContainerStatuses?.map((x) => [x.name, x.ready])).toEqual([['z', true], ['a', false]]);
    expect(s.containerStatuses?.map((x) => x.name)).toEqual(['a2', 'b']);
  });

  it('a container that used to be Running and vanished shows ContainerStatusUnknown in lastState', () => {
    const p = pod({});
    const first = gen(p, [ctr('app', 'running')]);
    const s = cs(gen(p, [], { oldStatus: first }), 'app');
    expect(s?.lastState?.terminated).toEqual({ reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running', exitCode: 137 });
    expect(s?.restartCount).toBe(1);
  });
});

describe('conditions', () => {
  it('all ready: order and True statuses', () => {
    const s = gen(pod({}), [ctr('app', 'running')]);
    expect(s.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
    ]);
  });

  it('ContainersNotReady message lists unready containers like Go', () => {
    const p = pod({ containers: [{ name: 'a', image: 'i', readinessProbe: {} }, { name: 'b', image: 'i', readinessProbe: {} }, 'c'] });
    const s = gen(p, [ctr('a', 'running'), ctr('b', 'running'), ctr('c', 'running')]);
    expect(cond(s, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [a b]' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [a b]' });
  });

  it('init failing under Always: ContainersNotInitialized with incomplete init containers', () => {
    const errs = new Map<string, StartError>([['init1', { reason: 'CrashLoopBackOff', message: 'back-off' }]]);
    const s = gen(pod({ init: ['init1', 'init2'], containers: ['run1'] }), [ctr('init1', 1, { restarts: 3 })], { startErrors: errs });
    expect(s.phase).toBe('Pending');
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init1 init2]' });
    expect(s.initContainerStatuses?.[0]).toMatchObject({ state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 3 });
    expect(s.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    expect(cs(s, 'run1')?.state?.waiting?.reason).toBe('PodInitializing');
  });

  it('init failure under Never: Failed, Initialized False for the failed one', () => {
    const s = gen(pod({ init: ['init1', 'init2'], containers: ['run1'], restartPolicy: 'Never' }), [ctr('init1', 0), ctr('init2', 1)]);
    expect(s.phase).toBe('Failed');
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init2]' });
    expect(cs(s, 'run1')?.state?.waiting).toBeDefined();
  });

  it('Succeeded pod: Initialized True PodCompleted, ContainersReady/Ready False PodCompleted', () => {
    const s = gen(pod({ init: ['i'], restartPolicy: 'Never' }), [ctr('i', 0), ctr('app', 0)]);
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'True', reason: 'PodCompleted' });
    expect(cond(s, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('Failed pod: ContainersReady False PodFailed', () => {
    const s = gen(pod({ restartPolicy: 'Never' }), [ctr('app', 1)]);
    expect(cond(s, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodFailed' });
  });

  it('readiness gates: foreign conditions kept, Ready recomputed', () => {
    const p = pod({ gates: ['k8s.io/c1', 'k8s.io/c2'] });
    const withGate = { conditions: [{ type: 'k8s.io/c1', status: 'True' }] } as const;
    const s = gen(p, [ctr('app', 'running')], { oldStatus: { ...withGate, conditions: [...withGate.conditions] } });
    expect(s.conditions?.[0]).toEqual({ type: 'k8s.io/c1', status: 'True' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady', message: 'corresponding condition of pod readiness gate "k8s.io/c2" does not exist.' });
    const s2 = gen(p, [ctr('app', 'running')], { oldStatus: { conditions: [{ type: 'k8s.io/c1', status: 'False' }, { type: 'k8s.io/c2', status: 'True' }] } });
    expect(cond(s2, 'Ready')?.message).toBe('the status of pod readiness gate "k8s.io/c1" is not "True", but False');
  });

  it('readiness gate conditions set on the pod object (API) win over the cached status', () => {
    const p = { ...pod({ gates: ['k8s.io/c1'] }), status: { conditions: [{ type: 'k8s.io/c1', status: 'True' }] } };
    const s = gen(p, [ctr('app', 'running')], { oldStatus: { conditions: [{ type: 'k8s.io/c1', status: 'False' }] } });
    expect(cond(s, 'Ready')?.status).toBe('True');
  });

  it('lastTransitionTime changes only when the status flips', () => {
    const p = pod({ containers: [{ name: 'app', image: 'i', readinessProbe: {} }] });
    const c = ctr('app', 'running');
    const s1 = gen(p, [c]);
    const t1 = cond(s1, 'Ready')?.lastTransitionTime;
    const s2 = gen(p, [c], { oldStatus: s1, now: NOW + 5000 });
    expect(cond(s2, 'Ready')?.lastTransitionTime).toBe(t1);
    const s3 = gen(p, [c], { oldStatus: s2, now: NOW + 9000, probes: probes({ app: { readiness: 'success' } }) });
    expect(cond(s3, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: '2026-01-01T12:00:09Z' });
    expect(cond(s3, 'PodScheduled')?.lastTransitionTime).toBe('2026-01-01T12:00:00Z');
  });

  it('PodReadyToStartContainers False when the sandbox needs re-creation', () => {
    const s = gen(pod({}), [ctr('app', 137)], { sandboxes: [{ ...sandbox, state: 'notready' }] });
    expect(cond(s, 'PodReadyToStartContainers')?.status).toBe('False');
  });
});

describe('pod-level fields', () => {
  it('podIP(s), hostIP(s), startTime, qosClass', () => {
    const s = gen(pod({}), [ctr('app', 'running')], { qosClass: 'BestEffort' });
    expect(s).toMatchObject({
      podIP: '10.88.0.5', podIPs: [{ ip: '10.88.0.5' }], hostIP: '192.168.1.10', hostIPs: [{ ip: '192.168.1.10' }],
      startTime: '2026-01-01T12:00:00Z', qosClass: 'BestEffort',
    });
  });

  it('a stopped sandbox (no address) keeps the last pod IP', () => {
    const first = gen(pod({ restartPolicy: 'Never' }), [ctr('app', 'running')]);
    const s = gen(pod({ restartPolicy: 'Never' }), [ctr('app', 0)], { oldStatus: first, sandboxes: [{ ...sandbox, state: 'notready', ips: [] }] });
    expect(s.podIP).toBe('10.88.0.5');
  });

  it('hostNetwork pods report the node IP as pod IP', () => {
    const p = pod({});
    p.spec = { ...p.spec, containers: p.spec?.containers ?? [], hostNetwork: true };
    const s = gen(p, [], { sandboxes: [{ ...sandbox, ips: [], hostNetwork: true }] });
    expect(s.podIP).toBe('192.168.1.10');
  });

  it('startTime is kept from the old status; activeDeadlineSeconds counts from it', () => {
    const p = pod({});
    p.spec = { ...p.spec, containers: p.spec?.containers ?? [], activeDeadlineSeconds: 5 };
    const s = gen(p, [], { oldStatus: { startTime: '2026-01-01T11:59:00Z' } });
    expect(s.startTime).toBe('2026-01-01T11:59:00Z');
    expect(deadlineExceeded(p, '2026-01-01T12:00:00Z', NOW + 4999)).toBe(false);
    expect(deadlineExceeded(p, '2026-01-01T12:00:00Z', NOW + 5000)).toBe(true);
  });
});
