// Container lifecycle on the real stack (API server + agent + Docker engine) through the public test
// library: the restart policy × exit code rows e2e/scenarios.test.ts does not cover, init
// containers under restartPolicy Always, sidecar termination order on deletion, and postStart /
// preStop hooks. All pods are applied at once in beforeAll; a watch started before that records
// every status, so tests can assert what never happened as well as what did. The agent runs with
// the kubelet's real crash-loop back-off (10 s, doubling).
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePodStatus, startNodelet } from '../testing/nodelet.ts';
import type { PodRecorder, StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
let node: StartedNodelet;

function pod(name: string, spec: Partial<PodSpec> & { containers: Container[] }): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, ...spec } };
}
const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({ name, image: BUSYBOX, command: ['sh', '-c', script], ...extra });
/** Runs until SIGTERM; `onTerm` runs first (then it exits 0). */
const idle = (name: string, extra: Partial<Container> = {}, onTerm = ''): Container =>
  sh(name, `trap '${onTerm} exit 0' TERM; while true; do sleep 1; done`, extra);

// the shared emptyDir of the sidecar pod: each container appends its name when it gets SIGTERM and
// the sidecars copy the list into their termination message, which outlives the containers
const order = { volumeMounts: [{ name: 'w', mountPath: '/w' }] };
const onTerm = (name: string, delay = ''): string => `${delay} echo ${name} >> /w/order; cat /w/order > /dev/termination-log;`;

