// Pod lifecycle against the real engine through a manifest folder: restart policies, init
// containers, sidecars, CrashLoopBackOff, image pull errors, termination message, deadline,
// graceful deletion. Busybox stand-ins for the conformance tests (kubelet-behaviour.md Part C).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, TestAgent, manifest } from './testing/agent-harness.ts';

let t: TestAgent;
beforeAll(async () => {
  t = await TestAgent.start({ tag: 'lifecycle', agent: { backoff: { initialMs: 1000, maxMs: 4000 } } });
});
afterAll(async () => {
  await t.close();
});

const sh = (script: string): { image: string; command: string[] } => ({ image: BUSYBOX, command: ['sh', '-c', script] });
const RESTART_SCRIPT = `f=/restart-count/restartCount
count=$(echo 'hello' >> $f ; wc -l $f | awk {'print $1'})
if [ $count -eq 1 ]; then
	exit 1
fi
if [ $count -eq 2 ]; then
	exit 0
fi
while true; do sleep 1; done`;

describe('restart policy × exit code (runtime.go blackbox)', () => {
  it.each([
    ['terminate-cmd-rpa', 'Always', 2, 'Running', true, 'running'],
    ['terminate-cmd-rpof', 'OnFailure', 1, 'Succeeded', false, 'terminated'],
    ['terminate-cmd-rpn', 'Never', 0, 'Failed', false, 'terminated'],
  ])('%s (%s): restartCount %d, phase %s, ready %s, state %s', async (name, restartPolicy, restarts, phase, ready, state) => {
    await t.writeManifest(`${name}.yaml`, manifest(name, {
      restartPolicy,
      // as upstream: the count survives restarts because the memory emptyDir is a pod-level tmpfs
      volumes: [{ name: 'rc', emptyDir: { medium: 'Memory' } }],
      containers: [{ name, ...sh(RESTART_SCRIPT), volumeMounts: [{ name: 'rc', mountPath: '/restart-count' }] }],
    }));
    const st = await t.waitFor(`${name} restartCount ${restarts} and phase ${phase}`, () => {
      const s = t.status(name);
      const c = s?.containerStatuses?.[0];
      return c?.restartCount === restarts && s?.phase === phase && Object.keys(c.state ?? {})[0] === state ? s : false;
    }, 60_000);
    expect(st.conditions?.find((c) => c.type === 'Ready')?.status).toBe(ready ? 'True' : 'False');
    await t.removeManifest(`${name}.yaml`);
  });
});

describe('init containers', () => {
  it('run in order under Never, all terminated exit 0 and ready, pod Succeeded', async () => {
    await t.writeManifest('init-never.yaml', manifest('init-never', {
      restartPolicy: 'Never',
      initContainers: [{ name: 'init1', ...sh('read u r < /proc/uptime; echo $u > /shared/init1; sleep 1') , volumeMounts: [{ name: 'w', mountPath: '/shared' }] }, { name: 'init2', ...sh('test -f /shared/init1 || exit 1; read u r < /proc/uptime; echo $u > /shared/init2'), volumeMounts: [{ name: 'w', mountPath: '/shared' }] }],
      containers: [{ name: 'run1', ...sh('test -f /shared/init2'), volumeMounts: [{ name: 'w', mountPath: '/shared' }] }],
      volumes: [{ name: 'w', emptyDir: {} }],
    }));
    const st = await t.waitForPhase('init-never', 'Succeeded');
    expect(st.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'True' });
    expect(st.initContainerStatuses).toHaveLength(2);
    for (const s of st.initContainerStatuses ?? []) expect(s).toMatchObject({ ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    await t.removeManifest('init-never.yaml');
  });

  it('a failing init container under Never fails the pod; app containers never start', async () => {
    await t.writeManifest('init-fail.yaml', manifest('init-fail', {
      restartPolicy: 'Never',
      initContainers: [{ name: 'init1', ...sh('true') }, { name: 'init2', ...sh('false') }],
      containers: [{ name: 'run1', ...sh('true') }],
    }));
    const st = await t.waitForPhase('init-fail', 'Failed');
    expect(st.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init2]' });
    expect(st.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
    expect((await t.dockerPs()).some((c) => c.name.startsWith('k8s_run1_'))).toBe(false);
    await t.removeManifest('init-fail.yaml');
  });

  it('a failing init container under Always is restarted with back-off; pod stays Pending', async () => {
    await t.writeManifest('init-loop.yaml', manifest('init-loop', {
      initContainers: [{ name: 'init1', ...sh('false') }, { name: 'init2', ...sh('true') }],
      containers: [{ name: 'run1', ...sh('sleep 600') }],
    }));
    const st = await t.waitFor('init1 restarted 3 times', () => {
      const s = t.status('init-loop');
      return (s?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 3 ? s : undefined;
    }, 60_000);
    expect(st.phase).toBe('Pending');
    expect(st.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    expect(st.initContainerStatuses?.[1]?.state?.waiting?.reason).toBe('PodInitializing');
    expect(st.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
    expect(st.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init1 init2]' });
    await t.removeManifest('init-loop.yaml');
  });
});

describe('sidecars', () => {
  it('start in order before the app; after the app exits (Never) they stop in reverse order; pod Succeeded', async () => {
    const sidecar = (n: string) => ({ name: n, restartPolicy: 'Always', ...sh(`trap 'sleep 1; read u r < /proc/uptime; echo $u > /log/${n}-exit; exit 0' TERM; read u r < /proc/uptime; echo $u > /log/${n}-start; while true; do sleep 0.2; done`), volumeMounts: [{ name: 'log', mountPath: '/log' }] });
    await t.writeManifest('sidecars.yaml', manifest('sidecars', {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 10,
      volumes: [{ name: 'log', hostPath: { path: `${t.rootDir}/sidecar-log`, type: 'DirectoryOrCreate' } }],
      initContainers: [sidecar('s1'), sidecar('s2')],
      containers: [{ name: 'app', ...sh('read u r < /proc/uptime; echo $u > /log/app-start; sleep 2; read u r < /proc/uptime; echo $u > /log/app-exit'), volumeMounts: [{ name: 'log', mountPath: '/log' }] }],
    }));
    await t.waitForPhase('sidecars', 'Succeeded', 60_000);
    const fs = await import('node:fs/promises');
    const read = async (f: string): Promise<number> => Number((await fs.readFile(`${t.rootDir}/sidecar-log/${f}`, 'utf8')).trim());
    const [s1s, s2s, apps, appe, s2e, s1e] = await Promise.all(['s1-start', 's2-start', 'app-start', 'app-exit', 's2-exit', 's1-exit'].map(read));
    expect(s1s! < s2s! && s2s! < apps!).toBe(true);
    expect(appe! < s2e!).toBe(true);
    expect(s2e! < s1e!).toBe(true);
    await t.removeManifest('sidecars.yaml');
  });
});
