// Background processes nodelet starts for `make up` (API server, agent): detached, with a pid file
// and a log under the state folder, so `make down` stops exactly what it started, by pid.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths.ts';

export interface Daemon {
  name: string;
  pidFile: string;
  logFile: string;
}

export function daemon(stateDir: string, name: string): Daemon {
  return { name, pidFile: join(stateDir, `${name}.pid`), logFile: join(stateDir, `${name}.log`) };
}

/** The pid from the pid file if that process is alive and is one of ours (guards against pid reuse). */
export function runningPid(d: Daemon): number | undefined {
  if (!existsSync(d.pidFile)) return undefined;
  const pid = Number(readFileSync(d.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('cli/main.ts')) return undefined;
  } catch {
    // No /proc (macOS): trust the pid file.
  }
  return pid;
}

/** Starts `nodelet <args>` in the background unless it already runs; returns its pid. */
export function startDaemon(d: Daemon, args: string[]): { pid: number; started: boolean } {
  const existing = runningPid(d);
  if (existing !== undefined) return { pid: existing, started: false };
  mkdirSync(join(d.pidFile, '..'), { recursive: true });
  const out = openSync(d.logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'cli/main.ts'), ...args], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  if (child.pid === undefined) throw new Error(`could not start ${d.name}`);
  writeFileSync(d.pidFile, String(child.pid));
  child.unref();
  return { pid: child.pid, started: true };
}

/** SIGTERM, then SIGKILL after graceMs; removes the pid file. */
export async function stopDaemon(d: Daemon, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(d);
  if (pid === undefined) {
    rmSync(d.pidFile, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  rmSync(d.pidFile, { force: true });
  return true;
}
