import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../runtime/errors.ts';
import { FakeAgent, testPod } from './testing/fake-agent.ts';

let agent: FakeAgent;
afterEach(() => { agent.close(); });

const uidOf = (p: Pod): string => p.metadata?.uid ?? '';
const cstatus = (a: FakeAgent, p: Pod, name: string) => a.statusOf(uidOf(p)).containerStatuses?.find((c) => c.name === name);
const istatus = (a: FakeAgent, p: Pod, name: string) => a.statusOf(uidOf(p)).initContainerStatuses?.find((c) => c.name === name);
const cond = (a: FakeAgent, p: Pod, type: string) => a.statusOf(uidOf(p)).conditions?.find((c) => c.type === type);
/** Names of containers in creation order. */
const created = (a: FakeAgent): string[] => a.runtime.callsOf('createContainer').map((c) => (c.args[1] as { name: string }).name);

describe('pod worker: start', () => {
  it('creates the sandbox first, then the container; reports Running and Ready with events', async () => {
    agent = new FakeAgent();
    const pod = testPod({});
    await agent.apply(pod);
    const order = agent.runtime.calls.map((c) => c.method).filter((m) => ['runSandbox', 'createContainer', 'startContainer'].includes(m));
    expect(order).toEqual(['runSandbox', 'createContainer', 'startContainer']);
    const st = agent.statusOf(uidOf(pod));
    expect(st.phase).toBe('Running');
    expect(st.podIP).toMatch(/^10\.88\.0\./);
    expect(st.hostIP).toBe('192.168.0.10');
    expect(cond(agent, pod, 'Ready')?.status).toBe('True');
    expect(cstatus(agent, pod, 'app')).toMatchObject({ ready: true, started: true, restartCount: 0 });
    expect(agent.eventLog(uidOf(pod))).toEqual([
      'Pulled: Container image "busybox:1" already present on machine',
      'Created: Created container: app',
      'Started: Started container app',
    ]);
  });

  it('runs init containers strictly in order, to completion, before regular containers', async () => {
    agent = new FakeAgent();
    agent.runtime.program('init1', { exitAfterMs: 1000, exitCode: 0 });
    agent.runtime.program('init2', { exitAfterMs: 2000, exitCode: 0 });
    const pod = testPod({ initContainers: [{ name: 'init1', image: 'busybox:1' }, { name: 'init2', image: 'busybox:1' }], containers: [{ name: 'a', image: 'busybox:1' }, { name: 'b', image: 'busybox:1' }] });
    await agent.apply(pod);
    expect(created(agent)).toEqual(['init1']);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Pending');
    expect(cstatus(agent, pod, 'a')?.state?.waiting?.reason).toBe('PodInitializing');
    expect(cond(agent, pod, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init1 init2]' });
    await agent.step(1000);
    expect(created(agent)).toEqual(['init1', 'init2']);
    await agent.step(2000);
    expect(created(agent)).toEqual(['init1', 'init2', 'a', 'b']);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Running');
    expect(istatus(agent, pod, 'init1')).toMatchObject({ ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(cond(agent, pod, 'Initialized')?.status).toBe('True');
  });

  it('init failure under Never: pod Failed, regular containers never created', async () => {
    agent = new FakeAgent();
    agent.runtime.program('init1', { exitAfterMs: 500, exitCode: 0 });
    agent.runtime.program('init2', { exitAfterMs: 500, exitCode: 1 });
    const pod = testPod({ restartPolicy: 'Never', initContainers: [{ name: 'init1', image: 'busybox:1' }, { name: 'init2', image: 'busybox:1' }], containers: [{ name: 'run1', image: 'busybox:1' }] });
    await agent.apply(pod);
    await agent.step(500);
    await agent.step(500);
    expect(created(agent)).toEqual(['init1', 'init2']);
    const st = agent.statusOf(uidOf(pod));
    expect(st.phase).toBe('Failed');
    expect(cond(agent, pod, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init2]' });
    expect(cstatus(agent, pod, 'run1')?.state?.waiting?.reason).toBe('PodInitializing');
    expect(agent.runtime.allSandboxes().every((s) => s.state === 'notready')).toBe(true);
    await agent.step(60_000);
    expect(created(agent)).toEqual(['init1', 'init2']);
  });

  it('init failure under Always: restarts the init container with back-off 0, 10, 20 s; app stays PodInitializing', async () => {
    agent = new FakeAgent();
    agent.runtime.program('init1', { exitAfterMs: 100, exitCode: 1 });
    const pod = testPod({ initContainers: [{ name: 'init1', image: 'busybox:1' }, { name: 'init2', image: 'busybox:1' }], containers: [{ name: 'run1', image: 'busybox:1' }] });
    await agent.apply(pod);
    const starts = (): number[] => agent.runtime.callsOf('startContainer').map((c) => c.time - (agent.runtime.callsOf('startContainer')[0]?.time ?? 0));
    for (let i = 0; i < 40; i++) await agent.step(1000);
    expect(starts()).toEqual([0, 100, 10_200, 30_300]);
    const st = agent.statusOf(uidOf(pod));
    expect(st.phase).toBe('Pending');
    expect(istatus(agent, pod, 'init1')?.restartCount).toBe(3);
    expect(istatus(agent, pod, 'init2')?.state?.waiting?.reason).toBe('PodInitializing');
    expect(cstatus(agent, pod, 'run1')?.state?.waiting?.reason).toBe('PodInitializing');
    expect(created(agent).every((n) => n === 'init1')).toBe(true);
  });
});

describe('pod worker: restarts', () => {
  it.each<[string, number, string, number, string]>([
    ['Always', 0, 'Running', 1, 'running'],
    ['Always', 1, 'Running', 1, 'running'],
    ['OnFailure', 0, 'Succeeded', 0, 'terminated'],
    ['OnFailure', 1, 'Running', 1, 'running'],
    ['Never', 0, 'Succeeded', 0, 'terminated'],
    ['Never', 1, 'Failed', 0, 'terminated'],
  ])('restartPolicy %s, exit %d → %s, restartCount %d', async (restartPolicy, exitCode, phase, restarts, state) => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitAfterMs: 1000, exitCode });
    const pod = testPod({ restartPolicy });
    await agent.apply(pod);
    // program applies to every instance; stop the second one from exiting
    agent.runtime.program('app', {});
    await agent.step(1000);
    await agent.step(100);
    const st = agent.statusOf(uidOf(pod));
    expect(st.phase).toBe(phase);
    expect(cstatus(agent, pod, 'app')?.restartCount).toBe(restarts);
    expect(Object.keys(cstatus(agent, pod, 'app')?.state ?? {})).toEqual([state]);
    if (phase === 'Succeeded' || phase === 'Failed') {
      expect(cond(agent, pod, 'Ready')?.status).toBe('False');
      expect(agent.runtime.allSandboxes().every((s) => s.state === 'notready')).toBe(true);
    }
  });

  it('CrashLoopBackOff: delays 0, 10, 20, 40 s, Waiting CrashLoopBackOff with the kubelet message and BackOff events', async () => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitAfterMs: 10, exitCode: 2 });
    const pod = testPod({ name: 'crash' });
    await agent.apply(pod);
    for (let i = 0; i < 80; i++) await agent.step(1000);
    const startTimes = agent.runtime.callsOf('startContainer').map((c) => c.time);
    const gaps = startTimes.slice(1).map((t, i) => t - (startTimes[i] ?? 0) - 10);
    expect(gaps).toEqual([0, 10_000, 20_000, 40_000]);
    const s = cstatus(agent, pod, 'app');
    expect(s?.state?.waiting).toEqual({ reason: 'CrashLoopBackOff', message: `back-off 1m20s restarting failed container=app pod=crash_default(${uidOf(pod)})` });
    expect(s?.lastState?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(s?.restartCount).toBe(4);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Running');
    const backoff = agent.events.list(uidOf(pod)).find((e) => e.reason === 'BackOff');
    expect(backoff?.message).toBe(`Back-off restarting failed container app in pod crash_default(${uidOf(pod)})`);
    expect(backoff?.count).toBeGreaterThan(1);
  });

  it('configurable back-off (initial 1 s, max 4 s)', async () => {
    agent = new FakeAgent({ backoff: { initialMs: 1000, maxMs: 4000 } });
    agent.runtime.program('app', { exitAfterMs: 10, exitCode: 1 });
    await agent.apply(testPod({}));
    for (let i = 0; i < 50; i++) await agent.step(500);
    const t = agent.runtime.callsOf('startContainer').map((c) => c.time);
    const gaps = t.slice(1).map((x, i) => x - (t[i] ?? 0) - 10);
    expect(gaps.slice(0, 6)).toEqual([0, 1000, 2000, 4000, 4000, 4000]);
  });

  it('keeps one dead instance per container and removes older ones', async () => {
    agent = new FakeAgent({ backoff: { initialMs: 1000, maxMs: 1000 } });
    agent.runtime.program('app', { exitAfterMs: 10, exitCode: 1 });
    await agent.apply(testPod({}));
    for (let i = 0; i < 20; i++) await agent.step(500);
    const all = agent.runtime.allContainers();
    expect(all.filter((c) => c.state === 'exited').length).toBeLessThanOrEqual(2);
    expect(agent.runtime.callsOf('startContainer').length).toBeGreaterThan(4);
  });

  it('liveness failure: Killing "Container app failed liveness probe, will be restarted", restart', async () => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitOnTermCode: 143 });
    let healthy = true;
    let first: string | undefined;
    agent.runtime.onExec((id) => {
      first ??= id;
      return { exitCode: healthy || id !== first ? 0 : 1, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false };
    });
    const pod = testPod({ containers: [{ name: 'app', image: 'busybox:1', livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, periodSeconds: 1, failureThreshold: 1 } }] });
    await agent.apply(pod);
    await agent.step(3000);
    expect(cstatus(agent, pod, 'app')?.restartCount).toBe(0);
    healthy = false;
    await agent.step(2000);
    await agent.step(100);
    expect(agent.eventLog(uidOf(pod))).toContain('Killing: Container app failed liveness probe, will be restarted');
    expect(agent.eventLog(uidOf(pod)).some((e) => e.startsWith('Unhealthy: Liveness probe failed'))).toBe(true);
    expect(cstatus(agent, pod, 'app')?.restartCount).toBe(1);
    expect(cstatus(agent, pod, 'app')?.lastState?.terminated?.exitCode).toBe(143);
  });

  it('liveness kill uses the probe-level terminationGracePeriodSeconds', async () => {
    agent = new FakeAgent();
    agent.runtime.onExec(() => ({ exitCode: 1, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false }));
    const pod = testPod({ terminationGracePeriodSeconds: 500, containers: [{ name: 'app', image: 'busybox:1', livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 5 } }] });
    await agent.apply(pod);
    for (let i = 0; i < 10; i++) await agent.step(1000);
    expect(agent.runtime.callsOf('stopContainer')[0]?.args[1]).toBe(5);
  });

  it('spec (image) change restarts the container even with restartPolicy Never', async () => {
    agent = new FakeAgent({ images: ['busybox:1', 'busybox:2'] });
    const pod = testPod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox:1' }, { name: 'other', image: 'busybox:1' }] });
    agent.runtime.program('app', { exitOnTermCode: 0 });
    await agent.apply(pod);
    const updated: Pod = { ...pod, spec: { ...pod.spec, containers: [{ name: 'app', image: 'busybox:2' }, { name: 'other', image: 'busybox:1' }] } };
    await agent.apply(updated);
    expect(agent.eventLog(uidOf(pod))).toContain('Killing: Container app definition changed, will be restarted');
    expect(cstatus(agent, pod, 'app')).toMatchObject({ image: 'busybox:2', restartCount: 1 });
    expect(cstatus(agent, pod, 'other')?.restartCount).toBe(0);
  });
});

