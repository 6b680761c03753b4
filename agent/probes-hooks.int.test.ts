// Probes, lifecycle hooks, crash-loop back-off, image pull errors, termination messages and env
// against the real engine through a manifest folder (busybox stand-ins for the conformance tests).
import { readFile } from 'node:fs/promises';
import type { Container } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, TestAgent, manifest } from './testing/agent-harness.ts';

let t: TestAgent;
beforeAll(async () => {
  t = await TestAgent.start({ tag: 'probes', agent: { backoff: { initialMs: 1000, maxMs: 4000 } } });
});
afterAll(async () => {
  await t.close();
});

const sh = (script: string): Pick<Container, 'image' | 'command'> => ({ image: BUSYBOX, command: ['sh', '-c', script] });

async function logsOf(pod: string, container: string): Promise<string> {
  const cs = [...(t.status(pod)?.containerStatuses ?? []), ...(t.status(pod)?.initContainerStatuses ?? [])].find((c) => c.name === container);
  const id = (cs?.containerID ?? '').replace(/^docker:\/\//, '');
  if (id === '') return '';
  let out = '';
  for await (const chunk of t.runtime.logs(id, {})) out += chunk.data.toString();
  return out;
}

const restarts = (pod: string): number => t.status(pod)?.containerStatuses?.[0]?.restartCount ?? 0;

describe('probes', () => {
  it('exec liveness failure restarts the container (Killing "failed liveness probe")', async () => {
    await t.writeManifest('live-exec.yaml', manifest('live-exec', {
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'c', ...sh('echo ok > /tmp/health; sleep 2; rm -f /tmp/health; sleep 600'), livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 1 } }],
    }));
    await t.waitFor('a restart', () => restarts('live-exec') >= 1, 40_000);
    expect(t.events('live-exec')).toContain('Killing: Container c failed liveness probe, will be restarted');
    expect(t.events('live-exec').filter((e) => e.startsWith('Unhealthy: Liveness probe failed:'))).toContainEqual(expect.stringContaining("can't open '/tmp/health'"));
    await t.removeManifest('live-exec.yaml');
  });

  it('http readiness drives Ready both ways; tcp liveness keeps it running; no restarts', async () => {
    await t.writeManifest('ready-http.yaml', manifest('ready-http', {
      terminationGracePeriodSeconds: 2,
      containers: [{
        name: 'web', ...sh('mkdir -p /www; httpd -p 8080 -h /www; sleep 2; echo ok > /www/index.html; sleep 4; rm /www/index.html; sleep 600'),
        readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
        livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      }],
    }));
    await t.waitFor('Running', () => t.status('ready-http')?.phase === 'Running');
    expect(t.status('ready-http')?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    const ready = await t.waitForReady('ready-http', 20_000);
    expect(ready.containerStatuses?.[0]?.ready).toBe(true);
    await t.waitFor('Ready False again', () => t.status('ready-http')?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False' && c.reason === 'ContainersNotReady' && c.message === 'containers with unready status: [web]'), 20_000);
    expect(restarts('ready-http')).toBe(0);
    await t.removeManifest('ready-http.yaml');
  });

  it('startup probe gates started/ready; readiness runs at once after startup', async () => {
    await t.writeManifest('startup.yaml', manifest('startup', {
      terminationGracePeriodSeconds: 2,
      containers: [{
        name: 'c', ...sh('sleep 3; echo ok > /tmp/startup; sleep 600'),
        startupProbe: { exec: { command: ['cat', '/tmp/startup'] }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 60 },
        livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 3 },
        readinessProbe: { exec: { command: ['true'] }, periodSeconds: 30 },
      }],
    }));
    await t.waitFor('Running', () => t.status('startup')?.phase === 'Running');
    expect(t.status('startup')?.containerStatuses?.[0]).toMatchObject({ started: false, ready: false });
    const startedAt = await t.waitFor('started', () => (t.status('startup')?.containerStatuses?.[0]?.started === true ? Date.now() : undefined), 60_000, 50);
    const readyAt = await t.waitFor('ready', () => (t.status('startup')?.containerStatuses?.[0]?.ready === true ? Date.now() : undefined), 60_000, 50);
    // readiness (period 30 s) runs at once after startup succeeds, not at its next tick
    expect(readyAt - startedAt).toBeLessThan(15_000);
    expect(restarts('startup')).toBe(0);
    await t.removeManifest('startup.yaml');
  });
});

