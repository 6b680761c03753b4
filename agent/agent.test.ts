import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { FakeRuntime } from '../runtime/testing/fake-runtime.ts';
import { Agent } from './agent.ts';
import type { PodSource, PodSourceHandler } from './sources/pod-source.ts';
import { FakePodEnvironment, FakeTransport, testPod } from './testing/fake-agent.ts';

/** A source whose pods tests set directly. */
class StaticSource implements PodSource {
  readonly name = 'test';
  private handler: PodSourceHandler | undefined;
  constructor(private list: Pod[]) {}
  start(h: PodSourceHandler): Promise<void> {
    this.handler = h;
    for (const p of this.list) h.add(p);
    return Promise.resolve();
  }
  stop(): Promise<void> { return Promise.resolve(); }
  pods(): Pod[] { return this.list; }
  problems(): [] { return []; }
  remove(uid: string): void {
    this.list = this.list.filter((p) => p.metadata?.uid !== uid);
    this.handler?.remove(uid);
  }
}

let root: string;
let clock: FakeClock;
let runtime: FakeRuntime;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nodelet-agent-'));
  clock = new FakeClock();
  runtime = new FakeRuntime({ clock, images: ['busybox:1'] });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function newAgent(pods: Pod[], transport = new FakeTransport(), stateSaveMs = 1000): { agent: Agent; source: StaticSource } {
  const source = new StaticSource(pods);
  const agent = new Agent({
    nodeName: 'n1', rootDir: root, runtime, clock, log: silentLogger, sources: [source], env: new FakePodEnvironment(),
    transport, nodeIPs: ['192.168.0.10'], stateSaveMs, stopTimeoutMs: 1000,
  });
  return { agent, source };
}

async function settle(a: Agent): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await clock.step(0);
    await Promise.race([a.workers.whenIdle(), clock.step(0)]);
  }
}

describe('Agent restart without harm', () => {
  it('adopts running containers (no new create/start), keeps readiness and restart counts', async () => {
    runtime.onExec(() => ({ exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false }));
    const pod = testPod({ containers: [{ name: 'web', image: 'busybox:1', readinessProbe: { exec: { command: ['true'] }, periodSeconds: 60 } }] });
    const uid = pod.metadata?.uid ?? '';
    const first = newAgent([pod]);
    await first.agent.start();
    await settle(first.agent);
    await clock.step(1000);
    await settle(first.agent);
    const before = first.agent.status.get(uid);
    expect(before?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    await first.agent.stop();
    const creates = runtime.callsOf('createContainer').length;

    await clock.step(5000);
    const second = newAgent([pod]);
    const statuses: string[] = [];
    second.agent.status.onChange((_p, s) => { statuses.push(s.conditions?.find((c) => c.type === 'Ready')?.status ?? '?'); });
    await second.agent.start();
    await settle(second.agent);
    expect(runtime.callsOf('createContainer').length).toBe(creates);
    expect(runtime.callsOf('stopContainer')).toHaveLength(0);
    expect(statuses[0]).toBe('True');
    const after = second.agent.status.get(uid);
    expect(after?.startTime).toBe(before?.startTime);
    expect(after?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(before?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
    await second.agent.stop();
  });

  it('keeps readiness across a kill -9 that comes right after the pod turned ready (no periodic save in between)', async () => {
    runtime.onExec(() => ({ exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false }));
    const pod = testPod({ containers: [{ name: 'web', image: 'busybox:1', readinessProbe: { exec: { command: ['true'] }, periodSeconds: 60 } }] });
    const uid = pod.metadata?.uid ?? '';
    // The periodic save never comes within this test: only a save made when readiness changed can help.
    const first = newAgent([pod], new FakeTransport(), 3_600_000);
    await first.agent.start();
    await settle(first.agent);
    await clock.step(1000);
    await settle(first.agent);
    expect(first.agent.status.get(uid)?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    // The write is real file I/O: wait for it (bounded), as a kill -9 a few ms later would.
    const saved = async (): Promise<boolean> => {
      const text = await readFile(join(root, 'agent-state.json'), 'utf8').catch(() => '');
      return text.includes('"ready":true');
    };
    for (let i = 0; i < 100 && !(await saved()); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await saved()).toBe(true);

    // kill -9: the first agent is never stopped before the second one starts.
    const second = newAgent([pod], new FakeTransport(), 3_600_000);
    const statuses: string[] = [];
    second.agent.status.onChange((_p, s) => { statuses.push(s.conditions?.find((c) => c.type === 'Ready')?.status ?? '?'); });
    await second.agent.start();
    await settle(second.agent);
    expect(statuses[0]).toBe('True');
    expect(statuses).not.toContain('False');
    await second.agent.stop();
    await first.agent.stop();
  });

  it('removes containers of pods that no longer exist (orphans), honouring their grace annotation', async () => {
    const keep = testPod({ name: 'keep' });
    const gone = testPod({ name: 'gone', terminationGracePeriodSeconds: 7 });
    runtime.program('app', { exitOnTermCode: 0 });
    const first = newAgent([keep, gone]);
    await first.agent.start();
    await settle(first.agent);
    await first.agent.stop();
    expect(runtime.allContainers().filter((c) => c.state === 'running')).toHaveLength(2);

    const second = newAgent([keep]);
    await second.agent.start();
    await settle(second.agent);
    await clock.step(100);
    await settle(second.agent);
    const left = runtime.allContainers();
    expect(left.map((c) => c.pod.name)).toEqual(['keep']);
    expect(runtime.allSandboxes().map((s) => s.pod.name)).toEqual(['keep']);
    const stop = runtime.callsOf('stopContainer')[0];
    expect(stop?.args[1]).toBe(7);
    await second.agent.stop();
  });

  it('keeps the crash-loop back-off across a restart', async () => {
    runtime.program('app', { exitAfterMs: 10, exitCode: 1 });
    const pod = testPod({});
    const first = newAgent([pod]);
    await first.agent.start();
    for (let i = 0; i < 40; i++) { await clock.step(1000); await settle(first.agent); }
    const starts = runtime.callsOf('startContainer').length;
    const delay = first.agent.backoff.snapshot();
    await first.agent.stop();
    const second = newAgent([pod]);
    await second.agent.start();
    expect(second.agent.backoff.snapshot()).toEqual(delay);
    await settle(second.agent);
    // still in back-off: no immediate restart after the agent restart
    expect(runtime.callsOf('startContainer').length).toBe(starts);
    expect(second.agent.status.get(pod.metadata?.uid ?? '')?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    await second.agent.stop();
  });

  it('a removed pod is terminated and cleaned up; /pods no longer lists it', async () => {
    const pod = testPod({});
    runtime.program('app', { exitOnTermCode: 0 });
    const a = newAgent([pod]);
    await a.agent.start();
    await settle(a.agent);
    expect(a.agent.podList().map((p) => p.status?.phase)).toEqual(['Running']);
    a.source.remove(pod.metadata?.uid ?? '');
    await settle(a.agent);
    expect(a.agent.podList()).toEqual([]);
    expect(runtime.allContainers()).toEqual([]);
    await a.agent.stop();
  });
});
