import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState, StateStore } from './state-store.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nodelet-state-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('StateStore', () => {
  it('saves and loads; an unreadable or missing file loads as empty', async () => {
    const store = new StateStore(join(dir, 'root'));
    expect(await store.load()).toEqual(emptyState());
    const state = { ...emptyState(), readiness: { u1: { web: { containerId: 'c1', ready: true } } } };
    await store.save(state);
    expect(await store.load()).toEqual(state);
  });

  it('does not write a state equal to the one it wrote last', async () => {
    const store = new StateStore(dir);
    const state = { ...emptyState(), readiness: { u1: { web: { containerId: 'c1', ready: true } } } };
    await store.save(state);
    const first = await stat(store.path);
    await store.save(structuredClone(state));
    expect((await stat(store.path)).ino).toBe(first.ino); // no temp file renamed over it
    const changed = { ...state, readiness: { u1: { web: { containerId: 'c1', ready: false } } } };
    await store.save(changed);
    expect((await stat(store.path)).ino).not.toBe(first.ino);
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual(changed);
    await store.save(state);
    expect(await store.load()).toEqual(state);
  });
});
