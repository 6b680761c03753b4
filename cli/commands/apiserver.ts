// `nodelet apiserver`: the Kubernetes-compatible API server, HTTPS with bearer tokens. The first
// start makes the CA, serving certificate, admin and node tokens under the data dir and writes
// <data>/kubeconfig (admin) and <data>/node-token; later starts reuse them and the stored objects.
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { createLogger } from '../../lib/log.ts';
import { stateDir } from '../../lib/paths.ts';
import { startApiServer } from '../../apiserver/main.ts';

export function registerApiserver(program: Command): void {
  program
    .command('apiserver')
    .description('run the Kubernetes-compatible API server (kubectl: KUBECONFIG=<data-dir>/kubeconfig)')
    .option('--data-dir <dir>', 'where objects, certificates and tokens are kept', join(stateDir(), 'apiserver'))
    .option('--port <port>', 'HTTPS port', '6443')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--tls-san <name...>', 'extra DNS names or IPs for the serving certificate')
    // hidden, for tests: how long a node may go without renewing its Lease (default 40 s)
    .addOption(new Option('--node-grace-period <seconds>').hideHelp())
    .action(async (opts: { dataDir: string; port: string; host: string; tlsSan?: string[]; nodeGracePeriod?: string }) => {
      const log = createLogger('apiserver');
      const server = await startApiServer({
        dataDir: opts.dataDir,
        port: Number(opts.port),
        host: opts.host,
        log,
        ...(opts.tlsSan === undefined ? {} : { certificateHosts: opts.tlsSan }),
        ...(opts.nodeGracePeriod === undefined ? {} : { nodeGracePeriodMs: Number(opts.nodeGracePeriod) * 1000 }),
      });
      process.stdout.write(`nodelet apiserver listening on ${server.url}\nkubeconfig: ${join(opts.dataDir, 'kubeconfig')}\nnode token: ${join(opts.dataDir, 'node-token')}\n`);
      const shutdown = (): void => {
        void server.close().finally(() => { process.exit(0); });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
