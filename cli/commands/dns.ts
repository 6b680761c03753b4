// `nodelet dns`: the cluster DNS server (what CoreDNS is in kubeadm clusters). Answers for the
// cluster domain from Services and EndpointSlices, forwards every other name to the host's
// resolvers, serves UDP and TCP on the node address, and publishes itself as the kube-system/kube-dns
// Service (10.96.0.10). /healthz, /readyz and /metrics on a loopback port.
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ApiClient } from '../../kube/client/client.ts';
import { loadKubeconfig } from '../../kube/client/kubeconfig.ts';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_DNS_PORT, DEFAULT_SERVICE_CIDR } from '../../kube/cluster-network.ts';
import { SystemClock } from '../../lib/clock.ts';
import { createLogger } from '../../lib/log.ts';
import { stateDir } from '../../lib/paths.ts';
import { dnsMetrics } from '../../dns/metrics.ts';
import { ClusterDns } from '../../dns/cluster-dns.ts';
import { DnsFlagError, hostAddress, hostUpstreams, parseUpstream } from '../../dns/host.ts';

interface Flags {
  kubeconfig: string;
  address?: string;
  port: string;
  clusterDomain: string;
  serviceCidr: string;
  upstream?: string[];
  healthzPort: string;
  nodeName?: string;
}

function portFlag(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new DnsFlagError(`--${name} ${v} is not a port`);
  return n;
}

export function registerDns(program: Command): void {
  program
    .command('dns')
    .description('run the cluster DNS server (kube-dns) against an API server')
    .option('--kubeconfig <path>', 'how to reach the API server', join(stateDir(), 'kubeconfig'))
    .option('--address <ip>', "the node address to serve on and publish in the kube-dns EndpointSlice (default: the host's first non-loopback IPv4)")
    .option('--port <port>', 'UDP and TCP port to serve on', String(DEFAULT_DNS_PORT))
    .option('--cluster-domain <domain>', 'the cluster domain', DEFAULT_CLUSTER_DOMAIN)
    .option('--service-cidr <cidr>', 'the Service IP range (the kube-dns ClusterIP is its tenth address)', DEFAULT_SERVICE_CIDR)
    .option('--upstream <servers...>', 'ip[:port] of the servers for names outside the cluster, or "none" to forward nothing (default: the nameservers of /etc/resolv.conf)')
    .option('--healthz-port <port>', 'loopback port for /healthz, /readyz and /metrics (0: none)', '10054')
    .option('--node-name <name>', 'the node name recorded on the kube-dns endpoint')
    .action(async (flags: Flags) => {
      const log = createLogger('dns');
      const address = flags.address ?? hostAddress();
      if (address === undefined) throw new DnsFlagError('no non-loopback IPv4 address found: pass --address');
      // "none": a test's cluster must never make a lookup of an outside name
      const upstreams = flags.upstream === undefined ? hostUpstreams() : flags.upstream.filter((u) => u !== 'none').map(parseUpstream);
      if (upstreams.length === 0) log.warn('no upstream DNS servers: names outside the cluster will get SERVFAIL');
      const client = new ApiClient({ ...loadKubeconfig(flags.kubeconfig), userAgent: 'nodelet-dns', retryDelayMs: 200 });
      const dns = new ClusterDns({
        client, clock: new SystemClock(), log,
        address, port: portFlag('port', flags.port),
        clusterDomain: flags.clusterDomain, serviceCidr: flags.serviceCidr, upstreams,
        ...(flags.nodeName !== undefined ? { nodeName: flags.nodeName } : {}),
      });
      const metrics = dnsMetrics(dns.stats, { defaultMetrics: true });
      await dns.start();
      const healthzPort = portFlag('healthz-port', flags.healthzPort);
      const server = healthzPort === 0 ? undefined : createServer((req, res) => {
        if (req.url === '/healthz' || req.url === '/readyz') {
          const ok = req.url === '/healthz' || dns.isReady();
          res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
        } else if (req.url === '/metrics') {
          void metrics.metrics().then((text) => { res.writeHead(200, { 'content-type': metrics.contentType }).end(text); });
        } else {
          res.writeHead(404).end();
        }
      });
      server?.listen(healthzPort, '127.0.0.1');
      const shutdown = (): void => {
        server?.close();
        void dns.stop().finally(() => {
          client.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
