// The agent as a child process (`./bin/nodelet agent …`, one node process: bin/nodelet execs
// node), so its CPU and RSS can be read from /proc/<pid>. Started with a static-pod manifest
// folder; pods and their status are read from the agent's local server (/pods).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { SkipBenchmark } from '../framework/types.ts';

export const NODELET_BIN = join(PROJECT_ROOT, 'bin', 'nodelet');

export interface AgentProcess {
  pid: number;
  url: string;
  manifests: string;
  rootDir: string;
  pods(): Promise<Pod[]>;
  /** Last lines of the agent's output, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/** The flags `nodelet agent` accepts today (read from its --help). */
export function agentFlags(): string {
  const r = spawnSync(NODELET_BIN, ['agent', '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new SkipBenchmark(`needs the agent: \`nodelet agent --help\` failed: ${r.stderr.slice(0, 200)}`);
  return r.stdout;
}

export function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export async function startAgent(nodeName: string, profileDir?: string): Promise<AgentProcess> {
  const base = mkdtempSync(join(tmpdir(), 'nodelet-bench-agent-'));
  const manifests = join(base, 'manifests');
  const rootDir = join(base, 'root');
  mkdirSync(manifests);
  const logFile = join(base, 'agent.log');
  writeFileSync(logFile, '');
  const child: ChildProcess = spawn(NODELET_BIN, ['agent', '--manifests', manifests, '--node-name', nodeName, '--root-dir', rootDir, '--port', '0'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODELET_LOG_LEVEL: process.env['NODELET_LOG_LEVEL'] ?? 'warn',
      // The profile is written when the agent exits (SIGTERM → clean stop).
      ...(profileDir === undefined ? {} : { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`.trim() }),
    },
  });
  let out = '';
  const keep = (c: Buffer): void => {
    out = (out + c.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  const tail = (): string => out.split('\n').slice(-15).join('\n');
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => { reject(new Error(`agent did not report its URL within 60 s:\n${tail()}`)); }, 60_000);
    const check = (): void => {
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`agent exited (${String(code)}) before serving:\n${tail()}`));
    });
  });
  if (child.pid === undefined) throw new Error('agent has no pid');
  const pid = child.pid;
  return {
    pid,
    url,
    manifests,
    rootDir,
    async pods() {
      const res = await fetch(`${url}/pods`);
      const body = (await res.json()) as { items?: Pod[] };
      return body.items ?? [];
    },
    tail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => { r(false); }, 15_000))]);
        if (!done) child.kill('SIGKILL');
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Polls until every expected pod is Ready; returns the seconds it took. */
export async function waitAllReady(agent: AgentProcess, count: number, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const pods = await agent.pods().catch(() => []);
    const last = pods.filter(isReady).length;
    if (last >= count) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > timeoutMs) throw new Error(`only ${last}/${count} pods Ready after ${timeoutMs / 1000} s:\n${agent.tail()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Pids of the engine daemons visible here (dockerd, containerd), for context figures. */
export function enginePids(): number[] {
  const r = spawnSync('pidof', ['dockerd', 'containerd'], { encoding: 'utf8' });
  return r.stdout.split(/\s+/).filter((s) => s !== '').map(Number).filter((n) => Number.isInteger(n) && n > 0 && readable(n));
}

function readable(pid: number): boolean {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}
