// CPU and memory of a process from /proc: utime+stime (clock ticks) from /proc/<pid>/stat and
// VmRSS from /proc/<pid>/status. CPU over a window is (ticks delta / ticks per second) / seconds.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of pid, in seconds. */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** utime and stime of pid (all its threads), in seconds. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm may contain spaces and parens: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After ')' the fields are numbered from 3 (state); utime is field 14, stime 15.
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return { user: utime / clockTicks(), system: stime / clockTicks() };
}

/** Resident set size of pid, in MB (10^6 bytes). */
export function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m === null ? Number.NaN : (Number(m[1]) * 1024) / 1e6;
}

export interface WindowSample {
  /** Percent of one core over the window (user + system; user and system apart). */
  cpuPercent: number;
  userPercent: number;
  systemPercent: number;
  /** Median and peak RSS over the window, MB. */
  rssMedian: number;
  rssMax: number;
}

/** Samples pid for ms milliseconds (RSS every everyMs). */
export async function sampleWindow(pid: number, ms: number, everyMs = 500): Promise<WindowSample> {
  const t0 = performance.now();
  const c0 = cpuTimes(pid);
  const rss: number[] = [rssMB(pid)];
  while (performance.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(1, ms - (performance.now() - t0)))));
    rss.push(rssMB(pid));
  }
  const secs = (performance.now() - t0) / 1000;
  const c1 = cpuTimes(pid);
  const user = ((c1.user - c0.user) / secs) * 100;
  const system = ((c1.system - c0.system) / secs) * 100;
  rss.sort((a, b) => a - b);
  return { cpuPercent: user + system, userPercent: user, systemPercent: system, rssMedian: rss[Math.floor(rss.length / 2)] ?? Number.NaN, rssMax: rss[rss.length - 1] ?? Number.NaN };
}
