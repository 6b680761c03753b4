import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { ANN_CONTAINER_HASH, ANN_HASH_SCHEME, ANN_RESTART_COUNT } from '../runtime/labels.ts';
import type { ContainerStatus as RCS, SandboxStatus } from '../runtime/types.ts';
import type { BackoffView } from './backoff.ts';
import type { PlanInput, PodActions, ProbeKind, ProbeResult } from './planner.ts';
import { computePodActions, sandboxChanged } from './planner.ts';

const NOW = Date.UTC(2026, 0, 1, 12);
const ref = { name: 'p', namespace: 'ns', uid: 'u1' };

function pod(spec: { init?: (string | Container)[]; containers?: (string | Container)[]; restartPolicy?: string; hostNetwork?: boolean; deleting?: boolean }): Pod {
  const mk = (c: string | Container): Container => (typeof c === 'string' ? (c.startsWith('sc:') ? { name: c.slice(3), image: 'img', restartPolicy: 'Always' } : { name: c, image: 'img' }) : c);
  return {
    metadata: { ...ref, ...(spec.deleting === true ? { deletionTimestamp: '2026-01-01T12:00:00Z' } : {}) },
    spec: {
      initContainers: (spec.init ?? []).map(mk),
      containers: (spec.containers ?? ['app']).map(mk),
      ...(spec.restartPolicy === undefined ? {} : { restartPolicy: spec.restartPolicy }),
      ...(spec.hostNetwork === undefined ? {} : { hostNetwork: spec.hostNetwork }),
    },
  };
}

let seq = 0;
function sandbox(state: 'ready' | 'notready' = 'ready', attempt = 0, ips = ['10.0.0.2']): SandboxStatus {
  return { id: `sb${attempt}`, pod: ref, attempt, state, createdAt: NOW - 100_000 + attempt, ips, hostNetwork: false, labels: {}, annotations: {} };
}
type CState = 'running' | 'created' | 'unknown' | number; // number = exited with that code
function ctr(name: string, state: CState, opts: { restarts?: number; hash?: string; scheme?: string; finishedAt?: number; age?: number } = {}): RCS {
  seq++;
  const exited = typeof state === 'number';
  return {
    id: `${name}-${seq}`, name, attempt: opts.restarts ?? 0, sandboxId: 'sb0', pod: ref,
    state: exited ? 'exited' : state,
    createdAt: NOW - (opts.age ?? 50_000) + seq, startedAt: NOW - 40_000, finishedAt: exited ? (opts.finishedAt ?? NOW - 30_000) : 0,
    exitCode: exited ? state : 0, reason: exited ? (state === 0 ? 'Completed' : 'Error') : '', message: '', image: 'img', imageId: 'sha', containerId: `docker://${name}`,
    labels: {}, annotations: {
      [ANN_CONTAINER_HASH]: opts.hash ?? 'h-img', [ANN_HASH_SCHEME]: opts.scheme ?? 'v1', [ANN_RESTART_COUNT]: String(opts.restarts ?? 0),
    },
  };
}

const noBackoff: BackoffView = { isInBackOffSince: () => false, delayOf: () => 0 };
function probes(results: Record<string, Partial<Record<ProbeKind, ProbeResult>>> = {}): PlanInput['probes'] {
  return { get: (id, kind) => results[id.replace(/-\d+$/, '')]?.[kind] };
}

function plan(p: Pod, containers: RCS[], extra: Partial<PlanInput> = {}, sandboxes: SandboxStatus[] = [sandbox()]): PodActions {
  return computePodActions({
    pod: p, sandboxes, containers, hashOf: (c) => `h-${c.image ?? ''}`, hashScheme: 'v1', probes: probes(), backoff: noBackoff, now: NOW, ...extra,
  });
}

/** Compact summary of a plan for table assertions. */
function summary(a: PodActions): string {
  const parts: string[] = [];
  if (a.killPod) parts.push('killPod');
  if (a.createSandbox) parts.push(`createSandbox#${a.attempt}`);
  if (a.initContainersToStart.length) parts.push(`init:${a.initContainersToStart.map((s) => s.name).join(',')}`);
  if (a.containersToStart.length) parts.push(`start:${a.containersToStart.map((s) => s.name).join(',')}`);
  if (a.containersToKill.length) parts.push(`kill:${a.containersToKill.map((k) => k.name).join(',')}`);
  return parts.join(' ') || 'nothing';
}

