// The streaming server in front of the real Docker runtime, over HTTPS: exec, stdin, tty and
// resize, logs (timestamps, tail, follow, previous) and attach against busybox containers. Every
// container carries this test's node name and is removed through the runtime in afterAll.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { createDockerRuntime } from '../../runtime/docker/docker-runtime.ts';
import { BUSYBOX_IMAGE } from '../../runtime/docker/local-images.ts';
import type { ContainerConfig, PodRef, Runtime, SandboxConfig } from '../../runtime/types.ts';
import { createKubeletServer } from './kubelet-server.ts';
import type { KubeletServer, ResolveContainer } from './kubelet-server.ts';
import { kubeletStreamClient } from './stream-client.ts';
import { selfSignedCert } from './testing/self-signed-cert.ts';

const NODE = `nodelet-test-kubelet-server-${process.pid}`;
const TOKEN = randomUUID();
const tls = await selfSignedCert();

let rt: Runtime;
let server: KubeletServer | undefined;
let base: string;
const ids = new Map<string, string>();
let previousCrasher = '';

function container(name: string, over: Partial<ContainerConfig>): ContainerConfig {
  return {
    name, attempt: 0, image: BUSYBOX_IMAGE, env: [], tty: false, stdin: false, stdinOnce: false,
    mounts: [], resources: {}, security: {}, labels: {}, annotations: {}, ...over,
  };
}

const resolve: ResolveContainer = (_ns, pod, name, { previous }) => {
  if (pod !== 'web') return Promise.resolve({ error: { code: 404, reason: 'NotFound', message: `pods "${pod}" not found` } });
  if (previous) {
    return Promise.resolve(name === 'crasher'
      ? { containerId: previousCrasher }
      : { error: { code: 400, reason: 'BadRequest', message: `previous terminated container "${name}" in pod "${pod}" not found` } });
  }
  const id = ids.get(name);
  return Promise.resolve(id === undefined ? { error: { code: 404, reason: 'NotFound', message: `container "${name}" not found in pod "${pod}"` } } : { containerId: id });
};

async function cleanUp(): Promise<void> {
  for (const s of await rt.listSandboxes()) await rt.removeSandbox(s.id).catch(() => undefined);
  for (const c of await rt.listContainers()) await rt.removeContainer(c.id).catch(() => undefined);
}

async function waitExited(id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await rt.containerStatus(id)).state === 'exited') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`container ${id} did not exit`);
}

async function waitLogs(id: string, text: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    let seen = '';
    for await (const c of rt.logs(id, {})) seen += c.data.toString();
    if (seen.includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`container ${id} never logged ${text}`);
}

beforeAll(async () => {
  rt = createDockerRuntime({ nodeName: NODE, log: silentLogger });
  const pod: PodRef = { name: 'web', namespace: 'default', uid: randomUUID() };
  const sandbox: SandboxConfig = {
    pod, attempt: 0, hostname: 'web', portMappings: [], namespaces: { network: 'pod', ipc: 'pod', pid: 'container' },
    sysctls: {}, labels: {}, annotations: {},
  };
  try {
    const sandboxId = await rt.runSandbox(sandbox);
    const start = async (c: ContainerConfig): Promise<string> => {
      const id = await rt.createContainer(sandboxId, c, sandbox);
      await rt.startContainer(id);
      return id;
    };
    ids.set('main', await start(container('main', { command: ['sh', '-c', 'echo started; sleep 0.3; echo to-stderr >&2; exec sleep 3600'] })));
    ids.set('catter', await start(container('catter', { command: ['cat'], stdin: true })));
    ids.set('once', await start(container('once', { command: ['cat'], stdin: true, stdinOnce: true })));
    previousCrasher = await start(container('crasher', { command: ['sh', '-c', 'echo first life; exit 1'] }));
    await waitExited(previousCrasher);
    ids.set('crasher', await start(container('crasher', { attempt: 1, command: ['sh', '-c', 'echo second life; exec sleep 3600'] })));
    await waitLogs(ids.get('main') ?? '', 'to-stderr');
    await waitLogs(ids.get('crasher') ?? '', 'second life');
  } catch (err) {
    await cleanUp();
    throw err;
  }
  const s = createKubeletServer({ runtime: rt, resolve, token: TOKEN, tls, log: silentLogger });
  server = s;
  await s.listen(0, '127.0.0.1');
  base = `https://127.0.0.1:${s.address().port}`;
});

afterAll(async () => {
  try {
    await server?.close();
  } finally {
    await cleanUp();
  }
});

const opts = { token: TOKEN, ca: tls.cert };
const execUrl = (name: string, cmd: string[], flags = 'output=1&error=1'): string =>
  `${base}/exec/default/web/${name}?${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${flags}`;
const logsUrl = (name: string, query = ''): string => `${base}/containerLogs/default/web/${name}${query === '' ? '' : `?${query}`}`;