describe('hooks', () => {
  it('postStart exec and preStop exec run (preStop on deletion)', async () => {
    const dir = `${t.rootDir}/hooks-exec`;
    await t.writeManifest('hooks-exec.yaml', manifest('hooks-exec', {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'h', hostPath: { path: dir, type: 'DirectoryOrCreate' } }],
      containers: [{
        name: 'c', ...sh('trap "exit 0" TERM; while true; do sleep 0.2; done'), volumeMounts: [{ name: 'h', mountPath: '/h' }],
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo poststart > /h/poststart'] } }, preStop: { exec: { command: ['sh', '-c', 'echo prestop > /h/prestop'] } } },
      }],
    }));
    await t.waitForReady('hooks-exec');
    expect((await readFile(`${dir}/poststart`, 'utf8')).trim()).toBe('poststart');
    await t.removeManifest('hooks-exec.yaml');
    await t.waitFor('pod gone', () => t.pod('hooks-exec') === undefined, 20_000);
    expect((await readFile(`${dir}/prestop`, 'utf8')).trim()).toBe('prestop');
    expect((await t.dockerPs()).some((c) => c.name.includes('hooks-exec'))).toBe(false);
  });

  it('postStart httpGet reaches the target; a failing postStart gives FailedPostStartHook and PostStartHookError', async () => {
    await t.writeManifest('handler.yaml', manifest('handler', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'h', ...sh('printf "HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok" > /tmp/resp; while true; do nc -l -p 8080 < /tmp/resp; done') }],
    }));
    const handlerIP = (await t.waitForPhase('handler', 'Running')).podIP ?? '';
    await t.writeManifest('hook-http.yaml', manifest('hook-http', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', ...sh('sleep 600'), lifecycle: { postStart: { httpGet: { host: handlerIP, path: '/echo?msg=poststart', port: 8080 } } } }],
    }));
    await t.waitForPhase('hook-http', 'Running');
    await t.waitFor('handler saw the request', async () => /GET \/echo\?msg=poststart/.test(await logsOf('handler', 'h')), 20_000);

    await t.writeManifest('hook-fail.yaml', manifest('hook-fail', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', ...sh('sleep 600'), lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 3'] } } } }],
    }));
    const seen = new Set<string>();
    await t.waitFor('PostStartHookError', () => {
      const r = t.status('hook-fail')?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r !== undefined) seen.add(r);
      return seen.has('PostStartHookError') || seen.has('CrashLoopBackOff');
    }, 30_000, 50);
    expect(t.events('hook-fail')).toContain('FailedPostStartHook: PostStartHook failed');
    expect(t.events('hook-fail')).toContain('Killing: FailedPostStartHook');
    for (const f of ['handler.yaml', 'hook-http.yaml', 'hook-fail.yaml']) await t.removeManifest(f);
  });

  it('preStop sleep counts against the grace period', async () => {
    await t.writeManifest('sleep-hook.yaml', manifest('sleep-hook', {
      terminationGracePeriodSeconds: 3,
      containers: [{ name: 'c', ...sh('sleep 600'), lifecycle: { preStop: { sleep: { seconds: 30 } } } }],
    }));
    await t.waitForReady('sleep-hook');
    const t0 = Date.now();
    await t.removeManifest('sleep-hook.yaml');
    await t.waitFor('pod gone', () => t.pod('sleep-hook') === undefined, 30_000, 100);
    const took = Date.now() - t0;
    // 3 s of grace spent in the hook, then at least 2 s before SIGKILL (sleep ignores SIGTERM)
    expect(took).toBeGreaterThanOrEqual(4500);
    expect(took).toBeLessThan(12_000);
  });
});

