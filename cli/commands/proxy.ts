// `nodelet proxy`: the service proxy (kube-proxy's iptables mode, chains prefixed NODELET-, or NL<hash>- for a range other than the default) as
// its own daemon. It needs only a kubeconfig, iptables and ip, so it can run wherever the
// engine's network lives (on this host, or in a privileged host-network container beside a VM's
// engine). Serves kube-proxy's /healthz on a loopback port. --cleanup removes everything it set
// up and exits.
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ApiClient } from '../../kube/client/client.ts';
import { loadKubeconfig } from '../../kube/client/kubeconfig.ts';
import { DEFAULT_SERVICE_CIDR, parseCidr } from '../../kube/cluster-network.ts';
import { InformerFactory } from '../../kube/informers/informer.ts';
import { SystemClock } from '../../lib/clock.ts';
import { NodeletError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { stateDir } from '../../lib/paths.ts';
import { cleanupProxy } from '../../proxy/cleanup.ts';
import { systemHost } from '../../proxy/host.ts';
import { defaultProxyStateFile } from '../../proxy/node-setup.ts';
import { ServiceProxy } from '../../proxy/service-proxy.ts';
import { ProxyMetrics } from '../../proxy/metrics.ts';

interface Flags {
  kubeconfig: string;
  nodeName: string;
  serviceCidr: string;
  healthzPort: string;
  cleanup: boolean;
  masqueradeAll: boolean;
  localhostNodeports: boolean;
  nodeportAddresses: 'local' | 'node';
  syncPeriod: string;
  minSyncPeriod: string;
}

function number(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new NodeletError('proxy.flags', `${flag}: not a number: ${value}`);
  return n;
}

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description('run the service proxy: Services and EndpointSlices as iptables rules (NODELET- chains; NL<hash>- for a non-default --service-cidr)')
    .option('--kubeconfig <path>', 'how to reach the API server', join(stateDir(), 'kubeconfig'))
    .option('--node-name <name>', 'this node\'s name (its endpoints for traffic policy Local, its addresses)', hostname())
    .option('--service-cidr <cidr>', 'the Service IP range (routed locally, never off this host)', DEFAULT_SERVICE_CIDR)
    .option('--healthz-port <port>', 'loopback port for /healthz and /metrics (0: none)', '10256')
    .option('--cleanup', 'remove every chain of this --service-cidr, the jumps into them, the route and route_localnet, then exit', false)
    .option('--masquerade-all', 'masquerade all Service traffic (default: only when bridged traffic bypasses iptables)', false)
    .option('--no-localhost-nodeports', 'do not answer node ports on 127.0.0.1 (leaves route_localnet alone)')
    .addOption(new Option('--nodeport-addresses <which>', 'node ports on every local address, or on the Node\'s addresses').choices(['local', 'node']).default('local'))
    .option('--sync-period <seconds>', 'full resync even without changes', '30')
    .option('--min-sync-period <ms>', 'least time between two syncs', '50')
    .action(async (flags: Flags) => {
      const log = createLogger('proxy');
      const cidr = parseCidr(flags.serviceCidr);
      if (cidr === undefined) throw new NodeletError('proxy.flags', `--service-cidr: not an IPv4 CIDR: ${flags.serviceCidr}`);
      const serviceCidr = flags.serviceCidr;
      const host = systemHost();
      const stateFile = defaultProxyStateFile();
      if (flags.cleanup) {
        await cleanupProxy({ serviceCidr, host, stateFile, log });
        return;
      }
      const client = new ApiClient({ ...loadKubeconfig(flags.kubeconfig), userAgent: 'nodelet-proxy', retryDelayMs: 200 });
      const clock = new SystemClock();
      const informers = new InformerFactory(client, { clock, log: log.child({ part: 'informers' }) });
      const metrics = new ProxyMetrics({ defaultMetrics: true });
      const proxy = new ServiceProxy({
        informers, nodeName: flags.nodeName, host, clock, log, serviceCidr, stateFile,
        masqueradeAll: flags.masqueradeAll,
        localhostNodePorts: flags.localhostNodeports,
        nodePortAddresses: flags.nodeportAddresses,
        syncPeriodMs: number('--sync-period', flags.syncPeriod) * 1000,
        minSyncIntervalMs: number('--min-sync-period', flags.minSyncPeriod),
        metrics,
      });
      const abort = new AbortController();
      await proxy.start();
      informers.start(abort.signal);

      const port = number('--healthz-port', flags.healthzPort);
      const server = port === 0 ? undefined : createServer((req, res) => {
        if (req.url === '/healthz' || req.url === '/livez') {
          // kube-proxy's answer: 200 once the rules are written and no change waits too long
          const h = proxy.health();
          const body = { lastUpdated: new Date(h.lastUpdated).toISOString(), currentTime: new Date(h.now).toISOString(), nodeEligible: true };
          res.writeHead(h.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        } else if (req.url === '/metrics') {
          void metrics.registry.metrics().then((text) => { res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text); });
        } else {
          res.writeHead(404).end();
        }
      });
      server?.listen(port, '127.0.0.1');
      log.info({ nodeName: flags.nodeName, serviceCidr, healthzPort: port }, 'service proxy starting');
      // keeps the process alive: the clock's timers are unref'd
      const alive = setInterval(() => { /* until a signal */ }, 1 << 30);
      const shutdown = (): void => {
        // the rules stay: Services keep working while the proxy restarts (as kube-proxy's do)
        proxy.stop();
        abort.abort();
        server?.close();
        clearInterval(alive);
        void informers.stopped().finally(() => {
          client.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
