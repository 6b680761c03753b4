// The agent in API mode with its real pod environment (on a fake runtime and a fake API): the
// containers' env carries the service link variables of the Services cache, enableServiceLinks:
// false keeps only the master service's, a pod's own env wins, a Services cache that has not
// listed yet fails the container with CreateContainerConfigError until it has, and a ClusterFirst
// pod gets the cluster DNS the agent was given (--cluster-dns/--cluster-domain).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event as CoreEvent, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.d.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PODS } from '../../kube/client/client.ts';
import { SERVICES } from '../../kube/client/resources.ts';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { FakeRuntime } from '../../runtime/testing/fake-runtime.ts';
import { Agent } from '../agent.ts';
import { SERVICES_NOT_SYNCED } from '../env/service-env.ts';
import { FakeTransport } from '../testing/fake-agent.ts';
import { createApiSide } from './api-side.ts';
import { stopAgentOnFakeClock, TEST_HOST_FACTS } from './testing/agent-on-fake-api.ts';
import { apiError, FakeApiClient } from './testing/fake-api-client.ts';

const FACTS = TEST_HOST_FACTS;

let root: string;
let clock: FakeClock;
let runtime: FakeRuntime;
let client: FakeApiClient;
const agents: Agent[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nodelet-agent-svc-env-'));
  clock = new FakeClock(Date.UTC(2026, 0, 1));
  runtime = new FakeRuntime({ clock, images: ['busybox:1'] });
  client = new FakeApiClient();
});

const stopAgent = (a: Agent): Promise<void> => stopAgentOnFakeClock(a, clock);

afterEach(async () => {
  for (const a of agents.splice(0)) await stopAgent(a);
  await rm(root, { recursive: true, force: true });
});

function newAgent(): Agent {
  const api = createApiSide({ client, nodeName: 'n1', kubeletPort: 10250, runtime, rootDir: root, clock, log: silentLogger, hostFacts: () => Promise.resolve(FACTS), reconnectInitialMs: 1000, reconnectMaxMs: 1000 });
  // no `env`: the agent's own DefaultPodEnvironment builds the container configs
  const agent = new Agent({
    nodeName: 'n1', rootDir: root, runtime, clock, log: silentLogger, api, transport: new FakeTransport(),
    nodeIPs: ['127.0.0.1'], stateSaveMs: 1000, stopTimeoutMs: 1000, clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local',
  });
  agents.push(agent);
  return agent;
}

async function settle(ms = 0): Promise<void> {
  await clock.step(ms);
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 2));
    await clock.step(0);
  }
}

function service(namespace: string, name: string, clusterIP: string, ports: ServicePort[]): void {
  client.seed<Service>(SERVICES, namespace, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { clusterIP, ports } });
}

function bound(namespace: string, name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return client.seed<Pod>(PODS, namespace, {
    metadata: { name, namespace },
    spec: { containers: [{ name: 'app', image: 'busybox:1' }], terminationGracePeriodSeconds: 30, enableServiceLinks: true, ...spec, nodeName: 'n1' },
  });
}

/** The env of the pod's running container, as the runtime got it. */
function envOf(podName: string): Record<string, string> {
  const c = runtime.allContainers().find((x) => x.pod.name === podName && x.state === 'running');
  if (c === undefined) throw new Error(`no running container of ${podName}`);
  return Object.fromEntries(runtime.configOf(c.id).env.map((e) => [e.name, e.value]));
}

