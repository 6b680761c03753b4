// The executor against fakes: expectations gating, slow-start failures, deletion errors, the
// adoption re-check, releases, the status write and its retry, and what each informer event does.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiClientError, type KubeObject } from '../../kube/client/client.ts';
import { PODS, REPLICASETS } from '../../kube/client/resources.ts';
import { FakeClock } from '../../lib/clock.ts';
import { ReplicaSetController } from './controller.ts';
import { iso, makePod, makeRs, NOW, ownerRef } from './test-fixtures.ts';
import { fakeContext, FakeQueue, type FakeClient, type FakeInformer, type FakeRecorder } from './test-fakes.ts';

const KEY = 'default/web';
let client: FakeClient;
let recorder: FakeRecorder;
let rsInf: FakeInformer<ReplicaSet>;
let podInf: FakeInformer<Pod>;
let queue: FakeQueue;
let controller: ReplicaSetController;

beforeEach(() => {
  const f = fakeContext(new FakeClock(NOW));
  client = f.client;
  recorder = f.recorder;
  rsInf = f.informers.informer<ReplicaSet>(REPLICASETS);
  podInf = f.informers.informer<Pod>(PODS);
  controller = new ReplicaSetController(f.ctx);
  queue = new FakeQueue();
  controller.watch(queue);
});

function apiError(code: number, reason: string, message: string, causes: { reason: string }[] = []): ApiClientError {
  return new ApiClientError(code, { reason, message, code, ...(causes.length > 0 ? { details: { causes } } : {}) });
}

function lastStatus(): ReplicaSet['status'] {
  const call = client.calls.filter((c) => c.verb === 'updateStatus').at(-1);
  return (call?.body as ReplicaSet | undefined)?.status;
}

/** Feeds the pods the fake client created back through the pod informer, as the watch would. */
function observeCreated(): void {
  client.calls.filter((c) => c.verb === 'create').forEach((c, i) => {
    const pod = c.body as Pod;
    podInf.set({ ...pod, metadata: { ...pod.metadata, name: `created-${String(i)}`, uid: `created-uid-${String(i)}`, resourceVersion: '1' } });
  });
}

describe('sync: creations', () => {
  it('creates from the template with a controller reference, then waits for the informer to see them', async () => {
    const rs = makeRs({ replicas: 3 });
    rsInf.set(rs);
    expect(queue.added).toEqual([KEY]);
    await controller.sync(KEY);
    expect(client.count('create')).toBe(3);
    const pod = client.calls.find((c) => c.verb === 'create')?.body as Pod;
    expect(pod.metadata).toMatchObject({ generateName: 'web-', namespace: 'default', labels: { app: 'web' }, ownerReferences: [ownerRef(rs)] });
    expect(recorder.events.map((e) => e.reason)).toEqual(['SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulCreate']);
    expect(lastStatus()).toEqual({ replicas: 0, observedGeneration: 1 });

    // Until the three creations are observed, another sync creates nothing.
    await controller.sync(KEY);
    expect(client.count('create')).toBe(3);
    expect(controller.expectations.satisfied(KEY)).toBe(false);
    observeCreated();
    expect(controller.expectations.satisfied(KEY)).toBe(true);
    await controller.sync(KEY);
    expect(client.count('create')).toBe(3);
  });

  it('stops at the first failed batch, counts skipped creations as observed, and sets ReplicaFailure', async () => {
    rsInf.set(makeRs({ replicas: 10 }));
    const quota = apiError(403, 'Forbidden', 'pods "web-2" is forbidden: exceeded quota: q');
    client.onCreate = (obj, n) => (n === 2 ? Promise.reject(quota) : Promise.resolve({ ...obj, metadata: { name: `web-${String(n)}` } }));
    await expect(controller.sync(KEY)).rejects.toBe(quota);
    // Batch of 1 succeeded, batch of 2 had a failure: nothing more was tried.
    expect(client.count('create')).toBe(3);
    expect(recorder.events.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      'SuccessfulCreate: Created pod: web-0',
      'SuccessfulCreate: Created pod: web-1',
      'FailedCreate: Error creating: pods "web-2" is forbidden: exceeded quota: q',
    ]);
    expect(lastStatus()?.conditions).toEqual([{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: iso(NOW), reason: 'FailedCreate', message: quota.message }]);
    // Only the two pods that exist are still awaited.
    expect(controller.expectations.satisfied(KEY)).toBe(false);
    podInf.set(makePod('web-0', { owner: rsInf.get('default', 'web')! }));
    expect(controller.expectations.satisfied(KEY)).toBe(false);
    podInf.set(makePod('web-1', { owner: rsInf.get('default', 'web')! }));
    expect(controller.expectations.satisfied(KEY)).toBe(true);
  });

  it('removes ReplicaFailure once managing succeeds', async () => {
    rsInf.set(makeRs({ replicas: 1, status: { replicas: 0, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'x' }] } }));
    await controller.sync(KEY);
    expect(lastStatus()).toEqual({ replicas: 0, observedGeneration: 1 });
  });

  it('treats creations refused in a terminating namespace as done', async () => {
    rsInf.set(makeRs({ replicas: 2 }));
    client.onCreate = () => Promise.reject(apiError(403, 'Forbidden', 'unable to create new content in namespace default because it is being terminated', [{ reason: 'NamespaceTerminating' }]));
    await expect(controller.sync(KEY)).resolves.toBeUndefined();
    expect(client.count('create')).toBe(2);
    expect(lastStatus()?.conditions).toBeUndefined();
  });

  it('creates nothing for a ReplicaSet being deleted, but writes its status', async () => {
    rsInf.set(makeRs({ replicas: 2, deleting: true }));
    await controller.sync(KEY);
    expect(client.count('create')).toBe(0);
    expect(client.count('updateStatus')).toBe(1);
  });

  it('ignores a ReplicaSet with an invalid selector', async () => {
    rsInf.set(makeRs({ selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] } }));
    await controller.sync(KEY);
    expect(client.calls).toEqual([]);
  });

  it('forgets expectations of a ReplicaSet that is gone', async () => {
    controller.expectations.expectCreations(KEY, 3);
    await controller.sync(KEY);
    expect(controller.expectations.satisfied(KEY)).toBe(true);
  });
});

