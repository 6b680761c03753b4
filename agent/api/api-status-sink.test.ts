import type { Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { PODS } from '../../kube/client/client.ts';
import { FakeClock } from '../../lib/clock.ts';
import { ApiStatusSink } from './api-status-sink.ts';
import { apiError, FakeApiClient } from './testing/fake-api-client.ts';

const T = '2026-01-01T12:00:00Z';

function podSpec(name: string, extra: Partial<Pod> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'busybox' }] }, ...extra };
}

function running(ready: boolean): PodStatus {
  const s = ready ? 'True' : 'False';
  return {
    phase: 'Running', hostIP: '10.0.0.5', hostIPs: [{ ip: '10.0.0.5' }], podIP: '172.17.0.2', podIPs: [{ ip: '172.17.0.2' }], startTime: T, qosClass: 'BestEffort',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: T, lastProbeTime: null as unknown as string },
      { type: 'Initialized', status: 'True', lastTransitionTime: T },
      { type: 'Ready', status: s, lastTransitionTime: T },
      { type: 'ContainersReady', status: s, lastTransitionTime: T },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: T },
    ],
    containerStatuses: [{ name: 'c', image: 'busybox', imageID: 'sha256:1', ready, restartCount: 0, started: true, state: { running: { startedAt: T } }, containerID: 'docker://abc' }],
  };
}

function setup() {
  const client = new FakeApiClient();
  const clock = new FakeClock(Date.parse(T));
  const confirmed: string[] = [];
  let mirror: Pod | undefined;
  const sink = new ApiStatusSink({
    client, clock,
    mirrorPodOf: () => mirror,
    confirmDeleted: (p) => { confirmed.push(p.metadata?.name ?? ''); return Promise.resolve(); },
  });
  const create = (name: string, status?: PodStatus): Pod => client.seed(PODS, 'default', { ...podSpec(name), ...(status === undefined ? {} : { status }) });
  return { client, clock, sink, create, confirmed, setMirror: (m: Pod | undefined) => { mirror = m; } };
}

