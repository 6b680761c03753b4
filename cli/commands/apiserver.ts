// `nodelet apiserver`: the Kubernetes-compatible API server, HTTPS with bearer tokens. The first
// start makes the CA, serving certificate, admin and node tokens under the data dir and writes
// <data>/kubeconfig (admin) and <data>/node-token; later starts reuse them and the stored objects.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { join } from 'node:path';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR, parseCidr } from '../../kube/cluster-network.ts';
import { createLogger } from '../../lib/log.ts';
import { stateDir } from '../../lib/paths.ts';
import { startApiServer } from '../../apiserver/main.ts';
import { parsePortRange, portRangeText, type PortRange } from '../../apiserver/registry/range-allocator.ts';

interface ApiserverFlags {
  dataDir: string;
  port: string;
  host: string;
  tlsSan?: string[];
  nodeGracePeriod?: string;
  serviceClusterIpRange: string;
  serviceNodePortRange: PortRange;
  advertiseAddress?: string;
  listenAdvertiseAddress: boolean;
}

function cidrFlag(value: string): string {
  const c = parseCidr(value);
  if (c === undefined || c.prefix > 30) throw new InvalidArgumentError('expected an IPv4 CIDR of at least four addresses, e.g. 10.96.0.0/12');
  if (c.prefix < 12) throw new InvalidArgumentError('the range is too large; for 32-bit addresses, the mask must be >= 12');
  return value;
}

function portRangeFlag(value: string): PortRange {
  const r = parsePortRange(value);
  if (r === undefined) throw new InvalidArgumentError('expected a port range such as 30000-32767');
  return r;
}

export function registerApiserver(program: Command): void {
  program
    .command('apiserver')
    .description('run the Kubernetes-compatible API server (kubectl: KUBECONFIG=<data-dir>/kubeconfig)')
    .option('--data-dir <dir>', 'where objects, certificates and tokens are kept', join(stateDir(), 'apiserver'))
    .option('--port <port>', 'HTTPS port', '6443')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--tls-san <name...>', 'extra DNS names or IPs for the serving certificate')
    .option('--service-cluster-ip-range <cidr>', 'the IPv4 range Services\' ClusterIPs are allocated from', cidrFlag, DEFAULT_SERVICE_CIDR)
    .addOption(new Option('--service-node-port-range <range>', 'the ports NodePort and LoadBalancer Services get node ports from')
      .argParser(portRangeFlag).default({ ...DEFAULT_NODE_PORT_RANGE }, portRangeText(DEFAULT_NODE_PORT_RANGE)))
    .option('--advertise-address <ip>', 'the address pods reach this server on: the endpoint of the `kubernetes` Service '
      + '(default: --host when it is a concrete address, else the first non-loopback IPv4 address)')
    .option('--listen-advertise-address', 'also accept connections on --advertise-address, for pods reaching the server through the `kubernetes` Service', false)
    // hidden, for tests: how long a node may go without renewing its Lease (default 40 s)
    .addOption(new Option('--node-grace-period <seconds>').hideHelp())
    .action(async (opts: ApiserverFlags) => {
      const log = createLogger('apiserver');
      const server = await startApiServer({
        dataDir: opts.dataDir,
        port: Number(opts.port),
        host: opts.host,
        log,
        serviceClusterIPRange: opts.serviceClusterIpRange,
        serviceNodePortRange: opts.serviceNodePortRange,
        ...(opts.advertiseAddress === undefined ? {} : { advertiseAddress: opts.advertiseAddress }),
        listenOnAdvertiseAddress: opts.listenAdvertiseAddress,
        ...(opts.tlsSan === undefined ? {} : { certificateHosts: opts.tlsSan }),
        ...(opts.nodeGracePeriod === undefined ? {} : { nodeGracePeriodMs: Number(opts.nodeGracePeriod) * 1000 }),
      });
      process.stdout.write(`nodelet apiserver listening on ${server.url}\nkubeconfig: ${join(opts.dataDir, 'kubeconfig')}\nnode token: ${join(opts.dataDir, 'node-token')}\n`);
      log.info({ serviceClusterIPRange: opts.serviceClusterIpRange, serviceNodePortRange: portRangeText(opts.serviceNodePortRange) }, 'service ranges');
      const shutdown = (): void => {
        void server.close().finally(() => { process.exit(0); });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