const PODS_UNDER_TEST: Pod[] = [
  // restart policy × exit code (scenarios.test.ts has Always 1→running, OnFailure 1→0, Never 1)
  pod('rp-always-0', { restartPolicy: 'Always', containers: [sh('c', 'exit 0')] }),
  pod('rp-always-1', { restartPolicy: 'Always', containers: [sh('c', 'exit 1')] }),
  pod('rp-onfailure-0', { restartPolicy: 'OnFailure', containers: [sh('c', 'exit 0')] }),
  pod('rp-onfailure-1', { restartPolicy: 'OnFailure', containers: [sh('c', 'exit 1')] }),
  pod('rp-never-0', { restartPolicy: 'Never', containers: [sh('c', 'exit 0')] }),
  // init containers under Always
  pod('init-always-ok', { initContainers: [sh('init1', 'true'), sh('init2', 'true')], containers: [idle('run1')] }),
  pod('init-always-fail', { initContainers: [sh('init1', 'false'), sh('init2', 'true')], containers: [idle('run1')] }),
  // sidecars s1, s2 and an app; the app and s2 take 2 s to stop, so stopping all at once would show
  pod('sidecar-order', {
    terminationGracePeriodSeconds: 20,
    initContainers: [
      idle('s1', { ...order, restartPolicy: 'Always' }, onTerm('s1')),
      idle('s2', { ...order, restartPolicy: 'Always' }, onTerm('s2', 'sleep 2;')),
    ],
    containers: [idle('app', order, onTerm('app', 'sleep 2;'))],
    volumes: [{ name: 'w', emptyDir: {} }],
  }),
  // hooks on a sidecar: postStart exec before the app starts, preStop httpGet to its own httpd
  pod('sidecar-hooks', {
    terminationGracePeriodSeconds: 10,
    initContainers: [sh('side', [
      'mkdir -p /www; echo ok > /www/prestop-hook',
      'httpd -f -vv -p 8080 -h /www 2> /tmp/httpd.log &',
      "trap 'cat /tmp/httpd.log > /dev/termination-log; exit 0' TERM; while true; do sleep 1; done",
    ].join('\n'), {
      ...order, restartPolicy: 'Always',
      lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo side-hooked > /w/hook'] } }, preStop: { httpGet: { path: '/prestop-hook', port: 8080 } } },
    })],
    containers: [sh('app', "echo \"app saw: $(cat /w/hook 2>&1)\"; trap 'exit 0' TERM; while true; do sleep 1; done", order)],
    volumes: [{ name: 'w', emptyDir: {} }],
  }),
  // hooks
  pod('poststart', {
    containers: [sh('c', "until [ -f /tmp/hook ]; do sleep 0.2; done; echo \"app saw: $(cat /tmp/hook)\"; trap 'exit 0' TERM; while true; do sleep 1; done", {
      lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hooked > /tmp/hook'] } } },
    })],
  }),
  pod('poststart-fail', {
    containers: [idle('c', { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo boom; exit 3'] } } } })],
  }),
  pod('prestop-http', {
    terminationGracePeriodSeconds: 10,
    containers: [sh('c', [
      'mkdir -p /www; echo ok > /www/index.html; echo ok > /www/prestop-hook',
      'httpd -f -vv -p 8080 -h /www 2> /tmp/httpd.log &',
      // on SIGTERM (after the preStop hook) the request log becomes the termination message
      "trap 'cat /tmp/httpd.log > /dev/termination-log; exit 0' TERM; while true; do sleep 1; done",
    ].join('\n'), { lifecycle: { preStop: { httpGet: { path: '/prestop-hook', port: 8080 } } } })],
  }),
];

/** Every version of every pod, from a watch started before the pods were applied. */
let recorder: PodRecorder | undefined;
const historyOf = (name: string): Pod[] => recorder?.historyOf(name) ?? [];

const container = (p: Pod, name = 'c') => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].find((c) => c.name === name);
const restarts = (p: Pod, name = 'c'): number => container(p, name)?.restartCount ?? 0;
const condition = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type);



async function kubectlStatus(name: string): Promise<string> {
  const r = await node.kubectl(['get', 'pod', name, '--no-headers']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  node = await startNodelet({ nodeName: `e2e-lifecycle-${String(process.pid)}` });
  recorder = node.recordPods();
  await node.apply(PODS_UNDER_TEST);
}, 180_000);

afterAll(async () => {
  await recorder?.stop();
  await (node as StartedNodelet | undefined)?.stop();
}, 120_000);

describe('restart policy × exit code (the rows scenarios.test.ts leaves out)', () => {
  const crashLooping = (p: Pod): boolean => restarts(p) >= 1 && container(p)?.state?.waiting?.reason === 'CrashLoopBackOff';

  it('Always, exit 0 and exit 1: restarted, then CrashLoopBackOff; phase Running; last state Completed / Error', async () => {
    const [ok, failing] = await Promise.all([
      node.waitForPod('rp-always-0', crashLooping, { timeoutMs: 90_000 }),
      node.waitForPod('rp-always-1', crashLooping, { timeoutMs: 90_000 }),
    ]);
    for (const [p, exitCode, reason] of [[ok, 0, 'Completed'], [failing, 1, 'Error']] as const) {
      const name = p.metadata?.name ?? '';
      expect(p.status?.phase).toBe('Running');
      expect(container(p)).toMatchObject({ ready: false, started: false, lastState: { terminated: { exitCode, reason } } });
      expect(container(p)?.state?.waiting?.message).toMatch(new RegExp(`^back-off \\d+s restarting failed container=c pod=${name}_default\\([0-9a-f-]+\\)$`));
      expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
      // a running pod never looks finished on the way
      expect(historyOf(name).filter((x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed').map(describePodStatus)).toEqual([]);
      await node.waitForEvent(name, 'BackOff', { message: new RegExp(`^Back-off restarting failed container c in pod ${name}_default\\(`) });
      expect(await kubectlStatus(name)).toMatch(new RegExp(`^${name}\\s+0/1\\s+(CrashLoopBackOff|Completed|Error)\\s+[1-9]`));
    }
  });

  it('OnFailure, exit 1: restarted, CrashLoopBackOff, phase Running, last state Error', async () => {
    const p = await node.waitForPod('rp-onfailure-1', crashLooping, { timeoutMs: 90_000 });
    expect(p.status?.phase).toBe('Running');
    expect(container(p)?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(historyOf('rp-onfailure-1').filter((x) => x.status?.phase === 'Failed' || x.status?.phase === 'Succeeded').map(describePodStatus)).toEqual([]);
    expect(await kubectlStatus('rp-onfailure-1')).toMatch(/^rp-onfailure-1\s+0\/1\s+(CrashLoopBackOff|Error)\s+[1-9]/);
  });

  it('OnFailure and Never, exit 0: Succeeded, never restarted, state Completed, Ready False PodCompleted', async () => {
    const done = await Promise.all(['rp-onfailure-0', 'rp-never-0'].map((n) => node.waitForPod(n, 'Succeeded')));
    for (const p of done) {
      const name = p.metadata?.name ?? '';
      expect(container(p)).toMatchObject({ ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
      expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
      expect(historyOf(name).filter((x) => restarts(x) > 0 || x.status?.phase === 'Failed').map(describePodStatus)).toEqual([]);
      expect(await kubectlStatus(name)).toMatch(new RegExp(`^${name}\\s+0/1\\s+Completed\\s+0\\s`));
    }
  });
});

describe('sidecars', () => {
  it('on deletion the app stops first, then the sidecars in reverse order', async () => {
    await node.waitForPod('sidecar-order', 'Ready');
    const allStopped = (x: Pod): boolean => ['s1', 's2', 'app'].every((n) => container(x, n)?.state?.terminated !== undefined);
    const stopped = node.waitForPod('sidecar-order', allStopped, { timeoutMs: 60_000 });
    await node.delete('sidecar-order', { wait: false });
    const p = await stopped;
    // what each container saw in the shared list when it got SIGTERM
    expect(container(p, 's1')?.state?.terminated).toMatchObject({ exitCode: 0, message: 'app\ns2\ns1\n' });
    expect(container(p, 's2')?.state?.terminated).toMatchObject({ exitCode: 0, message: 'app\ns2\n' });
    expect(container(p, 'app')?.state?.terminated).toMatchObject({ exitCode: 0, message: 'app\n' });
    const finished = (n: string): number => Date.parse(container(p, n)?.state?.terminated?.finishedAt ?? '');
    expect(finished('app')).toBeLessThanOrEqual(finished('s2'));
    expect(finished('s2')).toBeLessThanOrEqual(finished('s1'));
    await node.delete('sidecar-order');
  });
});

describe('lifecycle hooks', () => {
  it('on a sidecar: postStart exec runs before the app starts; preStop httpGet reaches its httpd on deletion', async () => {
    await node.waitForPod('sidecar-hooks', 'Ready');
    expect(await node.logs('sidecar-hooks', { container: 'app' })).toBe('app saw: side-hooked\n');
    const stopped = node.waitForPod('sidecar-hooks', (x) => container(x, 'side')?.state?.terminated !== undefined, { timeoutMs: 60_000 });
    await node.delete('sidecar-hooks', { wait: false });
    const p = await stopped;
    expect(container(p, 'side')?.state?.terminated?.exitCode).toBe(0);
    expect(container(p, 'side')?.state?.terminated?.message).toMatch(/url:\/prestop-hook\n.*response:200/);
    await node.delete('sidecar-hooks');
  });

  it('a postStart exec hook runs before the container counts as running; the app sees its effect', async () => {
    await node.waitForPod('poststart', 'Ready');
    expect((await node.exec('poststart', ['cat', '/tmp/hook'])).stdout).toBe('hooked\n');
    // the app waits for the hook's file and then logs it
    let log = '';
    const deadline = Date.now() + 20_000;
    while (!log.includes('app saw:') && Date.now() < deadline) {
      log = await node.logs('poststart');
      if (!log.includes('app saw:')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(log).toBe('app saw: hooked\n');
    expect((await node.events('poststart')).filter((e) => e.reason === 'FailedPostStartHook')).toEqual([]);
  });

  it('a failing postStart hook kills the container (FailedPostStartHook) and it is restarted', async () => {
    const p = await node.waitForPod('poststart-fail', (x) => restarts(x) >= 1, { timeoutMs: 90_000 });
    expect(p.status?.phase).not.toBe('Failed');
    await node.waitForEvent('poststart-fail', 'FailedPostStartHook', { message: /^PostStartHook failed$/ });
    await node.waitForEvent('poststart-fail', 'Killing', { message: /^FailedPostStartHook$/ });
    // never Ready: the hook failed every time
    expect(historyOf('poststart-fail').filter((x) => condition(x, 'Ready')?.status === 'True').map(describePodStatus)).toEqual([]);
    const reasons = new Set(historyOf('poststart-fail').map((x) => container(x)?.state?.waiting?.reason));
    expect(reasons.has('PostStartHookError') || reasons.has('CrashLoopBackOff')).toBe(true);
  });

  it('a preStop httpGet hook reaches the container’s httpd before SIGTERM', async () => {
    await node.waitForPod('prestop-http', 'Ready');
    const stopped = node.waitForPod('prestop-http', (x) => container(x)?.state?.terminated !== undefined, { timeoutMs: 60_000 });
    await node.delete('prestop-http', { wait: false });
    const p = await stopped;
    expect(container(p)?.state?.terminated?.exitCode).toBe(0);
    expect(container(p)?.state?.terminated?.message).toMatch(/url:\/prestop-hook\n.*response:200/);
    await node.delete('prestop-http');
    expect((await node.events('prestop-http')).filter((e) => e.reason === 'FailedPreStopHook')).toEqual([]);
  });
});

describe('init containers under restartPolicy Always', () => {
  it('succeeding init containers run to completion, then the app runs: Running, Initialized', async () => {
    const p = await node.waitForPod('init-always-ok', 'Ready');
    expect(p.status?.phase).toBe('Running');
    expect(condition(p, 'Initialized')?.status).toBe('True');
    expect(p.status?.initContainerStatuses?.map((s) => [s.name, s.ready, s.state?.terminated?.exitCode])).toEqual([['init1', true, 0], ['init2', true, 0]]);
    expect(container(p, 'run1')).toMatchObject({ ready: true, restartCount: 0 });
  });

  it('a failing init container is restarted with back-off; the pod stays Pending and the app never starts', async () => {
    // 3 restarts (upstream's bar) and back in back-off: kubectl shows Init:CrashLoopBackOff, not a running init1
    const p = await node.waitForPod('init-always-fail', (x) => restarts(x, 'init1') >= 3 && container(x, 'init1')?.state?.waiting?.reason === 'CrashLoopBackOff', { timeoutMs: 120_000 });
    expect(p.status?.phase).toBe('Pending');
    expect(container(p, 'init1')?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(condition(p, 'Initialized')).toMatchObject({
      status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init1 init2]',
    });
    // over the whole run: Pending, init2 and the app Waiting PodInitializing, never started, init1 never succeeded
    const seen = historyOf('init-always-fail').filter((x) => x.status?.initContainerStatuses !== undefined);
    expect(seen.length).toBeGreaterThan(3);
    for (const x of seen) {
      const at = describePodStatus(x);
      expect(x.status?.phase, at).toBe('Pending');
      expect(container(x, 'init2')?.state?.waiting?.reason, at).toBe('PodInitializing');
      expect(container(x, 'run1'), at).toMatchObject({ state: { waiting: { reason: 'PodInitializing' } }, restartCount: 0 });
      expect(container(x, 'run1')?.started === true, at).toBe(false);
      expect(container(x, 'init1')?.state?.terminated?.exitCode, at).not.toBe(0);
    }
    expect(container(p, 'init1')?.state?.waiting?.message).toMatch(/^back-off \d+s restarting failed container=init1 pod=init-always-fail_default\(/);
    expect(await kubectlStatus('init-always-fail')).toMatch(/^init-always-fail\s+0\/1\s+Init:CrashLoopBackOff\s+[3-9] \(/);
    await node.waitForEvent('init-always-fail', 'BackOff', { message: /^Back-off restarting failed container init1 in pod init-always-fail_default\(/ });
  });
});
