import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { PODS } from '../../kube/client/client.ts';
import { FakeClock } from '../../lib/clock.ts';
import type { PodSourceHandler } from '../sources/pod-source.ts';
import { ApiPodSource, type MirrorEvent } from './api-pod-source.ts';
import { apiError, FakeApiClient } from './testing/fake-api-client.ts';

function pod(name: string, node = 'node1', extra: Partial<Pod['metadata']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...extra }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } };
}

function recorder(): PodSourceHandler & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    add: (p) => { log.push(`add ${p.metadata?.name ?? ''}${p.metadata?.deletionTimestamp === undefined ? '' : ' (deleting)'}`); },
    update: (p) => { log.push(`update ${p.metadata?.name ?? ''}${p.metadata?.deletionTimestamp === undefined ? '' : ' (deleting)'}`); },
    remove: (uid) => { log.push(`remove ${uid}`); },
  };
}

function setup() {
  const client = new FakeApiClient();
  const clock = new FakeClock();
  const mirrors: string[] = [];
  const source = new ApiPodSource({
    client, nodeName: 'node1', clock,
    onMirrorPod: (ev: MirrorEvent, p: Pod) => { mirrors.push(`${ev} ${p.metadata?.name ?? ''}`); },
  });
  return { client, clock, source, mirrors, handler: recorder() };
}

describe('ApiPodSource', () => {
  it('lists then watches the pods bound to this node (by uid); deletion arrives as an update; mirror pods go elsewhere', async () => {
    const { client, clock, source, mirrors, handler } = setup();
    const a = client.seed(PODS, 'default', pod('a'));
    client.seed(PODS, 'default', pod('elsewhere', 'node2'));
    client.seed(PODS, 'default', pod('static-node1', 'node1', { annotations: { 'kubernetes.io/config.mirror': 'h1' } }));
    await source.start(handler);
    expect(handler.log).toEqual(['add a']);
    expect(mirrors).toEqual(['upsert static-node1']);
    expect(client.callsOf('list', 'pods')[0]?.options).toMatchObject({ fieldSelector: 'spec.nodeName=node1' });
    const b = client.seed(PODS, 'default', pod('b'));
    client.seed(PODS, 'default', { ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
    await client.delete(PODS, 'default', 'a', { gracePeriodSeconds: 30 });
    client.remove(PODS, 'default', 'b');
    client.remove(PODS, 'default', 'static-node1');
    await clock.step(0);
    expect(handler.log).toEqual(['add a', 'add b', 'update a', 'update a (deleting)', `remove ${b.metadata?.uid ?? ''}`]);
    expect(mirrors).toEqual(['upsert static-node1', 'delete static-node1']);
    expect(source.pods().map((p) => p.metadata?.name)).toEqual(['a']);
    await source.stop();
  });

  it('a forced deletion (DELETED with deletionGracePeriodSeconds 0) hands over the final object before removing', async () => {
    const { client, clock, source, handler } = setup();
    const a = client.seed(PODS, 'default', pod('a'));
    await source.start(handler);
    client.seed(PODS, 'default', { ...a, metadata: { ...a.metadata, deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 } });
    client.remove(PODS, 'default', 'a');
    await clock.step(0);
    expect(handler.log).toEqual(['add a', 'update a (deleting)', 'update a (deleting)', `remove ${a.metadata?.uid ?? ''}`]);
    await source.stop();
  });

  it('keeps its pods while the API is unreachable, reconnects with back-off, then re-lists and reconciles', async () => {
    const { client, clock, source, handler } = setup();
    const keep = client.seed(PODS, 'default', pod('keep'));
    const gone = client.seed(PODS, 'default', pod('gone'));
    await source.start(handler);
    client.setDown(true);
    await clock.step(0);
    // the watch just ended (like a dropped connection): back off, then the re-watch fails
    await clock.step(800);
    expect(source.connected()).toBe(false);
    // meanwhile, on the server: one pod deleted, one changed, one added, one replaced (same name, new uid)
    client.remove(PODS, 'default', 'gone');
    client.seed(PODS, 'default', { ...keep, metadata: { ...keep.metadata, labels: { changed: 'yes' } } });
    client.seed(PODS, 'default', pod('new'));
    expect(handler.log).toEqual(['add keep', 'add gone']);
    expect(source.pods()).toHaveLength(2);
    await clock.step(1600);
    await clock.step(3200);
    // first list + watch; re-watch after 800 ms; re-lists after 1600 and 3200 ms more
    expect(client.callsOf('watch', 'pods')).toHaveLength(2);
    expect(client.callsOf('list', 'pods')).toHaveLength(3);
    expect(handler.log).toEqual(['add keep', 'add gone']);
    client.setDown(false);
    await clock.step(6400);
    expect(source.connected()).toBe(true);
    expect(handler.log).toEqual(['add keep', 'add gone', 'update keep', 'add new', `remove ${gone.metadata?.uid ?? ''}`]);
    expect(source.pods().map((p) => p.metadata?.name).sort()).toEqual(['keep', 'new']);
    // and it watches again
    client.seed(PODS, 'default', pod('later'));
    await clock.step(0);
    expect(handler.log.at(-1)).toBe('add later');
    await source.stop();
  });

  it('re-lists after 410 Gone', async () => {
    const { client, clock, source, handler } = setup();
    await source.start(handler);
    client.failNext('watch', apiError(410, 'Expired', 'too old resource version'), 'pods');
    client.setDown(true);
    client.setDown(false); // ends the current watch; the next one gets 410
    client.seed(PODS, 'default', pod('x'));
    await clock.step(0);
    expect(client.callsOf('list', 'pods')).toHaveLength(2);
    expect(handler.log).toEqual(['add x']);
    await source.stop();
  });

  it('confirms a graceful deletion with grace 0 and the uid precondition, retrying while the API is down', async () => {
    const { client, clock, source, handler } = setup();
    const p = client.seed(PODS, 'default', pod('web'));
    await source.start(handler);
    await client.delete(PODS, 'default', 'web', { gracePeriodSeconds: 30 });
    client.setDown(true);
    const done = source.confirmDeleted(p);
    await clock.step(0);
    expect(client.peek(PODS, 'default', 'web')).toBeDefined();
    client.setDown(false);
    await clock.step(800);
    await done;
    expect(client.peek(PODS, 'default', 'web')).toBeUndefined();
    const deletes = client.callsOf('delete', 'pods');
    expect(deletes.at(-1)?.options).toEqual({ gracePeriodSeconds: 0, preconditions: { uid: p.metadata?.uid } });
    expect(handler.log.at(-1)).toBe(`remove ${p.metadata?.uid ?? ''}`);
    // a pod replaced under the same name is not deleted (precondition), and that counts as done
    const again = client.seed(PODS, 'default', pod('web'));
    await source.confirmDeleted(p);
    expect(client.peek(PODS, 'default', 'web')?.metadata?.uid).toBe(again.metadata?.uid);
    await source.stop();
  });
});
