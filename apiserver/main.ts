// Starting a complete API server: the server plus its controllers (namespaces and service
// accounts, scheduler, node lifecycle) and the node proxy for logs/exec/attach. This is what
// `nodelet apiserver` runs, and what tests and e2e start in-process.
import type { Clock } from '../lib/clock.ts';
import { NamespaceController } from './controllers/namespace-controller.ts';
import { NodeLifecycleController } from './controllers/node-lifecycle.ts';
import { Scheduler } from './controllers/scheduler.ts';
import { NodeProxy } from './proxy/node-proxy.ts';
import { ApiServer, type ApiServerOptions, type Controller } from './server.ts';

export interface StartOptions extends Omit<ApiServerOptions, 'controllers' | 'streaming'> {
  /** Run the scheduler (default true). */
  scheduler?: boolean;
  /** Node lease grace period before a node is marked Unknown (default 40 s). */
  nodeGracePeriodMs?: number;
  nodeMonitorPeriodMs?: number;
  /** Scheme the agents' streaming servers use (default https). */
  kubeletScheme?: 'https' | 'http';
}

export function startApiServer(o: StartOptions = {}): Promise<ApiServer> {
  return ApiServer.start({
    ...o,
    controllers: (registry, clock: Clock, log, credentials) => {
      const list: Controller[] = [
        new NamespaceController({ registry, clock, log: log.child({ controller: 'namespace' }), caCert: credentials.caCert }),
        new NodeLifecycleController({
          registry, clock, log: log.child({ controller: 'node-lifecycle' }),
          ...(o.nodeGracePeriodMs === undefined ? {} : { gracePeriodMs: o.nodeGracePeriodMs }),
          ...(o.nodeMonitorPeriodMs === undefined ? {} : { monitorPeriodMs: o.nodeMonitorPeriodMs }),
        }),
      ];
      if (o.scheduler !== false) list.push(new Scheduler({ registry, clock, log: log.child({ controller: 'scheduler' }) }));
      return list;
    },
    streaming: (registry, credentials, log) => new NodeProxy({
      registry, token: credentials.nodeToken, log: log.child({ component: 'node-proxy' }),
      ...(o.kubeletScheme === undefined ? {} : { scheme: o.kubeletScheme }),
    }),
  });
}
