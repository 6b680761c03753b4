// The StatefulSet controller against a real API server (no agent: the test plays the kubelet by
// writing pod status): OrderedReady creation one ordinal at a time, claims per ordinal, a partitioned
// rolling update, scale-down that keeps the claim, the status `kubectl rollout status` reads, and
// the events.
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Event as CoreEvent, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClientNotFound } from '../../kube/client/client.ts';
import { CONTROLLERREVISIONS, EVENTS, PERSISTENTVOLUMECLAIMS, PODS, STATEFULSETS } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { createStatefulSetController } from './index.ts';
import { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL } from './identity.ts';

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [createStatefulSetController(ctx)] });
});

afterAll(async () => {
  await cp.stop();
});

const NS = 'default';

async function getPod(name: string): Promise<Pod | undefined> {
  try {
    return await cp.client.get<Pod>(PODS, NS, name);
  } catch (err) {
    if (isClientNotFound(err)) return undefined;
    throw err;
  }
}

async function podNames(): Promise<string[]> {
  const list = await cp.client.list<Pod>(PODS, NS);
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined).map((p) => p.metadata?.name ?? '').sort();
}

/** Plays the kubelet: the pod is Running and Ready. */
async function makeReady(name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await cp.client.patch(PODS, NS, name, {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
  }, 'merge', { subresource: 'status' });
}

async function set(): Promise<StatefulSet> {
  return cp.client.get<StatefulSet>(STATEFULSETS, NS, 'web');
}

const manifest: StatefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: NS },
  spec: {
    replicas: 3,
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'busybox:1', command: ['sleep', '3600'] }] },
    },
    volumeClaimTemplates: [{
      metadata: { name: 'www' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }],
  },
};

