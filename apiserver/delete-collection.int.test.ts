// deletecollection through the real kubectl: DELETE on the pods collection with a label selector
// (kubectl delete --raw), and `kubectl delete pods --all -n ns`; bound pods are deleted gracefully
// (they wait for their node), unbound ones go at once, and pods outside the selector stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/log.ts';
import { ApiClient, NAMESPACES, NODES, PODS, type KubeObject } from '../kube/client/client.ts';
import { parseKubeconfig } from '../kube/client/kubeconfig.ts';
import { startApiServer } from './main.ts';
import type { ApiServer } from './server.ts';
import { createMemoryStorage } from './storage/memory-storage.ts';
import { Kubectl } from './testing/kubectl.ts';

let server: ApiServer;
let kubectl: Kubectl;
let client: ApiClient;

beforeAll(async () => {
  server = await startApiServer({ storage: createMemoryStorage(), log: silentLogger });
  kubectl = new Kubectl(server.kubeconfig());
  client = ApiClient.fromConnection(parseKubeconfig(server.kubeconfig()));
  await client.create(NODES, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
  await client.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dc' } });
  const pod = (name: string, app: string, nodeName?: string): KubeObject => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } },
    spec: { ...(nodeName === undefined ? {} : { nodeName }), containers: [{ name: 'main', image: 'busybox' }] },
  } as KubeObject);
  await client.create(PODS, 'dc', pod('web-1', 'web', 'node1'));
  await client.create(PODS, 'dc', pod('web-2', 'web', 'node1'));
  await client.create(PODS, 'dc', pod('web-pending', 'web'));
  await client.create(PODS, 'dc', pod('db', 'db', 'node1'));
  await client.create(PODS, 'default', pod('other-ns', 'web', 'node1'));
});

afterAll(async () => {
  client.close();
  await server.close();
  kubectl.cleanup();
});

async function pods(ns: string): Promise<Map<string, KubeObject>> {
  const list = await client.list<KubeObject>(PODS, ns);
  return new Map(list.items.map((p) => [p.metadata?.name ?? '', p]));
}

describe('deletecollection', () => {
  it('deletes the pods a label selector matches: bound ones gracefully, unbound ones at once', async () => {
    const r = await kubectl.run(['delete', '--raw', '/api/v1/namespaces/dc/pods?labelSelector=app%3Dweb']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata?.name).sort()).toEqual(['web-1', 'web-2', 'web-pending']);
    const left = await pods('dc');
    expect([...left.keys()].sort()).toEqual(['db', 'web-1', 'web-2']);
    for (const name of ['web-1', 'web-2']) {
      expect(left.get(name)?.metadata?.deletionTimestamp).toBeDefined();
      expect(left.get(name)?.metadata?.deletionGracePeriodSeconds).toBe(30);
    }
    expect(left.get('db')?.metadata?.deletionTimestamp).toBeUndefined();
    expect((await pods('default')).get('other-ns')?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('kubectl delete pods --all -n ns marks every pod there, and --force removes them', async () => {
    const r = await kubectl.run(['delete', 'pods', '--all', '-n', 'dc', '--wait=false']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '').sort()).toEqual(['pod "db" deleted', 'pod "web-1" deleted', 'pod "web-2" deleted']);
    expect((await pods('dc')).get('db')?.metadata?.deletionGracePeriodSeconds).toBe(30);
    const forced = await kubectl.run(['delete', 'pods', '--all', '-n', 'dc', '--grace-period=0', '--force']);
    expect(forced.code).toBe(0);
    expect((await pods('dc')).size).toBe(0);
    expect((await pods('default')).has('other-ns')).toBe(true);
  });

  it('honours a DeleteOptions body on the collection (gracePeriodSeconds: 0)', async () => {
    await client.create(PODS, 'dc', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', labels: { app: 'web' } }, spec: { nodeName: 'node1', containers: [{ name: 'main', image: 'busybox' }] } } as KubeObject);
    const body = kubectl.file('delete-options.json', JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 }));
    const r = await kubectl.run(['delete', '--raw', '/api/v1/namespaces/dc/pods?labelSelector=app%3Dweb', '-f', body]);
    expect(r.stderr).toBe('');
    expect((await pods('dc')).size).toBe(0);
  });
});
