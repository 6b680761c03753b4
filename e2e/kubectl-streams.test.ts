// The real kubectl (1.32) on the streaming paths, against a real nodelet: port-forward (several
// ports, concurrent connections, 20 MB with a checksum, the error stream) over WebSocket and plain
// SPDY, exec and attach over both transports, and kube's own wording when a stream cannot start.
// kubectl runs as a user runs it (a child process, KUBECONFIG in its environment); long-running
// port-forward and attach processes are killed by their own pid in finally blocks.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubectlResult } from '../apiserver/testing/kubectl.ts';
import { freePort } from '../lib/testing/wait.ts';
import { startNodelet } from '../testing/nodelet.ts';
import type { StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
let node: StartedNodelet;
let home: string;

const idleScript = "trap 'exit 0' TERM; while true; do sleep 1; done";
const container = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name, image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra,
});
const pod = (name: string, spec: Partial<PodSpec> & { containers: Container[] }): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec },
});

const PODS: Pod[] = [
  pod('pf', {
    containers: [
      container('echo', 'exec nc -ll -p 8080 -e cat', { ports: [{ containerPort: 8080 }] }),
      container('web', 'mkdir -p /www && echo "hello from 9090" > /www/index.html && exec httpd -f -p 9090 -h /www', { ports: [{ containerPort: 9090 }] }),
    ],
  }),
  pod('tools', { containers: [container('c', idleScript)] }),
  pod('attachable', { containers: [container('c', 'while read l; do echo "got:$l"; done', { stdin: true })] }),
  // its only container exits at once, again and again: CrashLoopBackOff, never running for long
  pod('crashing', { containers: [container('c', 'exit 1')] }),
  // its container waits behind an init container that never finishes
  pod('waiting', { initContainers: [container('init', idleScript)], containers: [container('c', idleScript)] }),
];

type Env = Record<string, string>;

/** kubectl as a user runs it: KUBECONFIG in the environment, its own HOME. Never throws on a non-zero exit. */
function kubectl(args: string[], opts: { env?: Env; stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', args, {
      env: { ...process.env, KUBECONFIG: node.kubeconfigPath, HOME: home, ...opts.env },
      timeout: opts.timeoutMs ?? 30_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
    child.stdin?.end(opts.stdin ?? '');
  });
}

/** A long-running kubectl (port-forward, attach) whose combined output the test watches. */
class KubectlProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  private out = '';
  private readonly waiters = new Set<() => void>();

  constructor(readonly args: string[], env: Env = {}) {
    this.child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: node.kubeconfigPath, HOME: home, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (d: Buffer): void => {
      this.out += d.toString('utf8');
      for (const w of this.waiters) w();
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => { resolve(code); for (const w of this.waiters) w(); }));
  }

  output(): string {
    return this.out;
  }

  /** Resolves once the output matches; fails when kubectl exits first or after timeoutMs. */
  waitFor(re: RegExp, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (re.test(this.out)) {
          done();
          resolve(this.out);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`kubectl ${this.args.join(' ')} exited (${String(this.child.exitCode ?? this.child.signalCode)}) before printing ${String(re)}:\n${this.out}`));
        }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`no ${String(re)} from kubectl ${this.args.join(' ')} within ${String(timeoutMs)} ms:\n${this.out}`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  /** Stops kubectl (by its own pid) and waits for it to go. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** `kubectl port-forward pod/<pod> L:R ...` on 127.0.0.1, once it says it is forwarding every port. */
async function portForward(podName: string, ports: [number, number][], env: Env): Promise<KubectlProcess> {
  const pf = new KubectlProcess(['port-forward', '--address', '127.0.0.1', `pod/${podName}`, ...ports.map(([l, r]) => `${String(l)}:${String(r)}`)], env);
  try {
    for (const [l, r] of ports) await pf.waitFor(new RegExp(`Forwarding from 127\\.0\\.0\\.1:${String(l)} -> ${String(r)}`));
  } catch (err) {
    await pf.stop();
    throw err;
  }
  return pf;
}

