// Events the API server's own controllers record (scheduler, node lifecycle), in core/v1 form
// as kubectl describe reads them.
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { meta, rfc3339, rfc3339Micro } from '../registry/object-meta.ts';
import type { Registry } from '../registry/registry.ts';
import type { KubeObject } from '../storage/types.ts';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
  host?: string;
  /**
   * events.k8s.io-style events (the scheduler's) carry an action, an eventTime and a reporting
   * instance; core-style ones (node controller) do not.
   */
  action?: string;
}

export async function recordEvent(registry: Registry, clock: Clock, log: Logger, about: KubeObject, e: EventSpec): Promise<void> {
  const m = meta(about);
  // Events about cluster-scoped objects (nodes) live in `default`, as the kubelet's do.
  const namespace = m.namespace !== undefined && m.namespace !== '' ? m.namespace : 'default';
  const now = clock.now();
  const name = `${m.name ?? 'object'}.${(BigInt(now) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16)}`;
  const event: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: {
      kind: about.kind,
      namespace: m.namespace ?? '',
      name: m.name,
      uid: m.uid,
      apiVersion: about.apiVersion,
      resourceVersion: m.resourceVersion,
    },
    reason: e.reason,
    message: e.message,
    source: e.host === undefined ? { component: e.component } : { component: e.component, host: e.host },
    firstTimestamp: rfc3339(now),
    lastTimestamp: rfc3339(now),
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: e.component,
    reportingInstance: e.host ?? '',
  };
  if (e.action !== undefined) {
    event['action'] = e.action;
    event['eventTime'] = rfc3339Micro(now);
    event['reportingInstance'] = e.host ?? `${e.component}-nodelet`;
  }
  try {
    await registry.events.create(namespace, event);
  } catch (err) {
    log.warn({ err, reason: e.reason }, 'could not record event');
  }
}
