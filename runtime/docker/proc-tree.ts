// Killing an exec'd process from the host. Docker has no exec-kill API (moby/moby#9167), so a
// timed-out exec probe would otherwise keep running and pile up (k/k#110070). When the engine
// runs on this host (we are root), ExecInspect's Pid is a host PID: freeze the process and its
// descendants with SIGSTOP (so none can fork past us), then SIGKILL them all. Every PID is checked
// to still sit in the container's cgroup first, so a recycled PID is never hit.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when /proc/<pid> exists here and its cgroup path names the container. */
export function inContainer(pid: number, containerId: string, procRoot = '/proc'): boolean {
  const cgroup = readText(join(procRoot, String(pid), 'cgroup'));
  return cgroup !== undefined && cgroup.includes(containerId);
}

/** Parent PID from /proc/<pid>/stat (the field after the parenthesised command name). */
export function parentPid(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function childrenFromTaskFiles(pid: number, procRoot: string): number[] | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(join(procRoot, String(pid), 'task'));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    // Needs CONFIG_PROC_CHILDREN; absent on some kernels, then we fall back to a PPid scan.
    const text = readText(join(procRoot, String(pid), 'task', tid, 'children'));
    if (text === undefined) return undefined;
    for (const p of text.trim().split(/\s+/)) if (p !== '') out.push(Number(p));
  }
  return out;
}

function parentMap(procRoot: string): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return byParent;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const stat = readText(join(procRoot, e, 'stat'));
    const ppid = stat === undefined ? undefined : parentPid(stat);
    if (ppid === undefined) continue;
    const list = byParent.get(ppid) ?? [];
    list.push(Number(e));
    byParent.set(ppid, list);
  }
  return byParent;
}

/** The PID and all its descendants, parents before children. */
export function processTree(pid: number, procRoot = '/proc'): number[] {
  const seen = new Set<number>([pid]);
  const order = [pid];
  let scan: Map<number, number[]> | undefined;
  for (let i = 0; i < order.length; i++) {
    const p = order[i] as number;
    let kids = childrenFromTaskFiles(p, procRoot);
    if (kids === undefined) {
      scan ??= parentMap(procRoot);
      kids = scan.get(p) ?? [];
    }
    for (const k of kids) {
      if (!seen.has(k)) {
        seen.add(k);
        order.push(k);
      }
    }
  }
  return order;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILLs pid and its descendants if pid is visible here and belongs to the container.
 * Returns the PIDs killed, or undefined when the PID is not visible from this host (remote
 * engine, Docker Desktop VM), so the caller can fall back to another strategy.
 */
export function killContainerProcessTree(pid: number, containerId: string, procRoot = '/proc'): number[] | undefined {
  if (!inContainer(pid, containerId, procRoot)) return undefined;
  const stopped = new Set<number>();
  // Freeze in passes until no new descendant shows up: a stopped process cannot fork.
  for (let pass = 0; pass < 5; pass++) {
    let grew = false;
    for (const p of processTree(pid, procRoot)) {
      if (stopped.has(p) || !inContainer(p, containerId, procRoot)) continue;
      if (signal(p, 'SIGSTOP')) {
        stopped.add(p);
        grew = true;
      }
    }
    if (!grew) break;
  }
  const killed: number[] = [];
  for (const p of stopped) if (signal(p, 'SIGKILL')) killed.push(p);
  return killed;
}
