// A control plane for controller tests without an engine: a real API server on loopback with
// in-memory storage (no scheduler, no agent: pods stay Pending unless a test writes their status)
// and a controller manager running the given controllers through the real client and informers.
import type { ApiClient } from '../../kube/client/client.ts';
import { parseKubeconfig } from '../../kube/client/kubeconfig.ts';
import { ApiClient as Client } from '../../kube/client/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { SystemClock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { ApiServer } from '../../apiserver/server.ts';
import { createMemoryStorage } from '../../apiserver/storage/memory-storage.ts';
import { ControllerManager } from '../manager.ts';
import type { ControllerContext, Reconciler } from '../framework/types.ts';

export interface ControlPlaneOptions {
  /** The controllers under test. */
  reconcilers: (ctx: ControllerContext) => Reconciler[];
  /** The controllers' clock (the API server keeps real time). */
  clock?: Clock;
  log?: Logger;
}

export interface ControlPlane {
  server: ApiServer;
  /** An admin client for the test's own reads and writes. */
  client: ApiClient;
  manager: ControllerManager;
  /** Resolves when no controller has queued or running work. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const server = await ApiServer.start({ storage: createMemoryStorage(), log: silentLogger });
  const connection = parseKubeconfig(server.kubeconfig());
  const client = new Client(connection);
  const managerClient = new Client(connection);
  const clock = o.clock ?? new SystemClock();
  const manager = new ControllerManager({ client: managerClient, clock, log: o.log ?? silentLogger, controllers: o.reconcilers });
  manager.start();
  await manager.whenReady();
  return {
    server, client, manager,
    idle: () => manager.idle(),
    stop: async () => {
      await manager.stop();
      client.close();
      managerClient.close();
      await server.close();
    },
  };
}
