import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inContainer, parentPid, processTree } from './proc-tree.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A fake /proc: pid → [ppid, cgroup], optionally with task/<tid>/children files. */
function fakeProc(procs: Record<number, [number, string]>, withChildrenFiles: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'nodelet-proc-'));
  roots.push(root);
  for (const [pid, [ppid, cgroup]] of Object.entries(procs)) {
    const dir = join(root, pid);
    mkdirSync(join(dir, 'task', pid), { recursive: true });
    writeFileSync(join(dir, 'stat'), `${pid} (sh (weird) name) S ${ppid} 1 1 0`);
    writeFileSync(join(dir, 'cgroup'), `4:pids:/docker/${cgroup}\n`);
    if (withChildrenFiles) {
      const kids = Object.entries(procs).filter(([, [pp]]) => pp === Number(pid)).map(([p]) => p);
      writeFileSync(join(dir, 'task', pid, 'children'), kids.length > 0 ? `${kids.join(' ')} ` : '');
    }
  }
  return root;
}

const tree: Record<number, [number, string]> = {
  100: [1, 'ctr'],
  101: [100, 'ctr'],
  102: [100, 'ctr'],
  103: [101, 'ctr'],
  200: [1, 'other'],
};

describe('proc tree', () => {
  it('parses the parent PID even when the command name has spaces and parentheses', () => {
    expect(parentPid('42 (a b) c)) S 7 1 1')).toBe(7);
  });

  it.each([true, false])('walks descendants (children files: %s)', (withChildren) => {
    const root = fakeProc(tree, withChildren);
    expect(processTree(100, root).sort()).toEqual([100, 101, 102, 103]);
    expect(processTree(200, root)).toEqual([200]);
  });

  it('checks cgroup membership before anything is killed', () => {
    const root = fakeProc(tree, false);
    expect(inContainer(101, 'ctr', root)).toBe(true);
    expect(inContainer(200, 'ctr', root)).toBe(false);
    expect(inContainer(999, 'ctr', root)).toBe(false);
  });
});