describe('restarts and errors', () => {
  it('CrashLoopBackOff with growing back-off (1 s → 4 s here)', async () => {
    await t.writeManifest('crash.yaml', manifest('crash', { containers: [{ name: 'c', ...sh('exit 1') }] }));
    const seen: { count: number; at: number }[] = [];
    const messages: string[] = [];
    await t.waitFor('5 restarts', () => {
      const c = restarts('crash');
      if (seen.at(-1)?.count !== c) seen.push({ count: c, at: Date.now() });
      const m = t.status('crash')?.containerStatuses?.[0]?.state?.waiting?.message;
      if (m !== undefined && messages.at(-1) !== m) messages.push(m);
      return c >= 5;
    }, 120_000, 50);
    // the reported back-off grows 1s → 2s → 4s and is capped
    const delays = messages.map((m) => /^back-off (\d+)s restarting failed container=c pod=crash-nodelet-it-probes-\d+_default\([0-9a-f]{32}\)$/.exec(m)?.[1]);
    expect(delays).toEqual(expect.arrayContaining(['1', '2', '4']));
    expect(delays.indexOf('1')).toBeLessThan(delays.indexOf('2'));
    expect(delays.indexOf('2')).toBeLessThan(delays.indexOf('4'));
    // restarts never come earlier than the back-off allows (lower bounds hold under any load)
    const gaps = seen.slice(1).map((s, i) => s.at - (seen[i]?.at ?? 0));
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(3500);
    expect(t.status('crash')?.phase).toBe('Running');
    await t.removeManifest('crash.yaml');
  });

  it('ErrImagePull then ImagePullBackOff; pod Pending', async () => {
    await t.writeManifest('pull.yaml', manifest('pull', { containers: [{ name: 'c', image: 'invalid.registry.example/none:1', imagePullPolicy: 'Always' }] }));
    const seen = new Set<string>();
    await t.waitFor('both reasons', () => {
      const r = t.status('pull')?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r !== undefined) seen.add(r);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
    }, 40_000, 50);
    expect(t.status('pull')?.phase).toBe('Pending');
    expect(t.events('pull').some((e) => e.startsWith('Failed: Failed to pull image "invalid.registry.example/none:1"'))).toBe(true);
    await t.removeManifest('pull.yaml');
  });

  it('termination messages: file, non-root custom path, FallbackToLogsOnError', async () => {
    await t.writeManifest('tm.yaml', [
      manifest('tm-file', { restartPolicy: 'Never', containers: [{ name: 'c', ...sh('/bin/echo -n DONE > /dev/termination-log'), terminationMessagePath: '/dev/termination-log' }] }),
      manifest('tm-nonroot', { restartPolicy: 'Never', containers: [{ name: 'c', ...sh('/bin/echo -n DONE > /dev/termination-custom-log'), terminationMessagePath: '/dev/termination-custom-log', securityContext: { runAsUser: 10000 } }] }),
      manifest('tm-logs', { restartPolicy: 'Never', containers: [{ name: 'c', ...sh('/bin/echo -n DONE; /bin/false'), terminationMessagePolicy: 'FallbackToLogsOnError' }] }),
      manifest('tm-empty', { restartPolicy: 'Never', containers: [{ name: 'c', ...sh('/bin/echo -n DONE; /bin/true'), terminationMessagePolicy: 'FallbackToLogsOnError' }] }),
    ].map((m) => JSON.stringify(m)).join('\n---\n'));
    const msg = (p: string): string | undefined => t.status(p)?.containerStatuses?.[0]?.state?.terminated?.message;
    await t.waitForPhase('tm-file', 'Succeeded');
    expect(msg('tm-file')).toBe('DONE');
    await t.waitForPhase('tm-nonroot', 'Succeeded');
    expect(msg('tm-nonroot')).toBe('DONE');
    await t.waitForPhase('tm-logs', 'Failed');
    expect(msg('tm-logs')).toBe('DONE');
    await t.waitForPhase('tm-empty', 'Succeeded');
    expect(msg('tm-empty') ?? '').toBe('');
    await t.removeManifest('tm.yaml');
  });

  it('env values, $(VAR) expansion and the downward API', async () => {
    await t.writeManifest('env.yaml', manifest('env', {
      restartPolicy: 'Never',
      containers: [{
        name: 'c', ...sh('env'),
        env: [
          { name: 'FOO', value: 'foo-value' }, { name: 'BAR', value: 'bar-value' }, { name: 'FOOBAR', value: '$(FOO);;$(BAR)' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'MEMORY_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
        ],
        resources: { limits: { memory: '64Mi' } },
      }],
    }));
    const st = await t.waitForPhase('env', 'Succeeded');
    const out = await logsOf('env', 'c');
    expect(out).toContain('FOOBAR=foo-value;;bar-value');
    expect(out).toContain(`POD_NAME=${t.podName('env')}`);
    expect(out).toContain(`POD_IP=${st.podIP ?? 'x'}`);
    expect(out).toContain(`HOST_IP=${st.hostIP ?? 'x'}`);
    expect(out).toContain('MEMORY_LIMIT=67108864');
    await t.removeManifest('env.yaml');
  });
});
