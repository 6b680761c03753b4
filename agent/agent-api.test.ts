// The agent in API mode on fakes: API pods and static pods through one loop, status and events to
// the API, graceful deletion confirmed after the containers are gone, and an API server that goes
// away (pods untouched, reconnect, no orphan clean-up before the first list).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event as CoreEvent, Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PODS } from '../kube/client/client.ts';
import { FakeClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { FakeRuntime } from '../runtime/testing/fake-runtime.ts';
import { Agent } from './agent.ts';
import { createApiSide } from './api/api-side.ts';
import { stopAgentOnFakeClock, TEST_HOST_FACTS } from './api/testing/agent-on-fake-api.ts';
import { FakeApiClient } from './api/testing/fake-api-client.ts';
import { FakePodEnvironment, FakeTransport, testPod } from './testing/fake-agent.ts';

const FACTS = TEST_HOST_FACTS;

let root: string;
let clock: FakeClock;
let runtime: FakeRuntime;
let client: FakeApiClient;
const agents: Agent[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nodelet-agent-api-'));
  clock = new FakeClock(Date.UTC(2026, 0, 1));
  runtime = new FakeRuntime({ clock, images: ['busybox:1'] });
  client = new FakeApiClient();
});
const stopAgent = (a: Agent): Promise<void> => stopAgentOnFakeClock(a, clock);

afterEach(async () => {
  for (const a of agents.splice(0)) await stopAgent(a);
  await rm(root, { recursive: true, force: true });
});

function newAgent(manifestDir?: string): Agent {
  const api = createApiSide({ client, nodeName: 'n1', kubeletPort: 10250, runtime, rootDir: root, clock, log: silentLogger, hostFacts: () => Promise.resolve(FACTS), reconnectInitialMs: 1000, reconnectMaxMs: 1000 });
  const agent = new Agent({
    nodeName: 'n1', rootDir: root, runtime, clock, log: silentLogger, api, env: new FakePodEnvironment(), transport: new FakeTransport(),
    nodeIPs: ['127.0.0.1'], stateSaveMs: 1000, stopTimeoutMs: 1000, ...(manifestDir === undefined ? {} : { manifestDir }),
  });
  agents.push(agent);
  return agent;
}

async function settle(ms = 0): Promise<void> {
  await clock.step(ms);
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 2));
    await clock.step(0);
  }
}

function bound(p: Pod): Pod {
  return client.seed(PODS, 'default', { ...p, spec: { ...p.spec, containers: p.spec?.containers ?? [], nodeName: 'n1' } });
}

const apiPod = (name: string): Pod | undefined => client.peek<Pod>(PODS, 'default', name);

