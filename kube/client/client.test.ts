import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.ts';
import { ApiServer } from '../../apiserver/server.ts';
import { createMemoryStorage } from '../../apiserver/storage/memory-storage.ts';
import { ApiClient, ApiClientError, CONFIGMAPS, LEASES, NODES, PODS, type KubeObject } from './client.ts';
import { loadKubeconfig } from './kubeconfig.ts';

let server: ApiServer;
let client: ApiClient;
let dir: string;

beforeAll(async () => {
  server = await ApiServer.start({ storage: createMemoryStorage({ historySize: 5 }), log: silentLogger });
  dir = mkdtempSync(join(tmpdir(), 'nodelet-client-'));
  writeFileSync(join(dir, 'kubeconfig'), server.kubeconfig());
  client = ApiClient.fromConnection(loadKubeconfig(join(dir, 'kubeconfig')));
});

afterAll(async () => {
  client.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done === true) break;
    out.push(r.value);
  }
  return out;
}

describe('ApiClient', () => {
  it('loads the kubeconfig the server writes and rejects a wrong token with 401', async () => {
    const conn = loadKubeconfig(join(dir, 'kubeconfig'));
    expect(conn.server).toBe(server.url);
    expect(conn.namespace).toBe('default');
    const bad = new ApiClient({ ...conn, token: 'nope' });
    await expect(bad.list(NODES)).rejects.toMatchObject({ httpStatus: 401, status: { reason: 'Unauthorized', message: 'Unauthorized' } });
    bad.close();
  });

  it('creates, reads, patches, updates status and deletes', async () => {
    const node = await client.create(NODES, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '1' } } } as KubeObject);
    expect(node.metadata?.uid).toBeDefined();
    const lease = await client.create(LEASES, 'kube-node-lease', {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 },
    } as KubeObject);
    const renewed = await client.update(LEASES, 'kube-node-lease', { ...lease, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2026-11-23T12:00:00.000000Z' } } as KubeObject);
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(lease.metadata?.resourceVersion));
    await expect(client.update(LEASES, 'kube-node-lease', lease)).rejects.toMatchObject({ httpStatus: 409, status: { reason: 'Conflict' } });
    const patched = await client.patch(NODES, undefined, 'n1', { metadata: { labels: { a: 'b' } } }, 'merge');
    expect(patched.metadata?.labels).toEqual({ a: 'b' });
    const st = await client.patch(NODES, undefined, 'n1', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { subresource: 'status' });
    expect((st as { status?: unknown }).status).toMatchObject({ conditions: [{ type: 'Ready', status: 'True' }] });
    await client.delete(NODES, undefined, 'n1');
    const err = await client.get(NODES, undefined, 'n1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect((err as ApiClientError).message).toBe('nodes "n1" not found');
  });

  it('watches from a resourceVersion and reports 410 for one that is gone', async () => {
    const list = await client.list(CONFIGMAPS, 'default');
    const ac = new AbortController();
    const it = client.watch(CONFIGMAPS, 'default', { resourceVersion: list.metadata.resourceVersion ?? '', signal: ac.signal });
    const first = take(it, 2);
    await client.create(CONFIGMAPS, 'default', { metadata: { name: 'w1' } });
    await client.patch(CONFIGMAPS, 'default', 'w1', { data: { k: 'v' } }, 'merge');
    expect((await first).map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['ADDED w1', 'MODIFIED w1']);
    ac.abort();
    for (let i = 0; i < 8; i++) await client.create(CONFIGMAPS, 'default', { metadata: { name: `filler${i}` } });
    const stale = client.watch(CONFIGMAPS, 'default', { resourceVersion: list.metadata.resourceVersion ?? '' });
    await expect(stale.next()).rejects.toMatchObject({ httpStatus: 410, status: { reason: 'Expired' } });
  });

  it('listWatch lists, follows changes and relists after 410 with DELETED for vanished objects', async () => {
    await client.create(PODS, 'default', { metadata: { name: 'lw1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
    const ac = new AbortController();
    const it = client.listWatch(PODS, 'default', { signal: ac.signal, fieldSelector: 'metadata.namespace=default' });
    const initial = await take(it, 1);
    expect(initial.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['ADDED lw1']);
    const next = take(it, 1);
    await client.create(PODS, 'default', { metadata: { name: 'lw2' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
    expect((await next).map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['ADDED lw2']);
    // The generator is suspended now; meanwhile the history moves past its resourceVersion.
    await client.delete(PODS, 'default', 'lw1');
    for (let i = 0; i < 8; i++) await client.create(CONFIGMAPS, 'default', { metadata: { name: `more${i}` } });
    await client.create(PODS, 'default', { metadata: { name: 'lw3' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
    const afterGone = await take(it, 2);
    expect(afterGone.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`).sort()).toEqual(['ADDED lw3', 'DELETED lw1']);
    ac.abort();
    await it.return(undefined);
  });
});
