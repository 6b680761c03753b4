// hostPath `type` checks (pkg/volume/hostpath checkType), with the kubelet's messages.
// DirectoryOrCreate makes the directory (0755, with parents); FileOrCreate makes an empty file
// (0644) but not its parent; "" / unset checks nothing.
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

export class HostPathTypeError extends Error {}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  if (type === undefined || type === '') return;
  const st = await statOrUndefined(path);
  switch (type) {
    case 'DirectoryOrCreate':
    case 'Directory':
      if (type === 'DirectoryOrCreate' && st === undefined) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (st?.isDirectory() !== true) throw new HostPathTypeError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
    case 'File':
      if (type === 'FileOrCreate' && st === undefined) {
        const fh = await open(path, 'a', 0o644);
        await fh.close();
        await chmod(path, 0o644);
        return;
      }
      if (st?.isFile() !== true) throw new HostPathTypeError(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (st?.isSocket() !== true) throw new HostPathTypeError(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (st?.isCharacterDevice() !== true) throw new HostPathTypeError(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (st?.isBlockDevice() !== true) throw new HostPathTypeError(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      throw new HostPathTypeError(`${type} is an invalid volume type`);
  }
}
