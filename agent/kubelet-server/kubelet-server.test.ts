import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { createKubeletServer } from './kubelet-server.ts';
import type { KubeletServer, ResolveContainer } from './kubelet-server.ts';
import { UpgradeRejectedError, kubeletStreamClient } from './stream-client.ts';
import { FakeStreamRuntime } from './testing/fake-streams.ts';
import { selfSignedCert } from './testing/self-signed-cert.ts';

const TOKEN = 'secret-token';

// Pods: default/web has c1 → container "ctr1" (running), "gone" → no such runtime container,
// "stopped" → an exited container; default/web c-prev previous → error.
const resolve: ResolveContainer = (ns, pod, container, { previous }) => {
  if (ns !== 'default' || pod !== 'web') return Promise.resolve({ error: { code: 404, reason: 'NotFound', message: `pods "${pod}" not found` } });
  if (previous) {
    if (container === 'c1') return Promise.resolve({ error: { code: 400, reason: 'BadRequest', message: `previous terminated container "${container}" in pod "${pod}" not found` } });
    return Promise.resolve({ containerId: 'ctr-old' });
  }
  if (container === 'c1') return Promise.resolve({ containerId: 'ctr1' });
  if (container === 'gone') return Promise.resolve({ containerId: 'nope' });
  if (container === 'stopped') return Promise.resolve({ containerId: 'ctr-stopped' });
  if (container === 'waiting') return Promise.resolve({ error: { code: 400, reason: 'BadRequest', message: `container "waiting" in pod "web" is waiting to start: ContainerCreating` } });
  return Promise.resolve({ error: { code: 404, reason: 'NotFound', message: `container "${container}" not found in pod "${pod}"` } });
};

let runtime: FakeStreamRuntime;
let server: KubeletServer;
let base: string;
let clock: FakeClock;

async function start(tls?: { cert: string; key: string }): Promise<void> {
  server = createKubeletServer({ runtime, resolve, token: TOKEN, tls, log: silentLogger, clock });
  await server.listen(0, '127.0.0.1');
  base = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${server.address().port}`;
}

beforeEach(async () => {
  clock = new FakeClock(Date.UTC(2026, 10, 23, 17, 0, 0));
  runtime = new FakeStreamRuntime();
  runtime.add('ctr1');
  runtime.add('ctr-old', 'exited');
  runtime.add('ctr-stopped', 'exited');
  await start();
});

afterEach(async () => {
  await server.close();
});

const execUrl = (container: string, cmd: string[], flags = 'output=1&error=1'): string =>
  `${base}/exec/default/web/${container}?${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${flags}`;

describe('authentication', () => {
  it('refuses logs without or with a wrong bearer token (401 Status)', async () => {
    for (const token of [undefined, 'wrong']) {
      const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1`, token === undefined ? {} : { token });
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(await res.text())).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });

  it('refuses a WebSocket exec without the token before upgrading', async () => {
    const err = await kubeletStreamClient.connect(execUrl('c1', ['echo', 'hi']), { token: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpgradeRejectedError);
    expect((err as UpgradeRejectedError).statusCode).toBe(401);
    expect(runtime.execs).toHaveLength(0);
  });
});