describe('pod worker: sidecars', () => {
  it('start in order before regular containers; after the regular container exits they stop in reverse order; pod Succeeded', async () => {
    agent = new FakeAgent();
    agent.runtime.program('regular', { exitAfterMs: 5000, exitCode: 0 });
    agent.runtime.program('s1', { exitOnTermCode: 0, termDelayMs: 500 });
    agent.runtime.program('s2', { exitOnTermCode: 0, termDelayMs: 1000 });
    const pod = testPod({
      restartPolicy: 'Never',
      initContainers: [{ name: 's1', image: 'busybox:1', restartPolicy: 'Always' }, { name: 'init', image: 'busybox:1' }, { name: 's2', image: 'busybox:1', restartPolicy: 'Always' }],
      containers: [{ name: 'regular', image: 'busybox:1' }],
    });
    agent.runtime.program('init', { exitAfterMs: 1000, exitCode: 0 });
    await agent.apply(pod);
    expect(created(agent)).toEqual(['s1', 'init']);
    await agent.step(1000);
    expect(created(agent)).toEqual(['s1', 'init', 's2', 'regular']);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Running');
    await agent.step(5000);
    for (let i = 0; i < 5; i++) await agent.step(1000);
    const finished = agent.runtime.allContainers().filter((c) => c.name === 's1' || c.name === 's2').sort((a, b) => a.finishedAt - b.finishedAt).map((c) => c.name);
    expect(finished).toEqual(['s2', 's1']);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Succeeded');
    expect(created(agent)).toEqual(['s1', 'init', 's2', 'regular']);
  });

  it('a sidecar that exits is restarted even under Never', async () => {
    agent = new FakeAgent();
    agent.runtime.program('side', { exitAfterMs: 2000, exitCode: 0 });
    const pod = testPod({ restartPolicy: 'Never', initContainers: [{ name: 'side', image: 'busybox:1', restartPolicy: 'Always' }] });
    await agent.apply(pod);
    await agent.step(2000);
    await agent.step(100);
    expect(created(agent)).toEqual(['side', 'app', 'side']);
    expect(istatus(agent, pod, 'side')?.restartCount).toBe(1);
  });
});

