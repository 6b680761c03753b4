import type { Event as CoreEvent, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../kube/client/client.ts';
import { FakeClock } from '../../lib/clock.ts';
import { EventRecorder } from '../events.ts';
import { ApiEventSink } from '../../kube/events/api-event-sink.ts';
import { FakeApiClient } from './testing/fake-api-client.ts';

const POD: Pod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop', uid: 'pod-uid', resourceVersion: '7' },
  spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
};

function setup() {
  const client = new FakeApiClient();
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const sink = new ApiEventSink({ client, clock });
  const recorder = new EventRecorder({ clock, nodeName: 'node1', sink });
  const stored = (): CoreEvent[] => client.callsOf('create', 'events').map((c) => client.peek<CoreEvent>(EVENTS, c.namespace, c.name ?? '')).filter((e): e is CoreEvent => e !== undefined);
  return { client, clock, sink, recorder, stored };
}

describe('ApiEventSink', () => {
  it('creates core/v1 Events in the pod namespace with the kubelet as source', async () => {
    const { client, sink, recorder, stored } = setup();
    recorder.containerEvent(POD, 'nginx', 'Normal', 'Started', 'Started container nginx');
    await sink.flush();
    const [call] = client.callsOf('create', 'events');
    expect(call?.namespace).toBe('shop');
    expect(stored()[0]).toMatchObject({
      metadata: { namespace: 'shop', name: expect.stringMatching(/^web\.[0-9a-f]+$/) as unknown },
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'shop', name: 'web', uid: 'pod-uid', fieldPath: 'spec.containers{nginx}' },
      reason: 'Started', message: 'Started container nginx', type: 'Normal', count: 1,
      firstTimestamp: '2026-01-01T12:00:00Z', lastTimestamp: '2026-01-01T12:00:00Z',
      source: { component: 'kubelet', host: 'node1' }, reportingComponent: 'kubelet', reportingInstance: 'node1',
    });
  });

  it('aggregates a repeated event into count and lastTimestamp with PATCHes of the same Event', async () => {
    const { client, clock, sink, recorder, stored } = setup();
    recorder.containerEvent(POD, 'nginx', 'Warning', 'BackOff', 'Back-off restarting failed container nginx in pod web_shop(pod-uid)');
    await clock.step(10_000);
    recorder.containerEvent(POD, 'nginx', 'Warning', 'BackOff', 'Back-off restarting failed container nginx in pod web_shop(pod-uid)');
    await clock.step(20_000);
    recorder.containerEvent(POD, 'nginx', 'Warning', 'BackOff', 'Back-off restarting failed container nginx in pod web_shop(pod-uid)');
    await sink.flush();
    expect(client.callsOf('create', 'events')).toHaveLength(1);
    const patches = client.callsOf('patch', 'events');
    expect(patches).toHaveLength(2);
    expect(patches[1]).toMatchObject({ patchType: 'strategic', name: stored()[0]?.metadata.name, body: { count: 3, lastTimestamp: '2026-01-01T12:00:30Z' } });
    expect(stored()[0]).toMatchObject({ count: 3, firstTimestamp: '2026-01-01T12:00:00Z', lastTimestamp: '2026-01-01T12:00:30Z' });
  });

  it('re-creates an event whose PATCH finds it gone', async () => {
    const { client, sink, recorder } = setup();
    const e = recorder.podEvent(POD, 'Normal', 'Scheduled', 'x');
    await sink.flush();
    client.remove(EVENTS, 'shop', e.metadata.name ?? '');
    recorder.podEvent(POD, 'Normal', 'Scheduled', 'x');
    await sink.flush();
    expect(client.callsOf('create', 'events')).toHaveLength(2);
    expect(client.peek<CoreEvent>(EVENTS, 'shop', e.metadata.name ?? '')?.count).toBe(2);
  });

  it('drops events (never blocks) while the API server is down, and writes again once it is back', async () => {
    const { client, clock, sink, recorder } = setup();
    client.setDown(true);
    recorder.podEvent(POD, 'Normal', 'Pulling', 'Pulling image "nginx"');
    recorder.podEvent(POD, 'Normal', 'Pulled', 'Pulled');
    await clock.step(1000);
    await clock.step(1000);
    await sink.flush();
    // three tries for the first, then the second is dropped without trying (API marked down)
    expect(client.callsOf('create', 'events')).toHaveLength(3);
    expect(sink.droppedCount()).toBe(2);
    client.setDown(false);
    await clock.step(10_000);
    recorder.podEvent(POD, 'Normal', 'Created', 'Created container nginx');
    await sink.flush();
    expect(client.callsOf('create', 'events')).toHaveLength(4);
    expect(client.callsOf('create', 'events')[3]?.body).toMatchObject({ reason: 'Created' });
  });

  it('rate-limits events per object like the recorder\'s spam filter (burst 25, one per 5 min)', async () => {
    const { client, clock, sink, recorder } = setup();
    for (let i = 0; i < 30; i++) recorder.podEvent(POD, 'Warning', 'Unhealthy', `probe failed ${i}`);
    await sink.flush();
    expect(client.callsOf('create', 'events')).toHaveLength(25);
    expect(sink.droppedCount()).toBe(5);
    // another object is not affected
    recorder.podEvent({ ...POD, metadata: { ...POD.metadata, name: 'other', uid: 'other-uid' } }, 'Normal', 'Started', 's');
    await sink.flush();
    expect(client.callsOf('create', 'events')).toHaveLength(26);
    await clock.step(300_000);
    recorder.podEvent(POD, 'Warning', 'Unhealthy', 'probe failed again');
    recorder.podEvent(POD, 'Warning', 'Unhealthy', 'probe failed once more');
    await sink.flush();
    expect(client.callsOf('create', 'events')).toHaveLength(27);
  });
});
