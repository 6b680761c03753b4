// The official Python client (Debian's python3-kubernetes, 22.6 on bookworm) against a real
// nodelet. Each feature is a small script under e2e/clients/python/, written as the client's users
// write it; it takes the kubeconfig and names as argv and prints its results as JSON, which this
// file asserts on. The scripts run with the system /usr/bin/python3 (see support/python-client.ts).
import type { ConfigMap, Container, Pod, PodSpec } from 'kubernetes-types/core/v1.d.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { CONFIGMAPS } from '../kube/client/client.ts';
import { startNodelet } from '../testing/nodelet.ts';
import type { StartedNodelet } from '../testing/nodelet.ts';
import { ensurePythonClient, runPython } from './support/python-client.ts';

const BUSYBOX = 'localhost/busybox:local';
const NS = 'default';
const QUIET = 'quiet';
const SCRIPTS = join(PROJECT_ROOT, 'e2e/clients/python');

let node: StartedNodelet;

const container = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name, image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra,
});
const pod = (name: string, spec: Partial<PodSpec> & { containers: Container[] }): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec },
});

const idleScript = "trap 'exit 0' TERM; while true; do sleep 1; done";
const PODS: Pod[] = [
  pod('py-tools', { containers: [container('c', idleScript)] }),
  pod('py-attach', { containers: [container('c', 'while read l; do echo "got:$l"; done', { stdin: true })] }),
  // writes a line, then another only when the client says so (a file appears), then exits
  pod('py-logger', { restartPolicy: 'Never', containers: [container('c', 'echo start; while [ ! -f /tmp/go ]; do sleep 0.2; done; echo after-go')] }),
  // the first instance exits 1, the second keeps running
  pod('py-restarter', {
    containers: [container('c', `n=$(cat /d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /d/n; echo "instance $n"; if [ $n -eq 1 ]; then exit 1; fi; ${idleScript}`, {
      volumeMounts: [{ name: 'd', mountPath: '/d' }],
    })],
    volumes: [{ name: 'd', emptyDir: {} }],
  }),
  pod('py-pf', {
    containers: [
      container('echo', 'exec nc -ll -p 8080 -e cat', { ports: [{ containerPort: 8080 }] }),
      container('web', 'mkdir -p /www && echo "hello from 9090" > /www/index.html && exec httpd -f -p 9090 -h /www', { ports: [{ containerPort: 9090 }] }),
    ],
  }),
];

