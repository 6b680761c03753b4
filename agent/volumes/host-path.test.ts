import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkHostPathType } from './host-path.ts';

describe('checkHostPathType', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nodelet-hp-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('creates directories and files for the *OrCreate types', async () => {
    await checkHostPathType(join(dir, 'a', 'b'), 'DirectoryOrCreate');
    const d = await stat(join(dir, 'a', 'b'));
    expect(d.isDirectory()).toBe(true);
    await checkHostPathType(join(dir, 'f'), 'FileOrCreate');
    const s = await stat(join(dir, 'f'));
    expect(s.isFile()).toBe(true);
    expect(s.mode & 0o777).toBe(0o644);
    // Existing objects of the right type are accepted.
    await checkHostPathType(join(dir, 'a'), 'DirectoryOrCreate');
    await checkHostPathType(join(dir, 'f'), 'FileOrCreate');
    await checkHostPathType('/dev/null', 'CharDevice');
    // Unset and "" check nothing.
    await checkHostPathType(join(dir, 'missing'), undefined);
    await checkHostPathType(join(dir, 'missing'), '');
  });

  it('fails with the kubelet messages', async () => {
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'f'), 'x');
    await expect(checkHostPathType(join(dir, 'f'), 'Directory')).rejects.toThrow(`hostPath type check failed: ${join(dir, 'f')} is not a directory`);
    await expect(checkHostPathType(join(dir, 'f'), 'DirectoryOrCreate')).rejects.toThrow('is not a directory');
    await expect(checkHostPathType(join(dir, 'missing'), 'Directory')).rejects.toThrow('is not a directory');
    await expect(checkHostPathType(join(dir, 'd'), 'File')).rejects.toThrow(`hostPath type check failed: ${join(dir, 'd')} is not a file`);
    await expect(checkHostPathType(join(dir, 'd'), 'FileOrCreate')).rejects.toThrow('is not a file');
    await expect(checkHostPathType(join(dir, 'f'), 'Socket')).rejects.toThrow('is not a socket file');
    await expect(checkHostPathType(join(dir, 'f'), 'CharDevice')).rejects.toThrow('is not a character device');
    await expect(checkHostPathType(join(dir, 'f'), 'BlockDevice')).rejects.toThrow('is not a block device');
    await expect(checkHostPathType(join(dir, 'f'), 'Weird')).rejects.toThrow('Weird is an invalid volume type');
  });

  it('recognises sockets', async () => {
    const sock = join(dir, 's.sock');
    const server = createServer();
    await new Promise<void>((resolve) => { server.listen(sock, resolve); });
    try {
      await checkHostPathType(sock, 'Socket');
    } finally {
      await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
    }
  });
});