describe('StatefulSet controller', () => {
  it('creates pods in ordinal order, each after the one below is ready, with a claim each', async () => {
    await cp.client.create(STATEFULSETS, NS, manifest);
    const web0 = await until('web-0', () => getPod('web-0'), 10_000, 20);
    await cp.idle();
    expect(await podNames()).toEqual(['web-0']);
    expect(web0.metadata?.labels).toMatchObject({ app: 'nginx', [POD_NAME_LABEL]: 'web-0', [POD_INDEX_LABEL]: '0' });
    expect(web0.metadata?.labels?.[REVISION_LABEL]).toMatch(/^web-/);
    expect(web0.spec?.hostname).toBe('web-0');
    expect(web0.spec?.subdomain).toBe('nginx');
    expect(web0.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim?.claimName).toBe('www-web-0');
    expect(web0.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', controller: true });
    const claim0 = await cp.client.get<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS, NS, 'www-web-0');
    expect(claim0.metadata?.labels).toEqual({ app: 'nginx' });
    expect(claim0.metadata?.ownerReferences).toBeUndefined();

    await makeReady('web-0');
    await until('web-1', () => getPod('web-1'), 10_000, 20);
    await cp.idle();
    expect(await podNames()).toEqual(['web-0', 'web-1']);
    await makeReady('web-1');
    await until('web-2', () => getPod('web-2'), 10_000, 20);
    await makeReady('web-2');

    const ready = await until('3 ready', async () => {
      const s = await set();
      return s.status?.readyReplicas === 3 && s.status.availableReplicas === 3 ? s : undefined;
    }, 10_000, 20);
    expect(ready.status).toMatchObject({ replicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    expect(ready.status?.currentRevision).toBe(ready.status?.updateRevision);
    const claims = await cp.client.list<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS, NS);
    expect(claims.items.map((c) => c.metadata?.name).sort()).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);

    const events = await cp.client.list<CoreEvent>(EVENTS, NS);
    const mine = events.items.filter((e) => e.source?.component === 'statefulset-controller').map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
    expect(mine).toEqual(expect.arrayContaining([
      'SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success',
      'SuccessfulCreate: create Pod web-0 in StatefulSet web successful',
      'SuccessfulCreate: create Pod web-2 in StatefulSet web successful',
    ]));
  });

  it('a template change with partition 2 replaces only web-2', async () => {
    const before = await set();
    const oldRevision = before.status?.currentRevision ?? '';
    await cp.client.patch(STATEFULSETS, NS, 'web', {
      spec: {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        template: { spec: { containers: [{ name: 'nginx', image: 'busybox:2', command: ['sleep', '3600'] }] } },
      },
    }, 'merge');
    const web2 = await until('web-2 at the new revision', async () => {
      const p = await getPod('web-2');
      return p !== undefined && p.metadata?.labels?.[REVISION_LABEL] !== oldRevision ? p : undefined;
    }, 10_000, 20);
    expect(web2.spec?.containers[0]?.image).toBe('busybox:2');
    await makeReady('web-2');
    const s = await until('partitioned roll-out done', async () => {
      const x = await set();
      return x.status?.updatedReplicas === 1 && x.status.readyReplicas === 3 ? x : undefined;
    }, 10_000, 20);
    await cp.idle();
    expect(s.status).toMatchObject({ replicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: oldRevision });
    expect(s.status?.updateRevision).toBe(web2.metadata?.labels?.[REVISION_LABEL]);
    for (const name of ['web-0', 'web-1']) {
      const p = await getPod(name);
      expect(p?.metadata?.labels?.[REVISION_LABEL]).toBe(oldRevision);
      expect(p?.spec?.containers[0]?.image).toBe('busybox:1');
    }
    const revisions = await cp.client.list<ControllerRevision>(CONTROLLERREVISIONS, NS);
    expect(revisions.items.map((r) => r.revision).sort()).toEqual([1, 2]);
  });

  it('scaling down deletes the highest ordinal and keeps its claim', async () => {
    await cp.client.patch(STATEFULSETS, NS, 'web', { spec: { replicas: 2 } }, 'merge');
    await until('web-2 gone', async () => (await getPod('web-2')) === undefined, 10_000, 20);
    await cp.idle();
    expect(await podNames()).toEqual(['web-0', 'web-1']);
    const claims = await cp.client.list<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS, NS);
    expect(claims.items.map((c) => c.metadata?.name).sort()).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
    const s = await until('status after scale-down', async () => {
      const x = await set();
      return x.status?.replicas === 2 ? x : undefined;
    }, 10_000, 20);
    expect(s.status).toMatchObject({ readyReplicas: 2, currentReplicas: 2, updatedReplicas: 0 });
    const events = await cp.client.list<CoreEvent>(EVENTS, NS);
    expect(events.items.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'delete Pod web-2 in StatefulSet web successful')).toBe(true);
  });

  it('replaces a deleted pod under the same name, reusing its claim', async () => {
    const old = await getPod('web-1');
    await cp.client.delete(PODS, NS, 'web-1');
    const again = await until('web-1 again', async () => {
      const p = await getPod('web-1');
      return p !== undefined && p.metadata?.uid !== old?.metadata?.uid ? p : undefined;
    }, 10_000, 20);
    expect(again.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim?.claimName).toBe('www-web-1');
    // below the partition: still the old template
    expect(again.spec?.containers[0]?.image).toBe('busybox:1');
  });

  it('Parallel creates every pod at once; whenScaled/whenDeleted=Delete hand claims from the set to a condemned pod', async () => {
    const db: StatefulSet = {
      ...manifest,
      metadata: { name: 'db', namespace: NS },
      spec: {
        ...(manifest.spec as NonNullable<StatefulSet['spec']>),
        replicas: 2,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: 'db' } },
        template: { ...manifest.spec?.template, metadata: { labels: { app: 'db' } } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      },
    };
    const created = await cp.client.create<StatefulSet>(STATEFULSETS, NS, db);
    const setUid = created.metadata?.uid;
    await until('db-0 and db-1', async () => (await getPod('db-0')) !== undefined && (await getPod('db-1')) !== undefined, 10_000, 20);
    // Pending pods: their claims get the set's controller reference (whenDeleted=Delete)
    await until('claims owned by the set', async () => {
      const claims = await cp.client.list<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS, NS);
      const mine = claims.items.filter((c) => c.metadata?.name?.endsWith('-db-0') === true || c.metadata?.name?.endsWith('-db-1') === true);
      return mine.length === 2 && mine.every((c) => c.metadata?.ownerReferences?.[0]?.uid === setUid);
    }, 10_000, 20);
    const db1 = await getPod('db-1');
    await cp.client.patch(STATEFULSETS, NS, 'db', { spec: { replicas: 1 } }, 'merge');
    await until('db-1 gone', async () => (await getPod('db-1')) === undefined, 10_000, 20);
    const claim = await cp.client.get<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS, NS, 'www-db-1');
    expect(claim.metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: 'db-1', uid: db1?.metadata?.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const kept = await cp.client.get<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS, NS, 'www-db-0');
    expect(kept.metadata?.ownerReferences?.map((r) => r.kind)).toEqual(['StatefulSet']);
  });
});