describe('Agent in API mode', () => {
  it('runs pods bound to the node; status and events go to the API; probes claim kube 1.32', async () => {
    const pod = bound(testPod({ name: 'web' }));
    const agent = newAgent();
    await agent.start();
    await agent.sourcesReady;
    await settle();
    await settle(1000);
    expect(agent.kubeVersion).toBe('1.32');
    expect(runtime.allContainers().map((c) => [c.pod.name, c.state])).toEqual([['web', 'running']]);
    // the fake's patch engine lacks the Pod schema's list keys, so look at what was sent
    const patches = client.callsOf('patch', 'pods').filter((c) => c.subresource === 'status' && c.patchType === 'strategic');
    const st = (patches.at(-1)?.body as { metadata: { uid: string }; status: PodStatus } | undefined);
    expect(st?.metadata.uid).toBe(pod.metadata?.uid);
    expect(st?.status.phase).toBe('Running');
    expect(st?.status.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0 });
    const reasons = client.callsOf('create', 'events').map((c) => (c.body as CoreEvent).reason);
    expect(reasons).toEqual(expect.arrayContaining(['Pulled', 'Created', 'Started']));
    expect(apiPod('web')?.metadata?.uid).toBe(pod.metadata?.uid);
  });

  it('graceful deletion: terminate with the grace, then DELETE grace 0 with the uid precondition; containers gone first', async () => {
    runtime.program('app', { exitOnTermCode: 0 });
    const pod = bound(testPod({ name: 'web', containers: [{ name: 'app', image: 'busybox:1', lifecycle: { preStop: { sleep: { seconds: 3 } } } }] }));
    const agent = newAgent();
    await agent.start();
    await agent.sourcesReady;
    await settle();
    let containersAtConfirm = -1;
    const del = client.delete.bind(client);
    client.delete = (...args: Parameters<FakeApiClient['delete']>) => {
      if (args[3]?.gracePeriodSeconds === 0) containersAtConfirm = runtime.allContainers().length;
      return del(...args);
    };
    await client.delete(PODS, 'default', 'web', { gracePeriodSeconds: 30 });
    await settle();
    expect(apiPod('web')?.metadata?.deletionTimestamp).toBeDefined();
    expect(runtime.callsOf('stopContainer')).toHaveLength(0);
    await settle(3000);
    await settle();
    expect(apiPod('web')).toBeUndefined();
    const confirm = client.callsOf('delete', 'pods').find((c) => (c.options as { gracePeriodSeconds?: number }).gracePeriodSeconds === 0);
    expect(confirm?.options).toEqual({ gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    expect(containersAtConfirm).toBe(0);
    expect(runtime.allSandboxes()).toEqual([]);
    expect(agent.podList()).toEqual([]);
  });

  it('static pods run beside API pods and get a mirror pod', async () => {
    const dir = join(root, 'manifests');
    await mkdir(dir);
    await writeFile(join(dir, 'static.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: st}\nspec:\n  containers: [{name: app, image: "busybox:1"}]\n');
    bound(testPod({ name: 'web' }));
    const agent = newAgent(dir);
    await agent.start();
    await agent.sourcesReady;
    await settle();
    await settle(1000);
    expect(runtime.allContainers().map((c) => c.pod.name).sort()).toEqual(['st-n1', 'web']);
    const mirror = apiPod('st-n1');
    expect(mirror?.metadata?.annotations?.['kubernetes.io/config.mirror']).toBeDefined();
    expect(mirror?.status?.phase).toBe('Running');
  });

  it('while the API server is away pods keep running untouched; on reconnect deletions made meanwhile apply', async () => {
    runtime.program('app', { exitOnTermCode: 0 });
    bound(testPod({ name: 'keep' }));
    bound(testPod({ name: 'gone' }));
    const agent = newAgent();
    await agent.start();
    await agent.sourcesReady;
    await settle();
    const ids = runtime.allContainers().map((c) => c.id).sort();
    client.setDown(true);
    for (let i = 0; i < 10; i++) await settle(10_000);
    expect(runtime.callsOf('stopContainer')).toHaveLength(0);
    expect(runtime.allContainers().filter((c) => c.state === 'running').map((c) => c.id).sort()).toEqual(ids);
    client.remove(PODS, 'default', 'gone');
    client.setDown(false);
    await settle(1000);
    await settle(2000);
    await settle();
    expect(runtime.allContainers().map((c) => c.pod.name)).toEqual(['keep']);
    expect(agent.podList().map((p) => p.metadata?.name)).toEqual(['keep']);
  });

  it('a restart while the API is down adopts and removes nothing until the first list arrives', async () => {
    bound(testPod({ name: 'web' }));
    const first = newAgent();
    await first.start();
    await first.sourcesReady;
    await settle();
    await stopAgent(first);
    agents.splice(0);
    const ids = runtime.allContainers().map((c) => c.id);
    client.setDown(true);
    const second = newAgent();
    await second.start();
    let ready = false;
    void second.sourcesReady.then(() => { ready = true; });
    for (let i = 0; i < 5; i++) await settle(10_000);
    expect(ready).toBe(false);
    expect(runtime.callsOf('stopContainer')).toHaveLength(0);
    expect(runtime.allContainers().map((c) => c.id)).toEqual(ids);
    client.setDown(false);
    for (let i = 0; i < 5; i++) await settle(10_000);
    expect(ready).toBe(true);
    expect(runtime.allContainers().map((c) => [c.id, c.state])).toEqual(ids.map((id) => [id, 'running']));
  });
});
