// The collector against a real (in-memory) API server: background, orphan and foreground
// deletion, dangling references, kinds across resources, and the namespace rule.
import type { ConfigMap, Event, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClientNotFound, NAMESPACES, type KubeObject } from '../../kube/client/client.ts';
import { CONFIGMAPS, EVENTS, PODS, REPLICASETS } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { createGarbageCollectorController } from './index.ts';

const ROLES = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', namespaced: true };

const NS = 'gc-test';
let cp: ControlPlane;
let seq = 0;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [createGarbageCollectorController(ctx)] });
  for (const name of [NS, 'gc-a', 'gc-b']) await cp.client.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}, 30_000);

afterAll(async () => {
  await cp.stop();
});

function uniq(prefix: string): string {
  seq++;
  return `${prefix}-${seq}`;
}

async function configMap(name: string, o: { namespace?: string; owners?: OwnerReference[]; finalizers?: string[] } = {}): Promise<ConfigMap> {
  return cp.client.create<ConfigMap>(CONFIGMAPS, o.namespace ?? NS, {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, ...(o.owners === undefined ? {} : { ownerReferences: o.owners }), ...(o.finalizers === undefined ? {} : { finalizers: o.finalizers }) },
    data: { k: 'v' },
  });
}

function refTo(obj: KubeObject, o: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', name: obj.metadata?.name ?? '', uid: obj.metadata?.uid ?? '', ...o };
}

async function getCm(name: string, namespace = NS): Promise<ConfigMap | undefined> {
  try {
    return await cp.client.get<ConfigMap>(CONFIGMAPS, namespace, name);
  } catch (err) {
    if (isClientNotFound(err)) return undefined;
    throw err;
  }
}

const gone = (name: string, namespace = NS) => async (): Promise<boolean> => (await getCm(name, namespace)) === undefined;

/** Whether the API server turns a DELETE's propagationPolicy into the orphan/foregroundDeletion finalizers. */
async function serverSetsGcFinalizers(): Promise<boolean> {
  const name = uniq('probe');
  await configMap(name, { finalizers: ['example.com/hold'] });
  await cp.client.delete(CONFIGMAPS, NS, name, { propagationPolicy: 'Orphan' });
  const cm = await getCm(name);
  await cp.client.patch(CONFIGMAPS, NS, name, { metadata: { finalizers: null } }, 'merge');
  return (cm?.metadata?.finalizers ?? []).includes('orphan');
}

