// The official JavaScript client, @kubernetes/client-node 1.4, against a real nodelet, written the
// way its users write it: a KubeConfig loaded from the node's kubeconfig file, informers and raw
// watches, Log, Exec, Attach, Cp, PortForward behind a local TCP server, and the generic
// KubernetesObjectApi. Every assertion is on what the client hands back; nothing reads internals.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's models
   (V1Pod, V1ConfigMap, …) are classes, but its API takes plain object literals, as all its examples do */
import * as k8s from '@kubernetes/client-node';
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1.d.ts';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../lib/testing/wait.ts';
import { startNodelet } from '../testing/nodelet.ts';
import type { StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
const NS = 'default';
/** A namespace where nothing ever changes: watches on it see no event at all. */
const QUIET = 'quiet';

let node: StartedNodelet;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

const idleScript = "trap 'exit 0' TERM; while true; do sleep 1; done";
const container = (script: string, extra: Partial<Container> = {}): Container => ({
  name: 'c', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra,
});
const pod = (name: string, spec: Partial<PodSpec> & { containers: Container[] }): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec },
});

/** The pods this file shares; all deleted in afterAll. */
const PODS: Pod[] = [
  pod('tools', { containers: [container(idleScript)] }),
  pod('attachable', { containers: [container('echo ready; while read l; do echo "got:$l"; done', { stdin: true })] }),
  // writes a line, then another only when the test says so (a file appears), then exits
  pod('logger', { restartPolicy: 'Never', containers: [container('echo start; while [ ! -f /tmp/go ]; do sleep 0.2; done; echo after-go')] }),
  // the first instance exits 1, the second keeps running
  pod('restarter', {
    containers: [container(`n=$(cat /d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /d/n; echo "instance $n"; if [ $n -eq 1 ]; then exit 1; fi; ${idleScript}`, {
      volumeMounts: [{ name: 'd', mountPath: '/d' }],
    })],
    volumes: [{ name: 'd', emptyDir: {} }],
  }),
  pod('echo', { containers: [container('exec nc -ll -p 8080 -e cat', { ports: [{ containerPort: 8080 }] })] }),
];

/** A Writable that keeps what it is given. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb): void { chunks.push(Buffer.from(chunk)); cb(); },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

interface ExecOutcome {
  stdout: string;
  stderr: string;
  status: k8s.V1Status | undefined;
}

/** Exec through client-node: resolves with the output and the status once the server closes the session. */
async function exec(podName: string, command: string[], stdin?: string): Promise<ExecOutcome> {
  const out = sink();
  const err = sink();
  let input: PassThrough | null = null;
  if (stdin !== undefined) {
    input = new PassThrough();
    input.end(stdin); // buffered until the client reads it; 'end' then closes stdin (v5) or the socket
  }
  let status: k8s.V1Status | undefined;
  const ws = await new k8s.Exec(kc).exec(NS, podName, 'c', command, out.stream, err.stream, input, false, (s) => { status = s; });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`exec ${command.join(' ')} still open after 20 s; stdout=${JSON.stringify(out.text())}`)); }, 20_000);
    ws.on('close', () => { clearTimeout(timer); resolve(); });
  });
  return { stdout: out.text(), stderr: err.text(), status };
}

beforeAll(async () => {
  node = await startNodelet({ nodeName: `e2e-client-node-${String(process.pid)}` });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(node.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: QUIET } } });
  await node.apply(PODS);
  await Promise.all([
    ...['tools', 'attachable', 'logger', 'echo'].map((n) => node.waitForPod(n, 'Running', { timeoutMs: 60_000 })),
    node.waitForPod('restarter', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.containerStatuses[0].state?.running !== undefined, { timeoutMs: 60_000 }),
  ]);
}, 180_000);

