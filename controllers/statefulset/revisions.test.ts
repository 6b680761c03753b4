import type { ControllerRevision } from 'kubernetes-types/apps/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { makePod, makeSet, revisionOf, withImage } from './fixtures.ts';
import { applyRevision, findCurrentRevision, newRevision, nextRevision, planUpdateRevision, revisionData, revisionsToPrune } from './revisions.ts';

describe('revisions', () => {
  const v1 = makeSet();
  const v2 = withImage(v1, 'nginx:2');
  const v3 = withImage(v1, 'nginx:3');

  it('stores the template as a replacing strategic merge patch, labelled and owned', () => {
    const set = { ...v1, metadata: { ...v1.metadata, annotations: { note: 'x' } } };
    expect(revisionData(set)).toEqual({ spec: { template: { ...v1.spec?.template, $patch: 'replace' } } });
    const r = newRevision(set, 3, 0);
    expect(r.revision).toBe(3);
    expect(r.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(r.metadata?.labels).toMatchObject({ app: 'nginx', 'controller.kubernetes.io/hash': r.metadata?.name?.slice(4) });
    expect(r.metadata?.annotations).toEqual({ note: 'x' });
    expect(r.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true });
    expect(newRevision(set, 3, 1).metadata?.name).not.toBe(r.metadata?.name);
  });

  it('applyRevision restores the revision\'s template', () => {
    expect(applyRevision(v2, revisionOf(v1)).spec?.template).toEqual(v1.spec?.template);
  });

  it.each<[string, ControllerRevision[], string, number?]>([
    ['no history: create revision 1', [], 'create', 1],
    ['unchanged template: the newest', [revisionOf(v1, 1), revisionOf(v2, 2)], 'existing'],
    ['rollback to an older template: renumber it', [revisionOf(v2, 1), revisionOf(v1, 2)], 'renumber', 3],
    ['a new template: create the next number', [revisionOf(v3, 1), revisionOf(v1, 4)], 'create', 5],
  ])('%s', (_n, history, kind, number) => {
    const step = planUpdateRevision(v2, history, 0);
    expect(step.kind).toBe(kind);
    if (step.kind === 'renumber') expect(step.to).toBe(number);
    if (step.kind === 'create') expect(step.revision.revision).toBe(number);
    expect(nextRevision(history)).toBe((history[history.length - 1]?.revision ?? 0) + 1);
  });

  it('the current revision is the one status names, else the update revision', () => {
    const r1 = revisionOf(v1, 1);
    const r2 = revisionOf(v2, 2);
    expect(findCurrentRevision({ ...v2, status: { replicas: 0, currentRevision: r1.metadata?.name ?? '' } }, [r1, r2], r2)).toBe(r1);
    expect(findCurrentRevision(v2, [r1, r2], r2)).toBe(r2);
  });

  it('prunes the oldest unused revisions beyond revisionHistoryLimit', () => {
    const history = [1, 2, 3, 4, 5].map((n) => revisionOf(withImage(v1, `nginx:${String(n)}`), n));
    const [h1, h2, , h4, h5] = history;
    const set = { ...v1, spec: { ...v1.spec, revisionHistoryLimit: 1 } } as typeof v1;
    const worn = makePod(v1, 0, h2 ?? history[0] as ControllerRevision);
    const pruned = revisionsToPrune(set, [worn], history, h4, h5).map((r) => r.revision);
    // live: 2 (a pod), 4 (current), 5 (update); history 1, 3 → keep the newest one
    expect(pruned).toEqual([h1?.revision]);
    expect(revisionsToPrune({ ...set, spec: { ...set.spec, revisionHistoryLimit: -1 } } as typeof v1, [], history, h4, h5)).toEqual([]);
    expect(revisionsToPrune({ ...set, spec: { ...set.spec, revisionHistoryLimit: 0 } } as typeof v1, [], history, h5, h5).map((r) => r.revision))
      .toEqual([1, 2, 3, 4]);
  });
});