describe('garbage collector', () => {
  it('background: a dependent goes after its owner', async () => {
    const owner = await configMap(uniq('owner'));
    const depName = uniq('dep');
    await configMap(depName, { owners: [refTo(owner)] });
    await cp.client.delete(CONFIGMAPS, NS, owner.metadata?.name ?? '', { propagationPolicy: 'Background' });
    await until('the dependent to be collected', gone(depName), 10_000, 50);
  });

  it('a dependent with two owners loses only the dangling reference', async () => {
    const a = await configMap(uniq('owner-a'));
    const b = await configMap(uniq('owner-b'));
    const depName = uniq('dep');
    await configMap(depName, { owners: [refTo(a), refTo(b)] });
    await cp.client.delete(CONFIGMAPS, NS, a.metadata?.name ?? '');
    const dep = await until('the reference to the deleted owner to go', async () => {
      const cm = await getCm(depName);
      return cm?.metadata?.ownerReferences?.length === 1 ? cm : undefined;
    }, 10_000, 50);
    expect(dep.metadata?.ownerReferences?.[0]?.uid).toBe(b.metadata?.uid);
    await cp.idle();
    expect(await getCm(depName)).toBeDefined();
  });

  it('an owner that never existed (or whose name has another uid) is dangling', async () => {
    const real = await configMap(uniq('real'));
    const wrongUid = uniq('dep');
    const missing = uniq('dep');
    await configMap(wrongUid, { owners: [refTo(real, { uid: 'not-its-uid' })] });
    await configMap(missing, { owners: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: 'no-such-uid' }] });
    await until('both dependents to be collected', async () => (await gone(wrongUid)()) && (await gone(missing)()), 10_000, 50);
    expect(await getCm(real.metadata?.name ?? '')).toBeDefined();
  });

  it('orphan finalizer: the dependent stays and loses the reference, then the owner goes', async () => {
    const ownerName = uniq('owner');
    const owner = await configMap(ownerName, { finalizers: ['orphan'] });
    const depName = uniq('dep');
    await configMap(depName, { owners: [refTo(owner)] });
    await cp.client.delete(CONFIGMAPS, NS, ownerName);
    await until('the owner to be removed', gone(ownerName), 10_000, 50);
    const dep = await getCm(depName);
    expect(dep?.metadata?.ownerReferences ?? []).toEqual([]);
    await cp.idle();
    expect(await getCm(depName)).toBeDefined();
  });

  it('foreground finalizer: the owner waits for its blocking dependent, then goes', async () => {
    const ownerName = uniq('owner');
    const owner = await configMap(ownerName, { finalizers: ['foregroundDeletion'] });
    const depName = uniq('dep');
    // the dependent holds its own deletion until the test lets it go
    await configMap(depName, { owners: [refTo(owner, { blockOwnerDeletion: true })], finalizers: ['example.com/hold'] });
    await cp.client.delete(CONFIGMAPS, NS, ownerName);
    await until('the dependent to be deleted by the collector', async () => (await getCm(depName))?.metadata?.deletionTimestamp !== undefined, 10_000, 50);
    await cp.idle();
    const waiting = await getCm(ownerName);
    expect(waiting?.metadata?.deletionTimestamp).toBeDefined();
    expect(waiting?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    await cp.client.patch(CONFIGMAPS, NS, depName, { metadata: { finalizers: null } }, 'merge');
    await until('the owner to be removed', gone(ownerName), 10_000, 50);
  });

  it('foreground finalizer: non-blocking dependents do not hold the owner, but are deleted', async () => {
    const ownerName = uniq('owner');
    const owner = await configMap(ownerName, { finalizers: ['foregroundDeletion'] });
    const depName = uniq('dep');
    await configMap(depName, { owners: [refTo(owner)], finalizers: ['example.com/hold'] });
    await cp.client.delete(CONFIGMAPS, NS, ownerName);
    await until('the owner to be removed', gone(ownerName), 10_000, 50);
    await until('the dependent to be deleting', async () => (await getCm(depName))?.metadata?.deletionTimestamp !== undefined, 10_000, 50);
    await cp.client.patch(CONFIGMAPS, NS, depName, { metadata: { finalizers: null } }, 'merge');
    await until('the dependent to be removed', gone(depName), 10_000, 50);
  });

  it('dependents of another kind: pods of a deleted ReplicaSet are collected', async () => {
    const rs = await cp.client.create<KubeObject>(REPLICASETS, NS, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: uniq('rs') },
      spec: { replicas: 0, selector: { matchLabels: { app: 'gc' } }, template: { metadata: { labels: { app: 'gc' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    } as KubeObject);
    const podName = uniq('pod');
    await cp.client.create<Pod>(PODS, NS, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: podName, labels: { app: 'gc' }, ownerReferences: [refTo(rs, { controller: true, blockOwnerDeletion: true })] },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await cp.client.delete(REPLICASETS, NS, rs.metadata?.name ?? '');
    await until('the pod to be collected', async () => {
      try {
        await cp.client.get(PODS, NS, podName);
        return false;
      } catch (err) {
        return isClientNotFound(err);
      }
    }, 10_000, 50);
  });

  it('an owner of an unmonitored kind (found through discovery) is re-checked until it is gone', async () => {
    const role = await cp.client.create<KubeObject>(ROLES, NS, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: uniq('role') } });
    const depName = uniq('dep');
    await configMap(depName, { owners: [refTo(role)] });
    // a later dangling dependent as a marker: once it is collected, the role has been checked
    const marker = uniq('marker');
    await configMap(marker, { owners: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: uniq('no-such-uid') }] });
    await until('the marker to be collected', gone(marker), 10_000, 50);
    await cp.idle();
    expect(await getCm(depName)).toBeDefined();
    await cp.client.delete(ROLES, NS, role.metadata?.name ?? '');
    await until('the dependent to be collected', gone(depName), 15_000, 50);
  });

  it('a namespaced owner in another namespace counts as absent and is reported (OwnerRefInvalidNamespace)', async () => {
    const owner = await configMap(uniq('owner'), { namespace: 'gc-a' });
    const depName = uniq('dep');
    await configMap(depName, { namespace: 'gc-b', owners: [refTo(owner)] });
    await until('the dependent to be collected', gone(depName, 'gc-b'), 10_000, 50);
    expect(await getCm(owner.metadata?.name ?? '', 'gc-a')).toBeDefined();
    const event = await until('the OwnerRefInvalidNamespace event', async () => {
      const list = await cp.client.list<Event>(EVENTS, 'gc-b');
      return list.items.find((e) => e.reason === 'OwnerRefInvalidNamespace' && e.involvedObject.name === depName);
    }, 10_000, 50);
    expect(event.type).toBe('Warning');
    expect(event.source?.component).toBe('garbage-collector-controller');
    expect(event.message).toBe(`ownerRef [v1/ConfigMap, namespace: gc-b, name: ${owner.metadata?.name ?? ''}, uid: ${owner.metadata?.uid ?? ''}] does not exist in namespace "gc-b"`);
  });

  describe('with the propagationPolicy of the DELETE (needs the API server to set the finalizers)', () => {
    let supported = false;
    beforeAll(async () => {
      supported = await serverSetsGcFinalizers();
    });

    it('Orphan: the dependent stays and loses the reference', async (t) => {
      if (!supported) t.skip();
      const owner = await configMap(uniq('owner'));
      const depName = uniq('dep');
      await configMap(depName, { owners: [refTo(owner)] });
      await cp.client.delete(CONFIGMAPS, NS, owner.metadata?.name ?? '', { propagationPolicy: 'Orphan' });
      await until('the owner to be removed', gone(owner.metadata?.name ?? ''), 10_000, 50);
      await cp.idle();
      const dep = await getCm(depName);
      expect(dep).toBeDefined();
      expect(dep?.metadata?.ownerReferences ?? []).toEqual([]);
    });

    it('Foreground: the owner stays with foregroundDeletion until the dependent is gone', async (t) => {
      if (!supported) t.skip();
      const ownerName = uniq('owner');
      const owner = await configMap(ownerName);
      const depName = uniq('dep');
      await configMap(depName, { owners: [refTo(owner, { blockOwnerDeletion: true })], finalizers: ['example.com/hold'] });
      await cp.client.delete(CONFIGMAPS, NS, ownerName, { propagationPolicy: 'Foreground' });
      await until('the dependent to be deleting', async () => (await getCm(depName))?.metadata?.deletionTimestamp !== undefined, 10_000, 50);
      await cp.idle();
      expect((await getCm(ownerName))?.metadata?.finalizers).toEqual(['foregroundDeletion']);
      await cp.client.patch(CONFIGMAPS, NS, depName, { metadata: { finalizers: null } }, 'merge');
      await until('the owner to be removed', gone(ownerName), 10_000, 50);
    });

    it('Foreground cascades: a dependent with dependents is deleted in foreground too and blocks until they are gone', async (t) => {
      if (!supported) t.skip();
      const ownerName = uniq('owner');
      const owner = await configMap(ownerName);
      const childName = uniq('child');
      const child = await configMap(childName, { owners: [refTo(owner, { blockOwnerDeletion: true })] });
      const grandchildName = uniq('grandchild');
      await configMap(grandchildName, { owners: [refTo(child, { blockOwnerDeletion: true })], finalizers: ['example.com/hold'] });
      await cp.client.delete(CONFIGMAPS, NS, ownerName, { propagationPolicy: 'Foreground' });
      await until('the grandchild to be deleting', async () => (await getCm(grandchildName))?.metadata?.deletionTimestamp !== undefined, 10_000, 50);
      await cp.idle();
      expect((await getCm(childName))?.metadata?.finalizers).toEqual(['foregroundDeletion']);
      expect((await getCm(ownerName))?.metadata?.finalizers).toEqual(['foregroundDeletion']);
      await cp.client.patch(CONFIGMAPS, NS, grandchildName, { metadata: { finalizers: null } }, 'merge');
      await until('the owner to be removed', gone(ownerName), 10_000, 50);
      expect(await getCm(childName)).toBeUndefined();
    });
  });
});