describe('pod worker: hooks and errors', () => {
  it('postStart failure: FailedPostStartHook, Killing FailedPostStartHook, Waiting PostStartHookError', async () => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitOnTermCode: 137 });
    agent.runtime.onExec(() => ({ exitCode: 1, stdout: Buffer.from('nope'), stderr: Buffer.alloc(0), timedOut: false }));
    const pod = testPod({ containers: [{ name: 'app', image: 'busybox:1', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } } }] });
    await agent.apply(pod);
    const log = agent.eventLog(uidOf(pod));
    expect(log).toContain('FailedPostStartHook: PostStartHook failed');
    expect(log).toContain('Killing: FailedPostStartHook');
    expect(agent.waitingReasons(uidOf(pod), 'app')).toEqual(['ContainerCreating', 'PostStartHookError', 'CrashLoopBackOff']);
    const s = agent.history(uidOf(pod)).map((h) => h.containerStatuses?.[0]?.state?.waiting).find((w) => w?.reason === 'PostStartHookError');
    expect(s?.message).toMatch(/^Exec lifecycle hook \(\[sh -c exit 1\]\) for Container "app" in Pod "pod\d+_default\(uid-\d+\)" failed - error: command 'sh -c exit 1' exited with 1: , message: "nope"$/);
  });

  it('the container is not reported started until postStart returns', async () => {
    agent = new FakeAgent();
    const pod = testPod({ containers: [{ name: 'app', image: 'busybox:1', lifecycle: { postStart: { sleep: { seconds: 5 } } } }] });
    agent.workers.upsert(pod);
    await agent.clock.step(1000);
    expect(agent.status.get(uidOf(pod))?.containerStatuses?.[0]?.state?.running).toBeUndefined();
    await agent.step(5000);
    expect(cstatus(agent, pod, 'app')).toMatchObject({ started: true, ready: true });
  });

  it('ErrImagePull then ImagePullBackOff, pod Pending', async () => {
    agent = new FakeAgent();
    const pod = testPod({ containers: [{ name: 'app', image: 'invalid.registry.example/x:1', imagePullPolicy: 'Always' }] });
    await agent.apply(pod);
    await agent.step(2000);
    expect(agent.waitingReasons(uidOf(pod), 'app')).toEqual(['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff']);
    expect(cstatus(agent, pod, 'app')?.state?.waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "invalid.registry.example/x:1"' });
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Pending');
    expect(agent.eventLog(uidOf(pod))).toContain('Failed: Error: ErrImagePull');
    expect(agent.eventLog(uidOf(pod))).toContain('Failed: Error: ImagePullBackOff');
  });

  it('CreateContainerConfigError keeps the pod Pending and retries', async () => {
    agent = new FakeAgent();
    agent.env.configError = () => 'configmap "cm" not found';
    const pod = testPod({});
    await agent.apply(pod);
    expect(cstatus(agent, pod, 'app')?.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "cm" not found' });
    expect(agent.eventLog(uidOf(pod))).toContain('Failed: Error: configmap "cm" not found');
    agent.env.configError = undefined;
    await agent.step(10_000);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Running');
  });

  it('CreateContainerError / RunContainerError from the runtime', async () => {
    agent = new FakeAgent();
    agent.runtime.failOn('startContainer', new RuntimeError('ERR_RUN_CONTAINER', 'exec: "nope": executable file not found'));
    const pod = testPod({});
    await agent.apply(pod);
    expect(agent.waitingReasons(uidOf(pod), 'app')).toContain('RunContainerError');
    expect(agent.eventLog(uidOf(pod))).toContain('Failed: Error: exec: "nope": executable file not found');
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Running');
  });

  it('admission rejection: Failed with the kubelet reason, nothing created', async () => {
    agent = new FakeAgent();
    const pod = testPod({ os: { name: 'windows' } });
    await agent.apply(pod);
    expect(agent.statusOf(uidOf(pod))).toMatchObject({ phase: 'Failed', reason: 'PodOSNotSupported', message: "Pod was rejected: Failed to admit pod as the OS field doesn't match node OS" });
    expect(agent.runtime.calls.filter((c) => c.method === 'runSandbox')).toHaveLength(0);
  });

  it('sandbox change: kill all, SandboxChanged, re-run init containers', async () => {
    agent = new FakeAgent();
    agent.runtime.program('init', { exitAfterMs: 100, exitCode: 0 });
    const pod = testPod({ initContainers: [{ name: 'init', image: 'busybox:1' }] });
    await agent.apply(pod);
    await agent.step(200);
    const sb = agent.runtime.allSandboxes()[0];
    agent.runtime.killSandbox(sb?.id ?? '');
    await agent.settle();
    await agent.step(30_000);
    await agent.step(200);
    expect(agent.eventLog(uidOf(pod))).toContain('SandboxChanged: Pod sandbox changed, it will be killed and re-created.');
    expect(created(agent)).toEqual(['init', 'app', 'init', 'app']);
    expect(agent.runtime.allSandboxes().filter((s) => s.state === 'ready')).toHaveLength(1);
  });
});