describe('computePodActions: sandbox', () => {
  it.each<[string, Pod, RCS[], SandboxStatus[], string]>([
    ['new pod: create sandbox, start all regular containers', pod({ containers: ['a', 'b'] }), [], [], 'killPod createSandbox#0 start:a,b'],
    ['new pod with init containers: only the first init container', pod({ init: ['i1', 'i2'], containers: ['a'] }), [], [], 'killPod createSandbox#0 init:i1'],
    ['sandbox died: kill all and restart with attempt+1', pod({}), [ctr('app', 'running')], [sandbox('notready', 0)], 'killPod createSandbox#1 start:app'],
    ['sandbox without IP: recreate', pod({}), [ctr('app', 'running')], [sandbox('ready', 0, [])], 'killPod createSandbox#1 start:app'],
    ['Never pod whose containers ran: never resurrected', pod({ restartPolicy: 'Never' }), [ctr('app', 0)], [sandbox('notready', 0)], 'killPod'],
    ['OnFailure pod all succeeded: no new sandbox (no SandboxChanged)', pod({ restartPolicy: 'OnFailure', init: ['foo'], containers: ['bar'] }), [ctr('foo', 0), ctr('bar', 0)], [sandbox('notready', 0)], 'killPod'],
    ['OnFailure pod with a failed container: new sandbox, init first again', pod({ restartPolicy: 'OnFailure', init: ['i'], containers: ['a', 'b'] }), [ctr('i', 0), ctr('a', 0), ctr('b', 1)], [sandbox('notready', 0)], 'killPod createSandbox#1 init:i'],
    ['two ready sandboxes: recreate', pod({}), [], [sandbox('ready', 0), sandbox('ready', 1)], 'killPod createSandbox#2 start:app'],
  ])('%s', (_name, p, cs, sbs, expected) => {
    expect(summary(plan(p, cs, {}, sbs))).toBe(expected);
  });

  it('purges init containers when the sandbox is recreated', () => {
    const a = plan(pod({ init: ['i'] }), [ctr('i', 0), ctr('app', 'running')], {}, [sandbox('notready', 0)]);
    expect(a.purgeInitContainers).toBe(true);
    expect(a.killPodReason).toBe('SandboxChanged');
  });

  it('hostNetwork mismatch needs a new sandbox', () => {
    expect(sandboxChanged(pod({ hostNetwork: true }), [sandbox()]).create).toBe(true);
  });
});

describe('computePodActions: restart policy × exit code', () => {
  it.each<[string, string, CState, string]>([
    ['Always', 'exit 0', 0, 'start:app'],
    ['Always', 'exit 1', 1, 'start:app'],
    ['OnFailure', 'exit 0', 0, 'killPod'],
    ['OnFailure', 'exit 1', 1, 'start:app'],
    ['Never', 'exit 0', 0, 'killPod'],
    ['Never', 'exit 1', 1, 'killPod'],
    ['Never', 'created (start failed)', 'created', 'start:app'],
    ['Always', 'running', 'running', 'nothing'],
    ['Never', 'unknown', 'unknown', 'start:app kill:app'],
  ])('%s, %s → %s', (policy, _d, state, expected) => {
    expect(summary(plan(pod({ restartPolicy: policy }), [ctr('app', state)]))).toBe(expected);
  });

  it('a deleted pod never restarts its containers', () => {
    expect(summary(plan(pod({ deleting: true }), [ctr('app', 1)]))).toBe('killPod');
  });

  it('restart count of the new instance is the latest + 1', () => {
    const a = plan(pod({}), [ctr('app', 1, { restarts: 0, age: 90_000 }), ctr('app', 1, { restarts: 1 })]);
    expect(a.containersToStart[0]?.restartCount).toBe(2);
  });

  it('keeps one running and restarts the other', () => {
    expect(summary(plan(pod({ containers: ['a', 'b'] }), [ctr('a', 'running'), ctr('b', 2)]))).toBe('start:b');
  });
});

