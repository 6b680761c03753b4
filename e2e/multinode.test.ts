// Black-box, several nodes: one `nodelet apiserver` (node grace shortened to 20 s) and three
// `nodelet agent`s, each in its own harness container, on the one engine under different node names and labels. Scheduling by
// nodeSelector and by cpu requests, and what happens to the cluster when one agent dies.
// Allocatable cannot differ between agents on one host (capacity is the host's; there is no
// flag or config key for it), so "fits only one node" is made by filling two nodes' cpu first.
import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODES, PODS } from '../kube/client/client.ts';
import { busyboxPod, engineContainers, nodeCondition, nodeName, podReady, TestCluster } from './support/cluster.ts';

const RUN = String(process.pid);
const ZONES = ['a', 'b', 'c'] as const;
const NODE = { a: nodeName('e2e-mn-a'), b: nodeName('e2e-mn-b'), c: nodeName('e2e-mn-c') };
const ALL = ZONES.map((z) => NODE[z]);
const GRACE_S = 20;
const cluster = new TestCluster('e2e-multinode');
let cpuMilli = 0;

async function create(pod: Pod): Promise<void> {
  await cluster.admin.create(PODS, 'default', pod);
}

async function pod(name: string): Promise<Pod> {
  return cluster.admin.get<Pod>(PODS, 'default', name);
}

beforeAll(async () => {
  await cluster.startApiserver(['--node-grace-period', String(GRACE_S)]);
  await Promise.all(ALL.map((n) => cluster.startAgent(n)));
  await cluster.waitNodes(ALL, 'True', 90_000);
  for (const z of ZONES) await cluster.ok(['label', 'node', NODE[z], `e2e-zone=${z}`, `e2e-run=${RUN}`]);
  const node = await cluster.admin.get<Node>(NODES, undefined, NODE.a);
  cpuMilli = Number(node.status?.allocatable?.['cpu'] ?? '0') * 1000;
}, 150_000);

afterAll(async () => {
  await cluster.cleanup();
}, 120_000);

describe('three agents on one engine', () => {
  it('kubectl get nodes: three Ready nodes, each with its own label', async () => {
    const out = await cluster.ok(['get', 'nodes', '-l', `e2e-run=${RUN}`, '-L', 'e2e-zone', '--no-headers']);
    const rows = out.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1], r.at(-1)]).sort()).toEqual(ZONES.map((z) => [NODE[z], 'Ready', z]));
    expect(cpuMilli).toBeGreaterThan(0);
  });

  it('a pod with a nodeSelector lands on the matching node, and its containers carry that node on the engine', async () => {
    await create(busyboxPod('sel-b', { nodeSelector: { 'e2e-zone': 'b' } }));
    const [p] = await cluster.waitPods(['sel-b']);
    expect(p?.spec?.nodeName).toBe(NODE.b);
    const containers = (await engineContainers(ALL)).filter((c) => c.pod === 'sel-b');
    expect(containers.length).toBeGreaterThanOrEqual(2); // sandbox + main
    expect(new Set(containers.map((c) => c.node))).toEqual(new Set([NODE.b]));
    expect(containers.find((c) => c.container === 'main')?.state).toBe('running');
  });

  it('a pod whose cpu request fits only one node lands there; one that fits none stays Pending (Insufficient cpu)', async () => {
    // fill a and c so that less than half a node's cpu is left on them; b is (request-wise) empty
    const hog = `${String(cpuMilli - 300)}m`;
    await create(busyboxPod('hog-a', { nodeSelector: { 'e2e-zone': 'a' }, cpu: hog }));
    await create(busyboxPod('hog-c', { nodeSelector: { 'e2e-zone': 'c' }, cpu: hog }));
    await cluster.waitPods(['hog-a', 'hog-c']);
    await create(busyboxPod('fits-b', { cpu: `${String(cpuMilli / 2)}m` }));
    const [p] = await cluster.waitPods(['fits-b']);
    expect(p?.spec?.nodeName).toBe(NODE.b);
    // more than any node has left
    await create(busyboxPod('too-big', { cpu: `${String(cpuMilli - 100)}m` }));
    const [pending] = await cluster.waitPods(['too-big'], (x) => x.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true, 30_000);
    expect(pending?.spec?.nodeName).toBeUndefined();
    expect(pending?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toMatch(/^0\/\d+ nodes are available: .*Insufficient cpu/);
    await cluster.admin.delete(PODS, 'default', 'too-big', { gracePeriodSeconds: 0 });
  });

  it('an agent killed with SIGKILL: its node goes Unknown with the unreachable taints after the grace; other pods stay Ready; its containers keep running', async () => {
    const victim = NODE.c;
    const before = (await engineContainers([victim])).filter((c) => c.state === 'running').map((c) => c.id).sort();
    expect(before.length).toBeGreaterThanOrEqual(2);
    const killedAt = Date.now();
    await cluster.kill(cluster.agent(victim), 'SIGKILL');
    const nodes = await cluster.waitNodes([victim], 'Unknown', (GRACE_S + 30) * 1000);
    const took = (Date.now() - killedAt) / 1000;
    expect(took).toBeGreaterThan(GRACE_S - 11); // not before the lease could have expired
    const node = nodes.find((n) => n.metadata?.name === victim);
    expect(node?.spec?.taints?.filter((t) => t.key === 'node.kubernetes.io/unreachable').map((t) => t.effect).sort()).toEqual(['NoExecute', 'NoSchedule']);
    expect((await cluster.ok(['get', 'node', victim, '--no-headers'])).split(/\s+/)[1]).toBe('NotReady');
    // the other nodes stay Ready, and their pods Running and Ready
    for (const n of [NODE.a, NODE.b]) expect(nodeCondition(await cluster.admin.get<Node>(NODES, undefined, n), 'Ready')).toBe('True');
    for (const name of ['sel-b', 'fits-b', 'hog-a']) expect(podReady(await pod(name)), name).toBe(true);
    // the dead node's pod is still there (no eviction), marked not Ready
    const hogC = await pod('hog-c');
    expect(hogC.metadata?.deletionTimestamp).toBeUndefined();
    expect(hogC.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    // and on the engine nothing of it was stopped or deleted
    const after = (await engineContainers([victim])).filter((c) => c.state === 'running').map((c) => c.id).sort();
    expect(after).toEqual(before);
    process.stdout.write(`multinode: node ${victim} Unknown ${took.toFixed(1)} s after SIGKILL (grace ${String(GRACE_S)} s)\n`);
  });
});