describe('GET /containerLogs', () => {
  it('streams stdout and stderr interleaved as text/plain', async () => {
    runtime.appendLog('ctr1', 'stdout', 'one\n');
    runtime.appendLog('ctr1', 'stderr', 'two\n');
    runtime.appendLog('ctr1', 'stdout', 'three\n');
    const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1`, { token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(await res.text()).toBe('one\ntwo\nthree\n');
  });

  it('passes tailLines, timestamps, sinceSeconds (from the clock) and sinceTime to the runtime', async () => {
    await (await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?tailLines=2&timestamps=true&sinceSeconds=10`, { token: TOKEN })).text();
    await (await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?sinceTime=2026-11-23T16:00:00Z&timestamps=false`, { token: TOKEN })).text();
    expect(runtime.logCalls[0]?.opts).toMatchObject({ tailLines: 2, timestamps: true, since: clock.now() - 10_000, follow: false });
    expect(runtime.logCalls[1]?.opts).toMatchObject({ since: Date.UTC(2026, 10, 23, 16, 0, 0), timestamps: false });
  });

  it('cuts the output at limitBytes', async () => {
    runtime.appendLog('ctr1', 'stdout', 'hello\n');
    runtime.appendLog('ctr1', 'stdout', 'world\n');
    const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?limitBytes=8`, { token: TOKEN });
    expect(await res.text()).toBe('hello\nwo');
  });

  it('follows: new lines arrive while the request is open; the stream ends when the container stops', async () => {
    runtime.appendLog('ctr1', 'stdout', 'first\n');
    const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?follow=true`, { token: TOKEN });
    expect(res.statusCode).toBe(200);
    const received: string[] = [];
    const ended = new Promise<void>((done) => { res.body.on('end', done); });
    const got = (text: string): Promise<void> => new Promise<void>((done) => {
      const check = (): void => { if (received.join('').includes(text)) done(); else setTimeout(check, 5); };
      check();
    });
    res.body.on('data', (c: Buffer) => received.push(c.toString()));
    await got('first\n');
    runtime.appendLog('ctr1', 'stdout', 'second\n');
    await got('second\n');
    runtime.stop('ctr1');
    await ended;
    expect(received.join('')).toBe('first\nsecond\n');
  });

  it('follow stops reading the runtime when the client goes away', async () => {
    const abort = new AbortController();
    const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?follow=1`, { token: TOKEN, signal: abort.signal });
    res.body.on('error', () => undefined);
    expect(res.statusCode).toBe(200);
    const signal = runtime.logCalls[0]?.opts.signal;
    expect(signal?.aborted).toBe(false);
    abort.abort();
    await expect.poll(() => signal?.aborted).toBe(true);
  });

  it('previous with no dead instance: 400 with kube\'s message', async () => {
    const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?previous=true`, { token: TOKEN });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(await res.text())).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'previous terminated container "c1" in pod "web" not found', reason: 'BadRequest', code: 400,
    });
  });

  it('previous reads the dead instance', async () => {
    runtime.appendLog('ctr-old', 'stdout', 'old life\n');
    const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c2?previous=true`, { token: TOKEN });
    expect(await res.text()).toBe('old life\n');
    expect(runtime.logCalls[0]?.containerId).toBe('ctr-old');
  });

  it('unknown pod or container: 404 Status; waiting container: 400', async () => {
    const pod = await kubeletStreamClient.logs(`${base}/containerLogs/default/nope/c1`, { token: TOKEN });
    expect(pod.statusCode).toBe(404);
    expect(pod.headers['content-type']).toBe('application/json');
    expect(JSON.parse(await pod.text())).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found', code: 404 });
    const ctr = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/zz`, { token: TOKEN });
    expect(JSON.parse(await ctr.text())).toMatchObject({ code: 404, message: 'container "zz" not found in pod "web"' });
    const waiting = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/waiting`, { token: TOKEN });
    expect(waiting.statusCode).toBe(400);
    expect(JSON.parse(await waiting.text())).toMatchObject({ message: 'container "waiting" in pod "web" is waiting to start: ContainerCreating' });
  });

  it('invalid options: 422 / 400, and the runtime is not called', async () => {
    const both = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z`, { token: TOKEN });
    expect(both.statusCode).toBe(422);
    const bad = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1?tailLines=x`, { token: TOKEN });
    expect(bad.statusCode).toBe(400);
    expect(runtime.logCalls).toHaveLength(0);
  });

  it('unknown paths are 404', async () => {
    const res = await kubeletStreamClient.logs(`${base}/pods`, { token: TOKEN });
    expect(res.statusCode).toBe(404);
  });
});