describe('ApiStatusSink', () => {
  it('patches pods/<name>/status with a strategic merge patch carrying the uid, and skips unchanged status', async () => {
    const { client, sink, create } = setup();
    const pod = create('web', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: T }], qosClass: 'BestEffort' });
    expect(await sink.write(pod, running(false))).toBe('patched');
    const [call] = client.callsOf('patch', 'pods');
    expect(call).toMatchObject({ subresource: 'status', patchType: 'strategic', name: 'web', namespace: 'default' });
    const body = call?.body as { metadata: { uid: string }; status: Record<string, unknown> };
    expect(body.metadata).toEqual({ uid: pod.metadata?.uid });
    expect(body.status['$setElementOrder/conditions']).toEqual([
      { type: 'PodReadyToStartContainers' }, { type: 'Initialized' }, { type: 'Ready' }, { type: 'ContainersReady' }, { type: 'PodScheduled' },
    ]);
    expect(body.status['phase']).toBe('Running');
    expect(body.status).not.toHaveProperty('qosClass'); // unchanged fields are not sent
    expect(client.peek<Pod>(PODS, 'default', 'web')?.status).toMatchObject({ phase: 'Running', podIP: '172.17.0.2', containerStatuses: [{ name: 'c', ready: false }] });
    expect(await sink.write(pod, running(false))).toBe('unchanged');
    expect(client.callsOf('patch', 'pods')).toHaveLength(1);
    expect(await sink.write(pod, running(true))).toBe('patched');
    const second = client.callsOf('patch', 'pods')[1]?.body as { status: { conditions: unknown[]; containerStatuses: unknown[] } };
    expect(second.status.conditions).toEqual([{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }]);
    expect(second.status.containerStatuses).toHaveLength(1); // atomic list: sent whole
  });

  it('keeps conditions the kubelet does not own, nominatedNodeName and startTime', async () => {
    const { client, sink, create } = setup();
    const pod = create('gated', {
      nominatedNodeName: 'node1', startTime: '2025-12-31T00:00:00Z',
      conditions: [{ type: 'example.com/gate', status: 'True', lastTransitionTime: T }, { type: 'Ready', status: 'False', lastTransitionTime: T }],
    });
    await sink.write(pod, { ...running(true), conditions: [...(running(true).conditions ?? []), { type: 'example.com/gate', status: 'False' }] });
    const st = client.peek<Pod>(PODS, 'default', 'gated')?.status;
    expect(st?.conditions?.find((c) => c.type === 'example.com/gate')?.status).toBe('True');
    expect(st?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(st?.nominatedNodeName).toBe('node1');
    expect(st?.startTime).toBe('2025-12-31T00:00:00Z');
  });

  it('re-reads and retries on a conflict', async () => {
    const { client, sink, create } = setup();
    const pod = create('web');
    client.failNext('patch', apiError(409, 'Conflict', 'the object has been modified'), 'pods');
    expect(await sink.write(pod, running(true))).toBe('patched');
    expect(client.callsOf('get', 'pods')).toHaveLength(2);
    expect(client.callsOf('patch', 'pods')).toHaveLength(2);
    expect(client.peek<Pod>(PODS, 'default', 'web')?.status?.phase).toBe('Running');
  });

  it('skips pods that are gone or were replaced by a pod with another uid', async () => {
    const { client, sink, create } = setup();
    expect(await sink.write({ ...podSpec('ghost'), metadata: { name: 'ghost', namespace: 'default', uid: 'u-ghost' } }, running(true))).toBe('gone');
    const old = create('web');
    client.remove(PODS, 'default', 'web');
    create('web');
    expect(await sink.write(old, running(true))).toBe('gone');
    expect(client.callsOf('patch', 'pods')).toHaveLength(0);
    expect(sink.pendingUids()).toEqual([]);
  });

  it('never regresses a terminal phase', async () => {
    const { client, sink, create } = setup();
    const pod = create('job', { phase: 'Succeeded' });
    await sink.write(pod, running(false));
    expect(client.peek<Pod>(PODS, 'default', 'job')?.status?.phase).toBe('Succeeded');
  });

  it('keeps the latest status while the API is down and writes it on the periodic retry', async () => {
    const { client, clock, sink, create } = setup();
    const pod = create('web');
    sink.start();
    client.setDown(true);
    await sink.publish(pod, running(false)); // never throws: deferred
    await sink.publish(pod, running(true));
    expect(sink.pendingUids()).toEqual([pod.metadata?.uid]);
    await clock.step(10_000);
    expect(sink.pendingUids()).toHaveLength(1);
    client.setDown(false);
    await clock.step(10_000);
    expect(sink.pendingUids()).toEqual([]);
    expect(client.peek<Pod>(PODS, 'default', 'web')?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(client.callsOf('patch', 'pods')).toHaveLength(1);
    await sink.stop();
  });

  it('writes a static pod\'s status to its mirror pod, deferring until the mirror exists', async () => {
    const { client, sink, create, setMirror } = setup();
    const staticPod: Pod = { ...podSpec('kube-web-node1'), metadata: { name: 'kube-web-node1', namespace: 'default', uid: 'static-uid', annotations: { 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.hash': 'static-uid' } } };
    expect(await sink.write(staticPod, running(true))).toBe('deferred');
    const mirror = create('kube-web-node1');
    setMirror(mirror);
    await sink.retryPending();
    const patch = client.callsOf('patch', 'pods')[0]?.body as { metadata: { uid: string } };
    expect(patch.metadata.uid).toBe(mirror.metadata?.uid);
    expect(client.peek<Pod>(PODS, 'default', 'kube-web-node1')?.status?.phase).toBe('Running');
    // the mirror is recreated: rewrite() puts the latest status on the new one
    client.remove(PODS, 'default', 'kube-web-node1');
    const again = create('kube-web-node1');
    setMirror(again);
    await sink.rewrite(staticPod);
    expect(client.peek<Pod>(PODS, 'default', 'kube-web-node1')?.status?.phase).toBe('Running');
  });

  it('confirms the deletion of an API pod being deleted when it is removed', async () => {
    const { sink, confirmed, create } = setup();
    const pod = create('web');
    await sink.remove(pod);
    expect(confirmed).toEqual([]);
    await sink.remove({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: T } });
    expect(confirmed).toEqual(['web']);
  });
});
