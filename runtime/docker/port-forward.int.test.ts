// Port-forward on the real engine, through every path: the relay on this host (setns into the
// pause process's netns), `docker exec` of the relay in the sandbox (as on Docker Desktop: the
// runtime is built with hostProc undefined), a helper container for a sandbox of another infra
// image, and a plain connect for a hostNetwork sandbox.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_DOCKER_TYPE, LABEL_NODE_NAME } from '../labels.ts';
import type { DockerRuntime } from './docker-runtime.ts';
import { NODELET_PAUSE_IMAGE } from './local-images.ts';
import {
  containerConfig,
  freePort,
  newPod,
  removeNodeContainers,
  sandboxConfig,
  startPod,
  testNodeName,
  testRuntime,
  waitFor,
} from './test-support.ts';

const NODE = testNodeName('portfwd');
const FOREIGN_PAUSE = `localhost/nodelet-test-foreign-pause:${process.pid}`;
const hostRt = testRuntime(NODE, { infraImage: NODELET_PAUSE_IMAGE });
const engineRt = testRuntime(NODE, { infraImage: NODELET_PAUSE_IMAGE, hostProc: undefined });
const BLOB_BYTES = 100 * 1024 * 1024;

let sandboxId = '';
let podIp = '';
let blobSum = '';

/** Servers in the pod: 8080 only on 127.0.0.1; 8081 answers the sha256 of what it read once the
 * client half-closes; 8082 sends a 100 MiB file; 8083 never closes its side. */
const SERVERS = [
  containerConfig('web', { command: ['sh', '-c', 'mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www'] }),
  containerConfig('sum', { command: ['nc', '-ll', '-p', '8081', '-e', 'sh', '-c', 'sha256sum | cut -c1-64'] }),
  containerConfig('hold', { command: ['nc', '-ll', '-p', '8083', '-e', 'sleep', '3600'] }),
  containerConfig('blob', { command: ['sh', '-c', `head -c ${BLOB_BYTES} /dev/urandom > /tmp/blob && sha256sum /tmp/blob | cut -c1-64 > /tmp/blob.sum && exec nc -ll -p 8082 -e cat /tmp/blob`] }),
];

async function listening(rt: DockerRuntime, containerId: string, ports: number[]): Promise<void> {
  await waitFor(`ports ${ports.join(', ')} to listen`, async () => {
    const out = (await rt.execSync(containerId, ['netstat', '-ltn'], 5000)).stdout.toString();
    return ports.every((p) => out.includes(`:${p} `)) ? true : undefined;
  }, 60_000);
}

/** Writes `send` (then half-closes), reads until the pod closes; sha256 and size of what came back. */
async function roundTrip(conn: Duplex, send: Buffer | string | undefined): Promise<{ data: Buffer; bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  let bytes = 0;
  const done = new Promise<void>((resolve, reject) => {
    conn.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      if (parts.length < 64) parts.push(c);
    });
    conn.once('end', () => { resolve(); });
    conn.once('error', reject);
  });
  if (send !== undefined) conn.end(send);
  await done;
  conn.end();
  return { data: Buffer.concat(parts), bytes, sha256: hash.digest('hex') };
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Relays for this sandbox and port still running, on this host or inside the sandbox (this test
 * runs on the engine's host, so its /proc shows both). */
function relaysFor(port: number): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (args.includes('portforward') && args.includes(sandboxId) && args.endsWith(` ${port}`)) found.push(args);
    } catch { /* gone */ }
  }
  return found;
}

