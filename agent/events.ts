// The event recorder: core/v1 Events about pods and their containers, deduplicated like client-go's
// EventCorrelator (same object + type + reason + message → count++ and lastTimestamp), kept in a
// bounded in-memory list and forwarded to a pluggable sink (API mode: create/patch Events).
// Implements the prober/hooks ContainerEventSink so probes and hooks report through it.
import type { Event as CoreEvent, ObjectReference, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { silentLogger } from '../lib/log.ts';
import type { ContainerEventRecord, ContainerEventSink } from './prober/events.ts';
import { findContainer, rfc3339 } from './pod-util.ts';
import type { EventSink } from '../kube/events/api-event-sink.ts';

export type { EventSink };

export type EventType = 'Normal' | 'Warning';

/** Reasons the agent emits (pkg/kubelet/events). */
export const EventReason = {
  Pulling: 'Pulling',
  Pulled: 'Pulled',
  Created: 'Created',
  Started: 'Started',
  Killing: 'Killing',
  Unhealthy: 'Unhealthy',
  BackOff: 'BackOff',
  Failed: 'Failed',
  ErrImageNeverPull: 'ErrImageNeverPull',
  InspectFailed: 'InspectFailed',
  FailedPostStartHook: 'FailedPostStartHook',
  FailedPreStopHook: 'FailedPreStopHook',
  ProbeWarning: 'ProbeWarning',
  SandboxChanged: 'SandboxChanged',
  FailedCreatePodSandBox: 'FailedCreatePodSandBox',
  FailedMount: 'FailedMount',
  DeadlineExceeded: 'DeadlineExceeded',
  ExceededGracePeriod: 'ExceededGracePeriod',
} as const;


export interface EventRecorderOptions {
  clock: Clock;
  nodeName: string;
  sink?: EventSink;
  log?: Logger;
  /** Events kept in memory (oldest dropped first). */
  maxEvents?: number;
}

export class EventRecorder implements ContainerEventSink {
  private readonly events = new Map<string, CoreEvent>();
  private seq = 0;
  private readonly log: Logger;
  private readonly maxEvents: number;

  constructor(private readonly opts: EventRecorderOptions) {
    this.log = opts.log ?? silentLogger;
    this.maxEvents = opts.maxEvents ?? 2000;
  }

  /** ContainerEventSink (probes, hooks). */
  emit(record: ContainerEventRecord): void {
    this.containerEvent(record.pod, record.containerName, record.type, record.reason, record.message);
  }

  podEvent(pod: Pod, type: EventType, reason: string, message: string): CoreEvent {
    return this.record(pod, undefined, type, reason, message);
  }

  containerEvent(pod: Pod, containerName: string, type: EventType, reason: string, message: string): CoreEvent {
    const found = findContainer(pod, containerName);
    const fieldPath = found === undefined ? undefined : `${found.kind === 'regular' ? 'spec.containers' : 'spec.initContainers'}{${containerName}}`;
    return this.record(pod, fieldPath, type, reason, message);
  }

  /** Events, oldest first; optionally only those about one pod (uid). */
  list(podUid?: string): CoreEvent[] {
    const all = [...this.events.values()];
    return podUid === undefined ? all : all.filter((e) => e.involvedObject.uid === podUid);
  }

  /** Forgets a pod's events (after it is gone). */
  forgetPod(podUid: string): void {
    for (const [k, e] of this.events) if (e.involvedObject.uid === podUid) this.events.delete(k);
  }

  private record(pod: Pod, fieldPath: string | undefined, type: EventType, reason: string, message: string): CoreEvent {
    const now = rfc3339(this.opts.clock.now());
    const involvedObject: ObjectReference = {
      kind: 'Pod',
      apiVersion: 'v1',
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? 'default',
      uid: pod.metadata?.uid ?? '',
      ...(pod.metadata?.resourceVersion === undefined ? {} : { resourceVersion: pod.metadata.resourceVersion }),
      ...(fieldPath === undefined ? {} : { fieldPath }),
    };
    const key = [involvedObject.uid, fieldPath ?? '', type, reason, message].join('\u0000');
    const existing = this.events.get(key);
    if (existing !== undefined) {
      existing.count = (existing.count ?? 1) + 1;
      existing.lastTimestamp = now;
      // move to the end (most recent)
      this.events.delete(key);
      this.events.set(key, existing);
      this.forward('update', existing);
      return existing;
    }
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${involvedObject.name ?? ''}.${(Date.now() * 1000 + (this.seq++ % 1000)).toString(16)}`,
        namespace: involvedObject.namespace ?? 'default',
      },
      involvedObject,
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'kubelet', host: this.opts.nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: this.opts.nodeName,
    };
    this.events.set(key, event);
    while (this.events.size > this.maxEvents) {
      const oldest = this.events.keys().next().value;
      if (oldest === undefined) break;
      this.events.delete(oldest);
    }
    this.log.debug({ pod: involvedObject.name, type, reason, message }, 'event');
    this.forward('create', event);
    return event;
  }

  private forward(kind: 'create' | 'update', event: CoreEvent): void {
    const sink = this.opts.sink;
    if (sink === undefined) return;
    const copy = structuredClone(event);
    sink[kind](copy).catch((err: unknown) => { this.log.warn({ err, reason: event.reason }, 'event sink failed'); });
  }
}
