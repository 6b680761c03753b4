// In-process API servers for the API benchmarks: one on SQLite (a temp dir, WAL + full sync, as
// `nodelet apiserver` runs) and one on memory, with clients built from their admin kubeconfig.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { ApiClient } from '../../kube/client/client.ts';
import { parseKubeconfig, type ClusterConnection } from '../../kube/client/kubeconfig.ts';
import { startApiServer } from '../../apiserver/main.ts';
import type { ApiServer } from '../../apiserver/server.ts';
import { createMemoryStorage } from '../../apiserver/storage/memory-storage.ts';
import { createSqliteStorage } from '../../apiserver/storage/sqlite-storage.ts';
import { silentLogger } from '../../lib/log.ts';

export type StorageKind = 'memory' | 'sqlite';

export const BENCH_NAMESPACE = 'bench';
/** Pods are pre-bound to a node that does not exist, so the scheduler leaves them alone. */
export const BENCH_NODE = 'bench-node';

export interface BenchServer {
  kind: StorageKind;
  server: ApiServer;
  conn: ClusterConnection;
  /** A new client (own keep-alive agent) for this server. */
  client(): ApiClient;
  /** Body bytes of a GET over raw HTTPS (keep-alive), without parsing. */
  rawGet(path: string): Promise<number>;
  close(): Promise<void>;
}

export function benchPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: BENCH_NAMESPACE, labels: { app: 'bench', tier: 'api' } },
    spec: {
      nodeName: BENCH_NODE,
      restartPolicy: 'Always',
      containers: [{ name: 'c', image: 'localhost/busybox:local', command: ['sleep', '3600'], ports: [{ containerPort: 8080 }] }],
    },
  };
}

export async function openServer(kind: StorageKind): Promise<BenchServer> {
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'nodelet-bench-api-')) : undefined;
  const storage = dir === undefined ? createMemoryStorage() : createSqliteStorage(join(dir, 'state.db'));
  const server = await startApiServer({ storage, port: 0, log: silentLogger });
  const conn = parseKubeconfig(server.kubeconfig());
  const clients: ApiClient[] = [];
  const rawAgent = new HttpsAgent({ keepAlive: true, ...(conn.ca === undefined ? {} : { ca: conn.ca }) });
  const url = new URL(server.url);
  const ns = server.registry.store('', 'v1', 'namespaces');
  await ns.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: BENCH_NAMESPACE } });
  return {
    kind,
    server,
    conn,
    client() {
      const c = ApiClient.fromConnection(conn, { namespace: BENCH_NAMESPACE, userAgent: 'nodelet-bench' });
      clients.push(c);
      return c;
    },
    rawGet(path) {
      return new Promise((resolve, reject) => {
        const req = httpsRequest({
          hostname: url.hostname, port: url.port, path, method: 'GET', agent: rawAgent,
          headers: { Accept: 'application/json', Authorization: `Bearer ${conn.token ?? ''}` },
        }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => { bytes += c.length; });
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) reject(new Error(`GET ${path}: HTTP ${String(res.statusCode)}`));
            else resolve(bytes);
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    },
    async close() {
      for (const c of clients) c.close();
      rawAgent.destroy();
      await server.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Both servers, closed together. */
export interface ServerPair {
  servers: Record<StorageKind, BenchServer>;
  close: () => Promise<void>;
}

export async function openServers(): Promise<ServerPair> {
  const memory = await openServer('memory');
  let sqlite: BenchServer;
  try {
    sqlite = await openServer('sqlite');
  } catch (err) {
    await memory.close();
    throw err;
  }
  return {
    servers: { memory, sqlite },
    close: async () => {
      await Promise.allSettled([memory.close(), sqlite.close()]);
    },
  };
}
