import { tmpdir } from 'node:os';
import type { Node } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { NODES } from '../../kube/client/client.ts';
import { FakeClock } from '../../lib/clock.ts';
import { gatherHostFacts, type HostFacts, type HostRuntime } from './host-facts.ts';
import { computeNodeStatus, NodeRegistrar } from './node-registrar.ts';
import { FakeApiClient } from './testing/fake-api-client.ts';

const FACTS: HostFacts = {
  cpus: 4, memoryBytes: 8 * 1024 * 1024 * 1024, diskBytes: 100 * 1024 * 1024 * 1024,
  osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-test', operatingSystem: 'linux', architecture: 'amd64',
  containerRuntimeVersion: 'docker://27.3.1', machineID: 'm1', systemUUID: 's1', bootID: 'b1',
};

function fakeRuntime(): HostRuntime & { down: boolean } {
  const rt = {
    down: false,
    info: () => Promise.resolve({ cpus: 4, memoryBytes: FACTS.memoryBytes, operatingSystem: FACTS.osImage, kernelVersion: FACTS.kernelVersion, os: 'linux', architecture: 'arm64' }),
    version: () => (rt.down ? Promise.reject(new Error('engine down')) : Promise.resolve({ runtimeName: 'docker', runtimeVersion: '27.3.1', apiVersion: '1.47' })),
  };
  return rt;
}

function setup(opts: { statusUpdateMs?: number; reportMs?: number; maxPods?: number; systemReserved?: { cpuMillis?: number; memoryBytes?: number } } = {}) {
  const client = new FakeApiClient();
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const runtime = fakeRuntime();
  const events: string[] = [];
  const registrar = new NodeRegistrar({
    client, nodeName: 'node1', nodeIP: '10.0.0.5', kubeletPort: 10250, runtime, rootDir: tmpdir(), clock,
    hostFacts: () => Promise.resolve(FACTS), recordEvent: (_t, reason) => { events.push(reason); },
    labels: { 'example.com/pool': 'a', 'kubernetes.io/hostname': 'ignored' },
    ...opts,
  });
  return { client, clock, runtime, registrar, events };
}

describe('computeNodeStatus', () => {
  const base = { nodeName: 'node1', nodeIP: '10.0.0.5', kubeletPort: 10250, notReady: undefined };

  it('reports --max-pods as pods capacity and allocatable (110 by default)', () => {
    expect(computeNodeStatus(FACTS, base).status.capacity?.['pods']).toBe('110');
    const { status } = computeNodeStatus(FACTS, { ...base, maxPods: 7 });
    expect(status.capacity?.['pods']).toBe('7');
    expect(status.allocatable?.['pods']).toBe('7');
  });

  it('subtracts --system-reserved cpu and memory (and the eviction threshold) from allocatable only', () => {
    const { status } = computeNodeStatus(FACTS, { ...base, systemReserved: { cpuMillis: 500, memoryBytes: 1024 ** 3 } });
    expect(status.capacity).toMatchObject({ cpu: '4', memory: '8388608Ki' });
    expect(status.allocatable).toMatchObject({ cpu: '3500m', memory: `${8388608 - 1048576 - 102400}Ki` });
    const whole = computeNodeStatus(FACTS, { ...base, systemReserved: { cpuMillis: 1000 } }).status;
    expect(whole.allocatable).toMatchObject({ cpu: '3', memory: `${8388608 - 102400}Ki` });
    const over = computeNodeStatus(FACTS, { ...base, systemReserved: { cpuMillis: 9000, memoryBytes: 64 * 1024 ** 3 } }).status;
    expect(over.allocatable).toMatchObject({ cpu: '0', memory: '0Ki' });
  });
});

