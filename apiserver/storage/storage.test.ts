import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStorage } from './memory-storage.ts';
import { createSqliteStorage } from './sqlite-storage.ts';
import { isStorageError, type Storage, type StorageEvent } from './types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'nodelet-storage-'));
  dirs.push(d);
  return join(d, 'state.db');
}

const backends: [string, (history?: number) => Storage][] = [
  ['memory', (h) => createMemoryStorage(h === undefined ? {} : { historySize: h })],
  ['sqlite', (h) => createSqliteStorage(tempFile(), h === undefined ? {} : { historySize: h })],
];

describe.each(backends)('%s storage', (_name, make) => {
  it('stamps every write with a new global revision as resourceVersion', async () => {
    const s = make();
    const a = await s.create('/a', { metadata: { name: 'a' } });
    const b = await s.create('/b', { metadata: { name: 'b' } });
    expect(a.revision).toBe(1);
    expect(b.revision).toBe(2);
    expect(b.object.metadata?.resourceVersion).toBe('2');
    expect((await s.get('/a'))?.object.metadata?.resourceVersion).toBe('1');
    expect(await s.revision()).toBe(2);
    await s.close();
  });

  it('refuses to create a taken key and compare-and-swaps updates', async () => {
    const s = make();
    const a = await s.create('/a', { metadata: { name: 'a' }, data: { x: '1' } });
    await expect(s.create('/a', {})).rejects.toSatisfy((e) => isStorageError(e, 'KeyExists'));
    const a2 = await s.update('/a', { metadata: { name: 'a' }, data: { x: '2' } }, a.revision);
    await expect(s.update('/a', { data: { x: '3' } }, a.revision)).rejects.toSatisfy((e) => isStorageError(e, 'Conflict'));
    await expect(s.update('/zz', {}, 1)).rejects.toSatisfy((e) => isStorageError(e, 'NotFound'));
    expect((await s.get('/a'))?.object['data']).toEqual({ x: '2' });
    await expect(s.delete('/a', a.revision)).rejects.toSatisfy((e) => isStorageError(e, 'Conflict'));
    const del = await s.delete('/a', a2.revision);
    expect(del.revision).toBe(3);
    expect(await s.get('/a')).toBeUndefined();
    await s.close();
  });

  it('lists by prefix with the current revision', async () => {
    const s = make();
    await s.create('/pods/ns1/a', { metadata: { name: 'a' } });
    await s.create('/pods/ns2/b', { metadata: { name: 'b' } });
    await s.create('/pods/ns1/c', { metadata: { name: 'c' } });
    const l = await s.list('/pods/ns1/');
    expect(l.items.map((i) => i.object.metadata?.name)).toEqual(['a', 'c']);
    expect(l.revision).toBe(3);
    await s.close();
  });

  it('replays events after a revision, then streams live ones', async () => {
    const s = make();
    await s.create('/p/a', { metadata: { name: 'a' } });
    const b = await s.create('/p/b', { metadata: { name: 'b' } });
    const seen: StorageEvent[] = [];
    const w = s.watch('/p/', 1, (e) => seen.push(e));
    await s.update('/p/b', { metadata: { name: 'b' }, spec: 1 }, b.revision);
    await s.create('/q/x', {});
    await s.delete('/p/a');
    w.stop();
    await s.create('/p/c', {});
    expect(seen.map((e) => [e.type, e.key, e.revision])).toEqual([
      ['ADDED', '/p/b', 2], ['MODIFIED', '/p/b', 3], ['DELETED', '/p/a', 5],
    ]);
    expect(seen[1]?.prevObject?.metadata?.resourceVersion).toBe('2');
    expect(seen[2]?.object.metadata?.resourceVersion).toBe('5');
    await s.close();
  });

  it('fails a watch from a revision older than the bounded history with Expired', async () => {
    const s = make(2);
    for (const k of ['a', 'b', 'c', 'd']) await s.create(`/${k}`, {});
    expect(() => s.watch('/', 1, () => undefined)).toThrow(/too old resource version: 1/);
    expect(() => s.watch('/', 2, () => undefined)).not.toThrow();
    await s.close();
  });
});

describe('sqlite storage durability', () => {
  it('keeps objects and the revision across reopen, and expires pre-restart watches', async () => {
    const file = tempFile();
    const s1 = createSqliteStorage(file);
    await s1.create('/a', { metadata: { name: 'a' } });
    const b = await s1.create('/b', { metadata: { name: 'b' } });
    await s1.update('/b', { metadata: { name: 'b' }, v: 2 }, b.revision);
    await s1.close();
    const s2 = createSqliteStorage(file);
    expect(await s2.revision()).toBe(3);
    expect((await s2.get('/b'))?.object).toEqual({ metadata: { name: 'b', resourceVersion: '3' }, v: 2 });
    expect(() => s2.watch('/', 2, () => undefined)).toThrow(/too old/);
    const next = await s2.create('/c', {});
    expect(next.revision).toBe(4);
    await s2.close();
  });
});
