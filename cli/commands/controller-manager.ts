// `nodelet controller-manager`: the Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob,
// TTL and garbage-collection controllers in one process, talking to the API server only through
// its kubeconfig (so it runs against any conformant API server). Serves /healthz and /metrics on a
// loopback port. With --leader-elect, only the instance holding the Lease acts.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ApiClient } from '../../kube/client/client.ts';
import { loadKubeconfig } from '../../kube/client/kubeconfig.ts';
import { SystemClock } from '../../lib/clock.ts';
import { NodeletError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { stateDir } from '../../lib/paths.ts';
import { CONTROLLERS, selectControllers } from '../../controllers/all.ts';
import { ControllerMetrics } from '../../controllers/framework/metrics.ts';
import { ControllerManager } from '../../controllers/manager.ts';

interface Flags {
  kubeconfig: string;
  port: string;
  controllers: string[];
  leaderElect: boolean;
  identity?: string;
  leaseDuration: string;
}

export function registerControllerManager(program: Command): void {
  program
    .command('controller-manager')
    .description('run the controllers (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob, garbage collector) against an API server')
    .option('--kubeconfig <path>', 'how to reach the API server', join(stateDir(), 'kubeconfig'))
    .option('--port <port>', 'loopback port for /healthz and /metrics (0: none)', '10257')
    .option('--controllers <names...>', `"*" for all, "name" to add, "-name" to remove (known: ${[...CONTROLLERS.keys()].join(', ')})`, ['*'])
    .option('--leader-elect', 'act only while holding the kube-system/kube-controller-manager Lease', false)
    .option('--identity <id>', 'leader-election identity (default: host name and process id)')
    .addOption(new Option('--lease-duration <seconds>', 'leader-election lease duration').default('15'))
    .action((flags: Flags) => {
      const log = createLogger('controller-manager');
      let names: string[];
      try {
        names = selectControllers(flags.controllers);
      } catch (err) {
        throw new NodeletError('controller-manager.flags', (err as Error).message);
      }
      const client = new ApiClient({ ...loadKubeconfig(flags.kubeconfig), userAgent: 'nodelet-controller-manager', retryDelayMs: 200 });
      const clock = new SystemClock();
      const metrics = new ControllerMetrics({ defaultMetrics: true });
      const leaseMs = Number(flags.leaseDuration) * 1000;
      const manager = new ControllerManager({
        client, clock, log, metrics,
        controllers: (ctx) => names.map((n) => {
          const make = CONTROLLERS.get(n);
          if (make === undefined) throw new NodeletError('controller-manager.flags', `unknown controller ${n}`);
          return make(ctx);
        }),
        ...(flags.leaderElect ? {
          leaderElection: {
            identity: flags.identity ?? `${process.env['HOSTNAME'] ?? 'nodelet'}_${String(process.pid)}`,
            leaseDurationMs: leaseMs, renewDeadlineMs: Math.round(leaseMs * 2 / 3), retryPeriodMs: Math.round(leaseMs * 2 / 15),
          },
        } : {}),
      });
      manager.start();
      let ready = false;
      void manager.whenReady().then(() => { ready = true; });
      const port = Number(flags.port);
      const server = port === 0 ? undefined : createServer((req, res) => {
        if (req.url === '/healthz' || req.url === '/readyz') {
          // healthy while running; ready once the caches synced and the workers run
          const ok = req.url === '/healthz' || ready;
          res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
        } else if (req.url === '/metrics') {
          metrics.text().then((text) => { res.writeHead(200, { 'content-type': metrics.contentType }).end(text); }, (err: unknown) => {
            res.writeHead(500).end(String(err));
          });
        } else {
          res.writeHead(404).end();
        }
      });
      server?.listen(port, '127.0.0.1');
      log.info({ controllers: names, port, leaderElect: flags.leaderElect }, 'controller manager starting');
      const shutdown = (): void => {
        server?.close();
        void manager.stop().finally(() => {
          client.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