async function helpers(): Promise<number> {
  const list = await hostRt.docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${NODE}`, `${LABEL_DOCKER_TYPE}=container-helper`] } });
  return list.length;
}

beforeAll(async () => {
  const sb = sandboxConfig(newPod('portfwd'));
  const started = await startPod(hostRt, sb, SERVERS);
  sandboxId = started.sandboxId;
  podIp = (await hostRt.sandboxStatus(sandboxId)).ips[0] ?? '';
  await listening(hostRt, started.ids[0] as string, [8080, 8081, 8082, 8083]);
  blobSum = (await waitFor('the blob', async () => {
    const r = await hostRt.execSync(started.ids[3] as string, ['cat', '/tmp/blob.sum'], 5000);
    return r.exitCode === 0 && r.stdout.length >= 64 ? r.stdout.toString().trim() : undefined;
  }, 60_000));
});

afterAll(async () => {
  await removeNodeContainers(hostRt.docker, NODE);
  await hostRt.docker.getImage(FOREIGN_PAUSE).remove({ force: true }).catch(() => undefined);
});

describe.each([
  { name: 'host path (relay on this host, setns)', rt: () => hostRt, path: 'host' },
  { name: 'engine path (docker exec in the sandbox)', rt: () => engineRt, path: 'exec' },
])('port-forward: $name', ({ rt, path }) => {
  it('takes the expected path', async () => {
    expect(await rt().portForwardPath(sandboxId)).toBe(path);
  });

  it('reaches a server bound only to 127.0.0.1 inside the pod', async () => {
    const conn = await rt().portForward(sandboxId, 8080);
    const r = await roundTrip(conn, 'GET /index.html HTTP/1.0\r\n\r\n');
    expect(r.data.toString()).toMatch(/^HTTP\/1\.[01] 200 OK/);
    expect(r.data.toString()).toContain('hello-from-pod');
    // …which the pod IP does not reach.
    await expect(new Promise((resolve, reject) => {
      const s = connect({ host: podIp, port: 8080 }, () => { s.destroy(); resolve('connected'); });
      s.once('error', reject);
    })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails with the relay\'s message when nothing listens', async () => {
    const err = await rt().portForward(sandboxId, 8099).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'RuntimeError', code: 'ERR_PORT_FORWARD' });
    expect((err as Error).message).toBe(`failed to connect to localhost:8099 inside namespace "${sandboxId}": connect: connection refused`);
  });

  it('half-closes: the pod reads EOF, answers, then closes', async () => {
    const conn = await rt().portForward(sandboxId, 8081);
    const r = await roundTrip(conn, 'hello, pod');
    expect(r.data.toString().trim()).toBe(sha256('hello, pod'));
  });

  it('carries several connections at once', async () => {
    const payloads = Array.from({ length: 8 }, (_, i) => `connection ${i} ${randomBytes(8).toString('hex')}`);
    const results = await Promise.all(payloads.map(async (p) => roundTrip(await rt().portForward(sandboxId, 8081), p)));
    expect(results.map((r) => r.data.toString().trim())).toEqual(payloads.map(sha256));
  });

  it('moves 100 MiB from the pod and 32 MiB to it, intact', async () => {
    const down = await roundTrip(await rt().portForward(sandboxId, 8082), undefined);
    expect(down.bytes).toBe(BLOB_BYTES);
    expect(down.sha256).toBe(blobSum);
    const upload = randomBytes(32 * 1024 * 1024);
    const up = await roundTrip(await rt().portForward(sandboxId, 8081), upload);
    expect(up.data.toString().trim()).toBe(sha256(upload));
  });

  it('drops the connection when the signal aborts, and cancels one not yet made', async () => {
    const ac = new AbortController();
    const conn = await rt().portForward(sandboxId, 8081, { signal: ac.signal });
    const closed = new Promise<boolean>((resolve) => { conn.once('close', () => { resolve(conn.errored === null); }); });
    ac.abort();
    expect(await closed).toBe(true); // closed, without an error event
    await expect(rt().portForward(sandboxId, 8081, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_PORT_FORWARD', message: /cancelled/ });
  });

  it('leaves no relay behind when a connection is dropped while the pod keeps it open', async () => {
    const conn = await rt().portForward(sandboxId, 8083);
    conn.on('error', () => undefined);
    conn.write('anyone there?');
    expect(relaysFor(8083)).toHaveLength(1);
    conn.destroy();
    await waitFor('the relay to be gone', () => Promise.resolve(relaysFor(8083).length === 0 ? true : undefined), 10_000);
  });
});

describe('port-forward: other sandboxes', () => {
  it('rejects an unknown sandbox with ERR_NOT_FOUND', async () => {
    await expect(hostRt.portForward('0123456789ab0123456789ab', 80)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(hostRt.portForward(sandboxId, 0)).rejects.toMatchObject({ code: 'ERR_PORT_FORWARD', message: /invalid port 0/ });
  });

  it('uses a helper container in the netns of a sandbox from another infra image, then removes it', async () => {
    // Another pause image: nodelet's own, committed under another id (a stand-in for registry.k8s.io/pause).
    const base = await hostRt.docker.createContainer({ Image: NODELET_PAUSE_IMAGE, Labels: { [LABEL_NODE_NAME]: NODE } });
    const [repo, tag] = FOREIGN_PAUSE.split(/:(?=[^:]+$)/) as [string, string];
    await base.commit({ repo, tag, changes: ['LABEL io.nodelet.test=foreign-pause'] });
    await base.remove({ force: true });

    const sb = sandboxConfig(newPod('foreign'), { image: FOREIGN_PAUSE });
    const { sandboxId: foreign, ids } = await startPod(engineRt, sb, [
      containerConfig('web', { command: ['sh', '-c', 'echo foreign > /tmp/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp'] }),
    ]);
    await listening(engineRt, ids[0] as string, [8080]);
    expect(await engineRt.portForwardPath(foreign)).toBe('helper');
    const r = await roundTrip(await engineRt.portForward(foreign, 8080), 'GET /index.html HTTP/1.0\r\n\r\n');
    expect(r.data.toString()).toContain('foreign');
    await expect(engineRt.portForward(foreign, 8099)).rejects.toThrow(`failed to connect to localhost:8099 inside namespace "${foreign}": connect: connection refused`);
    await waitFor('helpers to be removed', async () => ((await helpers()) === 0 ? true : undefined), 10_000);
  });

  it('connects on the node for a hostNetwork sandbox (directly here, by exec through the engine)', async () => {
    const port = await freePort();
    const sb = sandboxConfig(newPod('hostnet'), { namespaces: { network: 'node', ipc: 'pod', pid: 'container' } });
    const { sandboxId: hostNet, ids } = await startPod(hostRt, sb, [
      containerConfig('web', { command: ['sh', '-c', `echo on-the-node > /tmp/index.html && exec httpd -f -p 127.0.0.1:${port} -h /tmp`] }),
    ]);
    await listening(hostRt, ids[0] as string, [port]);
    expect(await hostRt.portForwardPath(hostNet)).toBe('direct');
    expect(await engineRt.portForwardPath(hostNet)).toBe('exec');
    for (const rt of [hostRt, engineRt]) {
      const r = await roundTrip(await rt.portForward(hostNet, port), 'GET /index.html HTTP/1.0\r\n\r\n');
      expect(r.data.toString()).toContain('on-the-node');
    }
  });
});
