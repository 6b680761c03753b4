// Finding the engine: an ordered list of strategies, the first one that answers a ping wins,
// and every skipped one says why (testcontainers-node's shape).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Logger } from '../../lib/log.ts';
import { RuntimeError } from '../errors.ts';

export interface EngineEndpoint {
  /** Strategy that found it, for logs. */
  via: string;
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

interface Candidate {
  via: string;
  endpoint?: EngineEndpoint;
  skip?: string;
}

export function parseDockerHost(value: string): EngineEndpoint | string {
  if (value.startsWith('unix://')) return { via: 'DOCKER_HOST', socketPath: value.slice('unix://'.length) };
  const m = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?/.exec(value);
  if (m) {
    const tls = m[1] === 'https' || process.env['DOCKER_TLS_VERIFY'] === '1';
    return { via: 'DOCKER_HOST', host: m[2] ?? 'localhost', port: Number(m[3] ?? (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
  }
  return `unsupported DOCKER_HOST value ${JSON.stringify(value)}`;
}

function candidates(env: NodeJS.ProcessEnv, defaultSocket: string): Candidate[] {
  const list: Candidate[] = [];
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost === undefined || dockerHost === '') {
    list.push({ via: 'DOCKER_HOST', skip: 'DOCKER_HOST is not set' });
  } else {
    const parsed = parseDockerHost(dockerHost);
    list.push(typeof parsed === 'string' ? { via: 'DOCKER_HOST', skip: parsed } : { via: 'DOCKER_HOST', endpoint: parsed });
  }
  const home = env['HOME'] ?? homedir();
  const sockets: [string, string | undefined][] = [
    ['default socket', defaultSocket],
    ['Docker Desktop user socket', join(home, '.docker/run/docker.sock')],
    ['Docker Desktop socket', join(home, '.docker/desktop/docker.sock')],
    ['rootless socket', env['XDG_RUNTIME_DIR'] ? join(env['XDG_RUNTIME_DIR'], 'docker.sock') : undefined],
  ];
  for (const [via, path] of sockets) {
    if (path === undefined) list.push({ via, skip: 'XDG_RUNTIME_DIR is not set' });
    else if (!existsSync(path)) list.push({ via, skip: `${path} does not exist` });
    else list.push({ via, endpoint: { via, socketPath: path } });
  }
  return list;
}

export function dockerFor(endpoint: EngineEndpoint): Docker {
  if (endpoint.socketPath !== undefined) return new Docker({ socketPath: endpoint.socketPath });
  return new Docker({
    ...(endpoint.host === undefined ? {} : { host: endpoint.host }),
    ...(endpoint.port === undefined ? {} : { port: endpoint.port }),
    ...(endpoint.protocol === undefined ? {} : { protocol: endpoint.protocol }),
  });
}

async function answers(endpoint: EngineEndpoint, timeoutMs: number): Promise<string | undefined> {
  const docker = dockerFor(endpoint);
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => { reject(new Error(`no answer within ${timeoutMs} ms`)); }, timeoutMs).unref()),
    ]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Returns the first engine that answers, or undefined after logging why each was skipped. */
export async function discoverEngine(
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 3000,
  defaultSocket = '/var/run/docker.sock',
): Promise<EngineEndpoint | undefined> {
  for (const c of candidates(env, defaultSocket)) {
    if (c.endpoint === undefined) {
      log.debug({ strategy: c.via, reason: c.skip }, 'engine strategy skipped');
      continue;
    }
    const problem = await answers(c.endpoint, timeoutMs);
    if (problem === undefined) {
      log.debug({ strategy: c.via, socket: c.endpoint.socketPath, host: c.endpoint.host }, 'engine found');
      return c.endpoint;
    }
    log.info({ strategy: c.via, reason: problem }, 'engine strategy skipped: no answer');
  }
  return undefined;
}

export async function requireEngine(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<EngineEndpoint> {
  const found = await discoverEngine(log, env);
  if (found === undefined) {
    throw new RuntimeError('ERR_ENGINE_UNAVAILABLE', 'no Docker engine answers (tried DOCKER_HOST, /var/run/docker.sock, Docker Desktop sockets, $XDG_RUNTIME_DIR/docker.sock); run `make up` to start one');
  }
  return found;
}