describe('pod worker: termination', () => {
  it('removal: preStop then stop with the remaining grace; containers and directories removed', async () => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitOnTermCode: 0 });
    const pod = testPod({ terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'busybox:1', lifecycle: { preStop: { sleep: { seconds: 5 } } } }] });
    await agent.apply(pod);
    agent.workers.remove(uidOf(pod));
    await agent.clock.step(0);
    expect(agent.eventLog(uidOf(pod))).toContain('Killing: Stopping container app');
    expect(agent.runtime.callsOf('stopContainer')).toHaveLength(0);
    await agent.step(5000);
    expect(agent.runtime.callsOf('stopContainer')[0]?.args[1]).toBe(25);
    await agent.settle();
    expect(agent.runtime.allContainers()).toEqual([]);
    expect(agent.runtime.allSandboxes()).toEqual([]);
    expect(agent.env.cleaned).toEqual([uidOf(pod)]);
    expect(agent.status.get(uidOf(pod))).toBeUndefined();
  });

  it('API deletion (deletionTimestamp): terminate, clean up, confirm once; late updates start nothing; the source removal forgets it', async () => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitOnTermCode: 0 });
    const confirmed: string[] = [];
    const del = agent.status.delete.bind(agent.status);
    agent.status.delete = (p: Pod): void => { confirmed.push(p.metadata?.deletionTimestamp ?? ''); del(p); };
    const pod = testPod({ terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'busybox:1', lifecycle: { preStop: { sleep: { seconds: 3 } } } }] });
    await agent.apply(pod);
    const deleting: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } };
    await agent.apply(deleting);
    expect(confirmed).toEqual([]);
    await agent.step(3000);
    await agent.settle();
    expect(agent.runtime.callsOf('stopContainer')[0]?.args[1]).toBe(27);
    expect(agent.runtime.allContainers()).toEqual([]);
    expect(agent.env.cleaned).toEqual([uidOf(pod)]);
    expect(confirmed).toEqual(['2024-01-01T00:00:00Z']);
    // the status patch the termination caused comes back as an update: nothing starts again
    await agent.apply(deleting);
    await agent.step(60_000);
    expect(agent.runtime.callsOf('createContainer')).toHaveLength(1);
    expect(confirmed).toHaveLength(1);
    expect(agent.workers.has(uidOf(pod))).toBe(true);
    await agent.remove(uidOf(pod));
    expect(agent.workers.has(uidOf(pod))).toBe(false);
    expect(agent.env.cleaned).toEqual([uidOf(pod)]);
    expect(confirmed).toHaveLength(1);
  });

  it('a never-ending preStop uses the whole grace, then at least 2 s before SIGKILL', async () => {
    agent = new FakeAgent();
    const pod = testPod({ terminationGracePeriodSeconds: 10, containers: [{ name: 'app', image: 'busybox:1', lifecycle: { preStop: { sleep: { seconds: 1000 } } } }] });
    await agent.apply(pod);
    const t0 = agent.clock.now();
    agent.workers.remove(uidOf(pod));
    await agent.step(10_000);
    const stop = agent.runtime.callsOf('stopContainer')[0];
    expect(stop?.args[1]).toBe(2);
    expect((stop?.time ?? 0) - t0).toBe(10_000);
    await agent.step(2000);
    expect(agent.runtime.allContainers()).toEqual([]);
  });

  it('readiness keeps probing while terminating (Ready turns False during the grace period); liveness stops', async () => {
    agent = new FakeAgent();
    let terminating = false;
    agent.runtime.onExec((_id, cmd) => ({ exitCode: terminating && cmd[0] === 'ready' ? 1 : (cmd[0] === 'live' && terminating ? 1 : 0), stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false }));
    agent.runtime.program('app', { exitOnTermCode: 0, termDelayMs: 10_000 });
    const pod = testPod({ terminationGracePeriodSeconds: 30, containers: [{
      name: 'app', image: 'busybox:1',
      readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1, failureThreshold: 1 },
      livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 1 },
    }] });
    await agent.apply(pod);
    await agent.step(1000);
    expect(cond(agent, pod, 'Ready')?.status).toBe('True');
    terminating = true;
    agent.workers.remove(uidOf(pod));
    await agent.step(3000);
    // still stopping (the process takes 10 s to exit), but no longer Ready
    expect(agent.runtime.allContainers().some((c) => c.state === 'running')).toBe(true);
    expect(cond(agent, pod, 'Ready')?.status).toBe('False');
    expect(agent.eventLog(uidOf(pod)).some((e) => e.includes('failed liveness probe'))).toBe(false);
    await agent.step(10_000);
    expect(agent.runtime.allContainers()).toEqual([]);
  });

  it('no preStop for a container that exited by itself', async () => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitAfterMs: 1000, exitCode: 0 });
    agent.runtime.onExec(() => { throw new Error('preStop must not run'); });
    const pod = testPod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox:1', lifecycle: { preStop: { exec: { command: ['x'] } } } }] });
    await agent.apply(pod);
    await agent.step(1000);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Succeeded');
    await agent.remove(uidOf(pod));
    expect(agent.runtime.callsOf('execSync')).toHaveLength(0);
  });

  it('activeDeadlineSeconds: Failed, DeadlineExceeded, containers stopped', async () => {
    agent = new FakeAgent();
    agent.runtime.program('app', { exitOnTermCode: 143 });
    const pod = testPod({ activeDeadlineSeconds: 5 });
    await agent.apply(pod);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Running');
    await agent.step(6000);
    expect(agent.statusOf(uidOf(pod))).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(agent.runtime.allContainers().every((c) => c.state === 'exited')).toBe(true);
    expect(agent.eventLog(uidOf(pod))).toContain('DeadlineExceeded: Pod was active on the node longer than the specified deadline');
    await agent.step(60_000);
    expect(agent.statusOf(uidOf(pod)).phase).toBe('Failed');
    expect(agent.runtime.callsOf('createContainer')).toHaveLength(1);
  });

  it('sidecars stop after regular containers, in reverse order, on deletion', async () => {
    agent = new FakeAgent();
    for (const n of ['s1', 's2', 's3']) agent.runtime.program(n, { exitOnTermCode: 0 });
    agent.runtime.program('app', { exitOnTermCode: 0, termDelayMs: 3000 });
    const pod = testPod({ initContainers: ['s1', 's2', 's3'].map((name) => ({ name, image: 'busybox:1', restartPolicy: 'Always' })) });
    await agent.apply(pod);
    expect(created(agent)).toEqual(['s1', 's2', 's3', 'app']);
    agent.workers.remove(uidOf(pod));
    await agent.step(5000);
    const stops = agent.runtime.callsOf('stopContainer').map((c) => agent.runtime.callsOf('createContainer').length >= 0 ? c.args[0] : '');
    const names = stops.map((id) => agent.runtime.callsOf('startContainer').findIndex((s) => s.args[0] === id)).map((i) => ['s1', 's2', 's3', 'app'][i]);
    expect(names).toEqual(['app', 's3', 's2', 's1']);
  });
});
