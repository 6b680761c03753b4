// The disruption controller against a real (in-memory) API server: a budget's status follows its
// pods, the eviction API spends it (201, then 429 with upstream's message), maxUnavailable reads
// the controllers' scale (listers and the scale subresource), and a stale DisruptionTarget
// condition is reset.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Event, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClientError } from '../../kube/client/client.ts';
import { DEPLOYMENTS, EVENTS, PODDISRUPTIONBUDGETS, PODS, REPLICASETS } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { rfc3339 } from './conditions.ts';
import { DisruptionController } from './controller.ts';

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [new DisruptionController(ctx)] });
});

afterAll(async () => {
  await cp.stop();
});

async function readyPod(name: string, app: string, owner?: OwnerReference): Promise<Pod> {
  await cp.client.create<Pod>(PODS, 'default', {
    metadata: { name, labels: { app }, ...(owner === undefined ? {} : { ownerReferences: [owner] }) },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
  });
  return cp.client.patch<Pod>(PODS, 'default', name, {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(Date.now()) }] },
  }, 'merge', { subresource: 'status' });
}

async function budget(name: string, spec: PodDisruptionBudgetSpec): Promise<PodDisruptionBudget> {
  return cp.client.create<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, 'default', { metadata: { name }, spec });
}

async function statusOf(name: string, want: (pdb: PodDisruptionBudget) => boolean): Promise<PodDisruptionBudget> {
  return until(`status of ${name}`, async () => {
    const cur = await cp.client.get<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, 'default', name);
    return want(cur) ? cur : undefined;
  }, 8_000, 20);
}

function evict(name: string): Promise<unknown> {
  return cp.client.json('POST', cp.client.path(PODS, 'default', name, 'eviction'), {
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } },
  });
}

describe('disruption controller', () => {
  it('keeps the budget so that the eviction API lets one pod go and refuses the next', async () => {
    await Promise.all(['web-0', 'web-1', 'web-2'].map((n) => readyPod(n, 'web')));
    await budget('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    const synced = await statusOf('web', (p) => p.status?.disruptionsAllowed === 1);
    expect(synced.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, observedGeneration: 1 });
    expect(synced.status?.conditions).toMatchObject([{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' }]);

    expect(await evict('web-0')).toMatchObject({ kind: 'Status', status: 'Success' });
    const refused = await evict('web-1').then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiClientError);
    const e = refused as ApiClientError;
    expect(e.httpStatus).toBe(429);
    expect(e.status.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(e.status.details?.causes?.[0]?.reason).toBe('DisruptionBudget');
    expect(e.status.details?.causes?.[0]?.message).toMatch(/^The disruption budget web needs 2 healthy pods and has [23] currently$/);

    // The evicted pod is gone; the controller settles on two healthy pods and forgets the entry.
    const settled = await statusOf('web', (p) => p.status?.currentHealthy === 2 && p.status.disruptedPods === undefined);
    expect(settled.status).toMatchObject({ disruptionsAllowed: 0, expectedPods: 2, desiredHealthy: 2 });
    expect(settled.status?.conditions).toMatchObject([{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }]);
    await expect(evict('web-2')).rejects.toMatchObject({ httpStatus: 429 });
  });

  it('maxUnavailable counts a Deployment\'s replicas, and a ReplicaSet without its Deployment through /scale', async () => {
    const d = await cp.client.create<Deployment>(DEPLOYMENTS, 'default', {
      metadata: { name: 'api' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
    });
    const rs = await cp.client.create<ReplicaSet>(REPLICASETS, 'default', {
      metadata: { name: 'api-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: d.metadata!.uid!, controller: true }] },
      spec: { replicas: 3, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
    });
    const owner: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-1', uid: rs.metadata!.uid!, controller: true };
    await Promise.all(['api-a', 'api-b', 'api-c'].map((n) => readyPod(n, 'api', owner)));
    await budget('api', { maxUnavailable: '50%', selector: { matchLabels: { app: 'api' } } });
    // 4 expected (the Deployment), 50% of 4 = 2 may be unavailable: 2 must stay, 3 are healthy.
    await statusOf('api', (p) => p.status?.expectedPods === 4 && p.status.desiredHealthy === 2 && p.status.disruptionsAllowed === 1);

    // Without the Deployment the ReplicaSet's own scale (read through replicasets/scale) counts.
    // (no garbage collector runs here: the ReplicaSet keeps its dangling owner reference)
    await cp.client.delete(DEPLOYMENTS, 'default', 'api');
    await cp.client.patch(PODDISRUPTIONBUDGETS, 'default', 'api', { spec: { maxUnavailable: 1 } }, 'merge');
    await statusOf('api', (p) => p.status?.expectedPods === 3 && p.status.desiredHealthy === 2 && p.status.observedGeneration === 2);
  });

  it('fails safe when a pod\'s controller cannot be found, and says why', async () => {
    await readyPod('ghost-0', 'ghost', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'nope', uid: 'no-such-uid', controller: true });
    await budget('ghost', { maxUnavailable: 1, selector: { matchLabels: { app: 'ghost' } } });
    const failed = await statusOf('ghost', (p) => p.status?.conditions?.[0]?.reason === 'SyncFailed');
    expect(failed.status?.disruptionsAllowed).toBe(0);
    expect(failed.status?.conditions?.[0]).toMatchObject({ status: 'False', message: 'found no controllers for pod "ghost-0"' });
    const events = await until('CalculateExpectedPodCountFailed', async () => {
      const list = (await cp.client.list<Event>(EVENTS, 'default')).items.filter((e) => e.involvedObject.name === 'ghost');
      return list.some((e) => e.reason === 'CalculateExpectedPodCountFailed') ? list : undefined;
    }, 10_000, 20);
    expect(events.find((e) => e.reason === 'CalculateExpectedPodCountFailed')).toMatchObject({
      type: 'Warning', message: 'Failed to calculate the number of expected pods: found no controllers for pod "ghost-0"',
      source: { component: 'controllermanager' }, involvedObject: { kind: 'PodDisruptionBudget' },
    });
  });

  it.each([
    ['rc', { apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'rc-uid' }, 'no matches for kind "ReplicationController" in version "v1"'],
    ['cm', { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'cm-uid' }, 'configmaps does not implement the scale subresource'],
  ])('maps other owners through discovery (%s)', async (app, owner, message) => {
    await readyPod(`${app}-0`, app, { ...owner, controller: true });
    await budget(app, { minAvailable: '50%', selector: { matchLabels: { app } } });
    const failed = await statusOf(app, (p) => p.status?.conditions?.[0]?.reason === 'SyncFailed');
    expect(failed.status?.conditions?.[0]?.message).toBe(message);
  });

  it('resets a DisruptionTarget condition left on a pod that was never deleted', async () => {
    await readyPod('stuck', 'stuck');
    await cp.client.patch(PODS, 'default', 'stuck', {
      status: { conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(Date.now() - 3 * 60_000) },
      ] },
    }, 'strategic', { subresource: 'status' });
    const reset = await until('DisruptionTarget=False', async () => {
      const p = await cp.client.get<Pod>(PODS, 'default', 'stuck');
      const c = p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
      return c?.status === 'False' ? c : undefined;
    }, 10_000, 20);
    expect(reset.reason).toBeUndefined();
    expect(reset.message).toBeUndefined();
  });
});