describe('GET /containerLogs over WebSocket (binary.k8s.io, as the apiserver serves pods/log)', () => {
  const open = (url: string, protocols: string[]): Promise<{ messages: { data: string; binary: boolean }[]; code: number }> => new Promise((done, fail) => {
    const ws = new WebSocket(url.replace('http', 'ws'), protocols, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const messages: { data: string; binary: boolean }[] = [];
    ws.on('message', (m: Buffer, binary: boolean) => messages.push({ data: m.toString(), binary }));
    ws.on('close', (code) => { done({ messages, code }); });
    ws.on('unexpected-response', (_req, res) => { fail(new Error(`status ${res.statusCode ?? 0}`)); });
    ws.on('error', fail);
  });

  it('binary.k8s.io: one binary message per chunk, then close 1000', async () => {
    runtime.appendLog('ctr1', 'stdout', 'container is alive\n');
    runtime.appendLog('ctr1', 'stderr', 'err\n');
    const r = await open(`${base}/containerLogs/default/web/c1`, ['binary.k8s.io']);
    expect(r.messages).toEqual([{ data: 'container is alive\n', binary: true }, { data: 'err\n', binary: true }]);
    expect(r.code).toBe(1000);
  });

  it('base64.binary.k8s.io: base64 text messages', async () => {
    runtime.appendLog('ctr1', 'stdout', 'hi\n');
    const r = await open(`${base}/containerLogs/default/web/c1?limitBytes=2`, ['base64.binary.k8s.io']);
    expect(r.messages).toEqual([{ data: Buffer.from('hi').toString('base64'), binary: false }]);
  });

  it('errors are answered before the upgrade', async () => {
    await expect(open(`${base}/containerLogs/default/web/c1?previous=true`, ['binary.k8s.io'])).rejects.toThrow('status 400');
  });
});

describe('exec over WebSocket v5', () => {
  it('echo hi: an empty stdout frame first, "hi\\n" on stdout, Success on channel 3, close 1000', async () => {
    const r = await kubeletStreamClient.run(execUrl('c1', ['echo', 'hi']), { token: TOKEN });
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.frames[0]).toEqual({ channel: 1, data: Buffer.alloc(0) });
    expect(r.stdout).toBe('hi\n');
    expect(r.errorChannel).toBe('{"metadata":{},"status":"Success"}');
    expect(r.frames[r.frames.length - 1]?.channel).toBe(3);
    expect(r.exitCode).toBe(0);
    expect(r.closeCode).toBe(1000);
    expect(runtime.execs[0]).toMatchObject({ containerId: 'ctr1', cmd: ['echo', 'hi'], tty: false });
  });

  it('non-zero exit: the kubelet\'s NonZeroExitCode Status', async () => {
    const r = await kubeletStreamClient.run(execUrl('c1', ['sh', '-c', 'exit 3']), { token: TOKEN });
    expect(JSON.parse(r.errorChannel)).toEqual({
      metadata: {}, status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(r.exitCode).toBe(3);
    expect(r.closeCode).toBe(1000);
  });

  it('stderr goes out on channel 2', async () => {
    const r = await kubeletStreamClient.run(execUrl('c1', ['err', 'oops']), { token: TOKEN });
    expect(r.stderr).toBe('oops\n');
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(1);
  });

  it('stdin on channel 0 reaches the process; [255,0] closes it so cat exits', async () => {
    const conn = await kubeletStreamClient.connect(execUrl('c1', ['cat'], 'input=1&output=1&error=1'), { token: TOKEN });
    await conn.writeStdin('hello\n');
    await conn.waitForOutput('hello\n');
    await conn.writeStdin('world\n');
    await conn.waitForOutput('world\n');
    await conn.closeStdin();
    const r = await conn.result;
    expect(r.stdout).toBe('hello\nworld\n');
    expect(r.status?.status).toBe('Success');
    expect(r.closeCode).toBe(1000);
  });

  it('tty: stderr is merged into stdout (no channel 2) and resizes reach the session, even one sent before it started', async () => {
    const conn = await kubeletStreamClient.connect(execUrl('c1', ['cat'], 'input=1&output=1&error=1&tty=1'), { token: TOKEN });
    await conn.resize(100, 30);
    await conn.writeStdin('x');
    await conn.waitForOutput('x');
    await conn.resize(120, 40);
    await expect.poll(() => runtime.execs[0]?.resizes.length).toBe(2);
    await conn.closeStdin();
    await conn.result;
    expect(runtime.execs[0]?.tty).toBe(true);
    expect(runtime.execs[0]?.resizes).toEqual([{ width: 100, height: 30 }, { width: 120, height: 40 }]);

    const err = await kubeletStreamClient.run(execUrl('c1', ['err', 'merged'], 'output=1&error=1&tty=1'), { token: TOKEN });
    expect(err.stdout).toBe('merged\n');
    expect(err.frames.some((f) => f.channel === 2)).toBe(false);
  });

  it('a runtime failure to start the command is an InternalError Status', async () => {
    const r = await kubeletStreamClient.run(execUrl('c1', ['fail']), { token: TOKEN });
    expect(r.status).toMatchObject({
      status: 'Failure', reason: 'InternalError', code: 500,
      message: 'Internal error occurred: error executing command in container: exec: "fail": executable file not found in $PATH',
    });
    expect(r.exitCode).toBeUndefined();
    expect(r.closeCode).toBe(1000);
  });

  it('the client going away aborts the session\'s signal', async () => {
    const conn = await kubeletStreamClient.connect(execUrl('c1', ['wait']), { token: TOKEN });
    await expect.poll(() => runtime.execs.length).toBe(1);
    conn.close();
    await expect.poll(() => runtime.execs[0]?.signal?.aborted).toBe(true);
  });

  it('refuses bad options with a Status, and a container that is not running in the kubelet\'s words', async () => {
    const rejected = async (url: string, protocols?: string[]): Promise<UpgradeRejectedError> => {
      const err = await kubeletStreamClient.connect(url, { token: TOKEN, ...(protocols === undefined ? {} : { protocols }) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpgradeRejectedError);
      return err as UpgradeRejectedError;
    };
    // v4 (proxied as is upstream): the kubelet's plain-text refusal, which kubectl prints as
    // "unable to upgrade connection: container not found ("stopped")"
    const stopped = await rejected(execUrl('stopped', ['ls']), ['v4.channel.k8s.io']);
    expect([stopped.statusCode, stopped.body]).toEqual([500, 'container not found ("stopped")']);
    const gone = await rejected(execUrl('gone', ['ls']), ['v4.channel.k8s.io']);
    expect(gone.body).toBe('container not found ("gone")');
    expect((await rejected(execUrl('waiting', ['ls']), ['v4.channel.k8s.io'])).body).toBe('container not found ("waiting")');
    expect((await rejected(execUrl('c1', ['ls'], 'tty=0'))).status?.message).toBe('you must specify at least 1 of stdin, stdout, stderr');
    expect((await rejected(`${base}/exec/default/web/c1?output=1`)).status?.message).toBe('you must specify at least one command for the container');
    // v5 (through kube-apiserver's stream translator): upgraded, then an InternalError in-band
    const v5 = await kubeletStreamClient.run(execUrl('stopped', ['ls']), { token: TOKEN, protocols: ['v5.channel.k8s.io'] });
    expect(v5.status).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500, message: 'Internal error occurred: unable to upgrade connection: container not found ("stopped")' });
    expect(runtime.execs).toHaveLength(0);
  });

  it('a plain GET (or the SPDY fallback) gets 400 "Upgrade request required"', async () => {
    const res = await kubeletStreamClient.logs(execUrl('c1', ['ls']), { token: TOKEN });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(await res.text())).toMatchObject({ message: 'Upgrade request required', reason: 'BadRequest' });
  });

  it('accepts the /exec/{ns}/{pod}/{uid}/{container} form', async () => {
    const r = await kubeletStreamClient.run(`${base}/exec/default/web/some-uid/c1?command=echo&command=uid&output=1`, { token: TOKEN });
    expect(r.stdout).toBe('uid\n');
  });
});

