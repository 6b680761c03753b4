import { describe, expect, it } from 'vitest';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.d.ts';
import { newRevision, planCleanupHistory, planHistory, revisionData, templateHash } from './revisions.ts';
import { daemonPodForNode, daemonPodTemplate } from './pod-template.ts';
import { targetNodeName } from './node-affinity.ts';
import { daemonSet, pod } from './test-fixtures.ts';

function rev(name: string, revision: number, data: unknown, hash: string | null = name): ControllerRevision {
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: { name, namespace: 'default', ...(hash === null ? {} : { labels: { 'controller-revision-hash': hash } }) },
    data: data as NonNullable<ControllerRevision['data']>, revision,
  };
}

describe('revision data and naming', () => {
  it('stores the template as a replace patch, named <ds>-<hash>, labelled, annotated and owned', () => {
    const ds = daemonSet('web', { annotations: { note: 'x' } });
    const r = newRevision(ds, 3);
    const hash = templateHash(ds);
    expect(r.metadata?.name).toBe(`web-${hash}`);
    expect(r.metadata?.labels).toEqual({ app: 'web', 'controller-revision-hash': hash });
    expect(r.metadata?.annotations).toEqual({ note: 'x' });
    expect(r.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    expect(r.revision).toBe(3);
    expect(r.data).toEqual({ spec: { template: { ...ds.spec?.template, $patch: 'replace' } } });
  });

  it('a collision count changes the hash', () => {
    const ds = daemonSet('web');
    const base = daemonSet('web');
    const bumped = { ...base, status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, collisionCount: 1 } };
    expect(templateHash(bumped)).not.toBe(templateHash(ds));
  });
});

describe('planHistory', () => {
  const v1 = daemonSet('web', { image: 'busybox:1' });
  const v2 = daemonSet('web', { image: 'busybox:2' });

  it('creates revision 1 for a new DaemonSet', () => {
    const h = planHistory({ ds: v1, revisions: [], pods: [] });
    expect(h.current.kind).toBe('create');
    expect(h.current.revision.revision).toBe(1);
    expect(h.hash).toBe(templateHash(v1));
  });

  it('finds the current revision by its data and keeps the others as old', () => {
    const r1 = rev('web-a', 1, revisionData(v1), 'a');
    const h = planHistory({ ds: v2, revisions: [r1], pods: [] });
    expect(h.current).toMatchObject({ kind: 'create', revision: { revision: 2 } });
    expect(h.old).toEqual([r1]);
    const same = planHistory({ ds: v1, revisions: [r1], pods: [] });
    expect(same.current).toMatchObject({ kind: 'existing', duplicates: [], relabelPods: [] });
    expect(same.hash).toBe('a');
    expect('renumberTo' in same.current).toBe(false);
  });

  it('a rollback renumbers the old revision past the newest', () => {
    const r1 = rev('web-a', 1, revisionData(v1), 'a');
    const r2 = rev('web-b', 2, revisionData(v2), 'b');
    const h = planHistory({ ds: v1, revisions: [r2, r1], pods: [] });
    expect(h.current).toMatchObject({ kind: 'existing', renumberTo: 3 });
    expect(h.current.revision.metadata?.name).toBe('web-a');
  });

  it('merges duplicates: keeps the highest number, relabels pods, deletes the rest', () => {
    const a = rev('web-a', 4, revisionData(v1), 'a');
    const b = rev('web-b', 2, revisionData(v1), 'b');
    const pods = [pod('p1', 'n1', { hash: 'a' }), pod('p2', 'n2', { hash: 'b' })];
    const h = planHistory({ ds: v1, revisions: [b, a], pods });
    if (h.current.kind !== 'existing') throw new Error('expected existing');
    expect(h.current.revision.metadata?.name).toBe('web-a');
    expect(h.current.duplicates.map((r) => r.metadata?.name)).toEqual(['web-b']);
    expect(h.current.relabelPods.map((p) => p.metadata?.name)).toEqual(['p2']);
    expect(h.hash).toBe('a');
  });

  it('labels a revision missing the hash label with its own name', () => {
    const legacy = rev('web-legacy', 1, revisionData(v1), null);
    const h = planHistory({ ds: v1, revisions: [legacy], pods: [] });
    expect(h.labelWithName).toEqual([legacy]);
    expect(h.hash).toBe('web-legacy');
  });
});

describe('planCleanupHistory', () => {
  const ds = daemonSet('web', { revisionHistoryLimit: 2 });
  const old = [5, 1, 4, 2, 3].map((n) => rev(`web-r${n}`, n, {}, `h${n}`));

  it('deletes the oldest beyond the limit, sparing revisions pods still use', () => {
    const pods = [pod('p', 'n1', { hash: 'h1' }), pod('done', 'n2', { hash: 'h2', phase: 'Failed', deleting: true })];
    expect(planCleanupHistory(ds, old, pods).map((r) => r.metadata?.name)).toEqual(['web-r3', 'web-r4', 'web-r5'].slice(0, 3));
  });

  it('keeps everything within the limit (default 10)', () => {
    expect(planCleanupHistory(daemonSet('web'), old, [])).toEqual([]);
  });
});

describe('daemon pods', () => {
  it('carry the hash and generation labels, the daemon tolerations and a node-name affinity', () => {
    const ds = daemonSet('web', {
      annotations: { 'deprecated.daemonset.template.generation': '4' },
      affinity: { nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
      } },
    });
    const p = daemonPodForNode(ds, daemonPodTemplate(ds, 'abc'), 'n7');
    expect(p.metadata?.generateName).toBe('web-');
    expect(p.metadata?.labels).toEqual({ app: 'web', 'pod-template-generation': '4', 'controller-revision-hash': 'abc' });
    expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'web', controller: true });
    expect(p.spec?.nodeName).toBeUndefined();
    expect(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }],
    });
    expect(p.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(p.spec?.tolerations).toHaveLength(6);
    expect(targetNodeName(p)).toBe('n7');
    // The DaemonSet itself is untouched.
    expect(ds.spec?.template.spec?.tolerations).toBeUndefined();
  });
});