/** Runs a client script and returns its JSON result; a failing script fails the test with its stderr. */
async function python<T>(script: string, args: string[], timeoutMs = 60_000): Promise<T> {
  const r = await runPython(join(SCRIPTS, script), [node.kubeconfigPath, ...args], timeoutMs);
  if (r.code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${String(r.code)}:\n${r.stderr}${r.stdout}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} printed no JSON result:\n${r.stdout}\n${r.stderr}`);
  }
}

beforeAll(async () => {
  await ensurePythonClient();
  node = await startNodelet({ nodeName: `e2e-client-python-${String(process.pid)}` });
  await node.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: QUIET } });
  await node.apply(PODS);
  await Promise.all([
    ...['py-tools', 'py-attach', 'py-pf'].map((n) => node.waitForPod(n, 'Ready', { timeoutMs: 60_000 })),
    node.waitForPod('py-logger', 'Running', { timeoutMs: 60_000 }),
    node.waitForPod('py-restarter', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.containerStatuses[0].state?.running !== undefined, { timeoutMs: 60_000 }),
  ]);
}, 180_000);

afterAll(async () => {
  if ((node as StartedNodelet | undefined) === undefined) return;
  try {
    await Promise.all(PODS.map((p) => node.delete(p.metadata?.name ?? '', { gracePeriodSeconds: 0, timeoutMs: 30_000 })));
    await node.kubectl(['delete', 'namespace', QUIET, '--wait=false']);
  } finally {
    await node.stop();
  }
}, 120_000);

describe('watch.Watch().stream', () => {
  it('sees ADDED then MODIFIED for a ConfigMap created and patched while it watches', async () => {
    const r = await python<{ events: { type: string; name: string; data: Record<string, string> }[] }>('watch_configmaps.py', [NS, 'py-watched']);
    expect(r.events).toEqual([
      { type: 'ADDED', name: 'py-watched', data: { n: '1' } },
      { type: 'MODIFIED', name: 'py-watched', data: { n: '2' } },
    ]);
  });

  it('on a quiet namespace: no event, and the stream ends at timeout_seconds', async () => {
    const r = await python<{ events: string[]; seconds: number }>('watch_configmaps.py', [QUIET, '--quiet']);
    expect(r.events).toEqual([]);
    expect(r.seconds).toBeGreaterThanOrEqual(1.5);
    expect(r.seconds).toBeLessThan(6);
  });
});

interface PyExec { open: boolean; stdout: string; stderr: string; returncode: number | null }

describe('kubernetes.stream.stream (exec)', () => {
  it('stdout, stderr and returncode, with the booleans Python sends (True/False)', async () => {
    const r = await python<{ ok: PyExec; fail: PyExec; stdin: PyExec }>('exec_commands.py', [NS, 'py-tools', 'c']);
    expect(r.ok).toEqual({ open: false, stdout: 'hello\n', stderr: '', returncode: 0 });
    expect(r.fail).toEqual({ open: false, stdout: 'to-out\n', stderr: 'to-err\n', returncode: 3 });
    expect(r.stdin).toEqual({ open: false, stdout: 'got:from python\n', stderr: '', returncode: 4 });
  });
});

describe('read_namespaced_pod_log', () => {
  it('followed: the line written while following arrives, and the stream ends with the container; previous=True', async () => {
    const r = await python<{ follow: string[]; previous: string; current: string }>('logs.py', [NS, 'py-logger', 'py-restarter']);
    expect(r).toEqual({ follow: ['start', 'after-go'], previous: 'instance 1\n', current: 'instance 2\n' });
  });
});

describe('kubernetes.stream.stream (attach)', () => {
  it('stdin=True, tty=False: what goes in comes back out', async () => {
    expect(await python('attach.py', [NS, 'py-attach', 'c'])).toEqual({ stdout: 'got:hello from python\n', stderr: '' });
  });
});

describe('kubernetes.stream.portforward', () => {
  const forward = <T>(which: string): Promise<T | { exception: string }> => python<T | { exception: string }>('port_forward.py', [NS, 'py-pf', which]);

  it('ports="8080": bytes sent on the socket come back from the echo server', async () => {
    expect(await forward('echo')).toEqual({ sent: 18_000, same: true, received: 18_000, error: null });
  });

  it('two forwards to the same port at once: each its own connection', async () => {
    expect(await forward('concurrent')).toEqual({ first: 'first\n', second: 'second\n', errors: [null, null] });
  });

  it('ports="8080,9090": one forward, two sockets, each to its own port', async () => {
    expect(await forward('two_ports')).toEqual({ echo: 'ping 8080\n', http_status: 'HTTP/1.1 200 OK', http_body_seen: true, errors: [null, null] });
  });

  it('a port nothing listens on: the socket closes and error() has the node\'s message', async () => {
    expect(await forward('refused')).toMatchObject({
      received: '',
      error: expect.stringMatching(/^error forwarding port 7070 to pod \S+, uid \S*: .*connection refused/i) as unknown,
    });
  });
});

describe('kubernetes.dynamic.DynamicClient', () => {
  it('discovery, then create, get, merge patch, list by label and delete: a ConfigMap and a Pod', async () => {
    try {
      const r = await python<Record<string, unknown>>('dynamic_objects.py', [NS]);
      expect(r).toEqual({
        configmap: { created_uid_matches: true, labels: { suite: 'python', patched: 'yes' }, data: { a: '1', b: '2' }, listed: ['py-dynamic'] },
        pod: { created_uid_matches: true, labels: { suite: 'python', patched: 'yes' }, data: null, listed: ['py-dynamic-pod'] },
      });
    } finally {
      await node.delete('py-dynamic-pod', { gracePeriodSeconds: 0, timeoutMs: 30_000 });
      await node.client.delete(CONFIGMAPS, NS, 'py-dynamic').catch(() => undefined);
    }
  });
});

describe('kubernetes.utils.create_from_yaml', () => {
  it('creates a ConfigMap and a Pod from one multi-document file; the pod reads the ConfigMap', async () => {
    try {
      const r = await python<{ created: { kind: string; name: string }[] }>('create_from_yaml.py', [NS, join(SCRIPTS, 'multi-document.yaml')]);
      expect(r.created).toEqual([{ kind: 'ConfigMap', name: 'py-yaml-config' }, { kind: 'Pod', name: 'py-yaml-pod' }]);
      const cm = await node.client.get<ConfigMap>(CONFIGMAPS, NS, 'py-yaml-config');
      expect(cm.data).toEqual({ greeting: 'hello from yaml' });
      await node.waitForPod('py-yaml-pod', 'Succeeded', { timeoutMs: 30_000 });
      expect(await node.logs('py-yaml-pod')).toBe('hello from yaml\n');
    } finally {
      await node.delete('py-yaml-pod', { gracePeriodSeconds: 0, timeoutMs: 30_000 });
      await node.client.delete(CONFIGMAPS, NS, 'py-yaml-config').catch(() => undefined);
    }
  });
});