/** A TCP connection to a local port and everything it receives. */
class Conn {
  readonly received: Buffer[] = [];
  readonly closed: Promise<void>;
  private got = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => { this.received.push(d); this.got += d.length; for (const w of this.waiters) w(); });
    this.closed = new Promise((resolve) => socket.on('close', () => { resolve(); for (const w of this.waiters) w(); }));
    socket.on('error', () => undefined); // a reset shows as a close; the test asserts on what arrived
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('connect', () => { resolve(new Conn(socket)); });
      socket.once('error', reject);
    });
  }

  data(): Buffer {
    return Buffer.concat(this.received);
  }

  /** Resolves with what arrived once at least n bytes did; fails when the connection closes first. */
  bytes(n: number, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.got >= n) { done(); resolve(this.data().toString('utf8')); return; }
        if (this.socket.destroyed) { done(); reject(new Error(`connection closed after ${String(this.got)} of ${String(n)} bytes: ${JSON.stringify(this.data().toString('utf8'))}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`${String(this.got)} of ${String(n)} bytes after ${String(timeoutMs)} ms`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  async closedWithin(timeoutMs: number): Promise<void> {
    await Promise.race([this.closed, new Promise((_, reject) => setTimeout(() => { reject(new Error(`connection still open after ${String(timeoutMs)} ms (received ${String(this.got)} bytes)`)); }, timeoutMs))]);
  }
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubectl-streams-home-'));
  node = await startNodelet({ nodeName: `e2e-kubectl-streams-${String(process.pid)}` });
  await node.apply(PODS);
  await Promise.all([
    ...['pf', 'tools', 'attachable'].map((n) => node.waitForPod(n, 'Ready', { timeoutMs: 60_000 })),
    node.waitForPod('crashing', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', { timeoutMs: 60_000 }),
    node.waitForPod('waiting', (p) => p.status?.initContainerStatuses?.[0]?.state?.running !== undefined, { timeoutMs: 60_000 }),
  ]);
}, 180_000);

afterAll(async () => {
  try {
    if ((node as StartedNodelet | undefined) === undefined) return;
    try {
      await Promise.all(PODS.map((p) => node.delete(p.metadata?.name ?? '', { gracePeriodSeconds: 0, timeoutMs: 30_000 })));
    } finally {
      await node.stop();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}, 120_000);

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each([
  ['WebSocket (the default)', {}],
  ['SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
])('kubectl port-forward over %s', (_transport, env: Env) => {
  it('forwards two ports; two concurrent connections on one port each get their own stream', async () => {
    const [l1, l2] = [await freePort(), await freePort()];
    const pf = await portForward('pf', [[l1, 8080], [l2, 9090]], env);
    try {
      const a = await Conn.open(l1);
      const b = await Conn.open(l1);
      a.socket.write('from-a\n');
      b.socket.write('from-b\n');
      expect(await a.bytes(7)).toBe('from-a\n');
      expect(await b.bytes(7)).toBe('from-b\n');
      // both still open at once: a second round, in the other order
      b.socket.write('b-again\n');
      a.socket.write('a-again\n');
      expect(await b.bytes(15)).toBe('from-b\nb-again\n');
      expect(await a.bytes(15)).toBe('from-a\na-again\n');
      a.socket.end();
      b.socket.end();
      await Promise.all([a.closedWithin(10_000), b.closedWithin(10_000)]);

      const res = await fetch(`http://127.0.0.1:${String(l2)}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello from 9090\n');
      expect(pf.output()).not.toMatch(/error/i);
      expect(pf.child.exitCode).toBeNull();
    } finally {
      await pf.stop();
    }
  });

  it('carries 20 MB both ways intact (sha256), with half-close ending the stream', async () => {
    const l1 = await freePort();
    const pf = await portForward('pf', [[l1, 8080]], env);
    try {
      const data = randomBytes(20 * 1024 * 1024);
      const c = await Conn.open(l1);
      c.socket.end(data); // the echo server's cat sees the end of input and exits: the pod closes
      await c.closedWithin(45_000);
      const back = c.data();
      expect(back.length).toBe(data.length);
      expect(sha256(back)).toBe(sha256(data));
      expect(pf.output()).not.toMatch(/error/i);
    } finally {
      await pf.stop();
    }
  }, 60_000);

  it('a pod port nothing listens on: kubectl prints the error the node sent, then gives up the session', async () => {
    const l = await freePort();
    const pf = await portForward('pf', [[l, 7070]], env);
    try {
      const c = await Conn.open(l);
      c.socket.write('anyone?\n');
      await c.closedWithin(15_000);
      expect(c.data().length).toBe(0);
      await pf.waitFor(new RegExp(`an error occurred forwarding ${String(l)} -> 7070: error forwarding port 7070 to pod \\S+, uid \\S*: .*connection refused`, 'i'));
      // kubectl since 1.23 closes the session when the error stream reports one (kubernetes#103526)
      await pf.waitFor(/lost connection to pod/);
      expect(await pf.exited).toBe(1);
    } finally {
      await pf.stop();
    }
  });
});