describe('exec', () => {
  it('echo hi → "hi\\n" on stdout and Success', async () => {
    const r = await kubeletStreamClient.run(execUrl('main', ['echo', 'hi']), opts);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toBe('');
    expect(r.errorChannel).toBe('{"metadata":{},"status":"Success"}');
    expect(r.closeCode).toBe(1000);
  });

  it('sh -c "exit 3" → the NonZeroExitCode Status with exit code 3; stderr on channel 2', async () => {
    const r = await kubeletStreamClient.run(execUrl('main', ['sh', '-c', 'echo oops >&2; exit 3']), opts);
    expect(r.stderr).toBe('oops\n');
    expect(r.status).toEqual({
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [sh -c echo oops >&2; exit 3], exit code 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(r.exitCode).toBe(3);
    expect(r.closeCode).toBe(1000);
  });

  it('pipes stdin through cat and ends when stdin is closed ([255, 0])', async () => {
    const r = await kubeletStreamClient.run(execUrl('main', ['cat'], 'input=1&output=1&error=1'), { ...opts, stdin: 'hello\nworld\n' });
    expect(r.stdout).toBe('hello\nworld\n');
    expect(r.exitCode).toBe(0);
  });

  it('tty: stderr merged into stdout, the terminal takes the resize', async () => {
    const t = await kubeletStreamClient.run(
      execUrl('main', ['sh', '-c', 'sleep 1; stty size; echo to-err >&2'], 'output=1&error=1&tty=1'),
      { ...opts, resize: { width: 100, height: 30 } },
    );
    expect(t.stdout.replace(/\r/g, '')).toBe('30 100\nto-err\n');
    expect(t.frames.some((f) => f.channel === 2)).toBe(false);
    expect(t.exitCode).toBe(0);
  });

  it('a command that cannot start fails the session with a Status, not a hang', async () => {
    const r = await kubeletStreamClient.run(execUrl('main', ['/no/such/binary']), opts);
    expect(r.closeCode).toBe(1000);
    expect(r.status?.status).toBe('Failure');
  });
});

describe('logs', () => {
  it('returns stdout and stderr in order; tailLines and timestamps', async () => {
    const all = await kubeletStreamClient.logs(logsUrl('main'), opts);
    expect(all.statusCode).toBe(200);
    expect(await all.text()).toBe('started\nto-stderr\n');
    const tail = await kubeletStreamClient.logs(logsUrl('main', 'tailLines=1'), opts);
    expect(await tail.text()).toBe('to-stderr\n');
    const ts = await (await kubeletStreamClient.logs(logsUrl('main', 'timestamps=true'), opts)).text();
    expect(ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z started\n\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z to-stderr\n$/);
    const limited = await kubeletStreamClient.logs(logsUrl('main', 'limitBytes=4'), opts);
    expect(await limited.text()).toBe('star');
  });

  it('follow receives a line written after the request started', async () => {
    const abort = new AbortController();
    const res = await kubeletStreamClient.logs(logsUrl('main', 'follow=true'), { ...opts, signal: abort.signal });
    let seen = '';
    res.body.on('data', (c: Buffer) => { seen += c.toString(); });
    res.body.on('error', () => undefined);
    await expect.poll(() => seen, { timeout: 10_000 }).toContain('to-stderr\n');
    const w = await kubeletStreamClient.run(execUrl('main', ['sh', '-c', 'echo follow-line > /proc/1/fd/1']), opts);
    expect(w.exitCode).toBe(0);
    await expect.poll(() => seen, { timeout: 10_000 }).toBe('started\nto-stderr\nfollow-line\n');
    abort.abort();
  });

  it('follow ends when the container stops', async () => {
    const res = await kubeletStreamClient.logs(logsUrl('once', 'follow=true'), opts);
    const body = res.text();
    const conn = await kubeletStreamClient.connect(`${base}/attach/default/web/once?input=1&output=1&error=1`, opts);
    await conn.writeStdin('bye\n');
    await conn.waitForOutput('bye\n');
    await conn.closeStdin();
    const r = await conn.result;
    // attach reports Success when the attached process ends, as the kubelet does.
    expect(r.errorChannel).toBe('{"metadata":{},"status":"Success"}');
    expect(r.closeCode).toBe(1000);
    expect(await body).toBe('bye\n');
  });

  it('previous=true reads the dead instance; none → 400 with kube\'s message', async () => {
    const prev = await kubeletStreamClient.logs(logsUrl('crasher', 'previous=true'), opts);
    expect(await prev.text()).toBe('first life\n');
    const cur = await kubeletStreamClient.logs(logsUrl('crasher'), opts);
    expect(await cur.text()).toBe('second life\n');
    const none = await kubeletStreamClient.logs(logsUrl('main', 'previous=true'), opts);
    expect(none.statusCode).toBe(400);
    expect(JSON.parse(await none.text())).toMatchObject({ reason: 'BadRequest', message: 'previous terminated container "main" in pod "web" not found' });
  });

  it('an exited container cannot be exec\'d into: the kubelet\'s "container not found" before the upgrade', async () => {
    ids.set('dead', previousCrasher);
    const err = await kubeletStreamClient.connect(`${base}/exec/default/web/dead?command=ls&output=1`, { ...opts, protocols: ['v4.channel.k8s.io'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 500, body: 'container not found ("dead")' });
  });
});

describe('attach', () => {
  it('attaches to a container running cat: stdin in, stdout out; the container outlives the session', async () => {
    const conn = await kubeletStreamClient.connect(`${base}/attach/default/web/catter?input=1&output=1&error=1`, opts);
    await conn.writeStdin('ping\n');
    await conn.waitForOutput('ping\n');
    conn.close();
    await conn.result;
    const again = await kubeletStreamClient.connect(`${base}/attach/default/web/catter?input=1&output=1&error=1`, opts);
    await again.writeStdin('pong\n');
    await again.waitForOutput('pong\n');
    again.close();
    expect((await rt.containerStatus(ids.get('catter') ?? '')).state).toBe('running');
  });
});
