// Worker timing and state rules on a FakeClock with a scripted exec.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import type { ExecSyncResult } from '../../runtime/types.ts';
import type { ContainerEventRecord } from './events.ts';
import { ProberManager, type ObservedContainer, type ProbeResultChange } from './prober-manager.ts';
import type { ProbeTransport } from './transport.ts';

type Behaviour = 'ok' | 'fail' | 'throw' | { hangMs: number; then: 'ok' | 'fail' };

const noNetwork: ProbeTransport = {
  httpGet: () => Promise.reject(new Error('unused')),
  tcpConnect: () => Promise.reject(new Error('unused')),
};

/** Exec probes run `probe <name>`; each name's behaviour can be changed between steps. */
function setup(opts: { restartPolicy?: 'Always' | 'Never'; containers?: Container[]; initContainers?: Container[] } = {}) {
  const clock = new FakeClock();
  const behaviour = new Map<string, Behaviour>();
  const calls: { name: string; at: number; containerId: string }[] = [];
  const t0 = clock.now();
  const exec = {
    execSync: async (containerId: string, cmd: string[]): Promise<ExecSyncResult> => {
      const name = cmd[1] ?? '';
      calls.push({ name, at: (clock.now() - t0) / 1000, containerId });
      let b = behaviour.get(name) ?? 'ok';
      if (b === 'throw') throw new Error('exec failed: container is stopping');
      if (typeof b === 'object') {
        await clock.sleep(b.hangMs);
        b = b.then;
      }
      return b === 'ok'
        ? { exitCode: 0, stdout: Buffer.from(''), stderr: Buffer.from(''), timedOut: false }
        : { exitCode: 1, stdout: Buffer.from(`${name} says no\n`), stderr: Buffer.from(''), timedOut: false };
    },
  };
  const events: ContainerEventRecord[] = [];
  const changes: ProbeResultChange[] = [];
  const prober = new ProberManager({
    clock, exec, transport: noNetwork,
    events: { emit: (e) => { events.push(e); } },
    onChange: (c) => { changes.push(c); },
  });
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: {
      restartPolicy: opts.restartPolicy ?? 'Always',
      containers: opts.containers ?? [],
      ...(opts.initContainers === undefined ? {} : { initContainers: opts.initContainers }),
    },
  };
  const running = (containerId: string, name = 'c', startedAt = clock.now()): ObservedContainer => ({ name, containerId, running: true, startedAt });
  const callsOf = (name: string): number[] => calls.filter((c) => c.name === name).map((c) => c.at);
  return { clock, behaviour, calls, callsOf, events, changes, prober, pod, running, t0 };
}

const execProbe = (name: string, p: Partial<Probe> = {}): Probe => ({ exec: { command: ['probe', name] }, ...p });

