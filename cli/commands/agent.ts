// `nodelet agent`: runs the node agent on the local Docker engine with static pods from a folder,
// serving /healthz, /pods, /metrics on a local port. Options come from flags and/or a YAML file.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { NodeletError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { stateDir } from '../../lib/paths.ts';
import { Agent } from '../../agent/agent.ts';
import { startAgentServer } from '../../agent/server.ts';
import { createDockerRuntime } from '../../runtime/docker/docker-runtime.ts';

export interface AgentConfig {
  nodeName?: string;
  manifests?: string;
  rootDir?: string;
  port?: number;
  address?: string;
  nodeIP?: string;
  maxPods?: number;
  /** CrashLoopBackOff: initial and max delay in seconds (KEP-4603). */
  crashLoopBackOff?: { initialSeconds?: number; maxSeconds?: number };
  relistSeconds?: number;
  allowedUnsafeSysctls?: string[];
  clusterDomain?: string;
  clusterDNS?: string[];
  infraImage?: string;
}

const KNOWN = new Set(['nodeName', 'manifests', 'rootDir', 'port', 'address', 'nodeIP', 'maxPods', 'crashLoopBackOff', 'relistSeconds', 'allowedUnsafeSysctls', 'clusterDomain', 'clusterDNS', 'infraImage']);

export class AgentConfigError extends NodeletError {
  constructor(message: string) {
    super('ERR_AGENT_CONFIG', message);
  }
}

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
  address?: string;
  config?: string;
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the node agent: static pods from a manifest folder on the local Docker engine')
    .option('--manifests <dir>', 'folder of pod manifests (static pods)')
    .option('--node-name <name>', 'node name (labels every container this agent creates)')
    .option('--root-dir <dir>', 'agent state: pod volumes, termination logs, state file')
    .option('--port <port>', 'local port for /healthz, /pods, /metrics (0 = any)')
    .option('--address <ip>', 'address to listen on', '127.0.0.1')
    .option('--config <file>', 'YAML config file (flags win)')
    .action(async (flags: Flags) => {
      const cfg = flags.config === undefined ? {} : await loadAgentConfig(flags.config);
      const nodeName = flags.nodeName ?? cfg.nodeName;
      if (nodeName === undefined || nodeName === '') throw new AgentConfigError('--node-name (or nodeName in the config file) is required');
      const manifests = flags.manifests ?? cfg.manifests;
      if (manifests === undefined) throw new AgentConfigError('--manifests (or manifests in the config file) is required');
      const rootDir = resolve(flags.rootDir ?? cfg.rootDir ?? join(stateDir(), 'agent', nodeName));
      const port = Number(flags.port ?? cfg.port ?? 10255);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AgentConfigError(`invalid port ${String(flags.port ?? cfg.port)}`);
      const log = createLogger('agent');
      const runtime = createDockerRuntime({ nodeName, log: log.child({ component: 'runtime' }), ...(cfg.infraImage === undefined ? {} : { infraImage: cfg.infraImage }) });
      const bo = cfg.crashLoopBackOff;
      const agent = new Agent({
        nodeName, rootDir, runtime, manifestDir: resolve(manifests), log,
        ...(cfg.nodeIP === undefined ? {} : { nodeIPs: [cfg.nodeIP] }),
        ...(cfg.maxPods === undefined ? {} : { maxPods: cfg.maxPods }),
        ...(bo === undefined ? {} : { backoff: { ...(bo.initialSeconds === undefined ? {} : { initialMs: bo.initialSeconds * 1000 }), ...(bo.maxSeconds === undefined ? {} : { maxMs: bo.maxSeconds * 1000 }) } }),
        ...(cfg.relistSeconds === undefined ? {} : { relistMs: cfg.relistSeconds * 1000 }),
        ...(cfg.allowedUnsafeSysctls === undefined ? {} : { allowedUnsafeSysctls: cfg.allowedUnsafeSysctls }),
        ...(cfg.clusterDomain === undefined ? {} : { clusterDomain: cfg.clusterDomain }),
        ...(cfg.clusterDNS === undefined ? {} : { clusterDNS: cfg.clusterDNS }),
      });
      await agent.start();
      const server = await startAgentServer({
        podList: () => agent.podList(), events: (uid) => agent.events.list(uid), problems: () => agent.problems(),
        metrics: agent.metrics, healthy: () => true,
      }, { port, host: flags.address ?? cfg.address ?? '127.0.0.1' });
      log.info({ url: server.url(), node: nodeName, manifests, rootDir }, 'agent serving');
      process.stdout.write(`nodelet agent ${nodeName} serving on ${server.url()}\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          log.info('stopping (containers keep running; a restart adopts them)');
          void (async () => {
            await server.close();
            await agent.stop();
            done();
          })();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
