// `nodelet agent`: runs the node agent on the local Docker engine with static pods from a folder,
// serving /healthz, /pods, /metrics on a local port. Options come from flags and/or a YAML file.
// With --kubeconfig (the node's token) it is a node of that API server: it registers the Node,
// runs the pods bound to it beside the static pods, and serves logs/exec/attach over HTTPS on
// --port (the kubelet's 10250) for the API server's proxy; /healthz etc. move to --healthz-port.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { createLogger } from '../../lib/log.ts';
import { stateDir } from '../../lib/paths.ts';
import { Agent } from '../../agent/agent.ts';
import { createApiSide } from '../../agent/api/api-side.ts';
import type { ApiSide } from '../../agent/api/api-side.ts';
import { createKubeletServer } from '../../agent/kubelet-server/kubelet-server.ts';
import type { KubeletServer } from '../../agent/kubelet-server/kubelet-server.ts';
import { podContainerResolver, podUidResolver } from '../../agent/kubelet-server/pod-resolver.ts';
import { ensureServingCert } from '../../agent/kubelet-server/serving-cert.ts';
import { startAgentServer } from '../../agent/server.ts';
import { loadKubeconfig } from '../../kube/client/kubeconfig.ts';
import { SystemClock } from '../../lib/clock.ts';
import { AgentConfigError, nodeShape } from './agent-flags.ts';
import { createDockerRuntime } from '../../runtime/docker/docker-runtime.ts';

export interface AgentConfig {
  nodeName?: string;
  manifests?: string;
  rootDir?: string;
  port?: number;
  /** API mode: the local /healthz, /pods, /metrics port (default 10248). */
  healthzPort?: number;
  address?: string;
  /** API mode: kubeconfig with the node token. */
  kubeconfig?: string;
  nodeIP?: string;
  /** Pods the node runs at most: admission and the Node's pods capacity (default 110). */
  maxPods?: number;
  /** API mode: extra Node labels (the default labels win). */
  nodeLabels?: Record<string, string>;
  /** API mode: resources kept for the host, subtracted from the Node's allocatable ({cpu, memory}). */
  systemReserved?: Record<string, string>;
  /** CrashLoopBackOff: initial and max delay in seconds (KEP-4603). */
  crashLoopBackOff?: { initialSeconds?: number; maxSeconds?: number };
  relistSeconds?: number;
  allowedUnsafeSysctls?: string[];
  clusterDomain?: string;
  clusterDNS?: string[];
  infraImage?: string;
}

const KNOWN = new Set(['nodeName', 'manifests', 'rootDir', 'port', 'healthzPort', 'kubeconfig', 'address', 'nodeIP', 'maxPods', 'nodeLabels', 'systemReserved', 'crashLoopBackOff', 'relistSeconds', 'allowedUnsafeSysctls', 'clusterDomain', 'clusterDNS', 'infraImage']);

export { AgentConfigError };

