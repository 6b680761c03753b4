// Bringing up an engine when none answers: as root on Debian/Ubuntu, install Debian's docker.io
// and start dockerd in the background (pid and log under the state folder). Anywhere else, stop
// with a clear instruction. An engine the user already runs is never touched.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.ts';
import { RuntimeError } from '../errors.ts';
import { discoverEngine, type EngineEndpoint } from './discovery.ts';

export interface LocalEngineOptions {
  stateDir: string;
  log: Logger;
  /** How long to wait for a started dockerd to answer. */
  startTimeoutMs?: number;
}

function isDebianLike(): boolean {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
  } catch {
    return false;
  }
}

function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const INSTRUCTIONS = [
  'No Docker engine answers and nodelet cannot start one here.',
  'Install and start one, then run the command again:',
  '  - Debian/Ubuntu (as root): apt-get install docker.io iptables && dockerd &',
  '  - macOS/Windows: start Docker Desktop',
  '  - elsewhere: install Docker Engine, or point DOCKER_HOST at a running engine',
].join('\n');

function aptInstall(packages: string[], log: Logger): void {
  log.info({ packages }, 'installing engine packages with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) throw new RuntimeError('ERR_ENGINE_UNAVAILABLE', `apt-get update failed (exit ${update.status ?? 'signal'})\n${INSTRUCTIONS}`);
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  if (install.status !== 0) throw new RuntimeError('ERR_ENGINE_UNAVAILABLE', `apt-get install ${packages.join(' ')} failed\n${INSTRUCTIONS}`);
}

function pidAlive(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Returns a reachable engine, installing and starting dockerd if that is possible here. */
export async function ensureEngine(opts: LocalEngineOptions): Promise<EngineEndpoint> {
  const { log } = opts;
  const found = await discoverEngine(log);
  if (found !== undefined) return found;

  const isRoot = process.getuid?.() === 0;
  if (process.platform !== 'linux' || !isRoot || !isDebianLike()) {
    const why = process.platform !== 'linux' ? `platform is ${process.platform}` : !isRoot ? 'not running as root' : 'not Debian/Ubuntu';
    throw new RuntimeError('ERR_ENGINE_UNAVAILABLE', `${INSTRUCTIONS}\n(${why})`);
  }

  const missing: string[] = [];
  if (!haveCommand('dockerd')) missing.push('docker.io');
  if (!haveCommand('iptables')) missing.push('iptables');
  if (missing.length > 0) aptInstall(missing, log);

  mkdirSync(opts.stateDir, { recursive: true });
  const pidFile = join(opts.stateDir, 'dockerd.pid');
  const logFile = join(opts.stateDir, 'dockerd.log');
  const running = pidAlive(pidFile);
  if (running === undefined) {
    log.info({ log: logFile }, 'starting dockerd');
    const out = openSync(logFile, 'a');
    // Detached in its own session so it outlives `make up`; the pid file lets `make down` stop it.
    // --live-restore: containers keep running while the engine restarts, so restarting dockerd
    // never kills a pod (the agent re-adopts them when the engine answers again).
    const child = spawn('dockerd', ['--live-restore', '--pidfile', join(opts.stateDir, 'dockerd.engine.pid')], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new RuntimeError('ERR_ENGINE_UNAVAILABLE', 'could not spawn dockerd');
    writeFileSync(pidFile, String(child.pid));
    child.unref();
  } else {
    log.info({ pid: running }, 'dockerd already started by nodelet; waiting for it');
  }

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const ep = await discoverEngine(log, { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' }, 1000);
    if (ep !== undefined) {
      log.info('engine is up');
      return ep;
    }
    if (pidAlive(pidFile) === undefined) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new RuntimeError('ERR_ENGINE_UNAVAILABLE', `dockerd did not answer; see ${logFile}`);
}

/** Stops a dockerd that nodelet started (by its pid file), never another one. */
export async function stopLocalEngine(stateDir: string, log: Logger): Promise<void> {
  const pidFile = join(stateDir, 'dockerd.pid');
  const pid = pidAlive(pidFile);
  if (pid === undefined) return;
  log.info({ pid }, 'stopping dockerd started by nodelet');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && pidAlive(pidFile) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
}
