import type { Node, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { NODES, PODS } from '../../kube/client/client.ts';
import { FakeClock } from '../../lib/clock.ts';
import { toStaticPod } from '../sources/manifest-dir.ts';
import { MirrorPods } from './mirror-pods.ts';
import { FakeApiClient } from './testing/fake-api-client.ts';

function staticPod(image = 'busybox', uid = `uid-${image}`): Pod {
  return toStaticPod(
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'etcd', namespace: 'kube-system', labels: { tier: 'control' } }, spec: { containers: [{ name: 'c', image }] } },
    { nodeName: 'node1', file: '/etc/manifests/etcd.yaml', uid, seen: Date.UTC(2026, 0, 1) },
  );
}

function setup() {
  const client = new FakeApiClient();
  const clock = new FakeClock();
  const node = client.seed<Node>(NODES, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
  const created: string[] = [];
  const mirrors = new MirrorPods({ client, nodeName: 'node1', clock, onMirrorCreated: (s, m) => { created.push(`${s.metadata?.uid ?? ''}->${m.metadata?.uid ?? ''}`); } });
  const mirror = (): Pod | undefined => client.peek<Pod>(PODS, 'kube-system', 'etcd-node1');
  return { client, clock, node, mirrors, mirror, created };
}

describe('MirrorPods', () => {
  it('creates a mirror pod for a static pod: same name, config annotations, owned by the Node', async () => {
    const { mirrors, mirror, node, created } = setup();
    const s = staticPod();
    mirrors.add(s);
    mirrors.start();
    await mirrors.idle();
    const m = mirror();
    expect(m?.metadata).toMatchObject({
      name: 'etcd-node1', namespace: 'kube-system', labels: { tier: 'control' },
      annotations: { 'kubernetes.io/config.mirror': 'uid-busybox', 'kubernetes.io/config.hash': 'uid-busybox', 'kubernetes.io/config.source': 'file' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node1', uid: node.metadata?.uid, controller: true }],
    });
    expect(m?.metadata?.uid).not.toBe('uid-busybox');
    expect(m?.spec).toMatchObject({ nodeName: 'node1', containers: [{ name: 'c', image: 'busybox' }] });
    expect(mirrors.mirrorOf(s)?.metadata?.uid).toBe(m?.metadata?.uid);
    expect(created).toEqual([`uid-busybox->${m?.metadata?.uid ?? ''}`]);
    await mirrors.stop();
  });

  it('deletes the mirror when the static pod goes, and replaces it when the manifest changes', async () => {
    const { client, mirrors, mirror } = setup();
    const v1 = staticPod('busybox');
    mirrors.add(v1);
    mirrors.start();
    await mirrors.idle();
    const first = mirror();
    // manifest edited: the file source removes the old uid and adds the new one
    const v2 = staticPod('nginx');
    mirrors.remove(v1.metadata?.uid ?? '');
    mirrors.add(v2);
    await mirrors.idle();
    expect(mirror()?.metadata?.annotations?.['kubernetes.io/config.mirror']).toBe('uid-nginx');
    expect(mirror()?.metadata?.uid).not.toBe(first?.metadata?.uid);
    const del = client.callsOf('delete', 'pods')[0];
    expect(del?.options).toEqual({ gracePeriodSeconds: 0, preconditions: { uid: first?.metadata?.uid } });
    mirrors.remove(v2.metadata?.uid ?? '');
    await mirrors.idle();
    expect(mirror()).toBeUndefined();
    await mirrors.stop();
  });

  it('recreates a mirror someone deleted, or is deleting', async () => {
    const { client, mirrors, mirror } = setup();
    mirrors.add(staticPod());
    mirrors.start();
    await mirrors.idle();
    const first = mirror();
    if (first === undefined) throw new Error('no mirror');
    client.remove(PODS, 'kube-system', 'etcd-node1');
    mirrors.observe('delete', first);
    await mirrors.idle();
    const second = mirror();
    expect(second?.metadata?.uid).toBeDefined();
    expect(second?.metadata?.uid).not.toBe(first.metadata?.uid);
    // kubectl delete: graceful (deletionTimestamp set) → deleted for good and created again
    const deleting = await client.delete<Pod>(PODS, 'kube-system', 'etcd-node1', { gracePeriodSeconds: 30 }) as Pod;
    mirrors.observe('upsert', deleting);
    await mirrors.idle();
    const third = mirror();
    expect(third?.metadata?.deletionTimestamp).toBeUndefined();
    expect(third?.metadata?.uid).not.toBe(second?.metadata?.uid);
    await mirrors.stop();
  });

  it('removes orphaned mirrors on resync, leaves pods that are not mirrors alone, and retries failures', async () => {
    const { client, clock, mirrors, mirror } = setup();
    const orphan = client.seed<Pod>(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'old-node1', namespace: 'default', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { nodeName: 'node1', containers: [] } });
    mirrors.observe('upsert', orphan);
    const squatter = client.seed<Pod>(PODS, 'kube-system', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'etcd-node1', namespace: 'kube-system' }, spec: { nodeName: 'node1', containers: [] } });
    mirrors.add(staticPod());
    mirrors.start();
    await mirrors.idle();
    expect(client.peek(PODS, 'default', 'old-node1')).toBeUndefined();
    expect(mirror()?.metadata?.uid).toBe(squatter.metadata?.uid);
    client.remove(PODS, 'kube-system', 'etcd-node1');
    client.setDown(true);
    await clock.step(60_000); // resync fails
    expect(mirror()).toBeUndefined();
    client.setDown(false);
    await clock.step(1000); // retry
    await mirrors.idle();
    expect(mirror()?.metadata?.annotations?.['kubernetes.io/config.mirror']).toBe('uid-busybox');
    await mirrors.stop();
  });
});
