import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../lib/log.ts';
import { parseMountPoints, TmpfsMounter } from './tmpfs.ts';

const root = await mkdtemp(join(tmpdir(), 'nodelet-tmpfs-'));
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

function line(id: number, point: string, fs = 'tmpfs'): string {
  return `${id} 27 0:${id} / ${point} rw,relatime - ${fs} ${fs} rw`;
}

describe('parseMountPoints', () => {
  it('reads the mount point field and undoes octal escapes', () => {
    expect(parseMountPoints([line(22, '/proc', 'proc'), line(50, '/var/a\\040b/x\\134y'), ''].join('\n'))).toEqual(['/proc', '/var/a b/x\\y']);
  });
});

describe('TmpfsMounter', () => {
  it('finds mounts at or below a directory, deepest first, and not siblings with a common prefix', async () => {
    const pod = join(root, 'pods', 'uid-1');
    const vol = join(pod, 'volumes', 'kubernetes.io~empty-dir', 'mem');
    await mkdir(vol, { recursive: true });
    const info = join(root, 'mountinfo');
    await writeFile(info, [line(1, '/'), line(2, vol), line(3, `${pod}-other`), line(4, pod)].join('\n'));
    const m = new TmpfsMounter({ mountinfoPath: info, platform: 'linux', uid: 0 });
    expect(await m.mountsUnder(pod)).toEqual([vol, pod]);
    expect(await m.isMounted(vol)).toBe(true);
    expect(await m.isMounted(join(root, 'pods'))).toBe(false);
    expect(await m.mountsUnder(join(root, 'missing'))).toEqual([]);
  });

  it('does not mount an already mounted directory again', async () => {
    const vol = join(root, 'already');
    await mkdir(vol, { recursive: true });
    const info = join(root, 'mountinfo-2');
    await writeFile(info, line(9, vol));
    // uid 0 on linux: a real mount would be attempted if the mountinfo did not list it.
    expect(await new TmpfsMounter({ mountinfoPath: info, platform: 'linux', uid: 0 }).ensureMounted(vol, 1024)).toBe(true);
  });

  it('refuses without Linux or root and warns once', async () => {
    const warn = vi.fn();
    const log = { warn } as unknown as Logger;
    const notRoot = new TmpfsMounter({ platform: 'linux', uid: 1000, log });
    expect(await notRoot.ensureMounted(join(root, 'a'), undefined)).toBe(false);
    expect(await notRoot.ensureMounted(join(root, 'b'), 1024)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toEqual({ reason: 'host tmpfs mounts need root (uid 1000)' });
    expect(await new TmpfsMounter({ platform: 'darwin', log }).ensureMounted(join(root, 'c'), undefined)).toBe(false);
  });
});
