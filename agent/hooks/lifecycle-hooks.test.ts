import http from 'node:http';
import net from 'node:net';
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import type { ExecSyncResult } from '../../runtime/types.ts';
import { DirectTransport } from '../prober/direct-transport.ts';
import type { ContainerEventRecord } from '../prober/events.ts';
import { LifecycleHooks, remainingGrace, type HookTarget } from './lifecycle-hooks.ts';

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [] } };
const requests: { url: string; ua: string | undefined }[] = [];
let port = 0;
let closedPort = 0;
let server: http.Server;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', ua: req.headers['user-agent'] });
    // Hooks do not look at the status code.
    res.writeHead(req.url?.startsWith('/err') === true ? 500 : 200);
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
  const tmp = net.createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as net.AddressInfo).port;
  await new Promise((r) => tmp.close(r));
});

afterAll(() => { server.close(); });

type ExecFn = (id: string, cmd: string[], timeoutMs: number) => Promise<ExecSyncResult>;

function setup(execFn: ExecFn = () => Promise.resolve({ exitCode: 0, stdout: Buffer.from(''), stderr: Buffer.from(''), timedOut: false })) {
  const clock = new FakeClock();
  const events: ContainerEventRecord[] = [];
  const execCalls: { cmd: string[]; timeoutMs: number }[] = [];
  const hooks = new LifecycleHooks({
    clock,
    exec: { execSync: (id, cmd, t) => { execCalls.push({ cmd, timeoutMs: t }); return execFn(id, cmd, t); } },
    transport: new DirectTransport(),
    events: { emit: (e) => { events.push(e); } },
  });
  const target = (lifecycle: Container['lifecycle']): HookTarget => ({
    pod, container: { name: 'c', ...(lifecycle === undefined ? {} : { lifecycle }) }, containerId: 'cid', podIP: '127.0.0.1',
  });
  return { clock, events, execCalls, hooks, target };
}

