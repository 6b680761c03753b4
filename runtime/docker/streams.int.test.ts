// Exec (exit codes, timeouts that really kill, stdin), attach, logs (previous instance, follow,
// tail, since, limit) and the engine event stream, on the real engine.
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../types.ts';
import {
  collectLogs,
  containerConfig,
  newPod,
  removeNodeContainers,
  sandboxConfig,
  startPod,
  testNodeName,
  testRuntime,
  waitFor,
} from './test-support.ts';

const NODE = testNodeName('streams');
const rt = testRuntime(NODE);

afterEach(async () => {
  await removeNodeContainers(rt.docker, NODE);
});
afterAll(async () => {
  await removeNodeContainers(rt.docker, NODE);
});

async function sleeper(name: string): Promise<string> {
  const sb = sandboxConfig(newPod(name));
  const { ids } = await startPod(rt, sb, [containerConfig('main', { command: ['sleep', '600'] })]);
  return ids[0] as string;
}

async function psList(id: string): Promise<string> {
  return (await rt.execSync(id, ['ps', '-o', 'pid,args'], 5000)).stdout.toString();
}

describe('exec (integration)', () => {
  it('returns exit codes and raw, demultiplexed stdout/stderr', async () => {
    const id = await sleeper('exec');
    const ok = await rt.execSync(id, ['sh', '-c', 'printf out; printf err >&2'], 5000);
    expect(ok).toMatchObject({ exitCode: 0, timedOut: false });
    expect(ok.stdout.toString()).toBe('out');
    expect(ok.stderr.toString()).toBe('err');
    const bad = await rt.execSync(id, ['sh', '-c', 'exit 7'], 5000);
    expect(bad.exitCode).toBe(7);
    const big = await rt.execSync(id, ['sh', '-c', 'head -c 300000 /dev/zero'], 5000);
    expect(big.stdout.length).toBe(300000);
    const missing = await rt.execSync(id, ['no-such-probe'], 5000);
    // The engine reports an exec that cannot start as exit 126 with runc's message in the output.
    expect(missing.exitCode).toBe(126);
    expect(missing.stdout.toString() + missing.stderr.toString()).toMatch(/executable file not found/);
  });

  it('kills a timed-out exec and its children (host /proc strategy)', async () => {
    const id = await sleeper('timeout');
    const t0 = Date.now();
    const r = await rt.execSync(id, ['sh', '-c', 'sleep 31 & sleep 30; echo never'], 500);
    const took = Date.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.stdout.toString()).not.toContain('never');
    expect(took).toBeLessThan(3000);
    const ps = await waitFor('exec processes to be gone', async () => {
      const out = await psList(id);
      return out.includes('sleep 30') || out.includes('sleep 31') ? undefined : out;
    }, 5000);
    expect(ps).toContain('sleep 600');
  });

  it('kills a timed-out exec through a host-PID helper container when /proc is not visible', async () => {
    const remoteLike = testRuntime(NODE, { hostProc: undefined });
    const id = await sleeper('helper');
    const r = await remoteLike.execSync(id, ['sh', '-c', 'sleep 32'], 500);
    expect(r.timedOut).toBe(true);
    const ps = await waitFor('exec process to be gone', async () => {
      const out = await psList(id);
      return out.includes('sleep 32') ? undefined : out;
    }, 5000);
    expect(ps).toContain('sleep 600');
    // The helper removed itself.
    const helpers = await rt.docker.listContainers({ all: true, filters: { label: [`io.nodelet.node=${NODE}`, 'io.kubernetes.docker.type=container-helper'] } });
    expect(helpers).toEqual([]);
  });

  it('streams stdin to an exec and resolves done with the exit code', async () => {
    const id = await sleeper('stdin');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const session = await rt.exec(id, ['sh', '-c', 'cat; exit 4'], { tty: false, streams: { stdin, stdout, stderr: new PassThrough() } });
    stdin.write('hello ');
    stdin.end('world\n');
    expect(await session.done).toBe(4);
    expect(out).toBe('hello world\n');
  });

  it('fails a streaming exec that cannot start with the engine\'s message, not as output', async () => {
    const id = await sleeper('exec-missing');
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const session = await rt.exec(id, ['no-such-binary'], { tty: false, streams: { stdout, stderr: new PassThrough() } });
    await expect(session.done).rejects.toThrow(/exec: "no-such-binary": executable file not found in \$PATH/);
    expect(out).toBe('');
    // output that merely starts like the engine's message is the program's own
    const lookalike = new PassThrough();
    let text = '';
    lookalike.on('data', (c: Buffer) => { text += c.toString(); });
    const own = await rt.exec(id, ['sh', '-c', 'printf "OCI runtime"; sleep 0.2; echo " is my word"'], { tty: false, streams: { stdout: lookalike } });
    expect(await own.done).toBe(0);
    expect(text).toBe('OCI runtime is my word\n');
  });

  it('runs a tty exec and resizes it', async () => {
    const id = await sleeper('tty');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const session = await rt.exec(id, ['sh'], { tty: true, streams: { stdin, stdout } });
    await session.resize({ width: 123, height: 45 });
    stdin.write('stty size; exit 0\n');
    expect(await session.done).toBe(0);
    expect(out).toContain('45 123');
  });

  it('attaches to a container with stdin open', async () => {
    const sb = sandboxConfig(newPod('attach'));
    const sandboxId = await rt.runSandbox(sb);
    const id = await rt.createContainer(sandboxId, containerConfig('main', { command: ['sh', '-c', 'read line; echo "got $line"; exit 5'], stdin: true, stdinOnce: true }), sb);
    await rt.startContainer(id);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const session = await rt.attach(id, { streams: { stdin, stdout, stderr: new PassThrough() } });
    stdin.write('ping\n');
    expect(await session.done).toBe(5);
    await waitFor('attach output', () => Promise.resolve(out.includes('got ping') ? true : undefined), 5000);
  });
});