describe('subprotocols', () => {
  it('prefers v5 when offered among others; speaks v4 when only v4 is offered (no stdin close signal)', async () => {
    const v5 = await kubeletStreamClient.run(execUrl('c1', ['echo', 'a']), { token: TOKEN, protocols: ['v4.channel.k8s.io', 'v5.channel.k8s.io'] });
    expect(v5.protocol).toBe('v5.channel.k8s.io');
    const v4 = await kubeletStreamClient.run(execUrl('c1', ['sh', '-c', 'exit 2']), { token: TOKEN, protocols: ['v4.channel.k8s.io'] });
    expect(v4.protocol).toBe('v4.channel.k8s.io');
    expect(v4.status?.reason).toBe('NonZeroExitCode');
    expect(v4.exitCode).toBe(2);
  });

  it('channel.k8s.io (v1): no Status on success, the plain message on failure', async () => {
    const ok = await kubeletStreamClient.run(execUrl('c1', ['echo', 'remote execution test']), { token: TOKEN, protocols: ['channel.k8s.io'] });
    expect(ok.protocol).toBe('channel.k8s.io');
    expect(ok.stdout).toBe('remote execution test\n');
    expect(ok.errorChannel).toBe('');
    const bad = await kubeletStreamClient.run(execUrl('c1', ['sh', '-c', 'exit 4']), { token: TOKEN, protocols: ['channel.k8s.io'] });
    expect(bad.errorChannel).toBe('command terminated with non-zero exit code: error executing command [sh -c exit 4], exit code 4');
  });

  it('base64.channel.k8s.io: text frames, "1" + base64', async () => {
    const raw: string[] = [];
    const ws = new WebSocket(execUrl('c1', ['echo', 'b64']).replace('http', 'ws'), ['base64.channel.k8s.io'], { headers: { Authorization: `Bearer ${TOKEN}` } });
    ws.on('message', (m: Buffer, isBinary: boolean) => { expect(isBinary).toBe(false); raw.push(m.toString()); });
    const code = await new Promise<number>((done) => { ws.on('close', done); });
    expect(code).toBe(1000);
    expect(raw).toEqual(['1', `1${Buffer.from('b64\n').toString('base64')}`]);
  });

  it('refuses a WebSocket that offers only unknown subprotocols', async () => {
    const err = await kubeletStreamClient.connect(execUrl('c1', ['echo']), { token: TOKEN, protocols: ['v9.channel.k8s.io'] }).catch((e: unknown) => e);
    expect((err as UpgradeRejectedError).statusCode).toBe(400);
  });
});