function seedServices(): void {
  service('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
  service('default', 'frontend', '10.96.3.3', [{ port: 8080 }]);
  service('apps', 'redis-primary', '10.96.7.7', [{ name: 'redis', port: 6379, protocol: 'TCP' }]);
  service('apps', 'peers', 'None', [{ port: 7000 }]);
  service('other', 'db', '10.96.9.9', [{ port: 5432 }]);
}

const KUBERNETES_VARS = {
  KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBERNETES_SERVICE_PORT_HTTPS: '443',
  KUBERNETES_PORT: 'tcp://10.96.0.1:443', KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443', KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
  KUBERNETES_PORT_443_TCP_PORT: '443', KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
};

const svcVars = (env: Record<string, string>): string[] => Object.keys(env).filter((k) => /_(SERVICE_HOST|SERVICE_PORT|PORT)(_|$)/.test(k)).sort();

describe('Agent: service link variables and cluster DNS', () => {
  it('a container gets its namespace\'s Services and default/kubernetes; enableServiceLinks:false only the master service\'s', async () => {
    seedServices();
    bound('apps', 'linked', {
      containers: [{ name: 'app', image: 'busybox:1', env: [{ name: 'REDIS_URL', value: 'redis://$(REDIS_PRIMARY_SERVICE_HOST):$(REDIS_PRIMARY_SERVICE_PORT_REDIS)' }, { name: 'KUBERNETES_SERVICE_PORT', value: 'mine' }] }],
    });
    bound('apps', 'unlinked', { enableServiceLinks: false });
    const agent = newAgent();
    await agent.start();
    await agent.sourcesReady;
    await settle();
    await settle(1000);

    const linked = envOf('linked');
    expect(linked).toMatchObject({
      ...KUBERNETES_VARS,
      // the pod's own env wins, and sees the service variables in $(VAR)
      KUBERNETES_SERVICE_PORT: 'mine',
      REDIS_URL: 'redis://10.96.7.7:6379',
      REDIS_PRIMARY_SERVICE_HOST: '10.96.7.7', REDIS_PRIMARY_SERVICE_PORT: '6379', REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
      REDIS_PRIMARY_PORT: 'tcp://10.96.7.7:6379', REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.96.7.7:6379', REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379', REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.96.7.7',
    });
    // not the headless one, not another namespace's, not default's others
    expect(Object.keys(linked).filter((k) => /^(PEERS|DB|FRONTEND)_/.test(k))).toEqual([]);
    // the pod's env first, then the service variables; none twice
    const names = runtime.configOf(runtime.allContainers().find((c) => c.pod.name === 'linked')?.id ?? '').env.map((e) => e.name);
    expect(names.slice(0, 2)).toEqual(['REDIS_URL', 'KUBERNETES_SERVICE_PORT']);
    expect(new Set(names).size).toBe(names.length);

    expect(svcVars(envOf('unlinked'))).toEqual(Object.keys(KUBERNETES_VARS).sort());
  });

  it('before the Services are listed an API pod fails with CreateContainerConfigError, then starts with them', async () => {
    service('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    client.failNext('list', apiError(500, 'InternalError', 'etcd is away'), 'services');
    const pod = bound('apps', 'early');
    const agent = newAgent();
    await agent.start();
    await agent.sourcesReady;
    await settle();
    const waiting = agent.status.get(pod.metadata?.uid ?? '')?.containerStatuses?.[0]?.state?.waiting;
    expect(waiting).toEqual({ reason: 'CreateContainerConfigError', message: SERVICES_NOT_SYNCED });
    const failed = client.callsOf('create', 'events').map((c) => c.body as CoreEvent).find((e) => e.reason === 'Failed');
    expect(failed?.message).toBe(`Error: ${SERVICES_NOT_SYNCED}`);
    expect(runtime.allContainers()).toEqual([]);

    // the cache retries after its back-off; the pod's retry then finds the Services
    await settle(1000);
    await settle(10_000);
    await settle(1000);
    expect(envOf('early')).toMatchObject(KUBERNETES_VARS);
  });

  it('ClusterFirst: nameserver 10.96.0.10, the cluster search domains first, ndots:5, no MissingClusterDNS', async () => {
    service('default', 'kubernetes', '10.96.0.1', [{ port: 443 }]);
    bound('apps', 'dns');
    const agent = newAgent();
    await agent.start();
    await agent.sourcesReady;
    await settle();
    await settle(1000);
    const sandbox = runtime.allSandboxes().find((s) => s.pod.name === 'dns');
    const dns = runtime.sandboxConfigOf(sandbox?.id ?? '').dns;
    expect(dns?.servers).toEqual(['10.96.0.10']);
    expect(dns?.searches.slice(0, 3)).toEqual(['apps.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    expect(dns?.options).toEqual(['ndots:5']);
    const reasons = client.callsOf('create', 'events').map((c) => (c.body as CoreEvent).reason);
    expect(reasons).not.toContain('MissingClusterDNS');
  });
});
