// Host tmpfs mounts for emptyDir `medium: Memory`, as the kubelet does: one tmpfs per volume,
// mounted on the volume's pod directory, so every container of the pod bind-mounts the same
// filesystem and its contents survive container restarts. /proc/self/mountinfo is the truth for
// what is mounted (an agent restart finds its mounts there and does not mount twice). Where
// mounting is impossible (not Linux, not root, mount refused) the mounter reports it once and
// callers fall back to a per-container runtime tmpfs.
import { execFile } from 'node:child_process';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { promisify } from 'node:util';
import { createLogger, type Logger } from '../../lib/log.ts';

const run = promisify(execFile);

export const MOUNTINFO_PATH = '/proc/self/mountinfo';

/** Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points (5th field) of a mountinfo text, in file order. */
export function parseMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const point = line.split(' ')[4];
    if (point !== undefined && point !== '') out.push(unescapeMountPath(point));
  }
  return out;
}

function isUnder(base: string, path: string): boolean {
  return path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
}

export interface TmpfsMounterOptions {
  /** Defaults: process.platform, process.getuid(). */
  platform?: NodeJS.Platform;
  uid?: number;
  mountinfoPath?: string;
  /** Where the one fallback warning goes (default: a `volumes` logger). */
  log?: Logger;
}

export class TmpfsMounter {
  private unusable: string | undefined;
  private warned = false;
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly mountinfoPath: string;

  constructor(private readonly opts: TmpfsMounterOptions = {}) {
    this.mountinfoPath = opts.mountinfoPath ?? MOUNTINFO_PATH;
    const platform = opts.platform ?? process.platform;
    const uid = opts.uid ?? process.getuid?.();
    if (platform !== 'linux') this.unusable = `host tmpfs mounts need Linux (this is ${platform})`;
    else if (uid !== 0) this.unusable = `host tmpfs mounts need root (uid ${uid ?? 'unknown'})`;
  }

  /** Mount points at or below dir (deepest first); [] when mountinfo cannot be read. */
  async mountsUnder(dir: string): Promise<string[]> {
    let text: string;
    let base: string;
    try {
      text = await readFile(this.mountinfoPath, 'utf8');
      base = await realpath(dir);
    } catch {
      return [];
    }
    return [...new Set(parseMountPoints(text).filter((p) => isUnder(base, p)))].sort((a, b) => b.length - a.length);
  }

  async isMounted(dir: string): Promise<boolean> {
    let base: string;
    try {
      base = await realpath(dir);
    } catch {
      return false;
    }
    return (await this.mountsUnder(dir)).includes(base);
  }

  /**
   * Makes dir a tmpfs mount (of sizeBytes, else the kernel default), unless it already is one.
   * Returns false when host mounts are impossible here; the first such time logs a warning.
   */
  ensureMounted(dir: string, sizeBytes: number | undefined): Promise<boolean> {
    const pending = this.inflight.get(dir);
    if (pending !== undefined) return pending;
    const p = this.mount(dir, sizeBytes).finally(() => { this.inflight.delete(dir); });
    this.inflight.set(dir, p);
    return p;
  }

  private async mount(dir: string, sizeBytes: number | undefined): Promise<boolean> {
    if (this.unusable !== undefined) {
      this.warnOnce();
      return false;
    }
    await mkdir(dir, { recursive: true });
    if (await this.isMounted(dir)) return true;
    const options = sizeBytes === undefined ? [] : ['-o', `size=${sizeBytes}`];
    try {
      await run('mount', ['-t', 'tmpfs', ...options, 'tmpfs', await realpath(dir)]);
      return true;
    } catch (err) {
      const e = err as { stderr?: string; message?: string };
      this.unusable = `mount -t tmpfs failed: ${(e.stderr ?? e.message ?? String(err)).trim()}`;
      this.warnOnce();
      return false;
    }
  }

  private warnOnce(): void {
    if (this.warned) return;
    this.warned = true;
    (this.opts.log ?? createLogger('volumes')).warn(
      { reason: this.unusable },
      'emptyDir medium: Memory falls back to a per-container tmpfs (not shared between containers, lost on container restart)',
    );
  }

  /**
   * Unmounts every mount at or below dir, deepest first, until mountinfo lists none (mounts may
   * be stacked; another caller may unmount concurrently). Returns the mount points undone.
   */
  async unmountUnder(dir: string): Promise<string[]> {
    const done: string[] = [];
    let failure: unknown;
    for (let round = 0; round < 8; round++) {
      const points = await this.mountsUnder(dir);
      if (points.length === 0) return done;
      failure = undefined;
      for (const p of points) {
        try {
          await run('umount', [p]);
          done.push(p);
        } catch {
          try {
            // Still busy (a container not yet gone): detach it now, the kernel frees it when unused.
            await run('umount', ['-l', p]);
            done.push(p);
          } catch (err) {
            failure = err; // perhaps already unmounted by someone else: the next round tells
          }
        }
      }
    }
    const left = await this.mountsUnder(dir);
    if (left.length === 0) return done;
    const e = failure as { stderr?: string } | undefined;
    throw new Error(`unmounting ${left.join(', ')} failed${e?.stderr === undefined ? '' : `: ${e.stderr.trim()}`}`);
  }
}

/** One per process, so the fallback warning is logged once. */
export const defaultTmpfsMounter = new TmpfsMounter();