describe('NodeRegistrar', () => {
  it('registers with the extra labels, --max-pods and --system-reserved', async () => {
    const { client, registrar } = setup({ maxPods: 20, systemReserved: { cpuMillis: 250, memoryBytes: 512 * 1024 ** 2 } });
    registrar.start();
    await registrar.registered;
    const node = client.peek<Node>(NODES, undefined, 'node1');
    expect(node?.metadata?.labels?.['example.com/pool']).toBe('a');
    expect(node?.status?.capacity).toMatchObject({ cpu: '4', pods: '20' });
    expect(node?.status?.allocatable).toMatchObject({ cpu: '3750m', memory: `${8388608 - 524288 - 102400}Ki`, pods: '20' });
    await registrar.stop();
  });

  it('registers the Node like the kubelet: labels, capacity, allocatable, addresses, endpoint, nodeInfo, conditions', async () => {
    const { client, registrar, events, clock } = setup();
    registrar.start();
    await registrar.registered;
    const node = client.peek<Node>(NODES, undefined, 'node1');
    expect(node?.metadata?.labels).toEqual({
      'example.com/pool': 'a',
      'kubernetes.io/hostname': 'node1', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64',
    });
    const st = node?.status;
    expect(st?.capacity).toMatchObject({ cpu: '4', memory: '8388608Ki', pods: '110', 'ephemeral-storage': '104857600Ki' });
    expect(st?.allocatable).toMatchObject({ cpu: '4', memory: `${8388608 - 102400}Ki`, pods: '110', 'ephemeral-storage': String(Math.floor(100 * 1024 ** 3 * 0.9)) });
    expect(st?.addresses).toEqual([{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'node1' }]);
    expect(st?.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(st?.nodeInfo).toMatchObject({ kubeletVersion: expect.stringMatching(/^v1\.32\./) as unknown, containerRuntimeVersion: 'docker://27.3.1', kernelVersion: '6.1.0-test', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64', machineID: 'm1', systemUUID: 's1', bootID: 'b1' });
    const t = '2026-01-01T12:00:00Z';
    expect(st?.conditions).toEqual([
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: t, lastTransitionTime: t },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: t, lastTransitionTime: t },
      { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: t, lastTransitionTime: t },
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t },
    ]);
    expect(events).toEqual(['Starting', 'NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady', 'NodeAllocatableEnforced']);
    await registrar.stop();
    expect(clock.pending()).toBe(0);
  });

  it('computes status every 10 s but patches only on change or after a minute, heartbeat only', async () => {
    const { client, clock, registrar, runtime, events } = setup();
    registrar.start();
    await registrar.registered;
    for (let i = 0; i < 5; i++) await clock.step(10_000);
    expect(client.callsOf('get', 'nodes')).toHaveLength(5);
    expect(client.callsOf('patch', 'nodes')).toHaveLength(0);
    await clock.step(10_000); // 60 s since registration
    const [beat] = client.callsOf('patch', 'nodes');
    expect(beat?.subresource).toBe('status');
    expect(beat?.patchType).toBe('strategic');
    const t = '2026-01-01T12:01:00Z';
    expect(beat?.body).toEqual({ status: {
      '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'DiskPressure' }, { type: 'PIDPressure' }, { type: 'Ready' }],
      conditions: [
        { type: 'MemoryPressure', lastHeartbeatTime: t }, { type: 'DiskPressure', lastHeartbeatTime: t },
        { type: 'PIDPressure', lastHeartbeatTime: t }, { type: 'Ready', lastHeartbeatTime: t },
      ],
    } });
    // a change is reported at the next computation, not a minute later
    runtime.down = true;
    await clock.step(10_000);
    const patches = client.callsOf('patch', 'nodes');
    expect(patches).toHaveLength(2);
    const ready = client.peek<Node>(NODES, undefined, 'node1')?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down', lastTransitionTime: '2026-01-01T12:01:10Z' });
    expect(events.at(-1)).toBe('NodeNotReady');
    runtime.down = false;
    await clock.step(10_000);
    expect(client.callsOf('patch', 'nodes')).toHaveLength(3);
    expect(events.at(-1)).toBe('NodeReady');
    await registrar.stop();
  });

  it('adopts an existing Node: fixes default labels and reports Ready over the Unknown the controller left', async () => {
    const { client, registrar } = setup();
    client.seed<Node>(NODES, undefined, {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1', custom: 'kept' } },
      status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: '2025-12-31T00:00:00Z', lastTransitionTime: '2025-12-31T00:00:00Z' }] },
    });
    const uid = client.peek<Node>(NODES, undefined, 'node1')?.metadata?.uid;
    registrar.start();
    await registrar.registered;
    await registrar.stop();
    const node = client.peek<Node>(NODES, undefined, 'node1');
    expect(node?.metadata?.uid).toBe(uid);
    expect(node?.metadata?.labels).toMatchObject({ custom: 'kept', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
    expect(node?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T12:00:00Z' });
    expect(node?.status?.capacity?.['pods']).toBe('110');
  });

  it('retries registration every 100 ms while the API server is starting (refused), then backs off', async () => {
    const { client, clock, registrar } = setup();
    client.setDown(true);
    registrar.start();
    for (let i = 0; i < 10; i++) await clock.step(100);
    expect(client.callsOf('create', 'nodes')).toHaveLength(11); // 0, 100, …, 1000 ms
    await clock.step(4000);
    const atWindowEnd = client.callsOf('create', 'nodes').length;
    await clock.step(100);
    await clock.step(200);
    await clock.step(400);
    expect(client.callsOf('create', 'nodes').length - atWindowEnd).toBeLessThanOrEqual(3);
    client.setDown(false);
    await clock.step(10_000);
    await registrar.registered;
    await registrar.stop();
  });

  it('retries registration with back-off while the API is down and registers a deleted Node again', async () => {
    const { client, clock, registrar } = setup();
    client.failNext('create', new Error('503 from a proxy'), 'nodes');
    client.failNext('create', new Error('503 from a proxy'), 'nodes');
    client.failNext('create', new Error('503 from a proxy'), 'nodes');
    client.failNext('create', new Error('503 from a proxy'), 'nodes');
    registrar.start();
    await clock.step(100);
    await clock.step(200);
    await clock.step(400);
    expect(client.callsOf('create', 'nodes')).toHaveLength(4); // 0, 100, 300, 700 ms
    await clock.step(800);
    await registrar.registered;
    const firstUid = client.peek<Node>(NODES, undefined, 'node1')?.metadata?.uid;
    client.remove(NODES, undefined, 'node1');
    await clock.step(10_000);
    const again = client.peek<Node>(NODES, undefined, 'node1');
    expect(again?.metadata?.uid).toBeDefined();
    expect(again?.metadata?.uid).not.toBe(firstUid);
    await registrar.stop();
  });

  it('gathers host facts from the runtime and the root dir', async () => {
    const facts = await gatherHostFacts(fakeRuntime(), tmpdir());
    expect(facts).toMatchObject({ cpus: 4, architecture: 'arm64', operatingSystem: 'linux', containerRuntimeVersion: 'docker://27.3.1', kernelVersion: '6.1.0-test' });
    expect(facts.diskBytes).toBeGreaterThan(0);
  });
});
