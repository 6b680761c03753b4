// The API pod source against a real API server that goes away and comes back (same data dir and
// port): the pods stay while it is down, and after it returns the source re-lists and reconciles.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, PODS } from '../../kube/client/client.ts';
import { loadKubeconfig } from '../../kube/client/kubeconfig.ts';
import { startApiServer } from '../../apiserver/main.ts';
import type { ApiServer } from '../../apiserver/server.ts';
import { SystemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { ApiPodSource } from './api-pod-source.ts';

const NODE = `pod-source-${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'nodelet-api-source-'));
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dataDir, { recursive: true, force: true });
});

function pod(name: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'localhost/busybox:local' }] } };
}

async function until(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function adminClient(server: ApiServer): ApiClient {
  const path = join(dataDir, `admin-${server.port}.kubeconfig`);
  writeFileSync(path, server.kubeconfig());
  return ApiClient.fromConnection(loadKubeconfig(path));
}

describe('ApiPodSource with a restarting API server', () => {
  it('keeps pods while the server is down and reconciles when it returns', async () => {
    let server = await startApiServer({ dataDir, port: 0, log: silentLogger, scheduler: false });
    const port = server.port;
    cleanups.push(async () => { await server.close(); });
    // the agent's kubeconfig carries the node token
    const kubeconfig = join(dataDir, 'node.kubeconfig');
    writeFileSync(kubeconfig, server.kubeconfig(server.credentials.nodeToken));
    const agentClient = ApiClient.fromConnection(loadKubeconfig(kubeconfig));
    cleanups.push(() => { agentClient.close(); });

    let admin = adminClient(server);
    const keep = await admin.create(PODS, 'default', pod('keep'));
    const gone = await admin.create(PODS, 'default', pod('gone'));
    await admin.create(PODS, 'default', { ...pod('other-node'), spec: { nodeName: 'someone-else', containers: [{ name: 'c', image: 'x' }] } });
    admin.close();

    const log: string[] = [];
    const source = new ApiPodSource({ client: agentClient, nodeName: NODE, clock: new SystemClock(), log: silentLogger, backoffInitialMs: 100, backoffMaxMs: 400 });
    cleanups.push(() => source.stop());
    await source.start({
      add: (p) => { log.push(`add ${p.metadata?.name ?? ''}`); },
      update: (p) => { log.push(`update ${p.metadata?.name ?? ''}`); },
      remove: (uid) => { log.push(`remove ${uid === gone.metadata?.uid ? 'gone' : uid}`); },
    });
    expect(log.sort()).toEqual(['add gone', 'add keep']);
    log.length = 0;

    await server.close();
    await until('the source to notice', () => !source.connected());
    // while our server is away, another instance on the same data changes things
    const other = await startApiServer({ dataDir, port: 0, log: silentLogger, scheduler: false });
    admin = adminClient(other);
    await admin.delete(PODS, 'default', 'gone', { gracePeriodSeconds: 0 });
    await admin.patch(PODS, 'default', 'keep', { metadata: { labels: { changed: 'yes' } } }, 'merge');
    await admin.create(PODS, 'default', pod('new'));
    admin.close();
    await other.close();
    await new Promise((r) => setTimeout(r, 600));
    expect(log).toEqual([]);
    expect(source.pods().map((p) => p.metadata?.name).sort()).toEqual(['gone', 'keep']);

    server = await startApiServer({ dataDir, port, log: silentLogger, scheduler: false });
    await until('reconciliation', () => log.length >= 3);
    expect(log.sort()).toEqual(['add new', 'remove gone', 'update keep']);
    expect(source.connected()).toBe(true);
    const kept = source.pods().find((p) => p.metadata?.name === 'keep');
    expect(kept?.metadata?.uid).toBe(keep.metadata?.uid);
    expect(kept?.metadata?.labels).toEqual({ changed: 'yes' });

    // and it watches again
    admin = adminClient(server);
    await admin.create(PODS, 'default', pod('after'));
    admin.close();
    await until('the watch to deliver', () => log.includes('add after'));
  });
});