describe('sync: deletions', () => {
  it('deletes the surplus; a pod already gone is observed, other failures set FailedDelete', async () => {
    const rs = makeRs({ replicas: 1 });
    rsInf.set(rs);
    for (const n of ['p0', 'p1', 'p2']) podInf.set(makePod(n, { owner: rs, node: 'n1', ready: true }));
    client.onDelete = (name) => (name === 'p0' ? Promise.reject(apiError(404, 'NotFound', 'pods "p0" not found')) : name === 'p1' ? Promise.reject(apiError(500, 'InternalError', 'boom')) : Promise.resolve({}));
    await expect(controller.sync(KEY)).rejects.toThrow('unable to delete pods: boom');
    expect(client.calls.filter((c) => c.verb === 'delete').map((c) => c.name).sort()).toEqual(['p0', 'p1']);
    expect(recorder.events).toEqual([{ name: 'web', type: 'Warning', reason: 'FailedDelete', message: 'Error deleting: boom' }]);
    expect(lastStatus()?.conditions?.[0]).toMatchObject({ reason: 'FailedDelete', message: 'unable to delete pods: boom' });
    // Neither deletion will be observed: nothing is awaited.
    expect(controller.expectations.satisfied(KEY)).toBe(true);
  });

  it('awaits the deletions it asked for by uid', async () => {
    const rs = makeRs({ replicas: 1 });
    rsInf.set(rs);
    const pods = ['a', 'b'].map((n) => makePod(n, { owner: rs, node: 'n1', ready: true, created: NOW - (n === 'a' ? 86_400_000 : 1000) }));
    for (const p of pods) podInf.set(p);
    await controller.sync(KEY);
    expect(client.calls.filter((c) => c.verb === 'delete').map((c) => c.name)).toEqual(['b']);
    expect(recorder.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(['SuccessfulDelete: Deleted pod: b']);
    // Another pod's deletion does not count.
    podInf.set(makePod('other', { owner: rs }));
    podInf.remove(makePod('other', { owner: rs }));
    expect(controller.expectations.satisfied(KEY)).toBe(false);
    podInf.remove(pods[1]!);
    expect(controller.expectations.satisfied(KEY)).toBe(true);
  });
});

describe('sync: adoption and release', () => {
  it('re-reads the ReplicaSet once before adopting and refuses when it was replaced', async () => {
    rsInf.set(makeRs({ replicas: 2 }));
    podInf.set(makePod('o1'));
    podInf.set(makePod('o2'));
    client.onGet = () => Promise.resolve(makeRs({ uid: 'new-uid' }));
    await expect(controller.sync(KEY)).rejects.toThrow(
      "[can't adopt Pod default/o1 (uid-o1): can't recheck DeletionTimestamp: original ReplicaSet default/web is gone: got uid new-uid, wanted rs-uid, can't adopt Pod default/o2 (uid-o2): can't recheck DeletionTimestamp: original ReplicaSet default/web is gone: got uid new-uid, wanted rs-uid]",
    );
    expect(client.count('get')).toBe(1);
    expect(client.count('patch')).toBe(0);
    expect(client.count('create')).toBe(0);
    expect(client.count('updateStatus')).toBe(0);
  });

  it('refuses to adopt for a ReplicaSet that has just been deleted', async () => {
    rsInf.set(makeRs({ replicas: 1 }));
    podInf.set(makePod('o1'));
    client.onGet = () => Promise.resolve(makeRs({ deleting: true }));
    await expect(controller.sync(KEY)).rejects.toThrow(`can't adopt Pod default/o1 (uid-o1): default/web has just been deleted at ${new Date(NOW - 1000).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`);
  });

  it('adopts matching orphans with a controller reference patch and counts them', async () => {
    const rs = makeRs({ replicas: 2 });
    rsInf.set(rs);
    podInf.set(makePod('o1'));
    podInf.set(makePod('gone'));
    client.onGet = () => Promise.resolve(rs);
    client.onPatch = (name) => (name === 'gone' ? Promise.reject(apiError(404, 'NotFound', 'pods "gone" not found')) : Promise.resolve({ metadata: { name } }));
    await controller.sync(KEY);
    const patch = client.calls.find((c) => c.verb === 'patch' && c.name === 'o1')?.body;
    expect(patch).toEqual({ metadata: { ownerReferences: [ownerRef(rs)], uid: 'uid-o1' } });
    // The pod that vanished is not counted: one more is created.
    expect(client.count('create')).toBe(1);
    expect(lastStatus()?.replicas).toBe(1);
  });

  it('releases owned pods that no longer match; a vanished or recreated pod is no error', async () => {
    const rs = makeRs({ replicas: 0 });
    rsInf.set(rs);
    podInf.set(makePod('moved', { owner: rs, labels: { app: 'debug' } }));
    podInf.set(makePod('gone', { owner: rs, labels: { app: 'debug' } }));
    client.onPatch = (name) => (name === 'gone' ? Promise.reject(apiError(422, 'Invalid', 'uid mismatch')) : Promise.resolve({ metadata: { name } }));
    await controller.sync(KEY);
    expect(client.calls.find((c) => c.verb === 'patch' && c.name === 'moved')?.body).toEqual({ metadata: { ownerReferences: [], uid: 'uid-moved' } });
    expect(client.count('delete')).toBe(0);
  });

  it('fails the sync (before managing replicas) when a release fails', async () => {
    const rs = makeRs({ replicas: 1 });
    rsInf.set(rs);
    podInf.set(makePod('moved', { owner: rs, labels: { app: 'debug' } }));
    client.onPatch = () => Promise.reject(apiError(409, 'Conflict', 'conflict'));
    await expect(controller.sync(KEY)).rejects.toThrow('conflict');
    expect(client.count('create')).toBe(0);
  });
});

describe('sync: status', () => {
  it('retries a failed status write once after a fresh read', async () => {
    const rs = makeRs({ replicas: 0 });
    rsInf.set(rs);
    client.onUpdateStatus = (obj, n) => (n === 0 ? Promise.reject(apiError(409, 'Conflict', 'stale')) : Promise.resolve(obj));
    client.onGet = () => Promise.resolve({ ...rs, metadata: { ...rs.metadata, resourceVersion: '9' } } as KubeObject);
    await controller.sync(KEY);
    expect(client.count('updateStatus')).toBe(2);
    const second = client.calls.filter((c) => c.verb === 'updateStatus')[1]?.body as ReplicaSet;
    expect(second.metadata?.resourceVersion).toBe('9');
    expect(second.status).toEqual({ replicas: 0, observedGeneration: 1 });
  });

  it('gives up after the second failed write', async () => {
    rsInf.set(makeRs({ replicas: 0 }));
    client.onUpdateStatus = () => Promise.reject(apiError(409, 'Conflict', 'stale'));
    client.onGet = () => Promise.resolve(makeRs({ replicas: 0 }));
    await expect(controller.sync(KEY)).rejects.toThrow('stale');
    expect(client.count('updateStatus')).toBe(2);
  });

  it('asks to be synced again after minReadySeconds while ready pods are not yet available', async () => {
    const rs = makeRs({ replicas: 1, minReadySeconds: 20 });
    rsInf.set(rs);
    podInf.set(makePod('a', { owner: rs, ready: NOW - 5000 }));
    await expect(controller.sync(KEY)).resolves.toEqual({ requeueAfterMs: 20_000 });
    expect(lastStatus()).toEqual({ replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, observedGeneration: 1 });
  });
});

describe('informer events', () => {
  const rs = makeRs({ minReadySeconds: 10 });
  const other = makeRs({ name: 'other', uid: 'other-uid', selector: { matchLabels: { app: 'other' } } });

  beforeEach(() => {
    rsInf.set(rs);
    rsInf.set(other);
    queue.added.length = 0;
  });

  it('a pod created for a ReplicaSet is a creation it observed', () => {
    controller.expectations.expectCreations(KEY, 1);
    podInf.set(makePod('a', { owner: rs }));
    expect(controller.expectations.satisfied(KEY)).toBe(true);
    expect(queue.added).toEqual([KEY]);
  });

  it('a pod first seen terminating is a deletion, not a creation', () => {
    controller.expectations.expectDeletions(KEY, ['uid-a']);
    podInf.set(makePod('a', { owner: rs, deleting: true }));
    expect(controller.expectations.satisfied(KEY)).toBe(true);
  });

  it('an orphan wakes the ReplicaSets whose selector matches it', () => {
    podInf.set(makePod('a'));
    podInf.set(makePod('b', { labels: { app: 'nothing' } }));
    podInf.set(makePod('c', { labels: {} }));
    expect(queue.added).toEqual([KEY]);
  });

  it('a pod whose owner reference does not resolve wakes nobody', () => {
    const stale = makePod('a');
    stale.metadata!.ownerReferences = [{ ...ownerRef(rs), uid: 'older-uid' }];
    podInf.set(stale);
    const job = makePod('b');
    job.metadata!.ownerReferences = [{ ...ownerRef(rs), kind: 'Job' }];
    podInf.set(job);
    expect(queue.added).toEqual([]);
  });

  it('updates: same version ignored; a changed controller wakes old and new; relabelled orphans wake matches', () => {
    const pod = makePod('a', { owner: rs });
    podInf.set(pod);
    queue.added.length = 0;
    podInf.set(pod);
    expect(queue.added).toEqual([]);
    const moved = makePod('a', { owner: other, labels: { app: 'other' }, rv: '2' });
    podInf.set(moved);
    expect(queue.added).toEqual([KEY, 'default/other']);
    queue.added.length = 0;
    const orphan = makePod('a', { labels: { app: 'web' }, rv: '3' });
    podInf.set(orphan);
    expect(queue.added).toEqual(['default/other', KEY]);
  });

  it('a pod becoming ready wakes its ReplicaSet again after minReadySeconds + 1 s', () => {
    const pod = makePod('a', { owner: rs, ready: false });
    podInf.set(pod);
    const ready = makePod('a', { owner: rs, ready: true, rv: '2' });
    podInf.set(ready);
    expect(queue.later).toEqual([{ key: KEY, ms: 11_000 }]);
  });

  it('a pod that starts terminating is a deletion observed by uid', () => {
    controller.expectations.expectDeletions(KEY, ['uid-a']);
    const pod = makePod('a', { owner: rs });
    podInf.set(pod);
    const deleting = makePod('a', { owner: rs, deleting: true, rv: '2' });
    podInf.set(deleting);
    expect(controller.expectations.satisfied(KEY)).toBe(true);
  });

  it('a deleted ReplicaSet drops its expectations; one made again under the same name does too', () => {
    controller.expectations.expectCreations(KEY, 2);
    rsInf.remove(rs);
    expect(controller.expectations.satisfied(KEY)).toBe(true);
    rsInf.set(rs);
    controller.expectations.expectCreations(KEY, 2);
    rsInf.set(makeRs({ uid: 'reborn' }));
    expect(controller.expectations.satisfied(KEY)).toBe(true);
  });
});