afterAll(async () => {
  // startNodelet cleans up after itself when it fails: then there is nothing to stop
  if ((node as StartedNodelet | undefined) === undefined) return;
  try {
    await Promise.all(PODS.map((p) => node.delete(p.metadata?.name ?? '', { gracePeriodSeconds: 0, timeoutMs: 30_000 })));
    await core.deleteNamespace({ name: QUIET });
  } finally {
    await node.stop();
  }
}, 120_000);

describe('watches and informers', () => {
  it('a raw Watch on a quiet collection resolves at once (the response starts before any event)', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: QUIET });
    const events: string[] = [];
    let done: unknown = 'not called';
    const started = Date.now();
    const ac = await Promise.race([
      new k8s.Watch(kc).watch(`/api/v1/namespaces/${QUIET}/configmaps`, { resourceVersion: list.metadata?.resourceVersion ?? '' },
        (type) => { events.push(type); }, (err: unknown) => { done = err; }),
      new Promise<never>((_, reject) => setTimeout(() => { reject(new Error('the watch request had no response after 10 s')); }, 10_000)),
    ]);
    const elapsed = Date.now() - started;
    const doneBeforeAbort = done;
    ac.abort();
    expect(elapsed).toBeLessThan(3_000);
    expect(doneBeforeAbort).toBe('not called');
    expect(events).toEqual([]);
  });

  it('an informer on a quiet namespace starts at once, then reports add, update and delete', async () => {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${QUIET}/configmaps`, () => core.listNamespacedConfigMap({ namespace: QUIET }));
    const seen: string[] = [];
    const errors: unknown[] = [];
    informer.on(k8s.ADD, (o: k8s.V1ConfigMap) => { seen.push(`add ${o.metadata?.name ?? ''} ${o.data?.['k'] ?? ''}`); });
    informer.on(k8s.UPDATE, (o: k8s.V1ConfigMap) => { seen.push(`update ${o.metadata?.name ?? ''} ${o.data?.['k'] ?? ''}`); });
    informer.on(k8s.DELETE, (o: k8s.V1ConfigMap) => { seen.push(`delete ${o.metadata?.name ?? ''}`); });
    informer.on(k8s.ERROR, (err?: unknown) => { errors.push(err); });
    const started = Date.now();
    try {
      await Promise.race([
        informer.start(),
        new Promise<never>((_, reject) => setTimeout(() => { reject(new Error('informer.start() did not resolve within 10 s')); }, 10_000)),
      ]);
      expect(Date.now() - started).toBeLessThan(3_000);
      const before = seen.length; // whatever the namespace already held (nothing we made)
      await core.createNamespacedConfigMap({ namespace: QUIET, body: { metadata: { name: 'inf' }, data: { k: 'v1' } } });
      await until('add', () => Promise.resolve(seen.length > before));
      await core.patchNamespacedConfigMap({ namespace: QUIET, name: 'inf', body: { data: { k: 'v2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await until('update', () => Promise.resolve(seen.length > before + 1));
      await core.deleteNamespacedConfigMap({ namespace: QUIET, name: 'inf' });
      await until('delete', () => Promise.resolve(seen.length > before + 2));
      expect(seen.slice(before)).toEqual(['add inf v1', 'update inf v2', 'delete inf']);
      expect(informer.list(QUIET).map((o) => o.metadata?.name)).not.toContain('inf');
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('a raw Watch delivers ADDED, MODIFIED and DELETED in order', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const events: { type: string; name: string; data: Record<string, string> | undefined }[] = [];
    const ac = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: list.metadata?.resourceVersion ?? '' },
      (type: string, obj: k8s.V1ConfigMap) => { events.push({ type, name: obj.metadata?.name ?? '', data: obj.data }); }, () => undefined);
    try {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'watched' }, data: { n: '1' } } });
      await core.patchNamespacedConfigMap({ namespace: NS, name: 'watched', body: { data: { n: '2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: NS, name: 'watched' });
      await until('DELETED', () => Promise.resolve(events.some((e) => e.type === 'DELETED')), 10_000);
    } finally {
      ac.abort();
    }
    expect(events.filter((e) => e.name === 'watched')).toEqual([
      { type: 'ADDED', name: 'watched', data: { n: '1' } },
      { type: 'MODIFIED', name: 'watched', data: { n: '2' } },
      { type: 'DELETED', name: 'watched', data: { n: '2' } },
    ]);
  });
});

describe('logs', () => {
  it('follow: lines arrive while the container writes them, and the stream ends when it exits', async () => {
    const out = sink();
    const ended = new Promise<void>((resolve) => out.stream.on('finish', resolve));
    await new k8s.Log(kc).log(NS, 'logger', 'c', out.stream, { follow: true });
    await until('"start" in the followed log', () => Promise.resolve(out.text().includes('start\n')), 10_000);
    expect(out.text()).not.toContain('after-go');
    // the container writes its next line only now
    expect((await exec('logger', ['touch', '/tmp/go'])).status).toMatchObject({ status: 'Success' });
    await until('"after-go" in the followed log', () => Promise.resolve(out.text().includes('after-go\n')), 10_000);
    await Promise.race([ended, new Promise((_, reject) => setTimeout(() => { reject(new Error('the followed log did not end after the container exited')); }, 15_000))]);
    expect(out.text()).toBe('start\nafter-go\n');
  });

  it('previous: the log of the instance before the restart', async () => {
    const read = async (previous: boolean): Promise<string> => {
      const out = sink();
      const finished = new Promise<void>((resolve) => out.stream.on('finish', resolve));
      await new k8s.Log(kc).log(NS, 'restarter', 'c', out.stream, { previous });
      await finished;
      return out.text();
    };
    expect(await read(true)).toBe('instance 1\n');
    expect(await read(false)).toBe('instance 2\n');
  });
});

describe('exec', () => {
  it('exit code 0 is a Success status', async () => {
    const r = await exec('tools', ['sh', '-c', 'echo hello']);
    expect(r).toMatchObject({ stdout: 'hello\n', stderr: '' });
    expect(r.status).toMatchObject({ status: 'Success' });
  });

  it('a non-zero exit is NonZeroExitCode with the ExitCode cause; stdout and stderr stay apart', async () => {
    const r = await exec('tools', ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
    expect(r.stdout).toBe('to-out\n');
    expect(r.stderr).toBe('to-err\n');
    expect(r.status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('stdin reaches the command, and its end is the command\'s end of input', async () => {
    const r = await exec('tools', ['sh', '-c', 'cat; echo "[eof]"'], 'line one\nline two\n');
    expect(r.stdout).toBe('line one\nline two\n[eof]\n');
    expect(r.status).toMatchObject({ status: 'Success' });
  });
});

describe('attach', () => {
  it('attaches to a container with stdin: true, tty: false; what goes in comes back out', async () => {
    const out = sink();
    const err = sink();
    const input = new PassThrough();
    const ws = await new k8s.Attach(kc).attach(NS, 'attachable', 'c', out.stream, err.stream, input, false);
    try {
      input.write('hello attach\n');
      await until('the echoed line', () => Promise.resolve(out.text().includes('got:hello attach\n')), 10_000);
      expect(err.text()).toBe('');
    } finally {
      ws.close();
    }
  });
});

/**
 * The Exec that Cp runs its tar through, recording when each session ends (Cp's methods resolve
 * once the copy has started, not when it is done). It also works around client-node 1.4.0's
 * cpFromPod, which runs `tar zcf` but extracts with tar-fs, which does not gunzip: every download
 * fails with "Unexpected end of data" against any cluster (kubernetes-client/javascript#2663,
 * fixed upstream by running `tar cf`); this does what the fix does.
 */
class TrackedExec extends k8s.Exec {
  readonly sessions: Promise<k8s.V1Status>[] = [];

  override exec(...args: Parameters<k8s.Exec['exec']>): ReturnType<k8s.Exec['exec']> {
    const [namespace, podName, containerName, command, stdout, stderr, stdin, tty, statusCallback] = args;
    const cmd = Array.isArray(command) && command[0] === 'tar' && command[1] === 'zcf' ? ['tar', 'cf', ...command.slice(2)] : command;
    let settle: (s: k8s.V1Status) => void = () => undefined;
    this.sessions.push(new Promise((resolve) => { settle = resolve; }));
    return super.exec(namespace, podName, containerName, cmd, stdout, stderr, stdin, tty, (status) => {
      settle(status);
      // Cp's own callback throws (from a promise) when tar wrote anything to stderr
      void Promise.resolve(statusCallback?.(status) as unknown).catch(() => undefined);
    });
  }
}

describe('cp', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'client-node-cp-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('cpToPod copies a local directory\'s files into the pod', async () => {
    const src = join(dir, 'up');
    const content = `uploaded ${randomBytes(8).toString('hex')}\n`;
    mkdirSync(src);
    writeFileSync(join(src, 'up.txt'), content);
    const tracked = new TrackedExec(kc);
    await new k8s.Cp(kc, tracked).cpToPod(NS, 'tools', 'c', src, '/tmp');
    expect(await tracked.sessions[0]).toMatchObject({ status: 'Success' });
    expect((await exec('tools', ['cat', '/tmp/up.txt'])).stdout).toBe(content);
  });

  it('cpFromPod copies a file out of the pod', async () => {
    const content = `downloaded ${randomBytes(8).toString('hex')}\n`;
    expect((await exec('tools', ['sh', '-c', `printf '%s' '${content}' > /tmp/down.txt`])).status).toMatchObject({ status: 'Success' });
    const dst = join(dir, 'down');
    mkdirSync(dst);
    const tracked = new TrackedExec(kc);
    await new k8s.Cp(kc, tracked).cpFromPod(NS, 'tools', 'c', 'down.txt', dst, '/tmp');
    expect(await tracked.sessions[0]).toMatchObject({ status: 'Success' });
    // the session is over; tar-fs writes the file out a moment later and then sets its mtime from
    // the archive (whole seconds): wait for that last step too, or removing the directory races it
    await until('down.txt written locally with the archive\'s mtime', () => {
      try {
        const file = join(dst, 'down.txt');
        const done = readFileSync(file, 'utf8') === content && statSync(file, { bigint: true }).mtimeNs % 1_000_000_000n === 0n;
        return Promise.resolve(done);
      } catch {
        return Promise.resolve(false);
      }
    }, 5_000, 50);
  });
});

describe('port-forward', () => {
  /** A local TCP server that forwards each connection to the pod port, as client-node's example does. */
  async function forwarder(port: number, errors: string[]): Promise<{ server: Server; port: number }> {
    const forward = new k8s.PortForward(kc);
    const server = createServer((socket: Socket) => {
      // the error channel's first frame is only the port number: client-node writes it as an empty chunk
      const err = new Writable({ write(chunk: Buffer, _enc, cb): void { if (chunk.length > 0) errors.push(chunk.toString('utf8')); cb(); } });
      forward.portForward(NS, 'echo', [port], socket, err, socket).then((ws) => {
        if (typeof ws !== 'function') ws.on('close', () => { socket.end(); });
      }, (e: unknown) => {
        // a failed upgrade rejects with the WebSocket's error event
        errors.push(`connect failed: ${e instanceof Error ? e.message : String((e as { message?: unknown }).message ?? e)}`);
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    return { server, port: typeof addr === 'object' && addr !== null ? addr.port : 0 };
  }

  /** Sends data on a new connection and resolves with everything received until the peer closes. */
  function roundTrip(port: number, data: Buffer, opts: { endAfter?: number } = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let got = 0;
      const socket = createConnection(port, '127.0.0.1');
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no end of the round trip after 20 s (received ${String(got)} bytes)`)); }, 20_000);
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        // the v4 WebSocket protocol has no half-close: end our side once everything came back
        if (opts.endAfter !== undefined && got >= opts.endAfter) socket.end();
      });
      socket.on('error', (e) => { clearTimeout(timer); reject(e); });
      socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
      socket.write(data);
    });
  }

  it('forwards local connections to the pod port, two at once: bytes round-trip both ways', async () => {
    const errors: string[] = [];
    const { server, port } = await forwarder(8080, errors);
    try {
      const echoed = (await roundTrip(port, Buffer.from('ping through client-node\n'), { endAfter: 25 })).toString();
      expect({ echoed, errors }).toEqual({ echoed: 'ping through client-node\n', errors: [] });
      // two connections at once: two WebSockets, each its own stream to the pod
      const [a, b] = await Promise.all([
        roundTrip(port, Buffer.from('first connection\n'), { endAfter: 17 }),
        roundTrip(port, Buffer.from('second connection\n'), { endAfter: 18 }),
      ]);
      expect([a.toString(), b.toString()]).toEqual(['first connection\n', 'second connection\n']);
      const big = randomBytes(2 * 1024 * 1024);
      const back = await roundTrip(port, big, { endAfter: big.length });
      expect(back.length).toBe(big.length);
      expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
      expect(errors).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('a port nothing listens on surfaces the error on the error stream', async () => {
    const errors: string[] = [];
    const { server, port } = await forwarder(7070, errors);
    try {
      const back = await roundTrip(port, Buffer.from('anyone?\n'));
      expect(back.length).toBe(0);
      await until('an error on the error stream', () => Promise.resolve(errors.join('').length > 0), 10_000);
      expect(errors.join('')).toMatch(/^error forwarding port 7070 to pod \S+, uid \S*: .*connection refused/i);
    } finally {
      server.close();
    }
  });
});

describe('generic KubernetesObjectApi', () => {
  it('ConfigMap: create, read, merge patch, list, delete', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const created = await api.create<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: NS, labels: { suite: 'client-node' } }, data: { a: '1' } });
    expect(created.metadata?.uid).toBeTruthy();
    const read = await api.read<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: NS } });
    expect(read.data).toEqual({ a: '1' });
    const patched = await api.patch<k8s.V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: NS }, data: { b: '2' } },
      undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const list = await api.list<k8s.V1ConfigMap>('v1', 'ConfigMap', NS, undefined, undefined, undefined, undefined, 'suite=client-node');
    expect(list.items.map((c) => c.metadata?.name)).toEqual(['generic']);
    await api.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: NS } });
    await expect(api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'generic', namespace: NS } })).rejects.toMatchObject({ code: 404 });
  });

  it('Pod: create, read, merge patch of labels, list, delete', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const body: k8s.V1Pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'generic-pod', namespace: NS, labels: { suite: 'client-node' } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', idleScript] }] },
    };
    try {
      const created = await api.create(body);
      expect(created.spec?.containers[0]?.image).toBe(BUSYBOX);
      const read = await api.read<k8s.V1Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'generic-pod', namespace: NS } });
      expect(read.metadata?.uid).toBe(created.metadata?.uid);
      const patched = await api.patch<k8s.V1Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'generic-pod', namespace: NS, labels: { patched: 'yes' } } },
        undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);
      expect(patched.metadata?.labels).toEqual({ suite: 'client-node', patched: 'yes' });
      const list = await api.list<k8s.V1Pod>('v1', 'Pod', NS, undefined, undefined, undefined, undefined, 'patched=yes');
      expect(list.items.map((p) => p.metadata?.name)).toEqual(['generic-pod']);
      const status = await api.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'generic-pod', namespace: NS } }, undefined, undefined, 0);
      expect(status).toBeDefined();
    } finally {
      await node.delete('generic-pod', { gracePeriodSeconds: 0, timeoutMs: 30_000 });
    }
  });
});