describe('attach', () => {
  it('attaches stdin/stdout to the main process and ends with Success', async () => {
    const conn = await kubeletStreamClient.connect(`${base}/attach/default/web/c1?input=1&output=1&error=1`, { token: TOKEN });
    await conn.writeStdin('ping\n');
    await conn.waitForOutput('ping\n');
    await conn.closeStdin();
    const r = await conn.result;
    expect(r.stdout).toBe('ping\n');
    expect(r.errorChannel).toBe('{"metadata":{},"status":"Success"}');
    expect(r.closeCode).toBe(1000);
  });
});

describe('HTTPS', () => {
  it('serves logs and exec over TLS with the given certificate', async () => {
    await server.close();
    const tls = await selfSignedCert();
    await start(tls);
    runtime.appendLog('ctr1', 'stdout', 'secure\n');
    const res = await kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1`, { token: TOKEN, ca: tls.cert });
    expect(await res.text()).toBe('secure\n');
    const r = await kubeletStreamClient.run(execUrl('c1', ['echo', 'tls']), { token: TOKEN, ca: tls.cert });
    expect(r.stdout).toBe('tls\n');
    await expect(kubeletStreamClient.logs(`${base}/containerLogs/default/web/c1`, { token: TOKEN })).rejects.toThrow();
  });
});