describe('logs (integration)', () => {
  it('keeps the previous instance readable after a restart, with tail, timestamps and limit', async () => {
    const sb = sandboxConfig(newPod('logs'));
    const sandboxId = await rt.runSandbox(sb);
    // The engine copies stdout and stderr separately, so their order in the log is only
    // guaranteed with a pause between them.
    const first = await rt.createContainer(sandboxId, containerConfig('main', { command: ['sh', '-c', 'echo one; echo two >&2; sleep 0.3; echo three; exit 1'] }), sb);
    await rt.startContainer(first);
    await waitFor('first instance to exit', async () => ((await rt.containerStatus(first)).state === 'exited' ? true : undefined));
    const second = await rt.createContainer(sandboxId, containerConfig('main', { attempt: 1, command: ['sh', '-c', 'echo second; sleep 600'] }), sb);
    await rt.startContainer(second);

    const prev = await collectLogs(rt.logs(first, {}));
    expect(prev).toEqual({ stdout: 'one\nthree\n', stderr: 'two\n' });
    expect((await collectLogs(rt.logs(first, { tailLines: 1 }))).stdout).toBe('three\n');
    const stamped = (await collectLogs(rt.logs(first, { timestamps: true }))).stdout;
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z one\n/);
    const limited = await collectLogs(rt.logs(first, { limitBytes: 5 }));
    expect(limited.stdout.length + limited.stderr.length).toBe(5);
    expect((await collectLogs(rt.logs(first, { since: Date.now() + 60_000 }))).stdout).toBe('');
    await waitFor('second instance output', async () => ((await collectLogs(rt.logs(second, {}))).stdout === 'second\n' ? true : undefined), 5000);
  });

  it('follows a running container until the signal aborts', async () => {
    const sb = sandboxConfig(newPod('follow'));
    const { ids } = await startPod(rt, sb, [containerConfig('main', { command: ['sh', '-c', 'i=0; while true; do echo line$i; i=$((i+1)); sleep 0.1; done'] })]);
    const ac = new AbortController();
    const lines: string[] = [];
    const t0 = Date.now();
    for await (const c of rt.logs(ids[0] as string, { follow: true, signal: ac.signal })) {
      lines.push(...c.data.toString().split('\n').filter((l) => l !== ''));
      if (lines.length >= 5) ac.abort();
    }
    expect(lines.slice(0, 5)).toEqual(['line0', 'line1', 'line2', 'line3', 'line4']);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('events (integration)', () => {
  it('delivers create/start/die/oom/destroy for this node only, with pod identity', async () => {
    const ac = new AbortController();
    const seen: RuntimeEvent[] = [];
    const foreign = testRuntime(`${NODE}-other`);
    const otherPod = newPod('other');
    const consumer = (async () => {
      for await (const ev of rt.events(ac.signal)) seen.push(ev);
    })();
    await new Promise((r) => setTimeout(r, 300)); // let the stream connect

    await startPod(foreign, sandboxConfig(otherPod), []);
    const pod = newPod('events');
    const sb = sandboxConfig(pod);
    const { sandboxId, ids } = await startPod(rt, sb, [
      containerConfig('hog', { command: ['sh', '-c', 'head -c 100m /dev/zero | tail'], resources: { memoryLimitBytes: 16 * 1024 * 1024 } }),
    ]);
    const id = ids[0] as string;
    await waitFor('die event', () => Promise.resolve(seen.find((e) => e.type === 'die' && e.containerId === id)), 20_000);
    await rt.removeSandbox(sandboxId);
    await waitFor('destroy event', () => Promise.resolve(seen.find((e) => e.type === 'destroy' && e.containerId === id)), 10_000);
    ac.abort();
    await consumer;
    await removeNodeContainers(rt.docker, `${NODE}-other`);

    const mine = seen.filter((e) => e.containerId === id).map((e) => e.type);
    expect(mine).toEqual(expect.arrayContaining(['create', 'start', 'oom', 'die', 'destroy']));
    expect(mine.indexOf('start')).toBeLessThan(mine.indexOf('die'));
    const die = seen.find((e) => e.type === 'die' && e.containerId === id);
    expect(die).toMatchObject({ pod, containerName: 'hog', isSandbox: false });
    expect(die?.exitCode).not.toBe(0);
    expect(seen.some((e) => e.containerId === sandboxId && e.isSandbox && e.type === 'start')).toBe(true);
    expect(seen.some((e) => e.pod?.uid === otherPod.uid)).toBe(false);
  });
});