describe('computePodActions: probes and spec changes', () => {
  it.each<[string, string, Partial<Record<ProbeKind, ProbeResult>>, string, string]>([
    ['liveness failure, Always', 'Always', { liveness: 'failure' }, 'start:app kill:app', 'Container app failed liveness probe, will be restarted'],
    ['liveness failure, Never (last container: pod is done)', 'Never', { liveness: 'failure' }, 'killPod kill:app', 'Container app failed liveness probe'],
    ['startup failure, OnFailure', 'OnFailure', { startup: 'failure' }, 'start:app kill:app', 'Container app failed startup probe, will be restarted'],
    ['readiness failure does nothing', 'Always', { readiness: 'failure' }, 'nothing', ''],
    ['liveness unknown does nothing', 'Always', { liveness: 'unknown' }, 'nothing', ''],
  ])('%s', (_d, policy, results, expected, message) => {
    const a = plan(pod({ restartPolicy: policy }), [ctr('app', 'running')], { probes: probes({ app: results }) });
    expect(summary(a)).toBe(expected);
    expect(a.containersToKill[0]?.message ?? '').toBe(message);
  });

  it('spec (image) change restarts a running container even under Never', () => {
    const p = pod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'new' }, { name: 'other', image: 'img' }] });
    const a = plan(p, [ctr('app', 'running', { hash: 'h-img' }), ctr('other', 'running')]);
    expect(summary(a)).toBe('start:app kill:app');
    expect(a.containersToKill[0]?.message).toBe('Container app definition changed, will be restarted');
  });

  it('a hash written under another scheme is not a change (agent upgrade does not restart)', () => {
    const p = pod({ containers: [{ name: 'app', image: 'new' }] });
    expect(summary(plan(p, [ctr('app', 'running', { hash: 'zzz', scheme: 'v0' })]))).toBe('nothing');
  });
});

describe('computePodActions: init containers', () => {
  it.each<[string, Pod, RCS[], string]>([
    ['first init running: wait', pod({ init: ['i1', 'i2'] }), [ctr('i1', 'running')], 'nothing'],
    ['first init done: start the second', pod({ init: ['i1', 'i2'] }), [ctr('i1', 0)], 'init:i2'],
    ['all init done: start regular containers', pod({ init: ['i1', 'i2'], containers: ['a', 'b'] }), [ctr('i1', 0), ctr('i2', 0)], 'start:a,b'],
    ['init failed, Always: restart it', pod({ init: ['i1', 'i2'] }), [ctr('i1', 1)], 'init:i1'],
    ['init failed, OnFailure: restart it', pod({ restartPolicy: 'OnFailure', init: ['i1'] }), [ctr('i1', 1)], 'init:i1'],
    ['init failed, Never: kill pod, regular containers never created', pod({ restartPolicy: 'Never', init: ['i1', 'i2'] }), [ctr('i1', 0), ctr('i2', 1)], 'killPod'],
    ['init OOMKilled counts as failed', pod({ restartPolicy: 'Never', init: ['i1'] }), [{ ...ctr('i1', 0), reason: 'OOMKilled' }], 'killPod'],
    ['init created but not started: start again', pod({ init: ['i1'] }), [ctr('i1', 'created')], 'init:i1'],
    ['after initialization regular init containers are not re-run', pod({ init: ['i1'] }), [ctr('app', 'running')], 'nothing'],
    ['initialized (regular exited) with init records gone and Never: done', pod({ restartPolicy: 'Never', init: ['i1'] }), [ctr('i1', 0), ctr('app', 0)], 'killPod'],
  ])('%s', (_d, p, cs, expected) => {
    expect(summary(plan(p, cs))).toBe(expected);
  });

  it('init failure under Never marks the pod as not initialized', () => {
    const a = plan(pod({ restartPolicy: 'Never', init: ['i1'] }), [ctr('i1', 1)]);
    expect(a.initialized).toBe(false);
    expect(a.killPodReason).toBe('InitContainerFailed');
    expect(a.containersToStart).toEqual([]);
  });
});

