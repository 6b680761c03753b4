import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import { deployment, replicaSet } from './fixtures.ts';
import {
  byCreation, byRevision, bySizeNewer, bySizeOlder, equalIgnoreHash, findActiveOrLatest, findNewReplicaSet, findOldReplicaSets,
} from './replica-sets.ts';

function named(name: string, replicas: number, createdSec: number, revision?: number): ReplicaSet {
  return {
    metadata: {
      name, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + createdSec * 1000).toISOString(),
      ...(revision === undefined ? {} : { annotations: { 'deployment.kubernetes.io/revision': String(revision) } }),
    },
    spec: { replicas, selector: {} },
  };
}

const names = (rss: ReplicaSet[]): string[] => rss.map((r) => r.metadata?.name ?? '');

describe('orderings', () => {
  const a = named('a', 2, 10, 3);
  const b = named('b', 5, 20, 1);
  const c = named('c', 2, 30, 2);
  const c2 = named('c2', 2, 30, 2);

  it('by creation, then name', () => {
    expect(names([c2, b, c, a].sort(byCreation))).toEqual(['a', 'b', 'c', 'c2']);
  });
  it('by size, ties older first (scale down) or newer first (scale up)', () => {
    expect(names([a, b, c].sort(bySizeOlder))).toEqual(['b', 'a', 'c']);
    expect(names([a, b, c].sort(bySizeNewer))).toEqual(['b', 'c', 'a']);
  });
  it('by revision, ties by creation', () => {
    expect(names([a, b, c2, c].sort(byRevision))).toEqual(['b', 'c', 'c2', 'a']);
  });
});

describe('new and old ReplicaSets', () => {
  const d = deployment();
  const current = replicaSet(d, { replicas: 3, created: 20 });
  const older = replicaSet(d, { image: 'busybox:0', replicas: 0, created: 10 });

  it('equalIgnoreHash ignores the hash label and empty versus absent', () => {
    const t = d.spec?.template;
    expect(equalIgnoreHash(t, current.spec?.template)).toBe(true);
    expect(equalIgnoreHash(t, older.spec?.template)).toBe(false);
    const withNulls = { ...t, metadata: { ...t?.metadata, annotations: {}, creationTimestamp: null } } as unknown as typeof t;
    expect(equalIgnoreHash(t, withNulls)).toBe(true);
  });

  it('the new ReplicaSet has the template; the rest are old, oldest first', () => {
    expect(findNewReplicaSet(d, [older, current])).toBe(current);
    expect(findOldReplicaSets(d, [current, older])).toEqual([older]);
  });

  it('of two with the template, the older is the new one', () => {
    const twin = { ...current, metadata: { ...current.metadata, name: 'twin', uid: 'twin', creationTimestamp: '2020-01-01T00:00:00Z' } };
    expect(findNewReplicaSet(d, [current, twin])).toBe(twin);
  });
});

describe('findActiveOrLatest', () => {
  const newRS = named('new', 0, 30);
  const old1 = named('old1', 0, 10);
  const old2 = named('old2', 0, 20);
  it.each([
    ['no active: the new one', newRS, [old1, old2], 'new'],
    ['no active, no new: the newest old', undefined, [old1, old2], 'old2'],
    ['one active', newRS, [old1, { ...old2, spec: { replicas: 2, selector: {} } }], 'old2'],
    ['several active: none', { ...newRS, spec: { replicas: 1, selector: {} } }, [{ ...old1, spec: { replicas: 1, selector: {} } }], undefined],
  ] as const)('%s', (_title, n, olds, want) => {
    expect(findActiveOrLatest(n, olds)?.metadata?.name).toBe(want);
  });
});
