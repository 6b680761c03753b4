// The DaemonSet controller against a real (in-memory) API server with no scheduler and no kubelet:
// the test plays both (binds each pending pod to the node its affinity names, finishes graceful
// deletions, marks pods ready). One pod per fitting node with the node-name affinity, none on a
// NoSchedule-tainted node, a pod for a new node, revisions, status, and a rolling update with
// maxUnavailable 1 that replaces pods one node at a time as new pods become ready.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Event, Node, Pod, Taint } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLERREVISIONS, DAEMONSETS, EVENTS, NODES, PODS } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { unfitReasons } from '../../apiserver/controllers/scheduler-fit.ts';
import { controllerOf } from '../framework/owners.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { DaemonSetController } from './controller.ts';
import { targetNodeName } from './node-affinity.ts';

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [new DaemonSetController(ctx)] });
});

afterAll(async () => {
  await cp.stop();
});

const NS = 'default';

function readyNode(name: string, taints: Taint[] = []): Node {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: { taints },
    status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

function daemonSet(image: string): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'main', image }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    },
  };
}

async function allPods(): Promise<Pod[]> {
  return (await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=agent' })).items;
}

/** The scheduler and kubelet the control plane lacks: bind pending pods, finish deletions. */
async function playNode(): Promise<void> {
  for (const pod of await allPods()) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp !== undefined) {
      await cp.client.delete(PODS, NS, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
    } else if ((pod.spec?.nodeName ?? '') === '') {
      const target = targetNodeName(pod);
      if (target !== undefined) await cp.client.bind(NS, name, target).catch(() => undefined);
    }
  }
}

async function markReady(pod: Pod): Promise<void> {
  const fresh = await cp.client.get<Pod>(PODS, NS, pod.metadata?.name ?? '');
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await cp.client.updateStatus(PODS, NS, { ...fresh, status: { ...fresh.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } });
}

const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const live = (pods: Pod[]): Pod[] => pods.filter((p) => p.metadata?.deletionTimestamp === undefined);
const hashOf = (p: Pod): string => p.metadata?.labels?.['controller-revision-hash'] ?? '';

async function podsOn(nodes: string[]): Promise<Map<string, Pod>> {
  return until(`a daemon pod on each of ${nodes.join(', ')}`, async () => {
    await playNode();
    const byNode = new Map<string, Pod>();
    for (const p of live(await allPods())) byNode.set(p.spec?.nodeName ?? targetNodeName(p) ?? '', p);
    return nodes.every((n) => byNode.get(n)?.spec?.nodeName === n) && byNode.size === nodes.length ? byNode : undefined;
  }, 10_000, 20);
}

async function dsStatus(): Promise<DaemonSet> {
  return cp.client.get<DaemonSet>(DAEMONSETS, NS, 'agent');
}

