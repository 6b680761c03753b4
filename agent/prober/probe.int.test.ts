// Probes and hooks against a real busybox pod on the engine: exec via the Docker runtime's
// execSync, httpGet/tcpSocket on the pod IP via the direct transport, and the ProberManager on
// the system clock. HTTP/TCP parts need the pod IP to be reachable from the agent (Linux engines;
// not Docker Desktop, where a netns transport is needed) and are skipped otherwise.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../lib/clock.ts';
import { containerConfig, newPod, removeNodeContainers, sandboxConfig, startPod, testNodeName, testRuntime, waitFor } from '../../runtime/docker/test-support.ts';
import { LifecycleHooks } from '../hooks/lifecycle-hooks.ts';
import { DirectTransport } from './direct-transport.ts';
import type { ContainerEventRecord } from './events.ts';
import { ProberManager } from './prober-manager.ts';
import { probeEvent, runProbe, type ProbeRunnerDeps, type ProbeTarget } from './run-probe.ts';

const NODE = testNodeName('prober');
const rt = testRuntime(NODE);
const transport = new DirectTransport();
const deps: ProbeRunnerDeps = { exec: rt, transport };
const podRef = newPod('probed');
const pod: Pod = {
  metadata: { name: podRef.name, namespace: podRef.namespace, uid: podRef.uid },
  spec: { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }] },
};
let containerId = '';
let podIP = '';
let reachable = false;

beforeAll(async () => {
  const { sandboxId, ids } = await startPod(rt, sandboxConfig(podRef), [
    containerConfig('web', { command: ['sh', '-c', 'echo ok > /tmp/health; exec httpd -f -p 8080 -h /etc'] }),
  ]);
  containerId = ids[0] ?? '';
  podIP = (await rt.sandboxStatus(sandboxId)).ips[0] ?? '';
  const probe = await waitFor('httpd to listen', async () => {
    const r = await rt.execSync(containerId, ['wget', '-qO-', 'http://127.0.0.1:8080/hostname'], 5_000);
    return r.exitCode === 0 ? true : undefined;
  });
  expect(probe).toBe(true);
  const tcp = await runProbe({ tcpSocket: { port: 8080 }, timeoutSeconds: 2 }, target(), deps);
  reachable = tcp.result === 'success';
});

afterAll(async () => {
  await removeNodeContainers(rt.docker, NODE);
});

function target(): ProbeTarget {
  return { pod, container: pod.spec?.containers[0] ?? { name: 'web' }, containerId, podIP };
}

describe('probes against a busybox pod (integration)', () => {
  it('exec: exit 0 succeeds, non-zero fails with the output, a slow command times out', async () => {
    expect(await runProbe({ exec: { command: ['cat', '/tmp/health'] } }, target(), deps)).toEqual({ result: 'success', output: 'ok\n' });
    const miss = await runProbe({ exec: { command: ['cat', '/tmp/nope'] } }, target(), deps);
    expect(miss.result).toBe('failure');
    expect(probeEvent('liveness', miss)?.message).toBe('Liveness probe failed: cat: can\'t open \'/tmp/nope\': No such file or directory\n');
    const t0 = Date.now();
    const slow = await runProbe({ exec: { command: ['/bin/sh', '-c', 'sleep 10'] }, timeoutSeconds: 1 }, target(), deps);
    expect(slow).toEqual({ result: 'failure', output: 'command "/bin/sh -c sleep 10" timed out' });
    expect(Date.now() - t0).toBeLessThan(8_000);
  });

  it('httpGet and tcpSocket on the pod IP, by port number and name', async (ctx) => {
    if (!reachable) ctx.skip();
    expect((await runProbe({ httpGet: { path: '/hostname', port: 'http' } }, target(), deps)).result).toBe('success');
    expect(await runProbe({ httpGet: { path: '/nope', port: 8080 } }, target(), deps))
      .toEqual({ result: 'failure', output: 'HTTP probe failed with statuscode: 404' });
    const refused = await runProbe({ httpGet: { path: '/', port: 81 } }, target(), deps);
    expect(refused.output).toBe(`Get "http://${podIP}:81/": dial tcp ${podIP}:81: connect: connection refused`);
    expect((await runProbe({ tcpSocket: { port: 'http' } }, target(), deps)).result).toBe('success');
  });

  it('ProberManager: readiness turns true, a liveness failure asks for a kill', async () => {
    const events: ContainerEventRecord[] = [];
    const probed: Pod = {
      ...pod,
      spec: { containers: [{
        name: 'web',
        readinessProbe: { exec: { command: ['cat', '/tmp/health'] }, periodSeconds: 1 },
        livenessProbe: { exec: { command: ['cat', '/tmp/live'] }, periodSeconds: 1, failureThreshold: 2 },
      }] },
    };
    const prober = new ProberManager({ clock: new SystemClock(), exec: rt, transport, events: { emit: (e) => { events.push(e); } } });
    try {
      prober.syncPod(probed, [{ name: 'web', containerId, running: true, startedAt: Date.now() }], podIP);
      await waitFor('ready', () => Promise.resolve(prober.isReady(podRef.uid, 'web') ? true : undefined), 10_000);
      const kill = await waitFor('liveness kill', () => Promise.resolve(prober.killReason(podRef.uid, 'web', containerId)), 10_000);
      expect(kill.message).toBe('Container web failed liveness probe, will be restarted');
      expect(events.filter((e) => e.reason === 'Unhealthy').map((e) => e.message)).toContain(
        'Liveness probe failed: cat: can\'t open \'/tmp/live\': No such file or directory\n');
    } finally {
      prober.stop();
    }
  });

  it('hooks: postStart exec runs in the container; a failing one reports the kubelet message', async () => {
    const hooks = new LifecycleHooks({ clock: new SystemClock(), exec: rt, transport, events: { emit: () => undefined } });
    const container = { name: 'web', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo started > /tmp/started'] } } } };
    expect(await hooks.runPostStart({ pod, container, containerId, podIP })).toEqual({ ok: true });
    const r = await rt.execSync(containerId, ['cat', '/tmp/started'], 5_000);
    expect(r.stdout.toString()).toBe('started\n');
    const failing = { name: 'web', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo bad >&2; exit 7'] } } } };
    const res = await hooks.runPostStart({ pod, container: failing, containerId, podIP });
    expect(res).toEqual({
      ok: false,
      reason: 'PostStartHookError',
      message: `Exec lifecycle hook ([sh -c echo bad >&2; exit 7]) for Container "web" in Pod "probed_default(${podRef.uid})" failed - error: command 'sh -c echo bad >&2; exit 7' exited with 7: bad\n, message: "bad\\n"`,
    });
  });
});
