import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { RuntimeError } from '../errors.ts';
import type { ContainerConfig, RuntimeEvent, SandboxConfig } from '../types.ts';
import { FakeRuntime, duplexPair, refusedPortForward } from './fake-runtime.ts';

const pod = { name: 'p', namespace: 'default', uid: 'u1' };
const sandboxConfig: SandboxConfig = {
  pod, attempt: 0, hostname: 'p', portMappings: [], namespaces: { network: 'pod', ipc: 'pod', pid: 'pod' },
  sysctls: {}, labels: {}, annotations: {},
};
function cfg(name: string, image = 'busybox:1'): ContainerConfig {
  return { name, attempt: 0, image, env: [], tty: false, stdin: false, stdinOnce: false, mounts: [], resources: {}, security: {}, labels: {}, annotations: {} };
}

describe('FakeRuntime', () => {
  it('runs a scripted container to exit on the clock and reports it', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock, images: ['busybox:1'] });
    rt.program('c', { exitAfterMs: 5000, exitCode: 3 });
    const sb = await rt.runSandbox(sandboxConfig);
    const id = await rt.createContainer(sb, cfg('c'), sandboxConfig);
    await rt.startContainer(id);
    expect((await rt.containerStatus(id)).state).toBe('running');
    await clock.step(5000);
    const st = await rt.containerStatus(id);
    expect(st).toMatchObject({ state: 'exited', exitCode: 3, reason: 'Error', containerId: `docker://${id}` });
    expect(st.finishedAt - st.startedAt).toBe(5000);
  });

  it('stop waits the grace period, then kills with 137 unless the program handles TERM', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock, images: ['busybox:1'] });
    rt.program('polite', { exitOnTermCode: 0 });
    const sb = await rt.runSandbox(sandboxConfig);
    const a = await rt.createContainer(sb, cfg('stubborn'), sandboxConfig);
    const b = await rt.createContainer(sb, cfg('polite'), sandboxConfig);
    await rt.startContainer(a);
    await rt.startContainer(b);
    await rt.stopContainer(b, 30);
    expect((await rt.containerStatus(b)).exitCode).toBe(0);
    let done = false;
    void rt.stopContainer(a, 2).then(() => { done = true; });
    await clock.step(1999);
    expect(done).toBe(false);
    await clock.step(1);
    expect(done).toBe(true);
    expect((await rt.containerStatus(a)).exitCode).toBe(137);
    expect(rt.stopGraces(a)).toEqual([2]);
  });

  it('injects errors per method and records calls', async () => {
    const rt = new FakeRuntime({ images: ['busybox:1'] });
    const sb = await rt.runSandbox(sandboxConfig);
    rt.failOn('createContainer', new RuntimeError('ERR_CREATE_CONTAINER', 'boom'));
    await expect(rt.createContainer(sb, cfg('c'), sandboxConfig)).rejects.toThrow('boom');
    await expect(rt.createContainer(sb, cfg('c'), sandboxConfig)).resolves.toMatch(/^c/);
    expect(rt.callsOf('createContainer')).toHaveLength(2);
  });

  it('fails pulls of unknown images with ErrImagePull and succeeds for registry images', async () => {
    const rt = new FakeRuntime({ registry: ['nginx'] });
    await expect(rt.pullImage('nope:1')).rejects.toMatchObject({ reason: 'ErrImagePull' });
    const progress: string[] = [];
    await rt.pullImage('nginx', (p) => progress.push(p.status));
    expect(await rt.imageStatus('nginx:latest')).toBeDefined();
    expect(progress.length).toBeGreaterThan(0);
  });

  it('streams lifecycle events to subscribers until aborted', async () => {
    const rt = new FakeRuntime({ images: ['busybox:1'] });
    const ac = new AbortController();
    const seen: RuntimeEvent[] = [];
    const loop = (async () => { for await (const e of rt.events(ac.signal)) seen.push(e); })();
    const sb = await rt.runSandbox(sandboxConfig);
    const id = await rt.createContainer(sb, cfg('c'), sandboxConfig);
    await rt.startContainer(id);
    rt.exitContainer(id, 1);
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await loop;
    expect(seen.map((e) => `${e.type}:${e.isSandbox ? 'sb' : e.containerName ?? ''}`)).toEqual(['start:sb', 'create:c', 'start:c', 'die:c']);
  });

  it('removeSandbox removes its containers', async () => {
    const rt = new FakeRuntime({ images: ['busybox:1'] });
    const sb = await rt.runSandbox(sandboxConfig);
    await rt.createContainer(sb, cfg('c'), sandboxConfig);
    await rt.removeSandbox(sb);
    expect(await rt.listContainers({ podUid: 'u1' })).toEqual([]);
    expect(await rt.listSandboxes()).toEqual([]);
  });

  it('refuses port-forwards by default, answers them through a handler, and logs the calls', async () => {
    const rt = new FakeRuntime();
    const sb = await rt.runSandbox(sandboxConfig);
    await expect(rt.portForward(sb, 8080)).rejects.toMatchObject({
      code: 'ERR_PORT_FORWARD',
      message: `failed to connect to localhost:8080 inside namespace "${sb}": connect: connection refused`,
    });
    await expect(rt.portForward('nope', 8080)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    rt.onPortForward((_sandbox, port) => {
      if (port !== 8080) throw refusedPortForward(_sandbox, port);
      // The pod's side: read until the client half-closes, then answer and close.
      const [client, server] = duplexPair();
      let got = '';
      server.on('data', (c: Buffer) => { got += c.toString(); });
      server.on('end', () => { server.end(`echo:${got}`); });
      return client;
    });
    const conn = await rt.portForward(sb, 8080);
    let reply = '';
    conn.on('data', (c: Buffer) => { reply += c.toString(); });
    const ended = new Promise<void>((resolve) => { conn.on('end', resolve); });
    conn.end('hello');
    await ended;
    expect(reply).toBe('echo:hello');
    await expect(rt.portForward(sb, 9090)).rejects.toThrow('connection refused');
    expect(rt.callsOf('portForward').map((c) => c.args)).toEqual([[sb, 8080], ['nope', 8080], [sb, 8080], [sb, 9090]]);
  });

  it('drops a fake port-forward when its signal aborts, and refuses on a stopped sandbox', async () => {
    const rt = new FakeRuntime();
    const sb = await rt.runSandbox(sandboxConfig);
    rt.onPortForward(() => duplexPair()[0]);
    const ac = new AbortController();
    const conn = await rt.portForward(sb, 80, { signal: ac.signal });
    ac.abort();
    expect(conn.destroyed).toBe(true);
    await expect(rt.portForward(sb, 80, { signal: AbortSignal.abort() })).rejects.toThrow('cancelled');
    rt.failOn('portForward', new RuntimeError('ERR_ENGINE_UNAVAILABLE', 'engine gone'));
    await expect(rt.portForward(sb, 80)).rejects.toThrow('engine gone');
    await rt.stopSandbox(sb);
    await expect(rt.portForward(sb, 80)).rejects.toThrow('the sandbox is not running');
  });
});
