// Writes a projected volume (configMap, secret, downwardAPI, projected) the way the kubelet's
// AtomicWriter does, so readers never see a half-updated set of files:
//   <dir>/..2026_01_01_00_00_00.XXXXXX/   the files of one version (0755, files with their modes)
//   <dir>/..data -> ..2026_01_01_00_00_00.XXXXXX   switched atomically by rename(2)
//   <dir>/<key>  -> ..data/<key>          one symlink per top-level name of the payload
// Writing an unchanged payload is a no-op; names no longer in the payload are removed.
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rename, rm, stat, symlink, writeFile, readdir } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

export const DATA_DIR_NAME = '..data';
const NEW_DATA_DIR_NAME = '..data_tmp';
const MAX_FILE_NAME_LENGTH = 255;
const MAX_PATH_LENGTH = 4096;

export interface FileProjection {
  data: Uint8Array;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

export type Payload = Map<string, FileProjection>;

export class PayloadPathError extends Error {}

/** validatePath of the kubelet's AtomicWriter, with its messages. */
export function validatePayloadPath(targetPath: string): void {
  if (targetPath === '') throw new PayloadPathError(`invalid path: must not be empty: ${JSON.stringify(targetPath)}`);
  if (posix.isAbsolute(targetPath)) throw new PayloadPathError(`invalid path: must be relative path: ${targetPath}`);
  if (targetPath.length > MAX_PATH_LENGTH) throw new PayloadPathError(`invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`);
  const items = targetPath.split('/');
  for (const item of items) {
    if (item === '..') throw new PayloadPathError(`invalid path: must not contain '..': ${targetPath}`);
    if (item.length > MAX_FILE_NAME_LENGTH) throw new PayloadPathError(`invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`);
  }
  const first = items[0] ?? '';
  if (first.startsWith('..') && first.length > 2) throw new PayloadPathError(`invalid path: must not start with '..': ${targetPath}`);
}

function cleanPayload(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [p, f] of payload) {
    validatePayloadPath(p);
    out.set(posix.normalize(p), f);
  }
  return out;
}

function tsDirPrefix(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `..${p(now.getUTCFullYear(), 4)}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function currentTsDir(targetDir: string): Promise<string | undefined> {
  try {
    return await readlink(join(targetDir, DATA_DIR_NAME));
  } catch {
    return undefined;
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

async function payloadUnchanged(payload: Payload, tsDir: string): Promise<boolean> {
  const existing = await listFiles(tsDir).catch(() => undefined);
  if (existing?.length !== payload.size) return false;
  for (const [p, f] of payload) {
    try {
      const path = join(tsDir, p);
      const [content, st] = await Promise.all([readFile(path), stat(path)]);
      if (!Buffer.from(f.data).equals(content) || (st.mode & 0o7777) !== f.mode) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function topLevel(p: string): string {
  return p.split('/')[0] ?? p;
}

/**
 * Makes targetDir hold exactly the payload. Returns false when nothing had to change.
 * Throws PayloadPathError for an invalid path before touching the disk.
 */
export async function writeAtomic(targetDir: string, input: Payload, now: Date = new Date()): Promise<boolean> {
  const payload = cleanPayload(input);
  await mkdir(targetDir, { recursive: true });
  const oldTs = await currentTsDir(targetDir);
  const newTop = new Set([...payload.keys()].map(topLevel));
  const oldTop = new Set<string>();
  if (oldTs !== undefined) {
    for (const f of await listFiles(join(targetDir, oldTs)).catch(() => [])) oldTop.add(topLevel(f));
    if (await payloadUnchanged(payload, join(targetDir, oldTs))) return false;
  }

  const tsDir = await mkdtemp(join(targetDir, tsDirPrefix(now)));
  await chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const file = join(tsDir, p);
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode });
    await chmod(file, f.mode);
  }

  const tmpLink = join(targetDir, NEW_DATA_DIR_NAME);
  await rm(tmpLink, { force: true });
  await symlink(posix.basename(tsDir), tmpLink);
  await rename(tmpLink, join(targetDir, DATA_DIR_NAME));

  for (const name of newTop) {
    const link = join(targetDir, name);
    if (!(await exists(link))) await symlink(posix.join(DATA_DIR_NAME, name), link);
  }
  for (const name of oldTop) {
    if (!newTop.has(name)) await rm(join(targetDir, name), { force: true, recursive: true });
  }
  if (oldTs !== undefined) await rm(join(targetDir, oldTs), { recursive: true, force: true });
  return true;
}
