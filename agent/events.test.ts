import type { Event as CoreEvent, Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../lib/clock.ts';
import { EventRecorder } from './events.ts';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
  spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'app' }] },
};

describe('EventRecorder', () => {
  it('deduplicates same object+reason+message with a count and lastTimestamp', async () => {
    const clock = new FakeClock();
    const r = new EventRecorder({ clock, nodeName: 'n1' });
    r.containerEvent(pod, 'app', 'Warning', 'BackOff', 'Back-off restarting failed container app in pod web_ns(u1)');
    await clock.step(10_000);
    r.containerEvent(pod, 'app', 'Warning', 'BackOff', 'Back-off restarting failed container app in pod web_ns(u1)');
    r.containerEvent(pod, 'app', 'Normal', 'Started', 'Started container app');
    const evs = r.list('u1');
    expect(evs).toHaveLength(2);
    expect(evs[0]).toMatchObject({
      reason: 'BackOff', count: 2, type: 'Warning',
      firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:10Z',
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'ns', uid: 'u1', fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: 'n1' },
    });
  });

  it('uses spec.initContainers{} for init containers and no fieldPath for pod events', () => {
    const r = new EventRecorder({ clock: new FakeClock(), nodeName: 'n1' });
    expect(r.containerEvent(pod, 'init', 'Normal', 'Created', 'Created container: init').involvedObject.fieldPath).toBe('spec.initContainers{init}');
    expect(r.podEvent(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.').involvedObject.fieldPath).toBeUndefined();
  });

  it('forwards creates and updates to the sink, and implements the prober sink', async () => {
    const created: CoreEvent[] = [];
    const updated: CoreEvent[] = [];
    const r = new EventRecorder({
      clock: new FakeClock(), nodeName: 'n1',
      sink: { create: (e) => { created.push(e); return Promise.resolve(); }, update: (e) => { updated.push(e); return Promise.resolve(); } },
    });
    r.emit({ pod, containerName: 'app', type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: x' });
    r.emit({ pod, containerName: 'app', type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: x' });
    await Promise.resolve();
    expect(created).toHaveLength(1);
    expect(updated[0]?.count).toBe(2);
  });

  it('is bounded', () => {
    const r = new EventRecorder({ clock: new FakeClock(), nodeName: 'n1', maxEvents: 3 });
    for (let i = 0; i < 5; i++) r.podEvent(pod, 'Normal', 'X', `m${i}`);
    expect(r.list().map((e) => e.message)).toEqual(['m2', 'm3', 'm4']);
  });
});
