import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../lib/clock.ts';
import { FakeRuntime } from '../runtime/testing/fake-runtime.ts';
import type { SandboxConfig } from '../runtime/types.ts';
import { PodLifecycleEvents } from './pleg.ts';

const sb = (uid: string): SandboxConfig => ({
  pod: { name: uid, namespace: 'ns', uid }, attempt: 0, hostname: uid, portMappings: [],
  namespaces: { network: 'pod', ipc: 'pod', pid: 'container' }, sysctls: {}, labels: {}, annotations: {},
});

describe('PodLifecycleEvents', () => {
  it('re-syncs the affected pod on each runtime event', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const seen: string[] = [];
    const pleg = new PodLifecycleEvents({ runtime: rt, clock, onPodEvent: (uid) => seen.push(uid), relistMs: 60_000 });
    pleg.start();
    await flushMicrotasks();
    await rt.runSandbox(sb('u1'));
    await rt.runSandbox(sb('u2'));
    await flushMicrotasks();
    expect(seen).toEqual(['u1', 'u2']);
    await pleg.stop();
  });

  it('the slow relist catches changes missed by the event stream, and only those', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const seen: string[] = [];
    const pleg = new PodLifecycleEvents({ runtime: { listContainers: (f) => rt.listContainers(f), listSandboxes: (f) => rt.listSandboxes(f), events: () => (async function* () { /* a silent stream */ })() }, clock, onPodEvent: (uid) => seen.push(uid), relistMs: 30_000 });
    const a = await rt.runSandbox(sb('u1'));
    await rt.runSandbox(sb('u2'));
    expect(await pleg.relist()).toEqual(['u1', 'u2']);
    expect(await pleg.relist()).toEqual([]);
    await rt.stopSandbox(a);
    pleg.start();
    await clock.step(29_999);
    expect(seen).toEqual(['u1', 'u2']);
    await clock.step(1);
    expect(seen).toEqual(['u1', 'u2', 'u1']);
    await pleg.stop();
  });
});