describe('ProberManager', () => {
  it('starts with the kubelet initial values and reports them', () => {
    const s = setup({ containers: [{ name: 'c', livenessProbe: execProbe('live'), readinessProbe: execProbe('ready'), startupProbe: execProbe('start', { initialDelaySeconds: 100 }) }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    expect(s.prober.result('u1', 'c', 'readiness')).toEqual({ containerId: 'id1', result: 'failure' });
    expect(s.prober.result('u1', 'c', 'liveness')).toEqual({ containerId: 'id1', result: 'success' });
    expect(s.prober.result('u1', 'c', 'startup')).toEqual({ containerId: 'id1', result: 'unknown' });
    expect(s.changes.map((c) => [c.kind, c.result, c.byProbe])).toEqual([
      ['startup', 'unknown', false], ['liveness', 'success', false], ['readiness', 'failure', false],
    ]);
    expect(s.prober.isStarted('u1', 'c')).toBe(false);
    expect(s.prober.isReady('u1', 'c')).toBe(false);
  });

  it('reports containers without probes as started and ready when running', () => {
    const s = setup({ containers: [{ name: 'c' }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    expect(s.prober.isStarted('u1', 'c')).toBe(true);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    s.prober.syncPod(s.pod, [{ name: 'c', containerId: 'id1', running: false, startedAt: 0 }], '10.0.0.1');
    expect(s.prober.isReady('u1', 'c')).toBe(false);
    expect(s.clock.pending()).toBe(0);
  });

  it('does not probe before initialDelaySeconds, then every periodSeconds', async () => {
    const s = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { initialDelaySeconds: 15 }) }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(19_999);
    expect(s.callsOf('ready')).toEqual([]);
    expect(s.prober.isReady('u1', 'c')).toBe(false);
    await s.clock.step(1);
    expect(s.callsOf('ready')).toEqual([20]);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    expect(s.changes.at(-1)).toMatchObject({ kind: 'readiness', result: 'success', previous: 'failure', byProbe: true });
    await s.clock.step(30_000);
    expect(s.callsOf('ready')).toEqual([20, 30, 40, 50]);
  });

  it('measures the initial delay from the container start, in whole seconds', async () => {
    const s = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { initialDelaySeconds: 5, periodSeconds: 1 }) }] });
    // The container started 4.5 s before the agent saw it.
    s.prober.syncPod(s.pod, [s.running('id1', 'c', s.clock.now() - 4_500)], '10.0.0.1');
    await s.clock.step(1_000);
    expect(s.callsOf('ready')).toEqual([1]);
  });

  it('commits a liveness failure after failureThreshold misses, with an event for each, then holds', async () => {
    const s = setup({ containers: [{ name: 'c', livenessProbe: execProbe('live', { failureThreshold: 3 }) }] });
    s.behaviour.set('live', 'fail');
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(20_000);
    expect(s.callsOf('live')).toEqual([10, 20]);
    expect(s.prober.result('u1', 'c', 'liveness')?.result).toBe('success');
    expect(s.prober.killReason('u1', 'c', 'id1')).toBeUndefined();
    await s.clock.step(10_000);
    expect(s.prober.result('u1', 'c', 'liveness')?.result).toBe('failure');
    expect(s.prober.killReason('u1', 'c', 'id1')).toEqual({ kind: 'liveness', message: 'Container c failed liveness probe, will be restarted' });
    expect(s.events).toHaveLength(3);
    expect(s.events[0]).toMatchObject({ containerName: 'c', type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: live says no\n' });
    // On hold until a new container: no exec into the dying one.
    await s.clock.step(60_000);
    expect(s.callsOf('live')).toEqual([10, 20, 30]);
    // The restarted container gets a fresh worker state.
    s.behaviour.set('live', 'ok');
    s.prober.syncPod(s.pod, [s.running('id2')], '10.0.0.1');
    expect(s.prober.result('u1', 'c', 'liveness')).toEqual({ containerId: 'id2', result: 'success' });
    expect(s.prober.killReason('u1', 'c', 'id2')).toBeUndefined();
    await s.clock.step(10_000);
    expect(s.calls.at(-1)).toEqual({ name: 'live', at: 100, containerId: 'id2' });
  });

  it('resets the failure run on a success, and needs successThreshold successes', async () => {
    const s = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { periodSeconds: 1, successThreshold: 2, failureThreshold: 2 }) }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(0);
    expect(s.callsOf('ready')).toEqual([0]);
    expect(s.prober.isReady('u1', 'c')).toBe(false);
    await s.clock.step(1_000);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    s.behaviour.set('ready', 'fail');
    await s.clock.step(1_000);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    s.behaviour.set('ready', 'ok');
    await s.clock.step(1_000);
    s.behaviour.set('ready', 'fail');
    await s.clock.step(1_000);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    await s.clock.step(1_000);
    expect(s.prober.isReady('u1', 'c')).toBe(false);
  });

  it('gates liveness and readiness on the startup probe, and runs readiness at once when it succeeds', async () => {
    const s = setup({ containers: [{
      name: 'c',
      startupProbe: execProbe('start', { periodSeconds: 5, failureThreshold: 120 }),
      readinessProbe: execProbe('ready', { periodSeconds: 30 }),
      livenessProbe: execProbe('live', { periodSeconds: 10 }),
    }] });
    s.behaviour.set('start', 'fail');
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(32_000);
    expect(s.callsOf('ready')).toEqual([]);
    expect(s.callsOf('live')).toEqual([]);
    expect(s.callsOf('start')).toEqual([0, 5, 10, 15, 20, 25, 30]);
    s.behaviour.set('start', 'ok');
    await s.clock.step(3_000);
    expect(s.prober.isStarted('u1', 'c')).toBe(true);
    expect(s.callsOf('ready')).toEqual([35]);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    await s.clock.step(15_000);
    expect(s.callsOf('live')).toEqual([40, 50]);
    // After success the startup probe holds until the next container.
    expect(s.callsOf('start')).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
  });

  it('reports a startup failure as a kill, with the probe grace period', async () => {
    const s = setup({ containers: [{ name: 'c', startupProbe: execProbe('start', { failureThreshold: 2, periodSeconds: 1, terminationGracePeriodSeconds: 5 }), livenessProbe: execProbe('live') }] });
    s.behaviour.set('start', 'fail');
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(1_000);
    expect(s.prober.killReason('u1', 'c', 'id1')).toEqual({ kind: 'startup', message: 'Container c failed startup probe, will be restarted', gracePeriodSeconds: 5 });
    expect(s.events.map((e) => e.message)).toEqual(['Startup probe failed: start says no\n', 'Startup probe failed: start says no\n']);
    await s.clock.step(10_000);
    expect(s.callsOf('start')).toEqual([0, 1]);
    expect(s.callsOf('live')).toEqual([]);
  });

  it('words kills for restartPolicy Never and for sidecars like the kubelet', async () => {
    const never = setup({ restartPolicy: 'Never', containers: [{ name: 'c', livenessProbe: execProbe('live', { failureThreshold: 1 }) }] });
    never.behaviour.set('live', 'fail');
    never.prober.syncPod(never.pod, [never.running('id1')], '10.0.0.1');
    await never.clock.step(10_000);
    expect(never.prober.killReason('u1', 'c', 'id1')?.message).toBe('Container c failed liveness probe');

    const side = setup({ restartPolicy: 'Never', initContainers: [{ name: 'side', restartPolicy: 'Always', livenessProbe: execProbe('live', { failureThreshold: 1 }) }], containers: [{ name: 'main' }] });
    side.behaviour.set('live', 'fail');
    side.prober.syncPod(side.pod, [side.running('s1', 'side'), side.running('m1', 'main')], '10.0.0.1');
    await side.clock.step(10_000);
    expect(side.prober.killReason('u1', 'side', 's1')?.message).toBe('Init container side failed liveness probe');
  });

  it('throws probe errors away (after 3 tries) but records an event', async () => {
    const s = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { failureThreshold: 1 }) }] });
    s.behaviour.set('ready', 'throw');
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(0);
    expect(s.callsOf('ready')).toEqual([0, 0, 0]);
    expect(s.events.map((e) => e.message)).toEqual(['Readiness probe errored and resulted in unknown state: exec failed: container is stopping']);
    expect(s.changes.filter((c) => c.byProbe)).toEqual([]);
  });

  it('never overlaps probes that run longer than the period', async () => {
    const s = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { periodSeconds: 1, timeoutSeconds: 5 }) }] });
    s.behaviour.set('ready', { hangMs: 2_500, then: 'ok' });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(6_000);
    // 0 → ends 2.5 (a tick came meanwhile: run at once) → ends 5.0 → …
    expect(s.callsOf('ready')).toEqual([0, 2.5, 5]);
  });

  it('sets failure and stops probing when the container stops; drops in-flight results', async () => {
    const s = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { periodSeconds: 1 }) }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(0);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    s.behaviour.set('ready', { hangMs: 500, then: 'ok' });
    await s.clock.step(1_000);
    s.prober.syncPod(s.pod, [{ name: 'c', containerId: 'id1', running: false, startedAt: 0 }], '10.0.0.1');
    expect(s.prober.result('u1', 'c', 'readiness')?.result).toBe('failure');
    await s.clock.step(10_000);
    expect(s.prober.result('u1', 'c', 'readiness')?.result).toBe('failure');
    expect(s.callsOf('ready')).toEqual([0, 1]);
    expect(s.clock.pending()).toBe(0);
  });

  it('stops liveness and startup when the pod terminates but keeps readiness', async () => {
    const s = setup({ containers: [{ name: 'c', livenessProbe: execProbe('live', { periodSeconds: 1, failureThreshold: 1 }), readinessProbe: execProbe('ready', { periodSeconds: 2, failureThreshold: 1 }) }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(4_000);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    s.behaviour.set('live', 'fail');
    s.behaviour.set('ready', 'fail');
    const deleting: Pod = { ...s.pod, metadata: { ...s.pod.metadata, deletionTimestamp: '2026-01-01T00:00:04Z' } };
    s.prober.syncPod(deleting, [s.running('id1')], '10.0.0.1');
    const liveBefore = s.callsOf('live').length;
    await s.clock.step(10_000);
    expect(s.callsOf('live')).toHaveLength(liveBefore);
    expect(s.prober.result('u1', 'c', 'liveness')?.result).toBe('success');
    expect(s.prober.killReason('u1', 'c', 'id1')).toBeUndefined();
    expect(s.prober.isReady('u1', 'c')).toBe(false);
    expect(s.events.some((e) => e.message.includes('failed liveness probe') || e.message.startsWith('Liveness'))).toBe(false);
  });

  it('setTerminating does the same without a deletionTimestamp', async () => {
    const s = setup({ containers: [{ name: 'c', livenessProbe: execProbe('live', { periodSeconds: 1 }) }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    s.prober.setTerminating('u1');
    await s.clock.step(5_000);
    expect(s.callsOf('live')).toEqual([]);
  });

  it('keeps a seeded readiness across an agent restart, so a ready pod does not flap', async () => {
    const s = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { periodSeconds: 10, failureThreshold: 2 }) }] });
    s.behaviour.set('ready', 'fail');
    s.prober.seedReadiness('u1', 'c', 'id1', true);
    s.prober.syncPod(s.pod, [s.running('id1', 'c', s.clock.now() - 3_600_000)], '10.0.0.1');
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    expect(s.changes.map((c) => c.result)).toEqual(['success']);
    await s.clock.step(0);
    expect(s.callsOf('ready')).toEqual([0]);
    expect(s.prober.isReady('u1', 'c')).toBe(true);
    await s.clock.step(10_000);
    expect(s.prober.isReady('u1', 'c')).toBe(false);
    // A seed for another container ID is not applied to this one.
    const t = setup({ containers: [{ name: 'c', readinessProbe: execProbe('ready', { initialDelaySeconds: 60 }) }] });
    t.prober.seedReadiness('u1', 'c', 'old', true);
    t.prober.syncPod(t.pod, [t.running('id1')], '10.0.0.1');
    expect(t.prober.isReady('u1', 'c')).toBe(false);
  });

  it('removePod stops every timer and forgets results', async () => {
    const s = setup({ containers: [{ name: 'c', livenessProbe: execProbe('live'), readinessProbe: execProbe('ready') }] });
    s.prober.syncPod(s.pod, [s.running('id1')], '10.0.0.1');
    await s.clock.step(10_000);
    s.prober.removePod('u1');
    expect(s.clock.pending()).toBe(0);
    expect(s.prober.result('u1', 'c', 'readiness')).toBeUndefined();
    const n = s.calls.length;
    await s.clock.step(60_000);
    expect(s.calls).toHaveLength(n);
  });

  it('emits ProbeWarning for warnings and counts them as success', async () => {
    const clock = new FakeClock();
    const events: ContainerEventRecord[] = [];
    const transport: ProbeTransport = {
      httpGet: () => Promise.resolve({ statusCode: 302, location: 'http://0.0.0.0/', body: '<a href="http://0.0.0.0/">Found</a>.\n' }),
      tcpConnect: () => Promise.resolve(),
    };
    const prober = new ProberManager({ clock, exec: { execSync: () => Promise.reject(new Error('x')) }, transport, events: { emit: (e) => { events.push(e); } } });
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c', readinessProbe: { httpGet: { path: '/redirect', port: 8080 } } }] } };
    prober.syncPod(pod, [{ name: 'c', containerId: 'id1', running: true, startedAt: clock.now() }], '10.0.0.1');
    await clock.step(0);
    expect(prober.isReady('u1', 'c')).toBe(true);
    expect(events).toEqual([{ pod, containerName: 'c', type: 'Warning', reason: 'ProbeWarning', message: 'Readiness probe warning: Probe terminated redirects, Response body: <a href="http://0.0.0.0/">Found</a>.\n' }]);
  });
});