describe.each([
  ['WebSocket (the default)', {}],
  ['SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
])('kubectl exec and attach over %s', (_transport, env: Env) => {
  it('exec: stdout and stderr apart; the exit code propagates; stdin with -i', async () => {
    const ok = await kubectl(['exec', 'tools', '-c', 'c', '--', 'sh', '-c', 'echo hello'], { env });
    expect(ok).toEqual({ code: 0, stdout: 'hello\n', stderr: '' });

    const three = await kubectl(['exec', 'tools', '-c', 'c', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3'], { env });
    expect(three.code).toBe(3);
    expect(three.stdout).toBe('to-out\n');
    expect(three.stderr).toBe('to-err\ncommand terminated with exit code 3\n');

    const piped = await kubectl(['exec', '-i', 'tools', '-c', 'c', '--', 'sh', '-c', 'cat; echo "[eof]"'], { env, stdin: 'line one\nline two\n' });
    expect(piped).toEqual({ code: 0, stdout: 'line one\nline two\n[eof]\n', stderr: '' });
  });

  it('cp: a file into the pod and one out of it (tar over exec)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-cp-'));
    try {
      const up = `up ${randomBytes(8).toString('hex')}\n`;
      writeFileSync(join(dir, 'up.txt'), up);
      const to = await kubectl(['cp', join(dir, 'up.txt'), 'tools:/tmp/kubectl-up.txt', '-c', 'c'], { env });
      expect(to).toMatchObject({ code: 0, stderr: '' });
      expect((await kubectl(['exec', 'tools', '-c', 'c', '--', 'cat', '/tmp/kubectl-up.txt'], { env })).stdout).toBe(up);

      const down = randomBytes(256 * 1024); // binary, not only text
      const seed = down.toString('base64');
      expect((await kubectl(['exec', '-i', 'tools', '-c', 'c', '--', 'sh', '-c', 'base64 -d > /tmp/kubectl-down.bin'], { env, stdin: seed })).code).toBe(0);
      mkdirSync(join(dir, 'out'));
      const from = await kubectl(['cp', 'tools:/tmp/kubectl-down.bin', join(dir, 'out', 'down.bin'), '-c', 'c'], { env });
      expect(from.code).toBe(0);
      expect(sha256(readFileSync(join(dir, 'out', 'down.bin')))).toBe(sha256(down));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('attach -i: what goes in comes back out', async () => {
    const a = new KubectlProcess(['attach', '-i', 'attachable', '-c', 'c'], env);
    try {
      a.child.stdin.write('hello attach\n');
      await a.waitFor(/got:hello attach\n/);
      expect(a.output()).not.toMatch(/error/i);
    } finally {
      await a.stop();
    }
  });

  it('exec into a pod whose only container is not running: container not found ("c")', async () => {
    const r = await kubectl(['exec', 'crashing', '-c', 'c', '--', 'true'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container not found ("c")');
  });

  it('exec of a missing binary: the runtime\'s message, and a non-zero exit', async () => {
    const r = await kubectl(['exec', 'tools', '-c', 'c', '--', 'nosuchbin'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('exec: "nosuchbin": executable file not found in $PATH');
  });
});

describe('kubectl get --watch', () => {
  it('on a quiet collection the watch answers at once; then ADDED, MODIFIED, DELETED in order', async () => {
    expect((await kubectl(['create', 'namespace', 'quiet'])).code).toBe(0);
    const started = Date.now();
    // -v=6 logs each response as its headers arrive: "GET …?…watch=true… 200 OK in N milliseconds"
    const w = new KubectlProcess(['get', 'configmaps', '-n', 'quiet', '--watch-only', '--output-watch-events', '-v=6']);
    try {
      await w.waitFor(/GET https:\/\/\S+\/api\/v1\/namespaces\/quiet\/configmaps\?\S*watch=true\S* 200 OK in \d+ milliseconds/, 10_000);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await kubectl(['create', 'configmap', 'kw', '-n', 'quiet', '--from-literal=n=1'])).code).toBe(0);
      expect((await kubectl(['patch', 'configmap', 'kw', '-n', 'quiet', '--type=merge', '-p', '{"data":{"m":"2"}}'])).code).toBe(0);
      expect((await kubectl(['delete', 'configmap', 'kw', '-n', 'quiet'])).code).toBe(0);
      await w.waitFor(/^DELETED\s+kw\s/m, 10_000);
      const events = w.output().split('\n').filter((l) => /^(ADDED|MODIFIED|DELETED)\s/.test(l)).map((l) => l.split(/\s+/).slice(0, 3).join(' '));
      expect(events).toEqual(['ADDED kw 1', 'MODIFIED kw 2', 'DELETED kw 2']);
    } finally {
      await w.stop();
      await kubectl(['delete', 'namespace', 'quiet', '--wait=false']);
    }
  });
});

describe('kubectl logs', () => {
  it('of a container still waiting: container "c" in pod "waiting" is waiting to start', async () => {
    const r = await kubectl(['logs', 'waiting', '-c', 'c']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/container "c" in pod "waiting" is waiting to start: PodInitializing/);
  });
});
