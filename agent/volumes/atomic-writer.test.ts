import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayloadPathError, validatePayloadPath, writeAtomic, type Payload } from './atomic-writer.ts';

const f = (s: string, mode = 0o644): { data: Uint8Array; mode: number } => ({ data: Buffer.from(s), mode });

describe('writeAtomic', () => {
  let dir: string;
  beforeEach(async () => { dir = join(await mkdtemp(join(tmpdir(), 'nodelet-aw-')), 'vol'); });
  afterEach(async () => { await rm(join(dir, '..'), { recursive: true, force: true }); });

  it('lays files out behind a ..data symlink to a timestamped dir', async () => {
    const payload: Payload = new Map([['a', f('1')], ['sub/b', f('2', 0o400)]]);
    expect(await writeAtomic(dir, payload, new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe(true);
    const entries = (await readdir(dir)).sort();
    expect(entries).toHaveLength(4);
    const ts = await readlink(join(dir, '..data'));
    expect(ts).toMatch(/^\.\.2026_01_02_03_04_05\.\w+$/);
    expect(entries).toEqual(['..data', ts, 'a', 'sub'].sort());
    expect(await readlink(join(dir, 'a'))).toBe('..data/a');
    expect(await readlink(join(dir, 'sub'))).toBe('..data/sub');
    expect(await readFile(join(dir, 'sub', 'b'), 'utf8')).toBe('2');
    expect((await stat(join(dir, 'sub', 'b'))).mode & 0o7777).toBe(0o400);
    expect((await stat(join(dir, 'a'))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(dir, ts))).mode & 0o7777).toBe(0o755);
  });

  it('is a no-op for an unchanged payload and swaps versions on change', async () => {
    await writeAtomic(dir, new Map([['a', f('1')], ['b', f('2')]]));
    const first = await readlink(join(dir, '..data'));
    expect(await writeAtomic(dir, new Map([['a', f('1')], ['b', f('2')]]))).toBe(false);
    expect(await readlink(join(dir, '..data'))).toBe(first);

    expect(await writeAtomic(dir, new Map([['a', f('changed')]]))).toBe(true);
    const second = await readlink(join(dir, '..data'));
    expect(second).not.toBe(first);
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('changed');
    await expect(lstat(join(dir, 'b'))).rejects.toThrow();
    await expect(lstat(join(dir, first))).rejects.toThrow();
    // A mode change alone is a change too.
    expect(await writeAtomic(dir, new Map([['a', f('changed', 0o600)]]))).toBe(true);
  });

  it('validates paths with the kubelet messages', async () => {
    expect(() => { validatePayloadPath('/abs'); }).toThrow('invalid path: must be relative path: /abs');
    expect(() => { validatePayloadPath('a/../b'); }).toThrow("invalid path: must not contain '..': a/../b");
    expect(() => { validatePayloadPath('..data'); }).toThrow("invalid path: must not start with '..': ..data");
    expect(() => { validatePayloadPath(''); }).toThrow('invalid path: must not be empty: ""');
    expect(() => { validatePayloadPath('x'.repeat(256)); }).toThrow('invalid path: filenames must be less than or equal to 255 characters');
    await expect(writeAtomic(dir, new Map([['../escape', f('x')]]))).rejects.toBeInstanceOf(PayloadPathError);
  });
});