describe('DaemonSet controller', () => {
  it('runs one pod per fitting node, follows new nodes, and rolls out one node at a time', async () => {
    await cp.client.create(NODES, undefined, readyNode('n1'));
    await cp.client.create(NODES, undefined, readyNode('n2', [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]));
    const ds = await cp.client.create<DaemonSet>(DAEMONSETS, NS, daemonSet('busybox:1'));

    // One pod, on n1 only; pinned there by node affinity, not by spec.nodeName.
    await until('a pod for n1', async () => (await allPods()).length === 1, 10_000, 20);
    const [created] = await allPods();
    expect(created?.spec?.nodeName).toBeUndefined();
    expect(created?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms)
      .toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]);
    expect(controllerOf(created!)).toEqual({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata?.uid, controller: true, blockOwnerDeletion: true });
    expect(created?.metadata?.labels?.['pod-template-generation']).toBe('1');
    expect(created?.spec?.tolerations?.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
    // nodelet's scheduler binds it to n1 and nowhere else (it honours matchFields metadata.name).
    const [n1, n2] = await Promise.all([cp.client.get<Node>(NODES, undefined, 'n1'), cp.client.get<Node>(NODES, undefined, 'n2')]);
    const stored = (o: object): Parameters<typeof unfitReasons>[0] => o as Parameters<typeof unfitReasons>[0];
    expect(unfitReasons(stored(created!), stored(n1), [])).toEqual([]);
    expect(unfitReasons(stored(created!), stored(n2), []).length).toBeGreaterThan(0);

    const revisions = (await cp.client.list<ControllerRevision>(CONTROLLERREVISIONS, NS)).items;
    expect(revisions).toHaveLength(1);
    expect(revisions[0]?.revision).toBe(1);
    expect(revisions[0]?.metadata?.name).toBe(`agent-${hashOf(created!)}`);
    expect(revisions[0]?.data).toMatchObject({ spec: { template: { $patch: 'replace', spec: { containers: [{ image: 'busybox:1' }] } } } });

    // A new node gets a pod.
    await cp.client.create(NODES, undefined, readyNode('n3'));
    const v1 = await podsOn(['n1', 'n3']);
    for (const p of v1.values()) await markReady(p);
    await until('status: 2 desired, 2 available, 2 updated', async () => {
      const s = (await dsStatus()).status;
      return s?.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 2 && s.numberAvailable === 2
        && s.updatedNumberScheduled === 2 && s.numberMisscheduled === 0 && s.observedGeneration === 1;
    }, 10_000, 20);

    // A new template: one node at a time.
    await cp.client.patch(DAEMONSETS, NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:2' }] } } } }, 'strategic');
    const oldHash = hashOf(created!);
    const replaced: string[] = [];
    const violations: number[] = [];
    for (let step = 0; step < 2; step++) {
      const fresh = await until(`a new pod (step ${step + 1})`, async () => {
        await playNode();
        const pods = live(await allPods());
        const news = pods.filter((p) => hashOf(p) !== oldHash);
        // Never more than one node without an available pod.
        const unavailable = pods.filter((p) => !isReady(p)).length + (2 - pods.length);
        if (unavailable > 1) violations.push(unavailable);
        const pending = news.find((p) => !isReady(p) && (p.spec?.nodeName ?? '') !== '');
        return pending !== undefined && news.filter(isReady).length === step ? pending : undefined;
      }, 10_000, 20);
      // The other old pod is still there while this one is not ready.
      const olds = live(await allPods()).filter((p) => hashOf(p) === oldHash);
      expect(olds).toHaveLength(1 - step);
      replaced.push(fresh.spec?.nodeName ?? '');
      await markReady(fresh);
    }
    expect(replaced.sort()).toEqual(['n1', 'n3']);
    expect(violations).toEqual([]);

    await until('rollout complete', async () => {
      const cur = await dsStatus();
      const s = cur.status;
      return s?.updatedNumberScheduled === 2 && s.numberAvailable === 2 && s.observedGeneration === cur.metadata?.generation;
    }, 10_000, 20);
    const after = (await cp.client.list<ControllerRevision>(CONTROLLERREVISIONS, NS)).items.sort((a, b) => a.revision - b.revision);
    expect(after.map((r) => r.revision)).toEqual([1, 2]);
    expect(live(await allPods()).every((p) => p.metadata?.labels?.['pod-template-generation'] === '2')).toBe(true);

    const events = (await cp.client.list<Event>(EVENTS, NS)).items.filter((e) => e.involvedObject.name === 'agent');
    expect(events.filter((e) => e.reason === 'SuccessfulCreate').length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.reason === 'SuccessfulDelete')).toBe(true);
    expect(events.every((e) => e.source?.component === 'daemonset-controller')).toBe(true);

    // A failed daemon pod is killed (with a warning) and replaced.
    const current = await podsOn(['n1', 'n3']);
    const failing = current.get('n1')!;
    const fresh = await cp.client.get<Pod>(PODS, NS, failing.metadata?.name ?? '');
    await cp.client.updateStatus(PODS, NS, { ...fresh, status: { ...fresh.status, phase: 'Failed' } });
    await until('the failed pod replaced', async () => {
      await playNode();
      const byNode = live(await allPods()).filter((p) => (p.spec?.nodeName ?? targetNodeName(p)) === 'n1');
      return byNode.length === 1 && byNode[0]?.metadata?.name !== failing.metadata?.name;
    }, 10_000, 20);
    const warned = (await cp.client.list<Event>(EVENTS, NS)).items.find((e) => e.reason === 'FailedDaemonPod');
    expect(warned?.type).toBe('Warning');
    expect(warned?.message).toBe(`Found failed daemon pod default/${failing.metadata?.name ?? ''} on node n1, will try to kill it`);

    // A NoSchedule taint leaves the running pod alone; a NoExecute taint evicts it.
    await cp.client.patch(NODES, undefined, 'n1', { spec: { taints: [{ key: 'maint', effect: 'NoSchedule' }] } }, 'merge');
    await cp.client.patch(NODES, undefined, 'n3', { spec: { taints: [{ key: 'maint', effect: 'NoExecute' }] } }, 'merge');
    await until('n3 emptied, n1 kept', async () => {
      await playNode();
      const nodes = live(await allPods()).map((p) => p.spec?.nodeName ?? targetNodeName(p));
      const s = (await dsStatus()).status;
      return nodes.length === 1 && nodes[0] === 'n1' && s?.desiredNumberScheduled === 0 && s.numberMisscheduled === 1;
    }, 10_000, 20);
  }, 30_000);
});
