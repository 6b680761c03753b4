// The ReplicaSet controller against a real (in-memory) API server: replicas created with owner
// references, a deleted pod replaced, scale-down, adoption of an orphan, release of a relabelled
// pod, and readiness in the status.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Event, Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, PODS, REPLICASETS } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { controllerOf } from '../framework/owners.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { ReplicaSetController } from './controller.ts';

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [new ReplicaSetController(ctx)] });
});

afterAll(async () => {
  await cp.stop();
});

function replicaSet(name: string, app: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } },
    },
  };
}

async function livePods(app: string): Promise<Pod[]> {
  const list = await cp.client.list<Pod>(PODS, 'default', { labelSelector: `app=${app}` });
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

function ownedBy(pods: Pod[], rs: ReplicaSet): Pod[] {
  return pods.filter((p) => controllerOf(p)?.uid === rs.metadata?.uid);
}

async function waitForOwned(app: string, rs: ReplicaSet, n: number): Promise<Pod[]> {
  return until(`${String(n)} pods of ${rs.metadata?.name ?? ''}`, async () => {
    const pods = await livePods(app);
    return pods.length === n && ownedBy(pods, rs).length === n ? pods : undefined;
  }, 10_000, 20);
}

describe('ReplicaSet controller', () => {
  it('creates, replaces, scales down, adopts and releases', async () => {
    const rs = await cp.client.create<ReplicaSet>(REPLICASETS, 'default', replicaSet('web', 'web', 3));
    const first = await waitForOwned('web', rs, 3);
    const ref = controllerOf(first[0]!);
    expect(ref).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true });
    expect(first.every((p) => p.metadata?.generateName === 'web-')).toBe(true);

    await until('status.replicas=3', async () => {
      const cur = await cp.client.get<ReplicaSet>(REPLICASETS, 'default', 'web');
      return cur.status?.replicas === 3 && cur.status.observedGeneration === 1;
    }, 10_000, 20);
    const events = (await cp.client.list<Event>(EVENTS, 'default')).items.filter((e) => e.involvedObject.name === 'web');
    expect(events.filter((e) => e.reason === 'SuccessfulCreate').length).toBeGreaterThanOrEqual(1);
    expect(events.every((e) => e.source?.component === 'replicaset-controller')).toBe(true);

    // A deleted pod is replaced.
    const victim = first[0]!.metadata!.name!;
    await cp.client.delete(PODS, 'default', victim);
    const replaced = await until('replacement', async () => {
      const pods = await livePods('web');
      return pods.length === 3 && !pods.some((p) => p.metadata?.name === victim) ? pods : undefined;
    }, 10_000, 20);
    expect(ownedBy(replaced, rs)).toHaveLength(3);

    // Scaling to 1 deletes two.
    await cp.client.patch(REPLICASETS, 'default', 'web', { spec: { replicas: 1 } }, 'merge');
    const [survivor] = await waitForOwned('web', rs, 1);
    await cp.idle();
    expect(await livePods('web')).toHaveLength(1);
    await until('SuccessfulDelete events', async () => {
      const evs = (await cp.client.list<Event>(EVENTS, 'default')).items.filter((e) => e.involvedObject.name === 'web' && e.reason === 'SuccessfulDelete');
      return evs.reduce((n, e) => n + (e.count ?? 1), 0) >= 2;
    }, 10_000, 20);

    // Readiness reaches the status.
    await cp.client.patch(PODS, 'default', survivor!.metadata!.name!, {
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(Date.now() - 5000).toISOString().replace(/\.\d+Z$/, 'Z') }] },
    }, 'merge', { subresource: 'status' });
    await until('ready and available', async () => {
      const cur = await cp.client.get<ReplicaSet>(REPLICASETS, 'default', 'web');
      return cur.status?.readyReplicas === 1 && cur.status.availableReplicas === 1 && cur.status.fullyLabeledReplicas === 1;
    }, 10_000, 20);

    // A pod relabelled out of the selector is released and replaced.
    await cp.client.patch(PODS, 'default', survivor!.metadata!.name!, { metadata: { labels: { app: 'debug' } } }, 'merge');
    await until('released', async () => {
      const p = await cp.client.get<Pod>(PODS, 'default', survivor!.metadata!.name!);
      return controllerOf(p) === undefined;
    }, 10_000, 20);
    const after = await waitForOwned('web', rs, 1);
    expect(after[0]!.metadata?.name).not.toBe(survivor!.metadata?.name);
  });

  it('adopts a matching orphan instead of creating a pod', async () => {
    const orphan = await cp.client.create<Pod>(PODS, 'default', {
      metadata: { name: 'orphan', labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    const rs = await cp.client.create<ReplicaSet>(REPLICASETS, 'default', replicaSet('adopter', 'adopt', 1));
    const pods = await waitForOwned('adopt', rs, 1);
    expect(pods[0]!.metadata?.uid).toBe(orphan.metadata?.uid);
    await cp.idle();
    expect(await livePods('adopt')).toHaveLength(1);
  });
});
