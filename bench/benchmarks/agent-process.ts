// The agent as a child process (`nodelet agent …` run as bin/nodelet does: one node process), so its CPU and RSS can be read from /proc/<pid>. Started with a static-pod manifest
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
  // What bin/nodelet execs (node --import tsx cli/main.ts), spelled out so node flags can be added.
  const nodeFlags = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const args = [...nodeFlags, '--import', 'tsx', join(PROJECT_ROOT, 'cli/main.ts'), 'agent', '--manifests', manifests, '--node-name', nodeName, '--root-dir', rootDir, '--port', '0'];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A CPU profile is written when the agent exits (SIGTERM → clean stop).
    env: { ...process.env, NODELET_LOG_LEVEL: process.env['NODELET_LOG_LEVEL'] ?? 'warn' },
  });
  let out = '';
  const keep = (c: Buffer): void => {
    out = (out + c.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  const tail = (): string => [...new Set(out.split('\n').filter((l) => l.trim() !== ''))].slice(-5).join('\n');
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

export function isRunning(p: Pod): boolean {
  const cs = p.status?.containerStatuses ?? [];
  return cs.length > 0 && cs.every((c) => c.state?.running !== undefined);
}

/**
 * Polls until `count` pods satisfy `cond`; returns the seconds it took, or, when the time is up,
 * throws (orElse 'throw') or returns undefined (orElse 'undefined').
 */
export async function waitPods(
  agent: AgentProcess, count: number, cond: (p: Pod) => boolean, what: string, timeoutMs: number, orElse: 'throw' | 'undefined' = 'throw',
): Promise<number | undefined> {
  const t0 = performance.now();
  for (;;) {
    const pods = await agent.pods().catch(() => []);
    const n = pods.filter(cond).length;
    if (n >= count) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > timeoutMs) {
      if (orElse === 'undefined') return undefined;
      throw new Error(`only ${n}/${count} pods ${what} after ${timeoutMs / 1000} s; agent log tail:\n${agent.tail()}`);
    }
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