export async function loadAgentConfig(path: string): Promise<AgentConfig> {
  let raw: unknown;
  try {
    raw = parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new AgentConfigError(`cannot read config file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new AgentConfigError(`config file ${path}: expected a mapping`);
  for (const k of Object.keys(raw)) if (!KNOWN.has(k)) throw new AgentConfigError(`config file ${path}: unknown field "${k}"`);
  return raw;
}

interface Flags {
  manifests?: string;
  nodeName?: string;
  rootDir?: string;
  port?: string;
  healthzPort?: string;
  address?: string;
  nodeIp?: string;
  kubeconfig?: string;
  nodeLabels?: string;
  maxPods?: string;
  systemReserved?: string;
  clusterDns?: string;
  clusterDomain?: string;
  config?: string;
}

/**
 * kubelet --cluster-dns (comma-separated IPs, for ClusterFirst pods' resolv.conf) and
 * --cluster-domain, over the config file's clusterDNS/clusterDomain.
 */
export function clusterDnsOptions(flags: { clusterDns?: string; clusterDomain?: string }, cfg: AgentConfig): { clusterDNS?: string[]; clusterDomain?: string } {
  const out: { clusterDNS?: string[]; clusterDomain?: string } = {};
  // the config file's value is whatever the YAML held
  const raw: unknown = flags.clusterDns === undefined ? cfg.clusterDNS : flags.clusterDns.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (raw !== undefined) {
    if (!Array.isArray(raw)) throw new AgentConfigError('clusterDNS: expected a list of IP addresses');
    const servers: string[] = [];
    for (const ip of raw as unknown[]) {
      if (typeof ip !== 'string' || isIP(ip) === 0) throw new AgentConfigError(`--cluster-dns: "${String(ip)}" is not a valid IP address`);
      servers.push(ip);
    }
    out.clusterDNS = servers;
  }
  const domain = flags.clusterDomain ?? cfg.clusterDomain;
  if (domain !== undefined) out.clusterDomain = domain;
  return out;
}

function portOf(v: string | number | undefined, fallback: number): number {
  const port = Number(v ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AgentConfigError(`invalid port ${String(v)}`);
  return port;
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the node agent on the local Docker engine: static pods from a manifest folder and, with --kubeconfig, the pods the API server binds to this node')
    .option('--manifests <dir>', 'folder of pod manifests (static pods)')
    .option('--node-name <name>', 'node name (labels every container this agent creates)')
    .option('--root-dir <dir>', 'agent state: pod volumes, termination logs, state file')
    .option('--kubeconfig <file>', 'join the API server in this kubeconfig (node token) as a node')
    .option('--port <port>', 'with --kubeconfig: the HTTPS streaming port (default 10250); without: the local /healthz, /pods, /metrics port (default 10255)')
    .option('--healthz-port <port>', 'with --kubeconfig: local port for /healthz, /pods, /metrics (default 10248)')
    .option('--address <ip>', 'address to listen on (default 127.0.0.1)')
    .option('--node-ip <ip>', 'the node\'s InternalIP (default: --address)')
    .option('--node-labels <k=v,...>', 'with --kubeconfig: extra labels for the Node (the default labels win)')
    .option('--max-pods <n>', 'pods this node runs at most (the Node\'s pods capacity; default 110)')
    .option('--system-reserved <cpu=…,memory=…>', 'with --kubeconfig: resources kept for the host, subtracted from the Node\'s allocatable')
    .option('--cluster-dns <ip,...>', 'DNS server IPs of ClusterFirst pods (comma-separated)')
    .option('--cluster-domain <domain>', 'the cluster\'s DNS domain, searched by ClusterFirst pods (default cluster.local)')
    .option('--config <file>', 'YAML config file (flags win)')
    .action(async (flags: Flags) => {
      // since the process started (performance's time origin): node, the loader and the modules
      const loadedMs = Math.round(performance.now());
      const cfg = flags.config === undefined ? {} : await loadAgentConfig(flags.config);
      const nodeName = flags.nodeName ?? cfg.nodeName;
      if (nodeName === undefined || nodeName === '') throw new AgentConfigError('--node-name (or nodeName in the config file) is required');
      const manifests = flags.manifests ?? cfg.manifests;
      const kubeconfig = flags.kubeconfig ?? cfg.kubeconfig;
      if (manifests === undefined && kubeconfig === undefined) throw new AgentConfigError('--manifests or --kubeconfig (or manifests/kubeconfig in the config file) is required');
      const rootDir = resolve(flags.rootDir ?? cfg.rootDir ?? join(stateDir(), 'agent', nodeName));
      const apiMode = kubeconfig !== undefined;
      const port = portOf(flags.port ?? cfg.port, apiMode ? 10250 : 10255);
      const healthzPort = portOf(flags.healthzPort ?? cfg.healthzPort, apiMode ? 10248 : port);
      const address = flags.address ?? cfg.address ?? '127.0.0.1';
      const nodeIP = flags.nodeIp ?? cfg.nodeIP ?? (apiMode ? (address === '0.0.0.0' ? '127.0.0.1' : address) : undefined);
      const shape = nodeShape(flags, cfg);
      const dns = clusterDnsOptions(flags, cfg);
      const log = createLogger('agent');
      const runtime = createDockerRuntime({ nodeName, log: log.child({ component: 'runtime' }), ...(cfg.infraImage === undefined ? {} : { infraImage: cfg.infraImage }) });
      const bo = cfg.crashLoopBackOff;

      // API mode: the streaming server first (its port goes into the Node), then the API side.
      let api: ApiSide | undefined;
      let streaming: KubeletServer | undefined;
      const started: { agent?: Agent } = {};
      if (kubeconfig !== undefined) {
        const conn = loadKubeconfig(resolve(kubeconfig));
        if (conn.token === undefined) throw new AgentConfigError(`kubeconfig ${kubeconfig}: no token for the node`);
        const pki = await ensureServingCert(join(rootDir, 'pki'), nodeName, nodeIP === undefined ? [] : [nodeIP]);
        if (pki.created) log.info({ cert: pki.certFile }, 'made a self-signed serving certificate');
        streaming = createKubeletServer({
          runtime, token: conn.token, tls: { cert: pki.cert, key: pki.key }, log: log.child({ component: 'kubelet-server' }),
          resolve: podContainerResolver(() => started.agent?.podList() ?? []),
          resolvePod: podUidResolver(() => started.agent?.podList() ?? []),
        });
        await streaming.listen(port, address);
        api = createApiSide({
          kubeconfigPath: resolve(kubeconfig), nodeName, kubeletPort: streaming.address().port, runtime, rootDir,
          clock: new SystemClock(), log: log.child({ component: 'api' }),
          ...(nodeIP === undefined ? {} : { nodeIP }),
          ...shape,
        });
      }
      const agent = new Agent({
        nodeName, rootDir, runtime, log,
        ...(manifests === undefined ? {} : { manifestDir: resolve(manifests) }),
        ...(api === undefined ? {} : { api }),
        ...(nodeIP === undefined ? {} : { nodeIPs: [nodeIP] }),
        ...(shape.maxPods === undefined ? {} : { maxPods: shape.maxPods }),
        ...(bo === undefined ? {} : { backoff: { ...(bo.initialSeconds === undefined ? {} : { initialMs: bo.initialSeconds * 1000 }), ...(bo.maxSeconds === undefined ? {} : { maxMs: bo.maxSeconds * 1000 }) } }),
        ...(cfg.relistSeconds === undefined ? {} : { relistMs: cfg.relistSeconds * 1000 }),
        ...(cfg.allowedUnsafeSysctls === undefined ? {} : { allowedUnsafeSysctls: cfg.allowedUnsafeSysctls }),
        ...dns,
      });
      started.agent = agent;
      await agent.start();
      const server = await startAgentServer({
        podList: () => agent.podList(), events: (uid) => agent.events.list(uid), problems: () => agent.problems(),
        metrics: agent.metrics, healthy: () => true,
      }, { port: healthzPort, host: address });
      log.info({ url: server.url(), node: nodeName, manifests, rootDir, loadedMs, servingMs: Math.round(performance.now()), ...(streaming === undefined ? {} : { kubeletPort: streaming.address().port, kubeconfig }) }, 'agent serving');
      const streamingNote = streaming === undefined ? '' : `, logs/exec/attach on https://${address}:${String(streaming.address().port)}`;
      process.stdout.write(`nodelet agent ${nodeName} serving on ${server.url()}${streamingNote}\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          log.info('stopping (containers keep running; a restart adopts them)');
          void (async () => {
            await server.close();
            await streaming?.close();
            await agent.stop();
            done();
          })();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
