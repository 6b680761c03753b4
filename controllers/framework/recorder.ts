// The controllers' event recorder, as client-go's record package makes events for
// kube-controller-manager: source.component names the controller, the event is named
// "<object>.<hex time>" in the object's namespace, and the same (object, type, reason, message)
// seen again is one event whose count and lastTimestamp grow (EventCorrelator). Writes go through
// the shared ApiEventSink (queued, spam-filtered, dropped while the API server is down).
import type { Event as CoreEvent, ObjectReference } from 'kubernetes-types/core/v1.d.ts';
import type { KubeObject } from '../../kube/client/client.ts';
import type { EventSink } from '../../kube/events/api-event-sink.ts';
import type { Clock } from '../../lib/clock.ts';
import { metaTime } from './meta-time.ts';
import type { EventRecorder, EventType } from './types.ts';

/** Correlated events remembered per recorder (client-go's LRU holds 4096). */
const MAX_REMEMBERED = 4096;

function reference(obj: KubeObject): ObjectReference {
  const m = obj.metadata ?? {};
  return {
    ...(obj.kind === undefined ? {} : { kind: obj.kind }),
    ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
    ...(m.name === undefined ? {} : { name: m.name }),
    ...(m.uid === undefined ? {} : { uid: m.uid }),
    ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }),
    ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
  };
}

export class ControllerEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, CoreEvent>();
  private seq = 0;

  constructor(private readonly component: string, private readonly sink: EventSink, private readonly clock: Clock) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const involved = reference(obj);
    const now = this.clock.now();
    const key = [involved.uid ?? '', involved.kind ?? '', involved.name ?? '', type, reason, message].join('\u0000');
    const known = this.seen.get(key);
    if (known !== undefined) {
      known.count = (known.count ?? 1) + 1;
      known.lastTimestamp = metaTime(now);
      this.seen.delete(key);
      this.seen.set(key, known);
      void this.sink.update({ ...known });
      return;
    }
    const namespace = involved.namespace === undefined || involved.namespace === '' ? 'default' : involved.namespace;
    // Unique within this process: milliseconds in nanosecond units plus a sequence.
    const stamp = (BigInt(now) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16);
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.name ?? ''}.${stamp}`, namespace },
      involvedObject: involved,
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: metaTime(now),
      lastTimestamp: metaTime(now),
      source: { component: this.component },
      reportingComponent: this.component,
    };
    this.seen.set(key, event);
    if (this.seen.size > MAX_REMEMBERED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    void this.sink.create({ ...event });
  }
}