describe('postStart', () => {
  it('succeeds without a hook and with a passing one, without events', async () => {
    const s = setup();
    expect(await s.hooks.runPostStart(s.target(undefined))).toEqual({ ok: true });
    expect(await s.hooks.runPostStart(s.target({ postStart: { exec: { command: ['true'] } } }))).toEqual({ ok: true });
    expect(s.events).toEqual([]);
  });

  it('fails an exec hook with the kubelet message and a FailedPostStartHook event', async () => {
    const s = setup(() => Promise.resolve({ exitCode: 3, stdout: Buffer.from('out\n'), stderr: Buffer.from('oops'), timedOut: false }));
    const r = await s.hooks.runPostStart(s.target({ postStart: { exec: { command: ['sh', '-c', 'exit 3'] } } }));
    expect(r).toEqual({
      ok: false,
      reason: 'PostStartHookError',
      message: 'Exec lifecycle hook ([sh -c exit 3]) for Container "c" in Pod "p_ns(u1)" failed - error: command \'sh -c exit 3\' exited with 3: oops, message: "out\\noops"',
    });
    expect(s.events).toEqual([{ pod, containerName: 'c', type: 'Warning', reason: 'FailedPostStartHook', message: 'PostStartHook failed' }]);
  });

  it('runs an httpGet hook against the pod IP with kube-lifecycle, whatever the status', async () => {
    const s = setup();
    requests.length = 0;
    expect(await s.hooks.runPostStart(s.target({ postStart: { httpGet: { path: '/echo?msg=poststart', port } } }))).toEqual({ ok: true });
    expect(await s.hooks.runPostStart(s.target({ postStart: { httpGet: { path: '/err', port } } }))).toEqual({ ok: true });
    expect(requests).toEqual([{ url: '/echo?msg=poststart', ua: 'kube-lifecycle/1.33' }, { url: '/err', ua: 'kube-lifecycle/1.33' }]);
  });

  it('fails an httpGet hook when the connection fails', async () => {
    const s = setup();
    const r = await s.hooks.runPostStart(s.target({ postStart: { httpGet: { path: '/echo', port: closedPort } } }));
    expect(r).toEqual({
      ok: false,
      reason: 'PostStartHookError',
      message: `HTTP lifecycle hook (/echo) for Container "c" in Pod "p_ns(u1)" failed - error: Get "http://127.0.0.1:${closedPort}/echo": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    });
  });

  it('retries an HTTPS hook over HTTP when the server speaks plain HTTP', async () => {
    const s = setup();
    requests.length = 0;
    const r = await s.hooks.runPostStart(s.target({ postStart: { httpGet: { path: '/tls', port, scheme: 'HTTPS' } } }));
    expect(r).toEqual({ ok: true });
    expect(requests.map((q) => q.url)).toEqual(['/tls']);
    expect(s.events).toEqual([{ pod, containerName: 'c', type: 'Warning', reason: 'LifecycleHTTPFallback', message: `request to HTTPS lifecycle hook 127.0.0.1:${port} got HTTP response, retry with HTTP succeeded` }]);
  });

  it('rejects tcpSocket handlers', async () => {
    const s = setup();
    const r = await s.hooks.runPostStart(s.target({ postStart: { tcpSocket: { port: 80 } } }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toBe('Cannot run handler: invalid handler: {"tcpSocket":{"port":80}}');
  });
});

describe('preStop', () => {
  it('does nothing without a hook or without grace, leaving at least 2 s', async () => {
    const s = setup();
    expect(await s.hooks.runPreStop(s.target(undefined), 30)).toMatchObject({ ran: false, stopGraceSeconds: 30 });
    expect(await s.hooks.runPreStop(s.target({ preStop: { sleep: { seconds: 5 } } }), 0)).toMatchObject({ ran: false, stopGraceSeconds: 2 });
  });

  it('counts a sleep hook against the grace period', async () => {
    const s = setup();
    let result: unknown;
    void s.hooks.runPreStop(s.target({ preStop: { sleep: { seconds: 50 } } }), 100).then((r) => { result = r; });
    await s.clock.step(49_999);
    expect(result).toBeUndefined();
    await s.clock.step(1);
    expect(result).toEqual({ ran: true, ok: true, completed: true, elapsedSeconds: 50, remainingGraceSeconds: 50, stopGraceSeconds: 50 });
  });

  it('cuts a hook off at the grace period and leaves the 2 s minimum', async () => {
    const s = setup();
    let result: unknown;
    void s.hooks.runPreStop(s.target({ preStop: { sleep: { seconds: 50 } } }), 30).then((r) => { result = r; });
    await s.clock.step(30_000);
    expect(result).toEqual({ ran: true, ok: false, completed: false, elapsedSeconds: 30, remainingGraceSeconds: 0, stopGraceSeconds: 2 });
    expect(s.events).toEqual([]);
    expect(s.clock.pending()).toBe(0);
  });

  it('bounds an exec hook by the grace period, even if the exec never returns', async () => {
    const s = setup(() => new Promise<ExecSyncResult>(() => undefined));
    let result: unknown;
    void s.hooks.runPreStop(s.target({ preStop: { exec: { command: ['sleep', '1000'] } } }), 15).then((r) => { result = r; });
    await s.clock.step(15_000);
    expect(s.execCalls).toEqual([{ cmd: ['sleep', '1000'], timeoutMs: 15_000 }]);
    expect(result).toMatchObject({ completed: false, elapsedSeconds: 15, stopGraceSeconds: 2 });
  });

  it('reports a failing hook with FailedPreStopHook and keeps the remaining grace', async () => {
    const s = setup(async () => {
      await s.clock.sleep(4_500);
      return { exitCode: 1, stdout: Buffer.from(''), stderr: Buffer.from(''), timedOut: false };
    });
    let result: unknown;
    void s.hooks.runPreStop(s.target({ preStop: { exec: { command: ['false'] } } }), 30).then((r) => { result = r; });
    await s.clock.step(4_500);
    expect(result).toMatchObject({
      ran: true, ok: false, completed: true, elapsedSeconds: 4, remainingGraceSeconds: 26, stopGraceSeconds: 26,
      message: 'Exec lifecycle hook ([false]) for Container "c" in Pod "p_ns(u1)" failed - error: command \'false\' exited with 1: , message: ""',
    });
    expect(s.events).toEqual([{ pod, containerName: 'c', type: 'Warning', reason: 'FailedPreStopHook', message: 'PreStopHook failed' }]);
  });

  it('stops waiting when the caller aborts', async () => {
    const s = setup();
    const ac = new AbortController();
    let result: unknown;
    void s.hooks.runPreStop(s.target({ preStop: { sleep: { seconds: 10 } } }), 30, { signal: ac.signal }).then((r) => { result = r; });
    await s.clock.step(3_000);
    ac.abort();
    await s.clock.step(0);
    expect(result).toMatchObject({ completed: false, elapsedSeconds: 3, stopGraceSeconds: 27 });
  });
});

describe('sleep handler', () => {
  it('sleeps on the clock and fails with the kubelet message when aborted', async () => {
    const s = setup();
    const ac = new AbortController();
    let msg: string | undefined = 'pending';
    void s.hooks.runHandler({ sleep: { seconds: 10 } }, s.target(undefined), { timeoutMs: 60_000, signal: ac.signal }).then((m) => { msg = m; });
    await s.clock.step(5_000);
    expect(msg).toBe('pending');
    ac.abort();
    await s.clock.step(0);
    expect(msg).toBe('Sleep lifecycle hook (10) for Container "c" in Pod "p_ns(u1)" failed - error: container terminated before sleep hook finished');
    let done: string | undefined = 'pending';
    void s.hooks.runHandler({ sleep: { seconds: 1 } }, s.target(undefined), { timeoutMs: 60_000 }).then((m) => { done = m; });
    await s.clock.step(1_000);
    expect(done).toBeUndefined();
  });
});

describe('remainingGrace', () => {
  it('subtracts the hook time and never returns less than 2 s', () => {
    expect(remainingGrace(30, 5)).toBe(25);
    expect(remainingGrace(30, 29)).toBe(2);
    expect(remainingGrace(30, 45)).toBe(2);
    expect(remainingGrace(0)).toBe(2);
  });
});