describe('computePodActions: sidecars (restartable init containers)', () => {
  const withStartup: Container = { name: 'sc', image: 'img', restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } };
  it.each<[string, Pod, RCS[], Record<string, Partial<Record<ProbeKind, ProbeResult>>>, string]>([
    ['sidecar running (no startup probe): start the next init container', pod({ init: ['sc:s1', 'i2'] }), [ctr('s1', 'running')], {}, 'init:i2'],
    ['last sidecar running: initialized, start regular containers', pod({ init: ['i1', 'sc:s1'] }), [ctr('i1', 0), ctr('s1', 'running')], {}, 'start:app'],
    ['sidecar with startup probe, no result yet: wait', pod({ init: [withStartup] }), [ctr('sc', 'running')], {}, 'nothing'],
    ['sidecar startup probe succeeded: initialized', pod({ init: [withStartup] }), [ctr('sc', 'running')], { sc: { startup: 'success' } }, 'start:app'],
    ['sidecar startup probe failed: kill and restart', pod({ init: [withStartup] }), [ctr('sc', 'running')], { sc: { startup: 'failure' } }, 'init:sc kill:sc'],
    ['sidecar exited (any code, Never pod): restart', pod({ restartPolicy: 'Never', init: ['sc:s1'] }), [ctr('s1', 0), ctr('app', 'running')], {}, 'init:s1'],
    ['sidecar exited before init done: restart it', pod({ restartPolicy: 'Never', init: ['sc:s1', 'i2'] }), [ctr('s1', 1), ctr('i2', 'running')], {}, 'init:s1'],
    ['sidecar liveness failure: kill and restart', pod({ init: [{ name: 's1', image: 'img', restartPolicy: 'Always', livenessProbe: { exec: { command: ['x'] } } }] }), [ctr('s1', 'running'), ctr('app', 'running')], { s1: { liveness: 'failure' } }, 'init:s1 kill:s1'],
    ['regular containers done (Never): kill pod, do not restart sidecars', pod({ restartPolicy: 'Never', init: ['sc:s1'] }), [ctr('s1', 'running'), ctr('app', 0)], {}, 'killPod'],
    // like the kubelet, exited regular containers do not prove initialization; the terminal phase (Succeeded)
    // stops the pod worker before it ever plans this, see pod-worker
    ['regular containers done, sidecar exited: planner alone would restart the sidecar', pod({ restartPolicy: 'Never', init: ['sc:s1'] }), [ctr('s1', 1), ctr('app', 0)], {}, 'init:s1'],
    ['sidecar record vanished after initialization: start it', pod({ init: ['sc:s1'] }), [ctr('app', 'running')], {}, 'init:s1'],
    ['init after a sidecar fails under Never: kill pod', pod({ restartPolicy: 'Never', init: ['sc:s1', 'i1'] }), [ctr('s1', 'running'), ctr('i1', 1)], {}, 'killPod'],
  ])('%s', (_d, p, cs, results, expected) => {
    expect(summary(plan(p, cs, { probes: probes(results) }))).toBe(expected);
  });

  it('sidecar kill message', () => {
    const a = plan(pod({ init: [withStartup] }), [ctr('sc', 'running')], { probes: probes({ sc: { startup: 'failure' } }) });
    expect(a.containersToKill[0]).toMatchObject({ kind: 'sidecar', message: 'Init container sc failed startup probe', reason: 'StartupProbe' });
  });
});

describe('computePodActions: crash-loop back-off', () => {
  it('marks a start as waiting with the kubelet message while in back-off', () => {
    const finishedAt = NOW - 3000;
    const backoff: BackoffView = { isInBackOffSince: (_k, ts, now) => now - ts < 10_000, delayOf: () => 10_000 };
    const a = plan(pod({}), [ctr('app', 1, { finishedAt })], { backoff });
    expect(a.containersToStart[0]?.backoff).toEqual({
      message: 'back-off 10s restarting failed container=app pod=p_ns(u1)',
      eventMessage: 'Back-off restarting failed container app in pod p_ns(u1)',
      remainingMs: 7000,
    });
    expect(a.containersToStart[0]?.lastExitAt).toBe(finishedAt);
    expect(a.killPod).toBe(false);
  });

  it('uses the hash in the back-off key', () => {
    const a = plan(pod({ containers: [{ name: 'app', image: 'v2' }] }), [ctr('app', 1)]);
    expect(a.containersToStart[0]?.backoffKey).toBe('u1_p_ns_app_h-v2');
  });

  it('back-off applies to init containers too', () => {
    const backoff: BackoffView = { isInBackOffSince: () => true, delayOf: () => 20_000 };
    const a = plan(pod({ init: ['i1'] }), [ctr('i1', 1)], { backoff });
    expect(a.initContainersToStart[0]?.backoff?.message).toBe('back-off 20s restarting failed container=i1 pod=p_ns(u1)');
  });
});
